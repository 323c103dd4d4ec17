/**
 * Test helpers for the alerts: PGlite behind the core's `Db` interface, a Hardhat node on a free port, a small supply
 * chain driven through the SDK, a webhook receiver that verifies signatures and deduplicates by id, and a fastify app
 * with the alerts plugin and a TEST preHandler that takes the account from the `x-test-account` header (the service
 * core wires its Sign-In-with-Ethereum `requireAccount` instead).
 */
import http from "http";
import { AddressInfo } from "net";
import { createHash, randomUUID } from "crypto";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { FetchRequest, HDNodeWallet, JsonRpcProvider, JsonRpcSigner } from "ethers";
import Fastify, { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Webhook } from "standardwebhooks";
import {
  Manifest,
  PharmaChainClient,
  Role,
  batchRecordHash,
  buildLotAttestation,
  deployProtocol,
  gtinToUint64,
  signLotAttestation,
} from "@pharmachain/sdk";
import { applyAlertMigrations, Db } from "../src/alerts/db";
import { alertsPlugin } from "../src/alerts/plugin";
import type { AlertsConfigInput } from "../src/alerts/config";
import type { ChainContext } from "../src/alerts/watcher";

import { ChildProcess, spawn } from "child_process";
import path from "path";
import { freePort } from "../../test/helpers/node";

type PgLike = Pick<PGlite, "query">;

function adapter(pg: PgLike, top?: PGlite): Db {
  return {
    query: async (sql, params) => {
      const r = await pg.query(sql, params as unknown[] | undefined);
      return { rows: r.rows as never[] };
    },
    transaction: (fn) => (top ? top.transaction((tx) => fn(adapter(tx))) : fn(adapter(pg))),
    close: async () => {
      if (top) await top.close();
    },
  };
}

/**
 * PostgreSQL through `pg` as the core's `Db`, in a schema of its own (named after `key`, so a restarted process finds
 * its data again), for the run against a real server (`ALERTS_TEST_DATABASE_URL`).
 */
async function openPostgres(url: string, key: string): Promise<Db> {
  const schema = "alerts_test_" + createHash("sha256").update(key).digest("hex").slice(0, 12);
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await setup.end();
  const pool = new pg.Pool({ connectionString: url, options: `-c search_path=${schema}`, max: 4 });
  const of = (q: pg.Pool | pg.PoolClient): Db => ({
    query: async (sql, params) => ({ rows: (await q.query(sql, params as unknown[] | undefined)).rows }),
    transaction: async (fn) => {
      if (q !== pool) return fn(of(q));
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await fn(of(client));
        await client.query("COMMIT");
        return result;
      } catch (e) {
        await client.query("ROLLBACK");
        throw e;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  });
  return of(pool);
}

/**
 * PGlite (in memory, or in `dir`) as the core's `Db`, with the alerts' migrations applied; PostgreSQL instead when
 * `ALERTS_TEST_DATABASE_URL` is set (`npm run test:alerts:postgres`).
 */
export async function openDb(dir?: string): Promise<Db> {
  const url = process.env.ALERTS_TEST_DATABASE_URL;
  if (url) {
    const db = await openPostgres(url, dir ?? randomUUID());
    await applyAlertMigrations(db);
    return db;
  }
  const pg = new PGlite(dir);
  await pg.waitReady;
  const db = adapter(pg, pg);
  await applyAlertMigrations(db);
  return db;
}

export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
export const GTIN = "00300010123455";
export const DAY = 86_400;

export interface World {
  provider: JsonRpcProvider;
  client: PharmaChainClient;
  chain: ChainContext;
  as: (who: JsonRpcSigner) => PharmaChainClient;
  council: JsonRpcSigner;
  regulator: JsonRpcSigner;
  manufacturer: JsonRpcSigner;
  distributor: JsonRpcSigner;
  distributor2: JsonRpcSigner;
  pharmacy: JsonRpcSigner;
  gtin: bigint;
  deployBlock: number;
  licenceUntil: number;
  /** The manifests of the lots `commission` made, by lot id. */
  manifests: Map<string, Manifest>;
  /** Commissions a released lot of `packs` packs expiring `days` days after the latest block. */
  commission: (lotNumber: string, packs?: number, days?: number) => Promise<string>;
}

export interface RunningNode {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts `hardhat node` on a free port; `stop()` ends it by its pid (and so does this process's exit). */
export async function startNode(timeoutMs = 120_000): Promise<RunningNode> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [require.resolve("hardhat/internal/cli/cli"), "node", "--port", String(port), "--hostname", "127.0.0.1"],
    {
      cwd: path.join(__dirname, "..", ".."),
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" },
    },
  );
  const pid = child.pid!;
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) process.kill(pid, "SIGTERM");
  };
  process.once("exit", killOnExit);
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`hardhat node did not start in ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes("Started HTTP and WebSocket JSON-RPC server")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`hardhat node exited with ${code}:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid,
    stop: () =>
      new Promise<void>((resolve) => {
        process.off("exit", killOnExit);
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.removeAllListeners("exit");
        child.once("exit", () => resolve());
        process.kill(pid, "SIGTERM");
      }),
  };
}

let shared: Promise<{ node: RunningNode; world: World }> | undefined;

/**
 * One node and one world for all the alerts' test files (each file reads from the block it starts at); the node
 * stops when the test process exits.
 */
export function sharedChain(): Promise<{ node: RunningNode; world: World }> {
  shared ??= (async () => {
    const node = await startNode();
    return { node, world: await buildWorld(node.url) };
  })();
  return shared;
}

/**
 * A JSON-RPC provider without kept-alive sockets (PGlite's cold start blocks the event loop for seconds; a kept-alive
 * socket the node closed meanwhile would fail the next call with "socket hang up"), and no 250 ms answer cache.
 */
export function rpcProvider(url: string): JsonRpcProvider {
  const request = new FetchRequest(url);
  request.getUrlFunc = FetchRequest.createGetUrlFunc({ agent: new http.Agent({ keepAlive: false }) });
  const provider = new JsonRpcProvider(request, undefined, { cacheTimeout: -1, staticNetwork: true });
  provider.pollingInterval = 50;
  return provider;
}

export async function now(provider: JsonRpcProvider): Promise<number> {
  return (await provider.getBlock("latest"))!.timestamp;
}

/** Deploys the protocol on the node at `url` and onboards a regulator, a manufacturer, two distributors, a pharmacy. */
export async function buildWorld(url: string): Promise<World> {
  const provider = rpcProvider(url);
  const [council, regulator, manufacturer, distributor, distributor2, pharmacy] = await Promise.all(
    [0, 1, 2, 3, 4, 5].map((i) => provider.getSigner(i)),
  );
  const deployBlock = (await provider.getBlockNumber()) + 1;
  const deployment = await deployProtocol(council);
  const client = await PharmaChainClient.connect({ runner: council, deployment });
  const as = (s: JsonRpcSigner): PharmaChainClient => client.withRunner(s);
  const licenceUntil = (await now(provider)) + 365 * DAY;
  await as(council).appointRegulator({
    account: regulator.address,
    gln: 614141000005n,
    jurisdiction: "US",
    validUntil: licenceUntil,
  });
  const parties: [JsonRpcSigner, Role][] = [
    [manufacturer, Role.Manufacturer],
    [distributor, Role.Distributor],
    [distributor2, Role.Distributor],
    [pharmacy, Role.Dispenser],
  ];
  for (const [party, role] of parties) {
    await as(party).applyForRole({ role, gln: 614141073467n, jurisdiction: "US" });
    await as(regulator).approveStakeholder(party.address, licenceUntil);
  }
  const gtin = gtinToUint64(GTIN);
  await as(manufacturer).registerProduct(gtin, "Example tablets");
  await as(regulator).approveProduct(gtin);
  const regulatorKey = HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, "m/44'/60'/0'/0/1");
  const manifests = new Map<string, Manifest>();
  const commission = async (lotNumber: string, packs = 10, days = 700): Promise<string> => {
    const manifest = await Manifest.fromSerials(Array.from({ length: packs }, (_, i) => `${lotNumber}S${i}`));
    const t = await now(provider);
    const attestation = buildLotAttestation({
      gtin,
      lotNumber,
      expiresAt: BigInt(t + days * DAY),
      unitCount: packs,
      serialsRoot: manifest.root,
      dataHash: batchRecordHash(`batch record ${lotNumber}`),
      manufacturer: manufacturer.address,
      deadline: BigInt(t + 7 * DAY),
    });
    const domain = client.domain();
    const written = await as(manufacturer).commissionLot({
      attestation,
      manufacturerSignature: {
        signer: manufacturer.address,
        signature: await signLotAttestation(manufacturer, domain, attestation),
      },
      regulatorSignature: {
        signer: regulatorKey.address,
        signature: await signLotAttestation(regulatorKey, domain, attestation),
      },
    });
    manifests.set(written.lotId, manifest);
    return written.lotId;
  };
  return {
    provider,
    client,
    chain: { provider, client, deployment },
    as,
    council,
    regulator,
    manufacturer,
    distributor,
    distributor2,
    pharmacy,
    gtin,
    deployBlock,
    licenceUntil,
    manifests,
    commission,
  };
}

export interface Received {
  id: string;
  body: string;
  headers: http.IncomingHttpHeaders;
  event: { id: string; type: string; subject?: string; data: Record<string, unknown> } & Record<string, unknown>;
}

/**
 * A webhook receiver on loopback. `answer` decides each response (default 204). It verifies the Standard Webhooks
 * signature when `secrets` has the subscription's secret, and deduplicates by `webhook-id`: `processed` holds each id
 * once, `requests` every request.
 */
export class Receiver {
  readonly requests: Received[] = [];
  readonly processed = new Map<string, Received>();
  readonly secrets: string[] = [];
  badSignatures = 0;
  answer: (r: Received, res: http.ServerResponse) => void | Promise<void> = (_r, res) => void res.writeHead(204).end();
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let event: Received["event"];
      try {
        event = JSON.parse(body);
      } catch {
        res.writeHead(400).end();
        return;
      }
      const id = String(req.headers["webhook-id"]);
      const r: Received = { id, body, headers: req.headers, event };
      if (this.secrets.length > 0) {
        const ok = this.secrets.some((s) => {
          try {
            new Webhook(s).verify(body, req.headers as Record<string, string>);
            return true;
          } catch {
            return false;
          }
        });
        if (!ok) this.badSignatures++;
      }
      this.requests.push(r);
      void Promise.resolve(this.answer(r, res)).then(() => {
        if (res.statusCode >= 200 && res.statusCode < 300 && !this.processed.has(id)) this.processed.set(id, r);
      });
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  kinds(): string[] {
    return [...this.processed.values()].map((r) => r.event.type.replace("org.pharmachain.", ""));
  }
}

/** TEST ONLY: the account is whatever the `x-test-account` header says (standing from `x-test-standing`). */
export async function testRequireAccount(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const address = request.headers["x-test-account"];
  if (typeof address !== "string") {
    await reply
      .code(401)
      .type("application/problem+json")
      .send({ type: "about:blank", title: "Unauthorized", status: 401 });
    return;
  }
  (request as unknown as { account: unknown }).account = {
    address,
    role: "test",
    standing: (request.headers["x-test-standing"] as string | undefined) ?? "active",
  };
}

export async function testApp(db: Db, chain: ChainContext, config: AlertsConfigInput): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(alertsPlugin, { db, chain, requireAccount: testRequireAccount, config });
  await app.ready();
  return app;
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  what = "condition",
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
