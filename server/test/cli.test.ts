/**
 * The service as a real network sees it, and the CLI against it: a Hardhat node seeded with the demo (1,000-pack main
 * lot), the service started as `pharmachain-server` would (JSON-RPC, a deployment, a database, a port), and the CLI's
 * `serials upload`, `verify --service` and `dispense --service` as separate processes with Hardhat's well-known keys;
 * and `doc put|get|list` (the document store under the read-access matrix) the same way.
 */
import { expect } from "chai";
import { spawn } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { HDNodeWallet, JsonRpcProvider, Wallet, sha256 } from "ethers";
import {
  Manifest,
  PharmaChainClient,
  buildLotAttestation,
  expiryToExpiresAt,
  gtinToUint64,
  saveDeployment,
  signLotAttestation,
} from "@pharmachain/sdk";
import { runDemo, type DemoResult } from "../../scripts/demo";
import { ROOT, RunningNode, freePort, startNode } from "../../test/helpers/node";
import { defaultConfig } from "../src/config";
import { startService, type RunningService } from "../src/start";

const BIN = path.join(ROOT, "sdk", "bin", "pharmachain.js");
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

/** The AI 17 `YYMMDD` of the day (UTC) containing `seconds`. */
const yymmdd = (seconds: number): string => new Date(seconds * 1000).toISOString().slice(2, 10).replace(/-/g, "");
/**
 * Hardhat's well-known development accounts 2 (the demo's manufacturer), 6 (pharmacy A), 3 and 4 (distributors A and
 * B); never real keys.
 */
const KEYS = {
  manufacturer: "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  pharmacyA: "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
  distributorA: "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  distributorB: "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
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

  it("doc put|get|list: a lot's certificate of analysis, read by a distributor that held the lot and refused to one that never did", async function () {
    const url = running.url;
    const service = ["--service", url, ...chain];
    // a lot whose dataHash is the SHA-256 of its certificate of analysis, commissioned with both signatures, shipped
    // to distributor A and received; distributor B never holds it
    const coa = Buffer.from(
      JSON.stringify({ gtin: "00300010123455", lot: "LOT2026C", assay: "99.4 %", released: "QP" }, null, 2) + "\n",
    );
    const rpc = new JsonRpcProvider(node.url, undefined, { cacheTimeout: -1, staticNetwork: true });
    try {
      const deployment = { ...demo.deployment, chainId: demo.chainId };
      const as = (key: keyof typeof KEYS) =>
        PharmaChainClient.connect({ runner: new Wallet(KEYS[key], rpc), deployment });
      const manufacturer = await as("manufacturer");
      const regulator = HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, "m/44'/60'/0'/0/1");
      const now = (await rpc.getBlock("latest"))!.timestamp;
      const serials = Array.from({ length: 8 }, (_, i) => `C${String(i).padStart(11, "0")}`);
      const attestation = buildLotAttestation({
        gtin: gtinToUint64("00300010123455"),
        lotNumber: "LOT2026C",
        expiresAt: expiryToExpiresAt(yymmdd(now + 400 * 86400)),
        unitCount: serials.length,
        serialsRoot: (await Manifest.fromSerials(serials)).root,
        dataHash: sha256(coa),
        manufacturer: new Wallet(KEYS.manufacturer).address,
        deadline: BigInt(now + 86400),
      });
      const domain = manufacturer.domain();
      const { lotId } = await manufacturer.commissionLot({
        attestation,
        manufacturerSignature: {
          signer: attestation.manufacturer,
          signature: await signLotAttestation(new Wallet(KEYS.manufacturer), domain, attestation),
        },
        regulatorSignature: {
          signer: regulator.address,
          signature: await signLotAttestation(regulator, domain, attestation),
        },
      });
      const distributorA = new Wallet(KEYS.distributorA).address;
      const { shipmentId } = await manufacturer.ship({ buyer: distributorA, ranges: [{ lotId, start: 0, end: 4 }] });
      await (await as("distributorA")).receiveShipment(shipmentId);

      const file = path.join(dir, "coa-LOT2026C.json");
      fs.writeFileSync(file, coa);
      const subject = `lot:${lotId}`;
      const put = await cli(
        ["doc", "put", file, "--kind", "certificateOfAnalysis", "--subject", subject, ...service, "--json"],
        "manufacturer",
      );
      expect(put.code, put.stderr).to.equal(0);
      const stored = JSON.parse(put.stdout);
      expect(stored).to.include({ kind: "certificateOfAnalysis", subject, status: "anchored", sha256: sha256(coa) });
      expect(stored.anchor).to.include({ anchor: "lot.dataHash", hash: sha256(coa), algorithm: "sha256" });
      expect(stored.size).to.equal(coa.length);

      const list = await cli(["doc", "list", subject, ...service], "manufacturer");
      expect(list.code, list.stderr).to.equal(0);
      expect(list.stdout).to.contain(stored.id).and.to.contain(`certificateOfAnalysis of ${subject}`);
      expect(list.stdout).to.contain("anchored");

      // distributor A held the lot's packs: it reads the document, and the CLI re-checks the hash on chain
      const out = path.join(dir, "read-by-A.json");
      const got = await cli(["doc", "get", stored.id, "--out", out, ...service, "--json"], "distributorA");
      expect(got.code, got.stderr).to.equal(0);
      expect(fs.readFileSync(out).equals(coa)).to.equal(true);
      expect(sha256(fs.readFileSync(out))).to.equal(attestation.dataHash);
      const read = JSON.parse(got.stdout);
      expect(read).to.include({ view: "full", sha256: sha256(coa), out });
      expect(read.checked.anchorOnChain).to.equal(true);

      // distributor B never held it: refused (exit 3, the service's 403 and its reason), nothing written
      const refusedOut = path.join(dir, "read-by-B.json");
      const refused = await cli(["doc", "get", stored.id, "--out", refusedOut, ...service], "distributorB");
      expect(refused.code, refused.stdout).to.equal(3);
      expect(refused.stderr).to.contain("the service answered 403");
      expect(refused.stderr).to.contain("is not a party to").and.to.contain('reads "If involved"');
      console.log(`      distributor B refused: ${refused.stderr.trim().split("\n")[0]}`);
      expect(fs.existsSync(refusedOut)).to.equal(false);
      const listB = await cli(["doc", "list", subject, ...service, "--json"], "distributorB");
      expect(listB.code, listB.stderr).to.equal(0);
      expect(JSON.parse(listB.stdout)).to.deep.equal([]);

      // bad arguments are refused before anything connects (the service named here does not listen)
      const closed = ["--service", `http://127.0.0.1:${await freePort()}`, ...chain];
      const badSubject = await cli(["doc", "list", "lot:0x1234", ...closed], "manufacturer");
      expect(badSubject.code).to.equal(3);
      expect(badSubject.stderr).to.contain('"lot:0x1234" must be lot:0x…, shipment:N');
      const badId = await cli(["doc", "get", "not-an-id", "--out", out, ...closed], "distributorA");
      expect(badId.code).to.equal(3);
      expect(badId.stderr).to.contain('"not-an-id" is not a document id');
      const noService = await cli(["doc", "list", subject, ...chain], "manufacturer");
      expect(noService.code).to.equal(2);
      expect(noService.stderr).to.contain("--service URL (or $PHARMACHAIN_SERVICE) is required");
      for (const r of [badSubject, badId, noService]) expect(r.stderr).not.to.contain("cannot reach");
      // the same command with a good subject does try to connect, and says so: the refusals above came first
      const connects = await cli(["doc", "list", subject, ...closed], "manufacturer");
      expect(connects.code).to.equal(4);
      expect(connects.stderr).to.contain("cannot reach the service");
    } finally {
      rpc.destroy();
    }
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
