/**
 * alerts.recall.deliveryMs: from a recall transaction mined to its webhook received, with 0 confirmations, on a local
 * Hardhat node (spawned on a free port) with the watcher, the deliverer and the receiver in this process and PGlite in
 * memory. The manufacturer recalls a lot and the council lifts the recall, `--samples` times; each recall's time runs
 * from the moment `eth_sendTransaction` returns (Hardhat mines on send) to the receiver's arrival of the webhook whose
 * id is the recall's `txHash:logIndex`. Prints a table and writes bench/alerts.json.
 *
 *   npm run bench:alerts --workspace @pharmachain/server [-- --samples 40 --poll-ms 250]
 */
import fs from "fs";
import os from "os";
import path from "path";
import { parseArgs } from "util";
import { randomUUID } from "crypto";
import { newSecret, startWatcher } from "../src/alerts";
import { buildWorld, openDb, Receiver, startNode } from "../test/alerts-helpers";

function quantile(sorted: number[], q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { samples: { type: "string" }, "poll-ms": { type: "string" } } });
  const samples = Number(values.samples ?? 40);
  const pollMs = Number(values["poll-ms"] ?? 250);
  const node = await startNode();
  const receiver = new Receiver();
  const arrived = new Map<string, number>();
  receiver.answer = (r, res) => {
    arrived.set(r.id.split(":")[0], performance.now());
    res.writeHead(204).end();
  };
  try {
    const db = await openDb();
    const w = await buildWorld(node.url);
    const url = await receiver.start();
    await db.query(
      "INSERT INTO alert_subscriptions (id, owner, url, secret, kinds) VALUES ($1, $2, $3, $4, ARRAY['lot.recalled'])",
      [randomUUID(), w.distributor.address.toLowerCase(), url, newSecret()],
    );
    const lotId = await w.commission("BENCH1");
    const handle = startWatcher({
      db,
      chain: w.chain,
      config: { confirmations: 0, fromBlock: w.deployBlock, pollIntervalMs: pollMs, webhook: { allowLoopback: true } },
    });
    const lots = w.as(w.manufacturer).lots;
    const council = w.as(w.council).lots;
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const tx = await lots.recallLot(lotId, "0x" + (i + 1).toString(16).padStart(64, "0")).catch((e) => {
        throw new Error(`recall ${i}: ${e.message}`);
      });
      const mined = performance.now();
      await tx.wait().catch((e) => {
        throw new Error(`wait ${i}: ${e.message}`);
      });
      const until = Date.now() + 10_000;
      while (!arrived.has(tx.hash) && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
      if (!arrived.has(tx.hash)) throw new Error(`recall ${tx.hash} not delivered in 10 s`);
      times.push(arrived.get(tx.hash)! - mined);
      await (await council.liftRecall(lotId, "0x" + "ff".repeat(32))).wait().catch((e) => {
        throw new Error(`lift ${i}: ${e.message}`);
      });
      // recalls land at random moments of the watcher's poll cycle
      await new Promise((r) => setTimeout(r, Math.random() * pollMs));
    }
    await handle.stop();
    await db.close();
    const sorted = [...times].sort((a, b) => a - b);
    const round = (x: number): number => Math.round(x * 10) / 10;
    const result = {
      when: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
      setup: {
        chain: "hardhat node (automine), JSON-RPC on loopback",
        confirmations: 0,
        pollIntervalMs: pollMs,
        database: "PGlite in memory",
        samples,
        from: "eth_sendTransaction returned (mined)",
        to: "webhook received",
      },
      "alerts.recall.deliveryMs.p50": round(quantile(sorted, 0.5)),
      "alerts.recall.deliveryMs.p95": round(quantile(sorted, 0.95)),
      "alerts.recall.deliveryMs.max": round(sorted[sorted.length - 1]),
      goal: { "alerts.recall.deliveryMs.p95": 1000 },
    };
    console.log("metric                            value");
    console.log(`alerts.recall.deliveryMs.p50  ${String(result["alerts.recall.deliveryMs.p50"]).padStart(9)} ms`);
    console.log(
      `alerts.recall.deliveryMs.p95  ${String(result["alerts.recall.deliveryMs.p95"]).padStart(9)} ms  (goal <= 1,000)`,
    );
    console.log(`alerts.recall.deliveryMs.max  ${String(result["alerts.recall.deliveryMs.max"]).padStart(9)} ms`);
    console.log(`(${samples} recalls, 0 confirmations, watcher polling every ${pollMs} ms)`);
    const out = path.join(__dirname, "..", "..", "bench", "alerts.json");
    fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
    console.log(`wrote bench/alerts.json`);
  } finally {
    await receiver.stop();
    await node.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
