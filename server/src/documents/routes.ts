/**
 * The document routes, in a plugin of their own (its own body parser: a document is taken as raw bytes whatever its
 * content type, so that its hash is the hash of what was sent):
 *
 * - `POST /documents`: the body is the document; `Content-Type` its media type; `X-Document-Kind` and
 *   `X-Document-Subject` say what it is; `X-Document-Name` (optional) a file name; `X-Expected-Hash` (optional) the
 *   keccak-256 or SHA-256 the uploader expects.
 * - `GET /documents/{id}` (`?view=redacted` for the redacted view): the bytes, with `X-Keccak256`, `X-Sha256`,
 *   `Repr-Digest`, `X-Document-Status` and `X-Anchor` (the on-chain anchor as JSON).
 * - `GET /documents?subject=…`: the summaries this reader may see. `GET /documents/audit`: the audit log.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest, preHandlerHookHandler } from "fastify";
import { Type } from "@sinclair/typebox";
import { gtin14, gtinValue, lotIdOf, type PackScan } from "@pharmachain/sdk";
import { Auth } from "../auth";
import { ProblemError } from "../problem";
import type { LinksetLink } from "../routes/verification";
import type { DocumentService } from "./service";

export interface DocumentRouteOptions {
  documents: DocumentService;
  requireAccount: preHandlerHookHandler;
}

const Summary = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  subject: Type.String(),
  uploader: Type.String(),
  status: Type.String({ description: "anchored, or awaiting-anchor (anchor the hash given to make it anchored)" }),
  keccak256: Type.String(),
  sha256: Type.String(),
  anchor: Type.Union([Type.Null(), Type.Object({}, { additionalProperties: true })]),
  size: Type.Integer(),
  contentType: Type.String(),
  fileName: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  access: Type.Optional(Type.String({ description: "full, redacted or summary: what this reader may open" })),
});

export const documentRoutes: FastifyPluginAsync<DocumentRouteOptions> = async (
  app: FastifyInstance,
  { documents, requireAccount },
) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: documents.maxBytes }, (_request, body, done) =>
    done(null, body),
  );

  app.post<{ Body: Buffer }>(
    "/documents",
    {
      bodyLimit: documents.maxBytes,
      preHandler: requireAccount,
      schema: {
        tags: ["documents"],
        summary: "Uploads a document (the raw bytes as the body)",
        description:
          "The body is the document itself; Content-Type its media type (one the kind allows). Headers: " +
          "X-Document-Kind (a kind of server/policy/access-matrix.json), X-Document-Subject (lot:0x…, shipment:N, " +
          "order:N, stakeholder:0x…, product:GTIN), X-Document-Name (optional), X-Expected-Hash (optional keccak-256 " +
          "or SHA-256; a mismatch is 422). The service hashes the bytes; the document is `anchored` when a hash equals " +
          "the subject's on-chain anchor of its kind, else `awaiting-anchor` (anchor the hash given). Refusals are " +
          "problem+json and store nothing: 413 over the size limit, 415 a content type the kind does not take, 404 an " +
          "unknown subject, 403 no standing or not an uploader of the kind.",
        headers: Type.Object({
          "x-document-kind": Type.String({ minLength: 1, maxLength: 64 }),
          "x-document-subject": Type.String({ minLength: 1, maxLength: 100 }),
          "x-document-name": Type.Optional(Type.String({ maxLength: 200 })),
          "x-expected-hash": Type.Optional(Type.String({ pattern: "^0x[0-9a-fA-F]{64}$" })),
        }),
        security: [{ bearer: [] }],
        response: { 201: Summary },
      },
    },
    async (request, reply) => {
      if (!Buffer.isBuffer(request.body)) {
        throw new ProblemError(400, "empty-document", "the body is the document", "body");
      }
      const h = request.headers;
      const summary = await documents.upload(request.account!, {
        kind: String(h["x-document-kind"]),
        subject: String(h["x-document-subject"]),
        contentType: String(h["content-type"] ?? "application/octet-stream"),
        bytes: request.body,
        ...(h["x-document-name"] ? { fileName: String(h["x-document-name"]) } : {}),
        ...(h["x-expected-hash"] ? { expectedHash: String(h["x-expected-hash"]) } : {}),
      });
      return reply.code(201).header("location", `/documents/${summary.id}`).send(summary);
    },
  );

  app.get<{ Querystring: { subject: string } }>(
    "/documents",
    {
      preHandler: requireAccount,
      schema: {
        tags: ["documents"],
        summary: "The documents of a subject that this reader may see, each with what it may open",
        querystring: Type.Object({ subject: Type.String({ minLength: 1, maxLength: 100 }) }),
        security: [{ bearer: [] }],
        response: { 200: Type.Object({ subject: Type.String(), documents: Type.Array(Summary) }) },
      },
    },
    async (request) => {
      const list = await documents.list(request.account!, request.query.subject);
      return { subject: list[0]?.subject ?? request.query.subject, documents: list };
    },
  );

  app.get<{ Querystring: { document?: string; limit?: number } }>(
    "/documents/audit",
    {
      preHandler: requireAccount,
      schema: {
        tags: ["documents"],
        summary: "The audit log of reads, lists, uploads and refusals (regulators: all of it; others: their own)",
        querystring: Type.Object({
          document: Type.Optional(Type.String({ maxLength: 64 })),
          limit: Type.Optional(Type.String({ pattern: "^[0-9]{1,4}$" })),
        }),
        security: [{ bearer: [] }],
      },
    },
    async (request) => {
      const entries = await documents.auditLog(request.account!, {
        ...(request.query.document ? { documentId: request.query.document } : {}),
        ...(request.query.limit ? { limit: Number(request.query.limit) } : {}),
      });
      return { entries };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { view?: "full" | "redacted" } }>(
    "/documents/:id",
    {
      preHandler: requireAccount,
      schema: {
        tags: ["documents"],
        summary: "A document's bytes (or its redacted view), with its hashes and on-chain anchor in headers",
        description:
          "Headers: X-Keccak256 and X-Sha256 (of the whole document), Repr-Digest (RFC 9530, of the bytes sent), " +
          "X-Document-Status, X-Anchor (JSON: the anchor, its hash, where it was read). A redacted view also has " +
          "X-Redacted-Keccak256 and X-Redacted-Fields. 403 problem+json names why a reader may not open it.",
        params: Type.Object({ id: Type.String({ pattern: "^[0-9a-f-]{36}$" }) }),
        querystring: Type.Object({ view: Type.Optional(Type.Union([Type.Literal("full"), Type.Literal("redacted")])) }),
        security: [{ bearer: [] }],
      },
    },
    async (request, reply) => {
      const read = await documents.read(request.account!, request.params.id, request.query.view);
      const digest = (await import("crypto")).createHash("sha256").update(read.body).digest("base64");
      reply
        .header("content-type", read.contentType)
        .header("x-document-id", read.summary.id)
        .header("x-document-kind", read.summary.kind)
        .header("x-document-subject", read.summary.subject)
        .header("x-document-status", read.summary.status)
        .header("x-document-view", read.view)
        .header("x-keccak256", read.summary.keccak256)
        .header("x-sha256", read.summary.sha256)
        .header("repr-digest", `sha-256=:${digest}:`)
        .header("x-anchor", JSON.stringify(read.summary.anchor));
      if (read.redacted) {
        reply
          .header("x-redacted-keccak256", read.redacted.keccak256)
          .header("x-redacted-fields", read.redacted.removed.join(","));
      }
      return reply.send(read.body);
    },
  );
};

/** The GS1 link relation of a document kind in a pack's linkset. */
const RELATIONS: Record<string, string> = {
  batchRecord: "https://gs1.org/voc/certificationInfo",
  certificateOfAnalysis: "https://gs1.org/voc/certificationInfo",
  quarantineEvidence: "https://gs1.org/voc/certificationInfo",
  regulatorRuling: "https://gs1.org/voc/certificationInfo",
  recallNotice: "https://gs1.org/voc/recallStatus",
  productDossier: "https://gs1.org/voc/masterData",
};

/**
 * The linkset's document links of a pack for the signed-in reader of a request: the documents of its lot and its
 * product that the reader may open (in full or redacted), as row-level security lists them. An anonymous request, or
 * one whose session is unknown or without standing, gets none.
 */
export function documentLinks(
  documents: DocumentService,
  auth: Auth,
): (request: FastifyRequest, scan: PackScan) => Promise<Record<string, LinksetLink[]>> {
  return async (request, scan) => {
    const token = Auth.bearer(request);
    const address = token ? await auth.addressOf(token) : undefined;
    if (!address) return {};
    const account = await auth.account(address);
    if (account.role === "None" || !account.standing.authorised) return {};
    const gtin = gtin14(gtinValue(scan.gtin));
    const subjects = [`lot:${lotIdOf(scan.gtin, scan.lotNumber)}`, `product:${gtin}`];
    const links: Record<string, LinksetLink[]> = {};
    for (const subject of subjects) {
      for (const d of await documents.list(account, subject)) {
        if (d.access === "summary") continue;
        const relation = RELATIONS[d.kind];
        if (!relation) continue; // a kind of another subject, or one a custom policy added without a GS1 relation
        (links[relation] ??= []).push({
          href: `/documents/${d.id}`,
          title: `${d.kind} of ${d.subject}${d.access === "redacted" ? " (redacted view)" : ""}`,
          type: d.access === "redacted" ? "application/json" : d.contentType,
        });
      }
    }
    return links;
  };
}
