/**
 * Property test of PackCustody against a plain model of its documented rules (test/helpers/custodyModel.ts).
 *
 * A world of two released lots of 24 packs. Each run first fragments the lots with small operations that mostly
 * succeed (shipments of a few packs, received, returned, rejected or cancelled; single-pack and small range
 * decommissions, some undone; small quarantines and clears), then sends random operations by random parties: ranges
 * held and not held, in a suitable state or not, of one run or spanning many (all the packs that suit from the last pack
 * of a run on), several per call (possibly overlapping, so that a later range meets an earlier one's effects), and
 * suspicion reports. Hints: the nearest (`findRun(lotId, start - 1)`, or of `start` for a read), 0, or any earlier run
 * start; for the later ranges of a lot in one call, the least of that and the earlier ranges' hints; now and then, for
 * the first range of a lot in a call, an invalid one (at or after the range's first pack, or not a run start). For each
 * operation the model decides whether it must succeed or revert, with which custom error and arguments (for the rules
 * about packs: the first offending pack in index order, and its holder, state or undo deadline); the test sends it and
 * checks the chain agrees, and, for undos and suspicion reports, that the events are the model's.
 *
 * After every step:
 * - every pack's state, holder, shipment and decommission time (`packStatus`) equal the model's, and its run start
 *   is the start of the run holding it in the runs view;
 * - the lot's runs (`runs(lotId, 0, n)`) partition it, give every pack the model's holder, state and aux, and a head
 *   only to an `Active` run of two packs at least; each lot's packs summed over (holder, state) are 24, as the model's;
 * - the library's invariant holds: no run continues the one before it (PackRuns.joins), nor does its head pack. The
 *   invariant is about runs as stored, while the view resolves a settled shipment's run (stored `InTransit`, held by
 *   the seller, `aux` the shipment) to its new holder, `Active`; two runs that read alike may then rightly stand side
 *   by side (one of them still stored under its shipment). So the stored records are rebuilt: the model tracks, per
 *   pack, the shipment the contract still stores it under (`ModelPack.storedShipment`: set by a shipment, kept when it
 *   settles, cleared by the next write of the pack, including a single-pack decommission of an earlier pack of its run,
 *   which stores the rest of that run settled). Every pack of a run must agree on it; a run whose packs are stored
 *   under shipment s is taken as (seller of s, `InTransit`, no head, aux s), any other run as the view shows it; and
 *   the invariant is checked on those records, exactly as the library states it. (The same tracking makes
 *   cancellation exact: its witness must still be stored under the shipment.)
 * - every shipment's status, buyer, transporter and pack count equal the model's.
 *
 * The test prints what it went through (operations accepted and refused, runs per lot, ranges accepted across runs,
 * refusals naming a pack inside a range, neighbouring runs that read alike but are stored apart), so that a change
 * that made it vacuous shows.
 *
 * Replay a failure with FC_SEED=<seed> FC_PATH=<path> (printed by fast-check); FC_RUNS sets the number of runs;
 * FC_TRACE=1 prints every run's steps.
 */
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import type { ContractTransactionReceipt, ContractTransactionResponse } from "ethers";
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
  Arg,
  CustodyModel,
  ExpectedEvent,
  ModelShipment,
  Outcome,
  PackArg,
  PackSpan,
  RangeArg,
  UNDO_WINDOW,
  isDecommissioned,
  isOpen,
  isUndoable,
  pathAllowed,
} from "./helpers/custodyModel";
import { hardhatOnly } from "./helpers/networks";

/** Why a test is skipped off Hardhat's network (see test/helpers/networks.ts). */
const MINED_REVERT =
  "checks the revert data of transactions mined with a fixed gas limit, which only Hardhat's network returns when they are sent; elsewhere a mined revert is a receipt with status 0 and no data";

const UNITS = 24;
const LOT_NAMES = ["A", "B"] as const;
/** Lot B expires within reach of a run, so that expiry is exercised too. */
const LOT_B_EXPIRES_IN = 20n * DAY;
/** An explicit gas limit: no estimate, so a reverting call is mined at the timestamp the model used. */
const TX = { gasLimit: 3_000_000 };
const NOTICE = bytes32("property notice");
const EVIDENCE = bytes32("evidence");
/** The witness shown to cancel a shipment that does not exist. */
const NO_WITNESS: PackSpan = { lot: 0, start: 0, end: 1 };
const NUM_RUNS = Number(process.env.FC_RUNS ?? 20);
/** Each run: up to PRELUDE_STEPS operations that fragment the lots, then up to MAX_STEPS random ones. */
const PRELUDE_STEPS = 16;
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
 * The hint of a range: the nearest valid one (`findRun`), 0, the `pick`-th valid run start (`far`), or the `pick`-th
 * invalid position (`invalid`: only for the first range of its lot in a call, whose runs are those read before it).
 */
type HintMode = "nearest" | "zero" | "far" | "invalid";
interface HintPick {
  mode: HintMode;
  pick: number;
}

/**
 * Where a range starts: at a pack that suits the operation (held by the caller, in the right state); at one that suits
 * next to a different pack (`edge`: so that changing it fragments the lot more, or makes neighbours of different
 * decommission times or shipments); at one next to a decommissioned pack of the same holder (`beside`: decommissioned
 * there, it makes neighbouring decommissions of different times, that one undo may span); at the last pack of a run
 * that suits, followed by one of another run that suits too (`across`: with `fit`, the range then spans runs); at a
 * pack in the right state whoever holds it (`state`); at one the caller does not hold, in a wrong state (`wrong`: the
 * order of the rules decides the error); or anywhere. `edge`, `beside` or `across` with no such pack falls back to
 * `suits`; a filter no pack of either lot passes, to anywhere.
 */
type Filter = "suits" | "edge" | "beside" | "across" | "state" | "wrong" | "any";
/** Now and then a range that is empty or runs past the lot. */
type Shape = "ok" | "empty" | "overrun";

/**
 * A range to resolve against the current state: it starts at the `pick`-th pack (of lot `lot` if it has one) that
 * passes `filter`, else at `pick % 24` of lot `lot`; it is `len` packs long, cut at the lot's end and, when `fit`, at
 * the first pack that does not pass the filter (with `suits`, `edge`, `beside` or `across`: so that it is accepted,
 * however many runs it spans).
 */
interface RangePick {
  lot: number;
  pick: number;
  len: number;
  filter: Filter;
  fit: boolean;
  shape: Shape;
  hint: HintPick;
  /** In a call of several ranges: whether this one may start on a pack an earlier one took (else it avoids them). */
  overlap: boolean;
}

/**
 * `aHolder`: the `who`-th party that has packs the operation suits; `aSpanner`: the `who`-th that has two such packs
 * side by side in different runs (else as `aHolder`), so that a range may span runs.
 */
type Caller = ActorName | "aHolder" | "aSpanner";
/** `{ otherTrader }`: the `otherTrader`-th trader but the seller; `{ allowed }`: the `allowed`-th the seller may ship to. */
type Buyer = ActorName | { otherTrader: number } | { allowed: number };
/** What the buyer or the seller does next with a shipment just made. */
type Settle = "receive" | "reject" | "cancel";
/** `return`: the buyer receives it, ships the same packs back to the seller, who receives them. */
type FollowUp = Settle | "return";
type ShipmentAction = "pickUp" | "handOver" | Settle | "void";

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
      witnessHint: HintPick;
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
  | { kind: "quarantine"; caller: Caller; who: number; ranges: RangePick[] }
  | { kind: "clear" | "confirm"; caller: ActorName; ranges: RangePick[] }
  | { kind: "report"; caller: ActorName; ranges: RangePick[] }
  | { kind: "recall" | "voidLot"; caller: ActorName; lot: number }
  | { kind: "wait"; seconds: number };

/**
 * What the runner does: the operations, where a decommission with `undoAfter` seconds is followed by a wait of that
 * long and an undo of the same packs by the same party (`undoLast`), so that undos often meet their window's end, and
 * a shipment with `then` by its receipt (picked up first when it goes through the transporter), rejection or
 * cancellation, or its receipt and return (`followUp`; `shipBack` ships the last shipment's packs back to its seller),
 * so that packs travel down the chain and back, and settled shipments' runs lie next to their holder's other packs.
 */
type Step = Op | { kind: "undoLast" } | { kind: "followUp"; action: ShipmentAction | "shipBack" };

function expand(o: Op): Step[] {
  if ((o.kind === "decommission" || o.kind === "decommissionRange") && o.undoAfter !== null) {
    return [o, { kind: "wait", seconds: o.undoAfter }, { kind: "undoLast" }];
  }
  if (o.kind === "ship" && o.then !== null) {
    const received = o.then === "receive" || o.then === "return";
    const pickUp: Step[] = o.viaTransporter && received ? [{ kind: "followUp", action: "pickUp" }] : [];
    const then: Step[] =
      o.then === "return"
        ? [
            { kind: "followUp", action: "receive" },
            { kind: "followUp", action: "shipBack" },
            { kind: "followUp", action: "receive" },
          ]
        : [{ kind: "followUp", action: o.then }];
    return [o, ...pickUp, ...then];
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
  { weight: 3, arbitrary: fc.constant<Caller>("aHolder") },
  { weight: 3, arbitrary: fc.constant<Caller>("aSpanner") },
  { weight: 2, arbitrary: aTrader },
  { weight: 1, arbitrary: anyone },
);
const who = fc.nat({ max: 9 });

function hintPickOf(invalid: number): fc.Arbitrary<HintPick> {
  return fc.record({
    mode: fc.oneof(
      { weight: 12, arbitrary: fc.constant<HintMode>("nearest") },
      { weight: 3, arbitrary: fc.constant<HintMode>("zero") },
      { weight: 3, arbitrary: fc.constant<HintMode>("far") },
      { weight: invalid, arbitrary: fc.constant<HintMode>("invalid") },
    ),
    pick: fc.nat({ max: 63 }),
  });
}
const hintPick = hintPickOf(1);

function rangePickOf(len: fc.Arbitrary<number>, fit: fc.Arbitrary<boolean>): fc.Arbitrary<RangePick> {
  return fc.record({
    lot: fc.nat({ max: LOT_NAMES.length - 1 }),
    pick: fc.nat({ max: 63 }),
    len,
    filter: fc.oneof(
      { weight: 4, arbitrary: fc.constant<Filter>("suits") },
      { weight: 2, arbitrary: fc.constant<Filter>("edge") },
      { weight: 1, arbitrary: fc.constant<Filter>("beside") },
      { weight: 4, arbitrary: fc.constant<Filter>("across") },
      { weight: 2, arbitrary: fc.constant<Filter>("state") },
      { weight: 1, arbitrary: fc.constant<Filter>("wrong") },
      { weight: 1, arbitrary: fc.constant<Filter>("any") },
    ),
    fit,
    shape: weighted(fc.constant<Shape>("ok"), fc.constantFrom<Shape>("empty", "overrun"), 30),
    hint: hintPick,
    overlap: weighted(fc.constant(false), fc.constant(true), 3),
  });
}

/**
 * Over a fragmented lot: all the packs that suit from a start on (as many runs as they span), a few packs, or a
 * random stretch (held or not, in the right state or not).
 */
const rangePick: fc.Arbitrary<RangePick> = fc.oneof(
  { weight: 4, arbitrary: rangePickOf(fc.constant(UNITS), fc.constant(true)) },
  { weight: 3, arbitrary: rangePickOf(fc.integer({ min: 1, max: 3 }), fc.boolean()) },
  { weight: 3, arbitrary: rangePickOf(fc.integer({ min: 2, max: UNITS }), fc.constant(false)) },
);
const rangePicks = weighted(
  fc.array(rangePick, { minLength: 1, maxLength: 1 }),
  fc.array(rangePick, { minLength: 2, maxLength: 3 }),
  2,
);
/** Undo: one pack, as most decommissions are, or any of the above. */
const undoPick = weighted(rangePick, rangePickOf(fc.constant(1), fc.constant(false)), 2);

/** The prelude's ranges: a few packs that suit, with a valid hint, so that they are mostly accepted. */
const smallPick: fc.Arbitrary<RangePick> = fc.record({
  lot: fc.nat({ max: LOT_NAMES.length - 1 }),
  pick: fc.nat({ max: 63 }),
  len: fc.integer({ min: 1, max: 4 }),
  filter: fc.constantFrom<Filter>("suits", "edge"),
  fit: fc.constant(true),
  shape: fc.constant<Shape>("ok"),
  hint: hintPickOf(0),
  overlap: fc.constant(false),
});
const smallPicks = fc.array(smallPick, { minLength: 1, maxLength: 2 });
/** The prelude's decommissions: mostly next to other decommissions. */
const besidePick: fc.Arbitrary<RangePick> = smallPick.chain((p) =>
  fc.constantFrom<Filter>("beside", "beside", "edge", "suits").map((filter) => ({ ...p, filter })),
);

/** Decommission states mostly; now and then a state that is not one. */
const decommissionState: fc.Arbitrary<PackState> = weighted(
  fc.integer({ min: PackState.Dispensed, max: PackState.Locked }),
  fc.integer({ min: PackState.Active, max: PackState.Illegitimate }),
  8,
);

const UNDO_SECONDS = Number(UNDO_WINDOW);
const waitSeconds: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 0, max: 12 * Number(DAY) }),
  fc.integer({ min: 0, max: 2 * Number(DAY) }),
  // The undo window ends 10 days after the decommission; each transaction takes one second.
  fc.constantFrom(UNDO_SECONDS - 2, UNDO_SECONDS - 1, UNDO_SECONDS),
);
const undoAfter: fc.Arbitrary<number | null> = weighted(fc.constant(null), waitSeconds, 2);

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.record({
      kind: fc.constant("ship" as const),
      seller: fc.oneof(
        { weight: 2, arbitrary: fc.constant<Caller>("aHolder") },
        { weight: 2, arbitrary: fc.constant<Caller>("aSpanner") },
        { weight: 1, arbitrary: caller },
      ),
      who,
      buyer: fc.oneof(
        { weight: 4, arbitrary: fc.record({ allowed: fc.nat({ max: 3 }) }) },
        { weight: 2, arbitrary: fc.record({ otherTrader: fc.nat({ max: 3 }) }) },
        { weight: 1, arbitrary: aTrader },
        { weight: 1, arbitrary: anyone },
      ),
      viaTransporter: weighted(fc.constant(false), fc.constant(true), 3),
      ranges: rangePicks,
      then: fc.oneof(
        { weight: 3, arbitrary: fc.constant<FollowUp | null>("receive") },
        { weight: 1, arbitrary: fc.constant<FollowUp | null>("return") },
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
    weight: 7,
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
      foreignWitness: weighted(fc.constant(false), fc.constant(true), 5),
      witness: fc.nat({ max: 30 }),
      witnessHint: hintPick,
    }),
  },
  {
    weight: 6,
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
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("decommissionRange" as const),
      caller,
      who,
      range: rangePick,
      state: decommissionState,
      undoAfter,
    }),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("undo" as const), caller, who, range: undoPick }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("quarantine" as const),
      caller: fc.oneof(
        { weight: 2, arbitrary: fc.constant<Caller>("aHolder") },
        { weight: 2, arbitrary: fc.constant<Caller>("aSpanner") },
        { weight: 2, arbitrary: fc.constant<Caller>("regulator") },
        { weight: 1, arbitrary: anyone },
      ),
      who,
      ranges: rangePicks,
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: weighted(fc.constant("clear" as const), fc.constant("confirm" as const), 3),
      caller: weighted(fc.constant<ActorName>("regulator"), anyone, 8),
      ranges: rangePicks,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("report" as const), caller: anyone, ranges: rangePicks }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: weighted(fc.constant("recall" as const), fc.constant("voidLot" as const), 4),
      caller: weighted(fc.constantFrom<ActorName>("manufacturer", "regulator"), anyone, 3),
      lot: fc.nat({ max: LOT_NAMES.length - 1 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("wait" as const), seconds: waitSeconds }),
  },
);

/** Decommission states any holder may use, mostly ones that can be undone. */
const fragmentState: fc.Arbitrary<PackState> = weighted(
  fc.constantFrom(PackState.Exported, PackState.Sample, PackState.FreeSample, PackState.Locked),
  fc.constantFrom(PackState.Destroyed, PackState.Stolen),
  4,
);
const shortWait: fc.Arbitrary<number> = fc.integer({ min: 0, max: 2 * Number(DAY) });

/**
 * The prelude: small operations by holders and the regulator that mostly succeed, and leave the lots in many runs:
 * shipments of a few packs to a party the path allows (a distributor's or dispenser's returns to the manufacturer
 * among them), mostly received, now and then rejected or cancelled or left in transit; single-pack and small range
 * decommissions, often undone soon after; small quarantines, clears and undos.
 */
const fragmentOp: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("ship" as const),
      seller: fc.constant<Caller>("aHolder"),
      who,
      buyer: fc.record({ allowed: fc.nat({ max: 3 }) }),
      viaTransporter: weighted(fc.constant(false), fc.constant(true), 4),
      ranges: smallPicks,
      then: fc.oneof(
        { weight: 5, arbitrary: fc.constant<FollowUp | null>("receive") },
        { weight: 2, arbitrary: fc.constant<FollowUp | null>("return") },
        { weight: 1, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constant<FollowUp | null>("reject") },
        { weight: 1, arbitrary: fc.constant<FollowUp | null>("cancel") },
      ),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("decommission" as const),
      caller: fc.constant<Caller>("aHolder"),
      who,
      pack: besidePick,
      state: fragmentState,
      serialMatches: fc.constant(true),
      undoAfter: weighted(fc.constant(null), shortWait, 3),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("decommissionRange" as const),
      caller: fc.constant<Caller>("aHolder"),
      who,
      range: besidePick,
      state: fragmentState,
      undoAfter: weighted(fc.constant(null), shortWait, 3),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("undo" as const),
      // Mostly over neighbouring decommissions of different times, when there are.
      caller: weighted(fc.constant<Caller>("aSpanner"), fc.constant<Caller>("aHolder"), 2),
      who,
      range: smallPick,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("quarantine" as const),
      caller: weighted(fc.constant<Caller>("aHolder"), fc.constant<Caller>("regulator"), 2),
      who,
      ranges: smallPicks,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("clear" as const),
      caller: fc.constant<ActorName>("regulator"),
      ranges: smallPicks,
    }),
  },
);

/** One run: the prelude, then random operations. */
const scenario: fc.Arbitrary<Op[]> = fc
  .tuple(
    fc.array(fragmentOp, { minLength: 4, maxLength: PRELUDE_STEPS, size: "max" }),
    fc.array(op, { minLength: 1, maxLength: MAX_STEPS, size: "max" }),
  )
  .map(([prelude, main]) => [...prelude, ...main]);

// ------------------------------------------------------------------ the chain side

interface Run {
  start: number;
  end: number;
}

/** For each lot, for each pack, the run holding it, as the chain reports it now. */
type RunMap = Run[][];

/** A run's record as stored (PackRuns.Run without its end). */
interface StoredRun {
  holder: string;
  state: number;
  head: number;
  aux: bigint;
}

/** PackRuns.joins: `b` continues `a` unchanged (it has no head, and equals `a`'s packs after its head). */
function joins(a: StoredRun, b: StoredRun): boolean {
  if (b.head !== PackState.Active || a.holder !== b.holder || a.state !== b.state) return false;
  const restAux = a.head === PackState.Active ? a.aux : 0n;
  return restAux === b.aux;
}

/** Whether run `b`, or its head pack, continues run `a` before it: the library's invariant says neither does. */
function continues(a: StoredRun, b: StoredRun): boolean {
  const headPack: StoredRun = { holder: b.holder, state: b.head, head: PackState.Active, aux: b.aux };
  return joins(a, b) || (b.head !== PackState.Active && joins(a, headPack));
}

/** What the runs went through, over all runs: to show the property is not vacuous. */
interface Stats {
  /** accepted ranges over two runs or more (as read before the call), and the most runs one spanned. */
  spanning: Map<string, number>;
  widest: number;
  /** refusals that named a pack other than the first of a range. */
  inside: number;
  /** neighbouring runs that read alike (one a settled shipment's) but are stored apart, so rightly not merged. */
  twins: number;
  /** the most runs a lot had. */
  mostRuns: number;
  runs: number;
  lotSteps: number;
}

/** The errors that name a pack: (lotId, index, ...). */
const PACK_ERRORS = new Set([
  "CustodyNotHolder",
  "CustodyPackNotActive",
  "CustodyAlreadyDecommissioned",
  "CustodyUndoNotAllowed",
  "CustodyUndoWindowClosed",
  "CustodyNotSuspect",
]);

/**
 * `expect(actual, what).to.equal(expected)`, asked only when the two differ (`===`): chai's `equal`, as
 * hardhat-chai-matchers extends it for big numbers, costs module look-ups on every call, and a check makes hundreds.
 */
function same<T>(actual: T, what: string | (() => string), expected: T): void {
  if (actual !== expected) expect(actual, typeof what === "string" ? what : what()).to.equal(expected);
}

/** Two censuses are equal (as `same`, for maps of counts). */
function sameCensus(actual: Map<string, number>, what: string, expected: Map<string, number>): void {
  const show = (m: Map<string, number>): string => JSON.stringify([...m].sort(([x], [y]) => x.localeCompare(y)));
  if (show(actual) !== show(expected)) {
    expect(Object.fromEntries(actual), what).to.deep.equal(Object.fromEntries(expected));
  }
}

/**
 * Every pack's status, the runs and the shipments on chain equal the model's; the runs partition each lot and keep the
 * library's invariant (see the header). Returns the runs, for the next operation's hints.
 */
async function expectChainEqualsModel(
  w: PropertyWorld,
  model: CustodyModel,
  label: (address: string) => string,
  stats: Stats,
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
      same(Number(s.state), `${where} state`, m.state);
      same(label(s.holder), `${where} holder`, label(m.holder));
      same(Number(s.shipmentId), `${where} shipmentId`, m.state === PackState.InTransit ? m.shipmentId : 0);
      same(s.decommissionedAt, `${where} decommissionedAt`, isDecommissioned(m.state) ? m.decommissionedAt : 0n);
      const key = `${label(s.holder)}/${PackState[Number(s.state)]}`;
      chainCensus.set(key, (chainCensus.get(key) ?? 0) + 1);
    });

    // The runs view: consecutive runs from 0 to the end, each of one holder and one state (but for a head).
    const [page, nextStart] = runPages[lot];
    same(nextStart, `lot ${name}: runs fit in one page`, 0n);
    const runCensus = new Map<string, number>();
    const stored: StoredRun[] = [];
    const layout = (): string =>
      page
        .map((r, k) => {
          const s = stored[k];
          const head = Number(r.head) === PackState.Active ? "" : ` head ${PackState[Number(r.head)]}`;
          const as = s ? ` (stored ${label(s.holder)} ${PackState[s.state]} aux ${s.aux})` : "";
          return `[${r.start},${r.end}) ${label(r.holder)} ${PackState[Number(r.state)]}${head} aux ${r.aux}${as}`;
        })
        .join("; ");
    let at = 0;
    for (const r of page) {
      const start = Number(r.start);
      const end = Number(r.end);
      const where = `run [${start}, ${end}) of lot ${name}`;
      same(start, `lot ${name}: run starts where the previous ended`, at);
      same(end > start, `lot ${name}: run [${start}, ${end}) is not empty`, true);
      const head = Number(r.head);
      if (head !== PackState.Active) {
        same(isDecommissioned(head), `${where}: its head is a decommission state`, true);
        same(Number(r.state), `${where}: a run with a head is Active`, PackState.Active);
        same(end - start >= 2, `${where}: a run with a head has two packs at least`, true);
      }
      const storedShipment = model.pack(lot, start).storedShipment;
      for (let i = start; i < end; i++) {
        const isHead = i === start && head !== PackState.Active;
        const state = isHead ? head : Number(r.state);
        const aux = isHead || head === PackState.Active ? r.aux : 0n;
        const m = model.pack(lot, i);
        same(state, `${where}: state of pack ${i}`, m.state);
        same(label(r.holder), `${where}: holder of pack ${i}`, label(m.holder));
        const mAux =
          m.state === PackState.InTransit ? BigInt(m.shipmentId) : isDecommissioned(m.state) ? m.decommissionedAt : 0n;
        same(aux, `${where}: aux of pack ${i}`, mAux);
        same(m.storedShipment, `${where}: pack ${i} is stored under the shipment its run is`, storedShipment);
        same(Number(all[lot][i].runStart), `pack ${name}${i}: runStart`, start);
        const key = `${label(r.holder)}/${PackState[state]}`;
        runCensus.set(key, (runCensus.get(key) ?? 0) + 1);
        byPack[i] = { start, end };
      }
      const shipment = model.shipment(storedShipment);
      stored.push(
        shipment !== undefined
          ? { holder: shipment.seller, state: PackState.InTransit, head: PackState.Active, aux: BigInt(shipment.id) }
          : { holder: r.holder, state: Number(r.state), head, aux: r.aux },
      );
      if (stored.length > 1) {
        const [a, b] = stored.slice(-2);
        same(continues(a, b), () => `lot ${name}: the run at ${start} continues the one before it: ${layout()}`, false);
        const before = page[stored.length - 2];
        const seen = (v: typeof r): StoredRun => ({
          holder: v.holder,
          state: Number(v.state),
          head: Number(v.head),
          aux: v.aux,
        });
        if (continues(seen(before), seen(r))) stats.twins++;
      }
      at = end;
    }
    same(at, `lot ${name}: the runs cover the lot`, UNITS);
    stats.mostRuns = Math.max(stats.mostRuns, page.length);
    stats.runs += page.length;
    stats.lotSteps++;
    const sum = (c: Map<string, number>): number => [...c.values()].reduce((a, b) => a + b, 0);
    same(sum(runCensus), `lot ${name}: packs summed over (holder, state) in runs`, UNITS);
    same(sum(chainCensus), `lot ${name}: packs summed over (holder, state)`, UNITS);
    const modelCensus = model.census(lot, (p) => `${label(p.holder)}/${PackState[p.state]}`);
    sameCensus(chainCensus, `lot ${name}: census`, modelCensus);
    sameCensus(runCensus, `lot ${name}: census from runs`, modelCensus);
  }

  same(Number(count), "shipmentCount", model.shipments.length);
  model.shipments.forEach((s, k) => {
    const [c, transporter] = chainShipments[k];
    same(Number(c.status), `shipment ${s.id} status`, s.status);
    same(label(c.buyer), `shipment ${s.id} buyer`, label(s.buyer));
    same(c.viaTransporter, `shipment ${s.id} viaTransporter`, s.transporter !== null);
    same(transporter, `shipment ${s.id} transporter`, s.transporter ?? ethers.ZeroAddress);
    same(Number(c.packCount), `shipment ${s.id} packCount`, s.packCount);
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

type Pred = (lot: number, i: number) => boolean;

/** What an operation needs of a pack: the caller holds it (`mine`; always, for a regulator), and its state (`state`). */
interface Suits {
  mine: Pred;
  state: Pred;
}

/**
 * The hints of one call, from the runs read before it. A range write's hint is a run start at or before pack
 * `start - 1` (0 when `start` is 0); a read's (`reportSuspicion`, a cancellation's witness) at or before `start`.
 * Within a call, a write's hint is the least of the one picked and those of the earlier ranges of its lot: still a run
 * start when its range is reached (a range's writes never delete a run start at or before its own hint). An invalid
 * hint is only given to the first range of its lot, whose lot's runs are still those read.
 */
class CallHints {
  private readonly least = new Map<number, number>();
  constructor(
    private readonly runs: RunMap,
    private readonly writes: boolean,
  ) {}

  pick(lot: number, start: number, h: HintPick): { hint: number; hintValid: boolean } {
    const limit = this.writes ? start - 1 : start;
    const starts = [...new Set(this.runs[lot].map((r) => r.start))].sort((a, b) => a - b);
    const valid = limit < 0 ? [0] : starts.filter((s) => s <= limit);
    const earlier = this.least.get(lot);
    if (h.mode === "invalid" && earlier === undefined) {
      const invalid = Array.from({ length: UNITS + 1 }, (_, k) => k + 1).filter((k) => !valid.includes(k));
      this.least.set(lot, 0);
      return { hint: invalid[h.pick % invalid.length], hintValid: false };
    }
    let hint = h.mode === "zero" ? 0 : h.mode === "far" ? valid[h.pick % valid.length] : valid[valid.length - 1];
    if (this.writes && earlier !== undefined) hint = Math.min(hint, earlier);
    this.least.set(lot, hint);
    return { hint, hintValid: true };
  }
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
    /** How many operations were refused, by error, over all runs. */
    private readonly refusals: Map<string, number>,
    private readonly stats: Stats,
  ) {}

  private actorAt(address: string): ActorName {
    const a = ACTORS.find((x) => this.signers[x].address === address);
    if (a === undefined) throw new Error(`no actor at ${address}`);
    return a;
  }

  private address(a: ActorName): string {
    return this.signers[a].address;
  }

  label(address: string): string {
    return ACTORS.find((a) => this.signers[a].address === address) ?? address;
  }

  /** The `who`-th trader (in ACTORS order) holding a pack that `suits`; the manufacturer if none does. */
  private resolveCaller(c: Caller, whoPick: number, suits: Pred): ActorName {
    if (c !== "aHolder" && c !== "aSpanner") return c;
    const mine = (a: ActorName, lot: number, i: number): boolean =>
      i < UNITS && this.model.pack(lot, i).holder === this.address(a) && suits(lot, i);
    const has = (test: (a: ActorName, lot: number, i: number) => boolean): ActorName[] =>
      TRADERS.filter((a) =>
        this.model.lots.some((_, lot) => Array.from({ length: UNITS }, (_, i) => test(a, lot, i)).some(Boolean)),
      );
    const spanners = has((a, lot, i) => mine(a, lot, i) && this.runs[lot][i].end === i + 1 && mine(a, lot, i + 1));
    const holders = c === "aSpanner" && spanners.length > 0 ? spanners : has(mine);
    return holders.length === 0 ? "manufacturer" : holders[whoPick % holders.length];
  }

  /** `taken`: the packs of the call's earlier ranges (`lot:index`), which the range avoids unless `overlap`. */
  private resolveRange(p: RangePick, suits: Suits, hints: CallHints, taken = new Set<string>()): RangeArg {
    let lot = p.lot;
    let start = p.pick % UNITS;
    const held: Pred = (l, i) => suits.mine(l, i) && suits.state(l, i);
    const wrong: Pred = (l, i) => !suits.mine(l, i) && !suits.state(l, i);
    const suitable = p.filter === "state" ? suits.state : p.filter === "wrong" ? wrong : held;
    const passes: Pred = (l, i) => suitable(l, i) && (p.overlap || !taken.has(`${l}:${i}`));
    if (p.filter !== "any") {
      const runs = this.runs;
      const special: Pred =
        p.filter === "edge"
          ? (l, i) => this.differs(l, i, i - 1) || this.differs(l, i, i + 1)
          : p.filter === "beside"
            ? (l, i) => this.decommissionedBeside(l, i, i - 1) || this.decommissionedBeside(l, i, i + 1)
            : p.filter === "across"
              ? (l, i) => runs[l][i].end === i + 1 && i + 1 < UNITS && passes(l, i + 1)
              : () => true;
      const all = (l: number, test: Pred): number[] =>
        Array.from({ length: UNITS }, (_, i) => i).filter((i) => test(l, i));
      const candidates = (l: number): number[] => {
        const first = all(l, (ll, i) => passes(ll, i) && special(ll, i));
        return first.length > 0 ? first : all(l, passes);
      };
      let list = candidates(lot);
      if (list.length === 0) {
        lot = 1 - lot;
        list = candidates(lot);
      }
      if (list.length === 0) lot = p.lot;
      else start = list[p.pick % list.length];
    }
    let end = Math.min(UNITS, start + p.len);
    if (p.fit) {
      let k = start + 1;
      while (k < end && passes(lot, k)) k++;
      end = k;
    }
    if (p.shape === "empty") end = start;
    else if (p.shape === "overrun") end = UNITS + 1;
    for (let k = start; k < end; k++) taken.add(`${lot}:${k}`);
    return { lot, start, end, ...hints.pick(lot, start, p.hint) };
  }

  /** Several ranges of one call, in the order picked. */
  /**
   * Several ranges of one call, in the order picked. `span`: the first is all the packs that suit from the last of a
   * run on (`across`, fitted), to span runs (the caller was picked as `aSpanner`); `writes`: for the hints.
   */
  private resolveRanges(picks: RangePick[], suits: Suits, span: boolean, writes = true): RangeArg[] {
    const hints = new CallHints(this.runs, writes);
    const taken = new Set<string>();
    const spanning = (p: RangePick): RangePick => ({ ...p, filter: "across", fit: true, len: UNITS, shape: "ok" });
    return picks.map((p, k) => this.resolveRange(span && k === 0 ? spanning(p) : p, suits, hints, taken));
  }

  private chainRange(r: RangeArg): { lotId: string; start: number; end: number; hint: number } {
    return range(this.w.packLots[r.lot].lotId, r.start, r.end, r.hint);
  }

  private show(r: RangeArg): string {
    return `${LOT_NAMES[r.lot]}[${r.start},${r.end})@${r.hint}${r.hintValid ? "" : "(invalid)"}`;
  }

  private showAll(ranges: readonly RangeArg[]): string {
    return ranges.map((r) => this.show(r)).join(" ");
  }

  private holds(a: ActorName): Pred {
    return (lot, i) => this.model.pack(lot, i).holder === this.address(a);
  }

  /** Pack `j` exists and differs from pack `i` (as read or as stored). */
  private differs(lot: number, i: number, j: number): boolean {
    if (j < 0 || j >= UNITS) return false;
    const [a, b] = [this.model.pack(lot, i), this.model.pack(lot, j)];
    return (
      a.holder !== b.holder ||
      a.state !== b.state ||
      a.decommissionedAt !== b.decommissionedAt ||
      a.storedShipment !== b.storedShipment
    );
  }

  /** Pack `j` exists, is decommissioned and has pack `i`'s holder. */
  private decommissionedBeside(lot: number, i: number, j: number): boolean {
    if (j < 0 || j >= UNITS) return false;
    const p = this.model.pack(lot, j);
    return isDecommissioned(p.state) && p.holder === this.model.pack(lot, i).holder;
  }

  private inState(state: (s: PackState) => boolean): Pred {
    return (lot, i) => state(this.model.pack(lot, i).state);
  }

  /** The last decommission tried, for `undoLast`. */
  private last: { by: ActorName; span: PackSpan } | undefined;
  /** The shipment the last `ship` made, if it succeeded, for `followUp`. */
  private lastShipment: number | undefined;

  /** `by` acts on shipment `id`; a cancellation shows `witness`. */
  private shipmentCall(
    action: ShipmentAction,
    id: number,
    by: ActorName,
    witness: RangeArg,
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
          expected: this.model.cancel(id, at, witness),
          send: () => c.cancelShipment(id, this.chainRange(witness), TX),
          what: `${by} cancels shipment ${id} (witness ${this.show(witness)})`,
        };
    }
  }

  /** A cancellation's witness: `span`, with a hint at or before its first pack. */
  private witness(span: PackSpan, h: HintPick): RangeArg {
    return { ...span, ...new CallHints(this.runs, false).pick(span.lot, span.start, h) };
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
    const suspect = (s: PackState): boolean => s === PackState.Suspect;
    const nearest: HintPick = { mode: "nearest", pick: 0 };

    let expected: Outcome;
    let send: () => Promise<ContractTransactionResponse>;
    let what: string;
    let errorsOf: typeof custody | typeof w.lots = custody;
    /** The step's ranges, for the statistics. */
    let ranges: readonly RangeArg[] = [];

    switch (o.kind) {
      case "ship": {
        const seller = this.resolveCaller(o.seller, o.who, this.inState(active));
        const shipped = this.resolveRanges(
          o.ranges,
          { mine: this.holds(seller), state: this.inState(active) },
          o.seller === "aSpanner",
        );
        ranges = shipped;
        const partners = TRADERS.filter((a) => a !== seller);
        const allowed = partners.filter((a) => pathAllowed(ROLES[seller], ROLES[a]));
        const buyer =
          typeof o.buyer === "string"
            ? o.buyer
            : "allowed" in o.buyer && allowed.length > 0
              ? allowed[o.buyer.allowed % allowed.length]
              : partners[("allowed" in o.buyer ? o.buyer.allowed : o.buyer.otherTrader) % partners.length];
        const transporter = o.viaTransporter ? this.address("transporter") : null;
        expected = model.ship(this.address(seller), this.address(buyer), transporter, shipped, now);
        this.lastShipment = expected.ok ? model.shipments.length : undefined;
        send = () =>
          as(seller).ship(
            this.address(buyer),
            transporter ?? ethers.ZeroAddress,
            NOTICE,
            shipped.map((r) => this.chainRange(r)),
            TX,
          );
        what = `${seller} ships ${this.showAll(shipped)} to ${buyer}${transporter ? " via transporter" : ""}`;
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
        ({ expected, send, what } = this.shipmentCall(o.kind, id, by, this.witness(NO_WITNESS, nearest)));
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
        const span: PackSpan = of ? of.ranges[o.witness % of.ranges.length] : NO_WITNESS;
        ({ expected, send, what } = this.shipmentCall(o.kind, id, by, this.witness(span, o.witnessHint)));
        if (o.kind === "cancel" && of !== undefined && of.id !== id) what += ` of shipment ${of.id}`;
        break;
      }
      case "followUp": {
        const s = this.lastShipment === undefined ? undefined : model.shipment(this.lastShipment);
        if (s === undefined) {
          this.trace.push(`(no shipment was made to ${o.action})`);
          return;
        }
        if (o.action === "shipBack") {
          const [buyer, seller] = [this.actorAt(s.seller), this.actorAt(s.buyer)];
          const hints = new CallHints(this.runs, true);
          const back = s.ranges.map((r) => ({ ...r, ...hints.pick(r.lot, r.start, nearest) }));
          ranges = back;
          expected = model.ship(this.address(seller), this.address(buyer), null, back, now);
          this.lastShipment = expected.ok ? model.shipments.length : undefined;
          send = () =>
            as(seller).ship(
              this.address(buyer),
              ethers.ZeroAddress,
              NOTICE,
              back.map((r) => this.chainRange(r)),
              TX,
            );
          what = `${seller} ships ${this.showAll(back)} back to ${buyer}`;
          break;
        }
        const party =
          o.action === "pickUp"
            ? (s.transporter ?? this.address("transporter"))
            : o.action === "cancel"
              ? s.seller
              : s.buyer;
        const witness = this.witness(s.ranges[0], nearest);
        ({ expected, send, what } = this.shipmentCall(o.action, s.id, this.actorAt(party), witness));
        break;
      }
      case "decommission": {
        const by = this.resolveCaller(o.caller, o.who, this.inState(active));
        const pick: RangePick = { ...o.pack, len: 1, fit: false, shape: "ok" };
        const r = this.resolveRange(
          pick,
          { mine: this.holds(by), state: this.inState(active) },
          new CallHints(this.runs, true),
        );
        const lot = w.packLots[r.lot];
        const serial = lot.manifest.serials[o.serialMatches ? r.start : (r.start + 1) % UNITS];
        const proof = packProof(lot.manifest, lot.lotId, serial, r.hint);
        const pack = { ...proof, index: r.start };
        const arg: PackArg = {
          lot: r.lot,
          index: r.start,
          hint: r.hint,
          hintValid: r.hintValid,
          runEnd: this.runs[r.lot][r.start].end,
        };
        this.last = { by, span: r };
        expected = model.decommission(this.address(by), arg, o.state, o.serialMatches, now);
        send = () => as(by).decommission(pack, o.state, TX);
        what = `${by} decommissions pack ${this.show(r)} as ${PackState[o.state]}${o.serialMatches ? "" : " (wrong serial)"}`;
        break;
      }
      case "decommissionRange": {
        const by = this.resolveCaller(o.caller, o.who, this.inState(active));
        const [r] = this.resolveRanges(
          [o.range],
          { mine: this.holds(by), state: this.inState(active) },
          o.caller === "aSpanner",
        );
        this.last = { by, span: r };
        ranges = [r];
        expected = model.decommissionRange(this.address(by), r, o.state, now);
        send = () => as(by).decommissionRange(this.chainRange(r), o.state, TX);
        what = `${by} decommissions ${this.show(r)} as ${PackState[o.state]}`;
        break;
      }
      case "undo":
      case "undoLast": {
        let by: ActorName;
        let r: RangeArg;
        if (o.kind === "undo") {
          /** Undoable now: not Stolen or Destroyed, in its window or Locked. */
          const undoableNow = (lot: number, i: number): boolean => {
            const p = model.pack(lot, i);
            return isUndoable(p.state) && (p.state === PackState.Locked || now < p.decommissionedAt + UNDO_WINDOW);
          };
          by = this.resolveCaller(o.caller, o.who, undoableNow);
          [r] = this.resolveRanges([o.range], { mine: this.holds(by), state: undoableNow }, o.caller === "aSpanner");
        } else {
          if (this.last === undefined) throw new Error("undoLast follows a decommission");
          by = this.last.by;
          const { lot, start, end } = this.last.span;
          r = { lot, start, end, ...new CallHints(this.runs, true).pick(lot, start, nearest) };
        }
        const states = [];
        for (let k = r.start; k < Math.min(r.end, UNITS); k++) {
          const p = model.pack(r.lot, k);
          const ago = isDecommissioned(p.state) ? ` ${Number(now - p.decommissionedAt)}s ago` : "";
          states.push(`${PackState[p.state]}${ago}`);
        }
        what = `${by} undoes ${this.show(r)} (${states.join(", ")})`;
        ranges = [r];
        expected = model.undo(this.address(by), r, now);
        send = () => as(by).undoDecommission(this.chainRange(r), TX);
        break;
      }
      case "quarantine": {
        const by = this.resolveCaller(o.caller, o.who, this.inState(active));
        const mine = ROLES[by] === Role.Regulator ? () => true : this.holds(by);
        ranges = this.resolveRanges(o.ranges, { mine, state: this.inState(active) }, o.caller === "aSpanner");
        expected = model.quarantine(this.address(by), ranges);
        send = () =>
          as(by).quarantine(
            ranges.map((r) => this.chainRange(r)),
            EVIDENCE,
            TX,
          );
        what = `${by} quarantines ${this.showAll(ranges)}`;
        break;
      }
      case "clear":
      case "confirm": {
        ranges = this.resolveRanges(o.ranges, { mine: () => true, state: this.inState(suspect) }, false);
        const args = ranges.map((r) => this.chainRange(r));
        if (o.kind === "clear") {
          expected = model.clearSuspect(this.address(o.caller), ranges);
          send = () => as(o.caller).clearSuspect(args, bytes32("cleared"), TX);
        } else {
          expected = model.confirmIllegitimate(this.address(o.caller), ranges);
          // Two keys: the caller proposes (refusals come from this first call), the council completes.
          send = async () => {
            await (await as(o.caller).confirmIllegitimate(args, bytes32("illegitimate"), TX)).wait();
            return w.custody.connect(w.council).confirmIllegitimate(args, bytes32("illegitimate"), TX);
          };
        }
        what = `${o.caller} ${o.kind === "clear" ? "clears" : "confirms illegitimate"} ${this.showAll(ranges)}`;
        break;
      }
      case "report": {
        // Mostly packs the reporter does not hold, across holders.
        const others: Pred = (lot, i) => model.pack(lot, i).holder !== this.address(o.caller);
        ranges = this.resolveRanges(o.ranges, { mine: others, state: () => true }, false, false);
        expected = model.reportSuspicion(this.address(o.caller), ranges, EVIDENCE);
        send = () =>
          as(o.caller).reportSuspicion(
            ranges.map((r) => this.chainRange(r)),
            EVIDENCE,
            TX,
          );
        what = `${o.caller} reports a suspicion about ${this.showAll(ranges)}`;
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

    if (expected.ok) {
      this.succeeded.set(o.kind, (this.succeeded.get(o.kind) ?? 0) + 1);
      for (const r of ranges) {
        const spanned = new Set(this.runs[r.lot].slice(r.start, r.end).map((x) => x.start)).size;
        if (spanned > 1) this.stats.spanning.set(o.kind, (this.stats.spanning.get(o.kind) ?? 0) + 1);
        this.stats.widest = Math.max(this.stats.widest, spanned);
      }
    } else {
      this.refusals.set(expected.error, (this.refusals.get(expected.error) ?? 0) + 1);
      const index = expected.args?.[1];
      if (PACK_ERRORS.has(expected.error) && ranges.every((r) => r.start !== index)) this.stats.inside++;
    }
    this.trace.push(
      `${what} → model: ${expected.ok ? "ok" : `reverts ${expected.error}${expected.args ? `(${expected.args.map((a) => this.showArg(a)).join(", ")})` : ""}`}`,
    );
    if (expected.ok) {
      // As `not.to.be.reverted`, but saying how it reverted.
      const receipt = await send().then(
        (tx) => tx.wait(),
        (e: unknown) => {
          throw new Error(`expected to succeed, but: ${e instanceof Error ? e.message : String(e)}`);
        },
      );
      expect(receipt?.status, "receipt status").to.equal(1);
      if (expected.events !== undefined && receipt !== null) this.expectEvents(receipt, expected.events);
    } else {
      const reverted = expect(send()).to.be.revertedWithCustomError(errorsOf, expected.error);
      if (expected.args === undefined) await reverted;
      else await reverted.withArgs(...expected.args);
    }
  }

  private showArg(a: Arg): string {
    if (typeof a !== "string") return String(a);
    if (a.length === 42) return this.label(a);
    if (a.length === 66) {
      const lot = this.w.packLots.findIndex((l) => l.lotId === a);
      return lot >= 0 ? `lot ${LOT_NAMES[lot]}` : a.slice(0, 10);
    }
    return String(a);
  }

  /** The receipt's events of the names expected are exactly the expected ones, in order. */
  private expectEvents(receipt: ContractTransactionReceipt, events: readonly ExpectedEvent[]): void {
    const names = new Set(events.map((e) => e.name));
    const got = receipt.logs
      .map((l) => this.w.custody.interface.parseLog(l))
      .filter((e) => e !== null && names.has(e.name))
      .map((e) => `${e?.name}(${[...(e?.args ?? [])].map((a: Arg) => this.showArg(a)).join(", ")})`);
    const want = events.map((e) => `${e.name}(${e.args.map((a) => this.showArg(a)).join(", ")})`);
    expect(got, "events").to.deep.equal(want);
  }
}

// ------------------------------------------------------------------ the property

describe("PackCustody (property)", function () {
  it("keeps every pack with exactly one holder and one state, equal to the model's, through random operations", async function () {
    hardhatOnly(this, MINED_REVERT);
    // The world builds outside the property, so that a broken fixture fails here, not as a counterexample.
    await loadFixture(propertyFixture);
    const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
    let steps = 0;
    const stats: Stats = { spanning: new Map(), widest: 0, inside: 0, twins: 0, mostRuns: 0, runs: 0, lotSteps: 0 };
    const succeeded = new Map<string, number>();
    const refusals = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.noBias(scenario), async (ops) => {
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
        const runner = new Runner(w, model, signers, [], succeeded, refusals, stats);
        const label = (address: string): string => runner.label(address);
        runner.runs = await expectChainEqualsModel(w, model, label, stats);
        for (const st of ops.flatMap(expand)) {
          try {
            await runner.step(st);
            runner.runs = await expectChainEqualsModel(w, model, label, stats);
          } catch (e) {
            const message = e instanceof Error ? e.message : String(e);
            throw new Error(`${message}\n  steps:\n${runner.trace.map((t, k) => `    ${k + 1}. ${t}`).join("\n")}`);
          }
          steps++;
        }
        if (process.env.FC_TRACE) console.log(runner.trace.map((t, k) => `    ${k + 1}. ${t}`).join("\n") + "\n");
      }),
      { numRuns: NUM_RUNS, seed, path: process.env.FC_PATH },
    );
    // Not vacuous: a good share of the operations went through; the others were refused as the model said.
    const total = [...succeeded.values()].reduce((a, b) => a + b, 0);
    const list = (m: Map<string, number>): string =>
      [...m]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k} ${n}`)
        .join(", ");
    console.log(`      ${NUM_RUNS} runs, ${steps} steps, ${total} succeeded: ${list(succeeded)}`);
    console.log(`      refused: ${list(refusals)}`);
    console.log(
      `      runs per lot: ${(stats.runs / Math.max(1, stats.lotSteps)).toFixed(1)} on average, at most ${stats.mostRuns}; ` +
        `ranges accepted across runs (up to ${stats.widest}): ${list(stats.spanning)}; ${stats.inside} refusals named a pack ` +
        `inside a range; ${stats.twins} neighbouring runs read alike but are stored apart`,
    );
    if (steps >= 50) expect(total, "operations that succeeded").to.be.greaterThan(steps / 5);
  });
});
