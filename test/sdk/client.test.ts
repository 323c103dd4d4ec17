/**
 * The SDK's client (sdk/src/client.ts), deployer (sdk/src/deploy.ts) and attestation checks (sdk/src/attestation.ts),
 * in-process on the Hardhat network: every step of the protocol through the client only, dry runs, refusals as
 * `ContractRevertError`s, reads, and one party signing through a `BrowserProvider` (EIP-1193) as a browser wallet does.
 */
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import {
  BrowserProvider,
  Signature,
  Signer,
  Wallet,
  ZeroAddress,
  concat,
  getBytes,
  hexlify,
  id,
  toBeHex,
} from "ethers";
import hre, { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { PharmaChainClient, illegitimacyProposalId, toBytes32 } from "../../sdk/src/client";
import { deployProtocol } from "../../sdk/src/deploy";
import { ConfigurationError, ContractRevertError, InvalidInputError, NotFoundError } from "../../sdk/src/errors";
import { LotStatus, PackState, ProductStatus, Role, ShipmentStatus, StakeholderStatus } from "../../sdk/src/enums";
import { Manifest } from "../../sdk/src/manifest";
import { gtinToUint64, lotIdOf } from "../../sdk/src/gs1";
import {
  LotAttestation,
  attestationDigest,
  batchRecordHash,
  buildLotAttestation,
  signLotAttestation,
  verifyAttestationSignature,
} from "../../sdk/src/attestation";
import { ERC1271MaliciousMock__factory, ERC1271WalletMock__factory } from "../../typechain-types";
import { PackCustody__factory } from "../../typechain-types/factories/contracts/PackCustody__factory";
import { ProductLots__factory } from "../../typechain-types/factories/contracts/ProductLots__factory";
import { StakeholderRegistry__factory } from "../../typechain-types/factories/contracts/StakeholderRegistry__factory";
import { DAY, GLN, GTIN, YEAR, serialsFor } from "../helpers/fixture";

/** A second valid GTIN-14 that no one registers. */
const GTIN_UNREGISTERED = gtinToUint64("00614141777778");

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

// ------------------------------------------------------------------ the world, built through the client only

async function clientWorld() {
  const [
    council,
    regulator,
    regulator2,
    manufacturer,
    manufacturer2,
    distributor,
    distributor2,
    transporter,
    dispenser,
    dispenser2,
    outsider,
  ] = await ethers.getSigners();
  const steps: [string, string][] = [];
  const deployment = await deployProtocol(council, { onProgress: (step, address) => steps.push([step, address]) });
  const admin = await PharmaChainClient.connect({ runner: council, deployment });
  const as = (signer: Signer) => admin.withRunner(signer);
  const licenceUntil = BigInt(await time.latest()) + 2n * YEAR;
  const appointed = await admin.appointRegulator({
    account: regulator.address,
    licence: "licence:regulator",
    gln: GLN,
    jurisdiction: "BD",
    validUntil: licenceUntil,
  });
  await admin.appointRegulator({
    account: regulator2.address,
    licence: "licence:regulator2",
    gln: 0,
    jurisdiction: "BD",
    validUntil: licenceUntil,
  });
  const parties: [HardhatEthersSigner, Role][] = [
    [manufacturer, Role.Manufacturer],
    [manufacturer2, Role.Manufacturer],
    [distributor, Role.Distributor],
    [distributor2, Role.Distributor],
    [transporter, Role.Transporter],
    [dispenser, Role.Dispenser],
    [dispenser2, Role.Dispenser],
  ];
  for (const [signer, role] of parties) {
    await as(signer).applyForRole({
      role,
      licence: `licence:${signer.address}`,
      gln: 0,
      jurisdiction: "BD",
      metadata: `meta:${signer.address}`,
    });
    await as(regulator).approveStakeholder(signer.address, licenceUntil);
  }
  await as(manufacturer).registerProduct(GTIN, "product:1");
  await as(regulator).approveProduct(GTIN);
  return {
    deployment,
    steps,
    admin,
    as,
    licenceUntil,
    appointed,
    council,
    regulator,
    regulator2,
    manufacturer,
    manufacturer2,
    distributor,
    distributor2,
    transporter,
    dispenser,
    dispenser2,
    outsider,
  };
}

type ClientWorld = Awaited<ReturnType<typeof clientWorld>>;

interface NewLot {
  lotId: string;
  manifest: Manifest;
  attestation: LotAttestation;
  released: boolean;
}

async function attestationOf(w: ClientWorld, manifest: Manifest, lotNumber: string): Promise<LotAttestation> {
  const now = BigInt(await time.latest());
  return buildLotAttestation({
    gtin: GTIN,
    lotNumber,
    expiresAt: now + YEAR,
    unitCount: manifest.size,
    serialsRoot: manifest.root,
    dataHash: batchRecordHash(`batch record ${lotNumber}`),
    manufacturer: w.manufacturer.address,
    deadline: now + DAY,
  });
}

/** Commissions a lot of `size` packs through the client, submitted by the outsider (anyone may submit). */
async function newLot(w: ClientWorld, lotNumber: string, size: number, both = true): Promise<NewLot> {
  const manifest = Manifest.fromSerials(serialsFor(`${lotNumber}-`, size));
  const attestation = await attestationOf(w, manifest, lotNumber);
  const domain = w.admin.domain();
  const written = await w.as(w.outsider).commissionLot({
    attestation,
    manufacturerSignature: {
      signer: w.manufacturer.address,
      signature: await signLotAttestation(w.manufacturer, domain, attestation),
    },
    regulatorSignature: both
      ? { signer: w.regulator.address, signature: await signLotAttestation(w.regulator, domain, attestation) }
      : undefined,
  });
  return { lotId: written.lotId, manifest, attestation, released: written.released };
}

function pack(lot: NewLot, index: number) {
  const serial = lot.manifest.serials[index];
  const { proof } = lot.manifest.proof(serial);
  return { lotId: lot.lotId, index, serial, proof };
}

/** The error `promise` rejects with, checked to be an instance of `type`. */
async function rejection<E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  let error: unknown;
  try {
    await promise;
  } catch (caught) {
    error = caught;
  }
  expect(error, "expected a rejection").to.be.instanceOf(type);
  return error as E;
}

async function revert(promise: Promise<unknown>, errorName: string): Promise<ContractRevertError> {
  const error = await rejection(promise, ContractRevertError);
  expect(error.errorName).to.equal(errorName);
  return error;
}

// ------------------------------------------------------------------ tests

describe("SDK client", function () {
  describe("connect", function () {
    it("connects to a deployment and checks its chain id when it has one", async function () {
      const w = await loadFixture(clientWorld);
      const chainId = (await ethers.provider.getNetwork()).chainId;
      const client = await PharmaChainClient.connect({
        runner: w.manufacturer,
        deployment: { ...w.deployment, chainId },
      });
      expect(client.chainId).to.equal(chainId);
      expect(client.addresses).to.deep.equal({
        registry: w.deployment.registry,
        lots: w.deployment.lots,
        custody: w.deployment.custody,
      });
      expect(await client.account()).to.equal(w.manufacturer.address);
      const { chainId: _, ...addressesOnly } = w.deployment;
      expect(
        (await PharmaChainClient.connect({ runner: ethers.provider, deployment: addressesOnly })).chainId,
      ).to.equal(chainId);
    });

    it("refuses a deployment of another chain", async function () {
      const w = await loadFixture(clientWorld);
      const error = await rejection(
        PharmaChainClient.connect({ runner: w.manufacturer, deployment: { ...w.deployment, chainId: 11155111n } }),
        ConfigurationError,
      );
      expect(error.message).to.contain("11155111").and.to.contain(String(w.deployment.chainId));
    });

    it("refuses an address without code, naming the contract", async function () {
      const w = await loadFixture(clientWorld);
      const error = await rejection(
        PharmaChainClient.connect({
          runner: w.manufacturer,
          deployment: { ...w.deployment, custody: w.outsider.address },
        }),
        ConfigurationError,
      );
      expect(error.shortMessage).to.contain("custody").and.to.contain(w.outsider.address);
    });

    it("refuses a signer that has no provider", async function () {
      const w = await loadFixture(clientWorld);
      await rejection(
        PharmaChainClient.connect({ runner: Wallet.createRandom(), deployment: w.deployment }),
        ConfigurationError,
      );
    });
  });

  describe("deployProtocol", function () {
    it("deploys the three contracts and custody's run store wired together, with the council as admin", async function () {
      const w = await loadFixture(clientWorld);
      const d = w.deployment;
      expect(d.chainId).to.equal((await ethers.provider.getNetwork()).chainId);
      expect(w.steps.map(([step]) => step)).to.deep.equal([
        "StakeholderRegistry",
        "ProductLots",
        "PackRunsStore",
        "PackCustody",
      ]);
      expect(w.steps.filter(([step]) => step !== "PackRunsStore")).to.deep.equal([
        ["StakeholderRegistry", d.registry],
        ["ProductLots", d.lots],
        ["PackCustody", d.custody],
      ]);
      // Custody's code calls the deployed store: its address is linked into the bytecode.
      const store = w.steps.find(([step]) => step === "PackRunsStore")![1];
      const code = await ethers.provider.getCode(d.custody);
      expect(code.toLowerCase()).to.contain(store.slice(2).toLowerCase());
      const custody = PackCustody__factory.connect(d.custody, ethers.provider);
      const [registry, lots] = await custody.dependencies();
      expect([registry, lots]).to.deep.equal([d.registry, d.lots]);
      expect(await ProductLots__factory.connect(d.lots, ethers.provider).registry()).to.equal(d.registry);
      const reg = StakeholderRegistry__factory.connect(d.registry, ethers.provider);
      expect(await reg.defaultAdmin()).to.equal(w.council.address);
      expect(await reg.defaultAdminDelay()).to.equal(3n * DAY);
    });

    it("takes another council and admin delay", async function () {
      const [deployer, council] = await ethers.getSigners();
      const d = await deployProtocol(deployer, { council: council.address, adminDelay: 3600 });
      const reg = StakeholderRegistry__factory.connect(d.registry, ethers.provider);
      expect(await reg.defaultAdmin()).to.equal(council.address);
      expect(await reg.defaultAdminDelay()).to.equal(3600n);
    });
  });

  describe("onboarding, products and lots", function () {
    it("onboarded every party and the product through the client", async function () {
      const w = await loadFixture(clientWorld);
      const { tx } = w.appointed;
      const receipt = (await ethers.provider.getTransactionReceipt(tx.hash))!;
      expect(tx.hash).to.match(/^0x[0-9a-f]{64}$/);
      expect(tx).to.deep.equal({
        hash: receipt.hash,
        blockNumber: receipt.blockNumber,
        gasUsed: receipt.gasUsed,
        from: w.council.address,
      });
      expect(tx.gasUsed > 0n).to.equal(true);

      const regulator = await w.admin.stakeholder(w.regulator.address);
      expect(regulator).to.include({
        account: w.regulator.address,
        role: Role.Regulator,
        status: StakeholderStatus.Active,
        jurisdiction: "BD",
      });
      expect(regulator.gln).to.equal(GLN);
      expect(regulator.validUntil).to.equal(w.licenceUntil);
      expect(regulator.licenceHash).to.equal(id("licence:regulator"));
      const dispenser = await w.admin.stakeholder(w.dispenser.address);
      expect(dispenser).to.include({
        role: Role.Dispenser,
        status: StakeholderStatus.Active,
        metadataHash: id(`meta:${w.dispenser.address}`),
      });
      expect(await w.admin.isAuthorised(w.dispenser.address, Role.Dispenser)).to.equal(true);
      expect(await w.admin.isAuthorised(w.outsider.address, Role.Dispenser)).to.equal(false);
      expect(await w.admin.stakeholder(w.outsider.address)).to.include({
        role: Role.None,
        status: StakeholderStatus.None,
      });

      const product = await w.admin.product(GTIN);
      expect(product).to.include({ gtin: GTIN, manufacturer: w.manufacturer.address, status: ProductStatus.Approved });
      expect((await w.admin.product(GTIN_UNREGISTERED)).status).to.equal(ProductStatus.None);
    });

    it("refuses an invalid jurisdiction before sending anything", async function () {
      const w = await loadFixture(clientWorld);
      await rejection(
        w.as(w.outsider).applyForRole({ role: Role.Distributor, gln: 0, jurisdiction: "bd" }),
        InvalidInputError,
      );
      expect((await w.admin.stakeholder(w.outsider.address)).status).to.equal(StakeholderStatus.None);
    });

    it("commissions a lot with both signatures: its id is lotIdOf(gtin, lot number) and it is released", async function () {
      const w = await loadFixture(clientWorld);
      const lot = await newLot(w, "LOT-C1", 8);
      expect(lot.lotId).to.equal(lotIdOf(GTIN, "LOT-C1"));
      expect(lot.released).to.equal(true);
      const record = await w.admin.lot(lot.lotId);
      expect(record).to.include({
        lotId: lot.lotId,
        gtin: GTIN,
        manufacturer: w.manufacturer.address,
        unitCount: 8,
        status: LotStatus.Released,
        recalled: false,
        serialsRoot: lot.manifest.root,
        dataHash: batchRecordHash("batch record LOT-C1"),
        manufacturerSigner: w.manufacturer.address,
        regulatorSigner: w.regulator.address,
      });
      expect(record.expiresAt).to.equal(lot.attestation.expiresAt);
      expect(record.releasedAt > 0n).to.equal(true);
    });

    it("commissions with one signature, then cosignLot releases the lot", async function () {
      const w = await loadFixture(clientWorld);
      const lot = await newLot(w, "LOT-C2", 4, false);
      expect(lot.released).to.equal(false);
      expect((await w.admin.lot(lot.lotId)).status).to.equal(LotStatus.Pending);
      const signature = await signLotAttestation(w.regulator2, w.admin.domain(), lot.attestation);
      const cosigned = await w.as(w.outsider).cosignLot(lot.attestation, { signer: w.regulator2.address, signature });
      expect(cosigned.released).to.equal(true);
      expect(await w.admin.lot(lot.lotId)).to.include({
        status: LotStatus.Released,
        regulatorSigner: w.regulator2.address,
      });
    });

    it("voids a pending lot, which is then unknown", async function () {
      const w = await loadFixture(clientWorld);
      const lot = await newLot(w, "LOT-C3", 4, false);
      await w.as(w.manufacturer).voidLot(lot.lotId, "draft attestation");
      const error = await rejection(w.admin.lot(lot.lotId), NotFoundError);
      expect(error.message).to.contain(lot.lotId);
      await revert(w.as(w.manufacturer).voidLot(lot.lotId), "LotsUnknownLot");
    });

    it("recalls a lot: it can then not ship", async function () {
      const w = await loadFixture(clientWorld);
      const lot = await newLot(w, "LOT-C4", 4);
      await w.as(w.regulator).recallLot(lot.lotId, "contamination");
      const record = await w.admin.lot(lot.lotId);
      expect(record.recalled).to.equal(true);
      expect(record.recalledAt > 0n).to.equal(true);
      const error = await revert(
        w.as(w.manufacturer).ship({ buyer: w.distributor.address, ranges: [{ lotId: lot.lotId, start: 0, end: 2 }] }),
        "CustodyLotRecalled",
      );
      expect(error.args).to.deep.equal({ lotId: lot.lotId });
    });

    it("dry-runs commissionLot: the lot id and release it would have, the gas, and nothing recorded", async function () {
      const w = await loadFixture(clientWorld);
      const manifest = Manifest.fromSerials(serialsFor("DRY-", 4));
      const attestation = await attestationOf(w, manifest, "LOT-DRY");
      const domain = w.admin.domain();
      const args = {
        attestation,
        manufacturerSignature: {
          signer: w.manufacturer.address,
          signature: await signLotAttestation(w.manufacturer, domain, attestation),
        },
        regulatorSignature: {
          signer: w.regulator.address,
          signature: await signLotAttestation(w.regulator, domain, attestation),
        },
      };
      const block = await ethers.provider.getBlockNumber();
      const dry = await w.as(w.outsider).commissionLot.dryRun(args);
      expect(dry.gas > 21_000n).to.equal(true);
      expect(dry.result).to.deep.equal({ lotId: lotIdOf(GTIN, "LOT-DRY"), released: true });
      const oneSigned = await w.as(w.outsider).commissionLot.dryRun({ ...args, regulatorSignature: undefined });
      expect(oneSigned.result).to.deep.equal({ lotId: lotIdOf(GTIN, "LOT-DRY"), released: false });
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
      await rejection(w.admin.lot(attestation.lotId), NotFoundError);
      // the real call then gives what the dry run said
      const written = await w.as(w.outsider).commissionLot(args);
      expect(written.tx.gasUsed <= dry.gas).to.equal(true);
      expect({ lotId: written.lotId, released: written.released }).to.deep.equal(dry.result);
    });

    it("dry-runs a refusal as the same ContractRevertError", async function () {
      const w = await loadFixture(clientWorld);
      await revert(w.as(w.outsider).registerProduct.dryRun(GTIN_UNREGISTERED, "x"), "UnauthorisedAccount");
      await revert(w.as(w.manufacturer).registerProduct.dryRun(GTIN), "ProductsAlreadyRegistered");
    });
  });

  describe("custody", function () {
    it("ships (hints looked up), picks up, hands over and receives", async function () {
      const w = await loadFixture(clientWorld);
      const lot = await newLot(w, "LOT-S1", 20);
      const m = w.as(w.manufacturer);
      // a first shipment splits the lot's run, so that the second needs a hint other than 0
      const first = await m.ship({ buyer: w.distributor2.address, ranges: [{ lotId: lot.lotId, start: 0, end: 5 }] });
      expect(first.shipmentId).to.equal(1n);
      expect(first.packCount).to.equal(5n);
      expect(await w.admin.custody.findRun(lot.lotId, 10)).to.equal(5n);

      const dry = await m.ship.dryRun({
        buyer: w.distributor.address,
        transporter: w.transporter.address,
        ranges: [{ lotId: lot.lotId, start: 10, end: 15 }],
      });
      expect(dry.result).to.deep.equal({ shipmentId: 2n, packCount: 5n });
      expect(dry.gas > 0n).to.equal(true);
      expect(await w.admin.custody.shipmentCount()).to.equal(1n);
      expect((await w.admin.packStatus(lot.lotId, 10)).state).to.equal(PackState.Active);

      const shipped = await m.ship({
        buyer: w.distributor.address,
        transporter: w.transporter.address,
        notice: "ASN-0001",
        ranges: [{ lotId: lot.lotId, start: 10, end: 15 }],
      });
      expect(shipped.shipmentId).to.equal(2n);
      expect(shipped.packCount).to.equal(5n);
      expect(shipped.tx.from).to.equal(w.manufacturer.address);
      expect(await w.admin.shipment(2n)).to.deep.equal({
        shipmentId: 2n,
        buyer: w.distributor.address,
        status: ShipmentStatus.Created,
        viaTransporter: true,
        packCount: 5n,
        transporter: w.transporter.address,
      });
      expect(await w.admin.packStatus(lot.lotId, 12)).to.deep.equal({
        lotId: lot.lotId,
        index: 12,
        state: PackState.InTransit,
        holder: w.manufacturer.address,
        shipmentId: 2n,
        decommissionedAt: 0n,
        runStart: 10,
      });

      await w.as(w.transporter).pickUp(2n, GLN);
      expect((await w.admin.shipment(2n)).status).to.equal(ShipmentStatus.PickedUp);
      await w.as(w.transporter).handOver(2n, 0);
      expect((await w.admin.shipment(2n)).status).to.equal(ShipmentStatus.HandedOver);
      await w.as(w.distributor).receiveShipment(2n);
      expect((await w.admin.shipment(2n)).status).to.equal(ShipmentStatus.Received);
      expect(await w.admin.packStatus(lot.lotId, 14)).to.include({
        state: PackState.Active,
        holder: w.distributor.address,
      });
      expect(await w.admin.packStatus(lot.lotId, 15)).to.include({
        state: PackState.Active,
        holder: w.manufacturer.address,
      });

      // receiving twice is refused with the shipment's status
      const twice = await revert(w.as(w.distributor).receiveShipment(2n), "CustodyInvalidShipmentStatus");
      expect(twice.args).to.deep.equal({ shipmentId: 2n, status: BigInt(ShipmentStatus.Received) });
      expect(twice.shortMessage).to.contain("received");
    });

    it("ships two ranges of one lot in one shipment without hints", async function () {
      const w = await loadFixture(clientWorld);
      const lot = await newLot(w, "LOT-S2", 30);
      const shipped = await w.as(w.manufacturer).ship({
        buyer: w.distributor.address,
        ranges: [
          { lotId: lot.lotId, start: 2, end: 6 },
          { lotId: lot.lotId, start: 10, end: 12 },
          { lotId: lot.lotId, start: 20, end: 30 },
        ],
      });
      expect(shipped.packCount).to.equal(16n);
      await w.as(w.distributor).receiveShipment(shipped.shipmentId);
      const runs = await w.admin.runs(lot.lotId);
      expect(runs.map((r) => [r.start, r.end, r.holder])).to.deep.equal([
        [0, 2, w.manufacturer.address],
        [2, 6, w.distributor.address],
        [6, 10, w.manufacturer.address],
        [10, 12, w.distributor.address],
        [12, 20, w.manufacturer.address],
        [20, 30, w.distributor.address],
      ]);
      // and back, the three ranges again in one call, in another order
      const back = await w.as(w.distributor).ship({
        buyer: w.manufacturer.address,
        ranges: [
          { lotId: lot.lotId, start: 25, end: 27 },
          { lotId: lot.lotId, start: 3, end: 4 },
          { lotId: lot.lotId, start: 21, end: 23 },
        ],
      });
      expect(back.packCount).to.equal(5n);
    });

    it("rejects a shipment: the packs return to the seller", async function () {
      const w = await loadFixture(clientWorld);
      const lot = await newLot(w, "LOT-S3", 6);
      const { shipmentId } = await w
        .as(w.manufacturer)
        .ship({ buyer: w.distributor.address, ranges: [{ lotId: lot.lotId, start: 0, end: 6 }] });
      await w.as(w.distributor).rejectShipment(shipmentId, "damaged");
      expect((await w.admin.shipment(shipmentId)).status).to.equal(ShipmentStatus.Rejected);
      expect(await w.admin.packStatus(lot.lotId, 3)).to.include({
        state: PackState.Active,
        holder: w.manufacturer.address,
      });
      const error = await revert(w.as(w.distributor2).rejectShipment(shipmentId), "CustodyNotParty");
      expect(error.args).to.deep.equal({ shipmentId, account: w.distributor2.address });
    });

    it("cancels a shipment, finding the witness range from its events", async function () {
      const w = await loadFixture(clientWorld);
      const lot = await newLot(w, "LOT-S4", 12);
      const m = w.as(w.manufacturer);
      await m.ship({ buyer: w.distributor2.address, ranges: [{ lotId: lot.lotId, start: 0, end: 3 }] });
      const { shipmentId } = await m.ship({
        buyer: w.distributor.address,
        transporter: w.transporter.address,
        ranges: [
          { lotId: lot.lotId, start: 5, end: 7 },
          { lotId: lot.lotId, start: 9, end: 12 },
        ],
      });
      // someone else cannot cancel it, though the client finds the witness for anyone
      const notSeller = await revert(w.as(w.distributor).cancelShipment(shipmentId), "CustodyNotParty");
      expect(notSeller.args).to.deep.equal({ shipmentId, account: w.distributor.address });
      expect((await m.cancelShipment.dryRun(shipmentId)).gas > 0n).to.equal(true);
      await m.cancelShipment(shipmentId);
      expect((await w.admin.shipment(shipmentId)).status).to.equal(ShipmentStatus.Cancelled);
      for (const i of [5, 6, 9, 11]) {
        expect(await w.admin.packStatus(lot.lotId, i)).to.include({
          state: PackState.Active,
          holder: w.manufacturer.address,
        });
      }
      const again = await revert(m.cancelShipment(shipmentId), "CustodyInvalidShipmentStatus");
      expect(again.args).to.deep.equal({ shipmentId, status: BigInt(ShipmentStatus.Cancelled) });
      await rejection(m.cancelShipment(99n), NotFoundError);
    });

    it("lets a regulator void an open shipment", async function () {
      const w = await loadFixture(clientWorld);
      const lot = await newLot(w, "LOT-S5", 6);
      const { shipmentId } = await w.as(w.manufacturer).ship({
        buyer: w.distributor.address,
        transporter: w.transporter.address,
        ranges: [{ lotId: lot.lotId, start: 1, end: 4 }],
      });
      await w.as(w.transporter).pickUp(shipmentId, 0);
      await revert(w.as(w.manufacturer).voidShipment(shipmentId, "stuck"), "UnauthorisedAccount");
      await w.as(w.regulator).voidShipment(shipmentId, "buyer lost its licence");
      expect((await w.admin.shipment(shipmentId)).status).to.equal(ShipmentStatus.Voided);
      expect(await w.admin.packStatus(lot.lotId, 2)).to.include({
        state: PackState.Active,
        holder: w.manufacturer.address,
      });
    });

    it("refuses to ship packs the seller does not hold, naming the pack and its holder", async function () {
      const w = await loadFixture(clientWorld);
      const lot = await newLot(w, "LOT-S6", 6);
      const error = await revert(
        w.as(w.distributor).ship({ buyer: w.dispenser.address, ranges: [{ lotId: lot.lotId, start: 2, end: 4 }] }),
        "CustodyNotHolder",
      );
      expect(error.args).to.deep.equal({ lotId: lot.lotId, index: 2n, holder: w.manufacturer.address });
      expect(error.shortMessage).to.contain("do not hold");
      // the dry run refuses the same way
      const dry = await revert(
        w
          .as(w.distributor)
          .ship.dryRun({ buyer: w.dispenser.address, ranges: [{ lotId: lot.lotId, start: 2, end: 4 }] }),
        "CustodyNotHolder",
      );
      expect(dry.args).to.deep.equal(error.args);
      await rejection(
        w.as(w.manufacturer).ship({ buyer: w.distributor.address, ranges: [{ lotId: lot.lotId, start: 4, end: 4 }] }),
        InvalidInputError,
      );
      await rejection(w.as(w.manufacturer).ship({ buyer: w.distributor.address, ranges: [] }), InvalidInputError);
    });

    it("dispenses, decommissions, undoes, and reports a clone", async function () {
      const w = await loadFixture(clientWorld);
      const lot = await newLot(w, "LOT-D1", 10);
      const { shipmentId } = await w
        .as(w.manufacturer)
        .ship({ buyer: w.dispenser.address, ranges: [{ lotId: lot.lotId, start: 0, end: 10 }] });
      const d = w.as(w.dispenser);
      await d.receiveShipment(shipmentId);

      const dispensed = await d.dispense(pack(lot, 3));
      const status = await w.admin.packStatus(lot.lotId, 3);
      expect(status.state).to.equal(PackState.Dispensed);
      const block = (await ethers.provider.getBlock(dispensed.tx.blockNumber))!;
      expect(status.decommissionedAt).to.equal(BigInt(block.timestamp));

      // a second dispense of the same code is refused; the clone is then reported
      const again = await revert(d.dispense(pack(lot, 3)), "CustodyAlreadyDecommissioned");
      expect(again.args).to.deep.equal({ lotId: lot.lotId, index: 3n, state: BigInt(PackState.Dispensed) });
      const reported = await w.as(w.dispenser2).reportClone(pack(lot, 3));
      const receipt = (await ethers.provider.getTransactionReceipt(reported.tx.hash))!;
      const clone = receipt.logs
        .map((l) => w.admin.custody.interface.parseLog(l))
        .find((e) => e?.name === "CloneReported")!;
      expect(clone.args.serial).to.equal(lot.manifest.serials[3]);
      expect(clone.args.reporter).to.equal(w.dispenser2.address);
      await revert(d.reportClone(pack(lot, 4)), "CustodyNotDecommissioned");

      // a wrong serial for the index is refused
      const wrong = { ...pack(lot, 4), serial: lot.manifest.serials[5] };
      const unknown = await revert(d.decommission(wrong, PackState.Sample), "CustodyUnknownSerial");
      expect(unknown.args).to.include({ lotId: lot.lotId, index: 4n, serial: lot.manifest.serials[5] });

      await d.decommission(pack(lot, 4), PackState.Sample);
      expect((await w.admin.packStatus(lot.lotId, 4)).state).to.equal(PackState.Sample);
      await d.decommissionRange({ lotId: lot.lotId, start: 6, end: 9 }, PackState.Exported);
      for (const i of [6, 7, 8]) expect((await w.admin.packStatus(lot.lotId, i)).state).to.equal(PackState.Exported);
      expect((await w.admin.packStatus(lot.lotId, 9)).state).to.equal(PackState.Active);

      await d.undoDecommission({ lotId: lot.lotId, start: 6, end: 9 });
      for (const i of [6, 7, 8]) expect((await w.admin.packStatus(lot.lotId, i)).state).to.equal(PackState.Active);
      await d.undoDecommission({ lotId: lot.lotId, start: 4, end: 5 });
      expect((await w.admin.packStatus(lot.lotId, 4)).state).to.equal(PackState.Active);
      await d.decommissionRange({ lotId: lot.lotId, start: 0, end: 1 }, PackState.Stolen);
      const stolen = await revert(d.undoDecommission({ lotId: lot.lotId, start: 0, end: 1 }), "CustodyUndoNotAllowed");
      expect(stolen.args).to.deep.equal({ lotId: lot.lotId, index: 0n, state: BigInt(PackState.Stolen) });
    });

    it("quarantines, clears, and confirms illegitimate", async function () {
      const w = await loadFixture(clientWorld);
      const lot = await newLot(w, "LOT-Q1", 10);
      const suspect = [
        { lotId: lot.lotId, start: 1, end: 3 },
        { lotId: lot.lotId, start: 5, end: 8 },
      ];
      // a party that does not hold the packs cannot freeze them: it reports a suspicion, which changes nothing
      const notHeld = await revert(w.as(w.distributor).quarantine(suspect, "tampered seal"), "CustodyNotHolder");
      expect(notHeld.args).to.deep.equal({ lotId: lot.lotId, index: 1n, holder: w.manufacturer.address });
      const reported = await w.as(w.distributor).reportSuspicion(suspect, "tampered seal");
      const custody = w.admin.custody;
      const events = await custody.queryFilter(custody.filters.SuspicionReported(lot.lotId), reported.tx.blockNumber);
      expect(events.map((e) => [e.args.holder, e.args.reporter, e.args.start, e.args.end])).to.deep.equal([
        [w.manufacturer.address, w.distributor.address, 1n, 3n],
        [w.manufacturer.address, w.distributor.address, 5n, 8n],
      ]);
      expect((await w.admin.packStatus(lot.lotId, 1)).state).to.equal(PackState.Active);
      // the holder quarantines them
      await w.as(w.manufacturer).quarantine(suspect, "tampered seal");
      for (const i of [1, 2, 5, 6, 7])
        expect((await w.admin.packStatus(lot.lotId, i)).state).to.equal(PackState.Suspect);
      expect((await w.admin.packStatus(lot.lotId, 4)).state).to.equal(PackState.Active);
      await revert(w.as(w.manufacturer).clearSuspect([{ lotId: lot.lotId, start: 1, end: 3 }]), "UnauthorisedAccount");
      await w.as(w.regulator).clearSuspect([{ lotId: lot.lotId, start: 1, end: 3 }], "false alarm");
      expect((await w.admin.packStatus(lot.lotId, 2)).state).to.equal(PackState.Active);
      // two keys: the regulator proposes, the council completes
      const ruling = [{ lotId: lot.lotId, start: 5, end: 8 }];
      const proposed = await w.as(w.regulator).confirmIllegitimate(ruling, "lab report");
      expect(proposed.confirmed).to.equal(false);
      expect(proposed.proposalId).to.equal(illegitimacyProposalId(ruling, toBytes32("lab report")));
      expect(await w.admin.illegitimacyProposer(proposed.proposalId)).to.equal(w.regulator.address);
      expect((await w.admin.packStatus(lot.lotId, 6)).state).to.equal(PackState.Suspect);
      await revert(w.as(w.regulator).confirmIllegitimate(ruling, "lab report"), "CustodySameApprover");
      const done = await w.as(w.council).confirmIllegitimate(ruling, "lab report");
      expect(done).to.deep.include({ confirmed: true, proposalId: proposed.proposalId });
      expect(await w.admin.illegitimacyProposer(proposed.proposalId)).to.equal(null);
      expect((await w.admin.packStatus(lot.lotId, 6)).state).to.equal(PackState.Illegitimate);
      const notSuspect = await revert(
        w.as(w.regulator).confirmIllegitimate([{ lotId: lot.lotId, start: 5, end: 6 }]),
        "CustodyNotSuspect",
      );
      expect(notSuspect.args).to.deep.equal({ lotId: lot.lotId, index: 5n, state: BigInt(PackState.Illegitimate) });
      // an illegitimate pack's code scanned again is reported as a clone too
      await w.as(w.manufacturer).reportClone(pack(lot, 6));
      // illegitimate packs cannot move
      await revert(
        w.as(w.manufacturer).ship({ buyer: w.distributor.address, ranges: [{ lotId: lot.lotId, start: 5, end: 6 }] }),
        "CustodyPackNotActive",
      );
    });
  });

  describe("reads and configuration", function () {
    it("a provider-only client reads, but refuses to send or dry-run with ConfigurationError", async function () {
      const w = await loadFixture(clientWorld);
      const lot = await newLot(w, "LOT-R1", 4);
      const reader = await PharmaChainClient.connect({ runner: ethers.provider, deployment: w.deployment });
      expect((await reader.lot(lot.lotId)).status).to.equal(LotStatus.Released);
      await rejection(reader.account(), ConfigurationError);
      const sent = await rejection(
        reader.ship({ buyer: w.distributor.address, ranges: [{ lotId: lot.lotId, start: 0, end: 1 }] }),
        ConfigurationError,
      );
      expect(sent.message).to.contain("provider only");
      await rejection(reader.recallLot.dryRun(lot.lotId), ConfigurationError);
      await rejection(reader.pause(), ConfigurationError);
      expect((await reader.packStatus(lot.lotId, 0)).state).to.equal(PackState.Active);
      // withRunner turns it into a writer
      await reader.withRunner(w.regulator).recallLot(lot.lotId);
      expect((await reader.lot(lot.lotId)).recalled).to.equal(true);
    });

    it("reads: NotFoundError for an unknown lot, refusals for unknown packs, empty shipments", async function () {
      const w = await loadFixture(clientWorld);
      const lot = await newLot(w, "LOT-R2", 4);
      const unknown = lotIdOf(GTIN, "NO-SUCH-LOT");
      await rejection(w.admin.lot(unknown), NotFoundError);
      const noPack = await revert(w.admin.packStatus(lot.lotId, 4), "CustodyUnknownPack");
      expect(noPack.args).to.deep.equal({ lotId: lot.lotId, index: 4n });
      await revert(w.admin.runs(unknown), "CustodyUnknownLot");
      expect(await w.admin.shipment(7n)).to.deep.equal({
        shipmentId: 7n,
        buyer: ZeroAddress,
        status: ShipmentStatus.None,
        viaTransporter: false,
        packCount: 0n,
        transporter: ZeroAddress,
      });
      expect(await w.admin.runs(lot.lotId)).to.deep.equal([
        { start: 0, end: 4, holder: w.manufacturer.address, state: PackState.Active, head: PackState.Active, aux: 0n },
      ]);
    });

    it("reads the runs of a lot with many runs page by page", async function () {
      const w = await loadFixture(clientWorld);
      const lot = await newLot(w, "LOT-R3", 40);
      // every third pack suspect: 27 runs
      const ranges = [];
      for (let i = 1; i < 40; i += 3) ranges.push({ lotId: lot.lotId, start: i, end: i + 1 });
      await w.as(w.regulator).quarantine(ranges, "spot check");
      const all = await w.admin.runs(lot.lotId);
      expect(all.length).to.equal(27);
      let expected = 0;
      for (const r of all) {
        expect(r.start).to.equal(expected);
        expected = r.end;
        expect(r.state).to.equal(r.start % 3 === 1 ? PackState.Suspect : PackState.Active);
      }
      expect(expected).to.equal(40);
      for (const pageSize of [1, 2, 5, 26, 27, 100]) {
        expect(await w.admin.runs(lot.lotId, pageSize), `page size ${pageSize}`).to.deep.equal(all);
      }
    });

    it("hashes texts into bytes32 and keeps 32-byte hex as it is", function () {
      expect(toBytes32(undefined)).to.equal(ethers.ZeroHash);
      expect(toBytes32("")).to.equal(ethers.ZeroHash);
      expect(toBytes32("damaged")).to.equal(id("damaged"));
      const hex = id("x").toUpperCase().replace("0X", "0x");
      expect(toBytes32(hex)).to.equal(id("x"));
    });
  });

  describe("through a BrowserProvider (EIP-1193)", function () {
    it("runs a lot's life with browser-wallet signers", async function () {
      const w = await loadFixture(clientWorld);
      const browser = new BrowserProvider(hre.network.provider);
      const signers = await ethers.getSigners();
      const signerOf = async (s: HardhatEthersSigner) =>
        browser.getSigner(signers.findIndex((x) => x.address === s.address));
      const manufacturer = await signerOf(w.manufacturer);
      const regulator = await signerOf(w.regulator);
      const m = await PharmaChainClient.connect({ runner: manufacturer, deployment: w.deployment });
      expect(m.chainId).to.equal(w.deployment.chainId);
      expect(await m.account()).to.equal(w.manufacturer.address);

      const manifest = Manifest.fromSerials(serialsFor("BROWSER-", 12));
      const attestation = await attestationOf(w, manifest, "LOT-B1");
      const domain = m.domain();
      const mSig = await signLotAttestation(manufacturer, domain, attestation);
      const rSig = await signLotAttestation(regulator, domain, attestation);
      expect(await verifyAttestationSignature(domain, attestation, w.manufacturer.address, mSig, browser)).to.equal(
        true,
      );
      const commissioned = await m.commissionLot({
        attestation,
        manufacturerSignature: { signer: w.manufacturer.address, signature: mSig },
        regulatorSignature: { signer: w.regulator.address, signature: rSig },
      });
      expect(commissioned).to.include({ lotId: lotIdOf(GTIN, "LOT-B1"), released: true });
      expect(commissioned.tx.from).to.equal(w.manufacturer.address);

      // ship and cancel straight away: the witness is read from the events just written
      const first = await m.ship({
        buyer: w.distributor.address,
        ranges: [{ lotId: commissioned.lotId, start: 0, end: 4 }],
      });
      await m.cancelShipment(first.shipmentId);
      expect((await m.shipment(first.shipmentId)).status).to.equal(ShipmentStatus.Cancelled);

      const second = await m.ship({
        buyer: w.distributor.address,
        ranges: [{ lotId: commissioned.lotId, start: 4, end: 8 }],
      });
      const dry = await m.ship.dryRun({
        buyer: w.distributor.address,
        ranges: [{ lotId: commissioned.lotId, start: 8, end: 12 }],
      });
      expect(dry.result?.shipmentId).to.equal(second.shipmentId + 1n);
      const distributor = m.withRunner(await signerOf(w.distributor));
      await distributor.receiveShipment(second.shipmentId);
      expect(await m.packStatus(commissioned.lotId, 5)).to.include({
        state: PackState.Active,
        holder: w.distributor.address,
      });
      const twice = await revert(distributor.receiveShipment(second.shipmentId), "CustodyInvalidShipmentStatus");
      expect(twice.args).to.deep.equal({ shipmentId: second.shipmentId, status: BigInt(ShipmentStatus.Received) });
      const notHolder = await revert(
        m.ship({ buyer: w.distributor2.address, ranges: [{ lotId: commissioned.lotId, start: 4, end: 6 }] }),
        "CustodyNotHolder",
      );
      expect(notHolder.args).to.deep.equal({ lotId: commissioned.lotId, index: 4n, holder: w.distributor.address });
      const regulatorClient = m.withRunner(regulator);
      await regulatorClient.quarantine([{ lotId: commissioned.lotId, start: 9, end: 10 }], "seal check");
      await regulatorClient.clearSuspect([{ lotId: commissioned.lotId, start: 9, end: 10 }], "cleared");
      expect((await m.packStatus(commissioned.lotId, 9)).state).to.equal(PackState.Active);
      const history = await m.history().lot(commissioned.lotId);
      expect(history.filter((e) => e.name === "ShipmentCancelled").length).to.equal(1);
    });
  });

  describe("attestation signatures", function () {
    async function signed(w: ClientWorld) {
      const manifest = Manifest.fromSerials(serialsFor("ATT-", 4));
      const attestation = await attestationOf(w, manifest, "LOT-ATT");
      const domain = w.admin.domain();
      const signature = await signLotAttestation(w.manufacturer, domain, attestation);
      return { attestation, domain, signature };
    }

    /** What the contract says of `signature` by `signer` in the manufacturer's place (a dry run of commissionLot). */
    async function contractAccepts(
      w: ClientWorld,
      attestation: LotAttestation,
      signer: string,
      signature: string,
    ): Promise<boolean> {
      try {
        await w.as(w.outsider).commissionLot.dryRun({ attestation, manufacturerSignature: { signer, signature } });
        return true;
      } catch (error) {
        expect(error).to.be.instanceOf(ContractRevertError);
        expect((error as ContractRevertError).errorName).to.equal("LotsInvalidSignature");
        return false;
      }
    }

    it("is true for the EOA that signed, offline and through a provider, and false for another", async function () {
      const w = await loadFixture(clientWorld);
      const { attestation, domain, signature } = await signed(w);
      expect(await verifyAttestationSignature(domain, attestation, w.manufacturer.address, signature)).to.equal(true);
      expect(
        await verifyAttestationSignature(domain, attestation, w.manufacturer.address, signature, ethers.provider),
      ).to.equal(true);
      expect(await contractAccepts(w, attestation, w.manufacturer.address, signature)).to.equal(true);
      expect(
        await verifyAttestationSignature(domain, attestation, w.regulator.address, signature, ethers.provider),
      ).to.equal(false);
      // another attestation, another chain or contract
      expect(
        await verifyAttestationSignature(domain, { ...attestation, unitCount: 5 }, w.manufacturer.address, signature),
      ).to.equal(false);
      expect(
        await verifyAttestationSignature({ ...domain, chainId: 1n }, attestation, w.manufacturer.address, signature),
      ).to.equal(false);
      expect(await verifyAttestationSignature(domain, attestation, w.manufacturer.address, "0x1234")).to.equal(false);
    });

    it("is false for the high-s twin of a valid signature, which the contract refuses too", async function () {
      const w = await loadFixture(clientWorld);
      const { attestation, domain, signature } = await signed(w);
      const sig = Signature.from(signature);
      const highS = concat([sig.r, toBeHex(SECP256K1_N - BigInt(sig.s), 32), toBeHex(sig.v === 27 ? 28 : 27, 1)]);
      expect(BigInt(hexlify(getBytes(highS).slice(32, 64))) > SECP256K1_N / 2n).to.equal(true);
      expect(await verifyAttestationSignature(domain, attestation, w.manufacturer.address, highS)).to.equal(false);
      expect(
        await verifyAttestationSignature(domain, attestation, w.manufacturer.address, highS, ethers.provider),
      ).to.equal(false);
      expect(await contractAccepts(w, attestation, w.manufacturer.address, highS)).to.equal(false);
    });

    it("judges the forms ethers accepts but the contract does not (v of 0/1, EIP-2098 compact) as the contract does", async function () {
      const w = await loadFixture(clientWorld);
      const { attestation, domain, signature } = await signed(w);
      const sig = Signature.from(signature);
      const vZeroOne = concat([sig.r, sig.s, toBeHex(sig.v - 27, 1)]);
      const compact = sig.compactSerialized;
      for (const form of [vZeroOne, compact]) {
        const contract = await contractAccepts(w, attestation, w.manufacturer.address, form);
        expect(contract).to.equal(false);
        expect(await verifyAttestationSignature(domain, attestation, w.manufacturer.address, form)).to.equal(contract);
      }
    });

    it("is true for an ERC-1271 wallet whose owner signed, through a provider", async function () {
      const w = await loadFixture(clientWorld);
      const { attestation, domain, signature } = await signed(w);
      const wallet = await new ERC1271WalletMock__factory(w.manufacturer).deploy(w.manufacturer.address);
      const address = await wallet.getAddress();
      expect(await wallet.isValidSignature(attestationDigest(domain, attestation), signature)).to.equal("0x1626ba7e");
      expect(await verifyAttestationSignature(domain, attestation, address, signature, ethers.provider)).to.equal(true);
      // without a provider only an EOA can be recovered: the wallet is not the signer
      expect(await verifyAttestationSignature(domain, attestation, address, signature)).to.equal(false);
      // the owner's signature of something else, or another key's signature, is not the wallet's
      const other = await signLotAttestation(w.regulator, domain, attestation);
      expect(await verifyAttestationSignature(domain, attestation, address, other, ethers.provider)).to.equal(false);
      // the contract agrees, once the wallet may sign for the manufacturer
      await w.as(w.manufacturer).setSigner(address, true);
      expect(await contractAccepts(w, attestation, address, signature)).to.equal(true);
      expect(await contractAccepts(w, attestation, address, other)).to.equal(false);
    });

    it("is false for a contract wallet that answers wrongly, reverts or returns too little", async function () {
      const w = await loadFixture(clientWorld);
      const { attestation, domain, signature } = await signed(w);
      const mal = await new ERC1271MaliciousMock__factory(w.manufacturer).deploy();
      const address = await mal.getAddress();
      await w.as(w.manufacturer).setSigner(address, true);
      const modes = { AcceptAll: 0, WrongMagic: 1, Revert: 2, ShortReturn: 3 };
      for (const [name, mode] of Object.entries(modes)) {
        await mal.setMode(mode);
        const sdk = await verifyAttestationSignature(domain, attestation, address, signature, ethers.provider);
        const contract = await contractAccepts(w, attestation, address, signature);
        // a wallet that accepts everything is valid for ERC-1271, and for the contract: the SDK says what the contract says
        expect(sdk, name).to.equal(name === "AcceptAll");
        expect(contract, name).to.equal(sdk);
      }
    });

    it("requires the whole 32-byte ERC-1271 answer, as the contract does", async function () {
      const w = await loadFixture(clientWorld);
      const { attestation, domain, signature } = await signed(w);
      /** A contract whose every call returns the first `size` bytes of `word`. */
      async function returning(word: string, size: number): Promise<string> {
        const runtime = concat(["0x7f", word, "0x600052", "0x60", toBeHex(size, 1), "0x6000f3"]);
        const length = getBytes(runtime).length;
        const init = concat(["0x60", toBeHex(length, 1), "0x600c60003960", toBeHex(length, 1), "0x6000f3", runtime]);
        const tx = await w.manufacturer.sendTransaction({ data: init });
        const address = (await tx.wait())!.contractAddress!;
        await w.as(w.manufacturer).setSigner(address, true);
        return address;
      }
      const magicWord = "0x1626ba7e" + "00".repeat(28);
      const dirtyWord = "0x1626ba7e" + "ff".repeat(28);
      const exact = await returning(magicWord, 32);
      expect(await verifyAttestationSignature(domain, attestation, exact, signature, ethers.provider)).to.equal(true);
      expect(await contractAccepts(w, attestation, exact, signature)).to.equal(true);
      for (const address of [await returning(magicWord, 4), await returning(dirtyWord, 32)]) {
        expect(await contractAccepts(w, attestation, address, signature)).to.equal(false);
        expect(await verifyAttestationSignature(domain, attestation, address, signature, ethers.provider)).to.equal(
          false,
        );
      }
    });
  });
});
