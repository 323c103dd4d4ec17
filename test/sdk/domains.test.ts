/**
 * The SDK's domain clients (sdk/src/clients/): each works on its own, connected from the same options a
 * `PharmaChainClient` takes, through a small protocol run on the Hardhat network; and `PharmaChainClient` is only
 * their sum: by reflection, every method of it is a delegate to one domain client's (sending the same arguments and
 * returning the domain client's answer) or one of the documented cross-domain methods, and every domain method is
 * reachable from it. The lists come from the objects themselves, so a method added to either side without the other
 * fails here.
 */
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import {
  CLIENT_CROSS_DOMAIN_METHODS,
  ClientOptions,
  CustodyClient,
  LotsClient,
  PharmaChainClient,
  RegistryClient,
  TradeClient,
} from "../../sdk/src/client";
import * as sdk from "../../sdk/src";
import { deployProtocol } from "../../sdk/src/deploy";
import { ConfigurationError, ContractRevertError } from "../../sdk/src/errors";
import {
  LotStatus,
  OrderStatus,
  PackState,
  ProductStatus,
  Role,
  ShipmentStatus,
  StakeholderStatus,
} from "../../sdk/src/enums";
import { Manifest } from "../../sdk/src/manifest";
import { batchRecordHash, buildLotAttestation, signLotAttestation } from "../../sdk/src/attestation";
import { DAY, GLN, GTIN, YEAR, serialsFor } from "../helpers/fixture";

const DOMAINS = ["registry", "lots", "custody", "trade"] as const;

/** The shared context's own values that `PharmaChainClient` keeps as properties (the bindings and the network's). */
const CONTEXT_PROPERTIES = [
  "registry",
  "lots",
  "custody",
  "orders",
  "provider",
  "runner",
  "chainId",
  "addresses",
  "ordersAddress",
] as const;

/** The public methods an object's class defines (its prototype chain up to `Object`), constructor aside. */
function methodsOf(object: object): string[] {
  const names = new Set<string>();
  for (let p = Object.getPrototypeOf(object); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name !== "constructor" && typeof Object.getOwnPropertyDescriptor(p, name)!.value === "function") {
        names.add(name);
      }
    }
  }
  return [...names].sort();
}

/** A domain client's public methods but `withRunner` (each class's own plumbing, as `PharmaChainClient`'s is). */
function domainMethodsOf(object: object): string[] {
  return methodsOf(object).filter((name) => name !== "withRunner");
}

/** The own properties whose values are functions (a client's write operations). */
function operationsOf(object: object): string[] {
  return Object.keys(object)
    .filter((name) => typeof (object as Record<string, unknown>)[name] === "function")
    .sort();
}

async function deployed() {
  const [council, regulator, manufacturer, distributor, outsider] = await ethers.getSigners();
  const deployment = await deployProtocol(council);
  const options: ClientOptions = { runner: council, deployment };
  return { council, regulator, manufacturer, distributor, outsider, deployment, options };
}

describe("SDK domain clients", function () {
  describe("PharmaChainClient is the sum of the domain clients", function () {
    it("shares one context with its domain clients, and keeps the bindings and network values it had", async function () {
      const w = await loadFixture(deployed);
      const client = await PharmaChainClient.connect(w.options);
      expect(Object.keys(client.domains).sort()).to.deep.equal([...DOMAINS].sort());
      expect(client.domains.registry).to.be.instanceOf(RegistryClient);
      expect(client.domains.lots).to.be.instanceOf(LotsClient);
      expect(client.domains.custody).to.be.instanceOf(CustodyClient);
      expect(client.domains.trade).to.be.instanceOf(TradeClient);
      for (const d of DOMAINS) expect(client.domains[d].context, d).to.equal(client.context);
      for (const name of CONTEXT_PROPERTIES) expect(client[name], name).to.equal(client.context[name]);
      // the bindings are still the TypeChain contracts (integrators call them directly)
      expect(await client.custody.getAddress()).to.equal(w.deployment.custody);
      expect(await client.registry.getAddress()).to.equal(w.deployment.registry);
      // a new runner gives new domain clients over a new context, the old one untouched
      const other = client.withRunner(w.distributor);
      expect(other.context).to.not.equal(client.context);
      for (const d of DOMAINS) expect(other.domains[d].context, d).to.equal(other.context);
      expect(await other.account()).to.equal(w.distributor.address);
      expect(await client.account()).to.equal(w.council.address);
    });

    it("has no property that is neither a context value, a domain client nor a domain client's operation", async function () {
      const w = await loadFixture(deployed);
      const client = await PharmaChainClient.connect(w.options);
      const operations = operationsOf(client);
      const values = Object.keys(client).filter((name) => !operations.includes(name));
      expect(values.sort()).to.deep.equal([...CONTEXT_PROPERTIES, "context", "domains"].sort());
      expect(operations.length).to.be.greaterThan(40);
      for (const name of operations) {
        const owners = DOMAINS.filter(
          (d) =>
            (client.domains[d] as unknown as Record<string, unknown>)[name] ===
            (client as unknown as Record<string, unknown>)[name],
        );
        expect(owners, `client.${name} is not one domain client's operation`).to.have.lengthOf(1);
        const operation = (client as unknown as Record<string, { dryRun?: unknown }>)[name];
        expect(operation.dryRun, `client.${name}.dryRun`).to.be.a("function");
      }
    });

    it("delegates every method to exactly one domain client, with the same arguments and answer, except the documented cross-domain ones", async function () {
      const w = await loadFixture(deployed);
      const client = await PharmaChainClient.connect(w.options);
      const methods = methodsOf(client);
      const crossDomain: string[] = [];
      let delegates = 0;
      for (const name of methods) {
        const owners = DOMAINS.filter((d) => domainMethodsOf(client.domains[d]).includes(name));
        if (owners.length === 0) {
          crossDomain.push(name);
          continue;
        }
        expect(owners, `${name} is a method of several domain clients`).to.have.lengthOf(1);
        // Replace the domain client's method (on that instance only) and call the client's: a delegate hands over
        // exactly its arguments and returns exactly the answer.
        const domain = client.domains[owners[0]] as unknown as Record<string, unknown>;
        const calls: unknown[][] = [];
        const answer = Promise.resolve({ from: owners[0], name });
        domain[name] = (...args: unknown[]) => {
          calls.push(args);
          return answer;
        };
        try {
          const args = [Symbol("a"), { b: 2n }, [3]];
          const returned = (client as unknown as Record<string, (...a: unknown[]) => unknown>)[name](...args);
          expect(returned, `client.${name} returns the domain client's answer`).to.equal(answer);
          expect(calls, `client.${name} passes its arguments on`).to.deep.equal([args]);
        } finally {
          delete domain[name];
        }
        delegates++;
      }
      expect(crossDomain.sort(), "the cross-domain methods are those documented").to.deep.equal(
        [...CLIENT_CROSS_DOMAIN_METHODS].sort(),
      );
      expect(delegates).to.be.greaterThan(10);
      // the stubs are gone: the methods are the classes' again
      for (const d of DOMAINS)
        expect(Object.keys(client.domains[d]).filter((k) => methods.includes(k))).to.deep.equal([]);
    });

    it("reaches every domain client's method and operation (withRunner and connect aside)", async function () {
      const w = await loadFixture(deployed);
      const client = await PharmaChainClient.connect(w.options);
      const reachable = new Set([...methodsOf(client), ...operationsOf(client)]);
      for (const d of DOMAINS) {
        const own = [...domainMethodsOf(client.domains[d]), ...operationsOf(client.domains[d])];
        expect(own.length, d).to.be.greaterThan(3);
        expect(
          own.filter((name) => !reachable.has(name)),
          `${d} methods PharmaChainClient does not offer`,
        ).to.deep.equal([]);
      }
    });

    it("exports the domain classes from the package's entry", function () {
      for (const name of ["RegistryClient", "LotsClient", "CustodyClient", "TradeClient", "ClientContext"] as const) {
        expect(sdk[name], name).to.be.a("function");
      }
      expect(sdk.RegistryClient).to.equal(RegistryClient);
      expect(sdk.CLIENT_CROSS_DOMAIN_METHODS).to.equal(CLIENT_CROSS_DOMAIN_METHODS);
    });
  });

  describe("each domain client on its own", function () {
    it("runs the protocol from stakeholders to an order, each client connected from the same options", async function () {
      const w = await loadFixture(deployed);
      const registry = await RegistryClient.connect(w.options);
      const lots = await LotsClient.connect(w.options);
      const custody = await CustodyClient.connect(w.options);
      const trade = await TradeClient.connect(w.options);
      // each connected on its own: its own context, the same chain and addresses
      const contexts = [registry, lots, custody, trade].map((c) => c.context);
      expect(new Set(contexts).size).to.equal(4);
      for (const c of contexts) {
        expect(c.addresses).to.deep.equal(contexts[0].addresses);
        expect(c.ordersAddress).to.equal(contexts[0].ordersAddress);
      }

      // registry: a regulator, two licensed parties, an approved product
      const until = BigInt(await time.latest()) + YEAR;
      await registry.appointRegulator({
        account: w.regulator.address,
        gln: GLN,
        jurisdiction: "BD",
        validUntil: until,
      });
      for (const [signer, role] of [
        [w.manufacturer, Role.Manufacturer],
        [w.distributor, Role.Distributor],
      ] as const) {
        await registry.withRunner(signer).applyForRole({ role, gln: 0, jurisdiction: "BD" });
        await registry.withRunner(w.regulator).approveStakeholder(signer.address, until);
      }
      const maker = await registry.stakeholder(w.manufacturer.address);
      expect([maker.role, maker.status, maker.jurisdiction]).to.deep.equal([
        Role.Manufacturer,
        StakeholderStatus.Active,
        "BD",
      ]);
      expect(await registry.isAuthorised(w.distributor.address, Role.Distributor)).to.equal(true);
      await registry.withRunner(w.manufacturer).registerProduct(GTIN, "product");
      await registry.withRunner(w.regulator).approveProduct(GTIN);
      expect((await registry.product(GTIN)).status).to.equal(ProductStatus.Approved);

      // lots: a lot of 8 packs, commissioned with both signatures by an outsider
      const manifest = Manifest.fromSerials(serialsFor("DOM-", 8));
      const now = BigInt(await time.latest());
      const attestation = buildLotAttestation({
        gtin: GTIN,
        lotNumber: "DOM-1",
        expiresAt: now + YEAR,
        unitCount: manifest.size,
        serialsRoot: manifest.root,
        dataHash: batchRecordHash("batch record DOM-1"),
        manufacturer: w.manufacturer.address,
        deadline: now + DAY,
      });
      const domain = lots.context.domain();
      const sig = async (s: typeof w.manufacturer) => ({
        signer: s.address,
        signature: await signLotAttestation(s, domain, attestation),
      });
      const byOutsider = lots.withRunner(w.outsider);
      const dry = await byOutsider.commissionLot.dryRun({
        attestation,
        manufacturerSignature: await sig(w.manufacturer),
        regulatorSignature: await sig(w.regulator),
      });
      expect(dry.result).to.deep.equal({ lotId: attestation.lotId, released: true });
      const commissioned = await byOutsider.commissionLot({
        attestation,
        manufacturerSignature: await sig(w.manufacturer),
        regulatorSignature: await sig(w.regulator),
      });
      expect(commissioned.lotId).to.equal(attestation.lotId);
      expect(commissioned.released).to.equal(true);
      expect(commissioned.tx.from).to.equal(w.outsider.address);
      const lot = await lots.lot(commissioned.lotId);
      expect([lot.status, lot.unitCount, lot.serialsRoot]).to.deep.equal([LotStatus.Released, 8, manifest.root]);

      // custody: five packs shipped and received, one refusal explained by name
      const shipped = await custody
        .withRunner(w.manufacturer)
        .ship({ buyer: w.distributor.address, ranges: [{ lotId: lot.lotId, start: 0, end: 5 }] });
      expect(shipped.packCount).to.equal(5n);
      let refusal: unknown;
      try {
        await custody.withRunner(w.outsider).receiveShipment(shipped.shipmentId);
      } catch (error) {
        refusal = error;
      }
      expect(refusal).to.be.instanceOf(ContractRevertError);
      expect((refusal as ContractRevertError).errorName).to.equal("CustodyNotParty");
      expect((refusal as ContractRevertError).args).to.deep.equal({
        shipmentId: shipped.shipmentId,
        account: w.outsider.address,
      });
      await custody.withRunner(w.distributor).receiveShipment(shipped.shipmentId);
      expect((await custody.shipment(shipped.shipmentId)).status).to.equal(ShipmentStatus.Received);
      const pack4 = await custody.packStatus(lot.lotId, 4);
      expect([pack4.holder, pack4.state]).to.deep.equal([w.distributor.address, PackState.Active]);
      expect((await custody.runs(lot.lotId)).map((r) => [r.start, r.end, r.holder])).to.deep.equal([
        [0, 5, w.distributor.address],
        [5, 8, w.manufacturer.address],
      ]);

      // trade: a price agreed, an order placed at it, the distributor's inventory
      const validUntil = BigInt(await time.latest()) + 30n * DAY;
      const offered = await trade
        .withRunner(w.manufacturer)
        .offerPrice({ buyer: w.distributor.address, gtin: GTIN, price: "1.25", currency: "USD", validUntil });
      await trade.withRunner(w.distributor).acceptOffer(offered.offerId);
      const placed = await trade
        .withRunner(w.distributor)
        .placeOrder({ seller: w.manufacturer.address, gtin: GTIN, quantity: 3 });
      const order = await trade.order(placed.orderId);
      expect([order.status, order.quantity, order.price]).to.deep.equal([OrderStatus.Placed, 3, "1.25 USD"]);
      expect(await trade.orderCount()).to.equal(1n);
      const inventory = await trade.inventory(w.distributor.address, [lot.lotId]);
      expect(inventory.totals.available).to.equal(5n);
      expect((await trade.inventoryOf(w.manufacturer.address)).totals.available).to.equal(3n);

      // and a PharmaChainClient from the same options reads the same state through its domain clients
      const client = await PharmaChainClient.connect(w.options);
      expect(await client.packStatus(lot.lotId, 4)).to.deep.equal(pack4);
      expect(await client.domains.trade.order(placed.orderId)).to.deep.equal(order);
    });

    it("shares a context built once: domain clients constructed over it see the same bindings", async function () {
      const w = await loadFixture(deployed);
      const client = await PharmaChainClient.connect(w.options);
      const registry = new RegistryClient(client.context);
      const custody = new CustodyClient(client.context);
      expect(registry.context).to.equal(custody.context);
      expect(registry.context.registry).to.equal(client.registry);
      expect((await registry.stakeholder(w.council.address)).status).to.equal(StakeholderStatus.None);
      // a provider-only context reads but refuses to send, as the whole client does
      const reader = new RegistryClient(client.context.withRunner(ethers.provider));
      expect(await reader.isAuthorised(w.council.address, Role.Regulator)).to.equal(false);
      let refusal: unknown;
      try {
        await reader.pause();
      } catch (error) {
        refusal = error;
      }
      expect(refusal).to.be.instanceOf(ConfigurationError);
      expect((refusal as Error).message).to.equal(
        "this client was connected with a provider only: connect a signer to send transactions",
      );
    });
  });
});
