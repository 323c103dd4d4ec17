/**
 * The alerts service as a child process for the kill-and-restart test: opens PGlite in ALERTS_DB_DIR, subscribes
 * HOOK_URL to order alerts on first start, runs the watcher and the deliverer, prints "ready", stops on SIGTERM.
 */
import { randomUUID } from "crypto";
import { PharmaChainClient, deploymentFromJson } from "@pharmachain/sdk";
import { newSecret, startWatcher } from "../src/alerts";
import { openDb, rpcProvider } from "./alerts-helpers";

async function main(): Promise<void> {
  const env = process.env;
  const db = await openDb(env.ALERTS_DB_DIR);
  const provider = rpcProvider(env.RPC_URL!);
  const deployment = deploymentFromJson(JSON.parse(env.DEPLOYMENT!));
  const client = await PharmaChainClient.connect({ runner: provider, deployment });
  const { rows } = await db.query("SELECT id FROM alert_subscriptions");
  if (rows.length === 0) {
    await db.query(
      "INSERT INTO alert_subscriptions (id, owner, url, secret, kinds) VALUES ($1, $2, $3, $4, ARRAY['order.placed'])",
      [randomUUID(), "0x0000000000000000000000000000000000000001", env.HOOK_URL, newSecret()],
    );
  }
  const handle = startWatcher({
    db,
    chain: { provider, client, deployment },
    config: {
      confirmations: 0,
      fromBlock: Number(env.FROM_BLOCK),
      pollIntervalMs: 100,
      webhook: { allowLoopback: true, timeoutMs: 1500, leaseMs: 2000, backoffBaseMs: 100, concurrency: 2 },
    },
  });
  process.once("SIGTERM", () => {
    void handle
      .stop()
      .then(() => db.close())
      .then(() => process.exit(0));
  });
  process.stdout.write("ready\n");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
