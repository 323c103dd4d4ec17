/**
 * `pharmachain doc put|get|list`: the document store of the PharmaChain service (`--service URL`), through the SDK's
 * document client. `doc get` re-checks what it downloads against the hashes the service states and against the
 * anchor on chain, and refuses to write a file that does not match.
 */
import fs from "fs";
import path from "path";
import type { Signer } from "ethers";
import { DocumentClient, type DocumentSummary } from "../documents";
import { NotFoundError } from "../errors";
import { Command, arg, str, writeClient } from "./common";
import { serviceUrl } from "./service";
import { UsageError } from "./usage";

const TYPES: Record<string, string> = {
  ".pdf": "application/pdf",
  ".json": "application/json",
  ".txt": "text/plain",
  ".csv": "text/csv",
  ".xml": "application/xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
};

const SERVICE = { service: { type: "string" } } as const;

/** The service is required: --service or $PHARMACHAIN_SERVICE, checked before anything connects. */
function needService(ctx: Parameters<Command["run"]>[0]): void {
  if (!serviceUrl(ctx)) throw new UsageError("--service URL (or $PHARMACHAIN_SERVICE) is required");
}

async function connect(ctx: Parameters<Command["run"]>[0]): Promise<DocumentClient> {
  const service = serviceUrl(ctx);
  if (!service) throw new UsageError("--service URL (or $PHARMACHAIN_SERVICE) is required");
  const c = await writeClient(ctx);
  return DocumentClient.signIn(service, c.runner as Signer, c.chainId, c);
}

const line = (d: DocumentSummary): string =>
  `${d.id}  ${d.kind} of ${d.subject}: ${d.size.toLocaleString("en")} bytes ${d.contentType}, ${d.status}` +
  (d.access ? `, you may open: ${d.access}` : "");

export const DOC_COMMANDS: Record<string, Command> = {
  "doc put": {
    summary:
      "upload a document to the service (--service URL): it is 'anchored' when its keccak-256 or SHA-256 is the " +
      "subject's on-chain hash of its kind, else kept 'awaiting anchor' with the hash to anchor",
    usage:
      "doc put FILE --kind KIND --subject lot:0x…|shipment:N|order:N|stakeholder:0x…|product:GTIN [--content-type T] --service URL",
    args: [{ name: "FILE", format: "file", noun: "document" }],
    options: {
      kind: { type: "string", format: "document-kind", required: true },
      subject: { type: "string", format: "subject", required: true },
      "content-type": { type: "string", format: "media-type" },
      ...SERVICE,
    },
    check: needService,
    example:
      "pharmachain doc put coa.pdf --kind certificateOfAnalysis --subject lot:0x3c9f7f6e5a4b2d1c0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d --service http://127.0.0.1:8787",
    async run(ctx) {
      const file = arg(ctx, 0, "FILE");
      if (!fs.existsSync(file)) throw new NotFoundError(`no file at ${file}`);
      const contentType =
        str(ctx, "content-type") ?? TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
      const docs = await connect(ctx);
      const stored = await docs.put(fs.readFileSync(file), {
        kind: str(ctx, "kind", true)!,
        subject: str(ctx, "subject", true)!,
        contentType,
        fileName: path.basename(file),
      });
      return {
        lines: [
          line(stored),
          stored.anchor
            ? `  anchored: its ${stored.anchor.algorithm} is ${stored.anchor.anchor} (${stored.anchor.source})`
            : `  awaiting anchor: anchor keccak-256 ${stored.keccak256} or SHA-256 ${stored.sha256} on chain`,
        ],
        json: stored,
      };
    },
  },
  "doc get": {
    summary:
      "download a document from the service and check it: its bytes against the hashes stated, its hash against " +
      "the anchor read from the chain (nothing is written when either fails)",
    usage: "doc get ID --out FILE [--redacted] --service URL",
    args: [{ name: "ID", format: "document-id" }],
    options: { out: { type: "string", required: true }, redacted: { type: "boolean" }, ...SERVICE },
    check: needService,
    example: "pharmachain doc get 3f0c9a1e-2b4d-4c6e-8f10-1a2b3c4d5e6f --out coa.pdf --service http://127.0.0.1:8787",
    async run(ctx) {
      const id = arg(ctx, 0, "ID");
      const out = str(ctx, "out", true)!;
      const docs = await connect(ctx);
      const doc = await docs.get(id, ctx.values.redacted === true ? { view: "redacted" } : {});
      fs.writeFileSync(out, doc.bytes);
      const anchor =
        doc.checked.anchorOnChain === true
          ? `its ${doc.anchor!.algorithm} is on chain as ${doc.anchor!.anchor} (checked)`
          : doc.checked.anchorOnChain;
      return {
        lines: [
          `${doc.kind} of ${doc.subject} (${doc.view}${doc.redacted ? `, without ${doc.redacted.fields.join(", ")}` : ""}): ${doc.bytes.length.toLocaleString("en")} bytes written to ${out}`,
          `  keccak-256 ${doc.keccak256}, SHA-256 ${doc.sha256}; ${anchor}`,
        ],
        json: { ...doc, bytes: undefined, out },
      };
    },
  },
  "doc list": {
    summary: "the documents of a subject that you may see on the service, and what you may open of each",
    usage: "doc list SUBJECT --service URL",
    args: [{ name: "SUBJECT", format: "subject" }],
    options: { ...SERVICE },
    check: needService,
    example:
      "pharmachain doc list lot:0x3c9f7f6e5a4b2d1c0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d --service http://127.0.0.1:8787",
    async run(ctx) {
      const subject = arg(ctx, 0, "SUBJECT");
      const docs = await connect(ctx);
      const list = await docs.list(subject);
      return {
        lines: list.length === 0 ? [`no document of ${subject} that you may see`] : list.map(line),
        json: list,
      };
    },
  },
};
