/**
 * EPCIS 2.0 export (docs/ARCHITECTURE.md section 8): the on-chain history of a lot, a pack or a shipment as an EPCIS 2.0 JSON-LD
 * document that validates against the official schema.
 *
 * | on-chain event | EPCIS event |
 * |---|---|
 * | LotCommissioned | ObjectEvent ADD `commissioning` `active`, `ilmd` lot number and expiry |
 * | ShipmentCreated + PacksShipped | ObjectEvent OBSERVE `shipping` `in_transit`, owning parties by GLN, the notice hash as a `desadv` business transaction |
 * | ShipmentPickedUp / HandedOver | ObjectEvent OBSERVE `departing` / `arriving` `in_transit` at the transporter's GLN |
 * | ShipmentReceived | ObjectEvent OBSERVE `receiving` `in_progress` |
 * | ShipmentRejected / Cancelled / Voided | ObjectEvent OBSERVE `void_shipping` (`returned` / `active`) |
 * | PacksDecommissioned | `dispensing` `dispensed`, `destroying` `destroyed` (DELETE), `decommissioning` (DELETE) for exported and stolen, `sampling` for samples, `holding` `unavailable` for locked |
 * | DecommissionUndone | the decommission's event again, with an `errorDeclaration` (same `eventID`) |
 * | PacksQuarantined / Cleared / Illegitimate | `holding` `non_sellable_other` / `inspecting` `active` / `inspecting` `non_sellable_other` |
 * | LotRecalled / LotVoided | `holding` `recalled` / `decommissioning` `inactive` (DELETE), for the whole lot |
 * | CloneReported | `inspecting`, the pack's current disposition, `pharmachain:alert` `clone` |
 * | LotSigned, LotReleased | none: listed in `skipped` with the reason |
 *
 * Packs are written by serial (SGTIN URIs or Digital Links) when the exporter holds the lot's manifest, else as a
 * quantity of the lot's class (LGTIN) with the index ranges in `pharmachain:ranges`. A shipment whose off-chain
 * notice the exporter holds (and whose hash matches the chain's) is written as sent: its SSCC and cases, the packing
 * events, the purchase order.
 */
import { ZeroAddress, ZeroHash, getAddress } from "ethers";
import type { PharmaChainClient } from "../client";
import { PackState } from "../enums";
import { InvalidInputError, NotFoundError } from "../errors";
import type { HistoryEvent, HistoryOptions } from "../history";
import type { Manifest } from "../manifest";
import {
  EPCIS_DOCUMENT_CONTEXT,
  EpcisDocument,
  EpcisEvent,
  IdentifierOptions,
  PHARMACHAIN_PREFIX,
  ShippingNotice,
  chainEventId,
  glnOf,
  isoTime,
  lgtinId,
  locationId,
  offsetText,
  partyId,
  sgtinId,
  shippingNoticeHash,
} from "./common";
import { assertValidEpcisDocument } from "./schema";

const P = PHARMACHAIN_PREFIX;

/** A lot's serials in manifest order: a `Manifest`, or the list. */
export type SerialSource = Manifest | readonly string[];

export interface EpcisExportOptions extends IdentifierOptions {
  /** The manifests the exporter holds, by lot id: their packs are written by serial. */
  manifests?: ReadonlyMap<string, SerialSource> | ((lotId: string) => SerialSource | undefined);
  /** Shipping notices the exporter holds, by notice hash (checked against it). */
  notices?: ReadonlyMap<string, ShippingNotice> | ((noticeHash: string) => ShippingNotice | undefined);
  /** `eventTimeZoneOffset`: `±hh:mm` or minutes east of UTC (default `+00:00`). */
  timeZoneOffset?: string | number;
  /** The document's `creationDate` (default now). */
  creationDate?: Date;
  /** Block range and page size of the history queries. */
  history?: HistoryOptions;
  /** Validate the result against the official schema and throw if it fails (default true). */
  validate?: boolean;
}

/** An on-chain event the export did not write, and why. */
export interface SkippedEvent {
  name: string;
  transactionHash: string;
  logIndex: number;
  reason: string;
}

export interface EpcisExport {
  document: EpcisDocument;
  skipped: SkippedEvent[];
  /** Things the export could not do as asked (a notice whose hash does not match, …). */
  warnings: string[];
}

/** What to export. */
export type EpcisExportTarget =
  | { kind: "lot"; lotId: string }
  | { kind: "pack"; lotId: string; index: number }
  | { kind: "shipment"; shipmentId: bigint };

interface LotInfo {
  lotId: string;
  gtin: bigint;
  lotNumber: string;
  expiresAt: bigint;
  unitCount: number;
  manufacturer: string;
}

interface Range {
  lotId: string;
  start: number;
  end: number;
}

interface Item {
  block: number;
  log: number;
  sub: number;
  event: EpcisEvent;
}

/** The history of a lot as an EPCIS 2.0 document. */
export function exportLotEpcis(
  client: PharmaChainClient,
  lotId: string,
  options: EpcisExportOptions = {},
): Promise<EpcisExport> {
  return exportEpcis(client, { kind: "lot", lotId }, options);
}

/** The history of one pack (`lotId`, `index`) as an EPCIS 2.0 document. */
export function exportPackEpcis(
  client: PharmaChainClient,
  lotId: string,
  index: number,
  options: EpcisExportOptions = {},
): Promise<EpcisExport> {
  return exportEpcis(client, { kind: "pack", lotId, index }, options);
}

/** The history of a shipment as an EPCIS 2.0 document. */
export function exportShipmentEpcis(
  client: PharmaChainClient,
  shipmentId: bigint,
  options: EpcisExportOptions = {},
): Promise<EpcisExport> {
  return exportEpcis(client, { kind: "shipment", shipmentId }, options);
}

/** The history of `target` as an EPCIS 2.0 document, read through `client` (a provider is enough). */
export async function exportEpcis(
  client: PharmaChainClient,
  target: EpcisExportTarget,
  options: EpcisExportOptions = {},
): Promise<EpcisExport> {
  const history = client.history();
  const h = options.history ?? {};
  let events: HistoryEvent[];
  if (target.kind === "lot") {
    events = await history.lot(target.lotId, h);
    if (!events.some((e) => e.name === "LotCommissioned"))
      throw new NotFoundError(`lot ${target.lotId} is not on chain ${client.chainId}`);
    // A shipment is one EPCIS event whichever lot's history shows it: read every range of each shipment.
    const ids = new Set(events.filter((e) => e.name === "ShipmentCreated").map((e) => e.args.shipmentId as bigint));
    for (const id of ids) events.push(...(await history.shipment(id, h)));
  } else if (target.kind === "pack") {
    events = await history.pack(target.lotId, target.index, h);
    const commissioned = events.find((e) => e.name === "LotCommissioned");
    if (!commissioned) throw new NotFoundError(`lot ${target.lotId} is not on chain ${client.chainId}`);
    const unitCount = Number(commissioned.args.unitCount);
    if (!Number.isInteger(target.index) || target.index < 0 || target.index >= unitCount) {
      throw new InvalidInputError(`pack index ${target.index} is outside lot ${target.lotId} (0-${unitCount - 1})`);
    }
  } else {
    events = await history.shipment(target.shipmentId, h);
    if (!events.some((e) => e.name === "ShipmentCreated")) {
      throw new NotFoundError(`shipment ${target.shipmentId} is not on chain ${client.chainId}`);
    }
  }
  const unique = new Map<string, HistoryEvent>();
  for (const e of events) unique.set(`${e.blockNumber}:${e.logIndex}`, e);
  const sorted = [...unique.values()].sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
  const exporter = new Exporter(client, options, target);
  return exporter.build(sorted);
}

function manifestLookup(options: EpcisExportOptions, lotId: string): SerialSource | undefined {
  const m = options.manifests;
  if (!m) return undefined;
  return typeof m === "function" ? m(lotId) : (m.get(lotId) ?? m.get(lotId.toLowerCase()));
}

function serialAt(source: SerialSource, index: number): string {
  return Array.isArray(source) ? (source as readonly string[])[index] : (source as Manifest).serialAt(index);
}

function sizeOf(source: SerialSource): number {
  return Array.isArray(source) ? source.length : (source as Manifest).size;
}

/** The AI 17 day (`YYYY-MM-DD`) of an `expiresAt`: the day that ends at it. */
export function expiresAtToDate(expiresAt: bigint): string {
  return new Date((Number(expiresAt) - 1) * 1000).toISOString().slice(0, 10);
}

const DECOMMISSION: Record<number, { bizStep: string; disposition: string; action: "OBSERVE" | "DELETE" }> = {
  [PackState.Dispensed]: { bizStep: "dispensing", disposition: "dispensed", action: "OBSERVE" },
  [PackState.Destroyed]: { bizStep: "destroying", disposition: "destroyed", action: "DELETE" },
  [PackState.Exported]: { bizStep: "decommissioning", disposition: "inactive", action: "DELETE" },
  [PackState.Sample]: { bizStep: "sampling", disposition: "non_sellable_other", action: "OBSERVE" },
  [PackState.FreeSample]: { bizStep: "sampling", disposition: "non_sellable_other", action: "OBSERVE" },
  [PackState.Stolen]: { bizStep: "decommissioning", disposition: "stolen", action: "DELETE" },
  [PackState.Locked]: { bizStep: "holding", disposition: "unavailable", action: "OBSERVE" },
};

const STATE_DISPOSITION: Record<number, string> = {
  [PackState.Active]: "active",
  [PackState.InTransit]: "in_transit",
  [PackState.Suspect]: "non_sellable_other",
  [PackState.Illegitimate]: "non_sellable_other",
};

class Exporter {
  private readonly lots = new Map<string, LotInfo>();
  private readonly glns = new Map<string, string | undefined>();
  private readonly skipped: SkippedEvent[] = [];
  private readonly warnings: string[] = [];
  private readonly offset: string;

  constructor(
    private readonly client: PharmaChainClient,
    private readonly options: EpcisExportOptions,
    private readonly target: EpcisExportTarget,
  ) {
    const o = options.timeZoneOffset ?? "+00:00";
    this.offset = typeof o === "number" ? offsetText(o) : o;
    if (!/^[+-]((0\d|1[0-3]):[0-5]\d|14:00)$/.test(this.offset)) {
      throw new InvalidInputError(`time-zone offset "${this.offset}" must be ±hh:mm between -14:00 and +14:00`);
    }
  }

  async build(events: readonly HistoryEvent[]): Promise<EpcisExport> {
    const items: Item[] = [];
    const shipments = new Map<string, { created?: HistoryEvent; ranges: Range[] }>();
    for (const e of events) {
      if (e.name === "ShipmentCreated" || e.name === "PacksShipped") {
        const key = String(e.args.shipmentId);
        const s = shipments.get(key) ?? { ranges: [] };
        if (e.name === "ShipmentCreated") s.created = e;
        else s.ranges.push({ lotId: String(e.args.lotId), start: Number(e.args.start), end: Number(e.args.end) });
        shipments.set(key, s);
      }
    }
    for (const e of events) if (e.args.lotId !== undefined) await this.lot(String(e.args.lotId));
    const decommissions: { history: HistoryEvent; event: EpcisEvent }[] = [];
    for (const e of events) {
      const add = (event: EpcisEvent, sub = 0): void =>
        void items.push({ block: e.blockNumber, log: e.logIndex, sub, event });
      const skip = (reason: string): void =>
        void this.skipped.push({ name: e.name, transactionHash: e.transactionHash, logIndex: e.logIndex, reason });
      const a = e.args;
      switch (e.name) {
        case "LotCommissioned": {
          const lot = await this.lot(String(a.lotId));
          const event = this.objectEvent(
            e,
            "ADD",
            "commissioning",
            "active",
            this.packs([{ lotId: lot.lotId, start: 0, end: lot.unitCount }]),
          );
          const gln = await this.gln(lot.manufacturer);
          if (gln) {
            event.readPoint = { id: locationId(gln, this.options) };
            event.bizLocation = { id: locationId(gln, this.options) };
          }
          event.ilmd = {
            "cbvmda:lotNumber": lot.lotNumber,
            "cbvmda:itemExpirationDate": expiresAtToDate(lot.expiresAt),
          };
          event[`${P}:lotId`] = lot.lotId;
          event[`${P}:serialsRoot`] = String(a.serialsRoot);
          add(event);
          break;
        }
        case "LotSigned":
          skip(
            "a signature of the lot attestation: EPCIS has no event for it (the chain's LotSigned event carries it)",
          );
          break;
        case "LotReleased":
          skip(
            "the lot's release (both signatures recorded): EPCIS has no event for it; its commissioning event stands for the lot",
          );
          break;
        case "LotRecalled":
        case "LotVoided": {
          const lot = await this.lot(String(a.lotId));
          const recall = e.name === "LotRecalled";
          const event = this.objectEvent(
            e,
            recall ? "OBSERVE" : "DELETE",
            recall ? "holding" : "decommissioning",
            recall ? "recalled" : "inactive",
            this.packs([{ lotId: lot.lotId, start: 0, end: lot.unitCount }]),
          );
          await this.at(event, String(a.by));
          add(event);
          break;
        }
        case "PacksShipped":
          break; // written with its ShipmentCreated
        case "ShipmentCreated": {
          const s = shipments.get(String(a.shipmentId))!;
          for (const item of await this.shipping(e, s.ranges)) items.push(item);
          break;
        }
        case "ShipmentPickedUp":
        case "ShipmentHandedOver": {
          const s = shipments.get(String(a.shipmentId));
          if (!s) {
            skip(`shipment ${a.shipmentId}'s packs are not in this history`);
            break;
          }
          const picked = e.name === "ShipmentPickedUp";
          const event = this.objectEvent(
            e,
            "OBSERVE",
            picked ? "departing" : "arriving",
            "in_transit",
            this.packs(s.ranges),
          );
          const gln = glnOf(a.gln as bigint);
          if (gln) event.readPoint = { id: locationId(gln, this.options) };
          event[`${P}:shipmentId`] = String(a.shipmentId);
          event[`${P}:transporter`] = getAddress(String(a.transporter));
          add(event);
          break;
        }
        case "ShipmentReceived":
        case "ShipmentRejected":
        case "ShipmentCancelled":
        case "ShipmentVoided": {
          const s = shipments.get(String(a.shipmentId));
          if (!s || !s.created) {
            skip(`shipment ${a.shipmentId}'s creation is not in this history`);
            break;
          }
          const received = e.name === "ShipmentReceived";
          const event = this.objectEvent(
            e,
            "OBSERVE",
            received ? "receiving" : "void_shipping",
            received ? "in_progress" : e.name === "ShipmentRejected" ? "returned" : "active",
            this.shipmentPacks(s.created, s.ranges),
          );
          const actor = String(a.buyer ?? a.seller ?? a.regulator);
          await this.at(event, actor);
          await this.parties(event, s.created);
          event[`${P}:shipmentId`] = String(a.shipmentId);
          add(event);
          break;
        }
        case "PacksDecommissioned": {
          const map = DECOMMISSION[Number(a.state)];
          if (!map) {
            skip(`decommission state ${a.state} has no EPCIS mapping`);
            break;
          }
          const event = this.objectEvent(e, map.action, map.bizStep, map.disposition, this.packs([this.range(a)]));
          await this.at(event, String(a.by));
          event[`${P}:state`] = PackState[Number(a.state)];
          add(event);
          decommissions.push({ history: e, event });
          break;
        }
        case "DecommissionUndone": {
          const r = this.range(a);
          const original = [...decommissions].reverse().find((d) => {
            const o = d.history.args;
            return (
              String(o.lotId) === r.lotId &&
              getAddress(String(o.by)) === getAddress(String(a.by)) &&
              Number(o.state) === Number(a.previous) &&
              Number(o.start) <= r.start &&
              Number(o.end) >= r.end
            );
          });
          if (!original) {
            skip("the decommission it undoes is not in this history");
            break;
          }
          // EPCIS 2.0 error declaration: the erroneous event again, same eventID, with `errorDeclaration`.
          const event: EpcisEvent = { ...original.event };
          event.errorDeclaration = { declarationTime: isoTime(e.timestamp), reason: "incorrect_data" };
          add(event);
          break;
        }
        case "PacksQuarantined":
        case "PacksCleared":
        case "PacksIllegitimate": {
          const step =
            e.name === "PacksQuarantined"
              ? ["holding", "non_sellable_other"]
              : e.name === "PacksCleared"
                ? ["inspecting", "active"]
                : ["inspecting", "non_sellable_other"];
          const event = this.objectEvent(e, "OBSERVE", step[0], step[1], this.packs([this.range(a)]));
          await this.at(event, String(a.by ?? a.regulator));
          if (e.name === "PacksIllegitimate") event[`${P}:state`] = "Illegitimate";
          if (e.name === "PacksQuarantined") event[`${P}:state`] = "Suspect";
          add(event);
          break;
        }
        case "CloneReported": {
          const lot = await this.lot(String(a.lotId));
          const state = Number(a.state);
          const event = this.objectEvent(
            e,
            "OBSERVE",
            "inspecting",
            DECOMMISSION[state]?.disposition ?? STATE_DISPOSITION[state] ?? "unknown",
            {
              epcList: [sgtinId(lot.gtin, String(a.serial), this.options)],
            },
          );
          await this.at(event, String(a.reporter));
          event[`${P}:alert`] = "clone";
          event[`${P}:ranges`] = [{ lotId: lot.lotId, start: Number(a.index), end: Number(a.index) + 1 }];
          add(event);
          break;
        }
        case "IllegitimacyProposed":
          skip("a proposal changes no custody: the ruling is exported when its second key completes it");
          break;
        default:
          skip(`${e.name} has no EPCIS counterpart`);
      }
    }
    items.sort((x, y) => x.block - y.block || x.log - y.log || x.sub - y.sub);
    const document: EpcisDocument = {
      "@context": EPCIS_DOCUMENT_CONTEXT,
      type: "EPCISDocument",
      schemaVersion: "2.0",
      creationDate: (this.options.creationDate ?? new Date()).toISOString(),
      epcisBody: { eventList: items.map((i) => i.event) },
    };
    if (this.options.validate !== false) assertValidEpcisDocument(document, "the exported EPCIS document");
    return { document, skipped: this.skipped, warnings: this.warnings };
  }

  private range(a: Record<string, unknown>): Range {
    return { lotId: String(a.lotId), start: Number(a.start), end: Number(a.end) };
  }

  /** Narrows ranges to the exported pack, for a pack's history. */
  private narrow(ranges: readonly Range[]): Range[] {
    const t = this.target;
    if (t.kind !== "pack") return [...ranges];
    const inside = ranges.some(
      (r) => r.lotId.toLowerCase() === t.lotId.toLowerCase() && r.start <= t.index && t.index < r.end,
    );
    return inside ? [{ lotId: t.lotId, start: t.index, end: t.index + 1 }] : [];
  }

  private objectEvent(
    e: HistoryEvent,
    action: string,
    bizStep: string,
    disposition: string,
    what: Record<string, unknown>,
    part?: string,
  ): EpcisEvent {
    const contract = this.client.addresses[e.contract];
    const scope =
      this.target.kind === "pack" ? `pack=${this.target.lotId.toLowerCase()}:${this.target.index}` : undefined;
    const id = [part, scope].filter(Boolean).join("&") || undefined;
    return {
      type: "ObjectEvent",
      eventID: chainEventId(this.client.chainId, contract, e.transactionHash, e.logIndex, id),
      eventTime: isoTime(e.timestamp),
      eventTimeZoneOffset: this.offset,
      ...what,
      action,
      bizStep,
      disposition,
      [`${P}:block`]: e.blockNumber,
      [`${P}:transactionHash`]: e.transactionHash,
    };
  }

  /** The packs of ranges: by serial where the manifest is held, else by class and quantity; plus the ranges. */
  private packs(input: readonly Range[]): Record<string, unknown> {
    const ranges = this.narrow(input);
    const epcList: string[] = [];
    const quantityList: { epcClass: string; quantity: number }[] = [];
    for (const r of ranges) {
      const lot = this.lots.get(r.lotId.toLowerCase());
      if (!lot) throw new NotFoundError(`lot ${r.lotId} was not loaded`);
      const serials = manifestLookup(this.options, lot.lotId);
      if (serials && sizeOf(serials) === lot.unitCount) {
        for (let i = r.start; i < r.end; i++) epcList.push(sgtinId(lot.gtin, serialAt(serials, i), this.options));
      } else {
        if (serials)
          this.warn(
            `the manifest given for lot ${lot.lotId} has ${sizeOf(serials)} serials, the lot ${lot.unitCount}: not used`,
          );
        quantityList.push({ epcClass: lgtinId(lot.gtin, lot.lotNumber, this.options), quantity: r.end - r.start });
      }
    }
    const out: Record<string, unknown> = {};
    if (epcList.length > 0 || quantityList.length === 0) out.epcList = epcList;
    if (quantityList.length > 0) out.quantityList = quantityList;
    out[`${P}:ranges`] = ranges.map((r) => ({ lotId: r.lotId.toLowerCase(), start: r.start, end: r.end }));
    return out;
  }

  private notice(created: HistoryEvent): ShippingNotice | undefined {
    const hash = String(created.args.noticeHash).toLowerCase();
    const n = this.options.notices;
    if (!n || hash === ZeroHash) return undefined;
    const notice = typeof n === "function" ? n(hash) : n.get(hash);
    if (!notice) return undefined;
    if (shippingNoticeHash(notice).toLowerCase() !== hash) {
      this.warn(
        `the notice given for shipment ${created.args.shipmentId} does not match its on-chain hash ${hash}: not used`,
      );
      return undefined;
    }
    return notice;
  }

  /** The shipment's packs: the notice's EPCs when the notice is held (not in a pack's history), else the ranges. */
  private shipmentPacks(created: HistoryEvent, ranges: readonly Range[]): Record<string, unknown> {
    const notice = this.target.kind === "pack" ? undefined : this.notice(created);
    const packs = this.packs(ranges);
    if (!notice) return packs;
    return { epcList: [...notice.epcs], [`${P}:ranges`]: packs[`${P}:ranges`] };
  }

  private async shipping(created: HistoryEvent, ranges: readonly Range[]): Promise<Item[]> {
    for (const r of ranges) await this.lot(r.lotId);
    const a = created.args;
    const out: Item[] = [];
    const notice = this.target.kind === "pack" ? undefined : this.notice(created);
    if (notice) {
      notice.aggregations.forEach((g, i) => {
        const event: EpcisEvent = {
          type: "AggregationEvent",
          eventID: chainEventId(
            this.client.chainId,
            this.client.addresses.custody,
            created.transactionHash,
            created.logIndex,
            `aggregation=${i}`,
          ),
          eventTime: g.eventTime,
          eventTimeZoneOffset: g.eventTimeZoneOffset,
          parentID: g.parentID,
          childEPCs: [...g.childEPCs],
          action: "ADD",
          bizStep: g.bizStep ?? "packing",
          disposition: g.disposition ?? "in_progress",
          ...(g.readPoint ? { readPoint: { id: g.readPoint } } : {}),
          ...(g.bizLocation ? { bizLocation: { id: g.bizLocation } } : {}),
        };
        out.push({ block: created.blockNumber, log: created.logIndex, sub: -notice.aggregations.length + i, event });
      });
    }
    const event = this.objectEvent(created, "OBSERVE", "shipping", "in_transit", this.shipmentPacks(created, ranges));
    const sellerGln = await this.gln(String(a.seller));
    if (sellerGln) event.readPoint = { id: locationId(sellerGln, this.options) };
    const bizTransactions: { type?: string; bizTransaction: string }[] = [...(notice?.bizTransactions ?? [])];
    const hash = String(a.noticeHash).toLowerCase();
    if (hash !== ZeroHash) bizTransactions.push({ type: "desadv", bizTransaction: `urn:pharmachain:notice:${hash}` });
    if (bizTransactions.length > 0) event.bizTransactionList = bizTransactions;
    await this.parties(event, created, notice);
    event[`${P}:shipmentId`] = String(a.shipmentId);
    if (String(a.transporter) !== ZeroAddress) event[`${P}:transporter`] = getAddress(String(a.transporter));
    out.push({ block: created.blockNumber, log: created.logIndex, sub: 0, event });
    return out;
  }

  /** Source and destination owning parties by the seller's and buyer's GLNs, and the notice's other entries. */
  private async parties(
    event: EpcisEvent,
    created: HistoryEvent,
    notice = this.target.kind === "pack" ? undefined : this.notice(created),
  ): Promise<void> {
    const seller = await this.gln(String(created.args.seller));
    const buyer = await this.gln(String(created.args.buyer));
    const sources: { type: string; source: string }[] = [];
    const destinations: { type: string; destination: string }[] = [];
    if (seller) sources.push({ type: "owning_party", source: partyId(seller, this.options) });
    if (buyer) destinations.push({ type: "owning_party", destination: partyId(buyer, this.options) });
    sources.push(...(notice?.sources ?? []));
    destinations.push(...(notice?.destinations ?? []));
    if (sources.length > 0) event.sourceList = sources;
    if (destinations.length > 0) event.destinationList = destinations;
  }

  /** Sets the business location (and read point) to the actor's GLN when it has one. */
  private async at(event: EpcisEvent, account: string): Promise<void> {
    const gln = await this.gln(account);
    if (gln) {
      event.readPoint = { id: locationId(gln, this.options) };
      event.bizLocation = { id: locationId(gln, this.options) };
    }
  }

  private async gln(account: string): Promise<string | undefined> {
    const key = getAddress(account);
    if (!this.glns.has(key)) this.glns.set(key, glnOf((await this.client.stakeholder(key)).gln));
    return this.glns.get(key);
  }

  private async lot(lotId: string): Promise<LotInfo> {
    const key = lotId.toLowerCase();
    const known = this.lots.get(key);
    if (known) return known;
    const lots = this.client.lots;
    const logs = await lots.queryFilter(
      lots.filters.LotCommissioned(key),
      this.options.history?.fromBlock ?? 0,
      this.options.history?.toBlock ?? "latest",
    );
    const commissioned = logs[0];
    if (!commissioned) throw new NotFoundError(`lot ${key} has no LotCommissioned event in the blocks searched`);
    const info: LotInfo = {
      lotId: key,
      gtin: commissioned.args.gtin,
      lotNumber: commissioned.args.lotNumber,
      expiresAt: commissioned.args.expiresAt,
      unitCount: Number(commissioned.args.unitCount),
      manufacturer: commissioned.args.manufacturer,
    };
    this.lots.set(key, info);
    return info;
  }

  private warn(text: string): void {
    if (!this.warnings.includes(text)) this.warnings.push(text);
  }
}
