/**
 * EPCIS 1.x XML (1.0, 1.1, 1.2: namespace `urn:epcglobal:epcis:xsd:1`) read into the EPCIS 2.0 JSON-LD shapes the
 * rest of the SDK works on, following the 1.2 → 2.0 rules of the EPCIS 2.0 standard (as GS1 US applied them to its
 * DSCSA example, whose converted file is the test's reference):
 *
 * - the `extension` and `baseExtension` wrappers are dropped and their fields lifted (`ilmd`, `sourceList`,
 *   `destinationList`, `quantityList`, `childQuantityList`, `eventID`, `errorDeclaration`, TransformationEvent);
 * - lists become arrays (`epcList`, `childEPCs`, `bizTransactionList` as `{type, bizTransaction}`, `sourceList` as
 *   `{type, source}`…); quantities become numbers;
 * - CBV values written as URNs (`urn:epcglobal:cbv:bizstep:shipping`, `…:disp:in_transit`, `…:btt:po`, `…:sdt:owning_party`,
 *   `…:er:incorrect_data`) become the bare CBV words of 2.0 (`shipping`, `in_transit`, `po`…);
 * - a QuantityEvent (deprecated in 1.2, gone in 2.0) becomes an ObjectEvent OBSERVE with a `quantityList`;
 * - fields in other namespaces (user extensions such as `gs1ushc:dropShipment`, `ilmd` master data) keep their prefix
 *   as `prefix:name`, their namespace is declared in `@context` (`cbvmda` is already in the EPCIS context), nested
 *   elements become objects, and the texts `true` and `false` become booleans (as in GS1 US's conversion);
 * - the SBDH gives `sender`, `receiver` and `instanceIdentifier`; master data becomes `epcisHeader.epcisMasterData`.
 *
 * Anything the reader does not map is listed in `warnings` (with its line), never dropped silently. Documents with a
 * DOCTYPE are refused: EPCIS needs none, and entity declarations are how XML parsers are attacked.
 */
import { DOMParser } from "@xmldom/xmldom";
import { InvalidInputError } from "../errors";
import { EPCIS_CONTEXT_URI, EpcisDocument, EpcisEvent } from "./common";

/** The EPCIS 1.x document namespace (1.0, 1.1 and 1.2 share it). */
export const EPCIS_1_NAMESPACE = "urn:epcglobal:epcis:xsd:1";
/** The EPCIS 1.x query namespace (`EPCISQueryDocument`). */
export const EPCIS_1_QUERY_NAMESPACE = "urn:epcglobal:epcis-query:xsd:1";
const EPCIS_2_NAMESPACE = "urn:epcglobal:epcis:xsd:2";
const SBDH_NAMESPACE = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader";
/** Namespaces whose prefix the EPCIS 2.0 context already defines. */
const KNOWN_PREFIXES: Record<string, string> = {
  "urn:epcglobal:cbv:mda": "cbvmda",
  "urn:epcglobal:cbv:mda#": "cbvmda",
};

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
  return text.replace(/^\uFEFF/, "").trimStart().startsWith("<");
}

type El = {
  nodeType: number;
  localName: string | null;
  namespaceURI: string | null;
  prefix: string | null;
  nodeName: string;
  textContent: string | null;
  childNodes: ArrayLike<El>;
  lineNumber?: number;
  getAttribute(name: string): string | null;
  attributes: ArrayLike<{ name: string; value: string; namespaceURI: string | null; prefix: string | null }>;
};
const ELEMENT_NODE = 1;

const CBV_URN: Record<string, RegExp> = {
  bizStep: /^urn:epcglobal:cbv:bizstep:/,
  disposition: /^urn:epcglobal:cbv:disp:/,
  bizTransactionType: /^urn:epcglobal:cbv:btt:/,
  sourceDestType: /^urn:epcglobal:cbv:sdt:/,
  errorReason: /^urn:epcglobal:cbv:er:/,
};

/** Sets a field; a name met again (a repeated element) becomes an array of the values, in document order. */
function put(target: Record<string, unknown>, name: string, value: unknown): void {
  if (!(name in target)) target[name] = value;
  else target[name] = [...(Array.isArray(target[name]) ? (target[name] as unknown[]) : [target[name]]), value];
}

function cbvWord(value: string, kind: keyof typeof CBV_URN): string {
  return value.replace(CBV_URN[kind], "");
}

class Reader {
  readonly warnings: string[] = [];
  /** Namespaces to declare in `@context`, by prefix. */
  readonly namespaces = new Map<string, string>();

  at(el: El): string {
    return el.lineNumber ? ` (line ${el.lineNumber})` : "";
  }

  children(el: El): El[] {
    const out: El[] = [];
    for (let i = 0; i < el.childNodes.length; i++) if (el.childNodes[i].nodeType === ELEMENT_NODE) out.push(el.childNodes[i]);
    return out;
  }

  /** Children with the `extension` / `baseExtension` wrappers (no namespace or the EPCIS one) flattened away. */
  fields(el: El): El[] {
    const out: El[] = [];
    for (const c of this.children(el)) {
      if (this.isEpcis(c) && (c.localName === "extension" || c.localName === "baseExtension")) out.push(...this.fields(c));
      else out.push(c);
    }
    return out;
  }

  /** An element of EPCIS's own vocabulary: no namespace (the 1.x schema's local elements) or the EPCIS namespace. */
  isEpcis(el: El): boolean {
    return !el.namespaceURI || el.namespaceURI === EPCIS_1_NAMESPACE || el.namespaceURI === EPCIS_1_QUERY_NAMESPACE;
  }

  text(el: El): string {
    return (el.textContent ?? "").trim();
  }

  /** `prefix:local` of an extension element, declaring its namespace in `@context` when the context lacks it. */
  extensionName(el: El): string {
    const ns = el.namespaceURI ?? "";
    const known = KNOWN_PREFIXES[ns];
    if (known) return `${known}:${el.localName}`;
    let prefix = el.prefix || "ext";
    const existing = this.namespaces.get(prefix);
    if (existing !== undefined && existing !== ns) {
      let n = 2;
      while (this.namespaces.has(`${prefix}${n}`) && this.namespaces.get(`${prefix}${n}`) !== ns) n++;
      prefix = `${prefix}${n}`;
    }
    this.namespaces.set(prefix, ns);
    return `${prefix}:${el.localName}`;
  }

  /** The value of an extension element: a string (`true`/`false` as booleans) or an object of its child elements. */
  extensionValue(el: El): unknown {
    const kids = this.children(el);
    if (el.attributes.length > 0) {
      const names = [...Array.from(el.attributes)].map((a) => a.name).filter((n) => n !== "xmlns" && !n.startsWith("xmlns:"));
      if (names.length) this.warnings.push(`attributes ${names.join(", ")} of ${el.nodeName}${this.at(el)} are not carried over`);
    }
    if (kids.length === 0) {
      const t = this.text(el);
      return t === "true" ? true : t === "false" ? false : t;
    }
    const out: Record<string, unknown> = {};
    for (const k of kids) put(out, this.isEpcis(k) ? String(k.localName) : this.extensionName(k), this.extensionValue(k));
    return out;
  }

  /** Puts an extension field on `target`, or warns about an EPCIS element this reader does not know. */
  extensionOrWarn(target: Record<string, unknown>, el: El, where: string): void {
    if (this.isEpcis(el)) {
      this.warnings.push(`<${el.nodeName}> in ${where}${this.at(el)} is not an EPCIS 1.x field this reader knows: left out`);
      return;
    }
    put(target, this.extensionName(el), this.extensionValue(el));
  }

  list(el: El, item: string): string[] {
    return this.children(el)
      .filter((c) => c.localName === item)
      .map((c) => this.text(c));
  }

  quantityList(el: El): Record<string, unknown>[] {
    return this.children(el)
      .filter((c) => c.localName === "quantityElement")
      .map((q) => {
        const out: Record<string, unknown> = {};
        for (const f of this.children(q)) {
          if (f.localName === "epcClass") out.epcClass = this.text(f);
          else if (f.localName === "quantity") out.quantity = this.number(f);
          else if (f.localName === "uom") out.uom = this.text(f);
          else this.extensionOrWarn(out, f, "a quantityElement");
        }
        return out;
      });
  }

  number(el: El): number {
    const t = this.text(el);
    const n = Number(t);
    if (t === "" || !Number.isFinite(n)) throw new InvalidInputError(`<${el.nodeName}>${this.at(el)}: "${t}" is not a number`);
    return n;
  }

  typedList(el: El, item: "bizTransaction" | "source" | "destination", kind: keyof typeof CBV_URN): Record<string, unknown>[] {
    return this.children(el)
      .filter((c) => c.localName === item)
      .map((c) => {
        const type = c.getAttribute("type");
        return { ...(type ? { type: cbvWord(type, kind) } : {}), [item]: this.text(c) };
      });
  }

  location(el: El): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of this.fields(el)) {
      if (this.isEpcis(f) && f.localName === "id") out.id = this.text(f);
      else this.extensionOrWarn(out, f, `<${el.localName}>`);
    }
    return out;
  }

  errorDeclaration(el: El): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of this.fields(el)) {
      if (!this.isEpcis(f)) this.extensionOrWarn(out, f, "errorDeclaration");
      else if (f.localName === "declarationTime") out.declarationTime = this.text(f);
      else if (f.localName === "reason") out.reason = cbvWord(this.text(f), "errorReason");
      else if (f.localName === "correctiveEventIDs") out.correctiveEventIDs = this.list(f, "correctiveEventID");
      else this.extensionOrWarn(out, f, "errorDeclaration");
    }
    return out;
  }

  event(el: El): EpcisEvent | undefined {
    const kind = String(el.localName);
    if (!["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "QuantityEvent"].includes(kind)) {
      this.warnings.push(`<${el.nodeName}>${this.at(el)} is not an EPCIS 1.x event: left out`);
      return undefined;
    }
    const e: Record<string, unknown> = { type: kind };
    for (const f of this.fields(el)) {
      const name = String(f.localName);
      if (!this.isEpcis(f)) {
        this.extensionOrWarn(e, f, kind);
        continue;
      }
      switch (name) {
        case "eventTime":
        case "recordTime":
        case "eventTimeZoneOffset":
        case "eventID":
        case "action":
        case "parentID":
        case "transformationID":
        case "epcClass":
          e[name] = this.text(f);
          break;
        case "quantity":
          e.quantity = this.number(f);
          break;
        case "bizStep":
          e.bizStep = cbvWord(this.text(f), "bizStep");
          break;
        case "disposition":
          e.disposition = cbvWord(this.text(f), "disposition");
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
      this.warnings.push(`QuantityEvent${this.at(el)} read as an ObjectEvent OBSERVE with a quantityList (EPCIS 2.0 has no QuantityEvent)`);
      return { type: "ObjectEvent", action: "OBSERVE", epcList: [], quantityList: [{ epcClass, quantity }], ...rest } as EpcisEvent;
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

  masterData(el: El): Record<string, unknown> {
    const vocabularyList: Record<string, unknown>[] = [];
    for (const list of this.children(el).filter((c) => c.localName === "VocabularyList")) {
      for (const v of this.children(list).filter((c) => c.localName === "Vocabulary")) {
        const elements: Record<string, unknown>[] = [];
        for (const l of this.children(v).filter((c) => c.localName === "VocabularyElementList")) {
          for (const ve of this.children(l).filter((c) => c.localName === "VocabularyElement")) {
            const attributes = this.children(ve)
              .filter((a) => a.localName === "attribute")
              .map((a) => ({ id: a.getAttribute("id") ?? "", attribute: this.children(a).length ? this.extensionValue(a) : this.text(a) }));
            const children = this.children(ve)
              .filter((c) => c.localName === "children")
              .flatMap((c) => this.list(c, "id"));
            elements.push({ id: ve.getAttribute("id") ?? "", ...(attributes.length ? { attributes } : {}), ...(children.length ? { children } : {}) });
          }
        }
        vocabularyList.push({ type: v.getAttribute("type") ?? "", vocabularyElementList: elements });
      }
    }
    return { vocabularyList };
  }

  /** The header: SBDH sender, receiver and instance identifier (on the document), master data and extension fields. */
  header(el: El, doc: Record<string, unknown>): Record<string, unknown> | undefined {
    const header: Record<string, unknown> = {};
    for (const f of this.fields(el)) {
      if (f.namespaceURI === SBDH_NAMESPACE && f.localName === "StandardBusinessDocumentHeader") {
        for (const part of this.children(f)) {
          const id = this.children(part).find((c) => c.localName === "Identifier");
          if (part.localName === "Sender" && id) doc.sender = this.text(id);
          else if (part.localName === "Receiver" && id) doc.receiver = this.text(id);
          else if (part.localName === "DocumentIdentification") {
            const instance = this.children(part).find((c) => c.localName === "InstanceIdentifier");
            if (instance) doc.instanceIdentifier = this.text(instance);
          }
        }
      } else if (this.isEpcis(f) && f.localName === "EPCISMasterData") header.epcisMasterData = this.masterData(f);
      else this.extensionOrWarn(header, f, "EPCISHeader");
    }
    return Object.keys(header).length ? header : undefined;
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
  if (/<!DOCTYPE/i.test(source)) throw new InvalidInputError("the XML document has a DOCTYPE: EPCIS documents need none, and it is refused for safety");
  const problems: string[] = [];
  let dom: { documentElement: El | null };
  try {
    dom = new DOMParser({
      onError: (level, message, context: { locator?: { lineNumber?: number; columnNumber?: number } } | undefined) => {
        const where = context?.locator?.lineNumber ? ` (line ${context.locator.lineNumber}, column ${context.locator.columnNumber})` : "";
        if (level !== "warning") problems.push(`${firstLine(message)}${where}`);
      },
    }).parseFromString(source, "text/xml") as unknown as { documentElement: El | null };
  } catch (cause) {
    throw new InvalidInputError(`the XML document is not well-formed: ${problems[0] ?? firstLine((cause as Error).message)}`, { cause });
  }
  if (problems.length) throw new InvalidInputError(`the XML document is not well-formed: ${problems[0]}`);
  const root = dom.documentElement;
  if (!root) throw new InvalidInputError("the XML document has no root element");
  if (root.namespaceURI === EPCIS_2_NAMESPACE) {
    throw new InvalidInputError("this is an EPCIS 2.0 XML document: the SDK reads EPCIS 1.x XML and EPCIS 2.0 JSON-LD; give its JSON-LD form");
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
  const creationDate = root.getAttribute("creationDate");
  if (creationDate) doc.creationDate = creationDate;
  const sourceVersion = root.getAttribute("schemaVersion") ?? "1.x";

  const kids = reader.children(root);
  const headerEl = kids.find((c) => c.localName === "EPCISHeader");
  if (headerEl) {
    const header = reader.header(headerEl, doc);
    if (header) doc.epcisHeader = header;
  }
  const body = kids.find((c) => c.localName === "EPCISBody");
  if (!body) throw new InvalidInputError(`<${root.nodeName}> has no EPCISBody`);
  if (isDoc) {
    const list = reader.children(body).find((c) => c.localName === "EventList");
    doc.epcisBody = { eventList: list ? reader.events(list) : [] };
  } else {
    const results = reader.children(body).find((c) => c.localName === "QueryResults");
    if (!results) throw new InvalidInputError("the EPCISQueryDocument's body holds no QueryResults");
    const queryResults: Record<string, unknown> = {};
    for (const f of reader.children(results)) {
      if (f.localName === "queryName" || f.localName === "subscriptionID") queryResults[f.localName] = reader.text(f);
      else if (f.localName === "resultsBody") {
        const list = reader.children(f).find((c) => c.localName === "EventList");
        queryResults.resultsBody = { eventList: list ? reader.events(list) : [] };
      } else reader.warnings.push(`<${f.nodeName}> in QueryResults${reader.at(f)} is left out`);
    }
    doc.epcisBody = { queryResults };
  }
  const context: (string | Record<string, string>)[] = [EPCIS_CONTEXT_URI];
  if (reader.namespaces.size) context.push(Object.fromEntries(reader.namespaces));
  const document = { "@context": context, ...doc } as unknown as EpcisDocument;
  return { document, sourceVersion, warnings: reader.warnings };
}

function firstLine(message: string): string {
  return message.split("\n").map((l) => l.trim()).filter(Boolean).slice(0, 2).join(" ");
}
