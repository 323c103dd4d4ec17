/**
 * PharmaChain's benchmark (issue 4): what a pack costs in gas against two baselines, how fast a pharmacy gets its
 * answer, how long a manifest takes to build, and how much storage moving packs writes.
 *
 *   npm run bench                      the full run (at most 10 minutes): writes bench/results.json and the tables
 *                                      of BENCHMARKS.md
 *   npm run bench -- --quick           a small run (under a minute); writes nothing unless --out is given
 *   npm run bench -- --out FILE        write the JSON to FILE instead
 *   npm run bench -- --markdown FILE   also write the tables into FILE (between its bench:begin and bench:end markers)
 *   npm run bench -- --tables-from FILE   measure nothing: print the tables of a results file and write them into
 *                                      BENCHMARKS.md (or the --markdown FILE)
 *
 * Sections, in this order: manifests (child processes), gas of PharmaChain's operations and of the baselines on the
 * embedded Hardhat network (receipts' `gasUsed`; storage writes from `debug_traceTransaction`), then verification
 * through the SDK over HTTP JSON-RPC against a `hardhat node` started on a free port. Run `hardhat compile` first
 * (npm run bench does).
 */
import fs from "fs";
import os from "os";
import path from "path";
import { parseArgs } from "util";
import hre from "hardhat";
import { Environment, FULL, Metrics, QUICK, ROOT, TX_GAS_CAP, environment, progress, round } from "./bench/common";
import { measureManifests } from "./bench/manifest";
import { measureProtocol } from "./bench/protocol";
import { measureBaselines } from "./bench/baselines";
import { measureLatency, startLatencyNode } from "./bench/latency";
import { Comparison, MarkdownInput, Target, comparisons, flattenComparisons, markdown, targets } from "./bench/report";

/** The names the benchmark issue fixes for the headline figures. */
const HEADLINE_METRICS = [
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
] as const;

const DEFAULT_OUT = path.join(ROOT, "bench", "results.json");
const DEFAULT_MARKDOWN = path.join(ROOT, "BENCHMARKS.md");
const BEGIN = "<!-- bench:begin -->";
const END = "<!-- bench:end -->";

async function compilerSettings(): Promise<{
  version: string;
  longVersion: string;
  optimizer: unknown;
  viaIR: boolean;
  evmVersion: string;
}> {
  // The settings that built the measured bytecode, from its build info; the configuration's if there is none.
  const info = await hre.artifacts.getBuildInfo("contracts/PackCustody.sol:PackCustody");
  const configured = hre.config.solidity.compilers[0];
  const settings = (info?.input.settings ?? configured.settings) as {
    optimizer: unknown;
    viaIR?: boolean;
    evmVersion: string;
  };
  return {
    version: info?.solcVersion ?? configured.version,
    longVersion: info?.solcLongVersion ?? configured.version,
    optimizer: settings.optimizer,
    viaIR: settings.viaIR ?? false,
    evmVersion: settings.evmVersion,
  };
}

function writeMarkdown(file: string, tables: string): void {
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : `${BEGIN}\n${END}\n`;
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`${file} has no ${BEGIN} ... ${END} section to write the tables into`);
  fs.writeFileSync(file, `${text.slice(0, begin + BEGIN.length)}\n${tables}\n${text.slice(end)}`);
}

/** The tables of an earlier run's results file, printed and written into `markdownFile`. */
function tablesFrom(file: string, markdownFile: string): void {
  const results = JSON.parse(fs.readFileSync(file, "utf8")) as {
    mode: string;
    seconds: number;
    hardfork: string;
    compiler: MarkdownInput["compiler"];
    environment: Environment;
    metrics: Record<string, number>;
    extrapolated: string[];
    comparisons: Comparison[];
    targets: Target[];
  };
  const metrics = new Metrics();
  for (const [name, value] of Object.entries(results.metrics))
    metrics.set(name, value, { extrapolated: results.extrapolated.includes(name) });
  const tables = markdown({
    metrics,
    comparisons: results.comparisons,
    targets: results.targets,
    quick: results.mode === "quick",
    environment: results.environment,
    compiler: results.compiler,
    hardfork: results.hardfork,
    seconds: results.seconds,
  });
  console.log(tables);
  writeMarkdown(markdownFile, tables);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      out: { type: "string" },
      markdown: { type: "string" },
      "tables-from": { type: "string" },
    },
    allowPositionals: false,
  });
  if (values["tables-from"]) {
    tablesFrom(values["tables-from"], values.markdown ?? DEFAULT_MARKDOWN);
    return;
  }
  if (hre.network.name !== "hardhat")
    throw new Error(`the benchmark runs on the embedded Hardhat network, not ${hre.network.name}`);
  const sizes = values.quick ? QUICK : FULL;
  // A full run writes the committed results; a quick one only where it is told to.
  const out = values.out ?? (sizes.quick ? undefined : DEFAULT_OUT);
  const markdownFile = values.markdown ?? (sizes.quick || values.out ? undefined : DEFAULT_MARKDOWN);
  const started = performance.now();
  const env = { ...environment(), loadAverageAtStart: os.loadavg().map((l) => round(l, 2)) };
  const compiler = await compilerSettings();
  const hardfork = hre.config.networks.hardhat.hardfork;
  progress(
    `PharmaChain benchmark, ${sizes.quick ? "quick" : "full"} run: hardfork ${hardfork}, solc ${compiler.version}, ${env.cpu} × ${env.cpuCount}`,
  );

  const metrics = new Metrics();
  const timings: Record<string, number> = {};
  const section = async (name: string, run: () => Promise<void>): Promise<void> => {
    progress(`${name} ...`);
    const t = performance.now();
    await run();
    timings[name] = round((performance.now() - t) / 1000, 1);
    progress(`${name}: done in ${timings[name]} s`);
  };
  // Manifests first, alone (their times and memory are measured); the node then boots while gas is measured.
  await section("manifests", () => measureManifests(metrics, sizes));
  const booting = startLatencyNode();
  booting.catch(() => undefined); // awaited below, where a failure to boot is reported
  try {
    await section("gas: PharmaChain", () => measureProtocol(hre, metrics, sizes));
    await section("gas: baselines", () => measureBaselines(hre, metrics, sizes));
    const node = await booting;
    await section("verification over JSON-RPC", () => measureLatency(node, metrics, sizes));
  } finally {
    await booting.then((node) => node.stop()).catch(() => undefined);
  }

  const rows = comparisons(metrics);
  flattenComparisons(metrics, rows);
  const goals = targets(metrics);
  const missing = HEADLINE_METRICS.filter((name) => !metrics.has(name));
  if (missing.length > 0) throw new Error(`headline metrics not measured: ${missing.join(", ")}`);
  const seconds = (performance.now() - started) / 1000;
  const environmentRecord = { ...env, loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)) };

  const results = {
    format: "pharmachain-bench",
    version: 1,
    mode: sizes.quick ? "quick" : "full",
    command: sizes.quick ? "npm run bench -- --quick" : "npm run bench",
    generatedAt: new Date().toISOString(),
    seconds: round(seconds, 1),
    sectionSeconds: timings,
    hardfork,
    compiler,
    network: {
      name: hre.network.name,
      chainId: hre.network.config.chainId,
      transactionGasCap: TX_GAS_CAP,
      latencyNode: "hardhat node on 127.0.0.1, HTTP JSON-RPC, its request logging off while measuring",
    },
    environment: environmentRecord,
    headline: HEADLINE_METRICS,
    metrics: Object.fromEntries(Object.entries(metrics.values).sort(([a], [b]) => a.localeCompare(b))),
    extrapolated: [...metrics.extrapolated].sort(),
    comparisons: rows,
    targets: goals,
    notes: [
      "Gas figures are receipts' gasUsed on the embedded Hardhat network, except gas.verify.* (eth_estimateGas of a transaction calling the view).",
      "A first shipment is made on the chain before measuring: it sets the shipment counter, a one-off 20,000 gas.",
      "Serials have 20 characters, the GS1 maximum.",
      "ratio = baseline gas / PharmaChain gas: 10 means the baseline costs ten times as much as PharmaChain.",
      "Baselines batch packs into one transaction up to the per-transaction gas cap (2^24, osaka); a pack costs the transaction's gas divided by its packs. Baseline figures for more packs than one transaction holds, and the baselines' storage per 100,000 packs (traced on 10 and 20 packs), are extrapolated: see `extrapolated`.",
      "Baselines have no roles, lots, states or signatures and move in one step; PharmaChain's moves are ship then receive (two transactions).",
      "Latency: each sample is one SDK verifyPack (parse of a GS1 Digital Link, manifest lookup and Merkle proof, one verifyBatch eth_call) over HTTP to a hardhat node on the same machine; the node and the benchmark share its cores.",
      ...(sizes.quick
        ? [
            "QUICK run: smaller lots, fewer samples, manifests of at most 100,000 serials (1,000,000 scaled by n log n): not for comparison.",
          ]
        : []),
    ],
  };
  const tables = markdown({
    metrics,
    comparisons: rows,
    targets: goals,
    quick: sizes.quick,
    environment: environmentRecord,
    compiler,
    hardfork,
    seconds,
  });
  console.log(`\n${tables}\n`);
  if (out) {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    progress(`results written to ${path.relative(process.cwd(), out) || out}`);
  }
  if (markdownFile) {
    writeMarkdown(markdownFile, tables);
    progress(`tables written to ${path.relative(process.cwd(), markdownFile) || markdownFile}`);
  }
  progress(`benchmark done in ${round(seconds, 1)} s`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
