/**
 * The service's database: PGlite (PostgreSQL compiled to WebAssembly) in a data folder or in memory as the embedded
 * default, PostgreSQL through `pg` in production. Both take the same SQL; the migrations in `server/migrations` are
 * applied in lexical order, each once, recorded in `schema_migrations`.
 */
import fs from "fs";
import path from "path";

/** What the service needs of a database: queries with `$1` parameters, transactions, and closing. */
export interface Db {
  query<T = any>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** `pglite` or `postgres`. */
  readonly engine: "pglite" | "postgres";
  /** Runs a script of several statements, without parameters (migrations: function bodies with `;` inside work). */
  script?(sql: string): Promise<void>;
  /**
   * Runs several statements without parameters in one round trip and answers the rows of each (values must be
   * written in with `escapeLiteral`). A script that opens a transaction is rolled back when a statement fails.
   */
  batch?(sql: string): Promise<any[][]>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A string as an SQL literal (pg's escaping: quotes doubled, backslashes in an E'' string). */
export function escapeLiteral(value: string): string {
  if (value.includes("\0")) throw new Error("an SQL literal cannot hold a NUL character");
  const quoted = value.replace(/'/g, "''");
  return value.includes("\\") ? ` E'${quoted.replace(/\\/g, "\\\\")}'` : `'${quoted}'`;
}

/** The folder of the SQL migrations. */
export const MIGRATIONS_DIR = path.join(__dirname, "..", "migrations");

/**
 * Opens a database: a `postgres://` or `postgresql://` URL is PostgreSQL; `memory://` is an in-memory PGlite; anything
 * else is a folder for PGlite's files (created if missing). Migrations are applied before it is returned.
 */
export async function openDatabase(urlOrDir: string, options: { migrate?: boolean } = {}): Promise<Db> {
  const db = /^postgres(ql)?:\/\//i.test(urlOrDir) ? await openPostgres(urlOrDir) : await openPglite(urlOrDir);
  if (options.migrate !== false) {
    try {
      await migrate(db);
    } catch (error) {
      await db.close();
      throw error;
    }
  }
  return db;
}

async function openPglite(dir: string): Promise<Db> {
  const { PGlite } = await import("@electric-sql/pglite");
  let dataDir: string | undefined;
  if (dir !== "memory://" && dir !== "") {
    fs.mkdirSync(dir, { recursive: true });
    dataDir = path.resolve(dir);
  }
  const pg = new PGlite(dataDir);
  await pg.waitReady;
  // PGlite runs one statement at a time; a transaction holds it, so other queries wait for it rather than interleave.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };
  const inner = (q: Pick<typeof pg, "query" | "exec">): Db => ({
    engine: "pglite",
    query: async (sql, params) => ({ rows: (await q.query(sql, params as unknown[])).rows as never[] }),
    script: async (sql) => void (await q.exec(sql)),
    transaction: () => {
      throw new Error("nested transactions are not supported");
    },
    close: async () => undefined,
  });
  return {
    engine: "pglite",
    query: (sql, params) => serial(async () => ({ rows: (await pg.query(sql, params as unknown[])).rows as never[] })),
    script: (sql) => serial(async () => void (await pg.exec(sql))),
    batch: (sql) =>
      serial(async () => {
        try {
          return (await pg.exec(sql)).map((r) => r.rows as never[]);
        } catch (error) {
          await pg.exec("rollback").catch(() => undefined);
          throw error;
        }
      }),
    transaction: (fn) => serial(() => pg.transaction((tx) => fn(inner(tx)))),
    close: async () => {
      await queue;
      await pg.close();
    },
  };
}

async function openPostgres(url: string): Promise<Db> {
  const { Pool } = await import("pg");
  const pool = new Pool({ connectionString: url, max: 10 });
  // an idle connection the server ends (a restart, a failover) is dropped and replaced; it must not crash the process
  pool.on("error", () => undefined);
  // one round trip now, so that a wrong URL fails at start, not at the first request
  await pool.query("select 1");
  return {
    engine: "postgres",
    query: async (sql, params) => ({ rows: (await pool.query(sql, params as unknown[])).rows }),
    script: async (sql) => void (await pool.query(sql)),
    batch: async (sql) => {
      const client = await pool.connect();
      try {
        const result = (await client.query(sql)) as unknown;
        return (Array.isArray(result) ? result : [result]).map((r: { rows: never[] }) => r.rows);
      } catch (error) {
        await client.query("rollback").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    transaction: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query("begin");
        const tx: Db = {
          engine: "postgres",
          query: async (sql, params) => ({ rows: (await client.query(sql, params as unknown[])).rows }),
          // without parameters pg sends the simple query protocol, which takes several statements
          script: async (sql) => void (await client.query(sql)),
          transaction: () => {
            throw new Error("nested transactions are not supported");
          },
          close: async () => undefined,
        };
        const result = await fn(tx);
        await client.query("commit");
        return result;
      } catch (error) {
        await client.query("rollback").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** Applies the migrations not yet applied, each in its own transaction, in lexical order of their file names. */
export async function migrate(db: Db, dir: string = MIGRATIONS_DIR): Promise<string[]> {
  await db.query(
    "create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())",
  );
  const done = new Set(
    (await db.query<{ name: string }>("select name from schema_migrations")).rows.map((r) => r.name),
  );
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort();
  const applied: string[] = [];
  for (const file of files) {
    if (done.has(file)) continue;
    const sql = fs.readFileSync(path.join(dir, file), "utf8");
    await db.transaction(async (tx) => {
      if (tx.script) await tx.script(sql);
      else for (const statement of splitStatements(sql)) await tx.query(statement);
      await tx.query("insert into schema_migrations (name) values ($1)", [file]);
    });
    applied.push(file);
  }
  return applied;
}

/** For a database without `script`: statements split at semicolons that end a line. */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\r?\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, "").trim())
    .filter((s) => s.length > 0);
}
