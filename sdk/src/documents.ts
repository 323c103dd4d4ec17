/**
 * The client of the PharmaChain service's document store (`POST /documents`, `GET /documents/{id}`,
 * `GET /documents?subject=`, `GET /documents/audit`): signs in with Ethereum (EIP-4361), uploads, lists, and downloads
 * documents — and re-checks what it downloads: the bytes' keccak-256 and SHA-256 against the hashes the service states,
 * and, given a chain client, that hash against the anchor read from the chain itself (a lot's dataHash, a
 * stakeholder's licence or metadata hash, or the event the service names for the others), so a service that served
 * other bytes, or claimed an anchor that is not on chain, is caught.
 */
import { createHash } from "crypto";
import { getAddress, keccak256, type EventLog, type Signer } from "ethers";
import type { PharmaChainClient } from "./client";
import { InvalidInputError, PharmaChainError } from "./errors";
import { callService, serviceRefusal, signInToService } from "./service-http";

/** What the service stored and states about a document. */
export interface DocumentSummary {
  id: string;
  kind: string;
  subject: string;
  uploader: string;
  status: "anchored" | "awaiting-anchor";
  keccak256: string;
  sha256: string;
  anchor: DocumentAnchor | null;
  size: number;
  contentType: string;
  fileName: string | null;
  createdAt: string;
  access?: "full" | "redacted" | "summary";
}

export interface DocumentAnchor {
  anchor: string;
  hash: string;
  algorithm: "keccak256" | "sha256";
  source: string;
  block: number;
}

export interface DownloadedDocument {
  id: string;
  kind: string;
  subject: string;
  view: "full" | "redacted";
  contentType: string;
  bytes: Buffer;
  keccak256: string;
  sha256: string;
  status: "anchored" | "awaiting-anchor";
  anchor: DocumentAnchor | null;
  /** What was checked here: the bytes' hashes, and the anchor on chain (when a client was given and it is anchored). */
  checked: { bytes: boolean; anchorOnChain: boolean | "not anchored" | "no chain client" };
  redacted?: { keccak256: string; fields: string[] };
}

/** The downloaded bytes or the anchor do not match: the service is wrong or the document was tampered with. */
export class DocumentIntegrityError extends PharmaChainError {}

export interface DocumentClientOptions {
  /** The service's base URL, `http(s)://host[:port]`. */
  service: string;
  /** A bearer token from a sign-in (see {@link DocumentClient.signIn}). */
  token: string;
  /** A chain client: with it downloads are checked against the on-chain anchor. */
  chain?: PharmaChainClient;
}

const sha256Of = (bytes: Uint8Array): string => "0x" + createHash("sha256").update(bytes).digest("hex");

export class DocumentClient {
  readonly service: string;

  constructor(private readonly options: DocumentClientOptions) {
    if (!/^https?:\/\/[^/?#\s]+\/?$/i.test(options.service)) {
      throw new InvalidInputError(`the service "${options.service}" must be http(s)://host[:port]`);
    }
    this.service = options.service.replace(/\/$/, "");
  }

  /** Signs in to the service with `signer` (EIP-4361) and returns a client with the session's token. */
  static async signIn(
    service: string,
    signer: Signer,
    chainId: bigint,
    chain?: PharmaChainClient,
  ): Promise<DocumentClient> {
    const base = service.replace(/\/$/, "");
    const token = await signInToService(base, signer, chainId);
    return new DocumentClient({ service: base, token, ...(chain ? { chain } : {}) });
  }

  /** The session's bearer token. */
  get token(): string {
    return this.options.token;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.options.token}`, ...extra };
  }

  /** Uploads a document; the service answers its summary (`anchored`, or `awaiting-anchor` with the hashes to anchor). */
  async put(
    bytes: Uint8Array,
    p: { kind: string; subject: string; contentType: string; fileName?: string; expectedHash?: string },
  ): Promise<DocumentSummary> {
    const res = await call(this.service, "/documents", {
      method: "POST",
      headers: this.headers({
        "content-type": p.contentType,
        "x-document-kind": p.kind,
        "x-document-subject": p.subject,
        ...(p.fileName ? { "x-document-name": p.fileName } : {}),
        ...(p.expectedHash ? { "x-expected-hash": p.expectedHash } : {}),
      }),
      body: bytes,
    });
    if (res.status !== 201) throw await refusal(res, `uploading a ${p.kind} of ${p.subject}`);
    return (await res.json()) as DocumentSummary;
  }

  /** The documents of a subject this account may see. */
  async list(subject: string): Promise<DocumentSummary[]> {
    const res = await call(this.service, `/documents?subject=${encodeURIComponent(subject)}`, {
      headers: this.headers(),
    });
    if (res.status !== 200) throw await refusal(res, `listing the documents of ${subject}`);
    return ((await res.json()) as { documents: DocumentSummary[] }).documents;
  }

  /** The audit log as this account may read it (regulators: all of it). */
  async audit(filter: { document?: string; limit?: number } = {}): Promise<Array<Record<string, unknown>>> {
    const q = new URLSearchParams();
    if (filter.document) q.set("document", filter.document);
    if (filter.limit) q.set("limit", String(filter.limit));
    const res = await call(this.service, `/documents/audit?${q}`, { headers: this.headers() });
    if (res.status !== 200) throw await refusal(res, "reading the audit log");
    return ((await res.json()) as { entries: Array<Record<string, unknown>> }).entries;
  }

  /**
   * Downloads a document (or its redacted view) and checks it: its bytes against the hashes the service states, and
   * with a chain client the anchor against the chain. Throws {@link DocumentIntegrityError} on any mismatch.
   */
  async get(id: string, options: { view?: "full" | "redacted" } = {}): Promise<DownloadedDocument> {
    const res = await call(
      this.service,
      `/documents/${encodeURIComponent(id)}${options.view ? `?view=${options.view}` : ""}`,
      {
        headers: this.headers(),
      },
    );
    if (res.status !== 200) throw await refusal(res, `reading document ${id}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    const h = (name: string): string => res.headers.get(name) ?? "";
    const view = h("x-document-view") === "redacted" ? "redacted" : "full";
    const doc: DownloadedDocument = {
      id: h("x-document-id") || id,
      kind: h("x-document-kind"),
      subject: h("x-document-subject"),
      view,
      contentType: h("content-type"),
      bytes,
      keccak256: h("x-keccak256").toLowerCase(),
      sha256: h("x-sha256").toLowerCase(),
      status: h("x-document-status") === "anchored" ? "anchored" : "awaiting-anchor",
      anchor: h("x-anchor") && h("x-anchor") !== "null" ? (JSON.parse(h("x-anchor")) as DocumentAnchor) : null,
      checked: { bytes: false, anchorOnChain: "no chain client" },
    };
    if (view === "full") {
      if (keccak256(bytes).toLowerCase() !== doc.keccak256 || sha256Of(bytes) !== doc.sha256) {
        throw new DocumentIntegrityError(`document ${id}: the bytes received do not hash to what the service states`, {
          details: `received keccak-256 ${keccak256(bytes)}, SHA-256 ${sha256Of(bytes)}; stated ${doc.keccak256}, ${doc.sha256}`,
        });
      }
    } else {
      doc.redacted = {
        keccak256: h("x-redacted-keccak256").toLowerCase(),
        fields: h("x-redacted-fields").split(",").filter(Boolean),
      };
      if (keccak256(bytes).toLowerCase() !== doc.redacted.keccak256) {
        throw new DocumentIntegrityError(
          `document ${id}: the redacted view received does not hash to what the service states`,
        );
      }
    }
    doc.checked.bytes = true;
    if (!doc.anchor) doc.checked.anchorOnChain = "not anchored";
    else if (this.options.chain) {
      const expected = doc.anchor.algorithm === "sha256" ? doc.sha256 : doc.keccak256;
      if (doc.anchor.hash.toLowerCase() !== expected) {
        throw new DocumentIntegrityError(
          `document ${id}: the anchor the service names (${doc.anchor.hash}) is not its hash`,
        );
      }
      const onChain = await anchoredOnChain(this.options.chain, doc.subject, doc.anchor);
      if (!onChain.includes(expected)) {
        throw new DocumentIntegrityError(
          `document ${id}: its ${doc.anchor.algorithm} ${expected} is not anchored on chain as ${doc.anchor.anchor} of ${doc.subject}`,
          { details: `on chain: ${onChain.join(", ") || "nothing"}` },
        );
      }
      doc.checked.anchorOnChain = true;
    }
    return doc;
  }
}

/** The hashes anchored on chain for a subject, as `anchor` names them (views, or the events of the block it names). */
export async function anchoredOnChain(
  chain: PharmaChainClient,
  subject: string,
  anchor: DocumentAnchor,
): Promise<string[]> {
  const [type, key] = [subject.slice(0, subject.indexOf(":")), subject.slice(subject.indexOf(":") + 1)];
  const fromEvents = async (
    contract: "lots" | "custody" | "orders",
    events: Array<[string, unknown[], string]>,
  ): Promise<string[]> => {
    const c = chain[contract] as unknown as {
      filters: Record<string, (...a: unknown[]) => unknown>;
      queryFilter(filter: unknown, from: number, to: number): Promise<Array<EventLog | { args?: undefined }>>;
    };
    const out: string[] = [];
    for (const [event, args, field] of events) {
      const logs = await c.queryFilter(c.filters[event](...args), anchor.block, anchor.block);
      for (const l of logs) if (l.args) out.push(String(l.args.getValue(field)).toLowerCase());
    }
    return out;
  };
  switch (anchor.anchor) {
    case "lot.dataHash":
      return [(await chain.lot(key)).dataHash.toLowerCase()];
    case "stakeholder.licenceHash":
      return [(await chain.stakeholder(getAddress(key))).licenceHash.toLowerCase()];
    case "stakeholder.metadataHash":
      return [(await chain.stakeholder(getAddress(key))).metadataHash.toLowerCase()];
    case "lot.recallReasonHash":
      return fromEvents("lots", [["LotRecalled", [key], "reasonHash"]]);
    case "lot.evidenceHash":
      return fromEvents("custody", [
        ["PacksQuarantined", [key], "evidenceHash"],
        ["SuspicionReported", [key], "evidenceHash"],
      ]);
    case "lot.decisionHash":
      return fromEvents("custody", [
        ["PacksCleared", [key], "decisionHash"],
        ["IllegitimacyProposed", [key], "decisionHash"],
        ["PacksIllegitimate", [key], "decisionHash"],
      ]);
    case "shipment.noticeHash":
      return fromEvents("custody", [["ShipmentCreated", [BigInt(key)], "noticeHash"]]);
    case "order.documentHash":
      return fromEvents("orders", [
        ["OrderPlaced", [BigInt(key)], "documentHash"],
        ["OrderAmended", [BigInt(key)], "documentHash"],
      ]);
    case "product.metadataHash":
      return fromEvents("lots", [["ProductRegistered", [BigInt(key)], "metadataHash"]]);
    default:
      throw new InvalidInputError(`unknown anchor ${anchor.anchor} of ${type}`);
  }
}

const call = callService;
const refusal = serviceRefusal;
