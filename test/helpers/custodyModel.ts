/**
 * A plain model of PackCustody's documented rules (IPackCustody NatSpec, docs/ARCHITECTURE.md section 6), for property tests.
 * No chain: every pack of every lot has one holder and one state, shipments are settled eagerly, and each operation
 * either applies and returns `{ ok: true }` (with the events the rules name, where the model checks them) or changes
 * nothing and returns the custom error the contract must raise, and its arguments where the rules fix them.
 *
 * The model is exact per pack. A range operation applies its ranges one after the other (a later range sees the earlier
 * ones' effects), and refuses at the first pack, in range order then index order, that breaks the operation's rule,
 * naming the rule that pack breaks first (see each operation). It knows nothing of runs, but for one fact the caller
 * passes in: for a single-pack decommission, the end of the run holding the pack (the contract rewrites the rest of
 * that run, settled: see {@link ModelPack}). Hints are sent, valid or not, and must change nothing: the contract
 * ignores them.
 */
import { DAY, PackState, Role, ShipmentStatus } from "./fixture";

/** How long the account that decommissioned a pack may undo it, except `Locked`. */
export const UNDO_WINDOW = 10n * DAY;

/** An argument of an expected error or event. */
export type Arg = string | number | bigint;

export interface ModelPack {
  holder: string;
  state: PackState;
  /** the shipment carrying the pack while `InTransit`, else 0. */
  shipmentId: number;
  /** when the pack was decommissioned, else 0. */
  decommissionedAt: bigint;
  /**
   * The shipment the contract still stores the pack under (its run `InTransit`, held by the seller, `aux` the
   * shipment), else 0. Set when the pack is shipped; kept when the shipment settles (settling is O(1): reads resolve
   * the run through the shipment's status); cleared when the pack is next written: by a range write over it, or by a
   * single-pack decommission of it or of an earlier pack of its run (which stores the rest of that run settled).
   */
  storedShipment: number;
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

/** A range as sent: its hint, and whether that hint is valid for the call (which only the runs can tell). */
export interface RangeArg extends PackSpan {
  readonly hint: number;
  readonly hintValid: boolean;
}

/** One pack as sent to `decommission`: its hint, and the end of the chain's run holding it before the call. */
export interface PackArg {
  readonly lot: number;
  readonly index: number;
  readonly hint: number;
  readonly hintValid: boolean;
  readonly runEnd: number;
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

export interface ExpectedEvent {
  readonly name: string;
  readonly args: readonly Arg[];
}

export type Outcome =
  | { readonly ok: true; readonly events?: readonly ExpectedEvent[] }
  | { readonly ok: false; readonly error: string; readonly args?: readonly Arg[] };

const OK: Outcome = { ok: true };

function refused(error: string, args?: readonly Arg[]): Outcome & { ok: false } {
  return { ok: false, error, args };
}

export function isDecommissioned(state: PackState): boolean {
  return state >= PackState.Dispensed;
}

/** A decommission state that may be undone (in its window, but for `Locked`). */
export function isUndoable(state: PackState): boolean {
  return isDecommissioned(state) && state !== PackState.Destroyed && state !== PackState.Stolen;
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
export function pathAllowed(from: Role, to: Role): boolean {
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

function copyPacks(lots: readonly ModelLot[]): ModelPack[][] {
  return lots.map((l) => l.packs.map((p) => ({ ...p })));
}

function plain(holder: string, state: PackState): ModelPack {
  return { holder, state, shipmentId: 0, decommissionedAt: 0n, storedShipment: 0 };
}

/** The maximal parts of `[start, end)` whose packs share `keyOf`, in order. */
function segments(
  packs: readonly ModelPack[],
  start: number,
  end: number,
  keyOf: (p: ModelPack) => string,
): { start: number; end: number; first: ModelPack }[] {
  const out: { start: number; end: number; first: ModelPack }[] = [];
  for (let k = start; k < end; k++) {
    const last = out[out.length - 1];
    if (last !== undefined && keyOf(last.first) === keyOf(packs[k])) last.end = k + 1;
    else out.push({ start: k, end: k + 1, first: packs[k] });
  }
  return out;
}

export interface LotSetup {
  lotId: string;
  manufacturer: string;
  expiresAt: bigint;
  unitCount: number;
}

/** The rule of a range operation for one pack: the refusal it earns, if any. */
type PackRule = (p: ModelPack, lotId: string, index: number) => Outcome | undefined;

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
      packs: Array.from({ length: l.unitCount }, () => plain(l.manufacturer, PackState.Active)),
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

  /** Per pack: the seller holds it (`CustodyNotHolder`), then it is `Active`. */
  ship(seller: string, buyer: string, transporter: string | null, ranges: readonly RangeArg[], now: bigint): Outcome {
    const sellerRole = this.roleOf(seller);
    if (!isTrader(sellerRole)) return refused("UnauthorisedAccount");
    if (buyer === seller) return refused("CustodyInvalidBuyer", [buyer]);
    const buyerRole = this.roleOf(buyer);
    if (buyerRole === Role.None) return refused("UnauthorisedAccount");
    if (!pathAllowed(sellerRole, buyerRole)) return refused("CustodyPathNotAllowed", [seller, buyer]);
    if (transporter !== null && this.roleOf(transporter) !== Role.Transporter) return refused("UnauthorisedAccount");
    if (ranges.length === 0) return refused("CustodyEmptyShipment");

    const id = this.shipments.length + 1;
    const result = this.applyRanges(
      ranges,
      (lot) => {
        const l = this.lots[lot];
        if (now >= l.expiresAt) return refused("CustodyLotExpired", [l.lotId, l.expiresAt]);
        const toItsManufacturer = buyer === l.manufacturer;
        if (l.recalled && !toItsManufacturer) return refused("CustodyLotRecalled", [l.lotId]);
        if (buyerRole === Role.Manufacturer && !toItsManufacturer) {
          return refused("CustodyPathNotAllowed", [seller, buyer]);
        }
        return undefined;
      },
      (p, lotId, k) => {
        if (p.holder !== seller) return refused("CustodyNotHolder", [lotId, k, p.holder]);
        return this.requireActive(p, lotId, k);
      },
      () => ({ holder: seller, state: PackState.InTransit, shipmentId: id, decommissionedAt: 0n, storedShipment: id }),
    );
    if (!result.ok) return result;
    this.shipments.push({
      id,
      seller,
      buyer,
      transporter,
      status: ShipmentStatus.Created,
      ranges: ranges.map(({ lot, start, end }) => ({ lot, start, end })),
      packCount: ranges.reduce((n, r) => n + r.end - r.start, 0),
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
    if (!s) return refused("CustodyUnknownShipment", [id]);
    if (s.buyer !== caller) return refused("CustodyNotParty", [id, caller]);
    if (this.roleOf(caller) === Role.None) return refused("UnauthorisedAccount");
    const ready =
      s.transporter !== null
        ? s.status === ShipmentStatus.PickedUp || s.status === ShipmentStatus.HandedOver
        : s.status === ShipmentStatus.Created;
    if (!ready) return refused("CustodyInvalidShipmentStatus", [id, s.status]);
    this.settle(s, ShipmentStatus.Received, s.buyer);
    return OK;
  }

  reject(id: number, caller: string): Outcome {
    const s = this.shipment(id);
    if (!s) return refused("CustodyUnknownShipment", [id]);
    if (s.buyer !== caller) return refused("CustodyNotParty", [id, caller]);
    if (this.roleOf(caller) === Role.None) return refused("UnauthorisedAccount");
    if (!isOpen(s.status)) return refused("CustodyInvalidShipmentStatus", [id, s.status]);
    this.settle(s, ShipmentStatus.Rejected, s.seller);
    return OK;
  }

  /**
   * The seller withdraws shipment `id` while it is `Created`, showing `witness`, a range whose first pack's run must
   * still be stored under shipment `id` (so a witness of another shipment, or of packs rewritten since, is refused):
   * its hint is ignored.
   */
  cancel(id: number, caller: string, witness: RangeArg): Outcome {
    if (this.roleOf(caller) === Role.None) return refused("UnauthorisedAccount");
    const s = this.shipment(id);
    if (!s) return refused("CustodyUnknownShipment", [id]);
    const lotId = this.lots[witness.lot].lotId;
    if (witness.start >= witness.end) return refused("CustodyInvalidRange", [lotId, witness.start, witness.end]);
    if (this.pack(witness.lot, witness.start).storedShipment !== id) {
      return refused("CustodyNotInShipment", [id, lotId, witness.start]);
    }
    // The run is stored with the seller as holder.
    if (caller !== s.seller) return refused("CustodyNotParty", [id, caller]);
    if (s.status !== ShipmentStatus.Created) return refused("CustodyInvalidShipmentStatus", [id, s.status]);
    this.settle(s, ShipmentStatus.Cancelled, s.seller);
    return OK;
  }

  /** A regulator voids an open shipment: its packs return to the seller, `Active`. */
  voidShipment(id: number, caller: string): Outcome {
    if (this.roleOf(caller) !== Role.Regulator) return refused("UnauthorisedAccount");
    const s = this.shipment(id);
    if (!s) return refused("CustodyUnknownShipment", [id]);
    if (!isOpen(s.status)) return refused("CustodyInvalidShipmentStatus", [id, s.status]);
    this.settle(s, ShipmentStatus.Voided, s.seller);
    return OK;
  }

  // ---------------------------------------------------------------- decommissioning

  /** One pack, proven by its serial: it is `Active`, then the caller holds it. */
  decommission(caller: string, pack: PackArg, state: PackState, serialMatches: boolean, now: bigint): Outcome {
    const early = this.checkDecommission(caller, pack.lot, state, now, serialMatches);
    if (early) return early;
    const lot = this.lots[pack.lot];
    const p = lot.packs[pack.index];
    const refusal =
      this.requireActive(p, lot.lotId, pack.index) ??
      (p.holder === caller ? undefined : refused("CustodyNotHolder", [lot.lotId, pack.index, p.holder]));
    if (refusal) return refusal;
    lot.packs[pack.index] = { ...plain(caller, state), decommissionedAt: now };
    // The rest of the pack's run is stored again, settled.
    for (let k = pack.index + 1; k < pack.runEnd; k++) lot.packs[k].storedShipment = 0;
    return OK;
  }

  /** Per pack: it is `Active`, then the caller holds it. */
  decommissionRange(caller: string, r: RangeArg, state: PackState, now: bigint): Outcome {
    const early = this.checkDecommission(caller, r.lot, state, now, true);
    if (early) return early;
    return this.applyRanges(
      [r],
      () => undefined,
      (p, lotId, k) =>
        this.requireActive(p, lotId, k) ??
        (p.holder === caller ? undefined : refused("CustodyNotHolder", [lotId, k, p.holder])),
      () => ({ ...plain(caller, state), decommissionedAt: now }),
    );
  }

  /**
   * Undoes the decommission of `r`. Per pack: the caller holds it (`CustodyNotHolder`); it is decommissioned, not
   * `Stolen` or `Destroyed` (`CustodyUndoNotAllowed`); its undo window is open, but for `Locked`
   * (`CustodyUndoWindowClosed`). Packs may have different decommission states and times: one `DecommissionUndone` per
   * part of one state and time.
   */
  undo(caller: string, r: RangeArg, now: bigint): Outcome {
    if (this.roleOf(caller) === Role.None) return refused("UnauthorisedAccount");
    const lot = this.lots[r.lot];
    if (lot.recalled) return refused("CustodyLotRecalled", [lot.lotId]);
    if (now >= lot.expiresAt) return refused("CustodyLotExpired", [lot.lotId, lot.expiresAt]);
    const before = lot.packs;
    const result = this.applyRanges(
      [r],
      () => undefined,
      (p, lotId, k) => {
        if (p.holder !== caller) return refused("CustodyNotHolder", [lotId, k, p.holder]);
        if (!isUndoable(p.state)) return refused("CustodyUndoNotAllowed", [lotId, k, p.state]);
        const closesAt = p.decommissionedAt + UNDO_WINDOW;
        if (p.state !== PackState.Locked && now >= closesAt) {
          return refused("CustodyUndoWindowClosed", [lotId, k, closesAt]);
        }
        return undefined;
      },
      (p) => plain(p.holder, PackState.Active),
    );
    if (!result.ok) return result;
    const events = segments(before, r.start, r.end, (p) => `${p.state}@${p.decommissionedAt}`).map((s) => ({
      name: "DecommissionUndone",
      args: [lot.lotId, caller, s.first.state, s.start, s.end],
    }));
    return { ok: true, events };
  }

  // ---------------------------------------------------------------- suspect product

  /** A regulator, or any authorised party holding every pack. Per pack: held (unless a regulator), then `Active`. */
  quarantine(caller: string, ranges: readonly RangeArg[]): Outcome {
    const role = this.roleOf(caller);
    if (role === Role.None) return refused("UnauthorisedAccount");
    const byRegulator = role === Role.Regulator;
    return this.applyRanges(
      ranges,
      () => undefined,
      (p, lotId, k) => {
        if (!byRegulator && p.holder !== caller) return refused("CustodyNotHolder", [lotId, k, p.holder]);
        return this.requireActive(p, lotId, k);
      },
      (p) => plain(p.holder, PackState.Suspect),
    );
  }

  /**
   * Anyone authorised reports a suspicion about any packs: no state changes; one `SuspicionReported` per part of one
   * holder of each range.
   */
  reportSuspicion(caller: string, ranges: readonly RangeArg[], evidenceHash: string): Outcome {
    if (this.roleOf(caller) === Role.None) return refused("UnauthorisedAccount");
    const events: ExpectedEvent[] = [];
    for (const r of ranges) {
      const lot = this.lots[r.lot];
      if (r.start >= r.end || r.end > lot.packs.length)
        return refused("CustodyInvalidRange", [lot.lotId, r.start, r.end]);
      for (const s of segments(lot.packs, r.start, r.end, (p) => p.holder)) {
        events.push({
          name: "SuspicionReported",
          args: [lot.lotId, s.first.holder, caller, s.start, s.end, evidenceHash],
        });
      }
    }
    return { ok: true, events };
  }

  /** A regulator; every pack `Suspect` (`CustodyNotSuspect`). */
  clearSuspect(caller: string, ranges: readonly RangeArg[]): Outcome {
    return this.ruleOnSuspect(caller, ranges, PackState.Active);
  }

  /**
   * A regulator; every pack `Suspect` (`CustodyNotSuspect`). Two keys: the first call (the proposal) checks each range
   * against the packs as they are, changing nothing, so ranges that overlap pass it; the second call applies them in
   * turn, and then a range overlapping an earlier one meets packs already `Illegitimate` and is refused. The model
   * gives the first call's refusal, else the second's.
   */
  confirmIllegitimate(caller: string, ranges: readonly RangeArg[]): Outcome {
    const proposal = this.ruleOnSuspect(caller, ranges, undefined);
    if (!proposal.ok) return proposal;
    return this.ruleOnSuspect(caller, ranges, PackState.Illegitimate);
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
    if (!s) return refused("CustodyUnknownShipment", [id]);
    if (s.transporter !== caller) return refused("CustodyNotParty", [id, caller]);
    if (this.roleOf(caller) !== Role.Transporter) return refused("UnauthorisedAccount");
    if (s.status !== from) return refused("CustodyInvalidShipmentStatus", [id, s.status]);
    s.status = to;
    return OK;
  }

  /** The shipment's packs go to `holder`, `Active`; the contract still stores them under the shipment. */
  private settle(s: ModelShipment, status: ShipmentStatus, holder: string): void {
    s.status = status;
    for (const r of s.ranges) {
      for (let k = r.start; k < r.end; k++) {
        this.lots[r.lot].packs[k] = { ...plain(holder, PackState.Active), storedShipment: s.id };
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
    if (!isDecommissioned(state)) return refused("CustodyInvalidDecommission", [state]);
    if (state === PackState.Dispensed && role !== Role.Dispenser) return refused("UnauthorisedAccount");
    if (!serialMatches) return refused("CustodyUnknownSerial");
    if (state === PackState.Destroyed) return undefined;
    const l = this.lots[lot];
    if (l.recalled) return refused("CustodyLotRecalled", [l.lotId]);
    if (now >= l.expiresAt) return refused("CustodyLotExpired", [l.lotId, l.expiresAt]);
    return undefined;
  }

  /** The refusal of a pack that is not `Active`: already decommissioned, or else not active. */
  private requireActive(p: ModelPack, lotId: string, index: number): Outcome | undefined {
    if (p.state === PackState.Active) return undefined;
    const error = isDecommissioned(p.state) ? "CustodyAlreadyDecommissioned" : "CustodyPackNotActive";
    return refused(error, [lotId, index, p.state]);
  }

  /** `to` undefined: check only, every range against the packs as they are (a proposal). */
  private ruleOnSuspect(caller: string, ranges: readonly RangeArg[], to: PackState | undefined): Outcome {
    if (this.roleOf(caller) !== Role.Regulator) return refused("UnauthorisedAccount");
    return this.applyRanges(
      ranges,
      () => undefined,
      (p, lotId, k) => (p.state === PackState.Suspect ? undefined : refused("CustodyNotSuspect", [lotId, k, p.state])),
      (p) => (to === undefined ? p : plain(p.holder, to)),
    );
  }

  /**
   * A range write: each range in turn, on the packs as the ranges before it left them. For each range: the lot's
   * checks (`lotCheck`, when the range's lot differs from the previous range's), the range lies in the lot, then
   * every pack in index order passes `rule`; then its packs become `write(pack)`. All or nothing.
   */
  private applyRanges(
    ranges: readonly RangeArg[],
    lotCheck: (lot: number) => Outcome | undefined,
    rule: PackRule,
    write: (p: ModelPack) => ModelPack,
  ): Outcome {
    const next = copyPacks(this.lots);
    for (let i = 0; i < ranges.length; i++) {
      const r = ranges[i];
      if (i === 0 || r.lot !== ranges[i - 1].lot) {
        const refusal = lotCheck(r.lot);
        if (refusal) return refusal;
      }
      const lotId = this.lots[r.lot].lotId;
      const packs = next[r.lot];
      if (r.start >= r.end || r.end > packs.length) return refused("CustodyInvalidRange", [lotId, r.start, r.end]);
      for (let k = r.start; k < r.end; k++) {
        const refusal = rule(packs[k], lotId, k);
        if (refusal) return refusal;
      }
      for (let k = r.start; k < r.end; k++) packs[k] = write(packs[k]);
    }
    next.forEach((p, i) => {
      this.lots[i].packs = p;
    });
    return OK;
  }
}
