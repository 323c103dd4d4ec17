/**
 * The SDK's provenance history (sdk/src/history.ts): lot, pack, shipment and stakeholder timelines read from events
 * in pages, in order and decoded; tiny pages; and a provider that refuses wide block ranges.
 */
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Filter, FilterByBlockHash, Provider, ZeroAddress, id } from "ethers";
import { ethers } from "hardhat";
import { PharmaChainClient } from "../../sdk/src/client";
import { PackState, ShipmentStatus } from "../../sdk/src/enums";
import { TransactionError } from "../../sdk/src/errors";
import { HistoryEvent, HistoryReader, TypedHistoryEvent, statusAfter } from "../../sdk/src/history";
import { Manifest } from "../../sdk/src/manifest";
import { batchRecordHash, buildLotAttestation, signLotAttestation } from "../../sdk/src/attestation";
import { lotIdOf } from "../../sdk/src/gs1";
import { DAY, GLN, GTIN, YEAR, serialsFor, worldFixture } from "../helpers/fixture";

async function historyWorld() {
  const w = await worldFixture();
  const deployment = {
    registry: await w.registry.getAddress(),
    lots: await w.lots.getAddress(),
    custody: await w.custody.getAddress(),
  };
  const m = await PharmaChainClient.connect({ runner: w.manufacturer, deployment });
  const as = m.withRunner.bind(m);
  const firstBlock = await ethers.provider.getBlockNumber();

  async function lot(lotNumber: string, size: number) {
    const manifest = Manifest.fromSerials(serialsFor(`${lotNumber}-`, size));
    const now = BigInt(await time.latest());
    const attestation = buildLotAttestation({
      gtin: GTIN,
      lotNumber,
      expiresAt: now + YEAR,
      unitCount: size,
      serialsRoot: manifest.root,
      dataHash: batchRecordHash(lotNumber),
      manufacturer: w.manufacturer.address,
      deadline: now + DAY,
    });
    const domain = m.domain();
    const { lotId } = await m.commissionLot({
      attestation,
      manufacturerSignature: {
        signer: w.manufacturer.address,
        signature: await signLotAttestation(w.manufacturer, domain, attestation),
      },
      regulatorSignature: {
        signer: w.regulator.address,
        signature: await signLotAttestation(w.regulator, domain, attestation),
      },
    });
    return { lotId, manifest, attestation };
  }

  const a = await lot("H-A", 8);
  const b = await lot("H-B", 5);
  // shipment 1: packs 0-3 of A to the distributor, through the transporter
  const s1 = await m.ship({
    buyer: w.distributor.address,
    transporter: w.transporter.address,
    notice: "ASN-1",
    ranges: [{ lotId: a.lotId, start: 0, end: 4 }],
  });
  await as(w.transporter).pickUp(s1.shipmentId, GLN);
  await as(w.transporter).handOver(s1.shipmentId, 0);
  await as(w.distributor).receiveShipment(s1.shipmentId);
  // shipment 2: packs 0-1 of A on to the pharmacy, which dispenses pack 1
  const s2 = await as(w.distributor).ship({
    buyer: w.dispenser.address,
    ranges: [{ lotId: a.lotId, start: 0, end: 2 }],
  });
  await as(w.dispenser).receiveShipment(s2.shipmentId);
  const serial1 = a.manifest.serials[1];
  const pack1 = { lotId: a.lotId, index: 1, serial: serial1, proof: a.manifest.proof(serial1).proof };
  await as(w.dispenser).dispense(pack1);
  // packs 6-7 of A quarantined; 6 cleared, 7 confirmed illegitimate
  await m.quarantine([{ lotId: a.lotId, start: 6, end: 8 }], "seal broken");
  await as(w.regulator).clearSuspect([{ lotId: a.lotId, start: 6, end: 7 }], "false alarm");
  await as(w.regulator).confirmIllegitimate([{ lotId: a.lotId, start: 7, end: 8 }], "lab report");
  await as(w.regulator2).confirmIllegitimate([{ lotId: a.lotId, start: 7, end: 8 }], "lab report"); // second key
  // shipment 3: packs 4-5 of A rejected by the second distributor
  const s3 = await m.ship({ buyer: w.distributor2.address, ranges: [{ lotId: a.lotId, start: 4, end: 6 }] });
  await as(w.distributor2).rejectShipment(s3.shipmentId, "damaged");
  // shipment 4: two lots at once, cancelled by the manufacturer
  const s4 = await m.ship({
    buyer: w.distributor.address,
    ranges: [
      { lotId: b.lotId, start: 0, end: 3 },
      { lotId: a.lotId, start: 4, end: 5 },
    ],
  });
  await m.cancelShipment(s4.shipmentId);
  // the dispensed pack's code scanned again elsewhere
  await as(w.dispenser2).reportClone(pack1);
  await as(w.regulator).recallLot(a.lotId, "contamination");
  // the second distributor's registry record moves on
  await as(w.regulator).suspendStakeholder(w.distributor2.address, "inspection");
  await as(w.regulator).reinstateStakeholder(w.distributor2.address);
  await as(w.distributor2).updateMetadata("new address");

  const reader = new HistoryReader(ethers.provider, deployment);
  return {
    w,
    m,
    deployment,
    reader,
    firstBlock,
    a,
    b,
    s1: s1.shipmentId,
    s2: s2.shipmentId,
    s3: s3.shipmentId,
    s4: s4.shipmentId,
  };
}

const COMMISSIONED = ["LotCommissioned", "LotSigned", "LotSigned", "LotReleased"];

function names(events: readonly HistoryEvent[]): string[] {
  return events.map((e) => e.name);
}

function expectOrdered(events: readonly HistoryEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    const [p, e] = [events[i - 1], events[i]];
    expect(
      p.blockNumber < e.blockNumber || (p.blockNumber === e.blockNumber && p.logIndex < e.logIndex),
      `event ${i}`,
    ).to.equal(true);
  }
}

async function expectTimestamps(events: readonly HistoryEvent[]): Promise<void> {
  for (const e of events) {
    const block = (await ethers.provider.getBlock(e.blockNumber))!;
    expect(e.timestamp).to.equal(block.timestamp);
    const receipt = (await ethers.provider.getTransactionReceipt(e.transactionHash))!;
    expect(receipt.blockNumber).to.equal(e.blockNumber);
  }
}

function only(events: readonly HistoryEvent[], name: string): HistoryEvent[] {
  return events.filter((e) => e.name === name);
}

/** `provider` with a `getLogs` that refuses more than `maxBlocks` blocks per query, as many RPC providers do. */
function rangeLimited(provider: Provider, maxBlocks: number, calls: [number, number][]): Provider {
  return new Proxy(provider, {
    get(target, prop) {
      if (prop === "getLogs") {
        return async (filter: Filter | FilterByBlockHash) => {
          const f = filter as Filter;
          const latest = await target.getBlockNumber();
          const from = f.fromBlock === "latest" ? latest : Number(f.fromBlock ?? 0);
          const to = f.toBlock === undefined || f.toBlock === "latest" ? latest : Number(f.toBlock);
          if (to - from + 1 > maxBlocks) throw new Error(`query exceeds max block range ${maxBlocks}`);
          calls.push([from, to]);
          return target.getLogs(filter);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("SDK history", function () {
  it("gives a lot's timeline in order: commissioning, custody, shipments, clone report and recall", async function () {
    const h = await loadFixture(historyWorld);
    const events = await h.reader.lot(h.a.lotId);
    expect(names(events)).to.deep.equal([
      ...COMMISSIONED,
      "PacksShipped",
      "ShipmentCreated",
      "ShipmentPickedUp",
      "ShipmentHandedOver",
      "ShipmentReceived",
      "PacksShipped",
      "ShipmentCreated",
      "ShipmentReceived",
      "PacksDecommissioned",
      "PacksQuarantined",
      "PacksCleared",
      "IllegitimacyProposed",
      "PacksIllegitimate",
      "PacksShipped",
      "ShipmentCreated",
      "ShipmentRejected",
      "PacksShipped",
      "ShipmentCreated",
      "ShipmentCancelled",
      "CloneReported",
      "LotRecalled",
    ]);
    expectOrdered(events);
    await expectTimestamps(events);
    expect(events.map((e) => e.contract)).to.deep.equal(
      events.map((e) => (e.name.startsWith("Lot") ? "lots" : "custody")),
    );

    const [commissioned, mSigned, rSigned] = events;
    expect(commissioned.args).to.include({
      lotId: h.a.lotId,
      gtin: GTIN,
      manufacturer: h.w.manufacturer.address,
      lotNumber: "H-A",
      unitCount: 8n,
      serialsRoot: h.a.manifest.root,
      dataHash: batchRecordHash("H-A"),
      expiresAt: h.a.attestation.expiresAt,
    });
    expect(commissioned.summary).to.contain("lot H-A").and.to.contain("8 packs");
    expect(mSigned.args).to.include({
      signer: h.w.manufacturer.address,
      byRegulator: false,
      deadline: h.a.attestation.deadline,
    });
    expect(rSigned.args).to.include({ signer: h.w.regulator.address, byRegulator: true });
    expect(commissioned.transactionHash).to.equal(rSigned.transactionHash);

    const shipped = only(events, "PacksShipped");
    expect(shipped.map((e) => [e.args.shipmentId, e.args.start, e.args.end])).to.deep.equal([
      [h.s1, 0n, 4n],
      [h.s2, 0n, 2n],
      [h.s3, 4n, 6n],
      [h.s4, 4n, 5n],
    ]);
    const created = only(events, "ShipmentCreated");
    expect(created[0].args).to.include({
      shipmentId: h.s1,
      seller: h.w.manufacturer.address,
      buyer: h.w.distributor.address,
      transporter: h.w.transporter.address,
      noticeHash: id("ASN-1"),
      packCount: 4n,
    });
    expect(created[1].args).to.include({
      seller: h.w.distributor.address,
      buyer: h.w.dispenser.address,
      transporter: ZeroAddress,
    });
    // shipment 4 also carried lot B: its count covers both lots
    expect(created[3].args.packCount).to.equal(4n);
    expect(only(events, "ShipmentPickedUp")[0].args).to.include({ transporter: h.w.transporter.address, gln: GLN });
    expect(only(events, "PacksDecommissioned")[0].args).to.include({
      by: h.w.dispenser.address,
      state: BigInt(PackState.Dispensed),
      start: 1n,
      end: 2n,
    });
    expect(only(events, "PacksDecommissioned")[0].summary).to.equal(
      `pack 1 decommissioned as Dispensed by ${h.w.dispenser.address}`,
    );
    expect(only(events, "PacksQuarantined")[0].args).to.include({
      holder: h.w.manufacturer.address,
      by: h.w.manufacturer.address,
      start: 6n,
      end: 8n,
      evidenceHash: id("seal broken"),
    });
    expect(only(events, "PacksIllegitimate")[0].args).to.include({
      regulator: h.w.regulator2.address, // the second key completes the ruling
      start: 7n,
      end: 8n,
    });
    expect(only(events, "CloneReported")[0].args).to.include({
      reporter: h.w.dispenser2.address,
      index: 1n,
      serial: h.a.manifest.serials[1],
      state: BigInt(PackState.Dispensed),
      holder: h.w.dispenser.address,
    });
    expect(only(events, "LotRecalled")[0].args).to.include({
      by: h.w.regulator.address,
      reasonHash: id("contamination"),
    });
    expect(events.map((e) => statusAfter(e.name)).filter((s) => s !== undefined)).to.deep.equal([
      ShipmentStatus.Created,
      ShipmentStatus.PickedUp,
      ShipmentStatus.HandedOver,
      ShipmentStatus.Received,
      ShipmentStatus.Created,
      ShipmentStatus.Received,
      ShipmentStatus.Created,
      ShipmentStatus.Rejected,
      ShipmentStatus.Created,
      ShipmentStatus.Cancelled,
    ]);
  });

  it("narrows the lot's timeline to one pack", async function () {
    const h = await loadFixture(historyWorld);
    const pack1 = await h.reader.pack(h.a.lotId, 1);
    expect(names(pack1)).to.deep.equal([
      ...COMMISSIONED,
      "PacksShipped",
      "ShipmentCreated",
      "ShipmentPickedUp",
      "ShipmentHandedOver",
      "ShipmentReceived",
      "PacksShipped",
      "ShipmentCreated",
      "ShipmentReceived",
      "PacksDecommissioned",
      "CloneReported",
      "LotRecalled",
    ]);
    expectOrdered(pack1);
    const pack7 = await h.reader.pack(h.a.lotId, 7);
    expect(names(pack7)).to.deep.equal([
      ...COMMISSIONED,
      "PacksQuarantined",
      "IllegitimacyProposed",
      "PacksIllegitimate",
      "LotRecalled",
    ]);
    const pack4 = await h.reader.pack(h.a.lotId, 4);
    expect(names(pack4)).to.deep.equal([
      ...COMMISSIONED,
      "PacksShipped",
      "ShipmentCreated",
      "ShipmentRejected",
      "PacksShipped",
      "ShipmentCreated",
      "ShipmentCancelled",
      "LotRecalled",
    ]);
    expect(only(pack4, "ShipmentCreated").map((e) => e.args.shipmentId)).to.deep.equal([h.s3, h.s4]);
    expect(names(await h.reader.pack(h.b.lotId, 4))).to.deep.equal(COMMISSIONED);
  });

  it("types each event by its name (a discriminated union): narrowed args are the contract's", async function () {
    const h = await loadFixture(historyWorld);
    const seen: string[] = [];
    for (const e of await h.reader.lot(h.a.lotId)) {
      switch (e.name) {
        case "PacksShipped": {
          const id: bigint = e.args.shipmentId;
          seen.push(`shipment ${id}`);
          break;
        }
        case "PacksQuarantined": {
          const holder: string = e.args.holder;
          // @ts-expect-error a quarantine has no shipment id: the compiler says so
          void e.args.shipmentId;
          seen.push(`quarantine of ${holder === h.w.manufacturer.address ? "M" : holder}`);
          break;
        }
        case "CloneReported":
          seen.push(`clone ${e.args.serial}`);
          break;
      }
    }
    expect(seen).to.include("quarantine of M").and.to.include(`shipment ${h.s3}`);
    // every typed event is still a HistoryEvent
    const loose: HistoryEvent[] = await h.reader.lot(h.a.lotId);
    expect(loose.length).to.be.greaterThan(seen.length);
  });

  it("gives a shipment's timeline, with the packs of every lot in it", async function () {
    const h = await loadFixture(historyWorld);
    const s4 = await h.reader.shipment(h.s4);
    expect(names(s4)).to.deep.equal(["PacksShipped", "PacksShipped", "ShipmentCreated", "ShipmentCancelled"]);
    const shipped = s4.filter((e): e is TypedHistoryEvent<"PacksShipped"> => e.name === "PacksShipped");
    expect(shipped.map((e) => [e.args.lotId, e.args.start, e.args.end])).to.deep.equal([
      [h.b.lotId, 0n, 3n],
      [h.a.lotId, 4n, 5n],
    ]);
    expect(s4[3].args).to.include({ shipmentId: h.s4, seller: h.w.manufacturer.address });
    const s1 = await h.reader.shipment(h.s1);
    expect(names(s1)).to.deep.equal([
      "PacksShipped",
      "ShipmentCreated",
      "ShipmentPickedUp",
      "ShipmentHandedOver",
      "ShipmentReceived",
    ]);
    expect(s1[4].args).to.include({ shipmentId: h.s1, buyer: h.w.distributor.address });
    expect(s1[4].summary).to.equal(`shipment ${h.s1} received by ${h.w.distributor.address}`);
    const s3 = await h.reader.shipment(h.s3);
    expect(s3[2].args).to.include({ buyer: h.w.distributor2.address, reasonHash: id("damaged") });
    expect(await h.reader.shipment(99n)).to.deep.equal([]);
    // the lot B's timeline sees shipment 4 through its own range
    expect(names(await h.reader.lot(h.b.lotId))).to.deep.equal([
      ...COMMISSIONED,
      "PacksShipped",
      "ShipmentCreated",
      "ShipmentCancelled",
    ]);
    expect(await h.reader.lot(lotIdOf(GTIN, "NONE"))).to.deep.equal([]);
  });

  it("gives a stakeholder's registry timeline", async function () {
    const h = await loadFixture(historyWorld);
    const events = await h.m.history().stakeholder(h.w.distributor2.address);
    expect(names(events)).to.deep.equal([
      "StakeholderApplied",
      "StakeholderApproved",
      "StakeholderSuspended",
      "StakeholderReinstated",
      "MetadataUpdated",
    ]);
    expect(events.every((e) => e.contract === "registry")).to.equal(true);
    expectOrdered(events);
    expect(events[0].args).to.include({ account: h.w.distributor2.address, role: 3n, gln: 0n });
    expect(events[1].args).to.include({
      account: h.w.distributor2.address,
      regulator: h.w.regulator.address,
      validUntil: h.w.licenceUntil,
    });
    expect(events[2].args).to.include({ by: h.w.regulator.address, reasonHash: id("inspection") });
    expect(events[4].args).to.include({ metadataHash: id("new address") });
    // in sentences, like the other timelines
    const D2 = h.w.distributor2.address;
    const applied = (events[0].args as { jurisdiction: string }).jurisdiction;
    const jurisdiction = Buffer.from(applied.slice(2), "hex").toString("ascii");
    expect(jurisdiction).to.match(/^[A-Z]{2}$/);
    expect(events.map((e) => e.summary)).to.deep.equal([
      `${D2} applied to be a distributor (GLN 0000000000000, jurisdiction ${jurisdiction})`,
      `${D2} approved as distributor by regulator ${h.w.regulator.address}, licence until ${new Date(Number(h.w.licenceUntil) * 1000).toISOString().slice(0, 10)}`,
      `${D2} suspended by ${h.w.regulator.address}`,
      `${D2} reinstated by ${h.w.regulator.address}`,
      `${D2} updated its registration details (hash ${id("new address").slice(0, 10)}…)`,
    ]);
    const regulator = await h.reader.stakeholder(h.w.regulator.address);
    expect(names(regulator)).to.deep.equal(["RegulatorAppointed"]);
    expect(regulator[0].args).to.include({ admin: h.w.council.address, gln: GLN });
    expect(await h.reader.stakeholder(h.w.outsider.address)).to.deep.equal([]);
  });

  it("gives the same timelines with one block per query, and narrows to a block window", async function () {
    const h = await loadFixture(historyWorld);
    const progress: [number, number][] = [];
    const tiny = { blockRange: 1, onProgress: (done: number, total: number) => progress.push([done, total]) };
    expect(await h.reader.lot(h.a.lotId, tiny)).to.deep.equal(await h.reader.lot(h.a.lotId));
    const latest = await ethers.provider.getBlockNumber();
    // one call per block for each of the lot's two queries and its shipments' query
    expect(progress.length).to.equal(3 * (latest + 1));
    expect(progress.filter(([done, total]) => done === total && total === latest + 1).length).to.equal(3);
    expect(await h.reader.pack(h.a.lotId, 1, { blockRange: 1 })).to.deep.equal(await h.reader.pack(h.a.lotId, 1));
    expect(await h.reader.shipment(h.s4, { blockRange: 1 })).to.deep.equal(await h.reader.shipment(h.s4));
    expect(await h.reader.stakeholder(h.w.distributor2.address, { blockRange: 1 })).to.deep.equal(
      await h.reader.stakeholder(h.w.distributor2.address),
    );

    // a window: only what happened in it
    const all = await h.reader.lot(h.a.lotId);
    const from = only(all, "PacksQuarantined")[0].blockNumber;
    const to = only(all, "PacksIllegitimate")[0].blockNumber;
    const windowed = await h.reader.lot(h.a.lotId, { fromBlock: from, toBlock: to, blockRange: 2 });
    expect(names(windowed)).to.deep.equal([
      "PacksQuarantined",
      "PacksCleared",
      "IllegitimacyProposed",
      "PacksIllegitimate",
    ]);
    expect(await h.reader.lot(h.a.lotId, { fromBlock: h.firstBlock + 1 })).to.deep.equal(all);
  });

  it("halves its page when the provider refuses a range, and still reads everything", async function () {
    const h = await loadFixture(historyWorld);
    const calls: [number, number][] = [];
    const limited = new HistoryReader(rangeLimited(ethers.provider, 3, calls), h.deployment);
    const progress: [number, number][] = [];
    const events = await limited.lot(h.a.lotId, { onProgress: (done, total) => progress.push([done, total]) });
    expect(events).to.deep.equal(await h.reader.lot(h.a.lotId));
    const latest = await ethers.provider.getBlockNumber();
    expect(calls.length > 3).to.equal(true);
    for (const [from, to] of calls) expect(to - from + 1).to.be.at.most(3);
    for (const [done, total] of progress) {
      expect(total).to.equal(latest + 1);
      expect(done).to.be.at.most(total);
    }
    expect(progress.filter(([done, total]) => done === total).length).to.equal(3);
    // the other timelines too
    expect(await limited.shipment(h.s1)).to.deep.equal(await h.reader.shipment(h.s1));
    expect(await limited.stakeholder(h.w.distributor2.address)).to.deep.equal(
      await h.reader.stakeholder(h.w.distributor2.address),
    );
    // a client whose signer's provider refuses wide ranges still finds a shipment's witness to cancel it
    const signer = h.w.manufacturer.connect(rangeLimited(ethers.provider, 2, []) as typeof ethers.provider);
    const m = await PharmaChainClient.connect({ runner: signer, deployment: h.deployment });
    const { shipmentId } = await m.ship({
      buyer: h.w.distributor.address,
      ranges: [{ lotId: h.b.lotId, start: 3, end: 5 }],
    });
    await m.cancelShipment(shipmentId);
    expect(names(await limited.shipment(shipmentId))).to.deep.equal([
      "PacksShipped",
      "ShipmentCreated",
      "ShipmentCancelled",
    ]);
  });

  it("gives up with TransactionError on a failure that is not a range refusal", async function () {
    const h = await loadFixture(historyWorld);
    const failing = new Proxy(ethers.provider, {
      get(target, prop) {
        if (prop === "getLogs") return async () => Promise.reject(new Error("connection refused"));
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as Provider;
    let error: unknown;
    try {
      await new HistoryReader(failing, h.deployment).lot(h.a.lotId);
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(TransactionError);
    expect((error as TransactionError).message).to.contain("could not read events");
    expect(((error as TransactionError).cause as Error).message).to.equal("connection refused");
  });
});
