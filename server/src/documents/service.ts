/**
 * The document store: uploads checked against their on-chain anchors and sealed at rest, reads under the read-access
 * matrix, every read and refusal audited. What a reader may see is decided by the database: reads run in a
 * transaction under the non-owner role `pharmachain_reader`, with the reader's address and role set, and the row-level
 * security policies of migration 201 return only the rows the matrix allows. The code decides only which refusal to
 * name.
 */
import crypto from "crypto";
import { keccak256 } from "ethers";
import type { PharmaChainClient } from "@pharmachain/sdk";
import type { Account } from "../auth";
import { escapeLiteral, type Db } from "../db";
import { ProblemError } from "../problem";
import { ChainFacts, parseSubject, type AnchorFact, type Subject, type SubjectFacts } from "./chain";
import { DocumentKey, open, seal } from "./crypto";
import { cellOf, policyRows, type AccessPolicy, type Cell, type DocumentKind } from "./policy";

export interface DocumentSummary {
  id: string;
  kind: string;
  subject: string;
  uploader: string;
  status: "anchored" | "awaiting-anchor";
  keccak256: string;
  sha256: string;
  anchor: (AnchorFact & { algorithm: "keccak256" | "sha256" }) | null;
  size: number;
  contentType: string;
  fileName: string | null;
  createdAt: string;
  /** What this reader may open: the content, its redacted view, or the summary only. */
  access?: "full" | "redacted" | "summary";
}

export interface UploadInput {
  kind: string;
  subject: string;
  contentType: string;
  bytes: Buffer;
  fileName?: string;
  /** The hash the uploader expects (keccak-256 or SHA-256, 0x-hex): a mismatch is refused. */
  expectedHash?: string;
}

export interface DocumentRead {
  summary: DocumentSummary;
  view: "full" | "redacted";
  body: Buffer;
  contentType: string;
  /** For a redacted view: its own keccak-256 and the fields removed. */
  redacted?: { keccak256: string; removed: string[] };
}

export interface DocumentServiceOptions {
  db: Db;
  client: PharmaChainClient;
  policy: AccessPolicy;
  key: DocumentKey;
  /** The largest document accepted, in bytes (default 25 MB). */
  maxBytes?: number;
}

export const DEFAULT_MAX_DOCUMENT_BYTES = 25 * 1024 * 1024;
/** The sealed contents kept in memory (still encrypted there), at most this many bytes. */
const SEALED_CACHE_BYTES = 64 * 1024 * 1024;

interface DocumentMeta {
  kind: string;
  subject: string;
  subject_role: string;
}

interface SealedRow {
  keyId: string;
  wrappedKey: Buffer;
  content: { iv: Buffer; tag: Buffer; ciphertext: Buffer };
  redaction?: { keccak256: string; removed: string[]; sealed: { iv: Buffer; tag: Buffer; ciphertext: Buffer } };
}

const hex = (b: Buffer | Uint8Array): string => "0x" + Buffer.from(b).toString("hex");
const mediaType = (contentType: string): string => contentType.split(";")[0].trim().toLowerCase();

interface SummaryRow {
  id: string;
  kind: string;
  subject: string;
  uploader: string;
  status: "anchored" | "awaiting-anchor";
  keccak256: string;
  sha256: string;
  anchor: DocumentSummary["anchor"] | string | null;
  size: number;
  content_type: string;
  file_name: string | null;
  created_at: Date | string;
  full?: boolean;
  restricted?: boolean;
}

const SUMMARY_COLUMNS =
  "d.id, d.kind, d.subject, d.uploader, d.status, d.keccak256, d.sha256, d.anchor, d.size, d.content_type, d.file_name, d.created_at";

/** A document's summary and whether its content and redacted view are visible to the reader; the id follows. */
const VISIBLE_SELECT =
  `select ${SUMMARY_COLUMNS}, exists (select 1 from document_contents c where c.id = d.id) as full, ` +
  "exists (select 1 from document_redactions r where r.id = d.id) as restricted from documents d where d.id =";

function summaryOf(row: SummaryRow): DocumentSummary {
  const anchor = typeof row.anchor === "string" ? JSON.parse(row.anchor) : row.anchor;
  return {
    id: row.id,
    kind: row.kind,
    subject: row.subject,
    uploader: row.uploader,
    status: row.status,
    keccak256: row.keccak256,
    sha256: row.sha256,
    anchor: anchor ?? null,
    size: Number(row.size),
    contentType: row.content_type,
    fileName: row.file_name,
    createdAt: new Date(row.created_at).toISOString(),
    ...(row.full === undefined ? {} : { access: row.full ? "full" : row.restricted ? "redacted" : "summary" }),
  };
}

/**
 * Runs the short scripts of concurrent requests (a reader's visibility query in its own transaction, an audit row)
 * together, in one round trip to the database: on PGlite, which runs one statement at a time, the calls and not the
 * queries were most of a read's cost. Each script keeps its own transaction; when a batch fails, every request in
 * it fails (none is retried: the statements before the failing one may have been committed).
 */
class BatchRunner {
  private pending: Array<{
    sql: string;
    statements: number;
    resolve(rows: unknown[][]): void;
    reject(e: unknown): void;
  }> = [];
  private draining = false;

  constructor(private readonly batch: (sql: string) => Promise<unknown[][]>) {}

  run(sql: string, statements: number): Promise<unknown[][]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ sql, statements, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const jobs = this.pending.splice(0, 64);
        try {
          const results = await this.batch(jobs.map((j) => j.sql).join("\n"));
          let at = 0;
          for (const j of jobs) {
            j.resolve(results.slice(at, at + j.statements));
            at += j.statements;
          }
        } catch (error) {
          // statements before the failing one may have been committed: retrying could write an audit row twice
          for (const j of jobs) j.reject(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}

export class DocumentService {
  readonly facts: ChainFacts;
  readonly maxBytes: number;
  private readonly metaCache = new Map<string, DocumentMeta>();
  private readonly sealedCache = new Map<string, SealedRow>();
  private sealedBytes = 0;
  /** `subject|reader` pairs known to be in document_parties (rows there are never removed). */
  private readonly knownParties = new Set<string>();
  private readonly runner?: BatchRunner;
  /** PGlite (one session): the visibility query is a prepared statement, planned once for the reader role. */
  private prepared = false;

  constructor(private readonly options: DocumentServiceOptions) {
    this.facts = new ChainFacts(options.client);
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
    const batch = options.db.batch?.bind(options.db);
    if (batch) this.runner = new BatchRunner(batch);
  }

  get policy(): AccessPolicy {
    return this.options.policy;
  }

  /** Writes the policy's cells into `document_policy`, which the row-level security policies read. */
  async init(): Promise<void> {
    const rows = policyRows(this.options.policy);
    await this.options.db.transaction(async (tx) => {
      await tx.query("delete from document_policy");
      await tx.query(
        "insert into document_policy (reader_role, kind, subject_role, cell) " +
          "select * from unnest($1::text[], $2::text[], $3::text[], $4::text[])",
        [
          rows.map((r) => r.readerRole),
          rows.map((r) => r.kind),
          rows.map((r) => r.subjectRole),
          rows.map((r) => r.cell),
        ],
      );
    });
    if (this.options.db.engine === "pglite" && this.options.db.batch) {
      const { rows: found } = await this.options.db.query(
        "select 1 from pg_prepared_statements where name = 'pharmachain_document_visible'",
      );
      if (found.length === 0) {
        await this.options.db.batch(`prepare pharmachain_document_visible(text) as ${VISIBLE_SELECT} $1`);
      }
      this.prepared = true;
    }
  }

  /** Runs `fn` in a transaction under the non-owner role, as `account`: row-level security filters what it reads. */
  asReader<T>(account: Pick<Account, "address" | "role">, fn: (tx: Db) => Promise<T>): Promise<T> {
    return this.options.db.transaction(async (tx) => {
      await tx.query("select set_config('pharmachain.reader', $1, true), set_config('pharmachain.role', $2, true)", [
        account.address.toLowerCase(),
        String(account.role),
      ]);
      await tx.query("set local role pharmachain_reader");
      return fn(tx);
    });
  }

  async audit(
    account: Pick<Account, "address" | "role">,
    entry: {
      action: "upload" | "read" | "list" | "audit";
      outcome: "allowed" | "refused";
      documentId?: string;
      subject?: string;
      kind?: string;
      cell?: string;
      view?: string;
      reason?: string;
    },
  ): Promise<void> {
    const values = [
      account.address.toLowerCase(),
      String(account.role),
      entry.action,
      entry.outcome,
      entry.documentId ?? null,
      entry.subject ?? null,
      entry.kind ?? null,
      entry.cell ?? null,
      entry.view ?? null,
      entry.reason ?? null,
    ];
    const insert =
      "insert into document_audit (reader, reader_role, action, outcome, document_id, subject, kind, cell, view, reason) ";
    if (this.runner) {
      // written with the other requests' rows of this moment, in one round trip; the answer waits for it
      await this.runner.run(
        `${insert}values (${values.map((v) => (v === null ? "null" : escapeLiteral(v))).join(", ")});`,
        1,
      );
    } else {
      await this.options.db.query(`${insert}values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, values);
    }
  }

  /** Refuses an account without standing (not a stakeholder, suspended, revoked, licence expired): 403. */
  private requireStanding(account: Account): void {
    if (account.role === "None") {
      throw new ProblemError(403, "not-a-stakeholder", `${account.address} is not a stakeholder`, "authorization");
    }
    if (!account.standing.authorised) {
      const why =
        account.standing.status !== "Active"
          ? `its record is ${String(account.standing.status)}`
          : `its licence expired (valid until ${account.standing.validUntil})`;
      throw new ProblemError(403, "no-standing", `${account.address} has no standing: ${why}`, "authorization", {
        standing: account.standing,
      });
    }
  }

  /** Records the subject's parties read from the chain (only added to: every relation is for good). */
  private async recordParties(facts: SubjectFacts): Promise<void> {
    if (facts.parties.length === 0) return;
    await this.options.db.query(
      "insert into document_parties (subject, account, relation, block_number) " +
        "select $1, a, r, $4 from unnest($2::text[], $3::text[]) as t(a, r) on conflict do nothing",
      [facts.subject.text, facts.parties.map((p) => p.account), facts.parties.map((p) => p.relation), facts.block],
    );
  }

  /** Makes sure the facts of `subject` as they concern `reader` are in the database (read from the chain when not). */
  async ensureFacts(subject: Subject, reader: string): Promise<void> {
    const key = `${subject.text}|${reader.toLowerCase()}`;
    if (this.knownParties.has(key)) return;
    const { rows } = await this.options.db.query(
      "select 1 from document_parties where subject = $1 and account = $2 limit 1",
      [subject.text, reader.toLowerCase()],
    );
    if (rows.length > 0) {
      this.knownParties.add(key);
      return;
    }
    await this.recordParties(await this.facts.read(subject, reader));
  }

  private kindOf(name: string): DocumentKind {
    const kind = this.options.policy.kinds[name];
    if (!kind) {
      throw new ProblemError(
        400,
        "unknown-kind",
        `"${name}" is not a document kind (${Object.keys(this.options.policy.kinds).join(", ")})`,
        "x-document-kind",
      );
    }
    return kind;
  }

  /** Stores a document: all checks first, then one transaction; a refusal stores nothing (but is audited). */
  async upload(account: Account, input: UploadInput): Promise<DocumentSummary> {
    let subjectText: string | undefined;
    try {
      this.requireStanding(account);
      const kind = this.kindOf(input.kind);
      const subject = parseSubject(input.subject, "x-document-subject");
      subjectText = subject.text;
      if (subject.type !== kind.subject) {
        throw new ProblemError(
          400,
          "wrong-subject-type",
          `a ${input.kind} is about a ${kind.subject}, not a ${subject.type}`,
          "x-document-subject",
        );
      }
      const type = mediaType(input.contentType);
      if (!kind.contentTypes.includes(type)) {
        throw new ProblemError(
          415,
          "content-type-not-allowed",
          `a ${input.kind} is one of ${kind.contentTypes.join(", ")}, not ${type}`,
          "content-type",
        );
      }
      if (input.bytes.length === 0) throw new ProblemError(400, "empty-document", "the document is empty", "body");
      if (input.bytes.length > this.maxBytes) {
        throw new ProblemError(
          413,
          "document-too-large",
          `the document is ${input.bytes.length} bytes, more than ${this.maxBytes}`,
          "body",
        );
      }
      const keccak = keccak256(input.bytes).toLowerCase();
      const sha = hex(crypto.createHash("sha256").update(input.bytes).digest());
      if (input.expectedHash !== undefined) {
        const expected = input.expectedHash.toLowerCase();
        if (expected !== keccak && expected !== sha) {
          throw new ProblemError(
            422,
            "hash-mismatch",
            `the document's keccak-256 is ${keccak} and its SHA-256 ${sha}, neither is ${expected}: nothing stored`,
            "x-expected-hash",
            { keccak256: keccak, sha256: sha },
          );
        }
      }
      const facts = await this.facts.read(subject, account.address);
      const me = account.address.toLowerCase();
      const relations = new Set(facts.parties.filter((p) => p.account === me).map((p) => p.relation));
      const may = kind.uploaders.some((u) => {
        switch (u) {
          case "regulator":
            return account.role === "Regulator";
          case "lot.manufacturer":
          case "product.manufacturer":
            return relations.has("manufacturer");
          case "shipment.seller":
            return relations.has("seller");
          case "stakeholder.self":
            return relations.has("self");
          case "lot.party":
          case "shipment.party":
          case "order.party":
            return relations.size > 0;
        }
      });
      if (!may) {
        throw new ProblemError(
          403,
          "not-an-uploader",
          `a ${input.kind} of ${subject.text} is uploaded by ${kind.uploaders.join(" or ")}; ${account.address} is not`,
          "authorization",
        );
      }
      let anchor: DocumentSummary["anchor"] = null;
      for (const a of facts.anchors.filter((f) => f.anchor === kind.anchor)) {
        if (a.hash === keccak) anchor = { ...a, algorithm: "keccak256" };
        else if (a.hash === sha) anchor = { ...a, algorithm: "sha256" };
        if (anchor) break;
      }
      let redaction: { json: Buffer; removed: string[] } | undefined;
      if (type === "application/json") {
        let parsed: unknown;
        try {
          parsed = JSON.parse(input.bytes.toString("utf8"));
        } catch (error) {
          throw new ProblemError(400, "invalid-json", `not JSON: ${(error as Error).message}`, "body");
        }
        if (kind.restrictedFields.length > 0 && typeof parsed === "object" && parsed && !Array.isArray(parsed)) {
          const copy = { ...(parsed as Record<string, unknown>) };
          const removed = kind.restrictedFields.filter((f) => f in copy);
          for (const f of removed) delete copy[f];
          redaction = { json: Buffer.from(JSON.stringify({ ...copy, _redacted: removed }), "utf8"), removed };
        }
      }
      const id = crypto.randomUUID();
      const { key, wrapped } = this.options.key.newDataKey(id);
      const content = seal(key, input.bytes, Buffer.from(`${id}:${keccak}`));
      const redacted = redaction && seal(key, redaction.json, Buffer.from(`${id}:redacted`));
      const status = anchor ? "anchored" : "awaiting-anchor";
      await this.recordParties(facts);
      const row = await this.options.db.transaction(async (tx) => {
        const { rows } = await tx.query<SummaryRow>(
          "insert into documents as d (id, kind, subject, subject_type, subject_role, uploader, status, keccak256, sha256, " +
            "anchor, size, content_type, file_name, redacted) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) " +
            `returning ${SUMMARY_COLUMNS}`,
          [
            id,
            input.kind,
            subject.text,
            subject.type,
            facts.subjectRole,
            me,
            status,
            keccak,
            sha,
            anchor ? JSON.stringify(anchor) : null,
            input.bytes.length,
            type,
            input.fileName ?? null,
            redacted !== undefined,
          ],
        );
        await tx.query(
          "insert into document_contents (id, key_id, wrapped_key, iv, tag, ciphertext) values ($1, $2, $3, $4, $5, $6)",
          [id, this.options.key.id, wrapped, content.iv, content.tag, content.ciphertext],
        );
        if (redaction && redacted) {
          await tx.query(
            "insert into document_redactions (id, key_id, wrapped_key, keccak256, removed, iv, tag, ciphertext) " +
              "values ($1, $2, $3, $4, $5, $6, $7, $8)",
            [
              id,
              this.options.key.id,
              wrapped,
              keccak256(redaction.json).toLowerCase(),
              redaction.removed,
              redacted.iv,
              redacted.tag,
              redacted.ciphertext,
            ],
          );
        }
        return rows[0];
      });
      await this.audit(account, {
        action: "upload",
        outcome: "allowed",
        documentId: id,
        subject: subject.text,
        kind: input.kind,
        reason: status,
      });
      return summaryOf(row);
    } catch (error) {
      if (error instanceof ProblemError) {
        await this.audit(account, {
          action: "upload",
          outcome: "refused",
          ...(subjectText ? { subject: subjectText } : {}),
          kind: input.kind,
          reason: `${error.slug}: ${error.message}`,
        });
      }
      throw error;
    }
  }

  /** The cell of `account` for a stored document, and the facts it needs recorded first. */
  private async prepare(account: Account, row: DocumentMeta): Promise<Cell> {
    const cell = cellOf(this.options.policy, String(account.role), row.kind, row.subject_role);
    if (cell === "ifInvolved") await this.ensureFacts(parseSubject(row.subject), account.address);
    return cell;
  }

  /**
   * What `account` may see of a document, as the database decides: its summary row and whether its content and its
   * redacted view are visible to it, in one round trip (a transaction under the reader role).
   */
  private async visible(
    account: Account,
    id: string,
  ): Promise<{ summary?: SummaryRow; full: boolean; restricted: boolean }> {
    const L = escapeLiteral;
    if (!this.runner) {
      const row = await this.asReader(
        account,
        async (tx) => (await tx.query<SummaryRow>(`${VISIBLE_SELECT} $1`, [id])).rows[0],
      );
      return { summary: row, full: row?.full === true, restricted: row?.restricted === true };
    }
    const results = await this.runner.run(
      "begin; " +
        `select set_config('pharmachain.reader', ${L(account.address.toLowerCase())}, true), ` +
        `set_config('pharmachain.role', ${L(String(account.role))}, true); ` +
        "set local role pharmachain_reader; " +
        (this.prepared ? `execute pharmachain_document_visible(${L(id)});` : `${VISIBLE_SELECT} ${L(id)};`) +
        " commit;",
      5,
    );
    const row = results[3]?.[0] as SummaryRow | undefined;
    return { summary: row, full: row?.full === true, restricted: row?.restricted === true };
  }

  /** A document's sealed content and redacted view (immutable, so kept in memory once read; still sealed there). */
  private async sealed(id: string): Promise<SealedRow> {
    const cached = this.sealedCache.get(id);
    if (cached) return cached;
    // bytea as hex text: PGlite parses a bytea column of 100 KB several times slower
    const { rows } = await this.options.db.query<Record<string, string | string[] | null>>(
      "select c.key_id, encode(c.wrapped_key, 'hex') as wrapped_key, encode(c.iv, 'hex') as iv, " +
        "encode(c.tag, 'hex') as tag, encode(c.ciphertext, 'hex') as ciphertext, r.keccak256 as r_keccak256, " +
        "r.removed as r_removed, encode(r.iv, 'hex') as r_iv, encode(r.tag, 'hex') as r_tag, " +
        "encode(r.ciphertext, 'hex') as r_ciphertext " +
        "from document_contents c left join document_redactions r on r.id = c.id where c.id = $1",
      [id],
    );
    const r = rows[0];
    if (!r) throw new Error(`document ${id} has no content row`);
    const h = (v: unknown): Buffer => Buffer.from(String(v), "hex");
    const row: SealedRow = {
      keyId: String(r.key_id),
      wrappedKey: h(r.wrapped_key),
      content: { iv: h(r.iv), tag: h(r.tag), ciphertext: h(r.ciphertext) },
      ...(r.r_ciphertext
        ? {
            redaction: {
              keccak256: String(r.r_keccak256),
              removed: r.r_removed as string[],
              sealed: { iv: h(r.r_iv), tag: h(r.r_tag), ciphertext: h(r.r_ciphertext) },
            },
          }
        : {}),
    };
    const size = row.content.ciphertext.length + (row.redaction?.sealed.ciphertext.length ?? 0);
    this.sealedBytes += size;
    this.sealedCache.set(id, row);
    for (const [old, value] of this.sealedCache) {
      if (this.sealedBytes <= SEALED_CACHE_BYTES) break;
      this.sealedCache.delete(old);
      this.sealedBytes -= value.content.ciphertext.length + (value.redaction?.sealed.ciphertext.length ?? 0);
    }
    return row;
  }

  /** Reads a document as `account`: its content, its redacted view, or a refusal naming why. Audited either way. */
  async read(account: Account, id: string, wanted?: "full" | "redacted"): Promise<DocumentRead> {
    let meta: DocumentMeta | undefined;
    let cell: Cell | undefined;
    try {
      this.requireStanding(account);
      meta = await this.meta(id);
      if (!meta) throw new ProblemError(404, "unknown-document", `no document ${id}`, "id");
      cell = await this.prepare(account, meta);
      const found = await this.visible(account, id);
      const refuse = (slug: string, detail: string): never => {
        throw new ProblemError(403, slug, detail, "id", { cell });
      };
      const who = `${String(account.role)} ${account.address}`;
      if (!found.summary) {
        refuse(
          cell === "ifInvolved" ? "not-involved" : "not-allowed",
          cell === "ifInvolved"
            ? `${who} is not a party to ${meta.subject} (the matrix reads "If involved" for a ${meta.kind})`
            : `the matrix gives ${String(account.role)} no access to a ${meta.kind} (cell "${cell}")`,
        );
      }
      const summary = summaryOf(found.summary!);
      const audit = (view: string) =>
        this.audit(account, {
          action: "read",
          outcome: "allowed",
          documentId: id,
          subject: meta!.subject,
          kind: meta!.kind,
          cell: cell!,
          view,
        });
      if (found.full && wanted !== "redacted") {
        const sealed = await this.sealed(id);
        const key = this.options.key.unwrap(id, sealed.wrappedKey, sealed.keyId);
        const body = open(key, sealed.content, Buffer.from(`${id}:${summary.keccak256}`));
        await audit("full");
        return { summary, view: "full", body, contentType: summary.contentType };
      }
      if (found.restricted && (!found.full || wanted === "redacted")) {
        const sealed = await this.sealed(id);
        const r = sealed.redaction!;
        const key = this.options.key.unwrap(id, sealed.wrappedKey, sealed.keyId);
        const body = open(key, r.sealed, Buffer.from(`${id}:redacted`));
        await audit("redacted");
        return {
          summary,
          view: "redacted",
          body,
          contentType: "application/json",
          redacted: { keccak256: r.keccak256, removed: r.removed },
        };
      }
      if (cell === "withRestriction" || wanted === "redacted") {
        return refuse(
          "no-redacted-view",
          `this ${meta.kind} has no redacted view (only JSON objects with restricted fields have one); its summary is in GET /documents?subject=${meta.subject}`,
        );
      }
      return refuse(
        "summary-only",
        `the matrix gives ${String(account.role)} the public summary of a ${meta.kind} only (cell "${cell}"): GET /documents?subject=${meta.subject}`,
      );
    } catch (error) {
      if (error instanceof ProblemError) {
        await this.audit(account, {
          action: "read",
          outcome: "refused",
          documentId: id,
          ...(meta ? { subject: meta.subject, kind: meta.kind } : {}),
          ...(cell ? { cell } : {}),
          reason: `${error.slug}: ${error.message}`,
        });
      }
      throw error;
    }
  }

  /** A stored document's kind and subject (immutable: kept once read). Nothing of it is returned to the reader. */
  private async meta(id: string): Promise<DocumentMeta | undefined> {
    const cached = this.metaCache.get(id);
    if (cached) return cached;
    const row = (
      await this.options.db.query<DocumentMeta>("select kind, subject, subject_role from documents where id = $1", [id])
    ).rows[0];
    if (row) {
      this.metaCache.set(id, row);
      if (this.metaCache.size > 100_000) this.metaCache.delete(this.metaCache.keys().next().value!);
    }
    return row;
  }

  /** The documents of a subject this account may see (row-level security filters them), each with its access. */
  async list(account: Account, subjectText: string): Promise<DocumentSummary[]> {
    try {
      this.requireStanding(account);
      const subject = parseSubject(subjectText);
      const kinds = Object.entries(this.options.policy.kinds).filter(([, k]) => k.subject === subject.type);
      if (
        kinds.some(
          ([name]) =>
            this.options.policy.matrix[account.role as "Regulator"] !== undefined &&
            cellOfAny(this.options.policy, String(account.role), name) === "ifInvolved",
        )
      ) {
        await this.ensureFacts(subject, account.address).catch((error) => {
          // an unknown subject lists nothing rather than failing
          if (!(error instanceof ProblemError && error.status === 404)) throw error;
        });
      }
      const rows = await this.asReader(
        account,
        async (tx) =>
          (
            await tx.query<SummaryRow>(
              `select ${SUMMARY_COLUMNS}, exists (select 1 from document_contents c where c.id = d.id) as full, ` +
                "exists (select 1 from document_redactions r where r.id = d.id) as restricted " +
                "from documents d where d.subject = $1 order by d.created_at, d.id",
              [subject.text],
            )
          ).rows,
      );
      await this.audit(account, {
        action: "list",
        outcome: "allowed",
        subject: subject.text,
        reason: `${rows.length} visible`,
      });
      return rows.map(summaryOf);
    } catch (error) {
      if (error instanceof ProblemError) {
        await this.audit(account, {
          action: "list",
          outcome: "refused",
          subject: subjectText,
          reason: `${error.slug}: ${error.message}`,
        });
      }
      throw error;
    }
  }

  /** The audit log as this account may read it (regulators: all of it; others: their own entries), newest first. */
  async auditLog(
    account: Account,
    filter: { documentId?: string; limit?: number } = {},
  ): Promise<Array<Record<string, unknown>>> {
    this.requireStanding(account);
    const rows = await this.asReader(
      account,
      async (tx) =>
        (
          await tx.query(
            "select seq, at, reader, reader_role, action, outcome, document_id, subject, kind, cell, view, reason " +
              "from document_audit where ($1::text is null or document_id = $1) order by seq desc limit $2",
            [filter.documentId ?? null, Math.min(filter.limit ?? 100, 1000)],
          )
        ).rows,
    );
    return rows.map((r) => ({ ...r, seq: Number(r.seq), at: new Date(r.at).toISOString() }));
  }
}

/** A kind's cell for a role, `ifInvolved` when any subject role's cell is (stakeholder kinds). */
function cellOfAny(policy: AccessPolicy, role: string, kind: string): Cell {
  const value = policy.matrix[role as "Regulator"]?.[kind];
  if (!value) return "no";
  if ("bySubjectRole" in value) {
    return Object.values(value.bySubjectRole).some((c) => c.cell === "ifInvolved") ? "ifInvolved" : "no";
  }
  return value.cell;
}
