/**
 * The embedded network against anvil with real block times, measured: the demo's wall time and the blocks it needs
 * on each (median of `--runs`), the gas of every write the demo makes on each (they must be equal: the same EVM rules;
 * a difference is printed as a finding), and how many contract tests run, pass and are skipped on each network.
 * Prints the tables and writes bench/networks.json.
 *
 *   npm run bench:networks                        3 demo runs per network, 20,000-pack lot, the test counts
 *   npm run bench:networks -- --runs 1 --packs 10000 --no-tests
 */
import { spawn } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { parseArgs } from "util";

const ROOT = path.join(__dirname, "..");

interface DemoReport {
  network: { name: string; hardfork: string; blockTime: number };
  steps: { n: number; actor: string; action: string; gasUsed?: string; calldataGas?: string }[];
  seconds: number;
  blocks: number;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; output: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(args[0], args.slice(1), {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" },
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code: code ?? 1, output, ms: Date.now() - started }));
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function demo(chain: string, packs: number): Promise<{ report: DemoReport; wallSeconds: number }> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), `pharmachain-demo-${chain}-`));
  try {
    const r = await run([
      process.execPath,
      require.resolve("ts-node/dist/bin"),
      "--transpile-only",
      "scripts/demo.ts",
      "--chain",
      chain,
      "--packs",
      String(packs),
      "--out",
      out,
    ]);
    if (r.code !== 0) throw new Error(`the demo on ${chain} failed:\n${r.output}`);
    const report = JSON.parse(fs.readFileSync(path.join(out, "report.json"), "utf8")) as DemoReport;
    return { report, wallSeconds: r.ms / 1000 };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** Mocha's summary: passing, pending (skipped) and failing counts. */
function counts(output: string): { passing: number; skipped: number; failing: number } {
  const n = (word: string): number => Number(new RegExp(`(\\d+) ${word}`).exec(output)?.[1] ?? 0);
  return { passing: n("passing"), skipped: n("pending"), failing: n("failing") };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "3" },
      packs: { type: "string", default: "20000" },
      "no-tests": { type: "boolean", default: false },
    },
  });
  const runs = Number(values.runs);
  const packs = Number(values.packs);
  const compile = await run([process.execPath, require.resolve("hardhat/internal/cli/cli"), "compile", "--quiet"]);
  if (compile.code !== 0) throw new Error(compile.output);

  const chains = ["hardhat", "anvil"];
  const demos: Record<string, { report: DemoReport; wallSeconds: number }[]> = { hardhat: [], anvil: [] };
  for (let i = 0; i < runs; i++) {
    for (const chain of chains) {
      const d = await demo(chain, packs);
      demos[chain].push(d);
      console.log(`demo ${i + 1}/${runs} on ${chain}: ${d.report.seconds.toFixed(1)} s, ${d.report.blocks} blocks`);
    }
  }
  const summary = Object.fromEntries(
    chains.map((c) => [
      c,
      {
        network: demos[c][0].report.network,
        medianSeconds: Number(median(demos[c].map((d) => d.report.seconds)).toFixed(1)),
        medianWallSeconds: Number(median(demos[c].map((d) => d.wallSeconds)).toFixed(1)),
        blocks: median(demos[c].map((d) => d.report.blocks)),
        writes: demos[c][0].report.steps.filter((s) => s.gasUsed !== undefined).length,
        runs: demos[c].map((d) => ({ seconds: d.report.seconds, wallSeconds: d.wallSeconds, blocks: d.report.blocks })),
      },
    ]),
  );

  // Gas, write by write, from the first run on each network (gas is deterministic: every run gives the same).
  const a = demos.hardhat[0].report.steps;
  const b = demos.anvil[0].report.steps;
  const gas = a
    .filter((s) => s.gasUsed !== undefined)
    .map((s) => {
      const other = b.find((t) => t.n === s.n);
      return {
        step: s.n,
        actor: s.actor,
        action: s.action.replace(/0x[0-9a-fA-F]{40}/g, "0x…"),
        hardhat: Number(s.gasUsed),
        anvil: Number(other?.gasUsed ?? NaN),
        // Gas less the calldata's (EIP-2028): what the EVM's execution cost, the same whatever the bytes' values.
        hardhatExecution: Number(s.gasUsed) - Number(s.calldataGas),
        anvilExecution: Number(other?.gasUsed ?? NaN) - Number(other?.calldataGas ?? NaN),
      };
    });
  // A difference in total gas with equal execution gas is calldata: inputs that depend on the clock (an attestation's
  // deadline and so its signatures) have more or fewer zero bytes. A difference in execution gas would be a finding.
  const differences = gas.filter((g) => g.hardhatExecution !== g.anvilExecution);
  const calldataOnly = gas.filter((g) => g.hardhat !== g.anvil && g.hardhatExecution === g.anvilExecution);

  let tests: Record<string, unknown> | undefined;
  if (!values["no-tests"]) {
    // The same files on each: the contract and SDK suites (the CLI's and the SDK's anvil tests start their own nodes).
    const list = (dir: string): string[] =>
      fs
        .readdirSync(path.join(ROOT, dir))
        .filter(
          (f) =>
            f.endsWith(".test.ts") &&
            !["cli.e2e.test.ts", "deployment.test.ts", "bench.test.ts", "anvil.test.ts"].includes(f),
        )
        .map((f) => path.join(dir, f));
    const files = [...list("test"), ...list(path.join("test", "sdk"))];
    const onHardhat = await run([
      process.execPath,
      require.resolve("hardhat/internal/cli/cli"),
      "test",
      "--no-compile",
      path.join("test", "helpers", "networks.ts"),
      ...files,
    ]);
    const onAnvil = await run([
      process.execPath,
      require.resolve("ts-node/dist/bin"),
      "--transpile-only",
      "scripts/test-anvil.ts",
    ]);
    tests = {
      files: files.length,
      hardhat: { ...counts(onHardhat.output), seconds: Math.round(onHardhat.ms / 1000) },
      anvil: { ...counts(onAnvil.output), seconds: Math.round(onAnvil.ms / 1000), blockTime: 0 },
      skippedOnAnvil: [...onAnvil.output.matchAll(/\(skipped on anvil: ([^)]*)\)/g)].map((m) => m[1]),
    };
  }

  console.log(`\nThe demo (${packs.toLocaleString("en")}-pack lot), median of ${runs}:\n`);
  console.log("| network | seconds (in the demo) | wall seconds | blocks | writes |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const c of chains) {
    const s = summary[c] as { medianSeconds: number; medianWallSeconds: number; blocks: number; writes: number };
    const label = c === "hardhat" ? "embedded Hardhat network" : "anvil, a block every second";
    console.log(`| ${label} | ${s.medianSeconds} | ${s.medianWallSeconds} | ${s.blocks} | ${s.writes} |`);
  }
  console.log(
    `\nGas of the demo's ${gas.length} writes, less their calldata's: ${differences.length === 0 ? "equal on both networks" : `${differences.length} DIFFER (a finding)`}` +
      `; total gas differs for ${calldataOnly.length}, by calldata bytes only\n`,
  );
  console.log("| step | write | Hardhat | anvil | execution, Hardhat | execution, anvil |");
  console.log("| ---: | --- | ---: | ---: | ---: | ---: |");
  for (const g of gas) {
    const n = (x: number): string => x.toLocaleString("en");
    console.log(
      `| ${g.step} | ${g.actor}: ${g.action.slice(0, 70)} | ${n(g.hardhat)} | ${n(g.anvil)}${g.hardhat === g.anvil ? "" : " ≠"} | ` +
        `${n(g.hardhatExecution)} | ${n(g.anvilExecution)}${g.hardhatExecution === g.anvilExecution ? "" : " ≠"} |`,
    );
  }
  if (tests) console.log("\nContract and SDK tests:", JSON.stringify(tests, null, 2));

  const file = path.join(ROOT, "bench", "networks.json");
  fs.writeFileSync(
    file,
    JSON.stringify(
      {
        packs,
        runs,
        node: process.version,
        demo: summary,
        gas: {
          executionEqual: differences.length === 0,
          differences,
          calldataOnly: calldataOnly.map((g) => g.step),
          writes: gas,
        },
        tests,
      },
      null,
      2,
    ) + "\n",
  );
  console.log(`\nwritten to ${path.relative(ROOT, file)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
