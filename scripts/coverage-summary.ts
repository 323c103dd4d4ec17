/**
 * Writes bench/coverage.json from the report of the last `npm run coverage` (coverage/coverage-summary.json, Istanbul's
 * json-summary reporter, listed in .solcover.js): lines, branches, functions and statements of each contract under
 * contracts/ that solidity-coverage instrumented (mocks and benchmark baselines are skipped there), their totals, the
 * goal of the issue (95 % of branches, 98 % of lines), and the run's time when given. Prints a table.
 *
 *   npm run coverage                                     (runs this at the end, with the run's seconds)
 *   npx ts-node --transpile-only scripts/coverage-summary.ts [seconds]
 */
import fs from "fs";
import os from "os";
import path from "path";
import { createRequire } from "module";

const ROOT = path.join(__dirname, "..");
const SUMMARY = path.join(ROOT, "coverage", "coverage-summary.json");
const OUT = process.env.COVERAGE_OUT ?? path.join(ROOT, "bench", "coverage.json");
/** Node's loader, for .solcover.js (CommonJS) and the tool's version. */
const load = createRequire(__filename);
const GOAL = { branches: 95, lines: 98 };

interface Metric {
  total: number;
  covered: number;
  pct: number;
}
const KINDS = ["lines", "branches", "functions", "statements"] as const;
type Kind = (typeof KINDS)[number];
type Summary = Record<Kind, Metric>;

function pct(covered: number, total: number): number {
  return total === 0 ? 100 : Math.round((covered / total) * 10_000) / 100;
}

function main(): void {
  if (!fs.existsSync(SUMMARY)) {
    throw new Error("coverage/coverage-summary.json is missing: run `npm run coverage` first");
  }
  const report = JSON.parse(fs.readFileSync(SUMMARY, "utf8")) as Record<string, Summary>;
  const contracts: Record<string, Record<Kind, Metric>> = {};
  const totals = Object.fromEntries(KINDS.map((k) => [k, { total: 0, covered: 0, pct: 0 }])) as Record<Kind, Metric>;
  for (const [file, summary] of Object.entries(report)) {
    if (file === "total") continue;
    // Paths are absolute in the report: only the part under contracts/ is kept (no machine path in the output).
    const at = file.split(path.sep).lastIndexOf("contracts");
    if (at < 0) continue;
    const relative = file
      .split(path.sep)
      .slice(at + 1)
      .join("/");
    // Interfaces and files of only types and errors have nothing to execute.
    if (summary.lines.total === 0 && summary.statements.total === 0) continue;
    const name = relative.replace(/\.sol$/, "");
    contracts[name] = Object.fromEntries(
      KINDS.map((k) => [k, { total: summary[k].total, covered: summary[k].covered, pct: summary[k].pct }]),
    ) as Record<Kind, Metric>;
    for (const k of KINDS) {
      totals[k].total += summary[k].total;
      totals[k].covered += summary[k].covered;
    }
  }
  for (const k of KINDS) totals[k].pct = pct(totals[k].covered, totals[k].total);

  const seconds = process.argv[2] === undefined ? null : Number(process.argv[2]);
  const solcover = load(path.join(ROOT, ".solcover.js")) as {
    skipFiles?: string[];
    mocha?: { grep?: string };
  };
  const result = {
    when: new Date().toISOString(),
    // The command that produced the report, when not the full `npm run coverage`, and what to know about the run.
    command: process.env.COVERAGE_COMMAND ?? "npm run coverage",
    note: process.env.COVERAGE_NOTE ?? null,
    tool: `solidity-coverage ${(load("solidity-coverage/package.json") as { version: string }).version}`,
    node: process.version,
    cpus: os.cpus().length,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    seconds,
    skippedFiles: solcover.skipFiles ?? [],
    testsNotRun: solcover.mocha?.grep ?? null,
    goal: GOAL,
    met: totals.branches.pct >= GOAL.branches && totals.lines.pct >= GOAL.lines,
    totals,
    contracts,
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(result, null, 2) + "\n");

  const cell = (m: Metric) => `${m.pct.toFixed(2).padStart(6)} % ${`(${m.covered}/${m.total})`.padEnd(11)}`;
  console.log(`\n${"contract".padEnd(22)}${KINDS.map((k) => k.padEnd(22)).join("")}`);
  for (const [name, c] of Object.entries(contracts)) {
    console.log(`${name.padEnd(22)}${KINDS.map((k) => cell(c[k])).join("  ")}`);
  }
  console.log(`${"all".padEnd(22)}${KINDS.map((k) => cell(totals[k])).join("  ")}`);
  console.log(
    `\ngoal: ${GOAL.branches} % of branches, ${GOAL.lines} % of lines: ${result.met ? "met" : "NOT met"}` +
      (seconds === null ? "" : `; coverage run ${seconds} s`) +
      `\nwritten to ${path.relative(ROOT, OUT)}`,
  );
}

main();
