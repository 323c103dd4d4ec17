/**
 * The documents' benchmark, `documents.get.p95.ms`: GET /documents/{id} of 100 KB documents by 16 concurrent
 * signed-in readers (one session and keep-alive connection each: the regulator, the lot's manufacturer and a
 * distributor that held its packs), from a separate process (load.js), for SECONDS seconds; p95 from per-request
 * times. Each request runs the reader's transaction under row-level security, unwraps the data key and decrypts.
 *
 * `benchDocuments` is called by `npm run bench:service` (server/scripts/bench.ts) on its service. Run alone
 * (`npx ts-node --transpile-only server/scripts/bench-documents.ts`), it starts a Hardhat node with the demo
 * (BENCH_PACKS, 1,000 by default), measures, and writes `documents.get.p95.ms` into bench/service.json, leaving
 * the other metrics as they are.
 */
import { spawn } from "child_process";
import crypto from "crypto";
import fs from "fs";
import os from "os";
import path from "path";
import { JsonRpcProvider } from "ethers";
import { DocumentClient } from "@pharmachain/sdk";

export const DOCUMENT_READERS = 16;
export const DOCUMENT_BYTES = 100 * 1024;
/** Hardhat's well-known development accounts of the demo (scripts/demo.ts): regulator, manufacturer, distributor A. */
const READER_ACCOUNTS = [1, 2, 3];

export interface DocumentsBench {
  documents: number;
  bytes: number;
  readers: number;
  requests: number;
  non200: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Uploads 20 documents of 100 KB to the lot and loads GET /documents/{id} with 16 readers for `seconds`. */
export async function benchDocuments(
  url: string,
  rpc: JsonRpcProvider,
  chainId: bigint,
  lotId: string,
  seconds: number,
): Promise<DocumentsBench> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pharmachain-bench-docs-"));
  try {
    const manufacturer = await DocumentClient.signIn(url, await rpc.getSigner(2), chainId);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const stored = await manufacturer.put(crypto.randomBytes(DOCUMENT_BYTES), {
        kind: "certificateOfAnalysis",
        subject: `lot:${lotId}`,
        contentType: "application/pdf",
      });
      ids.push(stored.id);
    }
    const headers: Array<Record<string, string>> = [];
    for (let i = 0; i < DOCUMENT_READERS; i++) {
      const account = READER_ACCOUNTS[i % READER_ACCOUNTS.length];
      const reader = await DocumentClient.signIn(url, await rpc.getSigner(account), chainId);
      // every reader may read them: a refusal would measure something else
      const doc = await reader.get(ids[0]);
      if (doc.bytes.length !== DOCUMENT_BYTES) throw new Error(`reader ${account} read ${doc.bytes.length} bytes`);
      headers.push({ authorization: `Bearer ${reader.token}` });
    }
    const pathsFile = path.join(tmp, "paths.txt");
    fs.writeFileSync(pathsFile, ids.map((id) => `/documents/${id}`).join("\n") + "\n");
    const headersFile = path.join(tmp, "headers.json");
    fs.writeFileSync(headersFile, JSON.stringify(headers));
    const load = await new Promise<Record<string, number>>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [path.join(__dirname, "load.js"), url, pathsFile, String(DOCUMENT_READERS), String(seconds), headersFile],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      let out = "";
      child.stdout.on("data", (c: Buffer) => (out += c.toString()));
      child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load exited ${code}`))));
    });
    return {
      documents: ids.length,
      bytes: DOCUMENT_BYTES,
      readers: DOCUMENT_READERS,
      requests: load.requests,
      non200: load.non200,
      errors: load.errors,
      seconds: load.seconds,
      perSecond: load.perSecond,
      p50: load.p50,
      p95: load.p95,
      p99: load.p99,
      max: load.max,
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { runDemo } = await import("../../scripts/demo");
  const { startNode } = await import("../../test/helpers/node");
  const { defaultConfig } = await import("../src/config");
  const { startService } = await import("../src/start");
  const { DocumentKey } = await import("../src/documents");
  const packs = Number(process.env.BENCH_PACKS ?? 1000);
  const seconds = Number(process.env.BENCH_SECONDS ?? 20);
  const node = await startNode();
  try {
    console.log(`Seeding the demo (${packs.toLocaleString("en")} packs) on a Hardhat node…`);
    const rpc = new JsonRpcProvider(node.url, undefined, { cacheTimeout: -1, staticNetwork: true });
    const demo = await runDemo({
      provider: { request: ({ method, params }) => rpc.send(method, (params as unknown[] | undefined) ?? []) },
      networkName: "localhost",
      packs,
      quiet: true,
    });
    const running = await startService({
      rpc: node.url,
      deployment: { ...demo.deployment, chainId: demo.chainId },
      database: "memory://",
      config: defaultConfig({
        port: 0,
        logLevel: "warn",
        mirrorPollMs: 1000,
        alerts: false,
        documents: { key: DocumentKey.ephemeral() },
      }),
    });
    try {
      console.log(`Service on ${running.url}: ${DOCUMENT_READERS} readers of 100 KB documents for ${seconds} s…`);
      const result = await benchDocuments(running.url, rpc, demo.chainId, demo.lots[0].lotId, seconds);
      const file = path.join(__dirname, "..", "..", "bench", "service.json");
      const report = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : { metrics: {}, goals: {} };
      report.metrics["documents.get.p95.ms"] = result.p95;
      report.goals["documents.get.p95.ms"] = "<= 20";
      report["documents.get"] = {
        when: new Date().toISOString(),
        loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
        setup: `${packs} packs demo, ${DOCUMENT_READERS} readers, ${seconds} s, run alone (server/scripts/bench-documents.ts)`,
        ...result,
      };
      fs.writeFileSync(file, JSON.stringify(report, null, 2) + "\n");
      console.log(`\n| metric | value | goal |\n|---|---|---|`);
      console.log(`| documents.get.p95.ms | ${result.p95} | <= 20 |`);
      console.log(`| documents.get.p50.ms | ${result.p50} | |`);
      console.log(`| documents.get.perSecond | ${result.perSecond} | |`);
      console.log(
        `\n${result.requests.toLocaleString("en")} requests (${result.non200} not 200, ${result.errors} errors) in ${result.seconds} s; written to bench/service.json`,
      );
    } finally {
      await running.stop();
      rpc.destroy();
    }
  } finally {
    await node.stop();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  });
}
