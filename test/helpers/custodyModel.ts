/**
 * A plain model of PackCustody's documented rules (IPackCustody NatSpec, docs/ARCHITECTURE.md section 6), for property tests.
 * No chain: every pack of every lot has one holder and one state, shipments are settled eagerly, and each operation
 * either applies and returns `{ ok: true }` or changes nothing and returns the custom error the contract should raise
 * (`error` is left undefined where the name depends on how the contract stores runs, not on the rules).
 *
 * The model knows nothing of runs, except one fact the caller passes in: whether a range lies inside one run
 * (`inOneRun`), since a range that does not is refused whatever the packs' states.
 */
import { DAY, PackState, Role, ShipmentStatus } from "./fixture";

/** How long the account that decommissioned a pack may undo it, except `Locked`. */
export const UNDO_WINDOW = 10n * DAY;

export interface ModelPack {
  holder: string;
  state: PackState;
  /** the shipment carrying the pack while `InTransit`, else 0. */
  shipmentId: number;
  /** when the pack was decommissioned, else 0. */
  decommissionedAt: bigint;
}

export interface ModelLot {
  readonly lotId: string;
  readonly manufacturer: string;
  readonly expiresAt: bigint;
  recalled: boolean;
  packs: ModelPack[];
}

/** `[start, end)` of lot number `lot` (its place in the model's list of lots). */
export interface PackSpan {
  readonly lot: number;
  readonly start: number;
  readonly end: number;
}

/** A range as sent, and whether it lies inside one run of the chain (the hint is the start of that run). */
export interface RangeArg extends PackSpan {
  readonly inOneRun: boolean;
}

export interface ModelShipment {
  readonly id: number;
  readonly seller: string;
  readonly buyer: string;
  readonly transporter: string | null;
  status: ShipmentStatus;
  readonly ranges: readonly PackSpan[];
  readonly packCount: number;
}

export type Outcome = { readonly ok: true } | { readonly ok: false; readonly error: string | undefined };

const OK: Outcome = { ok: true };

function refused(error?: string): Outcome {
  return { ok: false, error };
}

export function isDecommissioned(state: PackState): boolean {
  return state >= PackState.Dispensed;
}

export function isOpen(status: ShipmentStatus): boolean {
  return (
    status === ShipmentStatus.Created || status === ShipmentStatus.PickedUp || status === ShipmentStatus.HandedOver
  );
}

function isTrader(role: Role): boolean {
  return role === Role.Manufacturer || role === Role.Distributor || role === Role.Dispenser;
}

/** Manufacturer → distributor | dispenser; distributor → distributor | dispenser | manufacturer; dispenser → distributor | manufacturer. */
function pathAllowed(from: Role, to: Role): boolean {
  switch (to) {
    case Role.Distributor:
      return isTrader(from);
    case Role.Dispenser:
      return from === Role.Manufacturer || from === Role.Distributor;
    case Role.Manufacturer:
      return from === Role.Distributor || from === Role.Dispenser;
    default:
      return false;
  }
}

/** The error for a pack that is not `Active`. */
function notActive(state: PackState): string {
  return isDecommissioned(state) ? "CustodyAlreadyDecommissioned" : "CustodyPackNotActive";
}

function copyPacks(lots: readonly ModelLot[]): ModelPack[][] {
  return lots.map((l) => l.packs.map((p) => ({ ...p })));
}

export interface LotSetup {
  lotId: string;
  manufacturer: string;
  expiresAt: bigint;
  unitCount: number;
}

export class CustodyModel {
  readonly lots: ModelLot[];
  readonly shipments: ModelShipment[] = [];
  private readonly roles: ReadonlyMap<string, Role>;

  /** `roles`: every authorised account and its role; any other account is unauthorised. */
  constructor(roles: ReadonlyMap<string, Role>, lots: readonly LotSetup[]) {
    this.roles = roles;
    this.lots = lots.map((l) => ({
      lotId: l.lotId,
      manufacturer: l.manufacturer,
      expiresAt: l.expiresAt,
      recalled: false,
      packs: Array.from({ length: l.unitCount }, () => ({
        holder: l.manufacturer,
        state: PackState.Active,
        shipmentId: 0,
        decommissionedAt: 0n,
      })),
    }));
  }

  roleOf(account: string): Role {
    return this.roles.get(account) ?? Role.None;
  }

  pack(lot: number, index: number): ModelPack {
    return this.lots[lot].packs[index];
  }

  shipment(id: number): ModelShipment | undefined {
    return this.shipments[id - 1];
  }

  /** How many packs of `lot` each (holder, state) has, keyed `holder/state` or by `keyOf`. */
  census(lot: number, keyOf: (p: ModelPack) => string = (p) => `${p.holder}/${p.state}`): Map<string, number> {
    const out = new Map<string, number>();
    for (const p of this.lots[lot].packs) {
      const key = keyOf(p);
      out.set(key, (out.get(key) ?? 0) + 1);
    }
    return out;
  }

  // ---------------------------------------------------------------- shipments

  ship(seller: string, buyer: string, transporter: string | null, ranges: readonly RangeArg[], now: bigint): Outcome {
    const sellerRole = this.roleOf(seller);
    if (!isTrader(sellerRole)) return refused("UnauthorisedAccount");
    if (buyer === seller) return refused("CustodyInvalidBuyer");
    const buyerRole = this.roleOf(buyer);
    if (buyerRole === Role.None) return refused("UnauthorisedAccount");
    if (!pathAllowed(sellerRole, buyerRole)) return refused("CustodyPathNotAllowed");
    if (transporter !== null && this.roleOf(transporter) !== Role.Transporter) return refused("UnauthorisedAccount");
    if (ranges.length === 0) return refused("CustodyEmptyShipment");

    const id = this.shipments.length + 1;
    const next = copyPacks(this.lots);
    const touched = new Set<string>();
    let packCount = 0;
    for (let i = 0; i < ranges.length; i++) {
      const r = ranges[i];
      if (i === 0 || r.lot !== ranges[i - 1].lot) {
        const lot = this.lots[r.lot];
        if (now >= lot.expiresAt) return refused("CustodyLotExpired");
        const toItsManufacturer = buyer === lot.manufacturer;
        if (lot.recalled && !toItsManufacturer) return refused("CustodyLotRecalled");
        if (buyerRole === Role.Manufacturer && !toItsManufacturer) return refused("CustodyPathNotAllowed");
      }
      const refusal = this.checkRange(next, touched, r, (p) => {
        if (p.holder !== seller) return "CustodyNotHolder";
        return p.state === PackState.Active ? undefined : notActive(p.state);
      });
      if (refusal) return refusal;
      for (let k = r.start; k < r.end; k++) {
        next[r.lot][k] = { holder: seller, state: PackState.InTransit, shipmentId: id, decommissionedAt: 0n };
        touched.add(`${r.lot}:${k}`);
      }
      packCount += r.end - r.start;
    }
    this.commit(next);
    this.shipments.push({
      id,
      seller,
      buyer,
      transporter,
      status: ShipmentStatus.Created,
      ranges: ranges.map(({ lot, start, end }) => ({ lot, start, end })),
      packCount,
    });
    return OK;
  }

  pickUp(id: number, caller: string): Outcome {
    return this.transport(id, caller, ShipmentStatus.Created, ShipmentStatus.PickedUp);
  }

  handOver(id: number, caller: string): Outcome {
    return this.transport(id, caller, ShipmentStatus.PickedUp, ShipmentStatus.HandedOver);
  }

  receive(id: number, caller: string): Outcome {
    const s = this.shipment(id);
    if (!s) return refused("CustodyUnknownShipment");
    if (s.buyer !== caller) return refused("CustodyNotParty");
    if (this.roleOf(caller) === Role.None) return refused("UnauthorisedAccount");
    const ready =
      s.transporter !== null
        ? s.status === ShipmentStatus.PickedUp || s.status === ShipmentStatus.HandedOver
        : s.status === ShipmentStatus.Created;
    if (!ready) return refused("CustodyInvalidShipmentStatus");
    this.settle(s, ShipmentStatus.Received, s.buyer);
    return OK;
  }

  reject(id: number, caller: string): Outcome {
    const s = this.shipment(id);
    if (!s) return refused("CustodyUnknownShipment");
    if (s.buyer !== caller) return refused("CustodyNotParty");
    if (this.roleOf(caller) === Role.None) return refused("UnauthorisedAccount");
    if (!isOpen(s.status)) return refused("CustodyInvalidShipmentStatus");
    this.settle(s, ShipmentStatus.Rejected, s.seller);
    return OK;
  }

  /**
   * The seller withdraws shipment `id` while it is `Created`, showing `witness`, a range shipped in shipment
   * `witnessOf` (`id` itself, or another one to show a wrong witness).
   */
  cancel(id: number, caller: string, witness: PackSpan, witnessOf: number): Outcome {
    if (this.roleOf(caller) === Role.None) return refused("UnauthorisedAccount");
    const s = this.shipment(id);
    if (!s) return refused("CustodyUnknownShipment");
    if (witnessOf !== id) {
      // The witness's run still points at its own shipment while that one is open; after, it may have been rewritten.
      const other = this.shipment(witnessOf);
      return refused(other && isOpen(other.status) ? "CustodyNotInShipment" : undefined);
    }
    // A settled shipment's runs may have been rewritten since: refused, for one reason or another.
    if (!isOpen(s.status)) return refused();
    if (caller !== s.seller) return refused("CustodyNotParty");
    if (s.status !== ShipmentStatus.Created) return refused("CustodyInvalidShipmentStatus");
    this.settle(s, ShipmentStatus.Cancelled, s.seller);
    return OK;
  }

  /** A regulator voids an open shipment: its packs return to the seller, `Active`. */
  voidShipment(id: number, caller: string): Outcome {
    if (this.roleOf(caller) !== Role.Regulator) return refused("UnauthorisedAccount");
    const s = this.shipment(id);
    if (!s) return refused("CustodyUnknownShipment");
    if (!isOpen(s.status)) return refused("CustodyInvalidShipmentStatus");
    this.settle(s, ShipmentStatus.Voided, s.seller);
    return OK;
  }

  // ---------------------------------------------------------------- decommissioning

  decommission(
    caller: string,
    lot: number,
    index: number,
    state: PackState,
    serialMatches: boolean,
    now: bigint,
  ): Outcome {
    const early = this.checkDecommission(caller, lot, state, now, serialMatches);
    if (early) return early;
    const p = this.pack(lot, index);
    if (p.state !== PackState.Active) return refused(notActive(p.state));
    if (p.holder !== caller) return refused("CustodyNotHolder");
    this.lots[lot].packs[index] = { holder: caller, state, shipmentId: 0, decommissionedAt: now };
    return OK;
  }

  decommissionRange(caller: string, r: RangeArg, state: PackState, now: bigint): Outcome {
    const early = this.checkDecommission(caller, r.lot, state, now, true);
    if (early) return early;
    const next = copyPacks(this.lots);
    const refusal = this.checkRange(next, new Set(), r, (p) => {
      if (p.state !== PackState.Active) return notActive(p.state);
      return p.holder === caller ? undefined : "CustodyNotHolder";
    });
    if (refusal) return refusal;
    for (let k = r.start; k < r.end; k++)
      next[r.lot][k] = { holder: caller, state, shipmentId: 0, decommissionedAt: now };
    this.commit(next);
    return OK;
  }

  /** Undoes the decommission of `r`: same holder, same state, same time; not Stolen or Destroyed; in the window. */
  undo(caller: string, r: RangeArg, now: bigint): Outcome {
    if (this.roleOf(caller) === Role.None) return refused("UnauthorisedAccount");
    const lot = this.lots[r.lot];
    if (lot.recalled) return refused("CustodyLotRecalled");
    if (now >= lot.expiresAt) return refused("CustodyLotExpired");
    if (!r.inOneRun) return refused("PackRunsInvalidHint");
    const first = this.pack(r.lot, r.start);
    if (first.holder !== caller) return refused("CustodyNotHolder");
    const state = first.state;
    if (!isDecommissioned(state) || state === PackState.Destroyed || state === PackState.Stolen) {
      return refused("CustodyUndoNotAllowed");
    }
    for (let k = r.start + 1; k < r.end; k++) {
      const p = this.pack(r.lot, k);
      if (p.holder !== caller || p.state !== state || p.decommissionedAt !== first.decommissionedAt) {
        return refused("CustodyUndoNotAllowed");
      }
    }
    if (state !== PackState.Locked && now >= first.decommissionedAt + UNDO_WINDOW) {
      return refused("CustodyUndoWindowClosed");
    }
    for (let k = r.start; k < r.end; k++) {
      lot.packs[k] = { holder: caller, state: PackState.Active, shipmentId: 0, decommissionedAt: 0n };
    }
    return OK;
  }

  // ---------------------------------------------------------------- suspect product

  quarantine(caller: string, ranges: readonly RangeArg[]): Outcome {
    if (this.roleOf(caller) === Role.None) return refused("UnauthorisedAccount");
    return this.rule(ranges, (p) => (p.state === PackState.Active ? undefined : notActive(p.state)), PackState.Suspect);
  }

  clearSuspect(caller: string, ranges: readonly RangeArg[]): Outcome {
    if (this.roleOf(caller) !== Role.Regulator) return refused("UnauthorisedAccount");
    return this.rule(
      ranges,
      (p) => (p.state === PackState.Suspect ? undefined : "CustodyNotSuspect"),
      PackState.Active,
    );
  }

  confirmIllegitimate(caller: string, ranges: readonly RangeArg[]): Outcome {
    if (this.roleOf(caller) !== Role.Regulator) return refused("UnauthorisedAccount");
    return this.rule(
      ranges,
      (p) => (p.state === PackState.Suspect ? undefined : "CustodyNotSuspect"),
      PackState.Illegitimate,
    );
  }

  // ---------------------------------------------------------------- lots

  /** ProductLots.recallLot: a regulator, or the lot's own manufacturer; once. */
  recall(caller: string, lot: number): Outcome {
    const role = this.roleOf(caller);
    const l = this.lots[lot];
    if (!(role === Role.Regulator || (role === Role.Manufacturer && caller === l.manufacturer))) {
      return refused("UnauthorisedAccount");
    }
    if (l.recalled) return refused("LotsAlreadyRecalled");
    l.recalled = true;
    return OK;
  }

  /** ProductLots.voidLot: the same parties as a recall, and only a `Pending` lot (the model's lots are released). */
  voidLot(caller: string, lot: number): Outcome {
    const role = this.roleOf(caller);
    if (!(role === Role.Regulator || (role === Role.Manufacturer && caller === this.lots[lot].manufacturer))) {
      return refused("UnauthorisedAccount");
    }
    return refused("LotsNotPending");
  }

  // ---------------------------------------------------------------- internals

  private transport(id: number, caller: string, from: ShipmentStatus, to: ShipmentStatus): Outcome {
    const s = this.shipment(id);
    if (!s) return refused("CustodyUnknownShipment");
    if (s.transporter !== caller) return refused("CustodyNotParty");
    if (this.roleOf(caller) !== Role.Transporter) return refused("UnauthorisedAccount");
    if (s.status !== from) return refused("CustodyInvalidShipmentStatus");
    s.status = to;
    return OK;
  }

  private settle(s: ModelShipment, status: ShipmentStatus, holder: string): void {
    s.status = status;
    for (const r of s.ranges) {
      for (let k = r.start; k < r.end; k++) {
        this.lots[r.lot].packs[k] = { holder, state: PackState.Active, shipmentId: 0, decommissionedAt: 0n };
      }
    }
  }

  /** The checks of decommission and decommissionRange before the packs: role, state, serial, lot. */
  private checkDecommission(
    caller: string,
    lot: number,
    state: PackState,
    now: bigint,
    serialMatches: boolean,
  ): Outcome | undefined {
    const role = this.roleOf(caller);
    if (!isTrader(role)) return refused("UnauthorisedAccount");
    if (!isDecommissioned(state)) return refused("CustodyInvalidDecommission");
    if (state === PackState.Dispensed && role !== Role.Dispenser) return refused("UnauthorisedAccount");
    if (!serialMatches) return refused("CustodyUnknownSerial");
    if (state === PackState.Destroyed) return undefined;
    const l = this.lots[lot];
    if (l.recalled) return refused("CustodyLotRecalled");
    if (now >= l.expiresAt) return refused("CustodyLotExpired");
    return undefined;
  }

  /**
   * Checks a range of `packs` against `problem` (the error for a pack, or undefined when it may change): the range's
   * first pack names the error; any other pack that differs from the first in holder, or fails, refuses the range
   * with no name (the contract would not see it as one run). A range over a pack already changed in the same call
   * (`touched`) is refused with no name either: the contract may then fail on the hint.
   */
  private checkRange(
    packs: ModelPack[][],
    touched: ReadonlySet<string>,
    r: RangeArg,
    problem: (p: ModelPack) => string | undefined,
  ): Outcome | undefined {
    const unitCount = packs[r.lot].length;
    if (r.start >= r.end || r.end > unitCount) return refused("CustodyInvalidRange");
    let overlaps = false;
    for (let k = r.start; k < r.end; k++) if (touched.has(`${r.lot}:${k}`)) overlaps = true;
    if (!r.inOneRun) return refused(overlaps ? undefined : "PackRunsInvalidHint");
    const first = packs[r.lot][r.start];
    const error = problem(first);
    if (error) return refused(overlaps ? undefined : error);
    for (let k = r.start + 1; k < r.end; k++) {
      const p = packs[r.lot][k];
      if (p.holder !== first.holder || problem(p)) return refused();
    }
    return undefined;
  }

  /** quarantine, clearSuspect, confirmIllegitimate: each range in turn, its packs keep their holder. */
  private rule(ranges: readonly RangeArg[], problem: (p: ModelPack) => string | undefined, to: PackState): Outcome {
    const next = copyPacks(this.lots);
    const touched = new Set<string>();
    for (const r of ranges) {
      const refusal = this.checkRange(next, touched, r, problem);
      if (refusal) return refusal;
      for (let k = r.start; k < r.end; k++) {
        next[r.lot][k] = { holder: next[r.lot][k].holder, state: to, shipmentId: 0, decommissionedAt: 0n };
        touched.add(`${r.lot}:${k}`);
      }
    }
    this.commit(next);
    return OK;
  }

  private commit(packs: ModelPack[][]): void {
    packs.forEach((p, i) => {
      this.lots[i].packs = p;
    });
  }
}
