/**
 * EPCIS 1.x XML (1.0, 1.1, 1.2: namespace `urn:epcglobal:epcis:xsd:1`) read into the EPCIS 2.0 JSON-LD shapes the
 * rest of the SDK works on, following the 1.2 → 2.0 rules of the EPCIS 2.0 standard (as GS1 US applied them to its
 * DSCSA example, whose converted file is the test's reference):
 *
 * - the `extension` and `baseExtension` wrappers are dropped and their fields lifted (`ilmd`, `sourceList`,
 *   `destinationList`, `quantityList`, `childQuantityList`, `eventID`, `errorDeclaration`, TransformationEvent);
 * - lists become arrays (`epcList`, `childEPCs`, `bizTransactionList` as `{type, bizTransaction}`, `sourceList` as
 *   `{type, source}`…); quantities (xsd:decimal text only) become numbers; attribute values are trimmed;
 * - CBV values written as URNs (`urn:epcglobal:cbv:bizstep:shipping`, `…:disp:in_transit`, `…:btt:po`, `…:sdt:owning_party`,
 *   `…:er:incorrect_data`) become the bare CBV words of 2.0 (`shipping`, `in_transit`, `po`…);
 * - a QuantityEvent (deprecated in 1.2, gone in 2.0) becomes an ObjectEvent OBSERVE with a `quantityList`;
 * - fields in other namespaces (user extensions such as `gs1ushc:dropShipment`, `ilmd` master data) keep their prefix
 *   as `prefix:name`, their namespace is declared in `@context` (`cbvmda` is already in the EPCIS context), nested
 *   elements become objects, a name met again becomes an array, and the texts `true` and `false` become booleans (as in
 *   GS1 US's conversion). Such fields are carried wherever the 2.0 shape has room for them: on the document, the body,
 *   the header, the master data, a vocabulary, a vocabulary element, an event, its `ilmd`, location or error
 *   declaration, and the query results. A prefix that would redefine a term or prefix of the EPCIS 2.0 context (which
 *   is `@protected`, so JSON-LD processors refuse a redefinition) or that is not a valid URI scheme is renamed
 *   (`gs1` → `ext-gs1`, numbered on a collision), and the namespace declared under the new name;
 * - the SBDH gives `sender`, `receiver` and `instanceIdentifier`; master data becomes `epcisHeader.epcisMasterData`;
 *   a query's `resultsBody` gives `eventList` or `vocabularyList`.
 *
 * Only elements with no namespace or an EPCIS 1.x namespace are read as EPCIS (an `<x:ObjectEvent>` is not an event).
 *
 * Anything the reader does not map is listed in `warnings` (with its line), never dropped silently: attributes it does
 * not use, text beside child elements, a repeated EPCIS field (the first is kept), elements it does not know or that
 * have no place in the 2.0 shape. Left out without a warning, because they carry nothing of the events and GS1 US's
 * conversion leaves them out too: the SBDH's `HeaderVersion`, the `Standard`, `TypeVersion`, `Type` and
 * `CreationDateAndTime` of its `DocumentIdentification`, the `Authority` attribute of its `Identifier`s, and the root's
 * `xsi:schemaLocation`; namespace declarations (`xmlns`, `xmlns:…`) become `@context` entries when an element uses
 * them and are not warned about otherwise. Comments and processing instructions are not read.
 *
 * Documents with a DOCTYPE are refused: EPCIS needs none, and entity declarations are how XML parsers are attacked.
 * `decodeEpcisText` turns a file's bytes into the text to give `readEpcisXml` (or the JSON-LD reader).
 */
import { DOMParser } from "@xmldom/xmldom";
import { InvalidInputError } from "../errors";
import { EPCIS_CONTEXT_URI, EpcisDocument, EpcisEvent } from "./common";
import officialSchema from "./EPCIS-JSON-Schema.json";

/** The EPCIS 1.x document namespace (1.0, 1.1 and 1.2 share it). */
export const EPCIS_1_NAMESPACE = "urn:epcglobal:epcis:xsd:1";
/** The EPCIS 1.x query namespace (`EPCISQueryDocument`). */
export const EPCIS_1_QUERY_NAMESPACE = "urn:epcglobal:epcis-query:xsd:1";
const EPCIS_2_NAMESPACE = "urn:epcglobal:epcis:xsd:2";
const SBDH_NAMESPACE = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader";
const XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance";
/** Namespaces whose prefix the EPCIS 2.0 context already defines. */
const KNOWN_PREFIXES: Record<string, string> = {
  "urn:epcglobal:cbv:mda": "cbvmda",
  "urn:epcglobal:cbv:mda#": "cbvmda",
};

/** Every key of a `properties` object anywhere in the schema: the names of the terms the EPCIS 2.0 context defines. */
function propertyNames(node: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const x of node) propertyNames(x, out);
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "properties" && value && typeof value === "object" && !Array.isArray(value))
        for (const name of Object.keys(value)) out.add(name);
      propertyNames(value, out);
    }
  }
  return out;
}

/**
 * Names an extension prefix must not take in `@context`: the EPCIS 2.0 context is `@protected`, so redefining one of
 * its terms or prefixes makes JSON-LD processors refuse the document. The context itself is not fetched; this is a
 * conservative list: the prefixes it declares, every property name of the official schema, and the JSON-LD keywords
 * (which an XML prefix cannot spell, listed for completeness).
 */
const RESERVED_PREFIXES: ReadonlySet<string> = propertyNames(
  officialSchema,
  new Set([
    ...[
      "epcis",
      "cbv",
      "cbvmda",
      "cbvmd",
      "gs1",
      "rdf",
      "rdfs",
      "owl",
      "xsd",
      "dcterms",
      "dc",
      "schema",
      "sosa",
      "ssn",
      "id",
      "type",
    ],
    ...[
      "@base",
      "@container",
      "@context",
      "@direction",
      "@graph",
      "@id",
      "@import",
      "@included",
      "@index",
      "@json",
      "@language",
    ],
    ...[
      "@list",
      "@nest",
      "@none",
      "@prefix",
      "@propagate",
      "@protected",
      "@reverse",
      "@set",
      "@type",
      "@value",
      "@version",
      "@vocab",
    ],
  ]),
);

export interface EpcisXmlReading {
  /** The document in EPCIS 2.0 JSON-LD shape (validate it before trusting it: the reader checks structure only). */
  document: EpcisDocument;
  /** `schemaVersion` of the XML (for example `1.2`). */
  sourceVersion: string;
  /** What was not carried over, each with its line in the XML. */
  warnings: string[];
}

/** True when the text looks like an XML document (after a byte-order mark and blanks). */
export function looksLikeXml(text: string): boolean {
  return text
    .replace(/^\uFEFF/, "")
    .trimStart()
    .startsWith("<");
}

/** `<?xml version="…" encoding="NAME"` at the very start of the bytes (XML 1.0 §2.8, §4.3.3: EncName). */
const XML_DECLARATION_ENCODING =
  /^<\?xml\s+version\s*=\s*(["'])[^"']*\1\s+encoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\2/;

/**
 * The text of an EPCIS file's bytes (XML or JSON-LD): a UTF-8 byte-order mark means UTF-8, a UTF-16 one UTF-16 (LE or
 * BE); without one, an XML declaration's `encoding` is used (any encoding `TextDecoder` knows, such as ISO-8859-1);
 * otherwise the bytes must be UTF-8. The byte-order mark is not part of the text. Throws `InvalidInputError` for bytes
 * that are not valid in their encoding and for an encoding that cannot be decoded here.
 */
export function decodeEpcisText(bytes: Uint8Array): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return decodeAs(bytes, "utf-8", "UTF-8");
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return decodeAs(bytes, "utf-16le", "UTF-16LE");
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return decodeAs(bytes, "utf-16be", "UTF-16BE");
  // The declaration is ASCII in every encoding it can name without a byte-order mark: read it byte by byte.
  const start = String.fromCharCode(...bytes.subarray(0, 1024));
  const declared = XML_DECLARATION_ENCODING.exec(start)?.[3];
  if (declared !== undefined) {
    const decoder = decoderFor(declared, declared);
    if (decoder.encoding.startsWith("utf-16")) {
      // UTF-16 text would not have spelled the declaration in single bytes, and XML requires its byte-order mark.
      throw new InvalidInputError(
        `the XML declaration names the encoding "${declared}", but the document is not UTF-16 (it has no byte-order mark)`,
      );
    }
    return decodeWith(decoder, bytes, declared);
  }
  return decodeAs(bytes, "utf-8", "UTF-8");
}

/** A `TextDecoder` (the global is declared as a value only). */
type Decoder = InstanceType<typeof TextDecoder>;

/** A fatal `TextDecoder` for `label`; `InvalidInputError` naming `shown` when `TextDecoder` does not know it. */
function decoderFor(label: string, shown: string): Decoder {
  let decoder: Decoder;
  try {
    decoder = new TextDecoder(label, { fatal: true });
  } catch (cause) {
    throw new InvalidInputError(`the EPCIS document's encoding "${shown}" is not one this SDK can decode`, { cause });
  }
  // WHATWG maps some labels (ISO-2022-KR, HZ-GB-2312…) to "replacement", which decodes nothing.
  if (decoder.encoding === "replacement")
    throw new InvalidInputError(`the EPCIS document's encoding "${shown}" is not one this SDK can decode`);
  return decoder;
}

function decodeAs(bytes: Uint8Array, label: string, shown: string): string {
  return decodeWith(decoderFor(label, shown), bytes, shown);
}

function decodeWith(decoder: Decoder, bytes: Uint8Array, shown: string): string {
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    throw new InvalidInputError(`the EPCIS document is not ${shown} text: ${(cause as Error).message}`, { cause });
  }
}

type Attr = {
  name: string;
  localName: string | null;
  value: string;
  namespaceURI: string | null;
  prefix: string | null;
};
type El = {
  nodeType: number;
  localName: string | null;
  namespaceURI: string | null;
  prefix: string | null;
  nodeName: string;
  nodeValue: string | null;
  childNodes: ArrayLike<El>;
  lineNumber?: number;
  getAttribute(name: string): string | null;
  attributes: ArrayLike<Attr>;
};
const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

/** The root's attributes the reader uses or leaves out on purpose (see the module note). */
const ROOT_ATTRIBUTES = ["schemaVersion", "creationDate", "xsi:schemaLocation"];

/** The EPCIS fields of an event, each of which appears at most once (a second one is warned about, the first kept). */
const EVENT_FIELDS: ReadonlySet<string> = new Set(
  [
    "eventTime",
    "recordTime",
    "eventTimeZoneOffset",
    "eventID",
    "action",
    "parentID",
    "transformationID",
    "epcClass",
    "quantity",
  ]
    .concat([
      "bizStep",
      "disposition",
      "epcList",
      "childEPCs",
      "inputEPCList",
      "outputEPCList",
      "quantityList",
      "childQuantityList",
    ])
    .concat(["inputQuantityList", "outputQuantityList", "readPoint", "bizLocation", "bizTransactionList", "sourceList"])
    .concat(["destinationList", "ilmd", "errorDeclaration"]),
);

const CBV_URN: Record<string, RegExp> = {
  bizStep: /^urn:epcglobal:cbv:bizstep:/,
  disposition: /^urn:epcglobal:cbv:disp:/,
  bizTransactionType: /^urn:epcglobal:cbv:btt:/,
  sourceDestType: /^urn:epcglobal:cbv:sdt:/,
  errorReason: /^urn:epcglobal:cbv:er:/,
};

/** xsd:decimal's lexical form: an optional sign, digits, an optional fraction (no exponent, no hexadecimal, not empty). */
const XSD_DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** The names `put` has turned into arrays, per object: later values are pushed onto those arrays (linear in the count). */
const repeated = new WeakMap<Record<string, unknown>, Set<string>>();

/**
 * Sets a field; a name met again (a repeated element) becomes an array of the values, in document order. The field is
 * defined as the object's own (so names such as `constructor` or `__proto__` are data like any other).
 */
function put(target: Record<string, unknown>, name: string, value: unknown): void {
  if (!Object.hasOwn(target, name)) {
    Object.defineProperty(target, name, { value, writable: true, enumerable: true, configurable: true });
    return;
  }
  let names = repeated.get(target);
  if (!names) repeated.set(target, (names = new Set()));
  if (!names.has(name)) {
    target[name] = [target[name]];
    names.add(name);
  }
  (target[name] as unknown[]).push(value);
}

function cbvWord(value: string, kind: keyof typeof CBV_URN): string {
  return value.replace(CBV_URN[kind], "");
}

/** A text shown in a warning: blanks collapsed, cut after 40 characters. */
function snippet(text: string): string {
  const t = text.replace(/\s+/g, " ");
  return t.length > 40 ? `${t.slice(0, 40)}…` : t;
}

class Reader {
  readonly warnings: string[] = [];
  /** Namespaces to declare in `@context`, by prefix. */
  readonly namespaces = new Map<string, string>();

  at(el: El): string {
    return el.lineNumber ? ` (line ${el.lineNumber})` : "";
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  /** The child elements, as they are (see `parts` for the checked form). */
  children(el: El): El[] {
    const out: El[] = [];
    for (let i = 0; i < el.childNodes.length; i++)
      if (el.childNodes[i].nodeType === ELEMENT_NODE) out.push(el.childNodes[i]);
    return out;
  }

  /** The element's own text (its text and CDATA children, not its descendants'). */
  ownText(el: El): string {
    let text = "";
    for (let i = 0; i < el.childNodes.length; i++) {
      const n = el.childNodes[i];
      if (n.nodeType === TEXT_NODE || n.nodeType === CDATA_SECTION_NODE) text += n.nodeValue ?? "";
    }
    return text;
  }

  /**
   * Warns about the attributes of `el` that the reader does not carry: all but namespace declarations and `used`
   * (names without a namespace, and `xsi:…` for the XML Schema instance namespace).
   */
  attributes(el: El, used: readonly string[] = []): void {
    const names: string[] = [];
    for (const a of Array.from(el.attributes)) {
      if (a.name === "xmlns" || a.name.startsWith("xmlns:")) continue;
      const key = a.namespaceURI === XSI_NAMESPACE ? `xsi:${a.localName}` : a.namespaceURI ? undefined : a.name;
      if (key === undefined || !used.includes(key)) names.push(a.name);
    }
    if (names.length) this.warn(`attributes ${names.join(", ")} of ${el.nodeName}${this.at(el)} are not carried over`);
  }

  /** Warns about text that sits beside (or instead of) the child elements of an element read for its elements. */
  strayText(el: El): void {
    const text = this.ownText(el).trim();
    if (text)
      this.warn(
        `text "${snippet(text)}" in ${el.nodeName}${this.at(el)} is not carried over (only its child elements are read)`,
      );
  }

  /** The child elements of an element read for its elements, after warning about its other attributes and its text. */
  parts(el: El, used: readonly string[] = []): El[] {
    this.attributes(el, used);
    this.strayText(el);
    return this.children(el);
  }

  /** `parts` with the `extension` / `baseExtension` wrappers (no namespace or the EPCIS one) flattened away. */
  fields(el: El, used: readonly string[] = []): El[] {
    const out: El[] = [];
    for (const c of this.parts(el, used)) {
      if (this.isEpcis(c) && (c.localName === "extension" || c.localName === "baseExtension"))
        for (const f of this.fields(c)) out.push(f);
      else out.push(c);
    }
    return out;
  }

  /** The trimmed text of an element read for its text, after warning about its other attributes and any child element. */
  leaf(el: El, used: readonly string[] = []): string {
    this.attributes(el, used);
    const kids = this.children(el);
    if (kids.length)
      this.warn(`elements inside ${el.nodeName}${this.at(el)} are not carried over (only its text is read)`);
    return this.ownText(el).trim();
  }

  /** A trimmed attribute value (xsd:anyURI and the other attribute types EPCIS uses collapse their blanks). */
  attribute(el: El, name: string): string | undefined {
    const value = el.getAttribute(name);
    return value === null ? undefined : value.trim();
  }

  /** True the first time a field's name is met in `seen`; afterwards warns that this repeat is left out. */
  once(seen: Set<string>, el: El, where: string): boolean {
    const name = String(el.localName);
    if (!seen.has(name)) {
      seen.add(name);
      return true;
    }
    this.warn(`a second <${el.nodeName}> in ${where}${this.at(el)} is left out: the first is kept`);
    return false;
  }

  /** An element of EPCIS's own vocabulary: no namespace (the 1.x schema's local elements) or an EPCIS 1.x namespace. */
  isEpcis(el: El): boolean {
    return !el.namespaceURI || el.namespaceURI === EPCIS_1_NAMESPACE || el.namespaceURI === EPCIS_1_QUERY_NAMESPACE;
  }

  /** An EPCIS element with this local name. */
  is(el: El, name: string): boolean {
    return el.localName === name && this.isEpcis(el);
  }

  /** `prefix:local` of an extension element, declaring its namespace in `@context` when the context lacks it. */
  extensionName(el: El): string {
    const ns = el.namespaceURI ?? "";
    const known = KNOWN_PREFIXES[ns];
    if (known) return `${known}:${el.localName}`;
    let prefix = el.prefix || "ext";
    // A prefix the EPCIS context defines (or that is not a URI scheme, which the schema's `format: uri` names need)
    // is renamed: `gs1` → `ext-gs1`, `my_ns` → `ext-my-ns`.
    if (RESERVED_PREFIXES.has(prefix) || !/^[A-Za-z][A-Za-z0-9+.-]*$/.test(prefix))
      prefix = `ext-${prefix.replace(/[^A-Za-z0-9+.-]/g, "-")}`;
    const taken = (p: string): boolean =>
      RESERVED_PREFIXES.has(p) || (this.namespaces.has(p) && this.namespaces.get(p) !== ns);
    if (taken(prefix)) {
      // Numbered: `ex` → `ex2`, `ext-gs1` → `ext-gs1-2` (a separator when the prefix ends with a digit).
      const numbered = (n: number): string => (/\d$/.test(prefix) ? `${prefix}-${n}` : `${prefix}${n}`);
      let n = 2;
      while (taken(numbered(n))) n++;
      prefix = numbered(n);
    }
    this.namespaces.set(prefix, ns);
    return `${prefix}:${el.localName}`;
  }

  /** The value of an extension element (its attributes are warned about): see `content`. */
  extensionValue(el: El): unknown {
    this.attributes(el);
    return this.content(el);
  }

  /**
   * The content of an element read as an extension value: a string (`true`/`false` as booleans), or an object of its
   * child elements (text beside them is warned about).
   */
  content(el: El): unknown {
    const kids = this.children(el);
    if (kids.length === 0) {
      const t = this.ownText(el).trim();
      return t === "true" ? true : t === "false" ? false : t;
    }
    this.strayText(el);
    const out: Record<string, unknown> = {};
    for (const k of kids)
      put(out, this.isEpcis(k) ? String(k.localName) : this.extensionName(k), this.extensionValue(k));
    return out;
  }

  /** Puts an extension field on `target`, or warns about an EPCIS element this reader does not know. */
  extensionOrWarn(target: Record<string, unknown>, el: El, where: string): void {
    if (this.isEpcis(el)) {
      this.warn(`<${el.nodeName}> in ${where}${this.at(el)} is not an EPCIS 1.x field this reader knows: left out`);
      return;
    }
    put(target, this.extensionName(el), this.extensionValue(el));
  }

  /** Warns about an element of a list that is not the list's EPCIS item (the 2.0 arrays have no room for others). */
  notItem(el: El, list: El, item: string): void {
    this.warn(`<${el.nodeName}> in ${list.nodeName}${this.at(el)} is left out: it holds only <${item}> elements`);
  }

  /** The texts of a list's `<item>` elements (`epcList`'s `epc`, `correctiveEventIDs`' `correctiveEventID`…). */
  list(el: El, item: string): string[] {
    const out: string[] = [];
    for (const c of this.parts(el)) {
      if (this.is(c, item)) out.push(this.leaf(c));
      else this.notItem(c, el, item);
    }
    return out;
  }

  quantityList(el: El): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const q of this.parts(el)) {
      if (!this.is(q, "quantityElement")) {
        this.notItem(q, el, "quantityElement");
        continue;
      }
      const element: Record<string, unknown> = {};
      const seen = new Set<string>();
      for (const f of this.parts(q)) {
        const known = this.is(f, "epcClass") || this.is(f, "quantity") || this.is(f, "uom");
        if (known && !this.once(seen, f, "a quantityElement")) continue;
        if (this.is(f, "epcClass")) element.epcClass = this.leaf(f);
        else if (this.is(f, "quantity")) element.quantity = this.number(f);
        else if (this.is(f, "uom")) element.uom = this.leaf(f);
        else if (this.isEpcis(f))
          this.warn(
            `<${f.nodeName}> in a quantityElement${this.at(f)} is not an EPCIS 1.x field this reader knows: left out`,
          );
        // a 2.0 quantityElement allows no other field (`additionalProperties: false`): no room for an extension
        else
          this.warn(
            `<${f.nodeName}> in a quantityElement${this.at(f)} is not carried over: EPCIS 2.0 quantity elements have no extensions`,
          );
      }
      out.push(element);
    }
    return out;
  }

  /** An xsd:decimal element as a number. */
  number(el: El): number {
    const t = this.leaf(el);
    if (!XSD_DECIMAL.test(t)) throw new InvalidInputError(`<${el.nodeName}>${this.at(el)}: "${t}" is not a number`);
    return Number(t);
  }

  typedList(
    el: El,
    item: "bizTransaction" | "source" | "destination",
    kind: keyof typeof CBV_URN,
  ): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const c of this.parts(el)) {
      if (!this.is(c, item)) {
        this.notItem(c, el, item);
        continue;
      }
      const type = this.attribute(c, "type");
      const value = this.leaf(c, ["type"]);
      out.push({ ...(type ? { type: cbvWord(type, kind) } : {}), [item]: value });
    }
    return out;
  }

  location(el: El): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (const f of this.fields(el)) {
      if (this.is(f, "id")) {
        if (this.once(seen, f, `<${el.localName}>`)) out.id = this.leaf(f);
      } else this.extensionOrWarn(out, f, `<${el.localName}>`);
    }
    return out;
  }

  errorDeclaration(el: El): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (const f of this.fields(el)) {
      const name = this.isEpcis(f) ? f.localName : undefined;
      const known = name === "declarationTime" || name === "reason" || name === "correctiveEventIDs";
      if (known && !this.once(seen, f, "errorDeclaration")) continue;
      if (name === "declarationTime") out.declarationTime = this.leaf(f);
      else if (name === "reason") out.reason = cbvWord(this.leaf(f), "errorReason");
      else if (name === "correctiveEventIDs") out.correctiveEventIDs = this.list(f, "correctiveEventID");
      else this.extensionOrWarn(out, f, "errorDeclaration");
    }
    return out;
  }

  event(el: El): EpcisEvent | undefined {
    const kind = String(el.localName);
    if (
      !this.isEpcis(el) ||
      !["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "QuantityEvent"].includes(kind)
    ) {
      this.warn(`<${el.nodeName}>${this.at(el)} is not an EPCIS 1.x event: left out`);
      return undefined;
    }
    const e: Record<string, unknown> = { type: kind };
    const seen = new Set<string>();
    for (const f of this.fields(el)) {
      const name = String(f.localName);
      if (!this.isEpcis(f)) {
        this.extensionOrWarn(e, f, kind);
        continue;
      }
      if (EVENT_FIELDS.has(name) && !this.once(seen, f, kind)) continue;
      switch (name) {
        case "eventTime":
        case "recordTime":
        case "eventTimeZoneOffset":
        case "eventID":
        case "action":
        case "parentID":
        case "transformationID":
        case "epcClass":
          e[name] = this.leaf(f);
          break;
        case "quantity":
          e.quantity = this.number(f);
          break;
        case "bizStep":
          e.bizStep = cbvWord(this.leaf(f), "bizStep");
          break;
        case "disposition":
          e.disposition = cbvWord(this.leaf(f), "disposition");
          break;
        case "epcList":
        case "childEPCs":
        case "inputEPCList":
        case "outputEPCList":
          e[name] = this.list(f, "epc");
          break;
        case "quantityList":
        case "childQuantityList":
        case "inputQuantityList":
        case "outputQuantityList":
          e[name] = this.quantityList(f);
          break;
        case "readPoint":
        case "bizLocation":
          e[name] = this.location(f);
          break;
        case "bizTransactionList":
          e.bizTransactionList = this.typedList(f, "bizTransaction", "bizTransactionType");
          break;
        case "sourceList":
          e.sourceList = this.typedList(f, "source", "sourceDestType");
          break;
        case "destinationList":
          e.destinationList = this.typedList(f, "destination", "sourceDestType");
          break;
        case "ilmd": {
          const ilmd: Record<string, unknown> = {};
          for (const x of this.fields(f)) this.extensionOrWarn(ilmd, x, "ilmd");
          e.ilmd = ilmd;
          break;
        }
        case "errorDeclaration":
          e.errorDeclaration = this.errorDeclaration(f);
          break;
        default:
          this.extensionOrWarn(e, f, kind);
      }
    }
    if (kind === "QuantityEvent") {
      // EPCIS 2.0 drops QuantityEvent: its class and count become an ObjectEvent OBSERVE with one quantityElement.
      const { epcClass, quantity, ...rest } = e;
      delete rest.type;
      this.warn(
        `QuantityEvent${this.at(el)} read as an ObjectEvent OBSERVE with a quantityList (EPCIS 2.0 has no QuantityEvent)`,
      );
      return {
        type: "ObjectEvent",
        action: "OBSERVE",
        epcList: [],
        quantityList: [{ epcClass, quantity }],
        ...rest,
      } as EpcisEvent;
    }
    return e as EpcisEvent;
  }

  /** Events of an `EventList`, including the 1.1+ `extension` wrappers around TransformationEvent. */
  events(list: El): EpcisEvent[] {
    const out: EpcisEvent[] = [];
    for (const c of this.fields(list)) {
      const e = this.event(c);
      if (e) out.push(e);
    }
    return out;
  }

  /** `EPCISMasterData`: its vocabularies (of every `VocabularyList`, in order) and extension fields. */
  masterData(el: El): Record<string, unknown> {
    const vocabularyList: Record<string, unknown>[] = [];
    const extensions: Record<string, unknown> = {};
    for (const f of this.fields(el)) {
      if (this.is(f, "VocabularyList")) for (const v of this.vocabularies(f)) vocabularyList.push(v);
      else this.extensionOrWarn(extensions, f, "EPCISMasterData");
    }
    return { vocabularyList, ...extensions };
  }

  /** The `Vocabulary` elements of a `VocabularyList` (a 2.0 `vocabularyList` is an array: nothing else has room). */
  vocabularies(list: El): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const v of this.parts(list)) {
      if (this.is(v, "Vocabulary")) out.push(this.vocabulary(v));
      else this.notItem(v, list, "Vocabulary");
    }
    return out;
  }

  vocabulary(v: El): Record<string, unknown> {
    const elements: Record<string, unknown>[] = [];
    const extensions: Record<string, unknown> = {};
    for (const f of this.fields(v, ["type"])) {
      if (this.is(f, "VocabularyElementList")) {
        for (const ve of this.parts(f)) {
          if (this.is(ve, "VocabularyElement")) elements.push(this.vocabularyElement(ve));
          else this.notItem(ve, f, "VocabularyElement");
        }
      } else this.extensionOrWarn(extensions, f, "Vocabulary");
    }
    return { type: this.attribute(v, "type") ?? "", vocabularyElementList: elements, ...extensions };
  }

  /** A `VocabularyElement`: `id`, its attributes (a text, or an object when structured), `children`, extension fields. */
  vocabularyElement(ve: El): Record<string, unknown> {
    const attributes: Record<string, unknown>[] = [];
    const children: string[] = [];
    const extensions: Record<string, unknown> = {};
    for (const f of this.fields(ve, ["id"])) {
      if (this.is(f, "attribute")) {
        const id = this.attribute(f, "id") ?? "";
        let value: unknown;
        if (this.children(f).length) {
          this.attributes(f, ["id"]);
          value = this.content(f);
        } else value = this.leaf(f, ["id"]);
        attributes.push({ id, attribute: value });
      } else if (this.is(f, "children")) for (const id of this.list(f, "id")) children.push(id);
      else this.extensionOrWarn(extensions, f, "VocabularyElement");
    }
    return {
      id: this.attribute(ve, "id") ?? "",
      ...(attributes.length ? { attributes } : {}),
      ...(children.length ? { children } : {}),
      ...extensions,
    };
  }

  /** The header: SBDH sender, receiver and instance identifier (on the document), master data and extension fields. */
  header(el: El, doc: Record<string, unknown>): Record<string, unknown> | undefined {
    const header: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (const f of this.fields(el)) {
      if (f.namespaceURI === SBDH_NAMESPACE && f.localName === "StandardBusinessDocumentHeader") {
        if (this.once(seen, f, "EPCISHeader")) this.sbdh(f, doc);
      } else if (this.is(f, "EPCISMasterData")) {
        if (this.once(seen, f, "EPCISHeader")) header.epcisMasterData = this.masterData(f);
      } else this.extensionOrWarn(header, f, "EPCISHeader");
    }
    return Object.keys(header).length ? header : undefined;
  }

  /**
   * The SBDH: the first `Sender`'s and `Receiver`'s `Identifier` and the `InstanceIdentifier`. The parts GS1 US's
   * conversion leaves out are left out without a warning (see the module note); any other part is warned about.
   */
  sbdh(el: El, doc: Record<string, unknown>): void {
    const seen = new Set<string>();
    for (const part of this.parts(el)) {
      const name = part.namespaceURI === SBDH_NAMESPACE ? part.localName : undefined;
      if (name === "HeaderVersion") this.leaf(part);
      else if (name === "Sender" || name === "Receiver") {
        if (!this.once(seen, part, "the SBDH")) continue;
        const id = this.sbdhParty(part);
        if (id) doc[name === "Sender" ? "sender" : "receiver"] = id;
      } else if (name === "DocumentIdentification") {
        if (this.once(seen, part, "the SBDH")) this.documentIdentification(part, doc);
      } else this.warn(`<${part.nodeName}> in the SBDH${this.at(part)} is not carried over`);
    }
  }

  /** A `Sender` or `Receiver`: its `Identifier` (`Authority` is left out, as by GS1 US); contact information is warned about. */
  sbdhParty(el: El): string | undefined {
    let id: string | undefined;
    const seen = new Set<string>();
    for (const c of this.parts(el)) {
      if (c.namespaceURI === SBDH_NAMESPACE && c.localName === "Identifier") {
        if (this.once(seen, c, el.nodeName)) id = this.leaf(c, ["Authority"]);
      } else this.warn(`<${c.nodeName}> in ${el.nodeName}${this.at(c)} is not carried over`);
    }
    return id;
  }

  documentIdentification(el: El, doc: Record<string, unknown>): void {
    const seen = new Set<string>();
    for (const c of this.parts(el)) {
      const name = c.namespaceURI === SBDH_NAMESPACE ? c.localName : undefined;
      if (name === "InstanceIdentifier") {
        if (this.once(seen, c, el.nodeName)) doc.instanceIdentifier = this.leaf(c);
      } else if (name === "Standard" || name === "TypeVersion" || name === "Type" || name === "CreationDateAndTime")
        this.leaf(c);
      else this.warn(`<${c.nodeName}> in ${el.nodeName}${this.at(c)} is not carried over`);
    }
  }

  /** An `EPCISDocument`'s body: its `EventList` and extension fields. */
  documentBody(body: El): Record<string, unknown> {
    let eventList: EpcisEvent[] | undefined;
    const extensions: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (const f of this.fields(body)) {
      if (this.is(f, "EventList")) {
        if (this.once(seen, f, "EPCISBody")) eventList = this.events(f);
      } else this.extensionOrWarn(extensions, f, "EPCISBody");
    }
    return { eventList: eventList ?? [], ...extensions };
  }

  /** An `EPCISQueryDocument`'s body: its `QueryResults` (required) and extension fields. */
  queryBody(body: El): Record<string, unknown> {
    let queryResults: Record<string, unknown> | undefined;
    const extensions: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (const f of this.fields(body)) {
      if (this.is(f, "QueryResults")) {
        if (this.once(seen, f, "EPCISBody")) queryResults = this.queryResults(f);
      } else this.extensionOrWarn(extensions, f, "EPCISBody");
    }
    if (!queryResults) throw new InvalidInputError("the EPCISQueryDocument's body holds no QueryResults");
    return { queryResults, ...extensions };
  }

  queryResults(el: El): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (const f of this.fields(el)) {
      const name = this.isEpcis(f) ? f.localName : undefined;
      const known = name === "queryName" || name === "subscriptionID" || name === "resultsBody";
      if (known && !this.once(seen, f, "QueryResults")) continue;
      if (name === "queryName" || name === "subscriptionID") out[name] = this.leaf(f);
      else if (name === "resultsBody") out.resultsBody = this.resultsBody(f);
      else this.extensionOrWarn(out, f, "QueryResults");
    }
    return out;
  }

  /** A `resultsBody`: an `EventList` (events) or a `VocabularyList` (master data); 2.0 requires `eventList`. */
  resultsBody(el: El): Record<string, unknown> {
    let eventList: EpcisEvent[] | undefined;
    let vocabularyList: Record<string, unknown>[] | undefined;
    const extensions: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (const f of this.parts(el)) {
      if (this.is(f, "EventList")) {
        if (this.once(seen, f, "resultsBody")) eventList = this.events(f);
      } else if (this.is(f, "VocabularyList")) {
        if (this.once(seen, f, "resultsBody")) vocabularyList = this.vocabularies(f);
      } else this.extensionOrWarn(extensions, f, "resultsBody");
    }
    return { eventList: eventList ?? [], ...(vocabularyList ? { vocabularyList } : {}), ...extensions };
  }
}

/**
 * Reads an EPCIS 1.x XML document (an `EPCISDocument`, or an `EPCISQueryDocument` with query results) as an EPCIS 2.0
 * JSON-LD document. Throws `InvalidInputError` for text that is not well-formed XML (with the parser's line and
 * column), for a DOCTYPE, and for a root that is not an EPCIS 1.x document (EPCIS 2.0 XML is refused with what to give
 * instead).
 */
export function readEpcisXml(text: string): EpcisXmlReading {
  const source = text.replace(/^\uFEFF/, "");
  if (/<!DOCTYPE/i.test(source))
    throw new InvalidInputError(
      "the XML document has a DOCTYPE: EPCIS documents need none, and it is refused for safety",
    );
  const problems: string[] = [];
  let dom: { documentElement: El | null };
  try {
    dom = new DOMParser({
      onError: (level, message, context: { locator?: { lineNumber?: number; columnNumber?: number } } | undefined) => {
        const where = context?.locator?.lineNumber
          ? ` (line ${context.locator.lineNumber}, column ${context.locator.columnNumber})`
          : "";
        if (level !== "warning") problems.push(`${firstLine(message)}${where}`);
      },
    }).parseFromString(source, "text/xml") as unknown as { documentElement: El | null };
  } catch (cause) {
    throw new InvalidInputError(
      `the XML document is not well-formed: ${problems[0] ?? firstLine((cause as Error).message)}`,
      { cause },
    );
  }
  if (problems.length) throw new InvalidInputError(`the XML document is not well-formed: ${problems[0]}`);
  const root = dom.documentElement;
  if (!root) throw new InvalidInputError("the XML document has no root element");
  if (root.namespaceURI === EPCIS_2_NAMESPACE) {
    throw new InvalidInputError(
      "this is an EPCIS 2.0 XML document: the SDK reads EPCIS 1.x XML and EPCIS 2.0 JSON-LD; give its JSON-LD form",
    );
  }
  const isDoc = root.localName === "EPCISDocument" && root.namespaceURI === EPCIS_1_NAMESPACE;
  const isQuery = root.localName === "EPCISQueryDocument" && root.namespaceURI === EPCIS_1_QUERY_NAMESPACE;
  if (!isDoc && !isQuery) {
    throw new InvalidInputError(
      `the XML root is <${root.nodeName}>${root.namespaceURI ? ` in ${root.namespaceURI}` : ""}: not an EPCIS 1.x EPCISDocument or EPCISQueryDocument`,
    );
  }
  const reader = new Reader();
  const doc: Record<string, unknown> = { type: isDoc ? "EPCISDocument" : "EPCISQueryDocument", schemaVersion: "2.0" };
  const creationDate = reader.attribute(root, "creationDate");
  if (creationDate) doc.creationDate = creationDate;
  const sourceVersion = reader.attribute(root, "schemaVersion") || "1.x";

  // The root's parts in document order: header, body, then extension fields (the root's `extension` is flattened).
  const extensions: Record<string, unknown> = {};
  const seen = new Set<string>();
  let hasBody = false;
  for (const f of reader.fields(root, ROOT_ATTRIBUTES)) {
    if (reader.is(f, "EPCISHeader")) {
      if (!reader.once(seen, f, root.nodeName)) continue;
      const header = reader.header(f, doc);
      if (header) doc.epcisHeader = header;
    } else if (reader.is(f, "EPCISBody")) {
      if (!reader.once(seen, f, root.nodeName)) continue;
      hasBody = true;
      doc.epcisBody = isDoc ? reader.documentBody(f) : reader.queryBody(f);
    } else reader.extensionOrWarn(extensions, f, String(root.localName));
  }
  if (!hasBody) throw new InvalidInputError(`<${root.nodeName}> has no EPCISBody`);
  const context: (string | Record<string, string>)[] = [EPCIS_CONTEXT_URI];
  if (reader.namespaces.size) context.push(Object.fromEntries(reader.namespaces));
  const document = { "@context": context, ...doc, ...extensions } as unknown as EpcisDocument;
  return { document, sourceVersion, warnings: reader.warnings };
}

function firstLine(message: string): string {
  return message
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 2)
    .join(" ");
}
