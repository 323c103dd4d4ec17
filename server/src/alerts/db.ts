/**
 * The database the alerts use: the service core's interface (PGlite or PostgreSQL behind it), declared here so the
 * alerts depend on nothing else of the core.
 */
import fs from "fs";
import path from "path";

export interface Db {
  query<T = any>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The folder of the server's SQL migrations; the alerts' are `1xx_*.sql`. */
export const MIGRATIONS_DIR = path.join(__dirname, "..", "..", "migrations");

/** Splits a migration into statements (ours hold no semicolons inside strings or bodies). */
export function statementsOf(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) =>
      s
        .split("\n")
        .filter((line) => !line.trim().startsWith("--"))
        .join("\n")
        .trim(),
    )
    .filter((s) => s.length > 0);
}

/**
 * Applies the alerts' migrations (`1xx_*.sql`) not yet applied, each in a transaction, recording them in
 * `schema_migrations`. The service core runs every migration the same way; this lets the alerts run alone.
 */
export async function applyAlertMigrations(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  await db.query(
    "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
  );
  const done = new Set(
    (await db.query<{ name: string }>("SELECT name FROM schema_migrations")).rows.map((r) => r.name),
  );
  const applied: string[] = [];
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => /^1\d\d_.*\.sql$/.test(f))
    .sort()) {
    if (done.has(file)) continue;
    const sql = fs.readFileSync(path.join(dir, file), "utf8");
    await db.transaction(async (tx) => {
      for (const statement of statementsOf(sql)) await tx.query(statement);
      await tx.query("INSERT INTO schema_migrations (name) VALUES ($1)", [file]);
    });
    applied.push(file);
  }
  return applied;
}
