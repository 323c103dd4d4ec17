import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
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
  serialsFor,
  sig,
  worldFixture,
} from "./helpers/fixture";
import { signLotAttestation } from "../sdk/src/attestation";

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
  w: CustodyWorld,
  index: number,
  state: PackState,
  holder: string,
  lotId = w.lotId,
): Promise<void> {
  const s = await w.custody.packStatus(lotId, index);
  expect(s.state).to.equal(state);
  expect(s.holder).to.equal(holder);
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
      const factory = await ethers.getContractFactory("PackCustody");
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
      await w.custody.connect(w.distributor).ship(w.manufacturer.address, ZERO, NOTICE, [range(w.lotId, 5, 10, 5)]);
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

    it("refuses a hint that is not the start of the run holding the range", async function () {
      const w = await loadFixture(custodyFixture);
      const ship = (r: ReturnType<typeof range>) =>
        w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, NOTICE, [r]);
      // untouched lot: the only run starts at 0
      await expect(ship(range(w.lotId, 2, 4, 2)))
        .to.be.revertedWithCustomError(w.custody, "PackRunsInvalidHint")
        .withArgs(2, 2, 4);
      await ship(range(w.lotId, 2, 4, 0)); // runs: [0,2) [2,4) [4,10)
      await expect(ship(range(w.lotId, 5, 6, 3)))
        .to.be.revertedWithCustomError(w.custody, "PackRunsInvalidHint")
        .withArgs(3, 5, 6);
      await expect(ship(range(w.lotId, 1, 3, 0)))
        .to.be.revertedWithCustomError(w.custody, "PackRunsInvalidHint")
        .withArgs(0, 1, 3);
      await expect(ship(range(w.lotId, 5, 6, 6)))
        .to.be.revertedWithCustomError(w.custody, "PackRunsInvalidHint")
        .withArgs(6, 5, 6);
      await ship(range(w.lotId, 5, 6, 4));
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
      await w.custody.connect(w.dispenser).quarantine([range(w.lotId, 2, 4, 2)], bytes32("evidence"));
      await expect(ship(range(w.lotId, 3, 4, 2)))
        .to.be.revertedWithCustomError(w.custody, "CustodyPackNotActive")
        .withArgs(w.lotId, 3, PackState.Suspect);
      await w.custody.connect(w.manufacturer).decommissionRange(range(w.lotId, 4, 6, 4), PackState.Sample);
      await expect(ship(range(w.lotId, 4, 5, 4)))
        .to.be.revertedWithCustomError(w.custody, "CustodyAlreadyDecommissioned")
        .withArgs(w.lotId, 4, PackState.Sample);
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
      await expect(
        w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, NOTICE, [range(w.lotId, 5, 6, 5)]),
      )
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
        .ship(w.dispenser2.address, ZERO, NOTICE, [range(w.lotId, 0, 4, 0), range(w.lotId, 6, 10, 6)]);
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
      await w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, NOTICE, [range(w.lotId, 4, 6, 4)]);
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
      await w.registry.connect(w.regulator).revoke(w.distributor.address, bytes32("licence withdrawn"));
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

    it("refuses a second dispense of the same pack, at any pharmacy (a cloned code)", async function () {
      const w = await loadFixture(custodyFixture);
      await toDistributor(w);
      await w.custody.connect(w.distributor).ship(w.dispenser.address, ZERO, NOTICE, [range(w.lotId, 0, 5, 0)]);
      await w.custody.connect(w.distributor).ship(w.dispenser2.address, ZERO, NOTICE, [range(w.lotId, 5, 10, 5)]);
      await w.custody.connect(w.dispenser).receiveShipment(2);
      await w.custody.connect(w.dispenser2).receiveShipment(3);
      const pack = packProof(w.manifest, w.lotId, w.manifest.serials[2], 0);
      await w.custody.connect(w.dispenser).decommission(pack, PackState.Dispensed);
      await expect(w.custody.connect(w.dispenser).decommission({ ...pack, hint: 2 }, PackState.Dispensed))
        .to.be.revertedWithCustomError(w.custody, "CustodyAlreadyDecommissioned")
        .withArgs(w.lotId, 2, PackState.Dispensed);
      await expect(w.custody.connect(w.dispenser2).decommission({ ...pack, hint: 2 }, PackState.Dispensed))
        .to.be.revertedWithCustomError(w.custody, "CustodyAlreadyDecommissioned")
        .withArgs(w.lotId, 2, PackState.Dispensed);
      // the pharmacy then reports the clone through a separate call, which keeps its event
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
      await w.custody.connect(w.distributor).quarantine([range(w.lotId, 0, 3, 0)], bytes32("evidence"));
      await w.custody.connect(w.regulator).confirmIllegitimate([range(w.lotId, 0, 3, 0)], bytes32("ruling"));
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
        await expect(w.custody.connect(w.manufacturer).decommissionRange(range(w.lotId, i, i + 1, i), states[i]))
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
      await expect(w.custody.connect(w.dispenser).undoDecommission(range(w.lotId, 4, 5, 4)))
        .to.emit(w.custody, "DecommissionUndone")
        .withArgs(w.lotId, w.dispenser.address, PackState.Dispensed, 4, 5);
      await expectPack(w, 4, PackState.Active, w.dispenser.address);
      // and dispense it again
      await w.custody
        .connect(w.dispenser)
        .decommission(packProof(w.manifest, w.lotId, w.manifest.serials[4], 4), PackState.Dispensed);
      await expectPack(w, 4, PackState.Dispensed, w.dispenser.address);
    });

    it("undoes a range decommission, and a one-pack run", async function () {
      const w = await loadFixture(custodyFixture);
      await w.custody.connect(w.manufacturer).decommissionRange(range(w.lotId, 2, 6, 0), PackState.Sample);
      await w.custody.connect(w.manufacturer).undoDecommission(range(w.lotId, 3, 5, 2));
      await expectPack(w, 2, PackState.Sample, w.manufacturer.address);
      await expectPack(w, 3, PackState.Active, w.manufacturer.address);
      await expectPack(w, 5, PackState.Sample, w.manufacturer.address);
      await w.custody.connect(w.manufacturer).undoDecommission(range(w.lotId, 2, 3, 2));
      await expectPack(w, 2, PackState.Active, w.manufacturer.address);
    });

    it("refuses an undo after 10 days, but not for a locked pack", async function () {
      const w = await loadFixture(custodyFixture);
      await w.custody.connect(w.manufacturer).decommissionRange(range(w.lotId, 0, 2, 0), PackState.Exported);
      const at = BigInt(await time.latest());
      await w.custody.connect(w.manufacturer).decommissionRange(range(w.lotId, 2, 4, 2), PackState.Locked);
      await time.increaseTo(at + 10n * DAY);
      await expect(w.custody.connect(w.manufacturer).undoDecommission(range(w.lotId, 0, 2, 0)))
        .to.be.revertedWithCustomError(w.custody, "CustodyUndoWindowClosed")
        .withArgs(w.lotId, 0, at + 10n * DAY);
      await time.increase(30n * DAY);
      await w.custody.connect(w.manufacturer).undoDecommission(range(w.lotId, 2, 4, 2));
      await expectPack(w, 3, PackState.Active, w.manufacturer.address);
    });

    it("refuses to undo a theft, a destruction, an active pack, or packs past a head", async function () {
      const w = await loadFixture(custodyFixture);
      await toDispenser(w);
      await w.custody.connect(w.dispenser).decommissionRange(range(w.lotId, 0, 1, 0), PackState.Stolen);
      await w.custody.connect(w.dispenser).decommissionRange(range(w.lotId, 1, 2, 1), PackState.Destroyed);
      await w.custody
        .connect(w.dispenser)
        .decommission(packProof(w.manifest, w.lotId, w.manifest.serials[2], 2), PackState.Dispensed);
      const undo = (r: ReturnType<typeof range>) => w.custody.connect(w.dispenser).undoDecommission(r);
      await expect(undo(range(w.lotId, 0, 1, 0)))
        .to.be.revertedWithCustomError(w.custody, "CustodyUndoNotAllowed")
        .withArgs(w.lotId, 0, PackState.Stolen);
      await expect(undo(range(w.lotId, 1, 2, 1)))
        .to.be.revertedWithCustomError(w.custody, "CustodyUndoNotAllowed")
        .withArgs(w.lotId, 1, PackState.Destroyed);
      await expect(undo(range(w.lotId, 3, 4, 2)))
        .to.be.revertedWithCustomError(w.custody, "CustodyUndoNotAllowed")
        .withArgs(w.lotId, 3, PackState.Active);
      await expect(undo(range(w.lotId, 2, 4, 2)))
        .to.be.revertedWithCustomError(w.custody, "CustodyUndoNotAllowed")
        .withArgs(w.lotId, 3, PackState.Active);
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
    it("lets any stakeholder quarantine packs, which then cannot move until a regulator clears them", async function () {
      const w = await loadFixture(custodyFixture);
      await toDistributor(w);
      const evidence = bytes32("photo of a misprinted carton");
      await expect(w.custody.connect(w.dispenser).quarantine([range(w.lotId, 2, 5, 0)], evidence))
        .to.emit(w.custody, "PacksQuarantined")
        .withArgs(w.lotId, w.dispenser.address, 2, 5, evidence);
      await expectPack(w, 3, PackState.Suspect, w.distributor.address);
      await expect(w.custody.connect(w.distributor).ship(w.dispenser.address, ZERO, NOTICE, [range(w.lotId, 2, 5, 2)]))
        .to.be.revertedWithCustomError(w.custody, "CustodyPackNotActive")
        .withArgs(w.lotId, 2, PackState.Suspect);
      const decision = bytes32("genuine: printing defect");
      await expect(w.custody.connect(w.regulator).clearSuspect([range(w.lotId, 2, 5, 2)], decision))
        .to.emit(w.custody, "PacksCleared")
        .withArgs(w.lotId, w.regulator.address, 2, 5, decision);
      await expectPack(w, 3, PackState.Active, w.distributor.address);
      await w.custody.connect(w.distributor).ship(w.dispenser.address, ZERO, NOTICE, [range(w.lotId, 2, 5, 2)]);
    });

    it("lets a regulator confirm suspect packs illegitimate, for good", async function () {
      const w = await loadFixture(custodyFixture);
      await w.custody.connect(w.manufacturer).quarantine([range(w.lotId, 0, 4, 0)], bytes32("evidence"));
      const decision = bytes32("counterfeit");
      await expect(w.custody.connect(w.regulator).confirmIllegitimate([range(w.lotId, 1, 3, 0)], decision))
        .to.emit(w.custody, "PacksIllegitimate")
        .withArgs(w.lotId, w.regulator.address, 1, 3, decision);
      await expectPack(w, 1, PackState.Illegitimate, w.manufacturer.address);
      await expectPack(w, 0, PackState.Suspect, w.manufacturer.address);
      await expect(w.custody.connect(w.regulator).clearSuspect([range(w.lotId, 1, 3, 1)], decision))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotSuspect")
        .withArgs(w.lotId, 1, PackState.Illegitimate);
      await expect(w.custody.connect(w.manufacturer).quarantine([range(w.lotId, 1, 3, 1)], decision))
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
      await w.custody.connect(w.regulator).confirmIllegitimate([range(w.lotId, 0, 1, 0)], bytes32("r"));
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
      await toDistributor(w, 2, 4);
      [page, next] = await w.custody.runs(w.lotId, 0, 2);
      expect(page.map((r) => Number(r.start))).to.deep.equal([0, 2]);
      expect(next).to.equal(4);
      [page, next] = await w.custody.runs(w.lotId, next, 2);
      expect(page.map((r) => [Number(r.start), Number(r.end)])).to.deep.equal([[4, 10]]);
      expect(next).to.equal(0);
      await expect(w.custody.runs(w.lotId, 3, 2))
        .to.be.revertedWithCustomError(w.custody, "PackRunsInvalidHint")
        .withArgs(3, 3, 4);
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
