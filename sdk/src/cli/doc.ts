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
    options: { kind: { type: "string" }, subject: { type: "string" }, "content-type": { type: "string" }, ...SERVICE },
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
    options: { out: { type: "string" }, redacted: { type: "boolean" }, ...SERVICE },
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
    options: { ...SERVICE },
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
