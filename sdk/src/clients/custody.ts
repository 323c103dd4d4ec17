/**
 * The custody client: shipments (ship, pick up, hand over, receive, reject, cancel, void), decommissioning (dispense,
 * destroy, export, undo), suspicion and quarantine, illegitimacy with two keys, clones; the reads of shipments, pack
 * statuses and runs.
 */
import { ZeroAddress } from "ethers";
import { PackState, ShipmentStatus } from "../enums";
import { NotFoundError } from "../errors";
import { HistoryReader } from "../history";
import { DomainClient } from "./context";
import {
  HashInput,
  PackRangeInput,
  PackRef,
  PackStatusRecord,
  RunRecord,
  ShipmentRecord,
  illegitimacyProposalId,
  toBytes32,
} from "./shared";

/** Custody of packs (the `PackCustody` contract). */
export class CustodyClient extends DomainClient {
  /**
   * Ships index ranges of one or more lots to `buyer`, optionally through a transporter, with the off-chain shipping
   * notice's hash. Returns the shipment id.
   */
  readonly ship = this.context.operation(
    (c) => c.custody,
    (c) => c.ship,
  )(
    async (p: { buyer: string; transporter?: string; notice?: HashInput; ranges: readonly PackRangeInput[] }) => [
      p.buyer,
      p.transporter ?? ZeroAddress,
      toBytes32(p.notice),
      this.context.hinted(p.ranges),
    ],
    (receipt) => {
      const event = this.context.event(receipt, this.context.custody.interface, "ShipmentCreated");
      return { shipmentId: event.args.shipmentId as bigint, packCount: event.args.packCount as bigint };
    },
    (value, p) => ({
      shipmentId: value as bigint,
      packCount: p.ranges.reduce((n, r) => n + BigInt(r.end - r.start), 0n),
    }),
  );

  /** The named transporter picks the shipment up at a location (GLN). */
  readonly pickUp = this.context.operation(
    (c) => c.custody,
    (c) => c.pickUp,
  )(
    (shipmentId: bigint, gln: bigint | number) => [shipmentId, gln],
    () => ({}),
  );

  readonly handOver = this.context.operation(
    (c) => c.custody,
    (c) => c.handOver,
  )(
    (shipmentId: bigint, gln: bigint | number) => [shipmentId, gln],
    () => ({}),
  );

  /** The buyer receives: custody and ownership of every pack of the shipment move to it. */
  readonly receiveShipment = this.context.operation(
    (c) => c.custody,
    (c) => c.receiveShipment,
  )(
    (shipmentId: bigint) => [shipmentId],
    () => ({}),
  );

  /** The buyer rejects: the packs return to the seller. */
  readonly rejectShipment = this.context.operation(
    (c) => c.custody,
    (c) => c.rejectShipment,
  )(
    (shipmentId: bigint, reason?: HashInput) => [shipmentId, toBytes32(reason)],
    () => ({}),
  );

  /** The seller cancels before pick-up; one range of the shipment (found from its events) witnesses the seller. */
  readonly cancelShipment = this.context.operation(
    (c) => c.custody,
    (c) => c.cancelShipment,
  )(
    async (shipmentId: bigint) => [shipmentId, await this.#witnessOf(shipmentId)],
    () => ({}),
  );

  /** A regulator voids an open shipment: the packs return to the seller. */
  readonly voidShipment = this.context.operation(
    (c) => c.custody,
    (c) => c.voidShipment,
  )(
    (shipmentId: bigint, reason?: HashInput) => [shipmentId, toBytes32(reason)],
    () => ({}),
  );

  /** Decommissions one pack, proven by its serial, into an EU FMD state. */
  readonly decommission = this.context.operation(
    (c) => c.custody,
    (c) => c.decommission,
  )(
    async (pack: PackRef, state: PackState) => [await this.#packProof(pack), state],
    () => ({}),
  );

  /** Dispenses one pack to a patient (decommission as `Dispensed`). */
  readonly dispense = this.context.operation(
    (c) => c.custody,
    (c) => c.decommission,
  )(
    async (pack: PackRef) => [await this.#packProof(pack), PackState.Dispensed],
    () => ({}),
  );

  /** Decommissions a range the caller holds (destruction, export, samples...). */
  readonly decommissionRange = this.context.operation(
    (c) => c.custody,
    (c) => c.decommissionRange,
  )(
    async (range: PackRangeInput, state: PackState) => [this.context.hinted([range])[0], state],
    () => ({}),
  );

  /** Undoes a decommission within its window, by the account that made it. */
  readonly undoDecommission = this.context.operation(
    (c) => c.custody,
    (c) => c.undoDecommission,
  )(
    async (range: PackRangeInput) => [this.context.hinted([range])[0]],
    () => ({}),
  );

  /**
   * Quarantines ranges as suspect, with the evidence's hash: the holder of the packs, or a regulator. Anyone else
   * reports a suspicion ({@link reportSuspicion}).
   */
  readonly quarantine = this.context.operation(
    (c) => c.custody,
    (c) => c.quarantine,
  )(
    async (ranges: readonly PackRangeInput[], evidence?: HashInput) => [
      this.context.hinted(ranges),
      toBytes32(evidence),
    ],
    () => ({}),
  );

  /**
   * Reports a suspicion about packs the caller does not hold, with the evidence's hash: an event for their holder and
   * the regulators; no state changes.
   */
  readonly reportSuspicion = this.context.operation(
    (c) => c.custody,
    (c) => c.reportSuspicion,
  )(
    async (ranges: readonly PackRangeInput[], evidence?: HashInput) => [
      this.context.hinted(ranges),
      toBytes32(evidence),
    ],
    () => ({}),
  );

  /** A regulator clears suspect packs. */
  readonly clearSuspect = this.context.operation(
    (c) => c.custody,
    (c) => c.clearSuspect,
  )(
    async (ranges: readonly PackRangeInput[], decision?: HashInput) => [
      this.context.hinted(ranges),
      toBytes32(decision),
    ],
    () => ({}),
  );

  /**
   * Confirms suspect packs illegitimate (final), with two keys: the first call (a regulator or the council) proposes,
   * the same call with the same ranges and decision by a different regulator or the council completes it.
   * `confirmed` says which happened; `proposalId` names the proposal (see {@link illegitimacyProposalId}).
   */
  readonly confirmIllegitimate = this.context.operation(
    (c) => c.custody,
    (c) => c.confirmIllegitimate,
  )(
    async (ranges: readonly PackRangeInput[], decision?: HashInput) => [
      this.context.hinted(ranges),
      toBytes32(decision),
    ],
    (receipt) => {
      const proposed = this.context.events(receipt, this.context.custody.interface, "IllegitimacyProposed");
      if (proposed.length > 0) return { confirmed: false, proposalId: String(proposed[0].args.proposalId) };
      const done = this.context.events(receipt, this.context.custody.interface, "PacksIllegitimate");
      const ranges = done.map((e) => ({
        lotId: String(e.args.lotId),
        start: Number(e.args.start),
        end: Number(e.args.end),
      }));
      return { confirmed: true, proposalId: illegitimacyProposalId(ranges, String(done[0].args.decisionHash)) };
    },
  );

  /** Who proposed the ruling of illegitimacy `proposalId` that awaits its second key (null: none). */
  async illegitimacyProposer(proposalId: string): Promise<string | null> {
    const proposer = await this.context.read((at) => this.context.custody.illegitimacyProposer(proposalId, at));
    return proposer === ZeroAddress ? null : proposer;
  }

  /**
   * The holder destroys packs confirmed illegitimate (their disposition): they become `Destroyed` and leave its stock,
   * also in a recalled or expired lot.
   */
  readonly destroyIllegitimate = this.context.operation(
    (c) => c.custody,
    (c) => c.destroyIllegitimate,
  )(
    async (ranges: readonly PackRangeInput[]) => [this.context.hinted(ranges)],
    () => ({}),
  );

  /** Reports the second scan of a decommissioned pack's code (a clone) to the regulator. */
  readonly reportClone = this.context.operation(
    (c) => c.custody,
    (c) => c.reportClone,
  )(
    async (pack: PackRef) => [await this.#packProof(pack)],
    () => ({}),
  );

  async shipment(shipmentId: bigint): Promise<ShipmentRecord> {
    const [s, transporter] = await this.context.read((at) => this.context.custody.shipment(shipmentId, at));
    return {
      shipmentId,
      buyer: s.buyer,
      status: Number(s.status) as ShipmentStatus,
      viaTransporter: s.viaTransporter,
      packCount: s.packCount,
      transporter,
    };
  }

  async packStatus(lotId: string, index: number): Promise<PackStatusRecord> {
    const s = await this.context.read((at) => this.context.custody.packStatus(lotId, index, at));
    return {
      lotId,
      index,
      state: Number(s.state) as PackState,
      holder: s.holder,
      shipmentId: s.shipmentId,
      decommissionedAt: s.decommissionedAt,
      runStart: Number(s.runStart),
    };
  }

  /** Every run of the lot (consecutive packs sharing holder and state), read page by page. */
  async runs(lotId: string, pageSize = 500, options: { blockTag?: number } = {}): Promise<RunRecord[]> {
    const all: RunRecord[] = [];
    let from = 0;
    for (;;) {
      const [page, next] = await this.context.read((at) =>
        this.context.custody.runs(lotId, from, pageSize, options.blockTag === undefined ? at : options),
      );
      for (const r of page) {
        all.push({
          start: Number(r.start),
          end: Number(r.end),
          holder: r.holder,
          state: Number(r.state) as PackState,
          head: Number(r.head) as PackState,
          aux: r.aux,
        });
      }
      if (Number(next) === 0 || page.length === 0) return all;
      from = Number(next);
    }
  }

  async #packProof(
    pack: PackRef,
  ): Promise<{ lotId: string; index: number; hint: number; serial: string; proof: string[] }> {
    const hint = pack.hint ?? 0;
    return { lotId: pack.lotId, index: pack.index, hint, serial: pack.serial, proof: [...pack.proof] };
  }

  /** One range of the shipment, read from the shipment's `PacksShipped` events. */
  async #witnessOf(shipmentId: bigint): Promise<PackRangeInput & { hint: number }> {
    const events = await new HistoryReader(this.context.provider, this.context.addresses).shipment(shipmentId);
    const shipped = events.find((e) => e.name === "PacksShipped");
    if (!shipped)
      throw new NotFoundError(`shipment ${shipmentId} has no shipped packs on chain ${this.context.chainId}`);
    const { lotId, start, end } = shipped.args as { lotId: string; start: bigint; end: bigint };
    return this.context.hinted([{ lotId, start: Number(start), end: Number(end) }])[0];
  }
}
