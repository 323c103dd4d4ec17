import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers, network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";
import { Manifest } from "../sdk/src/manifest";
import {
  DAY,
  GTIN,
  GTIN2,
  PackState,
  Role,
  ShipmentStatus,
  Verdict,
  World,
  attestationFor,
  bytes32,
  commission,
  domainOf,
  NO_SIGNATURE,
  packProof,
  range,
  runStoreAddress,
  serialsFor,
  sig,
  worldFixture,
} from "./helpers/fixture";
import { signLotAttestation } from "../sdk/src/attestation";
import { OrderStatus } from "../sdk/src/enums";
import { hardhatOnly } from "./helpers/networks";

const UNITS = 10;
const NOTICE = bytes32("shipping notice 1");
const ZERO = ethers.ZeroAddress;

interface CustodyWorld extends World {
  manifest: Manifest;
  lotId: string;
  expiresAt: bigint;
  manifest2: Manifest;
  lotId2: string;
  expiresAt2: bigint;
}

/** The world with two released lots of 10 packs made by `manufacturer`. */
async function custodyFixture(): Promise<CustodyWorld> {
  const w = await worldFixture();
  const manifest = Manifest.fromSerials(serialsFor("SN-A-", UNITS));
  const { lotId, att } = await commission(w, manifest, { lotNumber: "LOT-A" });
  const manifest2 = Manifest.fromSerials(serialsFor("SN-B-", UNITS));
  const { lotId: lotId2, att: att2 } = await commission(w, manifest2, { lotNumber: "LOT-B" });
  return { ...w, manifest, lotId, expiresAt: att.expiresAt, manifest2, lotId2, expiresAt2: att2.expiresAt };
}

/** Manufacturer → distributor of `[start, end)`, received; returns the shipment id. */
async function toDistributor(w: CustodyWorld, start = 0, end = UNITS): Promise<bigint> {
  await w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, NOTICE, [range(w.lotId, start, end, 0)]);
  const id = await w.custody.shipmentCount();
  await w.custody.connect(w.distributor).receiveShipment(id);
  return id;
}

/** The whole lot goes manufacturer → distributor → dispenser. */
async function toDispenser(w: CustodyWorld): Promise<void> {
  await toDistributor(w);
  await w.custody.connect(w.distributor).ship(w.dispenser.address, ZERO, NOTICE, [range(w.lotId, 0, UNITS, 0)]);
  await w.custody.connect(w.dispenser).receiveShipment(await w.custody.shipmentCount());
}

async function expectPack(
  w: World & { lotId: string },
  index: number,
  state: PackState,
  holder: string,
  lotId = w.lotId,
): Promise<void> {
  const s = await w.custody.packStatus(lotId, index);
  expect(s.state, `state of pack ${index}`).to.equal(state);
  expect(s.holder, `holder of pack ${index}`).to.equal(holder);
}

/** Every pack of `[start, end)` is in `state`, held by `holder`. */
async function expectPacks(
  w: World & { lotId: string },
  start: number,
  end: number,
  state: PackState,
  holder: string,
): Promise<void> {
  for (let i = start; i < end; i++) await expectPack(w, i, state, holder);
}

type Layout = [number, number, string, number, number, number][];

/** Every run of a lot as the `runs` view gives it (settled): [start, end, holder, state, head, aux]. */
async function layout(w: World, lotId: string): Promise<Layout> {
  const [page, next] = await w.custody.runs(lotId, 0, 100);
  expect(next).to.equal(0);
  return page.map((r) => [Number(r.start), Number(r.end), r.holder, Number(r.state), Number(r.head), Number(r.aux)]);
}

/** The hint for a range starting at `start`: the start of the run holding the pack before it (0 for pack 0). */
async function hintFor(w: World, lotId: string, start: number): Promise<number> {
  return start === 0 ? 0 : Number(await w.custody.findRun(lotId, start - 1));
}

/** A ruling of illegitimacy with its two keys: proposed by the regulator, completed by the second regulator. */
async function confirmIllegitimate(w: World, ranges: ReturnType<typeof range>[], decision = bytes32("ruling")) {
  await w.custody.connect(w.regulator).confirmIllegitimate(ranges, decision);
  return w.custody.connect(w.regulator2).confirmIllegitimate(ranges, decision);
}

const BIG = 1_000;

interface BigLotWorld extends World {
  manifest: Manifest;
  lotId: string;
}

/** The world with one released lot of 1,000 packs made by `manufacturer`. */
async function bigLotFixture(): Promise<BigLotWorld> {
  const w = await worldFixture();
  const manifest = Manifest.fromSerials(serialsFor("SN-K-", BIG));
  const { lotId } = await commission(w, manifest, { lotNumber: "LOT-K" });
  return { ...w, manifest, lotId };
}

/** `from` ships `[start, end)` of `w.lotId` to `to`, which receives it; returns the shipment id. */
async function deliver(
  w: World & { lotId: string },
  from: HardhatEthersSigner,
  to: HardhatEthersSigner,
  start: number,
  end: number,
): Promise<bigint> {
  const hint = await hintFor(w, w.lotId, start);
  await w.custody.connect(from).ship(to.address, ZERO, NOTICE, [range(w.lotId, start, end, hint)]);
  const id = await w.custody.shipmentCount();
  await w.custody.connect(to).receiveShipment(id);
  return id;
}

/** The distributor receives `[700, 750)` and `[750, 800)` of the 1,000-pack lot in two shipments (1 and 2). */
async function twoShipmentsToDistributor(w: BigLotWorld): Promise<void> {
  await deliver(w, w.manufacturer, w.distributor, 700, 750);
  await deliver(w, w.manufacturer, w.distributor, 750, 800);
}

/** The `SuspicionReported` events of a transaction: [lotId, holder, reporter, start, end, evidenceHash]. */
async function suspicions(w: World, tx: Promise<ContractTransactionResponse>): Promise<unknown[][]> {
  const receipt = await (await tx).wait();
  const out: unknown[][] = [];
  for (const log of receipt!.logs) {
    const e = w.custody.interface.parseLog(log);
    if (e?.name !== "SuspicionReported") continue;
    out.push([
      e.args.lotId,
      e.args.holder,
      e.args.reporter,
      Number(e.args.start),
      Number(e.args.end),
      e.args.evidenceHash,
    ]);
  }
  return out;
}

function query(
  w: CustodyWorld,
  index: number,
  overrides: Partial<{
    serial: string;
    proof: string[];
    gtin: bigint;
    expiresAt: bigint;
    hint: number;
    lotId: string;
  }> = {},
) {
  const serial = w.manifest.serials[index];
  const { proof } = w.manifest.proof(serial);
  return {
    lotId: overrides.lotId ?? w.lotId,
    index,
    serial: overrides.serial ?? serial,
    proof: overrides.proof ?? proof,
    gtin: overrides.gtin ?? GTIN,
    expiresAt: overrides.expiresAt ?? w.expiresAt,
    hint: overrides.hint ?? 0,
  };
}

describe("PackCustody", function () {
  describe("deployment", function () {
    it("refuses a zero registry or lots address", async function () {
      const w = await loadFixture(custodyFixture);
      const factory = await ethers.getContractFactory("PackCustody", {
        libraries: { PackRunsStore: await runStoreAddress() },
      });
      await expect(factory.deploy(ZERO, await w.lots.getAddress())).to.be.revertedWithCustomError(
        w.custody,
        "CustodyZeroAddress",
      );
      await expect(factory.deploy(await w.registry.getAddress(), ZERO)).to.be.revertedWithCustomError(
        w.custody,
        "CustodyZeroAddress",
      );
    });

    it("names its registry and lots contract", async function () {
      const w = await loadFixture(custodyFixture);
      const [registry, lots] = await w.custody.dependencies();
      expect(registry).to.equal(await w.registry.getAddress());
      expect(lots).to.equal(await w.lots.getAddress());
    });
  });

  describe("shipping", function () {
    it("ships a range to a distributor: the packs are in transit and still the seller's", async function () {
      const w = await loadFixture(custodyFixture);
      await expect(
        w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, NOTICE, [range(w.lotId, 3, 7, 0)]),
      )
        .to.emit(w.custody, "ShipmentCreated")
        .withArgs(1, w.manufacturer.address, w.distributor.address, ZERO, NOTICE, 4)
        .and.to.emit(w.custody, "PacksShipped")
        .withArgs(w.lotId, 1, 3, 7);
      expect(await w.custody.shipmentCount()).to.equal(1);
      const [shipment, transporter] = await w.custody.shipment(1);
      expect(shipment.buyer).to.equal(w.distributor.address);
      expect(shipment.status).to.equal(ShipmentStatus.Created);
      expect(shipment.viaTransporter).to.equal(false);
      expect(shipment.packCount).to.equal(4);
      expect(transporter).to.equal(ZERO);
      const inTransit = await w.custody.packStatus(w.lotId, 5);
      expect(inTransit.state).to.equal(PackState.InTransit);
      expect(inTransit.holder).to.equal(w.manufacturer.address);
      expect(inTransit.shipmentId).to.equal(1);
      expect(inTransit.runStart).to.equal(3);
      await expectPack(w, 2, PackState.Active, w.manufacturer.address);
      await expectPack(w, 7, PackState.Active, w.manufacturer.address);
      const [runs, next] = await w.custody.runs(w.lotId, 0, 10);
      expect(runs.map((r) => [Number(r.start), Number(r.end), Number(r.state)])).to.deep.equal([
        [0, 3, PackState.Active],
        [3, 7, PackState.InTransit],
        [7, 10, PackState.Active],
      ]);
      expect(next).to.equal(0);
    });

    it("ships ranges of two lots in one shipment", async function () {
      const w = await loadFixture(custodyFixture);
      await expect(
        w.custody
          .connect(w.manufacturer)
          .ship(w.dispenser.address, ZERO, NOTICE, [
            range(w.lotId, 0, 2, 0),
            range(w.lotId2, 5, 10, 0),
            range(w.lotId, 8, 10, 2),
          ]),
      )
        .to.emit(w.custody, "ShipmentCreated")
        .withArgs(1, w.manufacturer.address, w.dispenser.address, ZERO, NOTICE, 9);
      await w.custody.connect(w.dispenser).receiveShipment(1);
      await expectPack(w, 1, PackState.Active, w.dispenser.address);
      await expectPack(w, 9, PackState.Active, w.dispenser.address, w.lotId2);
      await expectPack(w, 4, PackState.Active, w.manufacturer.address, w.lotId2);
      await expectPack(w, 9, PackState.Active, w.dispenser.address);
      await expectPack(w, 5, PackState.Active, w.manufacturer.address);
    });

    it("refuses a seller that is not an authorised trading party", async function () {
      const w = await loadFixture(custodyFixture);
      const ship = (from: typeof w.outsider) =>
        w.custody.connect(from).ship(w.distributor.address, ZERO, NOTICE, [range(w.lotId, 0, 1)]);
      await expect(ship(w.transporter))
        .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
        .withArgs(w.transporter.address, Role.None);
      await expect(ship(w.regulator))
        .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
        .withArgs(w.regulator.address, Role.None);
      await expect(ship(w.outsider))
        .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
        .withArgs(w.outsider.address, Role.None);
      await w.registry.connect(w.regulator).suspend(w.manufacturer.address, bytes32("inspection"));
      await expect(ship(w.manufacturer))
        .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
        .withArgs(w.manufacturer.address, Role.Manufacturer);
    });

    it("refuses a seller whose licence has expired", async function () {
      const w = await loadFixture(custodyFixture);
      await time.increaseTo(w.licenceUntil);
      await expect(w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, NOTICE, [range(w.lotId, 0, 1)]))
        .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
        .withArgs(w.manufacturer.address, Role.Manufacturer);
    });

    it("refuses the zero address or the seller itself as buyer", async function () {
      const w = await loadFixture(custodyFixture);
      await expect(w.custody.connect(w.manufacturer).ship(ZERO, ZERO, NOTICE, [range(w.lotId, 0, 1)]))
        .to.be.revertedWithCustomError(w.custody, "CustodyInvalidBuyer")
        .withArgs(ZERO);
      await expect(w.custody.connect(w.manufacturer).ship(w.manufacturer.address, ZERO, NOTICE, [range(w.lotId, 0, 1)]))
        .to.be.revertedWithCustomError(w.custody, "CustodyInvalidBuyer")
        .withArgs(w.manufacturer.address);
    });

    it("refuses a buyer that is not authorised", async function () {
      const w = await loadFixture(custodyFixture);
      await expect(w.custody.connect(w.manufacturer).ship(w.outsider.address, ZERO, NOTICE, [range(w.lotId, 0, 1)]))
        .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
        .withArgs(w.outsider.address, Role.None);
      await w.registry.connect(w.regulator).suspend(w.distributor.address, bytes32("inspection"));
      await expect(w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, NOTICE, [range(w.lotId, 0, 1)]))
        .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
        .withArgs(w.distributor.address, Role.Distributor);
    });

    it("refuses trade paths outside manufacturer → distributor → dispenser and returns to the lot's manufacturer", async function () {
      const w = await loadFixture(custodyFixture);
      const refused = async (seller: typeof w.outsider, buyer: string) =>
        expect(w.custody.connect(seller).ship(buyer, ZERO, NOTICE, [range(w.lotId, 0, 1)]))
          .to.be.revertedWithCustomError(w.custody, "CustodyPathNotAllowed")
          .withArgs(seller.address, buyer);
      await refused(w.manufacturer, w.manufacturer2.address);
      await refused(w.manufacturer, w.transporter.address);
      await refused(w.manufacturer, w.regulator.address);
      await toDistributor(w);
      await refused(w.distributor, w.manufacturer2.address); // not this lot's manufacturer
      await w.custody.connect(w.distributor).ship(w.dispenser.address, ZERO, NOTICE, [range(w.lotId, 0, 5, 0)]);
      await w.custody.connect(w.dispenser).receiveShipment(2);
      await refused(w.dispenser, w.dispenser2.address);
      // allowed: a dispenser returns to a distributor, a distributor to the lot's manufacturer
      await w.custody.connect(w.dispenser).ship(w.distributor2.address, ZERO, NOTICE, [range(w.lotId, 0, 1, 0)]);
      await w.custody.connect(w.distributor).ship(w.manufacturer.address, ZERO, NOTICE, [range(w.lotId, 5, 10)]);
      await w.custody.connect(w.manufacturer).receiveShipment(4);
      await expectPack(w, 7, PackState.Active, w.manufacturer.address);
    });

    it("refuses a named transporter that is not an authorised transporter", async function () {
      const w = await loadFixture(custodyFixture);
      await expect(
        w.custody
          .connect(w.manufacturer)
          .ship(w.distributor.address, w.distributor2.address, NOTICE, [range(w.lotId, 0, 1)]),
      )
        .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
        .withArgs(w.distributor2.address, Role.Transporter);
    });

    it("refuses an empty shipment, an unknown lot and bad ranges", async function () {
      const w = await loadFixture(custodyFixture);
      const ship = (ranges: ReturnType<typeof range>[]) =>
        w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, NOTICE, ranges);
      await expect(ship([])).to.be.revertedWithCustomError(w.custody, "CustodyEmptyShipment");
      const unknown = bytes32("no such lot");
      await expect(ship([range(unknown, 0, 1)]))
        .to.be.revertedWithCustomError(w.custody, "CustodyUnknownLot")
        .withArgs(unknown);
      await expect(ship([range(w.lotId, 3, 3, 0)]))
        .to.be.revertedWithCustomError(w.custody, "CustodyInvalidRange")
        .withArgs(w.lotId, 3, 3);
      await expect(ship([range(w.lotId, 4, 2, 0)]))
        .to.be.revertedWithCustomError(w.custody, "CustodyInvalidRange")
        .withArgs(w.lotId, 4, 2);
      await expect(ship([range(w.lotId, 5, 11, 0)]))
        .to.be.revertedWithCustomError(w.custody, "CustodyInvalidRange")
        .withArgs(w.lotId, 5, 11);
    });

    it("ignores hints: a range or a pack with any hint, stale, wrong or past it, is written as with none", async function () {
      const w = await loadFixture(custodyFixture);
      const ship = (r: ReturnType<typeof range>) =>
        w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, NOTICE, [r]);
      // hints that PackRuns refused (the range's own start, a pack after it, a pack that starts no run)
      await ship(range(w.lotId, 2, 4, 2)); // runs: [0,2) [2,4) [4,10)
      await ship(range(w.lotId, 5, 6, 7));
      await ship(range(w.lotId, 7, 8, 3));
      await w.custody.connect(w.manufacturer).decommissionRange(range(w.lotId, 0, 1, 9), PackState.Destroyed);
      await w.custody
        .connect(w.manufacturer)
        .decommission(packProof(w.manifest, w.lotId, w.manifest.serials[9], 2), PackState.Destroyed);
      await w.custody.connect(w.manufacturer).quarantine([range(w.lotId, 4, 5, 4)], bytes32("e"));
      const M = w.manufacturer.address;
      const [A, T] = [PackState.Active, PackState.InTransit];
      expect(await layout(w, w.lotId)).to.deep.equal([
        [0, 1, M, PackState.Destroyed, A, Number(await time.latest()) - 2],
        [1, 2, M, A, A, 0],
        [2, 4, M, T, A, 1],
        [4, 5, M, PackState.Suspect, A, 0],
        [5, 6, M, T, A, 2],
        [6, 7, M, A, A, 0],
        [7, 8, M, T, A, 3],
        [8, 9, M, A, A, 0],
        [9, 10, M, PackState.Destroyed, A, Number(await time.latest()) - 1],
      ]);
      // refusals name the custody rule, whatever the hint
      await expect(ship(range(w.lotId, 1, 3, 9)))
        .to.be.revertedWithCustomError(w.custody, "CustodyPackNotActive")
        .withArgs(w.lotId, 2, T);
    });

    it("walks forward from any run start before the range, or from the nearest one findRun gives", async function () {
      const w = await loadFixture(custodyFixture);
      const ship = (r: ReturnType<typeof range>) =>
        w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, NOTICE, [r]);
      await ship(range(w.lotId, 2, 4)); // runs: [0,2) [2,4) [4,10)
      // 0 always works; 2 is a run start before pack 5 - 1 = 4, walked forward from
      await ship(range(w.lotId, 5, 6, 2));
      // pack 4's own run start: the nearest
      expect(await w.custody.findRun(w.lotId, 4)).to.equal(4);
      await ship(range(w.lotId, 6, 7, 4));
      await ship(range(w.lotId, 8, 9, await hintFor(w, w.lotId, 8)));
      expect((await layout(w, w.lotId)).map(([start, end, , state]) => [start, end, state])).to.deep.equal([
        [0, 2, PackState.Active],
        [2, 4, PackState.InTransit],
        [4, 5, PackState.Active],
        [5, 6, PackState.InTransit],
        [6, 7, PackState.InTransit],
        [7, 8, PackState.Active],
        [8, 9, PackState.InTransit],
        [9, 10, PackState.Active],
      ]);
      // a pack proven by its serial: a run start at or before the pack before it
      await w.custody
        .connect(w.manufacturer)
        .decommission(
          packProof(w.manifest, w.lotId, w.manifest.serials[9], await hintFor(w, w.lotId, 9)),
          PackState.Destroyed,
        );
      await w.custody
        .connect(w.manufacturer)
        .decommission(packProof(w.manifest, w.lotId, w.manifest.serials[1], 0), PackState.Destroyed);
      await expectPack(w, 9, PackState.Destroyed, w.manufacturer.address);
      await expectPack(w, 1, PackState.Destroyed, w.manufacturer.address);
    });

    it("refuses a shipment past the last id a run's record can hold (2^32 - 1), by name", async function () {
      const w = await loadFixture(custodyFixture);
      await toDistributor(w, 0, 1);
      await toDistributor(w, 1, 2);
      // the shipment counter's slot: the one word of custody's first slots that holds the count, 2
      const address = await w.custody.getAddress();
      let slot = -1;
      for (let i = 0; i < 32 && slot < 0; i++) {
        if (BigInt(await ethers.provider.getStorage(address, i)) === 2n) slot = i;
      }
      expect(slot).to.be.greaterThan(-1);
      const set = (count: bigint) =>
        network.provider.send("hardhat_setStorageAt", [address, ethers.toQuantity(slot), ethers.toBeHex(count, 32)]);
      await set(2n ** 32n - 2n);
      await w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, NOTICE, [range(w.lotId, 2, 3)]);
      expect(await w.custody.shipmentCount()).to.equal(2n ** 32n - 1n);
      await expect(
        w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, NOTICE, [range(w.lotId, 3, 4)]),
      ).to.be.revertedWithCustomError(w.custody, "CustodyShipmentIdsExhausted");
    });

    it("refuses packs the seller does not hold", async function () {
      const w = await loadFixture(custodyFixture);
      await expect(w.custody.connect(w.distributor).ship(w.dispenser.address, ZERO, NOTICE, [range(w.lotId, 0, 2)]))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotHolder")
        .withArgs(w.lotId, 0, w.manufacturer.address);
    });

    it("refuses packs that are in transit, quarantined or decommissioned", async function () {
      const w = await loadFixture(custodyFixture);
      const ship = (r: ReturnType<typeof range>) =>
        w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, NOTICE, [r]);
      await ship(range(w.lotId, 0, 2, 0));
      await expect(ship(range(w.lotId, 0, 2, 0)))
        .to.be.revertedWithCustomError(w.custody, "CustodyPackNotActive")
        .withArgs(w.lotId, 0, PackState.InTransit);
      await w.custody.connect(w.manufacturer).quarantine([range(w.lotId, 2, 4, 0)], bytes32("evidence"));
      await expect(ship(range(w.lotId, 3, 4, 2)))
        .to.be.revertedWithCustomError(w.custody, "CustodyPackNotActive")
        .withArgs(w.lotId, 3, PackState.Suspect);
      await w.custody.connect(w.manufacturer).decommissionRange(range(w.lotId, 4, 6, 2), PackState.Sample);
      await expect(ship(range(w.lotId, 4, 5, await hintFor(w, w.lotId, 4))))
        .to.be.revertedWithCustomError(w.custody, "CustodyAlreadyDecommissioned")
        .withArgs(w.lotId, 4, PackState.Sample);
    });

    it("names the first pack that breaks the rule: the holder before the state when shipping, the state before the holder when decommissioning", async function () {
      const w = await loadFixture(custodyFixture);
      await toDistributor(w, 0, 5); // the distributor holds [0, 5)
      await w.custody.connect(w.manufacturer).ship(w.distributor2.address, ZERO, NOTICE, [range(w.lotId, 5, 7)]);
      const ship = (from: HardhatEthersSigner, r: ReturnType<typeof range>) =>
        w.custody.connect(from).ship(w.dispenser.address, ZERO, NOTICE, [r]);
      const destroy = (from: HardhatEthersSigner, r: ReturnType<typeof range>) =>
        w.custody.connect(from).decommissionRange(r, PackState.Destroyed);
      const [M, D] = [w.manufacturer.address, w.distributor.address];
      // the distributor's range runs into packs in transit, still the manufacturer's
      await expect(ship(w.distributor, range(w.lotId, 3, 8)))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotHolder")
        .withArgs(w.lotId, 5, M);
      await expect(destroy(w.distributor, range(w.lotId, 3, 8)))
        .to.be.revertedWithCustomError(w.custody, "CustodyPackNotActive")
        .withArgs(w.lotId, 5, PackState.InTransit);
      // the manufacturer's range starts with the distributor's packs
      await expect(ship(w.manufacturer, range(w.lotId, 3, 8)))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotHolder")
        .withArgs(w.lotId, 3, D);
      await expect(destroy(w.manufacturer, range(w.lotId, 3, 8)))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotHolder")
        .withArgs(w.lotId, 3, D);
      await expect(ship(w.manufacturer, range(w.lotId, 5, 10)))
        .to.be.revertedWithCustomError(w.custody, "CustodyPackNotActive")
        .withArgs(w.lotId, 5, PackState.InTransit);
      // quarantined packs of the distributor's: the first pack in index order is named
      await w.custody.connect(w.distributor).quarantine([range(w.lotId, 1, 3)], bytes32("evidence"));
      await expect(ship(w.manufacturer, range(w.lotId, 1, 3)))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotHolder")
        .withArgs(w.lotId, 1, D);
      await expect(destroy(w.manufacturer, range(w.lotId, 1, 3)))
        .to.be.revertedWithCustomError(w.custody, "CustodyPackNotActive")
        .withArgs(w.lotId, 1, PackState.Suspect);
      await expect(ship(w.distributor, range(w.lotId, 0, 8)))
        .to.be.revertedWithCustomError(w.custody, "CustodyPackNotActive")
        .withArgs(w.lotId, 1, PackState.Suspect);
      await expect(destroy(w.distributor, range(w.lotId, 0, 8)))
        .to.be.revertedWithCustomError(w.custody, "CustodyPackNotActive")
        .withArgs(w.lotId, 1, PackState.Suspect);
      // nothing moved
      expect(
        (await layout(w, w.lotId)).map(([start, end, holder, state]) => [start, end, holder, state]),
      ).to.deep.equal([
        [0, 1, D, PackState.Active],
        [1, 3, D, PackState.Suspect],
        [3, 5, D, PackState.Active],
        [5, 7, M, PackState.InTransit],
        [7, 10, M, PackState.Active],
      ]);
    });

    it("refuses a lot that is pending, expired, or recalled unless the packs go back to its manufacturer", async function () {
      const w = await loadFixture(custodyFixture);
      const manifest = Manifest.fromSerials(serialsFor("P-", 4));
      const att = await attestationFor(w, manifest, { lotNumber: "PENDING" });
      const ms = await signLotAttestation(w.manufacturer, await domainOf(w), att);
      await w.lots.commissionLot(att, sig(w.manufacturer.address, ms), NO_SIGNATURE);
      await expect(
        w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, NOTICE, [range(att.lotId, 0, 1)]),
      )
        .to.be.revertedWithCustomError(w.custody, "CustodyLotNotReleased")
        .withArgs(att.lotId);

      await toDistributor(w, 0, 5);
      await w.lots.connect(w.regulator).recallLot(w.lotId, bytes32("contamination"));
      await expect(w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, NOTICE, [range(w.lotId, 5, 6)]))
        .to.be.revertedWithCustomError(w.custody, "CustodyLotRecalled")
        .withArgs(w.lotId);
      await expect(w.custody.connect(w.distributor).ship(w.dispenser.address, ZERO, NOTICE, [range(w.lotId, 0, 5, 0)]))
        .to.be.revertedWithCustomError(w.custody, "CustodyLotRecalled")
        .withArgs(w.lotId);
      await w.custody.connect(w.distributor).ship(w.manufacturer.address, ZERO, NOTICE, [range(w.lotId, 0, 5, 0)]);

      await time.increaseTo(w.expiresAt2);
      await expect(w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, NOTICE, [range(w.lotId2, 0, 1)]))
        .to.be.revertedWithCustomError(w.custody, "CustodyLotExpired")
        .withArgs(w.lotId2, w.expiresAt2);
    });
  });

  describe("ranges across runs", function () {
    it("ships a range spanning two shipments the seller received in one range, to a pharmacy that receives it", async function () {
      const w = await loadFixture(bigLotFixture);
      await twoShipmentsToDistributor(w);
      const [M, D, P] = [w.manufacturer.address, w.distributor.address, w.dispenser.address];
      const A = PackState.Active;
      // two received shipments next to each other stay two runs until they are written
      expect(await layout(w, w.lotId)).to.deep.equal([
        [0, 700, M, A, A, 0],
        [700, 750, D, A, A, 0],
        [750, 800, D, A, A, 0],
        [800, BIG, M, A, A, 0],
      ]);
      const hint = await hintFor(w, w.lotId, 740);
      expect(hint).to.equal(700);
      await expect(w.custody.connect(w.distributor).ship(P, ZERO, NOTICE, [range(w.lotId, 740, 760, hint)]))
        .to.emit(w.custody, "ShipmentCreated")
        .withArgs(3, D, P, ZERO, NOTICE, 20)
        .and.to.emit(w.custody, "PacksShipped")
        .withArgs(w.lotId, 3, 740, 760);
      expect(await layout(w, w.lotId)).to.deep.equal([
        [0, 700, M, A, A, 0],
        [700, 740, D, A, A, 0],
        [740, 760, D, PackState.InTransit, A, 3],
        [760, 800, D, A, A, 0],
        [800, BIG, M, A, A, 0],
      ]);
      await expect(w.custody.connect(w.dispenser).receiveShipment(3))
        .to.emit(w.custody, "ShipmentReceived")
        .withArgs(3, P);
      await expectPacks(w, 740, 760, A, P);
      await expectPack(w, 739, A, D);
      await expectPack(w, 760, A, D);
    });

    it("ships a range over packs whose quarantine was cleared, across the runs the quarantine left", async function () {
      const w = await loadFixture(bigLotFixture);
      await deliver(w, w.manufacturer, w.distributor, 900, BIG);
      const [M, D, P] = [w.manufacturer.address, w.distributor.address, w.dispenser.address];
      const A = PackState.Active;
      const hint = await hintFor(w, w.lotId, 950);
      expect(hint).to.equal(900);
      const evidence = bytes32("one case with a broken seal");
      await expect(w.custody.connect(w.distributor).quarantine([range(w.lotId, 950, 960, hint)], evidence))
        .to.emit(w.custody, "PacksQuarantined")
        .withArgs(w.lotId, D, D, 950, 960, evidence);
      await expectPacks(w, 950, 960, PackState.Suspect, D);
      const decision = bytes32("seal damaged in handling");
      await expect(w.custody.connect(w.regulator).clearSuspect([range(w.lotId, 950, 960, hint)], decision))
        .to.emit(w.custody, "PacksCleared")
        .withArgs(w.lotId, w.regulator.address, 950, 960, decision);
      // [950, 1000) now spans three runs
      expect(await layout(w, w.lotId)).to.deep.equal([
        [0, 900, M, A, A, 0],
        [900, 950, D, A, A, 0],
        [950, 960, D, A, A, 0],
        [960, BIG, D, A, A, 0],
      ]);
      await expect(
        w.custody
          .connect(w.distributor)
          .ship(P, ZERO, NOTICE, [range(w.lotId, 950, BIG, await hintFor(w, w.lotId, 950))]),
      )
        .to.emit(w.custody, "ShipmentCreated")
        .withArgs(2, D, P, ZERO, NOTICE, 50)
        .and.to.emit(w.custody, "PacksShipped")
        .withArgs(w.lotId, 2, 950, BIG);
      await w.custody.connect(w.dispenser).receiveShipment(2);
      await expectPacks(w, 950, BIG, A, P);
      await expectPack(w, 949, A, D);
      expect(await layout(w, w.lotId)).to.deep.equal([
        [0, 900, M, A, A, 0],
        [900, 950, D, A, A, 0],
        [950, BIG, P, A, A, 0],
      ]);
    });

    it("ships a range over a pack whose dispense was undone", async function () {
      const w = await loadFixture(bigLotFixture);
      await twoShipmentsToDistributor(w);
      await w.custody
        .connect(w.distributor)
        .ship(w.dispenser.address, ZERO, NOTICE, [range(w.lotId, 740, 760, await hintFor(w, w.lotId, 740))]);
      await w.custody.connect(w.dispenser).receiveShipment(3);
      const [D, P] = [w.distributor.address, w.dispenser.address];
      const hint = await hintFor(w, w.lotId, 750);
      expect(hint).to.equal(740);
      await expect(
        w.custody
          .connect(w.dispenser)
          .decommission(packProof(w.manifest, w.lotId, w.manifest.serials[750], hint), PackState.Dispensed),
      )
        .to.emit(w.custody, "PacksDecommissioned")
        .withArgs(w.lotId, P, PackState.Dispensed, 750, 751);
      await expectPack(w, 750, PackState.Dispensed, P);
      await time.increase(DAY);
      await expect(w.custody.connect(w.dispenser).undoDecommission(range(w.lotId, 750, 751, hint)))
        .to.emit(w.custody, "DecommissionUndone")
        .withArgs(w.lotId, P, PackState.Dispensed, 750, 751);
      await expectPack(w, 750, PackState.Active, P);
      // the pharmacy returns the 20 packs to its distributor in one range, over the pack undone
      await expect(
        w.custody
          .connect(w.dispenser)
          .ship(D, ZERO, NOTICE, [range(w.lotId, 740, 760, await hintFor(w, w.lotId, 740))]),
      )
        .to.emit(w.custody, "ShipmentCreated")
        .withArgs(4, P, D, ZERO, NOTICE, 20)
        .and.to.emit(w.custody, "PacksShipped")
        .withArgs(w.lotId, 4, 740, 760);
      await expectPacks(w, 740, 760, PackState.InTransit, P);
      await w.custody.connect(w.distributor).receiveShipment(4);
      await expectPacks(w, 740, 760, PackState.Active, D);
    });

    it("decommissions a range spanning the runs of two shipments, in one range", async function () {
      const w = await loadFixture(bigLotFixture);
      await twoShipmentsToDistributor(w);
      const [M, D] = [w.manufacturer.address, w.distributor.address];
      const A = PackState.Active;
      await expect(
        w.custody.connect(w.distributor).decommissionRange(range(w.lotId, 720, 780, 700), PackState.Destroyed),
      )
        .to.emit(w.custody, "PacksDecommissioned")
        .withArgs(w.lotId, D, PackState.Destroyed, 720, 780);
      const at = await time.latest();
      expect(await layout(w, w.lotId)).to.deep.equal([
        [0, 700, M, A, A, 0],
        [700, 720, D, A, A, 0],
        [720, 780, D, PackState.Destroyed, A, at],
        [780, 800, D, A, A, 0],
        [800, BIG, M, A, A, 0],
      ]);
      for (const i of [720, 749, 750, 779]) {
        const s = await w.custody.packStatus(w.lotId, i);
        expect(s.state).to.equal(PackState.Destroyed);
        expect(s.holder).to.equal(D);
        expect(s.decommissionedAt).to.equal(at);
        expect(s.runStart).to.equal(720);
      }
      await expectPack(w, 719, A, D);
      await expectPack(w, 780, A, D);
    });

    it("quarantines and clears a range spanning the runs of two shipments, in one range", async function () {
      const w = await loadFixture(bigLotFixture);
      await twoShipmentsToDistributor(w);
      const [M, D] = [w.manufacturer.address, w.distributor.address];
      const A = PackState.Active;
      const evidence = bytes32("cartons with a different font");
      await expect(w.custody.connect(w.distributor).quarantine([range(w.lotId, 710, 790, 700)], evidence))
        .to.emit(w.custody, "PacksQuarantined")
        .withArgs(w.lotId, D, D, 710, 750, evidence) // one event per run: the two shipments' runs
        .and.to.emit(w.custody, "PacksQuarantined")
        .withArgs(w.lotId, D, D, 750, 790, evidence);
      expect(await layout(w, w.lotId)).to.deep.equal([
        [0, 700, M, A, A, 0],
        [700, 710, D, A, A, 0],
        [710, 790, D, PackState.Suspect, A, 0],
        [790, 800, D, A, A, 0],
        [800, BIG, M, A, A, 0],
      ]);
      await expect(w.custody.connect(w.regulator).confirmIllegitimate([range(w.lotId, 705, 790)], evidence))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotSuspect")
        .withArgs(w.lotId, 705, A);
      const decision = bytes32("genuine: a second printer");
      await expect(w.custody.connect(w.regulator).clearSuspect([range(w.lotId, 710, 790, 700)], decision))
        .to.emit(w.custody, "PacksCleared")
        .withArgs(w.lotId, w.regulator.address, 710, 790, decision);
      await expectPacks(w, 705, 795, A, D);
    });

    it("refuses to ship a range with a dispensed pack inside it, naming that pack", async function () {
      const w = await loadFixture(bigLotFixture);
      await deliver(w, w.manufacturer, w.distributor, 0, 100);
      await deliver(w, w.distributor, w.dispenser, 0, 100);
      const P = w.dispenser.address;
      await w.custody
        .connect(w.dispenser)
        .decommission(
          packProof(w.manifest, w.lotId, w.manifest.serials[17], await hintFor(w, w.lotId, 17)),
          PackState.Dispensed,
        );
      const ship = (...ranges: ReturnType<typeof range>[]) =>
        w.custody.connect(w.dispenser).ship(w.distributor.address, ZERO, NOTICE, ranges);
      await expect(ship(range(w.lotId, 10, 30)))
        .to.be.revertedWithCustomError(w.custody, "CustodyAlreadyDecommissioned")
        .withArgs(w.lotId, 17, PackState.Dispensed);
      // with more decommissioned packs after it, the first in index order is named
      await w.custody.connect(w.dispenser).decommissionRange(range(w.lotId, 20, 25, 17), PackState.Sample);
      await expect(ship(range(w.lotId, 10, 30)))
        .to.be.revertedWithCustomError(w.custody, "CustodyAlreadyDecommissioned")
        .withArgs(w.lotId, 17, PackState.Dispensed);
      await expect(ship(range(w.lotId, 18, 30, 17)))
        .to.be.revertedWithCustomError(w.custody, "CustodyAlreadyDecommissioned")
        .withArgs(w.lotId, 20, PackState.Sample);
      expect(await w.custody.shipmentCount()).to.equal(2);
      await expectPacks(w, 10, 17, PackState.Active, P);
      // the packs around it still ship
      await expect(ship(range(w.lotId, 10, 17), range(w.lotId, 18, 20)))
        .to.emit(w.custody, "ShipmentCreated")
        .withArgs(3, P, w.distributor.address, ZERO, NOTICE, 9);
      await expectPack(w, 17, PackState.Dispensed, P);
      await expectPack(w, 18, PackState.InTransit, P);
    });

    it("refuses to ship a range partly held by another party, naming the first pack not held and its holder", async function () {
      const w = await loadFixture(bigLotFixture);
      const [M, D, P] = [w.manufacturer.address, w.distributor.address, w.dispenser.address];
      await deliver(w, w.manufacturer, w.distributor, 700, 750);
      await w.custody
        .connect(w.manufacturer)
        .ship(D, ZERO, NOTICE, [range(w.lotId, 750, 800, await hintFor(w, w.lotId, 750))]);
      const ship = (start: number, end: number) =>
        w.custody.connect(w.distributor).ship(P, ZERO, NOTICE, [range(w.lotId, start, end)]);
      // in transit to the distributor: still the manufacturer's
      await expect(ship(740, 760))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotHolder")
        .withArgs(w.lotId, 750, M);
      await w.custody.connect(w.distributor).receiveShipment(2);
      await deliver(w, w.distributor, w.dispenser, 750, 760);
      await expect(ship(730, 770))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotHolder")
        .withArgs(w.lotId, 750, P);
      await expect(ship(790, 810))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotHolder")
        .withArgs(w.lotId, 800, M);
      await expect(ship(690, 710))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotHolder")
        .withArgs(w.lotId, 690, M);
      await expectPacks(w, 730, 750, PackState.Active, D);
      await expectPacks(w, 760, 770, PackState.Active, D);
    });

    it("ships a range spanning runs for an order", async function () {
      const w = await loadFixture(bigLotFixture);
      await twoShipmentsToDistributor(w);
      const orders = await ethers.getContractAt("TradeOrders", await w.custody.orderBook());
      const deliverBy = BigInt(await time.latest()) + 30n * DAY;
      await orders.connect(w.dispenser).placeOrder(w.distributor.address, GTIN, 20, deliverBy, bytes32("order"));
      const orderId = await orders.orderCount();
      await orders.connect(w.distributor).confirmOrder(orderId, 20, 0, bytes32("acknowledgement"));
      await expect(
        w.custody
          .connect(w.distributor)
          .shipForOrder(orderId, w.dispenser.address, ZERO, NOTICE, [range(w.lotId, 740, 760, 700)], ["LOT-K"]),
      )
        .to.emit(w.custody, "PacksShipped")
        .withArgs(w.lotId, 3, 740, 760)
        .and.to.emit(orders, "OrderShipped")
        .withArgs(orderId, 3, 20, OrderStatus.Shipped);
      expect(await w.custody.shipmentOrder(3)).to.equal(orderId);
      await w.custody.connect(w.dispenser).receiveShipment(3);
      await expectPacks(w, 740, 760, PackState.Active, w.dispenser.address);
      expect((await orders.order(orderId)).received).to.equal(20);
    });
  });

  describe("merging runs", function () {
    it("writes a later range of the same call after an earlier range's merge deleted a run start", async function () {
      const w = await loadFixture(custodyFixture);
      const M = w.manufacturer.address;
      await w.custody.connect(w.manufacturer).quarantine([range(w.lotId, 2, 4), range(w.lotId, 6, 8)], bytes32("seal"));
      const hint = await hintFor(w, w.lotId, 6);
      expect(hint).to.equal(4);
      // clearing [2,4) merges [0,2), [2,4) and [4,6) into one run: the run start 4 is gone when [6,8) comes
      await w.custody
        .connect(w.regulator)
        .clearSuspect([range(w.lotId, 2, 4, 0), range(w.lotId, 6, 8, hint)], bytes32("cleared"));
      expect(await layout(w, w.lotId)).to.deep.equal([[0, UNITS, M, PackState.Active, PackState.Active, 0]]);
    });

    it("merges a shipment's ranges that touch into one run, in either order", async function () {
      const w = await loadFixture(custodyFixture);
      const M = w.manufacturer.address;
      await w.custody
        .connect(w.manufacturer)
        .ship(w.distributor.address, ZERO, NOTICE, [range(w.lotId, 0, 3), range(w.lotId, 3, 6)]);
      await w.custody
        .connect(w.manufacturer)
        .ship(w.distributor2.address, ZERO, NOTICE, [range(w.lotId, 8, 10), range(w.lotId, 6, 8)]);
      expect(await layout(w, w.lotId)).to.deep.equal([
        [0, 6, M, PackState.InTransit, PackState.Active, 1],
        [6, 10, M, PackState.InTransit, PackState.Active, 2],
      ]);
      // the records absorbed are gone: they are no run start
      for (const [gone, start] of [
        [3, 0],
        [8, 6],
      ]) {
        expect(await w.custody.findRun(w.lotId, gone)).to.equal(start);
        await expect(w.custody.runs(w.lotId, gone, 1))
          .to.be.revertedWithCustomError(w.custody, "CustodyNotRunStart")
          .withArgs(w.lotId, gone);
      }
    });

    it("merges quarantined packs back with their neighbours when cleared", async function () {
      const w = await loadFixture(custodyFixture);
      await toDistributor(w, 0, 5);
      const [M, D] = [w.manufacturer.address, w.distributor.address];
      const A = PackState.Active;
      const before = await layout(w, w.lotId);
      expect(before).to.deep.equal([
        [0, 5, D, A, A, 0],
        [5, 10, M, A, A, 0],
      ]);
      await w.custody.connect(w.manufacturer).quarantine([range(w.lotId, 6, 8, 0)], bytes32("evidence"));
      expect(await layout(w, w.lotId)).to.have.length(4);
      await expect(w.custody.connect(w.regulator).clearSuspect([range(w.lotId, 6, 8, 5)], bytes32("cleared")))
        .to.emit(w.custody, "PacksCleared")
        .withArgs(w.lotId, w.regulator.address, 6, 8, bytes32("cleared"));
      expect(await layout(w, w.lotId)).to.deep.equal(before);
      for (const gone of [6, 8]) expect(await w.custody.findRun(w.lotId, gone)).to.equal(5);
    });

    it("merges packs returned to the manufacturer with its other packs once they are written", async function () {
      const w = await loadFixture(custodyFixture);
      const [M, D2] = [w.manufacturer.address, w.distributor2.address];
      const A = PackState.Active;
      await toDistributor(w, 0, 5);
      await w.custody.connect(w.distributor).ship(M, ZERO, NOTICE, [range(w.lotId, 0, 5)]);
      await w.custody.connect(w.manufacturer).receiveShipment(2);
      // settled, but stored as the shipment's until written
      expect(await layout(w, w.lotId)).to.deep.equal([
        [0, 5, M, A, A, 0],
        [5, 10, M, A, A, 0],
      ]);
      await w.custody.connect(w.manufacturer).ship(D2, ZERO, NOTICE, [range(w.lotId, 0, 10)]);
      expect(await layout(w, w.lotId)).to.deep.equal([[0, 10, M, PackState.InTransit, A, 3]]);
      await w.custody.connect(w.distributor2).receiveShipment(3);
      expect(await layout(w, w.lotId)).to.deep.equal([[0, 10, D2, A, A, 0]]);
      expect(await w.custody.findRun(w.lotId, 7)).to.equal(0);
    });
  });

  describe("transport", function () {
    async function viaTransporter(w: CustodyWorld): Promise<bigint> {
      await w.custody
        .connect(w.manufacturer)
        .ship(w.distributor.address, w.transporter.address, NOTICE, [range(w.lotId, 0, UNITS)]);
      return w.custody.shipmentCount();
    }

    it("records pick-up and hand-over by the named transporter, then the buyer receives", async function () {
      const w = await loadFixture(custodyFixture);
      const id = await viaTransporter(w);
      const [created, transporter] = await w.custody.shipment(id);
      expect(created.viaTransporter).to.equal(true);
      expect(transporter).to.equal(w.transporter.address);
      await expect(w.custody.connect(w.distributor).receiveShipment(id))
        .to.be.revertedWithCustomError(w.custody, "CustodyInvalidShipmentStatus")
        .withArgs(id, ShipmentStatus.Created);
      await expect(w.custody.connect(w.transporter).pickUp(id, 614141073467n))
        .to.emit(w.custody, "ShipmentPickedUp")
        .withArgs(id, w.transporter.address, 614141073467n);
      await expect(w.custody.connect(w.transporter).handOver(id, 6141410000021n))
        .to.emit(w.custody, "ShipmentHandedOver")
        .withArgs(id, w.transporter.address, 6141410000021n);
      expect((await w.custody.shipment(id))[0].status).to.equal(ShipmentStatus.HandedOver);
      await w.custody.connect(w.distributor).receiveShipment(id);
      await expectPack(w, 9, PackState.Active, w.distributor.address);
    });

    it("lets the buyer reject a shipment the transporter handed over", async function () {
      const w = await loadFixture(custodyFixture);
      const id = await viaTransporter(w);
      await w.custody.connect(w.transporter).pickUp(id, 0);
      await w.custody.connect(w.transporter).handOver(id, 0);
      await w.custody.connect(w.distributor).rejectShipment(id, bytes32("broken seals"));
      await expectPack(w, 0, PackState.Active, w.manufacturer.address);
    });

    it("lets the buyer receive once the transporter picked up, without a hand-over", async function () {
      const w = await loadFixture(custodyFixture);
      const id = await viaTransporter(w);
      await w.custody.connect(w.transporter).pickUp(id, 0);
      await expect(w.custody.connect(w.distributor).receiveShipment(id))
        .to.emit(w.custody, "ShipmentReceived")
        .withArgs(id, w.distributor.address);
    });

    it("refuses pick-up and hand-over by anyone but the authorised transporter, or out of order", async function () {
      const w = await loadFixture(custodyFixture);
      const id = await viaTransporter(w);
      await expect(w.custody.connect(w.distributor).pickUp(id, 0))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotParty")
        .withArgs(id, w.distributor.address);
      await expect(w.custody.connect(w.transporter).pickUp(99, 0))
        .to.be.revertedWithCustomError(w.custody, "CustodyUnknownShipment")
        .withArgs(99);
      await expect(w.custody.connect(w.transporter).handOver(id, 0))
        .to.be.revertedWithCustomError(w.custody, "CustodyInvalidShipmentStatus")
        .withArgs(id, ShipmentStatus.Created);
      await w.custody.connect(w.transporter).pickUp(id, 0);
      await expect(w.custody.connect(w.transporter).pickUp(id, 0))
        .to.be.revertedWithCustomError(w.custody, "CustodyInvalidShipmentStatus")
        .withArgs(id, ShipmentStatus.PickedUp);
      await w.registry.connect(w.regulator).suspend(w.transporter.address, bytes32("no cold chain"));
      await expect(w.custody.connect(w.transporter).handOver(id, 0))
        .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
        .withArgs(w.transporter.address, Role.Transporter);
    });
  });

  describe("receipt, rejection and cancellation", function () {
    it("moves custody and ownership of every pack to the buyer in one constant-cost call", async function () {
      const w = await loadFixture(custodyFixture);
      await w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, NOTICE, [range(w.lotId, 2, 8, 0)]);
      await expect(w.custody.connect(w.distributor).receiveShipment(1))
        .to.emit(w.custody, "ShipmentReceived")
        .withArgs(1, w.distributor.address);
      expect((await w.custody.shipment(1))[0].status).to.equal(ShipmentStatus.Received);
      for (let i = 2; i < 8; i++) await expectPack(w, i, PackState.Active, w.distributor.address);
      await expectPack(w, 1, PackState.Active, w.manufacturer.address);
      const [runs] = await w.custody.runs(w.lotId, 2, 1);
      expect(runs[0].holder).to.equal(w.distributor.address);
      expect(runs[0].state).to.equal(PackState.Active);
    });

    it("lets the buyer ship part of what it received onwards, keeping the rest", async function () {
      const w = await loadFixture(custodyFixture);
      await toDistributor(w);
      await w.custody.connect(w.distributor).ship(w.dispenser.address, ZERO, NOTICE, [range(w.lotId, 4, 6, 0)]);
      await expectPack(w, 3, PackState.Active, w.distributor.address);
      await expectPack(w, 4, PackState.InTransit, w.distributor.address);
      await expectPack(w, 6, PackState.Active, w.distributor.address);
      await w.custody.connect(w.dispenser).receiveShipment(2);
      await expectPack(w, 5, PackState.Active, w.dispenser.address);
      await w.custody
        .connect(w.distributor)
        .ship(w.dispenser2.address, ZERO, NOTICE, [range(w.lotId, 0, 4, 0), range(w.lotId, 6, 10, 4)]);
      await w.custody.connect(w.dispenser2).receiveShipment(3);
      await expectPack(w, 0, PackState.Active, w.dispenser2.address);
      await expectPack(w, 9, PackState.Active, w.dispenser2.address);
    });

    it("refuses receipt by anyone but the authorised buyer, twice, or of an unknown shipment", async function () {
      const w = await loadFixture(custodyFixture);
      await w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, NOTICE, [range(w.lotId, 0, 2)]);
      await expect(w.custody.connect(w.distributor2).receiveShipment(1))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotParty")
        .withArgs(1, w.distributor2.address);
      await expect(w.custody.connect(w.distributor).receiveShipment(2))
        .to.be.revertedWithCustomError(w.custody, "CustodyUnknownShipment")
        .withArgs(2);
      await w.registry.connect(w.regulator).suspend(w.distributor.address, bytes32("audit"));
      await expect(w.custody.connect(w.distributor).receiveShipment(1))
        .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
        .withArgs(w.distributor.address, Role.Distributor);
      await w.registry.connect(w.regulator).reinstate(w.distributor.address);
      await w.custody.connect(w.distributor).receiveShipment(1);
      await expect(w.custody.connect(w.distributor).receiveShipment(1))
        .to.be.revertedWithCustomError(w.custody, "CustodyInvalidShipmentStatus")
        .withArgs(1, ShipmentStatus.Received);
    });

    it("returns rejected packs to the seller, active", async function () {
      const w = await loadFixture(custodyFixture);
      await w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, NOTICE, [range(w.lotId, 0, 4)]);
      const reason = bytes32("temperature excursion");
      await expect(w.custody.connect(w.distributor).rejectShipment(1, reason))
        .to.emit(w.custody, "ShipmentRejected")
        .withArgs(1, w.distributor.address, reason);
      await expectPack(w, 3, PackState.Active, w.manufacturer.address);
      await expect(w.custody.connect(w.distributor).receiveShipment(1))
        .to.be.revertedWithCustomError(w.custody, "CustodyInvalidShipmentStatus")
        .withArgs(1, ShipmentStatus.Rejected);
      await expect(w.custody.connect(w.distributor).rejectShipment(1, reason))
        .to.be.revertedWithCustomError(w.custody, "CustodyInvalidShipmentStatus")
        .withArgs(1, ShipmentStatus.Rejected);
      await expect(w.custody.connect(w.dispenser).rejectShipment(1, reason))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotParty")
        .withArgs(1, w.dispenser.address);
      // the seller can ship them again
      await w.custody.connect(w.manufacturer).ship(w.distributor2.address, ZERO, NOTICE, [range(w.lotId, 0, 4, 0)]);
      await expectPack(w, 0, PackState.InTransit, w.manufacturer.address);
    });

    it("lets the seller cancel before pick-up, shown by one range of the shipment", async function () {
      const w = await loadFixture(custodyFixture);
      await w.custody
        .connect(w.manufacturer)
        .ship(w.distributor.address, ZERO, NOTICE, [range(w.lotId, 0, 4), range(w.lotId2, 0, 2)]);
      await expect(w.custody.connect(w.manufacturer).cancelShipment(1, range(w.lotId2, 0, 2, 0)))
        .to.emit(w.custody, "ShipmentCancelled")
        .withArgs(1, w.manufacturer.address);
      await expectPack(w, 1, PackState.Active, w.manufacturer.address);
      await expectPack(w, 1, PackState.Active, w.manufacturer.address, w.lotId2);
      await expect(w.custody.connect(w.distributor).receiveShipment(1))
        .to.be.revertedWithCustomError(w.custody, "CustodyInvalidShipmentStatus")
        .withArgs(1, ShipmentStatus.Cancelled);
    });

    it("refuses a cancellation by anyone but the seller, with a wrong witness, or after pick-up", async function () {
      const w = await loadFixture(custodyFixture);
      await w.custody
        .connect(w.manufacturer)
        .ship(w.distributor.address, w.transporter.address, NOTICE, [range(w.lotId, 0, 4)]);
      await w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, NOTICE, [range(w.lotId, 4, 6, 0)]);
      await expect(w.custody.connect(w.distributor).cancelShipment(1, range(w.lotId, 0, 4, 0)))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotParty")
        .withArgs(1, w.distributor.address);
      await expect(w.custody.connect(w.manufacturer).cancelShipment(1, range(w.lotId, 4, 6, 4)))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotInShipment")
        .withArgs(1, w.lotId, 4);
      await expect(w.custody.connect(w.manufacturer).cancelShipment(1, range(w.lotId, 6, 8, 6)))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotInShipment")
        .withArgs(1, w.lotId, 6);
      await expect(w.custody.connect(w.manufacturer).cancelShipment(1, range(w.lotId, 2, 2, 0)))
        .to.be.revertedWithCustomError(w.custody, "CustodyInvalidRange")
        .withArgs(w.lotId, 2, 2);
      await expect(w.custody.connect(w.manufacturer).cancelShipment(7, range(w.lotId, 0, 4, 0)))
        .to.be.revertedWithCustomError(w.custody, "CustodyUnknownShipment")
        .withArgs(7);
      await expect(w.custody.connect(w.outsider).cancelShipment(1, range(w.lotId, 0, 4, 0)))
        .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
        .withArgs(w.outsider.address, Role.None);
      await w.custody.connect(w.transporter).pickUp(1, 0);
      await expect(w.custody.connect(w.manufacturer).cancelShipment(1, range(w.lotId, 0, 4, 0)))
        .to.be.revertedWithCustomError(w.custody, "CustodyInvalidShipmentStatus")
        .withArgs(1, ShipmentStatus.PickedUp);
      // the buyer may still reject after pick-up
      await w.custody.connect(w.distributor).rejectShipment(1, bytes32("damaged"));
      await expectPack(w, 0, PackState.Active, w.manufacturer.address);
    });
  });

  describe("regulator's intervention and recalls in transit", function () {
    it("lets a regulator void a shipment its buyer can no longer receive, returning the packs to the seller", async function () {
      const w = await loadFixture(custodyFixture);
      await w.custody
        .connect(w.manufacturer)
        .ship(w.distributor.address, w.transporter.address, NOTICE, [range(w.lotId, 0, 5)]);
      await w.custody.connect(w.transporter).pickUp(1, 0);
      // revocation takes two keys: one regulator proposes, another confirms
      await w.registry.connect(w.regulator).revoke(w.distributor.address, bytes32("licence withdrawn"));
      await w.registry.connect(w.regulator2).revoke(w.distributor.address, bytes32("licence withdrawn"));
      await expect(w.custody.connect(w.distributor).receiveShipment(1))
        .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
        .withArgs(w.distributor.address, Role.Distributor);
      const reason = bytes32("buyer's licence revoked in transit");
      await expect(w.custody.connect(w.regulator).voidShipment(1, reason))
        .to.emit(w.custody, "ShipmentVoided")
        .withArgs(1, w.regulator.address, reason);
      expect((await w.custody.shipment(1))[0].status).to.equal(ShipmentStatus.Voided);
      await expectPack(w, 4, PackState.Active, w.manufacturer.address);
      await w.custody.connect(w.regulator).quarantine([range(w.lotId, 0, 5, 0)], bytes32("inspect"));
      await expectPack(w, 4, PackState.Suspect, w.manufacturer.address);
    });

    it("refuses a void by anyone but a regulator, of an unknown or a settled shipment", async function () {
      const w = await loadFixture(custodyFixture);
      await toDistributor(w, 0, 2);
      await expect(w.custody.connect(w.manufacturer).voidShipment(1, ethers.ZeroHash))
        .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
        .withArgs(w.manufacturer.address, Role.Regulator);
      await expect(w.custody.connect(w.regulator).voidShipment(2, ethers.ZeroHash))
        .to.be.revertedWithCustomError(w.custody, "CustodyUnknownShipment")
        .withArgs(2);
      await expect(w.custody.connect(w.regulator).voidShipment(1, ethers.ZeroHash))
        .to.be.revertedWithCustomError(w.custody, "CustodyInvalidShipmentStatus")
        .withArgs(1, ShipmentStatus.Received);
    });

    it("completes the receipt of packs recalled in transit, which can then only go back to the manufacturer", async function () {
      const w = await loadFixture(custodyFixture);
      await toDistributor(w);
      await w.custody.connect(w.distributor).ship(w.dispenser.address, ZERO, NOTICE, [range(w.lotId, 0, 4, 0)]);
      await w.lots.connect(w.regulator).recallLot(w.lotId, bytes32("recall"));
      await w.custody.connect(w.dispenser).receiveShipment(2);
      await expectPack(w, 3, PackState.Active, w.dispenser.address);
      await expect(
        w.custody
          .connect(w.dispenser)
          .decommission(packProof(w.manifest, w.lotId, w.manifest.serials[1], 0), PackState.Dispensed),
      )
        .to.be.revertedWithCustomError(w.custody, "CustodyLotRecalled")
        .withArgs(w.lotId);
      await expect(w.custody.connect(w.dispenser).ship(w.distributor.address, ZERO, NOTICE, [range(w.lotId, 0, 4, 0)]))
        .to.be.revertedWithCustomError(w.custody, "CustodyLotRecalled")
        .withArgs(w.lotId);
      await w.custody.connect(w.dispenser).ship(w.manufacturer.address, ZERO, NOTICE, [range(w.lotId, 0, 4, 0)]);
      await w.custody.connect(w.manufacturer).receiveShipment(3);
      await expectPack(w, 0, PackState.Active, w.manufacturer.address);
    });

    it("refuses a location that is not a GLN", async function () {
      const w = await loadFixture(custodyFixture);
      await w.custody
        .connect(w.manufacturer)
        .ship(w.distributor.address, w.transporter.address, NOTICE, [range(w.lotId, 0, 2)]);
      await expect(w.custody.connect(w.transporter).pickUp(1, 614141073468n))
        .to.be.revertedWithCustomError(w.custody, "CustodyInvalidGln")
        .withArgs(614141073468n);
      await w.custody.connect(w.transporter).pickUp(1, 614141073467n);
      await expect(w.custody.connect(w.transporter).handOver(1, 12345n))
        .to.be.revertedWithCustomError(w.custody, "CustodyInvalidGln")
        .withArgs(12345n);
    });

    it("refuses to quarantine packs of a lot that is not released", async function () {
      const w = await loadFixture(custodyFixture);
      const manifest = Manifest.fromSerials(serialsFor("V-", 3));
      const att = await attestationFor(w, manifest, { lotNumber: "PENDING-Q" });
      const ms = await signLotAttestation(w.manufacturer, await domainOf(w), att);
      await w.lots.commissionLot(att, sig(w.manufacturer.address, ms), NO_SIGNATURE);
      await expect(w.custody.connect(w.regulator).quarantine([range(att.lotId, 0, 3, 0)], bytes32("e")))
        .to.be.revertedWithCustomError(w.custody, "CustodyLotNotReleased")
        .withArgs(att.lotId);
    });
  });

  describe("decommissioning", function () {
    it("dispenses one pack with its serial and proof, leaving its neighbours active", async function () {
      const w = await loadFixture(custodyFixture);
      await toDispenser(w);
      const serial = w.manifest.serials[4];
      await expect(
        w.custody.connect(w.dispenser).decommission(packProof(w.manifest, w.lotId, serial, 0), PackState.Dispensed),
      )
        .to.emit(w.custody, "PacksDecommissioned")
        .withArgs(w.lotId, w.dispenser.address, PackState.Dispensed, 4, 5);
      const s = await w.custody.packStatus(w.lotId, 4);
      expect(s.state).to.equal(PackState.Dispensed);
      expect(s.holder).to.equal(w.dispenser.address);
      expect(s.decommissionedAt).to.equal(await time.latest());
      await expectPack(w, 3, PackState.Active, w.dispenser.address);
      await expectPack(w, 5, PackState.Active, w.dispenser.address);
      // the pack is the head of the run [4, 10)
      const [runs] = await w.custody.runs(w.lotId, 0, 10);
      expect(runs.map((r) => [Number(r.start), Number(r.end), Number(r.state), Number(r.head)])).to.deep.equal([
        [0, 4, PackState.Active, PackState.Active],
        [4, 10, PackState.Active, PackState.Dispensed],
      ]);
    });

    it("dispenses packs at the start, the end and next to each other", async function () {
      hardhatOnly(
        this,
        "needs each block later than the one before, as on Hardhat's network and Ethereum; anvil's automine gives the blocks of one second the same timestamp, and two dispenses at the same time merge into one run",
      );
      const w = await loadFixture(custodyFixture);
      await toDispenser(w);
      const dispense = (index: number, hint: number) =>
        w.custody
          .connect(w.dispenser)
          .decommission(packProof(w.manifest, w.lotId, w.manifest.serials[index], hint), PackState.Dispensed);
      await dispense(0, 0); // head of [0,10)
      await dispense(1, 0); // splits: [0,1) plain Dispensed, [1,10) with head
      await dispense(9, 1); // [1,9) keeps its head, [9,10) plain Dispensed
      await dispense(2, 1); // [1,2) plain, [2,9) head
      for (const i of [0, 1, 2, 9]) await expectPack(w, i, PackState.Dispensed, w.dispenser.address);
      for (const i of [3, 4, 8]) await expectPack(w, i, PackState.Active, w.dispenser.address);
      const [runs] = await w.custody.runs(w.lotId, 0, 10);
      expect(runs.map((r) => [Number(r.start), Number(r.end), Number(r.state), Number(r.head)])).to.deep.equal([
        [0, 1, PackState.Dispensed, PackState.Active],
        [1, 2, PackState.Dispensed, PackState.Active],
        [2, 9, PackState.Active, PackState.Dispensed],
        [9, 10, PackState.Dispensed, PackState.Active],
      ]);
      // the remaining active packs still move as a range (after the head)
      await w.custody.connect(w.dispenser).ship(w.distributor.address, ZERO, NOTICE, [range(w.lotId, 3, 9, 2)]);
      await expectPack(w, 5, PackState.InTransit, w.dispenser.address);
    });

    it("merges two dispenses of neighbouring packs in the same block into one run", async function () {
      const w = await loadFixture(custodyFixture);
      await toDispenser(w);
      const P = w.dispenser.address;
      const dispense = (index: number) =>
        w.custody
          .connect(w.dispenser)
          .decommission(packProof(w.manifest, w.lotId, w.manifest.serials[index], 0), PackState.Dispensed, {
            gasLimit: 1_000_000,
          });
      await network.provider.send("evm_setAutomine", [false]);
      let sent: ContractTransactionResponse[];
      try {
        sent = [await dispense(4), await dispense(5)];
        await network.provider.send("evm_mine", []);
      } finally {
        await network.provider.send("evm_setAutomine", [true]);
      }
      const receipts = await Promise.all(sent.map((tx) => tx.wait()));
      expect(receipts.map((r) => r!.blockNumber)).to.deep.equal([receipts[0]!.blockNumber, receipts[0]!.blockNumber]);
      const at = await time.latest();
      const A = PackState.Active;
      expect((await layout(w, w.lotId)).slice(1)).to.deep.equal([
        [4, 6, P, PackState.Dispensed, A, at],
        [6, 10, P, A, A, 0],
      ]);
      await expectPack(w, 3, A, P);
    });

    it("refuses a second dispense of the same pack, at any pharmacy (a cloned code)", async function () {
      const w = await loadFixture(custodyFixture);
      await toDistributor(w);
      await w.custody.connect(w.distributor).ship(w.dispenser.address, ZERO, NOTICE, [range(w.lotId, 0, 5, 0)]);
      await w.custody.connect(w.distributor).ship(w.dispenser2.address, ZERO, NOTICE, [range(w.lotId, 5, 10, 0)]);
      await w.custody.connect(w.dispenser).receiveShipment(2);
      await w.custody.connect(w.dispenser2).receiveShipment(3);
      const pack = packProof(w.manifest, w.lotId, w.manifest.serials[2], 0);
      await w.custody.connect(w.dispenser).decommission(pack, PackState.Dispensed);
      await expect(w.custody.connect(w.dispenser).decommission(pack, PackState.Dispensed))
        .to.be.revertedWithCustomError(w.custody, "CustodyAlreadyDecommissioned")
        .withArgs(w.lotId, 2, PackState.Dispensed);
      const before = Number(await w.custody.findRun(w.lotId, 1));
      await expect(w.custody.connect(w.dispenser2).decommission({ ...pack, hint: before }, PackState.Dispensed))
        .to.be.revertedWithCustomError(w.custody, "CustodyAlreadyDecommissioned")
        .withArgs(w.lotId, 2, PackState.Dispensed);
      // the pharmacy then reports the clone through a separate call, which keeps its event; its hint may be the
      // start of the pack's own run
      expect(await w.custody.findRun(w.lotId, 2)).to.equal(2);
      await expect(w.custody.connect(w.dispenser2).reportClone({ ...pack, hint: 2 }))
        .to.emit(w.custody, "CloneReported")
        .withArgs(w.lotId, w.dispenser2.address, 2, pack.serial, PackState.Dispensed, w.dispenser.address);
    });

    it("refuses to report a clone of an active pack, or with a wrong proof", async function () {
      const w = await loadFixture(custodyFixture);
      const pack = packProof(w.manifest, w.lotId, w.manifest.serials[2], 0);
      await expect(w.custody.connect(w.dispenser).reportClone(pack))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotDecommissioned")
        .withArgs(w.lotId, 2, PackState.Active);
      await expect(w.custody.connect(w.dispenser).reportClone({ ...pack, serial: "FAKE-1" }))
        .to.be.revertedWithCustomError(w.custody, "CustodyUnknownSerial")
        .withArgs(w.lotId, 2, "FAKE-1");
      await expect(w.custody.connect(w.outsider).reportClone(pack))
        .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
        .withArgs(w.outsider.address, Role.None);
    });

    it("reports a clone of an illegitimate pack", async function () {
      const w = await loadFixture(custodyFixture);
      await w.custody.connect(w.regulator).quarantine([range(w.lotId, 0, 3, 0)], bytes32("evidence"));
      await confirmIllegitimate(w, [range(w.lotId, 0, 3, 0)]);
      const pack = packProof(w.manifest, w.lotId, w.manifest.serials[1], 0);
      await expect(w.custody.connect(w.dispenser).reportClone(pack))
        .to.emit(w.custody, "CloneReported")
        .withArgs(w.lotId, w.dispenser.address, 1, pack.serial, PackState.Illegitimate, w.manufacturer.address);
    });

    it("lets only a dispenser dispense, and refuses states that are not decommissions", async function () {
      const w = await loadFixture(custodyFixture);
      await toDistributor(w);
      const pack = packProof(w.manifest, w.lotId, w.manifest.serials[1], 0);
      await expect(w.custody.connect(w.distributor).decommission(pack, PackState.Dispensed))
        .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
        .withArgs(w.distributor.address, Role.Dispenser);
      for (const state of [PackState.Active, PackState.InTransit, PackState.Suspect, PackState.Illegitimate]) {
        await expect(w.custody.connect(w.distributor).decommission(pack, state))
          .to.be.revertedWithCustomError(w.custody, "CustodyInvalidDecommission")
          .withArgs(state);
        await expect(w.custody.connect(w.distributor).decommissionRange(range(w.lotId, 0, 2, 0), state))
          .to.be.revertedWithCustomError(w.custody, "CustodyInvalidDecommission")
          .withArgs(state);
      }
      await expect(w.custody.connect(w.transporter).decommission(pack, PackState.Destroyed))
        .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
        .withArgs(w.transporter.address, Role.None);
    });

    it("refuses a serial that is not at the index, a wrong proof, or an index past the lot", async function () {
      const w = await loadFixture(custodyFixture);
      const pack = packProof(w.manifest, w.lotId, w.manifest.serials[1], 0);
      const refused = (p: typeof pack) =>
        expect(w.custody.connect(w.manufacturer).decommission(p, PackState.Destroyed))
          .to.be.revertedWithCustomError(w.custody, "CustodyUnknownSerial")
          .withArgs(w.lotId, p.index, p.serial);
      await refused({ ...pack, serial: w.manifest.serials[2] });
      await refused({ ...pack, index: 2 });
      await refused({ ...pack, proof: pack.proof.slice(1) });
      await refused({ ...pack, index: UNITS });
      const unknown = bytes32("no lot");
      await expect(w.custody.connect(w.manufacturer).decommission({ ...pack, lotId: unknown }, PackState.Destroyed))
        .to.be.revertedWithCustomError(w.custody, "CustodyUnknownLot")
        .withArgs(unknown);
    });

    it("refuses packs the caller does not hold or that are not active", async function () {
      const w = await loadFixture(custodyFixture);
      const pack = packProof(w.manifest, w.lotId, w.manifest.serials[1], 0);
      await expect(w.custody.connect(w.dispenser).decommission(pack, PackState.Dispensed))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotHolder")
        .withArgs(w.lotId, 1, w.manufacturer.address);
      await expect(w.custody.connect(w.dispenser).decommissionRange(range(w.lotId, 0, 3, 0), PackState.Destroyed))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotHolder")
        .withArgs(w.lotId, 0, w.manufacturer.address);
      await w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, NOTICE, [range(w.lotId, 0, 3, 0)]);
      await expect(w.custody.connect(w.manufacturer).decommission(pack, PackState.Destroyed))
        .to.be.revertedWithCustomError(w.custody, "CustodyPackNotActive")
        .withArgs(w.lotId, 1, PackState.InTransit);
    });

    it("allows only destruction once the lot is recalled or expired", async function () {
      const w = await loadFixture(custodyFixture);
      await toDispenser(w);
      const pack = (i: number, hint: number) => packProof(w.manifest, w.lotId, w.manifest.serials[i], hint);
      await w.lots.connect(w.manufacturer).recallLot(w.lotId, bytes32("recall"));
      await expect(w.custody.connect(w.dispenser).decommission(pack(1, 0), PackState.Dispensed))
        .to.be.revertedWithCustomError(w.custody, "CustodyLotRecalled")
        .withArgs(w.lotId);
      await expect(w.custody.connect(w.dispenser).decommissionRange(range(w.lotId, 0, 2, 0), PackState.Exported))
        .to.be.revertedWithCustomError(w.custody, "CustodyLotRecalled")
        .withArgs(w.lotId);
      await w.custody.connect(w.dispenser).decommission(pack(1, 0), PackState.Destroyed);
      await expectPack(w, 1, PackState.Destroyed, w.dispenser.address);

      await time.increaseTo(w.expiresAt2);
      const pack2 = packProof(w.manifest2, w.lotId2, w.manifest2.serials[0], 0);
      await expect(w.custody.connect(w.manufacturer).decommission(pack2, PackState.Sample))
        .to.be.revertedWithCustomError(w.custody, "CustodyLotExpired")
        .withArgs(w.lotId2, w.expiresAt2);
      await w.custody.connect(w.manufacturer).decommissionRange(range(w.lotId2, 0, UNITS, 0), PackState.Destroyed);
      await expectPack(w, 9, PackState.Destroyed, w.manufacturer.address, w.lotId2);
    });

    it("refuses to decommission packs of a lot that is not released", async function () {
      const w = await loadFixture(custodyFixture);
      const manifest = Manifest.fromSerials(serialsFor("Q-", 3));
      const att = await attestationFor(w, manifest, { lotNumber: "PENDING-2" });
      const rs = await signLotAttestation(w.regulator, await domainOf(w), att);
      await w.lots.commissionLot(att, NO_SIGNATURE, sig(w.regulator.address, rs));
      await expect(
        w.custody
          .connect(w.manufacturer)
          .decommission(packProof(manifest, att.lotId, manifest.serials[0], 0), PackState.Destroyed),
      )
        .to.be.revertedWithCustomError(w.custody, "CustodyLotNotReleased")
        .withArgs(att.lotId);
    });

    it("decommissions a range into each EU FMD state", async function () {
      const w = await loadFixture(custodyFixture);
      const states = [
        PackState.Destroyed,
        PackState.Exported,
        PackState.Sample,
        PackState.FreeSample,
        PackState.Stolen,
        PackState.Locked,
      ];
      for (let i = 0; i < states.length; i++) {
        const hint = i === 0 ? 0 : Number(await w.custody.findRun(w.lotId, i - 1));
        await expect(w.custody.connect(w.manufacturer).decommissionRange(range(w.lotId, i, i + 1, hint), states[i]))
          .to.emit(w.custody, "PacksDecommissioned")
          .withArgs(w.lotId, w.manufacturer.address, states[i], i, i + 1);
        await expectPack(w, i, states[i], w.manufacturer.address);
      }
      await expectPack(w, 6, PackState.Active, w.manufacturer.address);
    });
  });

  describe("undoing a decommission", function () {
    it("lets the pharmacy undo a dispense within 10 days", async function () {
      const w = await loadFixture(custodyFixture);
      await toDispenser(w);
      await w.custody
        .connect(w.dispenser)
        .decommission(packProof(w.manifest, w.lotId, w.manifest.serials[4], 0), PackState.Dispensed);
      await time.increase(9n * DAY);
      // the hint: the start of the run holding the pack before the range
      const hint = Number(await w.custody.findRun(w.lotId, 3));
      await expect(w.custody.connect(w.dispenser).undoDecommission(range(w.lotId, 4, 5, hint)))
        .to.emit(w.custody, "DecommissionUndone")
        .withArgs(w.lotId, w.dispenser.address, PackState.Dispensed, 4, 5);
      await expectPack(w, 4, PackState.Active, w.dispenser.address);
      // and dispense it again
      await w.custody
        .connect(w.dispenser)
        .decommission(packProof(w.manifest, w.lotId, w.manifest.serials[4], hint), PackState.Dispensed);
      await expectPack(w, 4, PackState.Dispensed, w.dispenser.address);
    });

    it("undoes a range decommission, and a one-pack run", async function () {
      const w = await loadFixture(custodyFixture);
      await w.custody.connect(w.manufacturer).decommissionRange(range(w.lotId, 2, 6, 0), PackState.Sample);
      await w.custody.connect(w.manufacturer).undoDecommission(range(w.lotId, 3, 5, 2));
      await expectPack(w, 2, PackState.Sample, w.manufacturer.address);
      await expectPack(w, 3, PackState.Active, w.manufacturer.address);
      await expectPack(w, 5, PackState.Sample, w.manufacturer.address);
      await w.custody.connect(w.manufacturer).undoDecommission(range(w.lotId, 2, 3, 0));
      await expectPack(w, 2, PackState.Active, w.manufacturer.address);
      // the packs undone merge with the active packs around them
      const [runs] = await w.custody.runs(w.lotId, 0, 10);
      expect(runs.map((r) => [Number(r.start), Number(r.end), Number(r.state)])).to.deep.equal([
        [0, 5, PackState.Active],
        [5, 6, PackState.Sample],
        [6, 10, PackState.Active],
      ]);
    });

    it("refuses an undo after 10 days, but not for a locked pack", async function () {
      const w = await loadFixture(custodyFixture);
      await w.custody.connect(w.manufacturer).decommissionRange(range(w.lotId, 0, 2, 0), PackState.Exported);
      const at = BigInt(await time.latest());
      await w.custody.connect(w.manufacturer).decommissionRange(range(w.lotId, 2, 4, 0), PackState.Locked);
      await time.increaseTo(at + 10n * DAY);
      await expect(w.custody.connect(w.manufacturer).undoDecommission(range(w.lotId, 0, 2, 0)))
        .to.be.revertedWithCustomError(w.custody, "CustodyUndoWindowClosed")
        .withArgs(w.lotId, 0, at + 10n * DAY);
      await time.increase(30n * DAY);
      await w.custody.connect(w.manufacturer).undoDecommission(range(w.lotId, 2, 4, 0));
      await expectPack(w, 3, PackState.Active, w.manufacturer.address);
    });

    it("refuses to undo a theft, a destruction, an active pack, or packs past a head", async function () {
      const w = await loadFixture(custodyFixture);
      await toDispenser(w);
      await w.custody.connect(w.dispenser).decommissionRange(range(w.lotId, 0, 1, 0), PackState.Stolen);
      await w.custody.connect(w.dispenser).decommissionRange(range(w.lotId, 1, 2, 0), PackState.Destroyed);
      await w.custody
        .connect(w.dispenser)
        .decommission(packProof(w.manifest, w.lotId, w.manifest.serials[2], 1), PackState.Dispensed);
      const undo = (r: ReturnType<typeof range>) => w.custody.connect(w.dispenser).undoDecommission(r);
      await expect(undo(range(w.lotId, 0, 1, 0)))
        .to.be.revertedWithCustomError(w.custody, "CustodyUndoNotAllowed")
        .withArgs(w.lotId, 0, PackState.Stolen);
      await expect(undo(range(w.lotId, 1, 2, 0)))
        .to.be.revertedWithCustomError(w.custody, "CustodyUndoNotAllowed")
        .withArgs(w.lotId, 1, PackState.Destroyed);
      await expect(undo(range(w.lotId, 3, 4, 2)))
        .to.be.revertedWithCustomError(w.custody, "CustodyUndoNotAllowed")
        .withArgs(w.lotId, 3, PackState.Active);
      await expect(undo(range(w.lotId, 2, 4, 1)))
        .to.be.revertedWithCustomError(w.custody, "CustodyUndoNotAllowed")
        .withArgs(w.lotId, 3, PackState.Active);
    });

    it("undoes decommissions of different states and times in one range, one event each, merging the packs back", async function () {
      const w = await loadFixture(custodyFixture);
      const M = w.manufacturer.address;
      await w.custody.connect(w.manufacturer).decommissionRange(range(w.lotId, 2, 4), PackState.Sample);
      await w.custody
        .connect(w.manufacturer)
        .decommissionRange(range(w.lotId, 4, 6, await hintFor(w, w.lotId, 4)), PackState.Exported);
      expect((await layout(w, w.lotId)).map(([start, end, , state]) => [start, end, state])).to.deep.equal([
        [0, 2, PackState.Active],
        [2, 4, PackState.Sample],
        [4, 6, PackState.Exported],
        [6, 10, PackState.Active],
      ]);
      await expect(w.custody.connect(w.manufacturer).undoDecommission(range(w.lotId, 2, 6)))
        .to.emit(w.custody, "DecommissionUndone")
        .withArgs(w.lotId, M, PackState.Sample, 2, 4)
        .and.to.emit(w.custody, "DecommissionUndone")
        .withArgs(w.lotId, M, PackState.Exported, 4, 6);
      expect(await layout(w, w.lotId)).to.deep.equal([[0, 10, M, PackState.Active, PackState.Active, 0]]);
    });

    it("merges a dispensed pack back into its run when the dispense is undone", async function () {
      const w = await loadFixture(custodyFixture);
      await toDispenser(w);
      const P = w.dispenser.address;
      const A = PackState.Active;
      const dispense = (index: number) =>
        w.custody
          .connect(w.dispenser)
          .decommission(packProof(w.manifest, w.lotId, w.manifest.serials[index], 0), PackState.Dispensed);
      await dispense(0);
      const at0 = await time.latest();
      await dispense(4);
      const at4 = await time.latest();
      expect(await layout(w, w.lotId)).to.deep.equal([
        [0, 4, P, A, PackState.Dispensed, at0],
        [4, 10, P, A, PackState.Dispensed, at4],
      ]);
      await expect(w.custody.connect(w.dispenser).undoDecommission(range(w.lotId, 4, 5)))
        .to.emit(w.custody, "DecommissionUndone")
        .withArgs(w.lotId, P, PackState.Dispensed, 4, 5);
      expect(await layout(w, w.lotId)).to.deep.equal([[0, 10, P, A, PackState.Dispensed, at0]]);
      await w.custody.connect(w.dispenser).undoDecommission(range(w.lotId, 0, 1));
      expect(await layout(w, w.lotId)).to.deep.equal([[0, 10, P, A, A, 0]]);
    });

    it("names the first pack an undo fails on: not the caller's, not undoable, or past its window", async function () {
      const w = await loadFixture(custodyFixture);
      await toDistributor(w, 8, 10);
      await w.custody.connect(w.manufacturer).decommissionRange(range(w.lotId, 0, 2), PackState.Sample);
      const at = BigInt(await time.latest());
      await time.increase(5n * DAY);
      await w.custody.connect(w.manufacturer).decommissionRange(range(w.lotId, 2, 4), PackState.Exported);
      await w.custody.connect(w.manufacturer).decommissionRange(range(w.lotId, 4, 5), PackState.Stolen);
      await time.increaseTo(at + 10n * DAY);
      const undo = (start: number, end: number) =>
        w.custody.connect(w.manufacturer).undoDecommission(range(w.lotId, start, end));
      await expect(undo(0, 4))
        .to.be.revertedWithCustomError(w.custody, "CustodyUndoWindowClosed")
        .withArgs(w.lotId, 0, at + 10n * DAY);
      await expect(undo(2, 6))
        .to.be.revertedWithCustomError(w.custody, "CustodyUndoNotAllowed")
        .withArgs(w.lotId, 4, PackState.Stolen);
      await expect(undo(5, 9))
        .to.be.revertedWithCustomError(w.custody, "CustodyUndoNotAllowed")
        .withArgs(w.lotId, 5, PackState.Active);
      // the holder first: the distributor's packs, although active, are not the manufacturer's to undo
      await expect(undo(8, 10))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotHolder")
        .withArgs(w.lotId, 8, w.distributor.address);
      await expectPack(w, 2, PackState.Exported, w.manufacturer.address);
      await expect(undo(2, 4))
        .to.emit(w.custody, "DecommissionUndone")
        .withArgs(w.lotId, w.manufacturer.address, PackState.Exported, 2, 4);
      await expectPacks(w, 2, 4, PackState.Active, w.manufacturer.address);
    });

    it("refuses an undo by another account, or once the lot is recalled or expired", async function () {
      const w = await loadFixture(custodyFixture);
      await w.custody.connect(w.manufacturer).decommissionRange(range(w.lotId, 0, 2, 0), PackState.Sample);
      await w.custody.connect(w.manufacturer).decommissionRange(range(w.lotId2, 0, 2, 0), PackState.Locked);
      await expect(w.custody.connect(w.distributor).undoDecommission(range(w.lotId, 0, 2, 0)))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotHolder")
        .withArgs(w.lotId, 0, w.manufacturer.address);
      await expect(w.custody.connect(w.outsider).undoDecommission(range(w.lotId, 0, 2, 0)))
        .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
        .withArgs(w.outsider.address, Role.None);
      await w.lots.connect(w.regulator).recallLot(w.lotId, bytes32("recall"));
      await expect(w.custody.connect(w.manufacturer).undoDecommission(range(w.lotId, 0, 2, 0)))
        .to.be.revertedWithCustomError(w.custody, "CustodyLotRecalled")
        .withArgs(w.lotId);
      await time.increaseTo(w.expiresAt2);
      await expect(w.custody.connect(w.manufacturer).undoDecommission(range(w.lotId2, 0, 2, 0)))
        .to.be.revertedWithCustomError(w.custody, "CustodyLotExpired")
        .withArgs(w.lotId2, w.expiresAt2);
    });
  });

  describe("suspect product", function () {
    it("lets the holder quarantine its packs, which then cannot move until a regulator clears them", async function () {
      const w = await loadFixture(custodyFixture);
      await toDistributor(w);
      const evidence = bytes32("photo of a misprinted carton");
      await expect(w.custody.connect(w.distributor).quarantine([range(w.lotId, 2, 5, 0)], evidence))
        .to.emit(w.custody, "PacksQuarantined")
        .withArgs(w.lotId, w.distributor.address, w.distributor.address, 2, 5, evidence);
      await expectPack(w, 3, PackState.Suspect, w.distributor.address);
      await expect(w.custody.connect(w.distributor).ship(w.dispenser.address, ZERO, NOTICE, [range(w.lotId, 2, 5, 0)]))
        .to.be.revertedWithCustomError(w.custody, "CustodyPackNotActive")
        .withArgs(w.lotId, 2, PackState.Suspect);
      const decision = bytes32("genuine: printing defect");
      const hint = Number(await w.custody.findRun(w.lotId, 1));
      await expect(w.custody.connect(w.regulator).clearSuspect([range(w.lotId, 2, 5, hint)], decision))
        .to.emit(w.custody, "PacksCleared")
        .withArgs(w.lotId, w.regulator.address, 2, 5, decision);
      await expectPack(w, 3, PackState.Active, w.distributor.address);
      await w.custody.connect(w.distributor).ship(w.dispenser.address, ZERO, NOTICE, [range(w.lotId, 2, 5, 0)]);
      await expectPack(w, 4, PackState.InTransit, w.distributor.address);
    });

    it("refuses a quarantine by a stakeholder that does not hold every pack, naming the first pack it does not hold", async function () {
      const w = await loadFixture(custodyFixture);
      await toDistributor(w, 0, 5); // the distributor holds [0, 5), the manufacturer [5, 10)
      const [M, D] = [w.manufacturer.address, w.distributor.address];
      const evidence = bytes32("a price too good");
      const quarantine = (by: HardhatEthersSigner, ...ranges: ReturnType<typeof range>[]) =>
        w.custody.connect(by).quarantine(ranges, evidence);
      // the transporter, a rival pharmacy, a distributor that does not hold them
      for (const by of [w.transporter, w.dispenser, w.distributor2]) {
        await expect(quarantine(by, range(w.lotId, 2, 4)))
          .to.be.revertedWithCustomError(w.custody, "CustodyNotHolder")
          .withArgs(w.lotId, 2, D);
      }
      await expect(quarantine(w.distributor, range(w.lotId, 3, 8)))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotHolder")
        .withArgs(w.lotId, 5, M);
      await expect(quarantine(w.manufacturer, range(w.lotId, 3, 8)))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotHolder")
        .withArgs(w.lotId, 3, D);
      await expect(quarantine(w.distributor, range(w.lotId, 0, 2), range(w.lotId, 4, 6)))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotHolder")
        .withArgs(w.lotId, 5, M);
      await expectPacks(w, 0, 5, PackState.Active, D);
      await expectPacks(w, 5, 10, PackState.Active, M);
      // the holder quarantines its own packs, in two ranges
      await expect(quarantine(w.distributor, range(w.lotId, 0, 2), range(w.lotId, 3, 5, 2)))
        .to.emit(w.custody, "PacksQuarantined")
        .withArgs(w.lotId, D, D, 0, 2, evidence)
        .and.to.emit(w.custody, "PacksQuarantined")
        .withArgs(w.lotId, D, D, 3, 5, evidence);
      await expectPacks(w, 0, 2, PackState.Suspect, D);
      await expectPack(w, 2, PackState.Active, D);
      await expectPacks(w, 3, 5, PackState.Suspect, D);
      // packs that are not active: the first is named
      await expect(quarantine(w.distributor, range(w.lotId, 2, 4)))
        .to.be.revertedWithCustomError(w.custody, "CustodyPackNotActive")
        .withArgs(w.lotId, 3, PackState.Suspect);
    });

    it("lets a regulator quarantine anyone's packs, across holders, in one range; the holders keep them", async function () {
      const w = await loadFixture(custodyFixture);
      await toDistributor(w, 0, 5);
      const [M, D, R] = [w.manufacturer.address, w.distributor.address, w.regulator.address];
      const evidence = bytes32("laboratory report");
      await expect(w.custody.connect(w.regulator).quarantine([range(w.lotId, 3, 8)], evidence))
        .to.emit(w.custody, "PacksQuarantined")
        .withArgs(w.lotId, D, R, 3, 5, evidence)
        .and.to.emit(w.custody, "PacksQuarantined")
        .withArgs(w.lotId, M, R, 5, 8, evidence);
      await expectPacks(w, 3, 5, PackState.Suspect, D);
      await expectPacks(w, 5, 8, PackState.Suspect, M);
      await expectPack(w, 2, PackState.Active, D);
      await expectPack(w, 8, PackState.Active, M);
      const decision = bytes32("counterfeit");
      await expect(w.custody.connect(w.regulator).confirmIllegitimate([range(w.lotId, 2, 8)], decision))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotSuspect")
        .withArgs(w.lotId, 2, PackState.Active);
      await expect(w.custody.connect(w.regulator).confirmIllegitimate([range(w.lotId, 3, 9, 0)], decision))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotSuspect")
        .withArgs(w.lotId, 8, PackState.Active);
      await w.custody.connect(w.regulator).confirmIllegitimate([range(w.lotId, 3, 8)], decision);
      await expect(w.custody.connect(w.regulator2).confirmIllegitimate([range(w.lotId, 3, 8)], decision))
        .to.emit(w.custody, "PacksIllegitimate")
        .withArgs(w.lotId, w.regulator2.address, 3, 8, decision);
      await expectPacks(w, 3, 5, PackState.Illegitimate, D);
      await expectPacks(w, 5, 8, PackState.Illegitimate, M);
      await expect(w.custody.connect(w.regulator).clearSuspect([range(w.lotId, 3, 8)], decision))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotSuspect")
        .withArgs(w.lotId, 3, PackState.Illegitimate);
    });

    it("clears suspect packs in several ranges, naming the first pack that is not suspect", async function () {
      const w = await loadFixture(custodyFixture);
      const [M, R] = [w.manufacturer.address, w.regulator.address];
      await w.custody
        .connect(w.manufacturer)
        .quarantine([range(w.lotId, 2, 4), range(w.lotId, 6, 8, 2)], bytes32("evidence"));
      const decision = bytes32("genuine");
      await expect(w.custody.connect(w.regulator).clearSuspect([range(w.lotId, 2, 8)], decision))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotSuspect")
        .withArgs(w.lotId, 4, PackState.Active);
      // clearing [2, 4) merges it with the runs around it, so a later range of the lot in the same call takes a hint at
      // or before the earlier range's (here 0), which stays a run start
      await expect(w.custody.connect(w.regulator).clearSuspect([range(w.lotId, 2, 4), range(w.lotId, 5, 8)], decision))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotSuspect")
        .withArgs(w.lotId, 5, PackState.Active);
      await expect(w.custody.connect(w.regulator).clearSuspect([range(w.lotId, 2, 4), range(w.lotId, 6, 8)], decision))
        .to.emit(w.custody, "PacksCleared")
        .withArgs(w.lotId, R, 2, 4, decision)
        .and.to.emit(w.custody, "PacksCleared")
        .withArgs(w.lotId, R, 6, 8, decision);
      expect(await layout(w, w.lotId)).to.deep.equal([[0, 10, M, PackState.Active, PackState.Active, 0]]);
    });

    it("lets any authorised stakeholder report a suspicion, once per holder of each range, changing nothing", async function () {
      const w = await loadFixture(custodyFixture);
      await toDistributor(w, 0, 3);
      await toDistributor(w, 3, 6); // the distributor holds [0, 6) in two runs
      await w.custody.connect(w.manufacturer).ship(w.distributor2.address, ZERO, NOTICE, [range(w.lotId, 6, 8)]);
      const [M, D] = [w.manufacturer.address, w.distributor.address];
      const evidence = bytes32("seal broken on a carton");
      const before = await layout(w, w.lotId);
      // the transporter cannot quarantine the distributor's packs; it reports them
      await expect(w.custody.connect(w.transporter).quarantine([range(w.lotId, 1, 9)], evidence))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotHolder")
        .withArgs(w.lotId, 1, D);
      expect(
        await suspicions(
          w,
          w.custody.connect(w.transporter).reportSuspicion([range(w.lotId, 1, 9), range(w.lotId2, 2, 4)], evidence),
        ),
      ).to.deep.equal([
        [w.lotId, D, w.transporter.address, 1, 6, evidence],
        [w.lotId, M, w.transporter.address, 6, 9, evidence],
        [w.lotId2, M, w.transporter.address, 2, 4, evidence],
      ]);
      // a rival pharmacy, with a hint at the range's own first pack; a distributor; a regulator
      await expect(w.custody.connect(w.dispenser).reportSuspicion([range(w.lotId, 3, 5, 3)], evidence))
        .to.emit(w.custody, "SuspicionReported")
        .withArgs(w.lotId, D, w.dispenser.address, 3, 5, evidence);
      expect(
        await suspicions(w, w.custody.connect(w.distributor2).reportSuspicion([range(w.lotId, 7, 10, 6)], evidence)),
      ).to.deep.equal([[w.lotId, M, w.distributor2.address, 7, 10, evidence]]);
      expect(
        await suspicions(w, w.custody.connect(w.regulator).reportSuspicion([range(w.lotId, 0, 10)], evidence)),
      ).to.deep.equal([
        [w.lotId, D, w.regulator.address, 0, 6, evidence],
        [w.lotId, M, w.regulator.address, 6, 10, evidence],
      ]);
      // nothing changed
      expect(await layout(w, w.lotId)).to.deep.equal(before);
      await expectPacks(w, 0, 6, PackState.Active, D);
      await expectPacks(w, 6, 8, PackState.InTransit, M);
      await expectPack(w, 8, PackState.Active, M);
    });

    it("refuses a suspicion report by an unauthorised account, about a lot not released, or outside the lot", async function () {
      const w = await loadFixture(custodyFixture);
      const report = (by: HardhatEthersSigner, r: ReturnType<typeof range>) =>
        w.custody.connect(by).reportSuspicion([r], bytes32("evidence"));
      await expect(report(w.outsider, range(w.lotId, 0, 1)))
        .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
        .withArgs(w.outsider.address, Role.None);
      await w.registry.connect(w.regulator).suspend(w.distributor2.address, bytes32("inspection"));
      await expect(report(w.distributor2, range(w.lotId, 0, 1)))
        .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
        .withArgs(w.distributor2.address, Role.Distributor);
      const manifest = Manifest.fromSerials(serialsFor("S-", 3));
      const att = await attestationFor(w, manifest, { lotNumber: "PENDING-S" });
      const ms = await signLotAttestation(w.manufacturer, await domainOf(w), att);
      await w.lots.commissionLot(att, sig(w.manufacturer.address, ms), NO_SIGNATURE);
      await expect(report(w.distributor, range(att.lotId, 0, 1)))
        .to.be.revertedWithCustomError(w.custody, "CustodyLotNotReleased")
        .withArgs(att.lotId);
      const unknown = bytes32("no such lot");
      await expect(report(w.distributor, range(unknown, 0, 1)))
        .to.be.revertedWithCustomError(w.custody, "CustodyUnknownLot")
        .withArgs(unknown);
      for (const [start, end] of [
        [3, 3],
        [4, 2],
        [5, UNITS + 1],
      ]) {
        await expect(report(w.distributor, range(w.lotId, start, end)))
          .to.be.revertedWithCustomError(w.custody, "CustodyInvalidRange")
          .withArgs(w.lotId, start, end);
      }
    });

    it("lets two regulators confirm suspect packs illegitimate, for good", async function () {
      const w = await loadFixture(custodyFixture);
      await w.custody.connect(w.manufacturer).quarantine([range(w.lotId, 0, 4, 0)], bytes32("evidence"));
      const decision = bytes32("counterfeit");
      await w.custody.connect(w.regulator).confirmIllegitimate([range(w.lotId, 1, 3, 0)], decision);
      await expect(w.custody.connect(w.regulator2).confirmIllegitimate([range(w.lotId, 1, 3, 0)], decision))
        .to.emit(w.custody, "PacksIllegitimate")
        .withArgs(w.lotId, w.regulator2.address, 1, 3, decision);
      await expectPack(w, 1, PackState.Illegitimate, w.manufacturer.address);
      await expectPack(w, 0, PackState.Suspect, w.manufacturer.address);
      await expect(w.custody.connect(w.regulator).clearSuspect([range(w.lotId, 1, 3, 0)], decision))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotSuspect")
        .withArgs(w.lotId, 1, PackState.Illegitimate);
      await expect(w.custody.connect(w.manufacturer).quarantine([range(w.lotId, 1, 3, 0)], decision))
        .to.be.revertedWithCustomError(w.custody, "CustodyPackNotActive")
        .withArgs(w.lotId, 1, PackState.Illegitimate);
    });

    it("refuses rulings by anyone but a regulator, on packs that are not suspect, and quarantine by outsiders", async function () {
      const w = await loadFixture(custodyFixture);
      await expect(w.custody.connect(w.distributor).clearSuspect([range(w.lotId, 0, 1)], ethers.ZeroHash))
        .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
        .withArgs(w.distributor.address, Role.Regulator);
      await expect(w.custody.connect(w.manufacturer).confirmIllegitimate([range(w.lotId, 0, 1)], ethers.ZeroHash))
        .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
        .withArgs(w.manufacturer.address, Role.Regulator);
      await expect(w.custody.connect(w.regulator).confirmIllegitimate([range(w.lotId, 0, 1)], ethers.ZeroHash))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotSuspect")
        .withArgs(w.lotId, 0, PackState.Active);
      await expect(w.custody.connect(w.outsider).quarantine([range(w.lotId, 0, 1)], ethers.ZeroHash))
        .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
        .withArgs(w.outsider.address, Role.None);
    });
  });

  describe("two keys for a ruling that cannot be undone; disposal; reports that cannot flood", function () {
    /** The proposal id of a ruling: the decision hash folded with each range's lot, start and end (hints aside). */
    function proposalId(decision: string, ranges: ReturnType<typeof range>[]): string {
      let id = decision;
      for (const r of ranges) {
        id = ethers.keccak256(
          ethers.AbiCoder.defaultAbiCoder().encode(
            ["bytes32", "bytes32", "uint32", "uint32"],
            [id, r.lotId, r.start, r.end],
          ),
        );
      }
      return id;
    }

    it("takes a regulator's ruling of illegitimacy as a proposal, completed by a second regulator or the council", async function () {
      const w = await loadFixture(custodyFixture);
      const [M, R, R2] = [w.manufacturer.address, w.regulator.address, w.regulator2.address];
      await w.custody.connect(w.manufacturer).quarantine([range(w.lotId, 0, 6, 0)], bytes32("evidence"));
      const decision = bytes32("counterfeit: laboratory report 17");
      const id = proposalId(decision, [range(w.lotId, 1, 3)]);
      await expect(w.custody.connect(w.regulator).confirmIllegitimate([range(w.lotId, 1, 3, 0)], decision))
        .to.emit(w.custody, "IllegitimacyProposed")
        .withArgs(w.lotId, id, R, 1, 3, decision)
        .and.not.to.emit(w.custody, "PacksIllegitimate");
      expect(await w.custody.illegitimacyProposer(id)).to.equal(R);
      await expectPacks(w, 1, 3, PackState.Suspect, M);
      // the proposer cannot be its own second key
      await expect(w.custody.connect(w.regulator).confirmIllegitimate([range(w.lotId, 1, 3, 0)], decision))
        .to.be.revertedWithCustomError(w.custody, "CustodySameApprover")
        .withArgs(id, R);
      // another decision is another proposal
      const other = bytes32("another decision");
      await expect(w.custody.connect(w.regulator2).confirmIllegitimate([range(w.lotId, 1, 3, 0)], other))
        .to.emit(w.custody, "IllegitimacyProposed")
        .withArgs(w.lotId, proposalId(other, [range(w.lotId, 1, 3)]), R2, 1, 3, other);
      await expectPacks(w, 1, 3, PackState.Suspect, M);
      // the second regulator completes it (the proposal names the packs, not the hint)
      await expect(w.custody.connect(w.regulator2).confirmIllegitimate([range(w.lotId, 1, 3)], decision))
        .to.emit(w.custody, "PacksIllegitimate")
        .withArgs(w.lotId, R2, 1, 3, decision);
      await expectPacks(w, 1, 3, PackState.Illegitimate, M);
      expect(await w.custody.illegitimacyProposer(id)).to.equal(ZERO);
      // the council is a second key too
      const ruling = bytes32("counterfeit: second batch");
      await w.custody.connect(w.regulator2).confirmIllegitimate([range(w.lotId, 4, 6, 3)], ruling);
      await expect(w.custody.connect(w.council).confirmIllegitimate([range(w.lotId, 4, 6, 3)], ruling))
        .to.emit(w.custody, "PacksIllegitimate")
        .withArgs(w.lotId, w.council.address, 4, 6, ruling);
      await expectPacks(w, 4, 6, PackState.Illegitimate, M);
      await expectPack(w, 3, PackState.Suspect, M);
    });

    it("lets a proposal lapse when its proposer is no longer authorised: the next call proposes again", async function () {
      const w = await loadFixture(custodyFixture);
      const [M, R2] = [w.manufacturer.address, w.regulator2.address];
      await w.custody.connect(w.manufacturer).quarantine([range(w.lotId, 0, 2, 0)], bytes32("evidence"));
      const decision = bytes32("counterfeit");
      const id = proposalId(decision, [range(w.lotId, 0, 2)]);
      await w.custody.connect(w.regulator).confirmIllegitimate([range(w.lotId, 0, 2, 0)], decision);
      await w.registry.connect(w.council).suspend(w.regulator.address, bytes32("rogue"));
      await expect(w.custody.connect(w.regulator2).confirmIllegitimate([range(w.lotId, 0, 2, 0)], decision))
        .to.emit(w.custody, "IllegitimacyProposed")
        .withArgs(w.lotId, id, R2, 0, 2, decision)
        .and.not.to.emit(w.custody, "PacksIllegitimate");
      expect(await w.custody.illegitimacyProposer(id)).to.equal(R2);
      await expectPacks(w, 0, 2, PackState.Suspect, M);
      await expect(w.custody.connect(w.council).confirmIllegitimate([range(w.lotId, 0, 2, 0)], decision)).to.emit(
        w.custody,
        "PacksIllegitimate",
      );
    });

    it("refuses a proposal by anyone but a regulator or the council, and on packs that are not suspect", async function () {
      const w = await loadFixture(custodyFixture);
      await w.custody.connect(w.manufacturer).quarantine([range(w.lotId, 0, 2, 0)], bytes32("evidence"));
      for (const by of [w.manufacturer, w.distributor, w.transporter, w.outsider]) {
        await expect(w.custody.connect(by).confirmIllegitimate([range(w.lotId, 0, 1)], ethers.ZeroHash))
          .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
          .withArgs(by.address, Role.Regulator);
      }
      // the packs are checked when proposed, not only when completed
      await expect(w.custody.connect(w.regulator).confirmIllegitimate([range(w.lotId, 0, 3, 0)], ethers.ZeroHash))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotSuspect")
        .withArgs(w.lotId, 2, PackState.Active);
      await expect(w.custody.connect(w.council).confirmIllegitimate([range(w.lotId, 3, 2, 0)], ethers.ZeroHash))
        .to.be.revertedWithCustomError(w.custody, "CustodyInvalidRange")
        .withArgs(w.lotId, 3, 2);
      await w.registry.connect(w.council).pause();
      await expect(
        w.custody.connect(w.council).confirmIllegitimate([range(w.lotId, 0, 1)], ethers.ZeroHash),
      ).to.be.revertedWithCustomError(w.custody, "ProtocolPaused");
    });

    it("lets the holder destroy packs confirmed illegitimate, so that they leave its stock; no one else", async function () {
      const w = await loadFixture(custodyFixture);
      await toDistributor(w);
      const D = w.distributor.address;
      await w.custody.connect(w.distributor).quarantine([range(w.lotId, 0, 4, 0)], bytes32("evidence"));
      await confirmIllegitimate(w, [range(w.lotId, 0, 4, 0)]);
      await w.lots.connect(w.regulator).recallLot(w.lotId, bytes32("recall"));
      await expect(w.custody.connect(w.manufacturer).destroyIllegitimate([range(w.lotId, 0, 4, 0)]))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotHolder")
        .withArgs(w.lotId, 0, D);
      await expect(w.custody.connect(w.distributor).destroyIllegitimate([range(w.lotId, 2, 6, 0)]))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotIllegitimate")
        .withArgs(w.lotId, 4, PackState.Active);
      await expect(w.custody.connect(w.outsider).destroyIllegitimate([range(w.lotId, 0, 4, 0)]))
        .to.be.revertedWithCustomError(w.custody, "UnauthorisedAccount")
        .withArgs(w.outsider.address, Role.None);
      // in a recalled lot too: disposal is the way out
      await expect(w.custody.connect(w.distributor).destroyIllegitimate([range(w.lotId, 0, 3, 0)]))
        .to.emit(w.custody, "PacksDecommissioned")
        .withArgs(w.lotId, D, PackState.Destroyed, 0, 3);
      await expectPacks(w, 0, 3, PackState.Destroyed, D);
      await expectPack(w, 3, PackState.Illegitimate, D);
      const v = await w.custody.verify(query(w, 1));
      expect(v.verdict).to.equal(Verdict.Recalled); // the recall comes first in the verdict order
      expect(v.state).to.equal(PackState.Destroyed);
      expect(v.decommissionedAt).to.equal(await time.latest());
      await expect(w.custody.connect(w.distributor).undoDecommission(range(w.lotId, 0, 3, 0)))
        .to.be.revertedWithCustomError(w.custody, "CustodyLotRecalled")
        .withArgs(w.lotId);
      await expect(w.custody.connect(w.distributor).destroyIllegitimate([range(w.lotId, 0, 1, 0)]))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotIllegitimate")
        .withArgs(w.lotId, 0, PackState.Destroyed);
    });

    it("takes one clone report per pack and reporter", async function () {
      const w = await loadFixture(custodyFixture);
      await toDispenser(w);
      const pack = packProof(w.manifest, w.lotId, w.manifest.serials[2], 0);
      await w.custody.connect(w.dispenser).decommission(pack, PackState.Dispensed);
      await w.custody.connect(w.dispenser2).reportClone(pack);
      await expect(w.custody.connect(w.dispenser2).reportClone({ ...pack, hint: 2 }))
        .to.be.revertedWithCustomError(w.custody, "CustodyCloneAlreadyReported")
        .withArgs(w.lotId, 2, w.dispenser2.address);
      await expect(w.custody.connect(w.distributor).reportClone(pack)).to.emit(w.custody, "CloneReported");
      const other = packProof(w.manifest, w.lotId, w.manifest.serials[3], 0);
      await w.custody.connect(w.dispenser).decommission(other, PackState.Dispensed);
      await expect(w.custody.connect(w.dispenser2).reportClone(other)).to.emit(w.custody, "CloneReported");
    });

    it("indexes quarantine events by holder: one event per holder's packs", async function () {
      const w = await loadFixture(custodyFixture);
      await toDistributor(w, 0, 5);
      const [M, D, R] = [w.manufacturer.address, w.distributor.address, w.regulator.address];
      const evidence = bytes32("laboratory report");
      await expect(w.custody.connect(w.regulator).quarantine([range(w.lotId, 3, 8)], evidence))
        .to.emit(w.custody, "PacksQuarantined")
        .withArgs(w.lotId, D, R, 3, 5, evidence)
        .and.to.emit(w.custody, "PacksQuarantined")
        .withArgs(w.lotId, M, R, 5, 8, evidence);
      const mine = await w.custody.queryFilter(w.custody.filters.PacksQuarantined(undefined, D));
      expect(mine.map((e) => [Number(e.args.start), Number(e.args.end)])).to.deep.equal([[3, 5]]);
      const suspicions = await w.custody.queryFilter(w.custody.filters.SuspicionReported(undefined, M));
      expect(suspicions).to.have.length(0);
      await w.custody.connect(w.transporter).reportSuspicion([range(w.lotId, 0, 10)], evidence);
      const forM = await w.custody.queryFilter(w.custody.filters.SuspicionReported(undefined, M));
      expect(forM.map((e) => [Number(e.args.start), Number(e.args.end)])).to.deep.equal([[5, 10]]);
    });
  });

  describe("verification", function () {
    it("verifies a genuine pack with its holder, signers and timestamps", async function () {
      const w = await loadFixture(custodyFixture);
      await toDistributor(w);
      const v = await w.custody.verify(query(w, 6));
      const lot = await w.lots.lot(w.lotId);
      expect(v.verdict).to.equal(Verdict.Verified);
      expect(v.state).to.equal(PackState.Active);
      expect(v.holder).to.equal(w.distributor.address);
      expect(v.manufacturer).to.equal(w.manufacturer.address);
      expect(v.manufacturerSigner).to.equal(w.manufacturer.address);
      expect(v.regulatorSigner).to.equal(w.regulator.address);
      expect(v.commissionedAt).to.equal(lot.commissionedAt);
      expect(v.releasedAt).to.equal(lot.releasedAt);
      expect(v.recalledAt).to.equal(0);
      expect(v.expiresAt).to.equal(w.expiresAt);
    });

    it("answers with exactly one reason, in the normative order", async function () {
      const w = await loadFixture(custodyFixture);
      const verdict = async (q: ReturnType<typeof query>) => (await w.custody.verify(q)).verdict;
      expect(await verdict(query(w, 1, { gtin: 12345670n }))).to.equal(Verdict.UnknownProduct);
      expect(await verdict(query(w, 1, { lotId: bytes32("unknown lot") }))).to.equal(Verdict.UnknownLot);
      expect(await verdict(query(w, 1, { serial: "NOT-IN-LOT" }))).to.equal(Verdict.UnknownSerial);
      expect(await verdict(query(w, 1, { proof: [] }))).to.equal(Verdict.UnknownSerial);
      expect(await verdict({ ...query(w, 1), index: UNITS })).to.equal(Verdict.UnknownSerial);
      expect(await verdict(query(w, 1, { expiresAt: w.expiresAt + 1n }))).to.equal(Verdict.LotOrExpiryMismatch);
      expect(await verdict(query(w, 1, { gtin: GTIN2 }))).to.equal(Verdict.LotOrExpiryMismatch);
      // gtin and expiry 0: not checked
      expect(await verdict(query(w, 1, { gtin: 0n, expiresAt: 0n }))).to.equal(Verdict.Verified);

      await w.custody.connect(w.manufacturer).quarantine([range(w.lotId, 0, 2, 0)], bytes32("e"));
      expect(await verdict(query(w, 1))).to.equal(Verdict.Suspect);
      await confirmIllegitimate(w, [range(w.lotId, 0, 1, 0)]);
      expect(await verdict(query(w, 0))).to.equal(Verdict.Illegitimate);
      await w.custody.connect(w.manufacturer).decommissionRange(range(w.lotId, 5, 6, 2), PackState.Destroyed);
      const destroyed = await w.custody.verify(query(w, 5));
      expect(destroyed.verdict).to.equal(Verdict.Decommissioned);
      expect(destroyed.state).to.equal(PackState.Destroyed);
      expect(destroyed.decommissionedAt).to.equal(await time.latest());

      await w.lots.connect(w.regulator).recallLot(w.lotId, bytes32("recall"));
      expect(await verdict(query(w, 5))).to.equal(Verdict.Recalled); // recall comes before decommissioned
      expect(await verdict(query(w, 8))).to.equal(Verdict.Recalled);
      expect((await w.custody.verify(query(w, 8))).recalledAt).to.equal(await time.latest());

      await time.increaseTo(w.expiresAt2);
      const q2 = {
        ...query(w, 3, { lotId: w.lotId2, expiresAt: w.expiresAt2 }),
        serial: w.manifest2.serials[3],
        proof: w.manifest2.proof(w.manifest2.serials[3]).proof,
      };
      expect(await verdict(q2)).to.equal(Verdict.Expired);
    });

    it("says a pack of a lot awaiting the regulator's signature is not released", async function () {
      const w = await loadFixture(custodyFixture);
      const manifest = Manifest.fromSerials(serialsFor("R-", 4));
      const att = await attestationFor(w, manifest, { lotNumber: "AWAITING" });
      const ms = await signLotAttestation(w.manufacturer, await domainOf(w), att);
      await w.lots.commissionLot(att, sig(w.manufacturer.address, ms), NO_SIGNATURE);
      const serial = manifest.serials[2];
      const v = await w.custody.verify({
        lotId: att.lotId,
        index: 2,
        serial,
        proof: manifest.proof(serial).proof,
        gtin: GTIN,
        expiresAt: att.expiresAt,
        hint: 0,
      });
      expect(v.verdict).to.equal(Verdict.LotNotReleased);
      expect(v.regulatorSigner).to.equal(ZERO);
      expect(v.releasedAt).to.equal(0);
    });

    it("verifies a pack in transit, naming its shipment", async function () {
      const w = await loadFixture(custodyFixture);
      await w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, NOTICE, [range(w.lotId, 4, 8, 0)]);
      const v = await w.custody.verify(query(w, 5, { hint: 4 }));
      expect(v.verdict).to.equal(Verdict.Verified);
      expect(v.state).to.equal(PackState.InTransit);
      expect(v.shipmentId).to.equal(1);
      expect(v.holder).to.equal(w.manufacturer.address);
    });

    it("finds the pack's run without a hint, or with a wrong one", async function () {
      const w = await loadFixture(custodyFixture);
      await toDistributor(w, 3, 6);
      for (const hint of [0, 3, 7, 9, 1000]) {
        const v = await w.custody.verify(query(w, 4, { hint }));
        expect(v.holder).to.equal(w.distributor.address);
      }
      expect(await w.custody.findRun(w.lotId, 4)).to.equal(3);
      expect(await w.custody.findRun(w.lotId, 9)).to.equal(6);
    });

    it("verifies many packs at once, in order", async function () {
      const w = await loadFixture(custodyFixture);
      await w.custody.connect(w.manufacturer).decommissionRange(range(w.lotId, 2, 3, 0), PackState.Destroyed);
      const results = await w.custody.verifyBatch([
        query(w, 1),
        query(w, 2, { hint: 2 }),
        query(w, 3, { serial: "X" }),
      ]);
      expect(results.map((r) => Number(r.verdict))).to.deep.equal([
        Verdict.Verified,
        Verdict.Decommissioned,
        Verdict.UnknownSerial,
      ]);
      expect(await w.custody.verifyBatch([])).to.deep.equal([]);
    });
  });

  describe("views", function () {
    it("pages through a lot's runs", async function () {
      const w = await loadFixture(custodyFixture);
      let [page, next] = await w.custody.runs(w.lotId, 0, 5);
      expect(page.length).to.equal(1);
      expect(page[0].holder).to.equal(w.manufacturer.address);
      expect(page[0].end).to.equal(UNITS);
      expect(next).to.equal(0);
      // the largest page size is no larger a page (it is not allocated at that size)
      [page, next] = await w.custody.runs(w.lotId, 0, 2 ** 32 - 1);
      expect(page.length).to.equal(1);
      expect(next).to.equal(0);
      await toDistributor(w, 2, 4);
      [page, next] = await w.custody.runs(w.lotId, 0, 2);
      expect(page.map((r) => Number(r.start))).to.deep.equal([0, 2]);
      expect(next).to.equal(4);
      [page, next] = await w.custody.runs(w.lotId, next, 2);
      expect(page.map((r) => [Number(r.start), Number(r.end)])).to.deep.equal([[4, 10]]);
      expect(next).to.equal(0);
      await expect(w.custody.runs(w.lotId, 3, 2))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotRunStart")
        .withArgs(w.lotId, 3);
      await expect(w.custody.runs(w.lotId, UNITS, 2))
        .to.be.revertedWithCustomError(w.custody, "CustodyUnknownPack")
        .withArgs(w.lotId, UNITS);
    });

    it("refuses to describe a pack past the lot's end or of an unknown lot", async function () {
      const w = await loadFixture(custodyFixture);
      await expect(w.custody.packStatus(w.lotId, UNITS))
        .to.be.revertedWithCustomError(w.custody, "CustodyUnknownPack")
        .withArgs(w.lotId, UNITS);
      await expect(w.custody.findRun(w.lotId, UNITS))
        .to.be.revertedWithCustomError(w.custody, "CustodyUnknownPack")
        .withArgs(w.lotId, UNITS);
      const unknown = bytes32("unknown");
      await expect(w.custody.packStatus(unknown, 0))
        .to.be.revertedWithCustomError(w.custody, "CustodyUnknownLot")
        .withArgs(unknown);
    });
  });

  describe("pause", function () {
    it("stops every custody change while the protocol is paused, and resumes after", async function () {
      const w = await loadFixture(custodyFixture);
      await toDispenser(w);
      await w.registry.connect(w.council).pause();
      const paused = "ProtocolPaused";
      const pack = packProof(w.manifest, w.lotId, w.manifest.serials[0], 0);
      await expect(
        w.custody.connect(w.dispenser).ship(w.distributor.address, ZERO, NOTICE, [range(w.lotId, 0, 1)]),
      ).to.be.revertedWithCustomError(w.custody, paused);
      await expect(
        w.custody.connect(w.dispenser).decommission(pack, PackState.Dispensed),
      ).to.be.revertedWithCustomError(w.custody, paused);
      await expect(
        w.custody.connect(w.dispenser).decommissionRange(range(w.lotId, 0, 1), PackState.Destroyed),
      ).to.be.revertedWithCustomError(w.custody, paused);
      await expect(w.custody.connect(w.dispenser).undoDecommission(range(w.lotId, 0, 1))).to.be.revertedWithCustomError(
        w.custody,
        paused,
      );
      await expect(
        w.custody.connect(w.dispenser).quarantine([range(w.lotId, 0, 1)], ethers.ZeroHash),
      ).to.be.revertedWithCustomError(w.custody, paused);
      await expect(
        w.custody.connect(w.regulator).clearSuspect([range(w.lotId, 0, 1)], ethers.ZeroHash),
      ).to.be.revertedWithCustomError(w.custody, paused);
      await expect(w.custody.connect(w.dispenser).reportClone(pack)).to.be.revertedWithCustomError(w.custody, paused);
      await expect(
        w.custody.connect(w.dispenser).reportSuspicion([range(w.lotId, 0, 1)], ethers.ZeroHash),
      ).to.be.revertedWithCustomError(w.custody, paused);
      await expect(w.custody.connect(w.distributor).receiveShipment(1)).to.be.revertedWithCustomError(
        w.custody,
        paused,
      );
      await expect(w.custody.connect(w.transporter).pickUp(1, 0)).to.be.revertedWithCustomError(w.custody, paused);
      // views still answer
      expect((await w.custody.verify(query(w, 0))).verdict).to.equal(Verdict.Verified);
      await w.registry.connect(w.council).unpause();
      await w.custody.connect(w.dispenser).decommission(pack, PackState.Dispensed);
    });
  });

  describe("scale", function () {
    it("commissions, ships and receives a 100,000-pack lot whole, then dispenses one pack of it", async function () {
      const w = await loadFixture(worldFixture);
      const size = 100_000;
      const manifest = Manifest.fromSerials(serialsFor("BIG", size));
      const { lotId } = await commission(w, manifest, { lotNumber: "BIG-100K" });
      await w.custody
        .connect(w.manufacturer)
        .ship(w.distributor.address, w.transporter.address, NOTICE, [range(lotId, 0, size)]);
      await w.custody.connect(w.transporter).pickUp(1, 0);
      await w.custody.connect(w.distributor).receiveShipment(1);
      await w.custody.connect(w.distributor).ship(w.dispenser.address, ZERO, NOTICE, [range(lotId, 0, size)]);
      await w.custody.connect(w.dispenser).receiveShipment(2);
      const serial = manifest.serials[76_543];
      await w.custody.connect(w.dispenser).decommission(packProof(manifest, lotId, serial, 0), PackState.Dispensed);
      const dispensed = await w.custody.packStatus(lotId, 76_543);
      expect(dispensed.state).to.equal(PackState.Dispensed);
      const [runs] = await w.custody.runs(lotId, 0, 10);
      expect(runs.map((r) => [Number(r.start), Number(r.end)])).to.deep.equal([
        [0, 76_543],
        [76_543, size],
      ]);
      const last = await w.custody.packStatus(lotId, size - 1);
      expect(last.holder).to.equal(w.dispenser.address);
      expect(last.state).to.equal(PackState.Active);
    });
  });
});
