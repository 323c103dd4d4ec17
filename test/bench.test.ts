/**
 * Keeps the benchmark from rotting: runs `scripts/bench.ts --quick` once, as `npm run bench -- --quick` would, writing
 * to a temporary file, and checks that the JSON has every headline figure the benchmark issue names and records the
 * hardfork and the compiler. No timing is asserted: timings depend on the machine.
 */
import { spawn } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { expect } from "chai";

const ROOT = path.join(__dirname, "..");

const HEADLINE = [
  "gas.commission.100000",
  "gas.shipReceive.100000",
  "gas.dispense.1",
  "gas.registerStakeholder",
  "baseline.perSlot.commission.perPack",
  "baseline.perSlot.move.perPack",
  "baseline.erc721.mint.perPack",
  "baseline.erc721.transfer.perPack",
  "verify.p50.ms",
  "verify.p95.ms",
  "verify.batch1000.perSecond",
  "manifest.1000000.seconds",
  "slots.shipReceive.100000",
];

interface BenchResults {
  mode: string;
  hardfork: string;
  compiler: { version: string; optimizer: { enabled: boolean; runs: number }; viaIR: boolean; evmVersion: string };
  metrics: Record<string, unknown>;
  comparisons: unknown[];
  targets: { metric: string; met: boolean }[];
}

function runQuickBench(out: string): Promise<string> {
  const tsNode = require.resolve("ts-node/dist/bin.js", { paths: [ROOT] });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsNode, "--transpile-only", "scripts/bench.ts", "--quick", "--out", out], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" },
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`bench --quick exited with ${code}:\n${output}`)),
    );
  });
}

describe("benchmark, quick run @skip-on-coverage", function () {
  this.timeout(600_000);
  let dir: string;
  let results: BenchResults;
  const committed = path.join(ROOT, "bench", "results.json");
  let committedBefore: string | undefined;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pharmachain-bench-"));
    committedBefore = fs.existsSync(committed) ? fs.readFileSync(committed, "utf8") : undefined;
    const out = path.join(dir, "results.json");
    await runQuickBench(out);
    results = JSON.parse(fs.readFileSync(out, "utf8")) as BenchResults;
  });

  after(function () {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("reports every headline metric as a finite positive number", function () {
    expect(results.mode).to.equal("quick");
    for (const name of HEADLINE) {
      const value = results.metrics[name];
      expect(value, name).to.be.a("number");
      expect(Number.isFinite(value), `${name} is finite`).to.equal(true);
      expect(value as number, name).to.be.greaterThan(0);
    }
  });

  it("records the hardfork, the compiler version and the optimizer settings", function () {
    expect(results.hardfork).to.be.a("string").and.not.equal("");
    expect(results.compiler.version).to.match(/^\d+\.\d+\.\d+$/);
    expect(results.compiler.optimizer.enabled).to.be.a("boolean");
    expect(results.compiler.optimizer.runs).to.be.a("number");
    expect(results.compiler.viaIR).to.be.a("boolean");
    expect(results.compiler.evmVersion).to.be.a("string").and.not.equal("");
  });

  it("compares with the baselines and checks every target", function () {
    expect(results.comparisons).to.have.length.above(0);
    expect(results.targets.map((t) => t.metric)).to.include.members([
      "gas.shipReceive.100000",
      "verify.p95.ms",
      "slots.shipReceive.100000",
    ]);
  });

  it("leaves the committed bench/results.json alone", function () {
    const now = fs.existsSync(committed) ? fs.readFileSync(committed, "utf8") : undefined;
    expect(now === committedBefore).to.equal(true);
  });
});
