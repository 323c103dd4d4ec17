/**
 * The service as a real network sees it, and the CLI against it: a Hardhat node seeded with the demo (1,000-pack main
 * lot), the service started as `pharmachain-server` would (JSON-RPC, a deployment, a database, a port), and the CLI's
 * `serials upload`, `verify --service` and `dispense --service` as separate processes with Hardhat's well-known keys.
 */
import { expect } from "chai";
import { spawn } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { JsonRpcProvider } from "ethers";
import { saveDeployment } from "@pharmachain/sdk";
import { runDemo, type DemoResult } from "../../scripts/demo";
import { ROOT, RunningNode, freePort, startNode } from "../../test/helpers/node";
import { defaultConfig } from "../src/config";
import { startService, type RunningService } from "../src/start";

const BIN = path.join(ROOT, "sdk", "bin", "pharmachain.js");
/** Hardhat's well-known development accounts 2 (the demo's manufacturer) and 6 (pharmacy A); never real keys. */
const KEYS = {
  manufacturer: "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  pharmacyA: "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
} as const;

function cli(args: string[], key?: keyof typeof KEYS): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...(key ? { PHARMACHAIN_PRIVATE_KEY: KEYS[key] } : {}) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe("Service and the CLI against a local node @skip-on-coverage", function () {
  let node: RunningNode;
  let running: RunningService;
  let demo: DemoResult;
  let dir: string;
  let chain: string[];

  before(async function () {
    node = await startNode();
    const rpc = new JsonRpcProvider(node.url, undefined, { cacheTimeout: -1, staticNetwork: true });
    demo = await runDemo({
      provider: { request: ({ method, params }) => rpc.send(method, (params as unknown[] | undefined) ?? []) },
      networkName: "localhost",
      packs: 1000,
      quiet: true,
    });
    rpc.destroy();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pharmachain-svc-cli-"));
    const deploymentFile = path.join(dir, "deployment.json");
    const deployment = { ...demo.deployment, chainId: demo.chainId };
    saveDeployment(deploymentFile, deployment);
    chain = ["--rpc", node.url, "--deployment", deploymentFile, "-q"];
    running = await startService({
      rpc: node.url,
      deployment,
      database: path.join(dir, "db"),
      config: defaultConfig({ port: 0, logLevel: "silent", mirrorPollMs: 100 }),
    });
  });

  after(async function () {
    await running?.stop();
    await node?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("uploads the lot's list as its manufacturer, verifies through the service, and dispenses with its proof", async function () {
    const main = demo.lots[0];
    const url = running.url;
    const scan = (i: number): string => `${demo.verdicts[0].scan.split("/21/")[0]}/21/${main.serials[i]}`;

    const before = await cli(["verify", scan(20), "--service", url, "--json"]);
    expect(before.code, before.stderr).to.equal(6); // cannot verify: no list yet
    expect(JSON.parse(before.stdout)[0].verdictName).to.equal("cannot verify");

    const file = path.join(dir, "serials.csv");
    fs.writeFileSync(file, `serial\n${main.serials.join("\n")}\n`);
    const wrong = await cli(["serials", "upload", main.lotId, "--file", file, "--service", url, ...chain], "pharmacyA");
    expect(wrong.code).to.equal(3);
    expect(wrong.stderr).to.contain("403");
    const upload = await cli(
      ["serials", "upload", main.lotId, "--file", file, "--service", url, ...chain, "--json"],
      "manufacturer",
    );
    expect(upload.code, upload.stderr).to.equal(0);
    expect(JSON.parse(upload.stdout)).to.include({ lotId: main.lotId, count: 1000 });

    const verified = await cli(["verify", scan(20), "--service", url, "--json"]);
    expect(verified.code, verified.stderr).to.equal(0);
    expect(JSON.parse(verified.stdout)[0]).to.include({ verdictName: "verified", index: 20 });

    const dispensed = await cli(["dispense", scan(20), "--service", url, ...chain], "pharmacyA");
    expect(dispensed.code, dispensed.stderr).to.equal(0);
    expect(dispensed.stdout).to.contain("dispensed");
    // the mirror follows the chain within its poll
    await new Promise((r) => setTimeout(r, 500));
    const after = await cli(["verify", scan(20), "--service", url, "--json"]);
    expect(after.code).to.equal(1);
    expect(JSON.parse(after.stdout)[0]).to.include({ verdictName: "decommissioned" });

    // a pack pharmacy A does not hold: the service refuses its proof
    const notHeld = await cli(["dispense", scan(500), "--service", url, ...chain], "pharmacyA");
    expect(notHeld.code).to.equal(3);
    expect(notHeld.stderr).to.contain("not held by");
  });

  it("runs as `pharmachain serve --rpc --deployment --database`, and stops on SIGINT", async function () {
    const port = String(await freePort());
    const child = spawn(
      process.execPath,
      [BIN, "serve", ...chain.filter((a) => a !== "-q"), "--database", "memory://", "--port", port],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
    for (let i = 0; i < 300 && !output.includes("PharmaChain service on"); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(output).to.contain(`PharmaChain service on http://127.0.0.1:${port}`);
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(res.status).to.equal(200);
    child.kill("SIGINT");
    expect(await exited, output).to.equal(0);
    expect(output).to.contain("stopped");
  });
});
