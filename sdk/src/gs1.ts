/**
 * GS1 identifiers as the protocol encodes them (docs/ARCHITECTURE.md section 4): GTINs as the numeric value of their GTIN-14,
 * lot numbers and serials in the AI 82 character set, lot ids derived from both — and the GS1 forms the SDK reads and
 * writes: element strings (human-readable and the GS1 DataMatrix payload), GS1 Digital Link URIs, EPC URIs (SGTIN,
 * LGTIN, SSCC, SGLN, PGLN), AI 17 expiry dates and US NDCs. Test vectors: `test/fixtures/gs1/vectors.md` in the repository.
 *
 * Everything here is a pure function; every refusal is a `Gs1Error` naming the AI and the value.
 */
import { AbiCoder, keccak256 } from "ethers";
import { Gs1Error } from "./errors";

// ================================================================== GS1 keys and check digits

/** The GS1 mod-10 check digit of `body` (the digits before the check digit). */
export function gs1CheckDigit(body: string): number {
  if (!/^\d+$/.test(body)) throw new Gs1Error(`a GS1 key has digits only, got "${body}"`);
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const digit = body.charCodeAt(body.length - 1 - i) - 48;
    sum += i % 2 === 0 ? digit * 3 : digit;
  }
  return (10 - (sum % 10)) % 10;
}

/** Whether `key` (digits, check digit last) has a valid GS1 check digit. */
export function hasValidCheckDigit(key: string): boolean {
  return /^\d{2,}$/.test(key) && gs1CheckDigit(key.slice(0, -1)) === Number(key[key.length - 1]);
}

/** Throws `<label> has check digit X, expected Y` unless `key` (digits only) ends with its check digit. */
function assertCheckDigit(key: string, label: string): void {
  const expected = gs1CheckDigit(key.slice(0, -1));
  if (expected !== Number(key[key.length - 1])) {
    throw new Gs1Error(`${label} has check digit ${key[key.length - 1]}, expected ${expected}`);
  }
}

/**
 * A GTIN-8, -12, -13 or -14 as its GTIN-14 (left-padded with zeros). Throws on anything but digits, a wrong length or
 * a wrong check digit, saying which.
 */
export function normalizeGtin(gtin: string): string {
  const digits = gtin.trim();
  if (!/^\d+$/.test(digits)) throw new Gs1Error(`GTIN "${gtin}" must contain digits only`);
  if (![8, 12, 13, 14].includes(digits.length)) {
    throw new Gs1Error(`GTIN "${gtin}" has ${digits.length} digits; a GTIN has 8, 12, 13 or 14`);
  }
  assertCheckDigit(digits, `GTIN "${gtin}"`);
  return digits.padStart(14, "0");
}

/**
 * A GTIN-8, -12, -13 or -14 as the protocol's `uint64`: the value of its GTIN-14 form. Throws on a wrong length or
 * check digit, saying which.
 */
export function gtinToUint64(gtin: string): bigint {
  return BigInt(normalizeGtin(gtin));
}

/** The GTIN-14 string of a protocol `uint64` GTIN. */
export function gtin14(gtin: bigint): string {
  return gtin.toString().padStart(14, "0");
}

const AI82_CHAR = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]$/;
const AI82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$/;

/** Whether `value` is 1 to 20 characters of the GS1 AI 82 set (lot numbers, serials). */
export function isAi82(value: string): boolean {
  return AI82.test(value);
}

/** `lotId = keccak256(abi.encode(uint64 gtin, string lotNumber))`. */
export function lotIdOf(gtin: Gtin, lotNumber: string): string {
  if (!isAi82(lotNumber)) throw new Gs1Error(`lot number "${lotNumber}" must be 1-20 characters of the GS1 AI 82 set`);
  return keccak256(AbiCoder.defaultAbiCoder().encode(["uint64", "string"], [gtinValue(gtin), lotNumber]));
}

/**
 * A GTIN as the SDK takes it everywhere, from a scan to a lot id: the protocol's `uint64`, or its digits as printed or
 * scanned (GTIN-8, -12, -13 or -14; the check digit is checked).
 */
export type Gtin = bigint | string;

/** A {@link Gtin} as the protocol's `uint64`. Throws on digits with a wrong length or check digit, saying which. */
export function gtinValue(gtin: Gtin): bigint {
  if (typeof gtin === "bigint") {
    if (gtin <= 0n || gtin >= 10n ** 14n) throw new Gs1Error(`GTIN ${gtin} is not a GTIN-14 value`);
    assertCheckDigit(gtin14(gtin), `GTIN ${gtin14(gtin)}`);
    return gtin;
  }
  return gtinToUint64(gtin);
}

/**
 * The lot id of a scanned pack: its GTIN and lot number (AI 01 and AI 10) from a Digital Link, element string,
 * DataMatrix payload or EPC URI, or from a pack already parsed.
 */
export function lotIdOfScan(scan: string | Pick<Gs1Pack, "gtin" | "lot">): string {
  const pack = typeof scan === "string" ? parseScan(scan) : scan;
  if (!pack.lot) {
    throw new Gs1Error(
      `the scan ${typeof scan === "string" ? `"${scan}" ` : ""}has no lot number (AI 10): the lot id needs it`,
    );
  }
  return lotIdOf(pack.gtin, pack.lot);
}

// ================================================================== Application Identifiers

/**
 * How an AI's value is written: a GS1 key with a check digit, a `YYMMDD` date (day `00` allowed), a `YYMMDDHHMM`
 * date and time, digits, or characters of the AI 82 set.
 */
export type Gs1AiFormat = "key" | "date" | "datetime" | "digits" | "ai82";

/** What the SDK knows of one GS1 Application Identifier. */
export interface Gs1AiDefinition {
  readonly ai: string;
  /** The GS1 data title, lower case, e.g. "expiry date". */
  readonly title: string;
  readonly format: Gs1AiFormat;
  readonly minLength: number;
  readonly maxLength: number;
  /**
   * Whether the AI is in the GS1 "predefined length" table (its first two digits are 00-04, 11-20, 31-36 or 41): it
   * then has a fixed length and needs no `<GS>` separator in a barcode.
   */
  readonly predefinedLength: boolean;
}

type AiRow = readonly [title: string, format: Gs1AiFormat, minLength: number, maxLength: number];

/** The AIs of pharma packs, logistic units and locations. The table is prefix-free, as GS1 assigns AIs. */
const AI_ROWS: Readonly<Record<string, AiRow>> = {
  "00": ["SSCC", "key", 18, 18],
  "01": ["GTIN", "key", 14, 14],
  "02": ["content GTIN", "key", 14, 14],
  "10": ["lot number", "ai82", 1, 20],
  "11": ["production date", "date", 6, 6],
  "12": ["due date", "date", 6, 6],
  "13": ["packaging date", "date", 6, 6],
  "15": ["best before date", "date", 6, 6],
  "16": ["sell by date", "date", 6, 6],
  "17": ["expiry date", "date", 6, 6],
  "20": ["variant", "digits", 2, 2],
  "21": ["serial number", "ai82", 1, 20],
  "22": ["consumer product variant", "ai82", 1, 20],
  "240": ["additional product identification", "ai82", 1, 30],
  "241": ["customer part number", "ai82", 1, 30],
  "250": ["secondary serial number", "ai82", 1, 30],
  "254": ["GLN extension component", "ai82", 1, 20],
  "30": ["variable count", "digits", 1, 8],
  "37": ["count of trade items", "digits", 1, 8],
  "400": ["customer purchase order number", "ai82", 1, 30],
  "410": ["ship to GLN", "key", 13, 13],
  "411": ["bill to GLN", "key", 13, 13],
  "412": ["purchased from GLN", "key", 13, 13],
  "413": ["ship for GLN", "key", 13, 13],
  "414": ["physical location GLN", "key", 13, 13],
  "415": ["invoicing party GLN", "key", 13, 13],
  "416": ["production or service location GLN", "key", 13, 13],
  "417": ["party GLN", "key", 13, 13],
  "7003": ["expiration date and time", "datetime", 10, 10],
  "710": ["national healthcare reimbursement number (Germany PZN)", "ai82", 1, 20],
  "711": ["national healthcare reimbursement number (France CIP)", "ai82", 1, 20],
  "712": ["national healthcare reimbursement number (Spain)", "ai82", 1, 20],
  "713": ["national healthcare reimbursement number (Brazil DRN)", "ai82", 1, 20],
  "714": ["national healthcare reimbursement number (Portugal AIM)", "ai82", 1, 20],
  "715": ["national healthcare reimbursement number (United States NDC)", "ai82", 1, 20],
  "90": ["mutually agreed information", "ai82", 1, 30],
  "91": ["company internal information", "ai82", 1, 90],
  "92": ["company internal information", "ai82", 1, 90],
  "93": ["company internal information", "ai82", 1, 90],
  "94": ["company internal information", "ai82", 1, 90],
  "95": ["company internal information", "ai82", 1, 90],
  "96": ["company internal information", "ai82", 1, 90],
  "97": ["company internal information", "ai82", 1, 90],
  "98": ["company internal information", "ai82", 1, 90],
  "99": ["company internal information", "ai82", 1, 90],
};

const PREDEFINED_LENGTH_PREFIXES = new Set(
  "00 01 02 03 04 11 12 13 14 15 16 17 18 19 20 31 32 33 34 35 36 41".split(" "),
);

/** The SDK's definition of `ai` (e.g. `"17"`), or undefined when the SDK does not support it. */
export function gs1AiDefinition(ai: string): Gs1AiDefinition | undefined {
  const row = Object.prototype.hasOwnProperty.call(AI_ROWS, ai) ? AI_ROWS[ai] : undefined;
  if (row === undefined) return undefined;
  const [title, format, minLength, maxLength] = row;
  return { ai, title, format, minLength, maxLength, predefinedLength: PREDEFINED_LENGTH_PREFIXES.has(ai.slice(0, 2)) };
}

function definitionOf(ai: string): Gs1AiDefinition {
  const definition = gs1AiDefinition(ai);
  if (definition === undefined) {
    throw new Gs1Error(`unknown or unsupported GS1 AI "${ai}"`, {
      details: `supported AIs: ${Object.keys(AI_ROWS).join(", ")}`,
    });
  }
  return definition;
}

/** Days in `month` (1-12) of `year`, with the Gregorian leap-year rule. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Checks month 01-12 and day 00-31 within the month (29 February when YY is a multiple of 4). */
function assertYymmdd(value: string, label: string): void {
  const yy = Number(value.slice(0, 2));
  const mm = Number(value.slice(2, 4));
  const dd = Number(value.slice(4, 6));
  if (mm < 1 || mm > 12) throw new Gs1Error(`${label} has month ${value.slice(2, 4)}; a month is 01 to 12`);
  // Without a century, the leap years are those with YY a multiple of 4 (true for 1901-2099).
  const days = mm === 2 ? (yy % 4 === 0 ? 29 : 28) : daysInMonth(2001, mm);
  if (dd > days) {
    throw new Gs1Error(`${label} has day ${value.slice(4, 6)}; month ${value.slice(2, 4)} has at most ${days} days`);
  }
}

/**
 * Checks that `value` is a valid value of `ai`: length, character set, check digit, date. Throws a `Gs1Error` naming
 * the AI and the value otherwise (and for an AI the SDK does not support).
 */
export function validateElement(ai: string, value: string): void {
  const definition = definitionOf(ai);
  const label = `AI ${ai} (${definition.title}) "${value}"`;
  const { minLength, maxLength } = definition;
  switch (definition.format) {
    case "key":
      if (!/^\d+$/.test(value) || value.length !== maxLength)
        throw new Gs1Error(`${label} must be ${maxLength} digits`);
      assertCheckDigit(value, label);
      return;
    case "date":
      if (!/^\d{6}$/.test(value)) throw new Gs1Error(`${label} must be 6 digits (YYMMDD)`);
      assertYymmdd(value, label);
      return;
    case "datetime":
      if (!/^\d{10}$/.test(value)) throw new Gs1Error(`${label} must be 10 digits (YYMMDDHHMM)`);
      assertYymmdd(value.slice(0, 6), label);
      if (Number(value.slice(6, 8)) > 23 || Number(value.slice(8, 10)) > 59) {
        throw new Gs1Error(
          `${label} has time ${value.slice(6, 8)}:${value.slice(8, 10)}; hours are 00-23, minutes 00-59`,
        );
      }
      return;
    case "digits":
      if (!/^\d+$/.test(value) || value.length < minLength || value.length > maxLength) {
        const length = minLength === maxLength ? `${maxLength}` : `${minLength} to ${maxLength}`;
        throw new Gs1Error(`${label} must be ${length} digits`);
      }
      return;
    case "ai82": {
      if (value.length < minLength || value.length > maxLength) {
        throw new Gs1Error(
          `${label} has ${value.length} characters; AI ${ai} takes at least ${minLength} and at most ${maxLength}`,
        );
      }
      const bad = [...value].find((c) => !AI82_CHAR.test(c));
      if (bad !== undefined) {
        const shown = bad.charCodeAt(0) < 32 ? `\\u${bad.charCodeAt(0).toString(16).padStart(4, "0")}` : bad;
        throw new Gs1Error(`${label} has the character "${shown}", which is outside the GS1 AI 82 set`);
      }
      return;
    }
  }
}

// ================================================================== packs and element lists

/** One AI and its value, e.g. `{ ai: "17", value: "261231" }`. */
export interface Gs1Element {
  readonly ai: string;
  readonly value: string;
}

/** What a pack's code says: its GTIN-14 and, when present, serial (AI 21), lot (AI 10) and expiry (AI 17). */
export interface Gs1Pack {
  /** The GTIN-14 (AI 01). */
  readonly gtin: string;
  /** AI 21. */
  readonly serial?: string;
  /** AI 10. */
  readonly lot?: string;
  /** AI 17, `YYMMDD` (day `00` = the last day of the month). */
  readonly expiry?: string;
  /** Any other AIs, keyed by AI, e.g. `{ "11": "250101", "710": "12345678" }`. Absent when there are none. */
  readonly extra?: Readonly<Record<string, string>>;
}

const PACK_AIS = new Set(["01", "10", "17", "21"]);

function assertNoDuplicates(elements: readonly Gs1Element[], where: string): void {
  const seen = new Map<string, string>();
  for (const { ai, value } of elements) {
    const first = seen.get(ai);
    if (first !== undefined) throw new Gs1Error(`AI ${ai} appears twice ("${first}" and "${value}") in ${where}`);
    seen.set(ai, value);
  }
}

/**
 * The pack an element list describes (from any of the parsers below). Refuses a list without AI 01 or with an AI twice.
 */
export function elementsToPack(elements: readonly Gs1Element[]): Gs1Pack {
  assertNoDuplicates(elements, "the code");
  const byAi = new Map(elements.map((e) => [e.ai, e.value] as const));
  const gtin = byAi.get("01");
  if (gtin === undefined) {
    const ais = elements.map((e) => e.ai).join(", ") || "none";
    throw new Gs1Error(`the code has no GTIN (AI 01), so it does not identify a pack; its AIs: ${ais}`);
  }
  const extraEntries = elements.filter((e) => !PACK_AIS.has(e.ai)).map((e) => [e.ai, e.value] as const);
  const serial = byAi.get("21");
  const lot = byAi.get("10");
  const expiry = byAi.get("17");
  return {
    gtin: normalizeGtin(gtin),
    ...(serial !== undefined ? { serial } : {}),
    ...(lot !== undefined ? { lot } : {}),
    ...(expiry !== undefined ? { expiry } : {}),
    ...(extraEntries.length > 0 ? { extra: Object.fromEntries(extraEntries) } : {}),
  };
}

/**
 * The element list of `pack`, validated, in the order printed on pharma packs: 01, 17, other predefined-length AIs,
 * 10, 21, other AIs (each group by AI). A GTIN-8/12/13 is padded to 14 digits.
 */
export function packToElements(pack: Gs1Pack): Gs1Element[] {
  const elements: Gs1Element[] = [{ ai: "01", value: normalizeGtin(pack.gtin) }];
  if (pack.expiry !== undefined) elements.push({ ai: "17", value: pack.expiry });
  const extra = Object.entries(pack.extra ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [ai] of extra) {
    if (PACK_AIS.has(ai)) {
      const fields: Readonly<Record<string, string>> = { "01": "gtin", "10": "lot", "17": "expiry", "21": "serial" };
      const field = fields[ai];
      throw new Gs1Error(`pack.extra has AI ${ai}; give it as pack.${field}`);
    }
    definitionOf(ai);
  }
  const fixedExtra = extra.filter(([ai]) => definitionOf(ai).predefinedLength);
  const variableExtra = extra.filter(([ai]) => !definitionOf(ai).predefinedLength);
  for (const [ai, value] of fixedExtra) elements.push({ ai, value });
  if (pack.lot !== undefined) elements.push({ ai: "10", value: pack.lot });
  if (pack.serial !== undefined) elements.push({ ai: "21", value: pack.serial });
  for (const [ai, value] of variableExtra) elements.push({ ai, value });
  for (const { ai, value } of elements) validateElement(ai, value);
  return elements;
}

// ================================================================== element strings

/** The ASCII group separator (FNC1 as a field separator in a GS1 barcode's data). */
export const GS = "\u001d";

/** Symbology identifiers of GS1 data carriers whose data is an element string with FNC1 in first position. */
const GS1_SYMBOLOGY_IDS = new Set(["]d2", "]Q3", "]C1", "]e0", "]J1"]);

/**
 * The human-readable element string of `elements`, in their order: `(01)09506000134352(17)261231(10)ABC(21)123`.
 * A `(` inside a value is written `\(` (as the GS1 Barcode Syntax Engine does) so that it cannot be read as an AI.
 */
export function buildElementString(elements: readonly Gs1Element[]): string {
  return elements
    .map(({ ai, value }) => {
      validateElement(ai, value);
      return `(${ai})${value.replace(/\(/g, "\\(")}`;
    })
    .join("");
}

/** Options of `buildDataMatrixPayload`. */
export interface DataMatrixOptions {
  /** What starts the payload (FNC1 in first position): `"]d2"` (default), another symbology id, `GS`, or `""`. */
  prefix?: string;
  /** What ends a variable-length field that is not last: `GS` (default) or e.g. the text `"<GS>"` for display. */
  separator?: string;
}

/**
 * The GS1 DataMatrix payload of `elements`, in their order: symbology identifier, then each AI and value, with a
 * separator after each variable-length value that is not last (`]d2010950600013435217261231` `10ABC123<GS>2112345`).
 */
export function buildDataMatrixPayload(elements: readonly Gs1Element[], options: DataMatrixOptions = {}): string {
  const separator = options.separator ?? GS;
  let payload = options.prefix ?? "]d2";
  elements.forEach(({ ai, value }, index) => {
    validateElement(ai, value);
    payload += ai + value;
    if (!definitionOf(ai).predefinedLength && index < elements.length - 1) payload += separator;
  });
  return payload;
}

/** Reads `(AI)value(AI)value…`; a `\(` in a value is a literal `(`; spaces around values are ignored. */
function parseBracketed(text: string): Gs1Element[] {
  const elements: Gs1Element[] = [];
  let i = 0;
  while (i < text.length) {
    const opener = /^\((\d{2,4})\)/.exec(text.slice(i));
    if (opener === null) {
      throw new Gs1Error(
        `element string "${text}" must continue with an AI in parentheses at "${text.slice(i, i + 12)}"`,
      );
    }
    const ai = opener[1];
    i += opener[0].length;
    let value = "";
    while (i < text.length) {
      if (text[i] === "\\" && text[i + 1] === "(") {
        value += "(";
        i += 2;
      } else if (text[i] === "(" && /^\(\d{2,4}\)/.test(text.slice(i))) {
        break;
      } else {
        value += text[i];
        i += 1;
      }
    }
    value = value.trim();
    validateElement(ai, value);
    elements.push({ ai, value });
  }
  return elements;
}

/** Reads a barcode payload: optional symbology id or leading FNC1, then AIs and values separated by GS. */
function parseRaw(original: string, text: string): Gs1Element[] {
  let data = text;
  if (data.startsWith("]")) {
    const id = data.slice(0, 3);
    if (!GS1_SYMBOLOGY_IDS.has(id)) {
      throw new Gs1Error(`symbology identifier "${id}" does not mark GS1 data (expected ]d2, ]Q3, ]C1, ]e0 or ]J1)`, {
        details: `payload: ${JSON.stringify(original)}`,
      });
    }
    data = data.slice(3);
  }
  const elements: Gs1Element[] = [];
  let i = 0;
  while (i < data.length) {
    if (data[i] === GS) {
      i += 1; // FNC1 in first position, or a separator where none was needed
      continue;
    }
    const ai = [2, 3, 4].map((n) => data.slice(i, i + n)).find((candidate) => gs1AiDefinition(candidate) !== undefined);
    if (ai === undefined || !/^\d+$/.test(ai)) {
      throw new Gs1Error(`unknown or unsupported GS1 AI at "${data.slice(i, i + 12)}" in the payload`, {
        details: `payload: ${JSON.stringify(original)}`,
      });
    }
    i += ai.length;
    const definition = definitionOf(ai);
    let end = data.indexOf(GS, i);
    if (end < 0) end = data.length;
    if (definition.predefinedLength) end = Math.min(end, i + definition.maxLength);
    const value = data.slice(i, end);
    validateElement(ai, value);
    elements.push({ ai, value });
    i = end;
  }
  if (elements.length === 0) throw new Gs1Error(`payload ${JSON.stringify(original)} holds no AI`);
  return elements;
}

/**
 * Reads an element string: human-readable `(01)…(17)…(10)…(21)…`, or a barcode payload (`]d2` or another GS1 symbology
 * identifier, or a leading GS, or nothing; then AIs, with GS — also written as the text `<GS>` or `\u001d` — after
 * each variable-length value that is not last). Refuses unknown AIs, bad lengths and check digits, characters outside
 * AI 82, and an AI given twice.
 *
 * The text `<GS>` is read as a separator only when the payload holds no real GS character (`<`, `G`, `S` and `>` are AI
 * 82 characters).
 */
export function parseElementString(text: string): Gs1Element[] {
  const trimmed = text.trim();
  if (trimmed === "") throw new Gs1Error("the element string is empty");
  let elements: Gs1Element[];
  if (trimmed.startsWith("(")) {
    elements = parseBracketed(trimmed);
  } else {
    let data = trimmed.replace(/\\u001d/gi, GS);
    if (!data.includes(GS)) data = data.replace(/<GS>/g, GS);
    elements = parseRaw(text, data);
  }
  assertNoDuplicates(elements, `"${trimmed}"`);
  return elements;
}

/** The human-readable element string of `pack` (`(01)…(17)…(10)…(21)…`). */
export function packToElementString(pack: Gs1Pack): string {
  return buildElementString(packToElements(pack));
}

/** The GS1 DataMatrix payload of `pack` (`]d2` `01…17…10…<GS>21…`). */
export function packToDataMatrix(pack: Gs1Pack, options: DataMatrixOptions = {}): string {
  return buildDataMatrixPayload(packToElements(pack), options);
}

// ================================================================== GS1 Digital Link

/** The primary keys the SDK reads in a Digital Link, with their key qualifiers in their fixed order. */
const DL_PRIMARY_KEYS: Readonly<Record<string, readonly string[]>> = {
  "01": ["22", "10", "21"],
  "00": [],
  "414": ["254"],
  "417": [],
};

function isPrimaryKey(ai: string): boolean {
  return Object.prototype.hasOwnProperty.call(DL_PRIMARY_KEYS, ai);
}

/** The default resolver of `buildDigitalLink`. */
export const GS1_RESOLVER = "https://id.gs1.org";

/** A parsed GS1 Digital Link URI. */
export interface Gs1DigitalLink {
  /** Scheme, host and any custom path, without a trailing slash: `https://id.gs1.org`, `https://example.com/p`. */
  readonly base: string;
  /** Primary key (a GTIN padded to 14 digits), key qualifiers, then query-string AIs, in URI order; values decoded. */
  readonly elements: readonly Gs1Element[];
}

/** Options of the Digital Link builders. */
export interface DigitalLinkOptions {
  /** Scheme, host and optional custom path; default `https://id.gs1.org`. */
  base?: string;
}

function percentDecode(raw: string, label: string, uri: string): string {
  try {
    return decodeURIComponent(raw);
  } catch (cause) {
    throw new Gs1Error(`${label} "${raw}" is not valid percent-encoding`, { details: `in ${uri}`, cause });
  }
}

/**
 * Reads an uncompressed GS1 Digital Link URI: any http(s) domain and custom path, then a primary key (`/01/` GTIN —
 * GTIN-8/12/13 are padded —, `/00/` SSCC, `/414/` GLN, `/417/` party GLN), its key qualifiers in their fixed order
 * (01: 22, 10, 21; 414: 254), and AIs in the query string (`?17=261231`; other parameters such as `linkType` are
 * ignored). Percent-encoding is decoded. Refuses qualifiers out of order, an AI twice, a key qualifier in the query
 * string, invalid values, and compressed URIs.
 */
/**
 * GS1 Digital Link 1.0's short names for the AIs a pack's link uses (`/gtin/…/lot/…/ser/…?exp=YYMMDD`, as verification
 * routers and older scanners still send), read as their numeric AIs. Numeric AIs are the standard's current form.
 */
const DL_SHORT_NAMES: Readonly<Record<string, string>> = {
  gtin: "01",
  sscc: "00",
  gln: "414",
  party: "417",
  cpv: "22",
  lot: "10",
  ser: "21",
  exp: "17",
  bestbefore: "15",
  sellby: "16",
  proddate: "11",
};

/** A path segment or query key as its numeric AI when it is one of GS1 Digital Link 1.0's short names. */
function dlCode(name: string): string {
  return DL_SHORT_NAMES[name.toLowerCase()] ?? name;
}

export function parseDigitalLink(uri: string): Gs1DigitalLink {
  const text = uri.trim();
  const match = /^(https?):\/\/([^/?#\s]+)([^?#\s]*)(?:\?([^#\s]*))?(?:#\S*)?$/i.exec(text);
  if (match === null) throw new Gs1Error(`"${uri}" is not an http(s) URI, so not a GS1 Digital Link`);
  const [, scheme, host, path, query] = match;
  const segments = path === "" ? [] : path.slice(1).split("/");
  if (segments.length > 0 && segments[segments.length - 1] === "") segments.pop();

  // The primary key is the last primary-key AI followed by an odd number of segments: key qualifiers come in pairs
  // and are never primary-key AIs, so anything before it is the custom path. Short names count as their AIs.
  const codes = segments.map(dlCode);
  let start = -1;
  codes.forEach((code, index) => {
    if (isPrimaryKey(code) && (segments.length - index) % 2 === 0) start = index;
  });
  if (start < 0) {
    const last = segments[segments.length - 1] ?? "";
    if (/^[A-Za-z0-9_-]{8,}$/.test(last) && !/^\d+$/.test(last)) {
      throw new Gs1Error(
        `"${uri}" looks like a compressed GS1 Digital Link URI; only uncompressed URIs are supported`,
        {
          details: "decompress it first (/01/{gtin}/… form)",
        },
      );
    }
    throw new Gs1Error(
      `"${uri}" has no GS1 primary key (/01/, /00/, /414/ or /417/ followed by its value) in its path`,
    );
  }

  const primaryAi = codes[start];
  const rawPrimary = percentDecode(segments[start + 1], `AI ${primaryAi} value`, text);
  let primaryValue = rawPrimary;
  if (primaryAi === "01" && /^\d+$/.test(rawPrimary) && rawPrimary.length !== 14) {
    primaryValue = normalizeGtin(rawPrimary); // GTIN-8/12/13, valid ones only
  } else {
    validateElement(primaryAi, rawPrimary);
  }
  const elements: Gs1Element[] = [{ ai: primaryAi, value: primaryValue }];

  const qualifiers = DL_PRIMARY_KEYS[primaryAi];
  let lastPosition = -1;
  for (let k = start + 2; k < segments.length; k += 2) {
    const ai = codes[k];
    const position = qualifiers.indexOf(ai);
    if (position < 0) {
      throw new Gs1Error(
        `AI ${ai} cannot follow AI ${primaryAi} in a Digital Link path; its key qualifiers are ${
          qualifiers.join(", ") || "none"
        }`,
        { details: `in ${text}` },
      );
    }
    if (position === lastPosition) throw new Gs1Error(`AI ${ai} appears twice in the path of ${text}`);
    if (position < lastPosition) {
      throw new Gs1Error(
        `AI ${ai} comes after AI ${
          qualifiers[lastPosition]
        }: the key qualifiers of AI ${primaryAi} must be in the order ${qualifiers.join(", ")}`,
        { details: `in ${text}` },
      );
    }
    lastPosition = position;
    const value = percentDecode(segments[k + 1], `AI ${ai} value`, text);
    validateElement(ai, value);
    elements.push({ ai, value });
  }

  for (const parameter of (query ?? "").split("&")) {
    if (parameter === "") continue;
    const equals = parameter.indexOf("=");
    const key = dlCode(equals < 0 ? parameter : parameter.slice(0, equals));
    if (!/^\d+$/.test(key)) continue; // linkType, context, … are not AIs
    const value = percentDecode(equals < 0 ? "" : parameter.slice(equals + 1), `AI ${key} value`, text);
    if (key === primaryAi || qualifiers.includes(key)) {
      throw new Gs1Error(
        `AI ${key} belongs in the path of a Digital Link with primary key AI ${primaryAi}, not in its query string`,
        {
          details: `in ${text}`,
        },
      );
    }
    if (isPrimaryKey(key)) {
      throw new Gs1Error(`a Digital Link has one primary key; AI ${key} in the query string of ${text} is another`);
    }
    validateElement(key, value);
    elements.push({ ai: key, value });
  }
  assertNoDuplicates(elements, text);

  const customPath = segments
    .slice(0, start)
    .map((s) => `/${s}`)
    .join("");
  return { base: `${scheme}://${host}${customPath}`, elements };
}

function digitalLinkBase(base: string): string {
  const trimmed = base.trim().replace(/\/+$/, "");
  if (!/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/i.test(trimmed)) {
    throw new Gs1Error(`Digital Link base "${base}" must be http(s)://host[/path], without query or fragment`);
  }
  return trimmed;
}

/**
 * The uncompressed GS1 Digital Link URI of `elements`: the one primary key (01, 00, 414 or 417; a GTIN-8/12/13 is
 * padded) and its key qualifiers in the path in their fixed order, every other AI in the query string in the given
 * order. Values are percent-encoded as `encodeURIComponent` does (`/`→`%2F`, `%`→`%25`, `&`→`%26`, `"`→`%22`,
 * `?`→`%3F`, …; `!'()*-._` stay).
 */
export function buildDigitalLink(elements: readonly Gs1Element[], options: DigitalLinkOptions = {}): string {
  const base = digitalLinkBase(options.base ?? GS1_RESOLVER);
  assertNoDuplicates(elements, "the Digital Link");
  const primaries = elements.filter((e) => isPrimaryKey(e.ai));
  if (primaries.length !== 1) {
    const found = primaries.map((e) => e.ai).join(", ") || "none";
    throw new Gs1Error(`a Digital Link needs exactly one primary key (AI 01, 00, 414 or 417); found: ${found}`);
  }
  const primary = primaries[0];
  const primaryValue = primary.ai === "01" ? normalizeGtin(primary.value) : primary.value;
  validateElement(primary.ai, primaryValue);
  const qualifiers = DL_PRIMARY_KEYS[primary.ai];
  let uri = `${base}/${primary.ai}/${encodeURIComponent(primaryValue)}`;
  for (const qualifier of qualifiers) {
    const element = elements.find((e) => e.ai === qualifier);
    if (element === undefined) continue;
    validateElement(element.ai, element.value);
    uri += `/${element.ai}/${encodeURIComponent(element.value)}`;
  }
  const attributes = elements.filter((e) => e !== primary && !qualifiers.includes(e.ai));
  for (const { ai, value } of attributes) validateElement(ai, value);
  if (attributes.length > 0) uri += `?${attributes.map((e) => `${e.ai}=${encodeURIComponent(e.value)}`).join("&")}`;
  return uri;
}

/** The pack a Digital Link URI identifies (see `parseDigitalLink`); refuses one whose primary key is not a GTIN. */
export function digitalLinkToPack(uri: string): Gs1Pack {
  const { elements } = parseDigitalLink(uri);
  if (elements[0].ai !== "01") {
    throw new Gs1Error(`the Digital Link "${uri}" identifies AI ${elements[0].ai}, not a trade item (AI 01)`);
  }
  return elementsToPack(elements);
}

/** The Digital Link URI of `pack`: `https://id.gs1.org/01/{gtin14}/10/{lot}/21/{serial}?17=YYMMDD`. */
export function packToDigitalLink(pack: Gs1Pack, options: DigitalLinkOptions = {}): string {
  return buildDigitalLink(packToElements(pack), options);
}

// ================================================================== EPC URIs (GS1 Tag Data Standard)

/** An EPC URI's identifier, with the length of the GS1 Company Prefix it was written with. */
export type EpcIdentifier =
  /** `urn:epc:id:sgtin:CompanyPrefix.ItemRefAndIndicator.Serial` */
  | { readonly scheme: "sgtin"; readonly gtin: string; readonly serial: string; readonly companyPrefixLength: number }
  /** `urn:epc:idpat:sgtin:CompanyPrefix.ItemRefAndIndicator.*`: every instance of a GTIN (class level). */
  | { readonly scheme: "sgtin-pattern"; readonly gtin: string; readonly companyPrefixLength: number }
  /** `urn:epc:class:lgtin:CompanyPrefix.ItemRefAndIndicator.Lot` */
  | { readonly scheme: "lgtin"; readonly gtin: string; readonly lot: string; readonly companyPrefixLength: number }
  /** `urn:epc:id:sscc:CompanyPrefix.SerialReference` (extension digit first) */
  | { readonly scheme: "sscc"; readonly sscc: string; readonly companyPrefixLength: number }
  /** `urn:epc:id:sgln:CompanyPrefix.LocationReference.Extension` (extension `0` = none) */
  | { readonly scheme: "sgln"; readonly gln: string; readonly extension?: string; readonly companyPrefixLength: number }
  /** `urn:epc:id:pgln:CompanyPrefix.PartyReference` */
  | { readonly scheme: "pgln"; readonly gln: string; readonly companyPrefixLength: number };

/** Characters an EPC URI component holds as they are; `"`, `%`, `&`, `/`, `<`, `>`, `?` are %-escaped (TDS). */
const EPC_COMPONENT = /^(?:[A-Za-z0-9!'()*+,\-.:;=_]|%[0-9A-Fa-f]{2})+$/;

function epcEscape(value: string): string {
  return value.replace(/["%&/<>?]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function epcUnescape(raw: string, label: string, uri: string): string {
  if (!EPC_COMPONENT.test(raw)) {
    const bad = [...raw].find(
      (c, i) => !/[A-Za-z0-9!'()*+,\-.:;=_%]/.test(c) || (c === "%" && !/^%[0-9A-Fa-f]{2}/.test(raw.slice(i))),
    );
    throw new Gs1Error(
      raw === ""
        ? `${label} is empty in "${uri}"`
        : `${label} "${raw}" has "${bad ?? raw}", which an EPC URI must %-escape (or cannot hold)`,
      { details: `in ${uri}` },
    );
  }
  return raw.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function assertCompanyPrefixLength(length: number): void {
  if (!Number.isInteger(length) || length < 6 || length > 12) {
    throw new Gs1Error(`GS1 Company Prefix length ${length} must be a whole number from 6 to 12`);
  }
}

/** `companyPrefix.reference` → the key's digits without check digit, for a key of `bodyLength` digits. */
function epcKeyBody(
  companyPrefix: string,
  reference: string,
  bodyLength: number,
  leadingDigitFirst: boolean,
  uri: string,
): string {
  if (!/^\d{6,12}$/.test(companyPrefix)) {
    throw new Gs1Error(`GS1 Company Prefix "${companyPrefix}" in "${uri}" must be 6 to 12 digits`);
  }
  if (
    !/^\d*$/.test(reference) ||
    companyPrefix.length + reference.length !== bodyLength ||
    (leadingDigitFirst && reference === "")
  ) {
    throw new Gs1Error(
      `reference "${reference}" in "${uri}" must be digits making ${bodyLength} digits ` +
        `with the company prefix "${companyPrefix}"`,
    );
  }
  return leadingDigitFirst ? reference[0] + companyPrefix + reference.slice(1) : companyPrefix + reference;
}

function withCheckDigit(body: string): string {
  return body + gs1CheckDigit(body);
}

/**
 * Reads an EPC URI: `urn:epc:id:sgtin:`, `urn:epc:idpat:sgtin:CP.IR.*`, `urn:epc:class:lgtin:`, `urn:epc:id:sscc:`,
 * `urn:epc:id:sgln:`, `urn:epc:id:pgln:`. Keys get their check digit; %-escapes in serials, lots and extensions are
 * decoded (TDS). Refuses other schemes, wrong component lengths, and unescaped reserved characters.
 */
export function parseEpcUri(uri: string): EpcIdentifier {
  const text = uri.trim();
  const match = /^urn:epc:(id|idpat|class):([a-z]+):(.*)$/i.exec(text);
  if (match === null) throw new Gs1Error(`"${uri}" is not an EPC URI (urn:epc:id:…, urn:epc:idpat:…, urn:epc:class:…)`);
  const kind = `${match[1]}:${match[2]}`.toLowerCase();
  const parts = match[3].split(".");
  const need = (count: number, form: string): void => {
    if (parts.length < count || (count === 2 && parts.length !== 2)) {
      throw new Gs1Error(`"${uri}" must have the form ${form}`);
    }
  };
  const rest = parts.slice(2).join("."); // serials, lots and extensions may hold dots
  switch (kind) {
    case "id:sgtin": {
      need(3, "urn:epc:id:sgtin:CompanyPrefix.ItemRefAndIndicator.Serial");
      const gtin = withCheckDigit(epcKeyBody(parts[0], parts[1], 13, true, text));
      const serial = epcUnescape(rest, "serial", text);
      validateElement("21", serial);
      return { scheme: "sgtin", gtin, serial, companyPrefixLength: parts[0].length };
    }
    case "idpat:sgtin": {
      need(3, "urn:epc:idpat:sgtin:CompanyPrefix.ItemRefAndIndicator.*");
      if (rest !== "*" || parts[1] === "*") {
        throw new Gs1Error(
          `EPC pattern "${uri}" is not supported: only CompanyPrefix.ItemRefAndIndicator.* (one GTIN) is`,
        );
      }
      const gtin = withCheckDigit(epcKeyBody(parts[0], parts[1], 13, true, text));
      return { scheme: "sgtin-pattern", gtin, companyPrefixLength: parts[0].length };
    }
    case "class:lgtin": {
      need(3, "urn:epc:class:lgtin:CompanyPrefix.ItemRefAndIndicator.Lot");
      const gtin = withCheckDigit(epcKeyBody(parts[0], parts[1], 13, true, text));
      const lot = epcUnescape(rest, "lot", text);
      validateElement("10", lot);
      return { scheme: "lgtin", gtin, lot, companyPrefixLength: parts[0].length };
    }
    case "id:sscc": {
      need(2, "urn:epc:id:sscc:CompanyPrefix.SerialReference");
      const sscc = withCheckDigit(epcKeyBody(parts[0], parts[1], 17, true, text));
      return { scheme: "sscc", sscc, companyPrefixLength: parts[0].length };
    }
    case "id:sgln": {
      need(3, "urn:epc:id:sgln:CompanyPrefix.LocationReference.Extension");
      const gln = withCheckDigit(epcKeyBody(parts[0], parts[1], 12, false, text));
      if (rest === "0") return { scheme: "sgln", gln, companyPrefixLength: parts[0].length };
      const extension = epcUnescape(rest, "GLN extension", text);
      validateElement("254", extension);
      return { scheme: "sgln", gln, extension, companyPrefixLength: parts[0].length };
    }
    case "id:pgln": {
      need(2, "urn:epc:id:pgln:CompanyPrefix.PartyReference");
      const gln = withCheckDigit(epcKeyBody(parts[0], parts[1], 12, false, text));
      return { scheme: "pgln", gln, companyPrefixLength: parts[0].length };
    }
    default:
      throw new Gs1Error(`EPC scheme "${kind}" of "${uri}" is not supported`, {
        details: "supported: id:sgtin, idpat:sgtin, class:lgtin, id:sscc, id:sgln, id:pgln",
      });
  }
}

/** Splits the GTIN-14 `gtin` into `CompanyPrefix.ItemRefAndIndicator`. */
function gtinComponents(gtin: string, companyPrefixLength: number): string {
  const digits = normalizeGtin(gtin);
  return `${digits.slice(1, 1 + companyPrefixLength)}.${digits[0]}${digits.slice(1 + companyPrefixLength, 13)}`;
}

/**
 * The EPC URI of `id`, its keys split at `companyPrefixLength` (6-12; the GS1 Company Prefix length cannot be derived
 * from a key). Serials, lots and extensions are %-escaped per TDS (`"`, `%`, `&`, `/`, `<`, `>`, `?`).
 */
export function buildEpcUri(id: EpcIdentifier): string {
  const cpl = id.companyPrefixLength;
  assertCompanyPrefixLength(cpl);
  switch (id.scheme) {
    case "sgtin":
      validateElement("21", id.serial);
      return `urn:epc:id:sgtin:${gtinComponents(id.gtin, cpl)}.${epcEscape(id.serial)}`;
    case "sgtin-pattern":
      return `urn:epc:idpat:sgtin:${gtinComponents(id.gtin, cpl)}.*`;
    case "lgtin":
      validateElement("10", id.lot);
      return `urn:epc:class:lgtin:${gtinComponents(id.gtin, cpl)}.${epcEscape(id.lot)}`;
    case "sscc":
      validateElement("00", id.sscc);
      return `urn:epc:id:sscc:${id.sscc.slice(1, 1 + cpl)}.${id.sscc[0]}${id.sscc.slice(1 + cpl, 17)}`;
    case "sgln": {
      validateElement("414", id.gln);
      let extension = "0";
      if (id.extension !== undefined) {
        validateElement("254", id.extension);
        if (id.extension === "0") {
          throw new Gs1Error(`GLN extension "0" cannot be written in an SGLN EPC URI, where "0" means no extension`);
        }
        extension = epcEscape(id.extension);
      }
      return `urn:epc:id:sgln:${id.gln.slice(0, cpl)}.${id.gln.slice(cpl, 12)}.${extension}`;
    }
    case "pgln":
      validateElement("417", id.gln);
      return `urn:epc:id:pgln:${id.gln.slice(0, cpl)}.${id.gln.slice(cpl, 12)}`;
  }
}

/** The AIs of an EPC identifier: SGTIN 01+21, pattern 01, LGTIN 01+10, SSCC 00, SGLN 414(+254), PGLN 417. */
export function epcToElements(id: EpcIdentifier): Gs1Element[] {
  switch (id.scheme) {
    case "sgtin":
      return [
        { ai: "01", value: id.gtin },
        { ai: "21", value: id.serial },
      ];
    case "sgtin-pattern":
      return [{ ai: "01", value: id.gtin }];
    case "lgtin":
      return [
        { ai: "01", value: id.gtin },
        { ai: "10", value: id.lot },
      ];
    case "sscc":
      return [{ ai: "00", value: id.sscc }];
    case "sgln":
      return [
        { ai: "414", value: id.gln },
        ...(id.extension !== undefined ? [{ ai: "254", value: id.extension }] : []),
      ];
    case "pgln":
      return [{ ai: "417", value: id.gln }];
  }
}

/**
 * The EPC identifier of an element list: 00 → SSCC; 414 (+254) → SGLN; 417 → PGLN; 01 + 21 → SGTIN; 01 + 10 →
 * LGTIN; 01 alone → SGTIN pattern. AIs an EPC cannot carry (expiry, lot next to a serial, …) are left out; a consumer
 * product variant (22) is refused, as it would change what is identified.
 */
export function elementsToEpc(elements: readonly Gs1Element[], companyPrefixLength: number): EpcIdentifier {
  assertCompanyPrefixLength(companyPrefixLength);
  assertNoDuplicates(elements, "the identifier");
  const byAi = new Map(elements.map((e) => [e.ai, e.value] as const));
  const at = (ai: string): string | undefined => byAi.get(ai);
  const cpl = companyPrefixLength;
  const sscc = at("00");
  if (sscc !== undefined) return { scheme: "sscc", sscc, companyPrefixLength: cpl };
  const location = at("414");
  if (location !== undefined) {
    const extension = at("254");
    return {
      scheme: "sgln",
      gln: location,
      ...(extension !== undefined ? { extension } : {}),
      companyPrefixLength: cpl,
    };
  }
  const party = at("417");
  if (party !== undefined) return { scheme: "pgln", gln: party, companyPrefixLength: cpl };
  const gtinValue = at("01");
  if (gtinValue === undefined) {
    const ais = elements.map((e) => e.ai).join(", ") || "none";
    throw new Gs1Error(`no EPC scheme fits AIs ${ais}: an EPC URI needs AI 01, 00, 414 or 417`);
  }
  if (at("22") !== undefined)
    throw new Gs1Error(`AI 22 (consumer product variant) "${at("22")}" has no place in an EPC URI`);
  const gtin = normalizeGtin(gtinValue);
  const serial = at("21");
  if (serial !== undefined) return { scheme: "sgtin", gtin, serial, companyPrefixLength: cpl };
  const lot = at("10");
  if (lot !== undefined) return { scheme: "lgtin", gtin, lot, companyPrefixLength: cpl };
  return { scheme: "sgtin-pattern", gtin, companyPrefixLength: cpl };
}

/** The GS1 Digital Link URI of an EPC URI (e.g. `urn:epc:id:sscc:…` → `https://id.gs1.org/00/…`). */
export function epcUriToDigitalLink(uri: string, options: DigitalLinkOptions = {}): string {
  return buildDigitalLink(epcToElements(parseEpcUri(uri)), options);
}

/** The EPC URI of a GS1 Digital Link URI, its keys split at `companyPrefixLength` (see `elementsToEpc`). */
export function digitalLinkToEpcUri(uri: string, companyPrefixLength: number): string {
  return buildEpcUri(elementsToEpc(parseDigitalLink(uri).elements, companyPrefixLength));
}

/** The pack an SGTIN, LGTIN or SGTIN-pattern EPC URI names; refuses SSCC, SGLN and PGLN. */
export function epcUriToPack(uri: string): Gs1Pack {
  const id = parseEpcUri(uri);
  if (id.scheme !== "sgtin" && id.scheme !== "lgtin" && id.scheme !== "sgtin-pattern") {
    throw new Gs1Error(`the EPC URI "${uri}" names an ${id.scheme.toUpperCase()}, not a trade item`);
  }
  return elementsToPack(epcToElements(id));
}

/** The EPC URI of `pack`: SGTIN when it has a serial, else LGTIN when it has a lot, else the SGTIN pattern. */
export function packToEpcUri(pack: Gs1Pack, companyPrefixLength: number): string {
  return buildEpcUri(elementsToEpc(packToElements(pack), companyPrefixLength));
}

// ================================================================== AI 17 expiry <-> expiresAt

/**
 * The four-digit year of a two-digit GS1 year, by the GS1 General Specifications' sliding window (section 7.12):
 * with D = YY minus the last two digits of the reference year, D in 51..99 is the previous century, D in -99..-50
 * the next one, anything else the reference year's century.
 */
export function gs1FullYear(yy: number, referenceDate: Date = new Date()): number {
  if (!Number.isInteger(yy) || yy < 0 || yy > 99) throw new Gs1Error(`a two-digit year is 0 to 99, got ${yy}`);
  const reference = referenceDate.getUTCFullYear();
  if (Number.isNaN(reference)) throw new Gs1Error("the reference date is not a valid date");
  const century = Math.floor(reference / 100) * 100;
  const difference = yy - (reference % 100);
  if (difference >= 51) return century - 100 + yy;
  if (difference <= -50) return century + 100 + yy;
  return century + yy;
}

/** Unix seconds of midnight UTC starting `day` of `month` (1-12, day may overflow) of `year`. */
function utcMidnight(year: number, month: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime() / 1000;
}

const UINT64_MAX = (1n << 64n) - 1n;

/**
 * `expiresAt` (docs/ARCHITECTURE.md section 4) of an AI 17 expiry `YYMMDD`: the first second (UTC) after that day ends; day `00`
 * means the last day of the month. The century comes from `gs1FullYear` around `referenceDate` (default: now).
 */
export function expiryToExpiresAt(yymmdd: string, referenceDate: Date = new Date()): bigint {
  validateElement("17", yymmdd);
  const year = gs1FullYear(Number(yymmdd.slice(0, 2)), referenceDate);
  const month = Number(yymmdd.slice(2, 4));
  const day = Number(yymmdd.slice(4, 6));
  const last = daysInMonth(year, month);
  if (day > last) {
    throw new Gs1Error(
      `AI 17 (expiry date) "${yymmdd}" has day ${day}, but ${year}-${yymmdd.slice(2, 4)} has ${last} days`,
    );
  }
  const seconds = utcMidnight(year, month, (day === 0 ? last : day) + 1);
  if (seconds < 0)
    throw new Gs1Error(`AI 17 (expiry date) "${yymmdd}" reads as ${year}, before 1970: not a uint64 time`);
  return BigInt(seconds);
}

/**
 * The AI 17 `YYMMDD` of an `expiresAt`, always with an explicit day (never `00`). Refuses an `expiresAt` that is not
 * the first second of a UTC day (AI 17 names whole days), and a day whose `YY` would read as another century in the
 * GS1 window around `referenceDate` (default: now).
 */
export function expiresAtToExpiry(expiresAt: bigint, referenceDate: Date = new Date()): string {
  if (expiresAt < 0n || expiresAt > UINT64_MAX) throw new Gs1Error(`expiresAt ${expiresAt} is not a uint64`);
  if (expiresAt % 86400n !== 0n) {
    const before = expiresAt - (expiresAt % 86400n);
    throw new Gs1Error(
      `expiresAt ${expiresAt} is not a UTC day boundary (a multiple of 86400): AI 17 names whole days, ` +
        "and expiresAt is the first second after the expiry day ends",
      { details: `the nearest boundaries are ${before} and ${before + 86400n}` },
    );
  }
  const reference = referenceDate.getUTCFullYear();
  if (expiresAt > 253402300800n) {
    throw new Gs1Error(`expiresAt ${expiresAt} is after the year 9999, beyond the GS1 window around ${reference}`);
  }
  const day = new Date(Number((expiresAt - 86400n) * 1000n));
  const year = day.getUTCFullYear();
  if (gs1FullYear(year % 100, referenceDate) !== year) {
    throw new Gs1Error(
      `expiresAt ${expiresAt} ends a day of ${year}, which a two-digit AI 17 year cannot name: ` +
        `the GS1 window around ${reference} would read it as another century`,
    );
  }
  const two = (n: number): string => String(n).padStart(2, "0");
  return `${two(year % 100)}${two(day.getUTCMonth() + 1)}${two(day.getUTCDate())}`;
}

// ================================================================== US NDC

/**
 * The 10-digit NDC in a US pharma GTIN (indicator, `03`, NDC, check digit), without hyphens (the 4-4-2, 5-3-2 or 5-4-1
 * split cannot be recovered from the digits). Refuses a GTIN that does not embed an NDC.
 */
export function gtinToNdc(gtin: string): string {
  const digits = normalizeGtin(gtin);
  if (digits.slice(1, 3) !== "03") {
    throw new Gs1Error(
      `GTIN "${gtin}" does not embed an NDC: its GTIN-14 has "${digits.slice(1, 3)}" after the indicator, not "03"`,
    );
  }
  return digits.slice(3, 13);
}

/**
 * The GTIN-14 of a 10-digit NDC (`0001012345`, or hyphenated 4-4-2, 5-3-2, 5-4-1) with packaging `indicator` 0-8.
 * Refuses the 11-digit billing form (5-4-2), which is not the FDA's NDC.
 */
export function ndcToGtin(ndc: string, indicator = 0): string {
  const text = ndc.trim();
  if (!/^(\d{10}|\d{4}-\d{4}-\d{2}|\d{5}-\d{3}-\d{2}|\d{5}-\d{4}-\d)$/.test(text)) {
    throw new Gs1Error(`NDC "${ndc}" must be 10 digits, plain or hyphenated 4-4-2, 5-3-2 or 5-4-1`, {
      details: "an 11-digit 5-4-2 NDC is the billing form; use the FDA's 10-digit NDC",
    });
  }
  if (!Number.isInteger(indicator) || indicator < 0 || indicator > 8) {
    throw new Gs1Error(`GTIN indicator ${indicator} must be a digit from 0 to 8`);
  }
  return withCheckDigit(`${indicator}03${text.replace(/-/g, "")}`);
}

// ================================================================== scans

/** What `parseScan` returns: the pack, plus `expiresAt` (unix seconds) whenever the code has an expiry. */
export interface Gs1Scan extends Gs1Pack {
  /** `expiryToExpiresAt(expiry)`: the first second after the expiry day ends. */
  readonly expiresAt?: bigint;
}

/**
 * Reads whatever a scanner or a person gives: a GS1 Digital Link URI (a symbology identifier before it is dropped), an
 * element string with parentheses, a raw GS1 DataMatrix payload, or an SGTIN/LGTIN EPC URI — and returns the same
 * record for the same pack. The expiry's century comes from the GS1 window around `referenceDate` (default: now).
 */
export function parseScan(text: string, referenceDate: Date = new Date()): Gs1Scan {
  let scan = text.trim();
  if (scan === "") throw new Gs1Error("the scan is empty");
  if (/^\][A-Za-z]\dhttps?:\/\//i.test(scan)) scan = scan.slice(3);
  let pack: Gs1Pack;
  if (/^https?:\/\//i.test(scan)) {
    pack = digitalLinkToPack(scan);
  } else if (/^urn:epc:/i.test(scan)) {
    pack = epcUriToPack(scan);
  } else if (scan.startsWith(GS) || /^(\(|\]|\d|<GS>|\\u001d)/i.test(scan)) {
    pack = elementsToPack(parseElementString(scan));
  } else {
    throw new Gs1Error(
      `the scan "${text}" is neither a GS1 Digital Link URI, an element string, a GS1 DataMatrix payload nor an EPC URI`,
    );
  }
  return pack.expiry === undefined ? pack : { ...pack, expiresAt: expiryToExpiresAt(pack.expiry, referenceDate) };
}
