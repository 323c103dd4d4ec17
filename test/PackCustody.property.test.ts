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
  ShipmentStatus,
  World,
  bytes32,
  commission,
  packProof,
  range,
  serialsFor,
  worldFixture,
} from "./helpers/fixture";
import {
  CustodyModel,
  ModelShipment,
  Outcome,
  PackSpan,
  RangeArg,
  isDecommissioned,
  isOpen,
} from "./helpers/custodyModel";

const UNITS = 12;
const LOT_NAMES = ["A", "B"] as const;
/** Lot B expires within reach of a run, so that expiry is exercised too. */
const LOT_B_EXPIRES_IN = 20n * DAY;
/** An explicit gas limit: no estimate, so a reverting call is mined at the timestamp the model used. */
const TX = { gasLimit: 3_000_000 };
const NOTICE = bytes32("property notice");
/** The witness shown to cancel a shipment that does not exist. */
const NO_WITNESS = { lot: 0, start: 0, end: 1 } as const;
const NUM_RUNS = Number(process.env.FC_RUNS ?? 20);
const MAX_STEPS = 25;

// ------------------------------------------------------------------ the world

interface PropertyLot {
  lotId: string;
  manifest: Manifest;
  expiresAt: bigint;
}

interface PropertyWorld extends World {
  packLots: PropertyLot[];
}

async function propertyFixture(): Promise<PropertyWorld> {
  const w = await worldFixture();
  const packLots: PropertyLot[] = [];
  for (const name of LOT_NAMES) {
    const manifest = Manifest.fromSerials(serialsFor(`PROP-${name}-`, UNITS));
    const { lotId, att } = await commission(w, manifest, {
      lotNumber: `PROP-${name}`,
      expiresIn: name === "B" ? LOT_B_EXPIRES_IN : undefined,
    });
    packLots.push({ lotId, manifest, expiresAt: att.expiresAt });
  }
  return { ...w, packLots };
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
/** What the buyer or the seller does next with a shipment just made. */
type FollowUp = "receive" | "reject" | "cancel";
type ShipmentAction = "pickUp" | "handOver" | FollowUp | "void";

type Op =
  | {
      kind: "ship";
      seller: Caller;
      who: number;
      buyer: Buyer;
      viaTransporter: boolean;
      ranges: RangePick[];
      then: FollowUp | null;
    }
  | { kind: "pickUp" | "handOver"; shipment: number; byTransporter: boolean; other: ActorName }
  | {
      kind: "receive" | "reject" | "cancel" | "void";
      shipment: number;
      openOnly: boolean;
      byParty: boolean;
      other: ActorName;
      foreignWitness: boolean;
      witness: number;
    }
  | {
      kind: "decommission";
      caller: Caller;
      who: number;
      pack: RangePick;
      state: PackState;
      serialMatches: boolean;
      undoAfter: number | null;
    }
  | {
      kind: "decommissionRange";
      caller: Caller;
      who: number;
      range: RangePick;
      state: PackState;
      undoAfter: number | null;
    }
  | { kind: "undo"; caller: Caller; who: number; range: RangePick }
  | { kind: "quarantine"; caller: ActorName; ranges: RangePick[] }
  | { kind: "clear" | "confirm"; caller: ActorName; ranges: RangePick[] }
  | { kind: "recall" | "voidLot"; caller: ActorName; lot: number }
  | { kind: "wait"; seconds: number };

/**
 * What the runner does: the operations, where a decommission with `undoAfter` seconds is followed by a wait of that
 * long and an undo of the same packs by the same party (`undoLast`), so that undos often meet their window's end, and
 * a shipment with `then` by its receipt (picked up first when it goes through the transporter), rejection or
 * cancellation (`followUp`), so that packs travel down the chain.
 */
type Step = Op | { kind: "undoLast" } | { kind: "followUp"; action: ShipmentAction };

function expand(o: Op): Step[] {
  if ((o.kind === "decommission" || o.kind === "decommissionRange") && o.undoAfter !== null) {
    return [o, { kind: "wait", seconds: o.undoAfter }, { kind: "undoLast" }];
  }
  if (o.kind === "ship" && o.then !== null) {
    const pickUp: Step[] = o.viaTransporter && o.then === "receive" ? [{ kind: "followUp", action: "pickUp" }] : [];
    return [o, ...pickUp, { kind: "followUp", action: o.then }];
  }
  return [o];
}

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
/** Undo: mostly one pack, as most decommissions are. */
const undoPick: fc.Arbitrary<RangePick> = fc.record({
  lot: fc.nat({ max: 1 }),
  pick: fc.nat({ max: 23 }),
  len: weighted(fc.constant(1), fc.integer({ min: 1, max: UNITS }), 3),
  filtered: mostly(),
  clipped: mostly(7),
});

/** Decommission states mostly; now and then a state that is not one. */
const decommissionState: fc.Arbitrary<PackState> = weighted(
  fc.integer({ min: PackState.Dispensed, max: PackState.Locked }),
  fc.integer({ min: PackState.Active, max: PackState.Illegitimate }),
  8,
);

const UNDO_SECONDS = Number(10n * DAY);
const waitSeconds: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 0, max: 12 * Number(DAY) }),
  fc.integer({ min: 0, max: 2 * Number(DAY) }),
  // The undo window ends 10 days after the decommission; each transaction takes one second.
  fc.constantFrom(UNDO_SECONDS - 2, UNDO_SECONDS - 1, UNDO_SECONDS),
);
const undoAfter: fc.Arbitrary<number | null> = weighted(fc.constant(null), waitSeconds, 2);

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant("ship" as const),
      seller: weighted(fc.constant<Caller>("aHolder"), caller, 2),
      who,
      buyer: fc.oneof(
        { weight: 4, arbitrary: fc.record({ otherTrader: fc.nat({ max: 3 }) }) },
        { weight: 1, arbitrary: aTrader },
        { weight: 1, arbitrary: anyone },
      ),
      viaTransporter: weighted(fc.constant(false), fc.constant(true), 3),
      ranges: rangePicks,
      then: fc.oneof(
        { weight: 3, arbitrary: fc.constant<FollowUp | null>("receive") },
        { weight: 3, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constant<FollowUp | null>("reject") },
        { weight: 1, arbitrary: fc.constant<FollowUp | null>("cancel") },
      ),
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
    weight: 8,
    arbitrary: fc.record({
      kind: fc.oneof(
        { weight: 3, arbitrary: fc.constant("receive" as const) },
        { weight: 1, arbitrary: fc.constant("reject" as const) },
        { weight: 1, arbitrary: fc.constant("cancel" as const) },
        { weight: 1, arbitrary: fc.constant("void" as const) },
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
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("decommission" as const),
      caller,
      who,
      pack: rangePick,
      state: decommissionState,
      serialMatches: mostly(10),
      undoAfter,
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("decommissionRange" as const),
      caller,
      who,
      range: rangePick,
      state: decommissionState,
      undoAfter,
    }),
  },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant("undo" as const), caller, who, range: undoPick }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("quarantine" as const),
      caller: weighted(aTrader, anyone, 2),
      ranges: rangePicks,
    }),
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
      kind: weighted(fc.constant("recall" as const), fc.constant("voidLot" as const), 4),
      caller: weighted(fc.constantFrom<ActorName>("manufacturer", "regulator"), anyone, 3),
      lot: fc.nat({ max: 1 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant("wait" as const), seconds: waitSeconds }),
  },
);

// ------------------------------------------------------------------ the chain side

interface Run {
  start: number;
  end: number;
}

/** For each lot, for each pack, the run holding it, as the chain reports it now. */
type RunMap = Run[][];

/**
 * Every pack's status, the runs and the shipments on chain equal the model's; the runs partition each lot.
 * Returns the runs, for the next operation's hints.
 */
async function expectChainEqualsModel(
  w: PropertyWorld,
  model: CustodyModel,
  label: (address: string) => string,
): Promise<RunMap> {
  const statuses = Promise.all(
    w.packLots.map((l) => Promise.all(Array.from({ length: UNITS }, (_, i) => w.custody.packStatus(l.lotId, i)))),
  );
  const pages = Promise.all(w.packLots.map((l) => w.custody.runs(l.lotId, 0, UNITS + 1)));
  const shipments = Promise.all(model.shipments.map((s) => w.custody.shipment(s.id)));
  const [all, runPages, chainShipments, count] = await Promise.all([
    statuses,
    pages,
    shipments,
    w.custody.shipmentCount(),
  ]);

  const runMap: RunMap = [];
  for (let lot = 0; lot < w.packLots.length; lot++) {
    const name = LOT_NAMES[lot];
    const byPack: Run[] = new Array<Run>(UNITS);
    runMap.push(byPack);
    const chainCensus = new Map<string, number>();
    all[lot].forEach((s, i) => {
      const m = model.pack(lot, i);
      const where = `pack ${name}${i}`;
      expect(Number(s.state), `${where} state`).to.equal(m.state);
      expect(label(s.holder), `${where} holder`).to.equal(label(m.holder));
      expect(Number(s.shipmentId), `${where} shipmentId`).to.equal(m.state === PackState.InTransit ? m.shipmentId : 0);
      expect(s.decommissionedAt, `${where} decommissionedAt`).to.equal(
        isDecommissioned(m.state) ? m.decommissionedAt : 0n,
      );
      const key = `${label(s.holder)}/${PackState[Number(s.state)]}`;
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
        expect(label(r.holder), `run [${start}, ${end}) of lot ${name}: holder of pack ${i}`).to.equal(label(m.holder));
        const key = `${label(r.holder)}/${PackState[state]}`;
        runCensus.set(key, (runCensus.get(key) ?? 0) + 1);
        byPack[i] = { start, end };
      }
      at = end;
    }
    expect(at, `lot ${name}: the runs cover the lot`).to.equal(UNITS);
    const sum = (c: Map<string, number>): number => [...c.values()].reduce((a, b) => a + b, 0);
    expect(sum(runCensus), `lot ${name}: packs summed over (holder, state) in runs`).to.equal(UNITS);
    expect(sum(chainCensus), `lot ${name}: packs summed over (holder, state)`).to.equal(UNITS);
    const modelCensus = model.census(lot, (p) => `${label(p.holder)}/${PackState[p.state]}`);
    expect(Object.fromEntries(chainCensus), `lot ${name}: census`).to.deep.equal(Object.fromEntries(modelCensus));
    expect(Object.fromEntries(runCensus), `lot ${name}: census from runs`).to.deep.equal(
      Object.fromEntries(modelCensus),
    );
  }

  expect(Number(count), "shipmentCount").to.equal(model.shipments.length);
  model.shipments.forEach((s, k) => {
    const [c, transporter] = chainShipments[k];
    expect(Number(c.status), `shipment ${s.id} status`).to.equal(s.status);
    expect(label(c.buyer), `shipment ${s.id} buyer`).to.equal(label(s.buyer));
    expect(c.viaTransporter, `shipment ${s.id} viaTransporter`).to.equal(s.transporter !== null);
    expect(transporter, `shipment ${s.id} transporter`).to.equal(s.transporter ?? ethers.ZeroAddress);
    expect(Number(c.packCount), `shipment ${s.id} packCount`).to.equal(s.packCount);
  });
  return runMap;
}

// ------------------------------------------------------------------ one run

/** The items that pass the first test that some item passes; all of them if none does. */
function preferred<T>(items: readonly T[], ...tests: ((item: T) => boolean)[]): readonly T[] {
  for (const test of tests) {
    const passing = items.filter(test);
    if (passing.length > 0) return passing;
  }
  return items;
}

class Runner {
  readonly trace: string[] = [];
  constructor(
    private readonly w: PropertyWorld,
    private readonly model: CustodyModel,
    private readonly signers: Record<ActorName, HardhatEthersSigner>,
    /** The chain's runs before the step: set from each check. */
    public runs: RunMap,
    /** How many operations of each kind succeeded, over all runs. */
    private readonly succeeded: Map<string, number>,
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

  private resolveRange(
    p: RangePick,
    suits: (lot: number, i: number) => boolean,
    clip: boolean,
  ): RangeArg & { hint: number } {
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
  private resolveRanges(
    picks: RangePick[],
    suits: (lot: number, i: number) => boolean,
  ): (RangeArg & { hint: number })[] {
    return picks.map((p) => this.resolveRange(p, suits, true)).sort((a, b) => a.lot - b.lot || b.start - a.start);
  }

  private chainRange(r: RangeArg & { hint: number }): { lotId: string; start: number; end: number; hint: number } {
    return range(this.w.packLots[r.lot].lotId, r.start, r.end, r.hint);
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

  /** The last decommission tried, for `undoLast`. */
  private last: { by: ActorName; span: PackSpan } | undefined;
  /** The shipment the last `ship` made, if it succeeded, for `followUp`. */
  private lastShipment: number | undefined;

  /** `by` acts on shipment `id`; a cancellation shows `witness`, a range of shipment `witnessOf`. */
  private shipmentCall(
    action: ShipmentAction,
    id: number,
    by: ActorName,
    witness: PackSpan,
    witnessOf: number,
  ): { expected: Outcome; send: () => Promise<ContractTransactionResponse>; what: string } {
    const c = this.w.custody.connect(this.signers[by]);
    const at = this.address(by);
    switch (action) {
      case "pickUp":
        return {
          expected: this.model.pickUp(id, at),
          send: () => c.pickUp(id, 0, TX),
          what: `${by} picks up shipment ${id}`,
        };
      case "handOver":
        return {
          expected: this.model.handOver(id, at),
          send: () => c.handOver(id, 0, TX),
          what: `${by} hands over shipment ${id}`,
        };
      case "receive":
        return {
          expected: this.model.receive(id, at),
          send: () => c.receiveShipment(id, TX),
          what: `${by} receives shipment ${id}`,
        };
      case "reject":
        return {
          expected: this.model.reject(id, at),
          send: () => c.rejectShipment(id, bytes32("reason"), TX),
          what: `${by} rejects shipment ${id}`,
        };
      case "void":
        return {
          expected: this.model.voidShipment(id, at),
          send: () => c.voidShipment(id, bytes32("void"), TX),
          what: `${by} voids shipment ${id}`,
        };
      case "cancel":
        return {
          expected: this.model.cancel(id, at, witness, witnessOf),
          send: () => c.cancelShipment(id, this.chainRange({ ...witness, hint: witness.start, inOneRun: true }), TX),
          what: `${by} cancels shipment ${id} (witness ${this.show(witness)} of shipment ${witnessOf})`,
        };
    }
  }

  async step(o: Step): Promise<void> {
    const { w, model } = this;
    const custody = w.custody;
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
    /** A decommission state that may be undone (in time); unfiltered picks try the others. */
    const undoable = (s: PackState): boolean =>
      isDecommissioned(s) && s !== PackState.Destroyed && s !== PackState.Stolen;

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
        this.lastShipment = expected.ok ? model.shipments.length : undefined;
        send = () =>
          as(seller).ship(
            this.address(buyer),
            transporter ?? ethers.ZeroAddress,
            NOTICE,
            ranges.map((r) => this.chainRange(r)),
            TX,
          );
        what = `${seller} ships ${ranges.map((r) => this.show(r)).join(" ")} to ${buyer}${transporter ? " via transporter" : ""}`;
        break;
      }
      case "pickUp":
      case "handOver": {
        const needed = o.kind === "pickUp" ? ShipmentStatus.Created : ShipmentStatus.PickedUp;
        const pool = preferred(
          model.shipments,
          (s) => s.transporter !== null && s.status === needed,
          (s) => s.transporter !== null,
        );
        const id = pool.length > 0 ? pool[o.shipment % pool.length].id : model.shipments.length + 1;
        const by: ActorName = o.byTransporter ? "transporter" : o.other;
        ({ expected, send, what } = this.shipmentCall(o.kind, id, by, NO_WITNESS, id));
        break;
      }
      case "receive":
      case "reject":
      case "cancel":
      case "void": {
        const ready = (x: ModelShipment): boolean =>
          o.kind === "cancel"
            ? x.status === ShipmentStatus.Created
            : o.kind === "reject" || o.kind === "void"
              ? isOpen(x.status)
              : x.transporter === null
                ? x.status === ShipmentStatus.Created
                : x.status === ShipmentStatus.PickedUp || x.status === ShipmentStatus.HandedOver;
        const pool = o.openOnly ? preferred(model.shipments, ready, (x) => isOpen(x.status)) : model.shipments;
        const s = pool.length > 0 ? pool[o.shipment % pool.length] : undefined;
        const id = s?.id ?? model.shipments.length + 1;
        const party =
          s === undefined
            ? undefined
            : o.kind === "void"
              ? this.address("regulator")
              : o.kind === "cancel"
                ? s.seller
                : s.buyer;
        const by: ActorName = o.byParty && party !== undefined ? this.actorAt(party) : o.other;
        const others = model.shipments.filter((x) => x.id !== id);
        const of = o.foreignWitness && others.length > 0 ? others[o.witness % others.length] : s;
        const witness: PackSpan = of ? of.ranges[o.witness % of.ranges.length] : NO_WITNESS;
        ({ expected, send, what } = this.shipmentCall(o.kind, id, by, witness, of?.id ?? id));
        break;
      }
      case "followUp": {
        const s = this.lastShipment === undefined ? undefined : model.shipment(this.lastShipment);
        if (s === undefined) {
          this.trace.push(`(no shipment was made to ${o.action})`);
          return;
        }
        const party =
          o.action === "pickUp"
            ? (s.transporter ?? this.address("transporter"))
            : o.action === "cancel"
              ? s.seller
              : s.buyer;
        ({ expected, send, what } = this.shipmentCall(o.action, s.id, this.actorAt(party), s.ranges[0], s.id));
        break;
      }
      case "decommission": {
        const by = this.resolveCaller(o.caller, o.who, (lot, i) => active(model.pack(lot, i).state));
        const r = this.resolveRange({ ...o.pack, len: 1 }, this.held(by, active), true);
        const lot = w.packLots[r.lot];
        const serial = lot.manifest.serials[o.serialMatches ? r.start : (r.start + 1) % UNITS];
        const proof = packProof(lot.manifest, lot.lotId, serial, r.hint);
        const pack = { ...proof, index: r.start };
        this.last = { by, span: r };
        expected = model.decommission(this.address(by), r.lot, r.start, o.state, o.serialMatches, now);
        send = () => as(by).decommission(pack, o.state, TX);
        what = `${by} decommissions pack ${LOT_NAMES[r.lot]}${r.start}@${r.hint} as ${PackState[o.state]}${o.serialMatches ? "" : " (wrong serial)"}`;
        break;
      }
      case "decommissionRange": {
        const by = this.resolveCaller(o.caller, o.who, (lot, i) => active(model.pack(lot, i).state));
        const r = this.resolveRange(o.range, this.held(by, active), false);
        this.last = { by, span: r };
        expected = model.decommissionRange(this.address(by), r, o.state, now);
        send = () => as(by).decommissionRange(this.chainRange(r), o.state, TX);
        what = `${by} decommissions ${this.show(r)} as ${PackState[o.state]}`;
        break;
      }
      case "undo":
      case "undoLast": {
        let by: ActorName;
        let r: RangeArg & { hint: number };
        if (o.kind === "undo") {
          by = this.resolveCaller(o.caller, o.who, (lot, i) => undoable(model.pack(lot, i).state));
          r = this.resolveRange(o.range, this.held(by, undoable), false);
        } else {
          if (this.last === undefined) throw new Error("undoLast follows a decommission");
          by = this.last.by;
          const { lot, start, end } = this.last.span;
          const run = this.runs[lot][start];
          r = { lot, start, end, hint: run.start, inOneRun: end <= run.end };
        }
        const first = model.pack(r.lot, r.start);
        what = `${by} undoes ${this.show(r)} (${PackState[first.state]}${isDecommissioned(first.state) ? ` ${Number(now - first.decommissionedAt)}s ago` : ""})`;
        expected = model.undo(this.address(by), r, now);
        send = () => as(by).undoDecommission(this.chainRange(r), TX);
        break;
      }
      case "quarantine": {
        const ranges = this.resolveRanges(o.ranges, (lot, i) => active(model.pack(lot, i).state));
        expected = model.quarantine(this.address(o.caller), ranges);
        send = () =>
          as(o.caller).quarantine(
            ranges.map((r) => this.chainRange(r)),
            bytes32("evidence"),
            TX,
          );
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
      case "recall":
      case "voidLot": {
        const lots = w.lots.connect(this.signers[o.caller]);
        const lotId = w.packLots[o.lot].lotId;
        if (o.kind === "recall") {
          expected = model.recall(this.address(o.caller), o.lot);
          send = () => lots.recallLot(lotId, bytes32("recall"), TX);
        } else {
          expected = model.voidLot(this.address(o.caller), o.lot);
          send = () => lots.voidLot(lotId, bytes32("void"), TX);
        }
        what = `${o.caller} ${o.kind === "recall" ? "recalls" : "voids"} lot ${LOT_NAMES[o.lot]}`;
        errorsOf = w.lots;
        break;
      }
    }

    if (expected.ok) this.succeeded.set(o.kind, (this.succeeded.get(o.kind) ?? 0) + 1);
    this.trace.push(`${what} → model: ${expected.ok ? "ok" : `reverts${expected.error ? ` ${expected.error}` : ""}`}`);
    if (expected.ok) {
      // As `not.to.be.reverted`, but saying how it reverted.
      const receipt = await send().then(
        (tx) => tx.wait(),
        (e: unknown) => {
          throw new Error(`expected to succeed, but: ${e instanceof Error ? e.message : String(e)}`);
        },
      );
      expect(receipt?.status, "receipt status").to.equal(1);
    } else if (expected.error) await expect(send()).to.be.revertedWithCustomError(errorsOf, expected.error);
    else await expect(send()).to.be.reverted;
  }
}

// ------------------------------------------------------------------ the property

describe("PackCustody (property)", function () {
  it("keeps every pack with exactly one holder and one state, equal to the model's, through random operations", async function () {
    // The world builds outside the property, so that a broken fixture fails here, not as a counterexample.
    await loadFixture(propertyFixture);
    const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
    let steps = 0;
    const succeeded = new Map<string, number>();
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
          w.packLots.map((l) => ({
            lotId: l.lotId,
            manufacturer: w.manufacturer.address,
            expiresAt: l.expiresAt,
            unitCount: UNITS,
          })),
        );
        const runner = new Runner(w, model, signers, [], succeeded);
        const label = (address: string): string => ACTORS.find((a) => signers[a].address === address) ?? address;
        runner.runs = await expectChainEqualsModel(w, model, label);
        for (const st of ops.flatMap(expand)) {
          try {
            await runner.step(st);
            runner.runs = await expectChainEqualsModel(w, model, label);
          } catch (e) {
            const message = e instanceof Error ? e.message : String(e);
            throw new Error(`${message}\n  steps:\n${runner.trace.map((t, k) => `    ${k + 1}. ${t}`).join("\n")}`);
          }
          steps++;
        }
      }),
      { numRuns: NUM_RUNS, seed, path: process.env.FC_PATH },
    );
    // Not vacuous: a good share of the operations went through; the others were refused as the model said.
    const total = [...succeeded.values()].reduce((a, b) => a + b, 0);
    console.log(
      `      ${NUM_RUNS} runs, ${steps} steps, ${total} succeeded: ${[...succeeded].map(([k, n]) => `${k} ${n}`).join(", ")}`,
    );
    if (steps >= 50) expect(total, "operations that succeeded").to.be.greaterThan(steps / 5);
  });
});
