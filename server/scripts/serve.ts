/**
 * `npm run serve`: the service with its own local chain. Starts a Hardhat node, deploys and seeds the demo's supply
 * chain on it (`runDemo`: the same parties, lots and events as `npm run demo`), stores the demo lots' serial lists,
 * and serves on http://127.0.0.1:8787 until Ctrl-C.
 *
 *   npm run serve -- [--port N] [--out DIR] [--packs N] [--database DIR|memory://|postgres://…]
 *
 * `--out DIR` writes the demo's report.json (its `verdicts` hold scans to try against the service), the EPCIS exports,
 * and deployment.json (for `pharmachain --rpc … --deployment …`). Loopback clients are not rate-limited here.
 */
import fs from "fs";
import os from "os";
import path from "path";
import { parseArgs } from "util";
import { JsonRpcProvider } from "ethers";
import { Manifest, saveDeployment } from "@pharmachain/sdk";
import { runDemo } from "../../scripts/demo";
import { startNode } from "../../test/helpers/node";
import { configFromEnv } from "../src/config";
import { DocumentKey } from "../src/documents/crypto";
import { startService } from "../src/start";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string" },
      out: { type: "string" },
      packs: { type: "string" },
      database: { type: "string" },
    },
    allowPositionals: false,
  });
  const packs = values.packs ? Number(values.packs) : 100_000;
  if (!Number.isInteger(packs) || packs < 1000) throw new Error("--packs must be a whole number of at least 1,000");
  const config = configFromEnv();
  config.port = values.port !== undefined ? Number(values.port) : Number(process.env.PHARMACHAIN_PORT ?? 8787);
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535)
    throw new Error("--port must be a port");
  if (values.host) config.host = values.host;
  config.mirrorPollMs = Math.min(config.mirrorPollMs, 500);
  const database = values.database ?? process.env.PHARMACHAIN_DATABASE ?? path.join(".pharmachain", "serve-db");

  console.log("Starting a local Hardhat node…");
  const node = await startNode();
  let stopping = false;
  try {
    const rpc = new JsonRpcProvider(node.url, undefined, { cacheTimeout: -1, staticNetwork: true });
    const t0 = Date.now();
    console.log(`Seeding the demo's supply chain (${packs.toLocaleString("en")} packs) on ${node.url}…`);
    const demo = await runDemo({
      provider: { request: ({ method, params }) => rpc.send(method, (params as unknown[] | undefined) ?? []) },
      networkName: "localhost",
      packs,
      quiet: true,
      ...(values.out ? { out: values.out } : {}),
    });
    rpc.destroy();
    console.log(`Seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${demo.lots.length} lots.`);
    const deployment = { ...demo.deployment, chainId: demo.chainId };
    const deploymentFile = path.join(
      values.out ?? fs.mkdtempSync(path.join(os.tmpdir(), "pharmachain-serve-")),
      "deployment.json",
    );
    saveDeployment(deploymentFile, deployment);

    // the document store's key-encryption key: from the environment, or an ephemeral one (said so in the banner)
    const keyed = Boolean(process.env.PHARMACHAIN_DOCUMENT_KEY || process.env.PHARMACHAIN_DOCUMENT_KEY_FILE);
    if (!keyed) config.documents = { ...(config.documents || {}), key: DocumentKey.ephemeral() };
    const documentKeyNote = keyed
      ? "sealed under the key of PHARMACHAIN_DOCUMENT_KEY(_FILE)"
      : "sealed under an EPHEMERAL key: unreadable after a restart (set PHARMACHAIN_DOCUMENT_KEY to keep them)";
    const running = await startService({
      rpc: node.url,
      deployment,
      database,
      // the page names the demo's parties ("pharmacy A") beside their role and GLN
      config: { ...config, partyNames: { ...demo.names, ...config.partyNames } },
      beforeListen: async (service) => {
        for (const lot of demo.lots) await service.serials.put(lot.lotId, Manifest.fromSerials(lot.serials), "demo");
      },
    });
    const main = demo.verdicts[0];
    console.log(`
PharmaChain service on ${running.url}  (database: ${running.db.engine} ${database})
  chain         ${node.url} (chain ${demo.chainId}), deployment ${deploymentFile}
  web page      ${running.url}/${config.webRoot ? "" : "  (not built: npm run build)"}
  try           curl -H 'Accept: application/json' '${running.url}${new URL(main.scan).pathname}${new URL(main.scan).search}'
  OpenAPI       ${running.url}/openapi.json
  documents     ${documentKeyNote}
${values.out ? `  report        ${demo.reportFile}\n` : ""}Ctrl-C stops.`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    stopping = true;
    console.log("\nStopping…");
    await running.stop();
  } finally {
    await node.stop();
    if (stopping) console.log("Stopped.");
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
