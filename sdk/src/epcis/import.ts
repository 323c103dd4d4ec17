/**
 * EPCIS import: an EPCIS 2.0 JSON-LD document's events (or an EPCIS 1.x XML document's, read by `xml.ts`) as the protocol's operations, planned first (what each needs,
 * which account, what will be refused and why), then sent through the client.
 *
 * - Commissioning (ObjectEvent ADD `commissioning`) with `ilmd` lot number and expiry → a lot; the commissioning
 *   events of one GTIN and lot number form one lot.
 * - Packing (AggregationEvent ADD) → the manifest's order: containers are walked outermost first, in document order,
 *   so that every case and pallet is a contiguous index range (docs/ARCHITECTURE.md section 4); packs in no container follow in
 *   document order. Containers' own commissioning (cases, SSCCs) is represented by those ranges.
 * - Shipping → a shipment of the packs' ranges from the source to the destination owning party, with the off-chain
 *   notice (SSCC, cases, business transactions) whose hash goes on-chain; receiving → receipt of the planned shipment;
 *   void_shipping → its cancellation.
 * - Dispensing, destroying, decommissioning (with disposition), sampling → decommissions; holding → quarantine, or a
 *   recall when the disposition is `recalled`.
 * - Everything else is listed in `unsupported` with the reason: nothing is dropped silently.
 */
import { Signer, getAddress, isAddress } from "ethers";
import type { PharmaChainClient, TxInfo } from "../client";
import { LotStatus, PackState, ProductStatus, Role } from "../enums";
import { InvalidInputError, PharmaChainError } from "../errors";
import { gtinToUint64, lotIdOf, parseDigitalLink, parseEpcUri } from "../gs1";
import { Manifest } from "../manifest";
import {
  LotAttestation,
  batchRecordHash,
  buildLotAttestation,
  signLotAttestation,
  verifyAttestationSignature,
} from "../attestation";
import {
  EpcisEvent,
  NoticeAggregation,
  ShippingNotice,
  canonicalJson,
  glnFromId,
  indexRanges,
  shippingNoticeHash,
} from "./common";
import { assertValidEpcisDocument } from "./schema";
import { decodeEpcisText, looksLikeXml, readEpcisXml } from "./xml";

export interface EpcisImportOptions {
  /**
   * The accounts of the parties the document names: keys are SGLN or PGLN URIs, Digital Links (414/417) or 13-digit
   * GLNs (an SGLN's extension is ignored); values are addresses.
   */
  parties?: Readonly<Record<string, string>> | ReadonlyMap<string, string>;
  /** The account that commissions a lot whose location names no known party. */
  manufacturer?: string;
  /** The regulator who cosigns the lots (listed as an account each commissioning needs). */
  regulator?: string;
  /** Unix seconds against which expiry is checked (default now). */
  now?: number;
  /** Validate against the official schema first and refuse an invalid document (default true). */
  validate?: boolean;
}

/** A pack range of a planned lot. */
export interface PlannedRange {
  lotId: string;
  start: number;
  end: number;
}

export interface PlannedLot {
  lotId: string;
  gtin: string;
  lotNumber: string;
  /** `YYYY-MM-DD` from `cbvmda:itemExpirationDate`. */
  expiryDate?: string;
  expiresAt?: bigint;
  /** The manifest: serials in packing order. */
  serials: string[];
  /** GS1 Company Prefix length of the document's SGTINs (to write them back the same way). */
  companyPrefixLength?: number;
  /** The location (GLN) that commissioned it. */
  location?: string;
}

export type PlannedOperationKind =
  "commissionLot" | "ship" | "receiveShipment" | "cancelShipment" | "decommission" | "quarantine" | "recallLot";

/** An account an operation needs. */
export interface PlannedAccount {
  /** What it does: `manufacturer`, `regulator` (cosigns), `seller`, `buyer`, `holder`, `reporter`. */
  role: string;
  /** The party as the document names it. */
  party?: string;
  /** Its address, from the parties map; undefined when unknown. */
  address?: string;
  /**
   * Whether it signs (sends the transaction or signs the attestation): false for a shipment's buyer, named by address
   * only; absent (a plan from an older version) counts as signing.
   */
  signs?: boolean;
}

export interface PlannedOperation {
  step: number;
  kind: PlannedOperationKind;
  /** Indexes of the document's events it comes from (in the event list). */
  events: number[];
  description: string;
  accounts: PlannedAccount[];
  /** Why the protocol or the importer will refuse it (known before sending). */
  refused?: string;
  lotId?: string;
  ranges?: PlannedRange[];
  /** For `ship`. */
  notice?: ShippingNotice;
  noticeHash?: string;
  /** For receive and cancel: the step of the shipment. */
  shipmentStep?: number;
  /** For `decommission`. */
  state?: PackState;
}

/** What became of one event of the document. */
export interface EventOutcome {
  index: number;
  type: string;
  bizStep?: string;
  eventID?: string;
  /** `operation`: it is (part of) a step; `represented`: carried by another step (packing, containers); `unsupported`. */
  outcome: "operation" | "represented" | "unsupported";
  step?: number;
  reason: string;
}

export interface EpcisImportPlan {
  lots: PlannedLot[];
  operations: PlannedOperation[];
  events: EventOutcome[];
  /** The events the protocol cannot represent, with the reason (also in `events`). */
  unsupported: EventOutcome[];
  /** About the document as read: an XML source, and anything of it not carried over to the EPCIS 2.0 shapes. */
  warnings: string[];
}

const BIZSTEP_PREFIXES = [
  /^urn:epcglobal:cbv:bizstep:/,
  /^https?:\/\/ref\.gs1\.org\/cbv\/BizStep-/,
  /^https?:\/\/ns\.gs1\.org\/cbv\/BizStep-/,
];
const DISP_PREFIXES = [
  /^urn:epcglobal:cbv:disp:/,
  /^https?:\/\/ref\.gs1\.org\/cbv\/Disp-/,
  /^https?:\/\/ns\.gs1\.org\/cbv\/Disp-/,
];
const SDT_PREFIXES = [/^urn:epcglobal:cbv:sdt:/, /^https?:\/\/ref\.gs1\.org\/cbv\/SDT-/];

function bare(value: unknown, prefixes: RegExp[]): string | undefined {
  if (typeof value !== "string") return undefined;
  for (const p of prefixes) if (p.test(value)) return value.replace(p, "");
  return value;
}

/** A pack (SGTIN) or another identifier, keyed so that URN and Digital Link forms of one thing match. */
interface Epc {
  raw: string;
  key: string;
  gtin?: string;
  serial?: string;
  companyPrefixLength?: number;
}

function readEpc(raw: string): Epc {
  try {
    if (/^urn:epc:/i.test(raw)) {
      const id = parseEpcUri(raw);
      if (id.scheme === "sgtin")
        return {
          raw,
          key: `01:${id.gtin}/21:${id.serial}`,
          gtin: id.gtin,
          serial: id.serial,
          companyPrefixLength: id.companyPrefixLength,
        };
      if (id.scheme === "sscc") return { raw, key: `00:${id.sscc}` };
      return { raw, key: raw };
    }
    if (/^https?:\/\//i.test(raw)) {
      const els = parseDigitalLink(raw).elements;
      const at = (ai: string): string | undefined => els.find((e) => e.ai === ai)?.value;
      if (els[0].ai === "01" && at("21") !== undefined)
        return { raw, key: `01:${els[0].value}/21:${at("21")}`, gtin: els[0].value, serial: at("21") };
      if (els[0].ai === "00") return { raw, key: `00:${els[0].value}` };
    }
  } catch {
    // not a GS1 identifier the SDK reads: kept by its text
  }
  return { raw, key: raw };
}

function ilmdField(ilmd: unknown, name: string): string | undefined {
  if (!ilmd || typeof ilmd !== "object") return undefined;
  for (const [k, v] of Object.entries(ilmd as Record<string, unknown>)) {
    const local = k.split(/[:#]/).pop();
    if (local === name && (typeof v === "string" || typeof v === "number")) return String(v);
  }
  return undefined;
}

function eventsOf(document: Record<string, unknown>): EpcisEvent[] {
  const body = document.epcisBody as Record<string, unknown> | undefined;
  if (!body) return [];
  if (Array.isArray(body.eventList)) return body.eventList as EpcisEvent[];
  const results = (body.queryResults as Record<string, unknown> | undefined)?.resultsBody as
    Record<string, unknown> | undefined;
  if (results && Array.isArray(results.eventList)) return results.eventList as EpcisEvent[];
  return [];
}

/** A document as read: parsed JSON-LD, or EPCIS 1.x XML read into the 2.0 shapes (with what was not carried over). */
interface ReadDocument {
  document: Record<string, unknown>;
  format: "json-ld" | "xml";
  warnings: string[];
}

function readDocument(input: string | Uint8Array | unknown): ReadDocument {
  if (input instanceof Uint8Array) input = decodeEpcisText(input);
  if (typeof input !== "string") return { document: input as Record<string, unknown>, format: "json-ld", warnings: [] };
  if (looksLikeXml(input)) {
    const xml = readEpcisXml(input);
    return {
      document: xml.document as unknown as Record<string, unknown>,
      format: "xml",
      warnings: [`read as EPCIS ${xml.sourceVersion} XML, mapped to EPCIS 2.0`, ...xml.warnings],
    };
  }
  const text = input.replace(/^\uFEFF/, "").trim();
  try {
    return { document: JSON.parse(text) as Record<string, unknown>, format: "json-ld", warnings: [] };
  } catch (cause) {
    throw new InvalidInputError("the EPCIS document is neither JSON nor XML: it is not valid JSON", { cause });
  }
}

/**
 * Reads a document given as text (EPCIS 2.0 JSON-LD, or EPCIS 1.x XML mapped to the 2.0 shapes by `readEpcisXml`), as
 * a file's bytes (decoded by `decodeEpcisText`: byte-order mark, XML declaration, else UTF-8) or as parsed JSON.
 */
export function readEpcisDocument(input: string | Uint8Array | unknown): Record<string, unknown> {
  return readDocument(input).document;
}

function partyMap(options: EpcisImportOptions): Map<string, string> {
  const out = new Map<string, string>();
  const entries = options.parties instanceof Map ? [...options.parties] : Object.entries(options.parties ?? {});
  for (const [id, address] of entries) {
    if (!isAddress(address)) throw new InvalidInputError(`party ${id}: "${address}" is not an Ethereum address`);
    const gln = glnFromId(id);
    if (!gln) throw new InvalidInputError(`party "${id}" is not an SGLN, PGLN, Digital Link (414/417) or 13-digit GLN`);
    out.set(gln, getAddress(address));
  }
  return out;
}

const UNSUPPORTED_TYPE: Record<string, string> = {
  TransactionEvent:
    "a TransactionEvent links objects to business documents (orders, invoices); the protocol records custody, and a shipment carries its business transactions in its notice",
  TransformationEvent: "the protocol has no transformation: a lot's packs are fixed when it is commissioned",
  AssociationEvent: "associations (sensors, returnable assets) are not recorded on-chain",
};

/**
 * Plans the import of an EPCIS document: EPCIS 2.0 JSON-LD or EPCIS 1.x XML, as text, a file's bytes or parsed JSON
 * (see `readEpcisDocument`). Pure: reads no chain. Throws
 * `EpcisSchemaValidationError` (with the first error's schema path) for an invalid document.
 */
export function planEpcisImport(
  input: string | Uint8Array | unknown,
  options: EpcisImportOptions = {},
): EpcisImportPlan {
  const { document, warnings } = readDocument(input);
  if (options.validate !== false) assertValidEpcisDocument(document);
  const events = eventsOf(document);
  const parties = partyMap(options);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const outcomes: EventOutcome[] = events.map((e, index) => ({
    index,
    type: String(e.type),
    ...(typeof e.bizStep === "string" ? { bizStep: bare(e.bizStep, BIZSTEP_PREFIXES) } : {}),
    ...(typeof e.eventID === "string" ? { eventID: e.eventID } : {}),
    outcome: "unsupported",
    reason: "",
  }));
  const unsupported = (i: number, reason: string): void =>
    void Object.assign(outcomes[i], { outcome: "unsupported", reason });
  const represented = (i: number, reason: string): void =>
    void Object.assign(outcomes[i], { outcome: "represented", reason });

  // ---- packing hierarchy (aggregation ADD), in document order
  const children = new Map<string, Epc[]>();
  const parentOf = new Map<string, string>();
  const aggregations = new Map<string, { index: number; aggregation: NoticeAggregation }>();
  events.forEach((e, i) => {
    if (e.type !== "AggregationEvent" || e.action !== "ADD" || typeof e.parentID !== "string" || e.errorDeclaration)
      return;
    const parent = readEpc(e.parentID);
    const kids = ((e.childEPCs as string[] | undefined) ?? []).map(readEpc);
    children.set(parent.key, [...(children.get(parent.key) ?? []), ...kids]);
    for (const k of kids) parentOf.set(k.key, parent.key);
    aggregations.set(parent.key, {
      index: i,
      aggregation: {
        parentID: e.parentID,
        childEPCs: [...((e.childEPCs as string[] | undefined) ?? [])],
        eventTime: String(e.eventTime),
        eventTimeZoneOffset: String(e.eventTimeZoneOffset),
        ...(e.bizStep ? { bizStep: bare(e.bizStep, BIZSTEP_PREFIXES) } : {}),
        ...(e.disposition ? { disposition: bare(e.disposition, DISP_PREFIXES) } : {}),
        ...((e.readPoint as { id?: string } | undefined)?.id ? { readPoint: (e.readPoint as { id: string }).id } : {}),
        ...((e.bizLocation as { id?: string } | undefined)?.id
          ? { bizLocation: (e.bizLocation as { id: string }).id }
          : {}),
      },
    });
  });
  const isContainer = (key: string): boolean => children.has(key);

  // ---- lots from commissioning with ilmd
  interface LotDraft extends PlannedLot {
    keys: string[];
    events: number[];
    problems: string[];
  }
  const lots = new Map<string, LotDraft>();
  const packLot = new Map<string, LotDraft>();
  events.forEach((e, i) => {
    if (e.type !== "ObjectEvent" || e.action !== "ADD" || bare(e.bizStep, BIZSTEP_PREFIXES) !== "commissioning") return;
    if (e.errorDeclaration) return;
    const epcs = ((e.epcList as string[] | undefined) ?? []).map(readEpc);
    if (epcs.length > 0 && epcs.every((x) => isContainer(x.key) || x.key.startsWith("00:"))) {
      represented(
        i,
        "commissions containers (cases, pallets): each is the contiguous index range of the packs packed into it",
      );
      return;
    }
    const lotNumber = ilmdField(e.ilmd, "lotNumber");
    const expiry = ilmdField(e.ilmd, "itemExpirationDate");
    const packs = epcs.filter((x) => x.gtin !== undefined && !isContainer(x.key));
    if (packs.length === 0) {
      unsupported(
        i,
        (e.quantityList as unknown[] | undefined)?.length
          ? "commissioning by class and quantity: a lot's manifest needs every pack's serial"
          : "commissions no serialised trade item (SGTIN) the protocol could record as packs",
      );
      return;
    }
    if (!lotNumber) {
      unsupported(i, "commissioning without ilmd lot number (cbvmda:lotNumber): a lot needs one");
      return;
    }
    const gtins = new Set(packs.map((p) => p.gtin));
    if (gtins.size > 1) {
      unsupported(
        i,
        `commissions packs of ${gtins.size} GTINs in one event with one lot number; the importer expects one GTIN per commissioning event`,
      );
      return;
    }
    const gtin = packs[0].gtin!;
    let lotId: string;
    try {
      lotId = lotIdOf(gtinToUint64(gtin), lotNumber);
    } catch (error) {
      unsupported(i, `lot number "${lotNumber}": ${(error as Error).message}`);
      return;
    }
    const location = glnFromId(
      String(
        (e.bizLocation as { id?: string } | undefined)?.id ?? (e.readPoint as { id?: string } | undefined)?.id ?? "",
      ),
    );
    let lot = lots.get(lotId);
    if (!lot) {
      lot = {
        lotId,
        gtin,
        lotNumber,
        serials: [],
        keys: [],
        events: [],
        problems: [],
        companyPrefixLength: packs[0].companyPrefixLength,
        ...(location ? { location } : {}),
      };
      if (expiry && /^\d{4}-\d{2}-\d{2}$/.test(expiry)) {
        lot.expiryDate = expiry;
        lot.expiresAt = BigInt(Date.parse(`${expiry}T00:00:00Z`) / 1000 + 86400);
      }
      lots.set(lotId, lot);
    } else if (expiry && lot.expiryDate && expiry !== lot.expiryDate) {
      lot.problems.push(`event ${i} gives expiry ${expiry}, an earlier one ${lot.expiryDate}`);
    }
    lot.events.push(i);
    for (const p of packs) {
      if (packLot.has(p.key)) {
        lot.problems.push(`serial ${p.serial} is commissioned twice`);
        continue;
      }
      packLot.set(p.key, lot);
      lot.keys.push(p.key);
    }
  });

  // ---- manifest order: containers outermost first (document order), then loose packs (document order)
  const indexOf = new Map<string, number>();
  const ordered = new Map<string, string[]>(); // lotId -> keys
  const place = (key: string): void => {
    const lot = packLot.get(key);
    if (!lot || indexOf.has(key)) return;
    const list = ordered.get(lot.lotId) ?? [];
    indexOf.set(key, list.length);
    list.push(key);
    ordered.set(lot.lotId, list);
  };
  const walk = (key: string, seen: Set<string>): void => {
    if (seen.has(key)) return;
    seen.add(key);
    const kids = children.get(key);
    if (!kids) return place(key);
    for (const k of kids) walk(k.key, seen);
  };
  const roots = [...aggregations.entries()]
    .filter(([key]) => !parentOf.has(key))
    .sort((a, b) => a[1].index - b[1].index);
  for (const [key] of roots) walk(key, new Set());
  for (const lot of lots.values()) for (const key of lot.keys) place(key);
  for (const lot of lots.values()) {
    lot.serials = (ordered.get(lot.lotId) ?? []).map((k) => k.split("/21:")[1]);
  }

  /** The packs under an EPC (itself if a pack), as ranges; and the EPCs that are no known pack. */
  const resolve = (raws: readonly string[]): { ranges: PlannedRange[]; unknown: string[] } => {
    const byLot = new Map<string, number[]>();
    const unknown: string[] = [];
    const visit = (epc: Epc, seen: Set<string>): void => {
      if (seen.has(epc.key)) return;
      seen.add(epc.key);
      const kids = children.get(epc.key);
      if (kids) return kids.forEach((k) => visit(k, seen));
      const lot = packLot.get(epc.key);
      if (!lot) return void unknown.push(epc.raw);
      byLot.set(lot.lotId, [...(byLot.get(lot.lotId) ?? []), indexOf.get(epc.key)!]);
    };
    for (const raw of raws) visit(readEpc(raw), new Set());
    const ranges: PlannedRange[] = [];
    for (const [lotId, indices] of byLot)
      for (const [start, end] of indexRanges(indices)) ranges.push({ lotId, start, end });
    return { ranges, unknown };
  };
  const describe = (ranges: readonly PlannedRange[]): string =>
    ranges.map((r) => `${lots.get(r.lotId)?.lotNumber ?? r.lotId}[${r.start}-${r.end - 1}]`).join(", ");
  const account = (role: string, party: string | undefined): PlannedAccount => {
    const gln = party ? glnFromId(party) : undefined;
    const address = gln ? parties.get(gln) : undefined;
    return { role, ...(party ? { party } : {}), ...(address ? { address } : {}), signs: role !== "buyer" };
  };
  const locationOf = (e: EpcisEvent): string | undefined =>
    (e.bizLocation as { id?: string } | undefined)?.id ?? (e.readPoint as { id?: string } | undefined)?.id;
  const owning = (list: unknown, field: "source" | "destination"): string | undefined => {
    if (!Array.isArray(list)) return undefined;
    const entry = (list as Record<string, string>[]).find((x) => bare(x.type, SDT_PREFIXES) === "owning_party");
    return entry?.[field];
  };

  // ---- operations in document order
  const operations: PlannedOperation[] = [];
  const commissionStep = new Map<string, number>();
  const addOp = (op: Omit<PlannedOperation, "step">): PlannedOperation => {
    const full = { step: operations.length + 1, ...op } as PlannedOperation;
    operations.push(full);
    return full;
  };
  const needsLots = (ranges: readonly PlannedRange[]): string | undefined => {
    for (const r of ranges) {
      const step = commissionStep.get(r.lotId);
      const op = step ? operations[step - 1] : undefined;
      if (op?.refused) return `depends on step ${op.step} (lot ${op.lotId}), which will be refused`;
    }
    return undefined;
  };
  const missing = (accounts: readonly PlannedAccount[]): string | undefined => {
    const gaps = accounts.filter((a) => !a.address);
    if (gaps.length === 0) return undefined;
    const where = (a: PlannedAccount): string =>
      a.role.startsWith("regulator") ? "the regulator option (--regulator)" : "the parties map";
    return `no account for ${gaps.map((a) => `the ${a.role}${a.party ? ` (${a.party})` : ""}`).join(", ")}: give ${gaps.length > 1 ? "them" : "it"} in ${[...new Set(gaps.map(where))].join(" and ")}`;
  };

  events.forEach((e, i) => {
    const o = outcomes[i];
    if (o.outcome === "represented" || (o.reason !== "" && o.outcome === "unsupported")) return;
    const type = String(e.type);
    if (UNSUPPORTED_TYPE[type]) return unsupported(i, UNSUPPORTED_TYPE[type]);
    if (type !== "ObjectEvent" && type !== "AggregationEvent")
      return unsupported(i, `event type ${type} has no protocol counterpart`);
    if (e.errorDeclaration) {
      return unsupported(
        i,
        "an error declaration retracts an earlier event: the protocol undoes only a decommission, by the same account within 10 days, which the document cannot prove",
      );
    }
    const bizStep = bare(e.bizStep, BIZSTEP_PREFIXES);
    const disposition = bare(e.disposition, DISP_PREFIXES);
    if (type === "AggregationEvent") {
      if (e.action === "ADD" && typeof e.parentID === "string") {
        const { ranges, unknown } = resolve([e.parentID]);
        if (ranges.length === 0)
          return unsupported(
            i,
            "packs into a container packs that no commissioning event of this document makes into a lot",
          );
        return represented(
          i,
          `packing: ${e.parentID} holds ${describe(ranges)}${unknown.length ? ` (and ${unknown.length} unknown EPCs)` : ""}; the manifest keeps it contiguous`,
        );
      }
      if (e.action === "DELETE")
        return unsupported(i, "unpacking: custody is by pack index range, so it changes nothing on-chain");
      return unsupported(
        i,
        `an AggregationEvent ${e.action}${bizStep ? ` (${bizStep})` : ""} observes containers and their contents: it changes no custody`,
      );
    }
    // ObjectEvent
    if (bizStep === "commissioning") {
      const epcs = ((e.epcList as string[] | undefined) ?? []).map(readEpc);
      const lot = epcs.map((x) => packLot.get(x.key)).find(Boolean);
      if (!lot) return o.reason ? undefined : unsupported(i, "commissioning that made no lot");
      let step = commissionStep.get(lot.lotId);
      if (step === undefined) {
        const manufacturer = account("manufacturer", lot.location ? locationOf(e) : undefined);
        if (!manufacturer.address && options.manufacturer) manufacturer.address = getAddress(options.manufacturer);
        const regulator: PlannedAccount = {
          role: "regulator (cosigns)",
          ...(options.regulator ? { address: getAddress(options.regulator) } : {}),
          signs: true,
        };
        const accounts = [manufacturer, regulator];
        let refused: string | undefined;
        if (lot.problems.length) refused = lot.problems.join("; ");
        else if (lot.expiresAt === undefined) refused = "no ilmd expiry (cbvmda:itemExpirationDate): a lot needs one";
        else if (Number(lot.expiresAt) <= now)
          refused = `the lot expired on ${lot.expiryDate}: the contracts refuse to commission an expired lot (LotsAlreadyExpired)`;
        else refused = missing(accounts);
        const op = addOp({
          kind: "commissionLot",
          events: [],
          description: `commission lot ${lot.lotNumber} of GTIN ${lot.gtin}: ${lot.serials.length} packs, expiry ${lot.expiryDate ?? "?"}`,
          accounts,
          lotId: lot.lotId,
          ranges: [{ lotId: lot.lotId, start: 0, end: lot.serials.length }],
          ...(refused ? { refused } : {}),
        });
        step = op.step;
        commissionStep.set(lot.lotId, step);
      }
      operations[step - 1].events.push(i);
      return Object.assign(o, { outcome: "operation", step, reason: `commissioning of lot ${lot.lotNumber}` });
    }
    const raws = [...((e.epcList as string[] | undefined) ?? [])];
    const { ranges, unknown } = resolve(raws);
    const classOnly = (e.quantityList as unknown[] | undefined)?.length && raws.length === 0;
    const noPacks = (what: string): void =>
      unsupported(
        i,
        classOnly
          ? `${what} by class and quantity: the protocol moves identified packs (index ranges), and the document commissions none of these`
          : `${what} of EPCs that no commissioning event of this document makes into packs of a lot, so their lot and index are unknown to the importer`,
      );
    if (bizStep === "shipping") {
      if (ranges.length === 0) return noPacks("shipping");
      const seller = account("seller", owning(e.sourceList, "source"));
      const buyer = account("buyer", owning(e.destinationList, "destination"));
      const wanted = new Set<string>();
      const collect = (key: string): void => {
        const agg = aggregations.get(key);
        if (!agg || wanted.has(key)) return;
        wanted.add(key);
        for (const k of children.get(key) ?? []) collect(k.key);
      };
      for (const raw of raws) collect(readEpc(raw).key);
      const notice: ShippingNotice = {
        format: "pharmachain-shipping-notice",
        version: 1,
        epcs: raws,
        aggregations: [...aggregations.entries()]
          .filter(([k]) => wanted.has(k))
          .sort((a, b) => a[1].index - b[1].index)
          .map(([, v]) => v.aggregation),
        bizTransactions: ((e.bizTransactionList as { type?: string; bizTransaction: string }[] | undefined) ?? []).map(
          (b) => ({ ...b }),
        ),
        sources: ((e.sourceList as { type: string; source: string }[] | undefined) ?? []).filter(
          (s) => bare(s.type, SDT_PREFIXES) !== "owning_party",
        ),
        destinations: ((e.destinationList as { type: string; destination: string }[] | undefined) ?? []).filter(
          (s) => bare(s.type, SDT_PREFIXES) !== "owning_party",
        ),
      };
      const refused =
        needsLots(ranges) ??
        (seller.party ? undefined : "no source owning_party: the seller is unknown") ??
        (buyer.party ? undefined : "no destination owning_party: the buyer is unknown") ??
        missing([seller, buyer]) ??
        (unknown.length ? `${unknown.length} EPCs are no known pack: ${unknown.slice(0, 3).join(", ")}` : undefined);
      const op = addOp({
        kind: "ship",
        events: [i],
        description: `ship ${describe(ranges)} from ${seller.party ?? "?"} to ${buyer.party ?? "?"} (notice: ${raws.length} EPCs, ${notice.aggregations.length} packings, ${notice.bizTransactions.length} business transactions)`,
        accounts: [seller, buyer],
        ranges,
        notice,
        noticeHash: shippingNoticeHash(notice),
        ...(refused ? { refused } : {}),
      });
      return Object.assign(o, { outcome: "operation", step: op.step, reason: "shipping" });
    }
    if (bizStep === "receiving" || bizStep === "void_shipping") {
      if (ranges.length === 0) return noPacks(bizStep);
      const key = (rs: readonly PlannedRange[]): string =>
        rs
          .map((r) => `${r.lotId}:${r.start}-${r.end}`)
          .sort()
          .join(",");
      const shipment = [...operations].reverse().find((op) => op.kind === "ship" && key(op.ranges!) === key(ranges));
      if (!shipment)
        return unsupported(
          i,
          `${bizStep} of packs that no shipping event of this document ships: receive or cancel the on-chain shipment by its id`,
        );
      const receive = bizStep === "receiving";
      const who = receive ? shipment.accounts[1] : shipment.accounts[0];
      const actor = { ...who, role: receive ? "buyer" : "seller", signs: true };
      const refused =
        (shipment.refused ? `depends on step ${shipment.step}, which will be refused` : undefined) ?? missing([actor]);
      const op = addOp({
        kind: receive ? "receiveShipment" : "cancelShipment",
        events: [i],
        description: `${receive ? "receive" : "cancel"} the shipment of step ${shipment.step}`,
        accounts: [actor],
        shipmentStep: shipment.step,
        ranges,
        ...(refused ? { refused } : {}),
      });
      return Object.assign(o, { outcome: "operation", step: op.step, reason: bizStep });
    }
    let state: PackState | undefined;
    if (bizStep === "dispensing" || disposition === "dispensed") state = PackState.Dispensed;
    else if (bizStep === "destroying" || disposition === "destroyed") state = PackState.Destroyed;
    else if (disposition === "stolen") state = PackState.Stolen;
    else if (bizStep === "sampling") state = PackState.Sample;
    if (state !== undefined || bizStep === "decommissioning") {
      if (state === undefined) {
        return unsupported(
          i,
          `decommissioning with disposition "${disposition ?? "none"}": the protocol needs one of its states (dispensed, destroyed, stolen, …), which the document does not say`,
        );
      }
      if (ranges.length === 0) return noPacks(bizStep ?? "decommissioning");
      const holder = account("holder", locationOf(e));
      const refused = needsLots(ranges) ?? missing([holder]);
      const op = addOp({
        kind: "decommission",
        events: [i],
        description: `decommission ${describe(ranges)} as ${PackState[state]}`,
        accounts: [holder],
        ranges,
        state,
        ...(refused ? { refused } : {}),
      });
      return Object.assign(o, { outcome: "operation", step: op.step, reason: `${bizStep} → ${PackState[state]}` });
    }
    if (bizStep === "holding" || disposition === "recalled") {
      if (ranges.length === 0) return noPacks(bizStep ?? "holding");
      if (disposition === "recalled") {
        let last: PlannedOperation | undefined;
        for (const lotId of new Set(ranges.map((r) => r.lotId))) {
          const lot = lots.get(lotId)!;
          const by = account("manufacturer or regulator", locationOf(e));
          const refused = needsLots([{ lotId, start: 0, end: 1 }]) ?? missing([by]);
          last = addOp({
            kind: "recallLot",
            events: [i],
            description: `recall lot ${lot.lotNumber} (the protocol recalls whole lots)`,
            accounts: [by],
            lotId,
            ...(refused ? { refused } : {}),
          });
        }
        return Object.assign(o, { outcome: "operation", step: last!.step, reason: "recall" });
      }
      const by = account("reporter", locationOf(e));
      const refused = needsLots(ranges) ?? missing([by]);
      const op = addOp({
        kind: "quarantine",
        events: [i],
        description: `quarantine ${describe(ranges)} as suspect`,
        accounts: [by],
        ranges,
        ...(refused ? { refused } : {}),
      });
      return Object.assign(o, { outcome: "operation", step: op.step, reason: "holding → quarantine" });
    }
    const sensors = Array.isArray(e.sensorElementList) && e.sensorElementList.length > 0;
    if (bizStep === "departing" || bizStep === "arriving") {
      return unsupported(
        i,
        `${bizStep}: pick-up and hand-over belong to the transporter a shipment names, which an EPCIS shipping event does not`,
      );
    }
    return unsupported(
      i,
      `${e.action} ${bizStep ? `bizStep "${bizStep}"` : "without a bizStep"}${sensors ? " with sensor data" : ""}: no protocol operation (custody changes only by commissioning, shipping, receiving, decommissioning, quarantine and recall${sensors ? "; sensor readings are not recorded on-chain" : ""})`,
    );
  });

  const plannedLots: PlannedLot[] = [...lots.values()].map(({ keys: _k, events: _e, problems: _p, ...lot }) => lot);
  return {
    lots: plannedLots,
    operations,
    events: outcomes,
    unsupported: outcomes.filter((x) => x.outcome === "unsupported"),
    warnings,
  };
}

/** One line per step, event and refusal: the `--dry-run` report. */
export function describeImportPlan(plan: EpcisImportPlan): string[] {
  const lines: string[] = [];
  for (const w of plan.warnings ?? []) lines.push(`note: ${w}`);
  lines.push(
    `${plan.lots.length} lot(s), ${plan.operations.length} operation(s), ${plan.unsupported.length} event(s) not representable`,
  );
  for (const op of plan.operations) {
    lines.push(`  ${String(op.step).padStart(2)}. ${op.kind}: ${op.description}`);
    for (const a of op.accounts)
      lines.push(
        `        ${a.role}: ${a.address ?? "UNKNOWN"}${a.party ? ` (${a.party})` : ""}${a.signs !== false ? ", signs" : ""}`,
      );
    if (op.refused) lines.push(`        WILL BE REFUSED: ${op.refused}`);
  }
  for (const e of plan.events) {
    const what = `event ${e.index} ${e.type}${e.bizStep ? ` ${e.bizStep}` : ""}`;
    if (e.outcome === "unsupported") lines.push(`  not imported: ${what}: ${e.reason}`);
    else if (e.outcome === "represented") lines.push(`  represented: ${what}: ${e.reason}`);
  }
  return lines;
}

/** Checks a plan against the chain: roles, products, lots already there, expiry at the latest block. Adds refusals. */
export async function checkImportPlan(plan: EpcisImportPlan, client: PharmaChainClient): Promise<EpcisImportPlan> {
  const latest = await client.provider.getBlock("latest");
  const now = BigInt(latest?.timestamp ?? Math.floor(Date.now() / 1000));
  const lots = new Map(plan.lots.map((l) => [l.lotId, l]));
  const roleOk = async (address: string | undefined, roles: Role[]): Promise<boolean> => {
    if (!address) return true;
    for (const r of roles) if (await client.isAuthorised(address, r)) return true;
    return false;
  };
  for (const op of plan.operations) {
    if (op.refused) continue;
    const a = op.accounts;
    if (op.kind === "commissionLot") {
      const lot = lots.get(op.lotId!)!;
      const product = await client.product(gtinToUint64(lot.gtin));
      const existing = await client.lots.lot(lot.lotId);
      if (Number(existing.status) !== LotStatus.None)
        op.refused = `lot ${lot.lotNumber} is already on chain ${client.chainId}`;
      else if (product.status !== ProductStatus.Approved)
        op.refused = `product GTIN ${lot.gtin} is not approved on chain ${client.chainId} (${ProductStatus[product.status]})`;
      else if (a[0].address && getAddress(product.manufacturer) !== a[0].address)
        op.refused = `GTIN ${lot.gtin} belongs to ${product.manufacturer}, not ${a[0].address}`;
      else if (lot.expiresAt !== undefined && lot.expiresAt <= now)
        op.refused = `the lot expired on ${lot.expiryDate} (chain time ${new Date(Number(now) * 1000).toISOString()})`;
      else if (!(await roleOk(a[1].address, [Role.Regulator])))
        op.refused = `${a[1].address} is not an active regulator`;
    } else if (op.kind === "ship") {
      if (!(await roleOk(a[0].address, [Role.Manufacturer, Role.Distributor, Role.Dispenser])))
        op.refused = `the seller ${a[0].address} is not an authorised stakeholder`;
      else if (!(await roleOk(a[1].address, [Role.Distributor, Role.Dispenser, Role.Manufacturer])))
        op.refused = `the buyer ${a[1].address} is not an authorised stakeholder`;
    }
    if (!op.refused) {
      const dependsOn =
        op.shipmentStep ??
        (op.ranges
          ? plan.operations.find((x) => x.kind === "commissionLot" && op.ranges!.some((r) => r.lotId === x.lotId))?.step
          : undefined);
      const dep = dependsOn ? plan.operations[dependsOn - 1] : undefined;
      if (dep && dep !== op && dep.refused) op.refused = `depends on step ${dep.step}, which will be refused`;
    }
  }
  return plan;
}

/** What executing a step did. */
export interface ImportStepResult {
  step: number;
  kind: PlannedOperationKind;
  status: "done" | "skipped" | "failed";
  /**
   * Why it was not done: `refused` (the plan knew the contracts or the importer would refuse it), `signer` (it needs a
   * key the caller does not hold: another party's step), `dependency` (a step it needs was not done), `input` (an
   * attestation or signature given for it is wrong), `contract` (sent and refused, or the transaction failed).
   */
  cause?: "refused" | "signer" | "dependency" | "input" | "contract";
  reason?: string;
  tx?: TxInfo;
  lotId?: string;
  shipmentId?: bigint;
}

export interface EpcisImportResult {
  steps: ImportStepResult[];
  /** The manifests of the lots commissioned, by lot id (the exporter needs them to write serials). */
  manifests: Map<string, Manifest>;
  /** The shipping notices of the shipments made, by notice hash (the exporter needs them for SSCCs and cases). */
  notices: Map<string, ShippingNotice>;
  /** Shipment ids by plan step. */
  shipments: Map<number, bigint>;
  /** Attestations and signatures given that no step used, each with why. */
  unused: string[];
}

/** A signature made elsewhere on a lot's attestation (what `pharmachain lot sign` writes). */
export interface ImportSignature {
  lotId: string;
  signer: string;
  signature: string;
}

export interface EpcisExecuteOptions {
  /** The signer of an account the plan names, or undefined when the caller does not hold it (the step is skipped). */
  signerFor(address: string): Signer | undefined;
  /**
   * Sends a commissioning whose signatures are all given (anyone may submit one) when the caller holds neither
   * party's key.
   */
  submitter?: Signer;
  /**
   * Attestations made before with `importAttestation` (for example written by `pharmachain epcis import --dry-run
   * --out DIR`), used instead of new ones so that signatures made on them apply. Each must be exactly the attestation
   * of its planned lot (all fields, the deadline aside) and still within its deadline.
   */
  attestations?: readonly LotAttestation[];
  /**
   * Signatures on those attestations by the plan's accounts whose signer the caller does not hold: typically the
   * regulator's cosignature, made with `pharmachain lot sign` on the written attestation. Each is checked (ECDSA, or
   * ERC-1271 for a contract wallet) before anything is sent; they apply only with their lot's attestation.
   */
  signatures?: readonly ImportSignature[];
  /** Unix seconds until which new attestations are valid (default: the latest block's time + `attestationLifetime`). */
  deadline?: bigint;
  /** Seconds the new lot attestations stay valid when no `deadline` is given (default one day). */
  attestationLifetime?: number;
  /** Called after each step. */
  onStep?: (result: ImportStepResult) => void;
}

/**
 * The attestation the importer makes for a planned lot (what the manufacturer and the regulator sign): the lot's GTIN,
 * number, expiry, pack count and manifest root, and as batch record the canonical JSON of GTIN, lot number, expiry and
 * serials. The same lot, manufacturer and deadline always give the same attestation, so it can be written by a dry run,
 * signed elsewhere (`pharmachain lot sign`) and given back to `executeEpcisImport`. `serialsRoot`, when the caller
 * has built the lot's manifest already, saves building it again.
 */
export function importAttestation(
  lot: PlannedLot,
  manufacturer: string,
  deadline: bigint,
  serialsRoot?: string,
): LotAttestation {
  if (lot.expiresAt === undefined)
    throw new InvalidInputError(`lot ${lot.lotNumber} has no expiry date in the document`);
  return buildLotAttestation({
    gtin: gtinToUint64(lot.gtin),
    lotNumber: lot.lotNumber,
    expiresAt: lot.expiresAt,
    unitCount: lot.serials.length,
    serialsRoot: serialsRoot ?? Manifest.fromSerials(lot.serials).root,
    dataHash: batchRecordHash(
      canonicalJson({ gtin: lot.gtin, lotNumber: lot.lotNumber, expiry: lot.expiryDate, serials: lot.serials }),
    ),
    manufacturer: getAddress(manufacturer),
    deadline,
  });
}

/**
 * What differs between a given attestation and the one the importer makes for the planned lot with the same deadline
 * (every field compared, the batch record hash included), or undefined when they are the same.
 */
export function attestationMismatch(
  given: LotAttestation,
  lot: PlannedLot,
  manufacturer: string,
  serialsRoot?: string,
): string | undefined {
  const expected = importAttestation(lot, manufacturer, given.deadline, serialsRoot);
  const fields: (keyof LotAttestation)[] = [
    "lotId",
    "gtin",
    "lotNumber",
    "expiresAt",
    "unitCount",
    "serialsRoot",
    "dataHash",
    "manufacturer",
  ];
  const norm = (v: unknown): string => (typeof v === "string" && v.startsWith("0x") ? v.toLowerCase() : String(v));
  for (const f of fields) {
    if (norm(given[f]) !== norm(expected[f]))
      return `its ${f} is ${String(given[f])}, the document's lot gives ${String(expected[f])}`;
  }
  return undefined;
}

const signing = (a: PlannedAccount): boolean => a.signs !== false;
const sameAddress = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && isAddress(a) && isAddress(b) && getAddress(a) === getAddress(b);

/**
 * Sends the plan's operations in order through `client`'s deployment, each with the signer of the account it needs.
 * A refused step, one whose signer the caller does not hold, and any step depending on a step not done are skipped
 * with the reason and its cause; a step the contracts refuse is `failed` with the contract's explanation; a given
 * attestation or signature that is wrong fails its step before anything is sent.
 */
export async function executeEpcisImport(
  plan: EpcisImportPlan,
  client: PharmaChainClient,
  options: EpcisExecuteOptions,
): Promise<EpcisImportResult> {
  const result: EpcisImportResult = {
    steps: [],
    manifests: new Map(),
    notices: new Map(),
    shipments: new Map(),
    unused: [],
  };
  const lots = new Map(plan.lots.map((l) => [l.lotId.toLowerCase(), l]));
  const done = new Set<number>();
  const commissioned = new Set<string>();
  // The inputs that cannot apply to any planned commissioning, said at once.
  const commissionings = plan.operations.filter((o) => o.kind === "commissionLot");
  const seenLots = new Set<string>();
  for (const a of options.attestations ?? []) {
    const key = a.lotId.toLowerCase();
    if (!commissionings.some((o) => o.lotId?.toLowerCase() === key))
      result.unused.push(`attestation of lot ${a.lotNumber} (${a.lotId}): the document commissions no such lot`);
    else if (seenLots.has(key))
      result.unused.push(
        `attestation of lot ${a.lotNumber} (${a.lotId}): a second one for the same lot (the first given is used)`,
      );
    seenLots.add(key);
  }
  for (const x of options.signatures ?? []) {
    const op = commissionings.find((o) => o.lotId?.toLowerCase() === x.lotId.toLowerCase());
    if (!op) result.unused.push(`signature by ${x.signer} of lot ${x.lotId}: the document commissions no such lot`);
    else if (!seenLots.has(x.lotId.toLowerCase()))
      result.unused.push(
        `signature by ${x.signer} of lot ${x.lotId}: no attestation of that lot is given, and a signature applies only to the attestation it signs`,
      );
    else if (!op.accounts.some((a) => sameAddress(a.address, x.signer))) {
      result.unused.push(
        `signature by ${x.signer} of lot ${x.lotId}: the signer is none of the step's accounts (${op.accounts.map((a) => `${a.role} ${a.address ?? "unknown"}`).join(", ")})`,
      );
    }
  }

  for (const op of plan.operations) {
    const record = (r: Omit<ImportStepResult, "step" | "kind">): void => {
      const full = { step: op.step, kind: op.kind, ...r };
      result.steps.push(full);
      if (r.status === "done") done.add(op.step);
      options.onStep?.(full);
    };
    if (op.refused) {
      record({ status: "skipped", cause: "refused", reason: op.refused });
      continue;
    }
    const blocked = (op.ranges ?? []).find(
      (r) => lots.has(r.lotId.toLowerCase()) && !commissioned.has(r.lotId.toLowerCase()) && op.kind !== "commissionLot",
    );
    if (blocked) {
      record({ status: "skipped", cause: "dependency", reason: `lot ${blocked.lotId} was not commissioned` });
      continue;
    }
    if (op.shipmentStep !== undefined && !done.has(op.shipmentStep)) {
      record({
        status: "skipped",
        cause: "dependency",
        reason: `the shipment of step ${op.shipmentStep} was not made in this run: if its seller made it, ${op.kind === "receiveShipment" ? "receive" : "cancel"} it by its id (pharmachain ${op.kind === "receiveShipment" ? "receive" : "cancel"} ID)`,
      });
      continue;
    }
    const lot = op.kind === "commissionLot" ? lots.get(op.lotId!.toLowerCase()) : undefined;
    // A commissioning may use an attestation made before and signatures made elsewhere on it.
    const attestation = lot
      ? (options.attestations ?? []).find((a) => a.lotId.toLowerCase() === lot.lotId.toLowerCase())
      : undefined;
    const given = op.accounts.map((a) =>
      attestation && a.address
        ? (options.signatures ?? []).find(
            (x) => x.lotId.toLowerCase() === lot!.lotId.toLowerCase() && sameAddress(x.signer, a.address),
          )
        : undefined,
    );
    const signers = op.accounts.map((a, j) =>
      a.address && signing(a) && !given[j] ? options.signerFor(a.address) : undefined,
    );
    const lacking = op.accounts.filter((a, j) => signing(a) && !signers[j] && !given[j]);
    if (lacking.length) {
      const hint =
        op.kind === "commissionLot"
          ? "; or give the attestation a dry run wrote and the missing party's signature of it (pharmachain lot sign)"
          : "";
      record({
        status: "skipped",
        cause: "signer",
        reason: `needs the signer of ${lacking.map((a) => `the ${a.role} ${a.address ?? a.party ?? ""}`.trim()).join(", ")}${hint}`,
      });
      continue;
    }
    const sender =
      signers.find((x) => x !== undefined) ?? (op.kind === "commissionLot" ? options.submitter : undefined);
    if (!sender) {
      record({ status: "skipped", cause: "signer", reason: "no account of the caller's sends it" });
      continue;
    }
    const as = client.withRunner(sender);
    try {
      if (op.kind === "commissionLot") {
        const manufacturer = op.accounts[0].address!;
        // Built once: its root goes into the attestation, and the manifest to the caller.
        const manifest = Manifest.fromSerials(lot!.serials, {
          metadata: { gtin: lot!.gtin, lotNumber: lot!.lotNumber },
        });
        const latest = await client.provider.getBlock("latest");
        const now = BigInt(latest?.timestamp ?? Math.floor(Date.now() / 1000));
        const domain = client.domain();
        let signed: LotAttestation;
        if (attestation) {
          const mismatch = attestationMismatch(attestation, lot!, manufacturer, manifest.root);
          if (mismatch) {
            record({
              status: "failed",
              cause: "input",
              reason: `the attestation given for lot ${lot!.lotNumber} is not the document's: ${mismatch}`,
            });
            continue;
          }
          if (attestation.deadline <= now) {
            record({
              status: "failed",
              cause: "input",
              reason: `the attestation given for lot ${lot!.lotNumber} expired at ${new Date(Number(attestation.deadline) * 1000).toISOString()}: write a new one with a dry run and have it signed again`,
            });
            continue;
          }
          const bad: string[] = [];
          for (const x of given) {
            if (!x) continue;
            if (!(await verifyAttestationSignature(domain, attestation, x.signer, x.signature, client.provider)))
              bad.push(x.signer);
          }
          if (bad.length) {
            record({
              status: "failed",
              cause: "input",
              reason: `the signature given by ${bad.join(", ")} is not a signature of this attestation on this chain and contract`,
            });
            continue;
          }
          signed = attestation;
        } else {
          signed = importAttestation(
            lot!,
            manufacturer,
            options.deadline ?? now + BigInt(options.attestationLifetime ?? 86400),
            manifest.root,
          );
        }
        const signatureOf = async (j: number): Promise<{ signer: string; signature: string }> =>
          given[j]
            ? { signer: getAddress(given[j]!.signer), signature: given[j]!.signature }
            : {
                signer: await signers[j]!.getAddress(),
                signature: await signLotAttestation(signers[j]!, domain, signed),
              };
        const written = await as.commissionLot({
          attestation: signed,
          manufacturerSignature: await signatureOf(0),
          regulatorSignature: await signatureOf(1),
        });
        result.manifests.set(lot!.lotId, manifest);
        commissioned.add(lot!.lotId.toLowerCase());
        record({ status: "done", tx: written.tx, lotId: written.lotId });
      } else if (op.kind === "ship") {
        const written = await as.ship({ buyer: op.accounts[1].address!, notice: op.noticeHash, ranges: op.ranges! });
        result.notices.set(op.noticeHash!.toLowerCase(), op.notice!);
        result.shipments.set(op.step, written.shipmentId);
        record({ status: "done", tx: written.tx, shipmentId: written.shipmentId });
      } else if (op.kind === "receiveShipment" || op.kind === "cancelShipment") {
        const id = result.shipments.get(op.shipmentStep!)!;
        const written = op.kind === "receiveShipment" ? await as.receiveShipment(id) : await as.cancelShipment(id);
        record({ status: "done", tx: written.tx, shipmentId: id });
      } else if (op.kind === "decommission") {
        let last: TxInfo | undefined;
        for (const r of op.ranges!) last = (await as.decommissionRange(r, op.state!)).tx;
        record({ status: "done", tx: last });
      } else if (op.kind === "quarantine") {
        record({ status: "done", tx: (await as.quarantine(op.ranges!, `EPCIS holding, plan step ${op.step}`)).tx });
      } else if (op.kind === "recallLot") {
        record({ status: "done", tx: (await as.recallLot(op.lotId!, `EPCIS recall, plan step ${op.step}`)).tx });
      }
    } catch (error) {
      const message = error instanceof PharmaChainError ? error.shortMessage : (error as Error).message;
      record({ status: "failed", cause: "contract", reason: message });
    }
  }
  return result;
}
