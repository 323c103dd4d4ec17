/**
 * Property test of PackCustody against a plain model of its documented rules (test/helpers/custodyModel.ts).
 *
 * A world of two released lots of 12 packs, random sequences of operations by random parties. For each operation the
 * model decides whether it must succeed or revert (and, where the rules name it, with which custom error); the test
 * sends it and checks the chain agrees. After every step every pack's state, holder, shipment and decommission time
 * equal the model's, the lot's runs partition it, and each lot's packs summed over (holder, state) are 12.
 *
 * Replay a failure with FC_SEED=<seed> FC_PATH=<path> (printed by fast-check); FC_RUNS sets the number of runs.
 */
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import type { ContractTransactionResponse } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { Manifest } from "../sdk/src/manifest";
import {
  DAY,
  PackState,
  Role,
  World,
  bytes32,
  commission,
  packProof,
  range,
  serialsFor,
  worldFixture,
} from "./helpers/fixture";
import { CustodyModel, Outcome, PackSpan, RangeArg, isDecommissioned, isOpen } from "./helpers/custodyModel";

const UNITS = 12;
const LOT_NAMES = ["A", "B"] as const;
/** Lot B expires within reach of a run, so that expiry is exercised too. */
const LOT_B_EXPIRES_IN = 20n * DAY;
/** An explicit gas limit: no estimate, so a reverting call is mined at the timestamp the model used. */
const TX = { gasLimit: 3_000_000 };
const NOTICE = bytes32("property notice");
const NUM_RUNS = Number(process.env.FC_RUNS ?? 20);
const MAX_STEPS = 25;
const STATS = new Map<string, number>();

// ------------------------------------------------------------------ the world

interface PropertyLot {
  lotId: string;
  manifest: Manifest;
  expiresAt: bigint;
}

interface PropertyWorld extends World {
  lots2: PropertyLot[];
}

async function propertyFixture(): Promise<PropertyWorld> {
  const w = await worldFixture();
  const lots2: PropertyLot[] = [];
  for (const name of LOT_NAMES) {
    const manifest = Manifest.fromSerials(serialsFor(`PROP-${name}-`, UNITS));
    const { lotId, att } = await commission(w, manifest, {
      lotNumber: `PROP-${name}`,
      expiresIn: name === "B" ? LOT_B_EXPIRES_IN : undefined,
    });
    lots2.push({ lotId, manifest, expiresAt: att.expiresAt });
  }
  return { ...w, lots2 };
}

const ACTORS = [
  "manufacturer",
  "manufacturer2",
  "distributor",
  "distributor2",
  "dispenser",
  "dispenser2",
  "regulator",
  "transporter",
  "outsider",
] as const;
type ActorName = (typeof ACTORS)[number];
const TRADERS: readonly ActorName[] = ["manufacturer", "distributor", "distributor2", "dispenser", "dispenser2"];

const ROLES: Record<ActorName, Role> = {
  manufacturer: Role.Manufacturer,
  manufacturer2: Role.Manufacturer,
  distributor: Role.Distributor,
  distributor2: Role.Distributor,
  dispenser: Role.Dispenser,
  dispenser2: Role.Dispenser,
  regulator: Role.Regulator,
  transporter: Role.Transporter,
  outsider: Role.None,
};

// ------------------------------------------------------------------ operations, as plain data

/**
 * A range to resolve against the current state: `filtered` starts it at the `pick`-th pack (of lot `lot` if it has
 * one) that suits the operation, else at `pick % 12` of lot `lot`; it is `len` packs long, cut at the lot's end and,
 * when `clipped` (always for operations on several ranges), at the end of the run holding its start.
 */
interface RangePick {
  lot: number;
  pick: number;
  len: number;
  filtered: boolean;
  clipped: boolean;
}

/** `aHolder`: the `who`-th party that has packs the operation suits. */
type Caller = ActorName | "aHolder";
/** `{ otherTrader }`: the `otherTrader`-th trader but the seller. */
type Buyer = ActorName | { otherTrader: number };

type Op =
  | { kind: "ship"; seller: Caller; who: number; buyer: Buyer; viaTransporter: boolean; ranges: RangePick[] }
  | { kind: "pickUp" | "handOver"; shipment: number; byTransporter: boolean; other: ActorName }
  | {
      kind: "receive" | "reject" | "cancel";
      shipment: number;
      openOnly: boolean;
      byParty: boolean;
      other: ActorName;
      foreignWitness: boolean;
      witness: number;
    }
  | { kind: "decommission"; caller: Caller; who: number; pack: RangePick; state: PackState; serialMatches: boolean }
  | { kind: "decommissionRange"; caller: Caller; who: number; range: RangePick; state: PackState }
  | { kind: "undo"; caller: Caller; who: number; range: RangePick }
  | { kind: "quarantine"; caller: ActorName; ranges: RangePick[] }
  | { kind: "clear" | "confirm"; caller: ActorName; ranges: RangePick[] }
  | { kind: "recall"; caller: ActorName; lot: number }
  | { kind: "wait"; seconds: number };

function weighted<T>(often: fc.Arbitrary<T>, rarely: fc.Arbitrary<T>, odds = 6): fc.Arbitrary<T> {
  return fc.oneof({ weight: odds, arbitrary: often }, { weight: 1, arbitrary: rarely });
}

const mostly = (odds = 6): fc.Arbitrary<boolean> => weighted(fc.constant(true), fc.constant(false), odds);
const anyone: fc.Arbitrary<ActorName> = fc.constantFrom(...ACTORS);
const aTrader: fc.Arbitrary<ActorName> = fc.constantFrom(...TRADERS);
const caller: fc.Arbitrary<Caller> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Caller>("aHolder") },
  { weight: 2, arbitrary: aTrader },
  { weight: 1, arbitrary: anyone },
);
const who = fc.nat({ max: 9 });

const rangePick: fc.Arbitrary<RangePick> = fc.record({
  lot: fc.nat({ max: 1 }),
  pick: fc.nat({ max: 23 }),
  len: weighted(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: UNITS }), 2),
  filtered: mostly(),
  clipped: mostly(7),
});
const rangePicks = fc.array(rangePick, { minLength: 1, maxLength: 3 });

/** Decommission states mostly; now and then a state that is not one. */
const decommissionState: fc.Arbitrary<PackState> = weighted(
  fc.integer({ min: PackState.Dispensed, max: PackState.Locked }),
  fc.integer({ min: PackState.Active, max: PackState.Illegitimate }),
  8,
);

const UNDO_SECONDS = Number(10n * DAY);

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant("ship" as const),
      seller: caller,
      who,
      buyer: fc.oneof(
        { weight: 4, arbitrary: fc.record({ otherTrader: fc.nat({ max: 3 }) }) },
        { weight: 1, arbitrary: aTrader },
        { weight: 1, arbitrary: anyone },
      ),
      viaTransporter: weighted(fc.constant(false), fc.constant(true), 3),
      ranges: rangePicks,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom("pickUp" as const, "handOver" as const),
      shipment: fc.nat({ max: 30 }),
      byTransporter: mostly(),
      other: anyone,
    }),
  },
  {
    weight: 9,
    arbitrary: fc.record({
      kind: fc.oneof(
        { weight: 3, arbitrary: fc.constant("receive" as const) },
        { weight: 1, arbitrary: fc.constant("reject" as const) },
        { weight: 1, arbitrary: fc.constant("cancel" as const) },
      ),
      shipment: fc.nat({ max: 30 }),
      openOnly: mostly(4),
      byParty: mostly(),
      other: anyone,
      foreignWitness: weighted(fc.constant(false), fc.constant(true), 8),
      witness: fc.nat({ max: 30 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("decommission" as const),
      caller,
      who,
      pack: rangePick,
      state: decommissionState,
      serialMatches: mostly(10),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("decommissionRange" as const),
      caller,
      who,
      range: rangePick,
      state: decommissionState,
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("undo" as const), caller, who, range: rangePick }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("quarantine" as const), caller: weighted(aTrader, anyone, 2), ranges: rangePicks }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constantFrom("clear" as const, "confirm" as const),
      caller: weighted(fc.constant<ActorName>("regulator"), anyone, 8),
      ranges: rangePicks,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("recall" as const),
      caller: weighted(fc.constantFrom<ActorName>("manufacturer", "regulator"), anyone, 3),
      lot: fc.nat({ max: 1 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("wait" as const),
      seconds: weighted(
        fc.integer({ min: 0, max: 12 * Number(DAY) }),
        fc.constantFrom(UNDO_SECONDS - 2, UNDO_SECONDS - 1, UNDO_SECONDS),
        3,
      ),
    }),
  },
);

// ------------------------------------------------------------------ the chain side

interface Run {
  start: number;
  end: number;
}

/** For each lot, for each pack, the run holding it, as the chain reports it now. */
type RunMap = Run[][];

async function runMaps(w: PropertyWorld): Promise<RunMap> {
  return Promise.all(
    w.lots2.map(async (l) => {
      const [page] = await w.custody.runs(l.lotId, 0, UNITS);
      const byPack: Run[] = new Array<Run>(UNITS);
      for (const r of page) {
        for (let i = Number(r.start); i < Number(r.end) && i < UNITS; i++) byPack[i] = { start: Number(r.start), end: Number(r.end) };
      }
      return byPack;
    }),
  );
}

/** Every pack's status, the runs and the shipments on chain equal the model's; the runs partition each lot. */
async function expectChainEqualsModel(w: PropertyWorld, model: CustodyModel): Promise<void> {
  const statuses = Promise.all(
    w.lots2.map((l) => Promise.all(Array.from({ length: UNITS }, (_, i) => w.custody.packStatus(l.lotId, i)))),
  );
  const pages = Promise.all(w.lots2.map((l) => w.custody.runs(l.lotId, 0, UNITS + 1)));
  const shipments = Promise.all(model.shipments.map((s) => w.custody.shipment(s.id)));
  const [all, runPages, chainShipments, count] = await Promise.all([statuses, pages, shipments, w.custody.shipmentCount()]);

  for (let lot = 0; lot < w.lots2.length; lot++) {
    const name = LOT_NAMES[lot];
    const chainCensus = new Map<string, number>();
    all[lot].forEach((s, i) => {
      const m = model.pack(lot, i);
      const where = `pack ${name}${i}`;
      expect(Number(s.state), `${where} state`).to.equal(m.state);
      expect(s.holder, `${where} holder`).to.equal(m.holder);
      expect(Number(s.shipmentId), `${where} shipmentId`).to.equal(m.state === PackState.InTransit ? m.shipmentId : 0);
      expect(s.decommissionedAt, `${where} decommissionedAt`).to.equal(isDecommissioned(m.state) ? m.decommissionedAt : 0n);
      const key = `${s.holder}/${Number(s.state)}`;
      chainCensus.set(key, (chainCensus.get(key) ?? 0) + 1);
    });

    // The runs view: consecutive runs from 0 to the end, each of one holder and one state (but for a head).
    const [page, nextStart] = runPages[lot];
    expect(nextStart, `lot ${name}: runs fit in one page`).to.equal(0n);
    const runCensus = new Map<string, number>();
    let at = 0;
    for (const r of page) {
      const start = Number(r.start);
      const end = Number(r.end);
      expect(start, `lot ${name}: run starts where the previous ended`).to.equal(at);
      expect(end, `lot ${name}: run [${start}, ${end}) is not empty`).to.be.greaterThan(start);
      for (let i = start; i < end; i++) {
        const state = i === start && Number(r.head) !== PackState.Active ? Number(r.head) : Number(r.state);
        const m = model.pack(lot, i);
        expect(state, `run [${start}, ${end}) of lot ${name}: state of pack ${i}`).to.equal(m.state);
        expect(r.holder, `run [${start}, ${end}) of lot ${name}: holder of pack ${i}`).to.equal(m.holder);
        const key = `${r.holder}/${state}`;
        runCensus.set(key, (runCensus.get(key) ?? 0) + 1);
      }
      at = end;
    }
    expect(at, `lot ${name}: the runs cover the lot`).to.equal(UNITS);
    const sum = (c: Map<string, number>): number => [...c.values()].reduce((a, b) => a + b, 0);
    expect(sum(runCensus), `lot ${name}: packs summed over (holder, state) in runs`).to.equal(UNITS);
    expect(sum(chainCensus), `lot ${name}: packs summed over (holder, state)`).to.equal(UNITS);
    const modelCensus = model.census(lot);
    expect(Object.fromEntries(chainCensus), `lot ${name}: census`).to.deep.equal(Object.fromEntries(modelCensus));
    expect(Object.fromEntries(runCensus), `lot ${name}: census from runs`).to.deep.equal(Object.fromEntries(modelCensus));
  }

  expect(Number(count), "shipmentCount").to.equal(model.shipments.length);
  model.shipments.forEach((s, k) => {
    const [c, transporter] = chainShipments[k];
    expect(Number(c.status), `shipment ${s.id} status`).to.equal(s.status);
    expect(c.buyer, `shipment ${s.id} buyer`).to.equal(s.buyer);
    expect(c.viaTransporter, `shipment ${s.id} viaTransporter`).to.equal(s.transporter !== null);
    expect(transporter, `shipment ${s.id} transporter`).to.equal(s.transporter ?? ethers.ZeroAddress);
    expect(Number(c.packCount), `shipment ${s.id} packCount`).to.equal(s.packCount);
  });
}

// ------------------------------------------------------------------ one run

class Runner {
  readonly trace: string[] = [];
  private runs: RunMap = [];

  constructor(
    private readonly w: PropertyWorld,
    private readonly model: CustodyModel,
    private readonly signers: Record<ActorName, HardhatEthersSigner>,
  ) {}

  private actorAt(address: string): ActorName {
    const a = ACTORS.find((x) => this.signers[x].address === address);
    if (a === undefined) throw new Error(`no actor at ${address}`);
    return a;
  }

  private address(a: ActorName): string {
    return this.signers[a].address;
  }

  /** The `who`-th trader (in ACTORS order) holding a pack that `suits`; the manufacturer if none does. */
  private resolveCaller(c: Caller, whoPick: number, suits: (lot: number, i: number) => boolean): ActorName {
    if (c !== "aHolder") return c;
    const holders = TRADERS.filter((a) =>
      this.model.lots.some((l, lot) => l.packs.some((p, i) => p.holder === this.address(a) && suits(lot, i))),
    );
    return holders.length === 0 ? "manufacturer" : holders[whoPick % holders.length];
  }

  private resolveRange(p: RangePick, suits: (lot: number, i: number) => boolean, clip: boolean): RangeArg & { hint: number } {
    let lot = p.lot;
    let start = p.pick % UNITS;
    if (p.filtered) {
      const candidates = (l: number): number[] => Array.from({ length: UNITS }, (_, i) => i).filter((i) => suits(l, i));
      let list = candidates(lot);
      if (list.length === 0) {
        lot = 1 - lot;
        list = candidates(lot);
      }
      if (list.length === 0) lot = p.lot;
      else start = list[p.pick % list.length];
    }
    const run = this.runs[lot][start];
    let end = Math.min(UNITS, start + p.len);
    if (clip || p.clipped) end = Math.min(end, run.end);
    return { lot, start, end, hint: run.start, inOneRun: end <= run.end };
  }

  /** Several ranges: clipped to runs, and from the highest start down so that earlier ones leave the hints valid. */
  private resolveRanges(picks: RangePick[], suits: (lot: number, i: number) => boolean): (RangeArg & { hint: number })[] {
    return picks.map((p) => this.resolveRange(p, suits, true)).sort((a, b) => a.lot - b.lot || b.start - a.start);
  }

  private chainRange(r: RangeArg & { hint: number }): { lotId: string; start: number; end: number; hint: number } {
    return range(this.w.lots2[r.lot].lotId, r.start, r.end, r.hint);
  }

  private show(r: PackSpan & { hint?: number }): string {
    return `${LOT_NAMES[r.lot]}[${r.start},${r.end})${r.hint !== undefined && r.hint !== r.start ? `@${r.hint}` : ""}`;
  }

  private held(a: ActorName, state: (s: PackState) => boolean): (lot: number, i: number) => boolean {
    return (lot, i) => {
      const p = this.model.pack(lot, i);
      return p.holder === this.address(a) && state(p.state);
    };
  }

  async step(o: Op): Promise<void> {
    const { w, model } = this;
    const custody = w.custody;
    this.runs = await runMaps(w);
    const latest = await time.latest();
    if (o.kind === "wait") {
      if (o.seconds > 0) await time.increaseTo(latest + o.seconds);
      this.trace.push(`wait ${o.seconds}s (${(o.seconds / Number(DAY)).toFixed(2)} days)`);
      return;
    }
    const now = BigInt(latest + 1);
    await time.setNextBlockTimestamp(now);
    const as = (a: ActorName) => custody.connect(this.signers[a]);
    const active = (s: PackState): boolean => s === PackState.Active;

    let expected: Outcome;
    let send: () => Promise<ContractTransactionResponse>;
    let what: string;
    let errorsOf: typeof custody | typeof w.lots = custody;

    switch (o.kind) {
      case "ship": {
        const seller = this.resolveCaller(o.seller, o.who, (lot, i) => active(model.pack(lot, i).state));
        const ranges = this.resolveRanges(o.ranges, this.held(seller, active));
        const partners = TRADERS.filter((a) => a !== seller);
        const buyer = typeof o.buyer === "string" ? o.buyer : partners[o.buyer.otherTrader % partners.length];
        const transporter = o.viaTransporter ? this.address("transporter") : null;
        expected = model.ship(this.address(seller), this.address(buyer), transporter, ranges, now);
        send = () =>
          as(seller).ship(this.address(buyer), transporter ?? ethers.ZeroAddress, NOTICE, ranges.map((r) => this.chainRange(r)), TX);
        what = `${seller} ships ${ranges.map((r) => this.show(r)).join(" ")} to ${buyer}${transporter ? " via transporter" : ""}`;
        break;
      }
      case "pickUp":
      case "handOver": {
        const withTransporter = model.shipments.filter((s) => s.transporter !== null);
        const pool = withTransporter.length > 0 ? withTransporter : model.shipments;
        const id = pool.length > 0 ? pool[o.shipment % pool.length].id : model.shipments.length + 1;
        const by: ActorName = o.byTransporter ? "transporter" : o.other;
        expected = o.kind === "pickUp" ? model.pickUp(id, this.address(by)) : model.handOver(id, this.address(by));
        send = () => (o.kind === "pickUp" ? as(by).pickUp(id, 0, TX) : as(by).handOver(id, 0, TX));
        what = `${by} ${o.kind === "pickUp" ? "picks up" : "hands over"} shipment ${id}`;
        break;
      }
      case "receive":
      case "reject":
      case "cancel": {
        const open = model.shipments.filter((s) => isOpen(s.status));
        const pool = o.openOnly && open.length > 0 ? open : model.shipments;
        const s = pool.length > 0 ? pool[o.shipment % pool.length] : undefined;
        const id = s?.id ?? model.shipments.length + 1;
        const party = s === undefined ? undefined : o.kind === "cancel" ? s.seller : s.buyer;
        const by: ActorName = o.byParty && party !== undefined ? this.actorAt(party) : o.other;
        if (o.kind === "cancel") {
          const others = model.shipments.filter((x) => x.id !== id);
          const of = o.foreignWitness && others.length > 0 ? others[o.witness % others.length] : s;
          const witness: PackSpan = of ? of.ranges[o.witness % of.ranges.length] : { lot: 0, start: 0, end: 1 };
          const witnessOf = of?.id ?? id;
          expected = model.cancel(id, this.address(by), witness, witnessOf);
          send = () => as(by).cancelShipment(id, this.chainRange({ ...witness, hint: witness.start, inOneRun: true }), TX);
          what = `${by} cancels shipment ${id} (witness ${this.show(witness)} of shipment ${witnessOf})`;
        } else if (o.kind === "receive") {
          expected = model.receive(id, this.address(by));
          send = () => as(by).receiveShipment(id, TX);
          what = `${by} receives shipment ${id}`;
        } else {
          expected = model.reject(id, this.address(by));
          send = () => as(by).rejectShipment(id, bytes32("reason"), TX);
          what = `${by} rejects shipment ${id}`;
        }
        break;
      }
      case "decommission": {
        const by = this.resolveCaller(o.caller, o.who, (lot, i) => active(model.pack(lot, i).state));
        const r = this.resolveRange({ ...o.pack, len: 1 }, this.held(by, active), true);
        const lot = w.lots2[r.lot];
        const serial = lot.manifest.serials[o.serialMatches ? r.start : (r.start + 1) % UNITS];
        const proof = packProof(lot.manifest, lot.lotId, serial, r.hint);
        const pack = { ...proof, index: r.start };
        expected = model.decommission(this.address(by), r.lot, r.start, o.state, o.serialMatches, now);
        send = () => as(by).decommission(pack, o.state, TX);
        what = `${by} decommissions pack ${LOT_NAMES[r.lot]}${r.start}@${r.hint} as ${PackState[o.state]}${o.serialMatches ? "" : " (wrong serial)"}`;
        break;
      }
      case "decommissionRange": {
        const by = this.resolveCaller(o.caller, o.who, (lot, i) => active(model.pack(lot, i).state));
        const r = this.resolveRange(o.range, this.held(by, active), false);
        expected = model.decommissionRange(this.address(by), r, o.state, now);
        send = () => as(by).decommissionRange(this.chainRange(r), o.state, TX);
        what = `${by} decommissions ${this.show(r)} as ${PackState[o.state]}`;
        break;
      }
      case "undo": {
        const by = this.resolveCaller(o.caller, o.who, (lot, i) => isDecommissioned(model.pack(lot, i).state));
        const r = this.resolveRange(o.range, this.held(by, isDecommissioned), false);
        expected = model.undo(this.address(by), r, now);
        send = () => as(by).undoDecommission(this.chainRange(r), TX);
        const first = model.pack(r.lot, r.start);
        what = `${by} undoes ${this.show(r)} (${PackState[first.state]}${isDecommissioned(first.state) ? ` ${Number(now - first.decommissionedAt)}s ago` : ""})`;
        break;
      }
      case "quarantine": {
        const ranges = this.resolveRanges(o.ranges, (lot, i) => active(model.pack(lot, i).state));
        expected = model.quarantine(this.address(o.caller), ranges);
        send = () => as(o.caller).quarantine(ranges.map((r) => this.chainRange(r)), bytes32("evidence"), TX);
        what = `${o.caller} quarantines ${ranges.map((r) => this.show(r)).join(" ")}`;
        break;
      }
      case "clear":
      case "confirm": {
        const ranges = this.resolveRanges(o.ranges, (lot, i) => model.pack(lot, i).state === PackState.Suspect);
        const args = ranges.map((r) => this.chainRange(r));
        if (o.kind === "clear") {
          expected = model.clearSuspect(this.address(o.caller), ranges);
          send = () => as(o.caller).clearSuspect(args, bytes32("cleared"), TX);
        } else {
          expected = model.confirmIllegitimate(this.address(o.caller), ranges);
          send = () => as(o.caller).confirmIllegitimate(args, bytes32("illegitimate"), TX);
        }
        what = `${o.caller} ${o.kind === "clear" ? "clears" : "confirms illegitimate"} ${ranges.map((r) => this.show(r)).join(" ")}`;
        break;
      }
      case "recall": {
        expected = model.recall(this.address(o.caller), o.lot);
        send = () => w.lots.connect(this.signers[o.caller]).recallLot(w.lots2[o.lot].lotId, bytes32("recall"), TX);
        what = `${o.caller} recalls lot ${LOT_NAMES[o.lot]}`;
        errorsOf = w.lots;
        break;
      }
    }

    STATS.set(`${o.kind} ${expected.ok ? "ok" : expected.error ?? "revert"}`, (STATS.get(`${o.kind} ${expected.ok ? "ok" : expected.error ?? "revert"}`) ?? 0) + 1);
    this.trace.push(`${what} → model: ${expected.ok ? "ok" : `reverts${expected.error ? ` ${expected.error}` : ""}`}`);
    if (expected.ok) await expect(send()).not.to.be.reverted;
    else if (expected.error) await expect(send()).to.be.revertedWithCustomError(errorsOf, expected.error);
    else await expect(send()).to.be.reverted;
  }
}

// ------------------------------------------------------------------ the property

describe("PackCustody (property)", function () {
  it("keeps every pack with exactly one holder and one state, equal to the model's, through random operations", async function () {
    const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
    let steps = 0;
    await fc.assert(
      fc.asyncProperty(fc.noBias(fc.array(op, { minLength: 1, maxLength: MAX_STEPS, size: "max" })), async (ops) => {
        const w = await loadFixture(propertyFixture);
        const signers: Record<ActorName, HardhatEthersSigner> = {
          manufacturer: w.manufacturer,
          manufacturer2: w.manufacturer2,
          distributor: w.distributor,
          distributor2: w.distributor2,
          dispenser: w.dispenser,
          dispenser2: w.dispenser2,
          regulator: w.regulator,
          transporter: w.transporter,
          outsider: w.outsider,
        };
        const roles = new Map<string, Role>();
        for (const a of ACTORS) if (ROLES[a] !== Role.None) roles.set(signers[a].address, ROLES[a]);
        const model = new CustodyModel(
          roles,
          w.lots2.map((l) => ({ lotId: l.lotId, manufacturer: w.manufacturer.address, expiresAt: l.expiresAt, unitCount: UNITS })),
        );
        const runner = new Runner(w, model, signers);
        for (const o of ops) {
          try {
            await runner.step(o);
            await expectChainEqualsModel(w, model);
          } catch (e) {
            const message = e instanceof Error ? e.message : String(e);
            throw new Error(`${message}\n  steps:\n${runner.trace.map((t, k) => `    ${k + 1}. ${t}`).join("\n")}`);
          }
          steps++;
        }
      }),
      { numRuns: NUM_RUNS, seed, path: process.env.FC_PATH },
    );
    console.log([...STATS.entries()].sort().map(([k, v]) => `${k}: ${v}`).join("\n"));
    console.log(`      ${NUM_RUNS} runs, ${steps} steps`);
  });
});
