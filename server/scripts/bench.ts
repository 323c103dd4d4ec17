/**
 * `npm run bench:service`: the service under load, against a local Hardhat node on this machine, with the demo's
 * 100,000-pack lot (seeded by `runDemo`).
 *
 * - service.verify: single-pack GET verifications of random packs of the lot, from a separate process (load.js),
 *   CONNECTIONS keep-alive connections for SECONDS seconds; requests per second and p95 from per-request times.
 * - service.dscsa.batch100: one POST /dscsa/verify of 100 Lightweight Messaging requests, median and p95 of RUNS.
 * - sdk.verifyPack: the SDK's direct `verifyPack` over JSON-RPC (a lot read and a `verifyBatch` eth_call a pack), the
 *   same random packs, sequentially (median, p95) and with CONNECTIONS calls in flight (per second).
 * - cli.verify: the CLI's one-shot `pharmachain verify SCAN --manifest FILE` (a new process: Node, the SDK, reading
 *   the 100,000-serial manifest, one verification), median of CLI_RUNS.
 * - documents.get: GET /documents/{id} of 100 KB documents by 16 signed-in readers from a separate process
 *   (server/scripts/bench-documents.ts), SECONDS seconds; p95 from per-request times.
 * - alerts.recall.deliveryMs.p95: measured by the alerts part of the service (not on this branch): null here.
 *
 * Writes bench/service.json and prints a table. Environment: BENCH_SECONDS (20), BENCH_CONNECTIONS (32),
 * BENCH_PACKS (100000).
 */
import { spawn, spawnSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { JsonRpcProvider } from "ethers";
import { Manifest, PharmaChainClient, packToDigitalLink, verifyPack } from "@pharmachain/sdk";
import { runDemo } from "../../scripts/demo";
import { startNode } from "../../test/helpers/node";
import { defaultConfig } from "../src/config";
import { startService } from "../src/start";
import { benchDocuments, type DocumentsBench } from "./bench-documents";

const ROOT = path.join(__dirname, "..", "..");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const PACKS = Number(process.env.BENCH_PACKS ?? 100_000);
const RUNS = 20;
const CLI_RUNS = 3;
const GTIN = "00300010123455";
const REQ_GLN = "0614141073467";

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const round = (x: number): number => Math.round(x * 100) / 100;

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pharmachain-bench-"));
  const node = await startNode();
  try {
    console.log(`Seeding the demo (${PACKS.toLocaleString("en")} packs) on a Hardhat node…`);
    const rpc = new JsonRpcProvider(node.url, undefined, { cacheTimeout: -1, staticNetwork: true });
    const demo = await runDemo({
      provider: { request: ({ method, params }) => rpc.send(method, (params as unknown[] | undefined) ?? []) },
      networkName: "localhost",
      packs: PACKS,
      quiet: true,
    });
    const deployment = { ...demo.deployment, chainId: demo.chainId };
    const main = demo.lots[0];
    const manifest = Manifest.fromSerials(main.serials);
    const expiry = new URL(demo.verdicts[0].scan).searchParams.get("17")!;
    const linkOf = (i: number): string =>
      packToDigitalLink({ gtin: GTIN, lot: main.lotNumber, serial: main.serials[i], expiry });
    const random = (): number => Math.floor(Math.random() * main.serials.length);
    const pathsFile = path.join(tmp, "paths.txt");
    fs.writeFileSync(
      pathsFile,
      Array.from({ length: 20_000 }, () => {
        const u = new URL(linkOf(random()));
        return u.pathname + u.search;
      }).join("\n") + "\n",
    );

    const running = await startService({
      rpc: node.url,
      deployment,
      database: "memory://",
      config: defaultConfig({ port: 0, logLevel: "warn", mirrorPollMs: 1000 }),
      beforeListen: async (service) => {
        for (const lot of demo.lots) await service.serials.put(lot.lotId, Manifest.fromSerials(lot.serials), "bench");
      },
    });
    const results: Record<string, unknown> = {};
    try {
      console.log(`Service on ${running.url}: ${CONNECTIONS} connections for ${SECONDS} s from a separate process…`);
      const load = await new Promise<Record<string, number>>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [path.join(__dirname, "load.js"), running.url, pathsFile, String(CONNECTIONS), String(SECONDS)],
          {
            stdio: ["ignore", "pipe", "inherit"],
          },
        );
        let out = "";
        child.stdout.on("data", (c: Buffer) => (out += c.toString()));
        child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load exited ${code}`))));
      });
      results["service.verify"] = load;

      const lms = Array.from({ length: 100 }, (_, i) => {
        const u = new URL(linkOf(random()));
        return `${u.pathname}${u.search}&linkType=verificationService&context=dscsaSaleableReturn&reqGLN=${REQ_GLN}&corrUUID=00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
      });
      const batchTimes: number[] = [];
      for (let i = 0; i < RUNS + 2; i++) {
        const t = performance.now();
        const res = await fetch(`${running.url}/dscsa/verify`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(lms),
        });
        const answers = (await res.json()) as unknown[];
        if (res.status !== 200 || answers.length !== 100) throw new Error(`batch answered ${res.status}`);
        if (i >= 2) batchTimes.push(performance.now() - t);
      }
      results["service.dscsa.batch100"] = {
        runs: RUNS,
        medianMs: round(percentile(batchTimes, 50)),
        p95Ms: round(percentile(batchTimes, 95)),
      };

      console.log("Documents: 16 readers of 100 KB documents…");
      results["documents.get"] = await benchDocuments(running.url, rpc, demo.chainId, main.lotId, SECONDS);
    } finally {
      await running.stop();
    }

    console.log("The SDK's direct verifyPack over JSON-RPC…");
    const client = await PharmaChainClient.connect({ runner: rpc, deployment });
    const manifests = { manifests: () => manifest };
    const sequential: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t = performance.now();
      await verifyPack(client, linkOf(random()), manifests);
      sequential.push(performance.now() - t);
    }
    let done = 0;
    const concurrentTimes: number[] = [];
    const t0 = Date.now();
    const deadline = t0 + Math.min(SECONDS, 10) * 1000;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (Date.now() < deadline) {
          const t = performance.now();
          await verifyPack(client, linkOf(random()), manifests);
          concurrentTimes.push(performance.now() - t);
          done++;
        }
      }),
    );
    results["sdk.verifyPack"] = {
      sequentialMedianMs: round(percentile(sequential, 50)),
      sequentialP95Ms: round(percentile(sequential, 95)),
      concurrent: CONNECTIONS,
      perSecond: Math.round(done / ((Date.now() - t0) / 1000)),
      concurrentP95Ms: round(percentile(concurrentTimes, 95)),
    };
    rpc.destroy();

    console.log("The CLI's one-shot verify…");
    const manifestFile = path.join(tmp, "manifest.json");
    await manifest.save(manifestFile);
    const deploymentFile = path.join(tmp, "deployment.json");
    fs.writeFileSync(deploymentFile, JSON.stringify({ ...demo.deployment, chainId: demo.chainId.toString() }, null, 2));
    const { saveDeployment } = await import("@pharmachain/sdk");
    saveDeployment(deploymentFile, deployment);
    const cliTimes: number[] = [];
    for (let i = 0; i < CLI_RUNS; i++) {
      const t = performance.now();
      const r = spawnSync(
        process.execPath,
        [
          path.join(ROOT, "sdk", "bin", "pharmachain.js"),
          "verify",
          linkOf(random()),
          "--rpc",
          node.url,
          "--deployment",
          deploymentFile,
          "--manifest",
          manifestFile,
          "--json",
          "-q",
        ],
        { encoding: "utf8" },
      );
      if (r.status !== 0 && r.status !== 1) throw new Error(`pharmachain verify exited ${r.status}: ${r.stderr}`);
      cliTimes.push(performance.now() - t);
    }
    results["cli.verify"] = { runs: CLI_RUNS, medianMs: round(percentile(cliTimes, 50)) };

    const service = results["service.verify"] as Record<string, number>;
    const batch = results["service.dscsa.batch100"] as Record<string, number>;
    const metrics = {
      "service.verify.perSecond": service.perSecond,
      "service.verify.p95.ms": service.p95,
      "service.dscsa.batch100.ms": batch.medianMs,
      "alerts.recall.deliveryMs.p95": null,
      "documents.get.p95.ms": (results["documents.get"] as DocumentsBench).p95,
    };
    const goals = {
      "service.verify.perSecond": ">= 5000",
      "service.verify.p95.ms": "<= 20",
      "service.dscsa.batch100.ms": "<= 200",
      "alerts.recall.deliveryMs.p95": "<= 1000",
      "documents.get.p95.ms": "<= 20",
    };
    const report = {
      when: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      loadAverage: os.loadavg().map((x) => round(x)),
      setup: { packs: PACKS, connections: CONNECTIONS, seconds: SECONDS, chain: "hardhat node (same machine)" },
      metrics,
      goals,
      notes: {
        "alerts.recall.deliveryMs.p95": "measured by the alerts part of the service, built on another branch",
      },
      ...results,
    };
    fs.mkdirSync(path.join(ROOT, "bench"), { recursive: true });
    fs.writeFileSync(path.join(ROOT, "bench", "service.json"), JSON.stringify(report, null, 2) + "\n");

    const rows: [string, string, string][] = [
      ["service.verify.perSecond", String(service.perSecond), goals["service.verify.perSecond"]],
      ["service.verify.p95.ms", String(service.p95), goals["service.verify.p95.ms"]],
      ["service.verify.p50.ms", String(service.p50), ""],
      ["service.dscsa.batch100.ms (median)", String(batch.medianMs), goals["service.dscsa.batch100.ms"]],
      ["service.dscsa.batch100.ms (p95)", String(batch.p95Ms), ""],
      ["alerts.recall.deliveryMs.p95", "not on this branch", goals["alerts.recall.deliveryMs.p95"]],
      ["documents.get.p95.ms", String(metrics["documents.get.p95.ms"]), goals["documents.get.p95.ms"]],
      ["documents.get.p50.ms", String((results["documents.get"] as DocumentsBench).p50), ""],
    ];
    const sdk = results["sdk.verifyPack"] as Record<string, number>;
    rows.push(["sdk.verifyPack sequential median ms", String(sdk.sequentialMedianMs), ""]);
    rows.push(["sdk.verifyPack sequential p95 ms", String(sdk.sequentialP95Ms), ""]);
    rows.push([`sdk.verifyPack perSecond (${CONNECTIONS} in flight)`, String(sdk.perSecond), ""]);
    rows.push([
      "cli.verify one-shot median ms",
      String((results["cli.verify"] as Record<string, number>).medianMs),
      "",
    ]);
    console.log(`\n| metric | value | goal |\n|---|---|---|`);
    for (const [m, v, g] of rows) console.log(`| ${m} | ${v} | ${g} |`);
    console.log(
      `\n${service.requests.toLocaleString("en")} requests (${service.non200} not 200, ${service.errors} errors, ${service.verified} verified) in ${service.seconds} s; written to bench/service.json`,
    );
  } finally {
    await node.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
