/**
 * What export and import share: the JSON-LD context, identifiers (EPC URIs or Digital Links, parties by GLN), the
 * stable event id, and the off-chain shipping notice whose hash a shipment records on-chain.
 */
import { createHash } from "crypto";
import { keccak256, toUtf8Bytes } from "ethers";
import { InvalidInputError } from "../errors";
import {
  DigitalLinkOptions,
  buildDigitalLink,
  buildEpcUri,
  gs1CheckDigit,
  gtin14,
  parseDigitalLink,
  parseEpcUri,
} from "../gs1";

/** The official EPCIS 2.0 JSON-LD context. */
export const EPCIS_CONTEXT_URI = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

/** The prefix of PharmaChain's extension fields (`pharmachain:ranges`, …) and its namespace. */
export const PHARMACHAIN_PREFIX = "pharmachain";
export const PHARMACHAIN_NAMESPACE = "urn:pharmachain:epcis:";

/** The `@context` of exported documents: the official context and PharmaChain's extension namespace. */
export const EPCIS_DOCUMENT_CONTEXT: readonly (string | Record<string, string>)[] = [
  EPCIS_CONTEXT_URI,
  { [PHARMACHAIN_PREFIX]: PHARMACHAIN_NAMESPACE },
];

/** An EPCIS event as JSON (the fields the SDK reads and writes; any other field is kept as it is). */
export type EpcisEvent = Record<string, unknown> & { type: string };

/** An EPCIS 2.0 document as JSON. */
export interface EpcisDocument {
  "@context": unknown;
  type: "EPCISDocument";
  schemaVersion: "2.0";
  creationDate: string;
  epcisBody: { eventList: EpcisEvent[] };
  [key: string]: unknown;
}

/** How exported identifiers are written. */
export interface IdentifierOptions {
  /** GS1 Digital Link URIs instead of EPC URNs (`true`, or the resolver base to use). */
  digitalLink?: boolean | DigitalLinkOptions;
  /**
   * The length of the GS1 Company Prefix of a key (6-12), which an EPC URI needs and a key does not tell: a number for
   * every key, or a function of the GTIN-14 / GLN-13 (default 7). Ignored for Digital Links.
   */
  companyPrefixLength?: number | ((key: string) => number);
  /** Parties as `urn:epc:id:pgln:` (EPCIS 2.0 CBV) or `urn:epc:id:sgln:…0` as the GS1 US DSCSA guideline does (default). */
  partyScheme?: "sgln" | "pgln";
}

function cplOf(options: IdentifierOptions, key: string): number {
  const c = options.companyPrefixLength ?? 7;
  return typeof c === "function" ? c(key) : c;
}

function dlOptions(options: IdentifierOptions): DigitalLinkOptions | undefined {
  if (!options.digitalLink) return undefined;
  return options.digitalLink === true ? {} : options.digitalLink;
}

/** A pack's identifier: SGTIN URI or Digital Link `…/01/{gtin}/21/{serial}`. */
export function sgtinId(gtin: bigint | string, serial: string, options: IdentifierOptions): string {
  const g = typeof gtin === "bigint" ? gtin14(gtin) : gtin;
  const dl = dlOptions(options);
  if (dl)
    return buildDigitalLink(
      [
        { ai: "01", value: g },
        { ai: "21", value: serial },
      ],
      dl,
    );
  return buildEpcUri({ scheme: "sgtin", gtin: g, serial, companyPrefixLength: cplOf(options, g) });
}

/** A lot's class identifier: LGTIN URI or Digital Link `…/01/{gtin}/10/{lot}`. */
export function lgtinId(gtin: bigint | string, lot: string, options: IdentifierOptions): string {
  const g = typeof gtin === "bigint" ? gtin14(gtin) : gtin;
  const dl = dlOptions(options);
  if (dl)
    return buildDigitalLink(
      [
        { ai: "01", value: g },
        { ai: "10", value: lot },
      ],
      dl,
    );
  return buildEpcUri({ scheme: "lgtin", gtin: g, lot, companyPrefixLength: cplOf(options, g) });
}

/** The 13-digit GLN of the registry's `uint64`; undefined for 0 (no GLN) or a value without a valid check digit. */
export function glnOf(value: bigint | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = BigInt(value);
  if (v <= 0n || v >= 10n ** 13n) return undefined;
  const gln = v.toString().padStart(13, "0");
  return gs1CheckDigit(gln.slice(0, 12)) === Number(gln[12]) ? gln : undefined;
}

/** A party (owning party, possessing party): PGLN or SGLN URI, or a Digital Link `…/417/{gln}`. */
export function partyId(gln: string, options: IdentifierOptions): string {
  const dl = dlOptions(options);
  if (dl) return buildDigitalLink([{ ai: "417", value: gln }], dl);
  if (options.partyScheme === "pgln")
    return buildEpcUri({ scheme: "pgln", gln, companyPrefixLength: cplOf(options, gln) });
  return buildEpcUri({ scheme: "sgln", gln, companyPrefixLength: cplOf(options, gln) });
}

/** A location (read point, business location): SGLN URI or a Digital Link `…/414/{gln}`. */
export function locationId(gln: string, options: IdentifierOptions): string {
  const dl = dlOptions(options);
  if (dl) return buildDigitalLink([{ ai: "414", value: gln }], dl);
  return buildEpcUri({ scheme: "sgln", gln, companyPrefixLength: cplOf(options, gln) });
}

/**
 * The GLN-13 a party or location identifier names (SGLN — its extension ignored —, PGLN, Digital Link 414/417, or 13
 * digits); undefined if it names none.
 */
export function glnFromId(id: string): string | undefined {
  const text = id.trim();
  if (/^\d{13}$/.test(text)) return text;
  try {
    if (/^urn:epc:/i.test(text)) {
      const epc = parseEpcUri(text);
      return epc.scheme === "sgln" || epc.scheme === "pgln" ? epc.gln : undefined;
    }
    if (/^https?:\/\//i.test(text)) {
      const primary = parseDigitalLink(text).elements[0];
      return primary.ai === "414" || primary.ai === "417" ? primary.value : undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** JSON with object keys sorted at every level, so that equal values hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "bigint") return v.toString();
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      );
    }
    return v;
  });
}

/** RFC 4122 namespace of PharmaChain's event ids (a fixed random UUID). */
export const EVENT_ID_NAMESPACE = "8a3d6c1e-5f0b-4c52-9a4e-2b7f0d6e91c3";

/** A name-based (version 5, SHA-1) UUID of `name` in `namespace` (RFC 4122 section 4.3). */
export function uuidV5(name: string, namespace = EVENT_ID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ""), "hex");
  const hash = createHash("sha1")
    .update(Buffer.concat([ns, Buffer.from(name, "utf8")]))
    .digest();
  const b = Buffer.from(hash.subarray(0, 16));
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = b.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The `eventID` of an exported event: `urn:uuid:` + the version-5 UUID of
 * `eip155:{chainId}:{contract}:{transactionHash}:{logIndex}` (lower-case hex), with `#{part}` when one on-chain event
 * becomes several EPCIS events or is exported for one pack only. The same on-chain event always gets the same id,
 * whatever the export's options (EPC URIs or Digital Links, serials known or not), and anyone can recompute it from
 * the log with any UUID library. The `ni:///sha-256;…?ver=CBV2.0` form is left to the EPCIS event hash, which hashes
 * the event's canonical content: ours identifies the on-chain event, not its rendering.
 */
export function chainEventId(
  chainId: bigint,
  contract: string,
  transactionHash: string,
  logIndex: number,
  part?: string,
): string {
  const name = `eip155:${chainId}:${contract.toLowerCase()}:${transactionHash.toLowerCase()}:${logIndex}${part ? `#${part}` : ""}`;
  return `urn:uuid:${uuidV5(name)}`;
}

/** The ISO 8601 time of unix seconds, with milliseconds and `Z`, as the schema's `date-time`. */
export function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/** `±hh:mm` of a time-zone offset in minutes (east of UTC positive). */
export function offsetText(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const m = Math.abs(minutes);
  return `${sign}${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

/** One aggregation (packing) of a shipping notice: a case or a pallet and what it holds, as the sender wrote them. */
export interface NoticeAggregation {
  parentID: string;
  childEPCs: string[];
  eventTime: string;
  eventTimeZoneOffset: string;
  bizStep?: string;
  disposition?: string;
  readPoint?: string;
  bizLocation?: string;
}

/**
 * The off-chain shipping notice of a shipment (docs/ARCHITECTURE.md section 1: "the shipping notice travels off-chain; its hash
 * goes on-chain"): what was shipped as the sender identified it (an SSCC, cases), the packing hierarchy down to the
 * packs, and the business transactions. `shippingNoticeHash` of it is the shipment's `noticeHash`, so an exporter
 * that holds it can check it against the chain and write the SSCC, cases and purchase order back into EPCIS.
 */
export interface ShippingNotice {
  format: "pharmachain-shipping-notice";
  version: 1;
  /** The shipping event's `epcList` as sent (containers or packs). */
  epcs: string[];
  /** Packing, outermost container last as in the document. */
  aggregations: NoticeAggregation[];
  bizTransactions: { type?: string; bizTransaction: string }[];
  /** Source and destination entries other than the owning parties (which the chain knows by GLN), e.g. locations. */
  sources: { type: string; source: string }[];
  destinations: { type: string; destination: string }[];
}

/** The `noticeHash` of a shipping notice: keccak256 of its canonical JSON (keys sorted, no spaces). */
export function shippingNoticeHash(notice: ShippingNotice): string {
  return keccak256(toUtf8Bytes(canonicalJson(notice)));
}

/** Checks the shape of a shipping notice read from a file. */
export function toShippingNotice(value: unknown, source = "the notice"): ShippingNotice {
  const n = value as Partial<ShippingNotice>;
  if (
    !n ||
    n.format !== "pharmachain-shipping-notice" ||
    n.version !== 1 ||
    !Array.isArray(n.epcs) ||
    !Array.isArray(n.aggregations)
  ) {
    throw new InvalidInputError(
      `${source} is not a PharmaChain shipping notice (format "pharmachain-shipping-notice", version 1)`,
    );
  }
  return {
    format: n.format,
    version: 1,
    epcs: n.epcs,
    aggregations: n.aggregations,
    bizTransactions: n.bizTransactions ?? [],
    sources: n.sources ?? [],
    destinations: n.destinations ?? [],
  };
}

/** Compresses sorted or unsorted indices into `[start, end)` ranges. */
export function indexRanges(indices: Iterable<number>): [number, number][] {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && last[1] === i) last[1] = i + 1;
    else out.push([i, i + 1]);
  }
  return out;
}
