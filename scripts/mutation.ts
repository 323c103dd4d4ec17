/**
 * Mutation testing of the contracts (issue 12): would the tests notice a wrong change?
 *
 * SuMo (@morenabarboni/sumo) generates the mutants: its parser and its standard cluster of operators, applied to each
 * contract below. This script then compiles and tests every mutant itself, because SuMo's own runner cannot do two
 * things needed here: test each contract's mutants with only the test files that exercise that contract (SuMo runs one
 * list of test files for all), and test a uniform random sample of the mutants when the whole set takes too long.
 *
 *   npm run mutation                                every mutant of the five contracts (many hours on two cores)
 *   npm run mutation -- --contract PackRuns         one contract (the option can be repeated, or a comma list)
 *   npm run mutation -- --sample 40 --seed 1        a uniform random sample of 40 mutants per contract, the score
 *                                                   reported as an estimate with a 95 % interval
 *   npm run mutation -- --list                      print the generated mutants and test nothing
 *   npm run mutation -- --rescore                   test nothing: read the results file again with the current
 *                                                   bench/mutation-equivalent.json (after judging live mutants)
 *   npm run mutation -- --timeout 300               seconds after which a mutant's test run is stopped (timed out,
 *                                                   counted as killed: the tests did not pass)
 *   npm run mutation -- --out FILE                  write the results to FILE instead of bench/mutation.json
 *   npm run mutation -- --stop-at 22:15             start no new round of mutants after this time (UTC, HH:MM or
 *                                                   an ISO date); each contract then keeps the first mutants of its
 *                                                   random order, still a uniform sample, of about the same size
 *   npm run mutation -- --retest                    test the live mutants of the results file again with only the
 *                                                   test files added to the table since (after writing tests for them)
 *   npm run mutation -- --no-pretest                skip the check that the unmutated contracts pass their tests
 *
 * A mutant is compiled and tested in one `hardhat test --bail` run (hardhat.mutation.config.ts: the optimizer off, so
 * a compile takes seconds, not a minute; the test files in the order of the table below, the quickest and most
 * direct first, stopping at the first failure). It is *stillborn* if it does not compile (not counted), *killed* if a
 * test fails or the run times out, *live* if every test passes. A live mutant listed in bench/mutation-equivalent.json
 * (keyed by a description that does not change when other lines move) is *equivalent*: a human judged that no test
 * can tell it from the original. score = killed ÷ (mutants − equivalent), in percent.
 *
 * When several contracts are tested, their mutants are interleaved (one of each in turn), so that a run stopped early
 * (Ctrl-C) leaves every contract with a sample of about the same size. The results file is rewritten after every
 * mutant; entries for contracts not tested in this run are kept from the previous file.
 *
 * SuMo mutates files in place. This script writes each mutant into contracts/ and puts the original back after it;
 * it refuses to start when contracts/ has uncommitted changes, and restores the originals on exit, on failure and on
 * Ctrl-C (SIGINT, SIGTERM, SIGHUP).
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import fs from "fs";
import path from "path";
import { parseArgs } from "util";

const ROOT = path.join(__dirname, "..");
const HARDHAT = path.join(ROOT, "node_modules", "hardhat", "internal", "cli", "cli.js");
const SUMO = path.dirname(require.resolve("@morenabarboni/sumo/package.json"));
const EQUIVALENT_FILE = path.join(ROOT, "bench", "mutation-equivalent.json");
const DEFAULT_OUT = path.join(ROOT, "bench", "mutation.json");
/**
 * The property tests draw random operations; one seed for every run (unless FC_SEED is set) makes a mutant's fate
 * repeatable instead of depending on the draw. The pretest checks that the unmutated contracts pass with it.
 */
const FC_SEED = 20261204;

/**
 * The contracts under mutation and the test files that exercise each, found with
 * `grep -l "\bNAME\b" test/*.ts` (the deployment test, an Ignition run tagged @skip-on-coverage, aside), and the
 * test/NAME.mutation.test.ts files written for the mutants that survived. The quickest and most direct file comes
 * first: with --bail, most mutants die there.
 */
export const TABLE: Record<string, { file: string; tests: string[] }> = {
  // the previous run store, through contracts/mocks/PackRunsHarness.sol (the benchmarks' baseline)
  PackRuns: {
    file: "contracts/libraries/PackRuns.sol",
    tests: ["test/PackRuns.test.ts", "test/PackRuns.mutation.test.ts"],
  },
  // custody's run store: through its harness (against PackRuns), then through custody
  PackRunsDense: {
    file: "contracts/libraries/PackRunsDense.sol",
    tests: [
      "test/PackRunsDense.test.ts",
      "test/PackCustody.test.ts",
      "test/PackCustody.property.test.ts",
      "test/PackCustody.bigLots.test.ts",
    ],
  },
  PackCustody: {
    file: "contracts/PackCustody.sol",
    tests: ["test/PackCustody.test.ts", "test/PackCustody.mutation.test.ts", "test/PackCustody.property.test.ts"],
  },
  ProductLots: {
    file: "contracts/ProductLots.sol",
    tests: ["test/ProductLots.test.ts", "test/ProductLots.mutation.test.ts"],
  },
  StakeholderRegistry: {
    file: "contracts/StakeholderRegistry.sol",
    tests: ["test/StakeholderRegistry.test.ts", "test/StakeholderRegistry.mutation.test.ts"],
  },
  // PackCustody.test.ts ships and receives through orders (the trade paths)
  TradeOrders: {
    file: "contracts/TradeOrders.sol",
    tests: [
      "test/TradeOrders.test.ts",
      "test/TradeOrders.mutation.test.ts",
      "test/TradeOrders.property.test.ts",
      "test/PackCustody.test.ts",
    ],
  },
};

/**
 * SuMo's standard cluster (what `sumo enable standard` selects): every operator but the optimization cluster (DLR data
 * location, FVR function visibility, VVR variable visibility), which looks for cheaper code, not for missing tests.
 */
const OPERATORS = [
  "ACM", "AOR", "AVR", "BCRD", "BLR", "BOR", "CBD", "CCD", "CSC", "DOD", "ECS", "EED", "EHC", "ER", "ETR", "GVR",
  "HLR", "ILR", "ICM", "LSC", "PKD", "MCR", "MOC", "MOD", "MOI", "MOR", "OLFD", "OMD", "ORFD", "RSD", "RVS", "SCEC",
  "SFI", "SFD", "SFR", "SKD", "SKI", "SLR", "TOR", "UORD", "VUR",
]; // prettier-ignore

type Status = "killed" | "timedout" | "live" | "equivalent" | "stillborn";

/** One of SuMo's mutations (src/mutation.js), reduced to what is used here. */
interface SumoMutation {
  file: string;
  start: number;
  end: number;
  startLine: number;
  endLine: number;
  original: string;
  replace: string;
  operator: string;
  id: string;
  applyToString(original: string): string;
}

interface Mutant {
  contract: string;
  /** SuMo's id: a hash of the file name, the byte range and the replacement (changes when earlier lines move). */
  id: string;
  operator: string;
  line: number;
  /** Stable description, the key of bench/mutation-equivalent.json. */
  key: string;
  before: string;
  after: string;
  mutated: string;
}

interface Outcome {
  contract: string;
  id: string;
  key: string;
  operator: string;
  line: number;
  status: Status;
  seconds: number;
  /** The test that failed first, for a killed mutant. */
  killedBy?: string;
  before: string;
  after: string;
  why?: string;
}

// ---------------------------------------------------------------------------------------------------------------------
// Arguments

const { values: args } = parseArgs({
  options: {
    contract: { type: "string", multiple: true },
    sample: { type: "string" },
    seed: { type: "string", default: "1" },
    timeout: { type: "string", default: "300" },
    out: { type: "string" },
    list: { type: "boolean", default: false },
    rescore: { type: "boolean", default: false },
    retest: { type: "boolean", default: false },
    "no-pretest": { type: "boolean", default: false },
    "stop-at": { type: "string" },
  },
});

const contracts = (args.contract ?? Object.keys(TABLE)).flatMap((c) => c.split(",")).filter(Boolean);
for (const c of contracts) {
  if (!TABLE[c]) throw new Error(`unknown contract ${c}: one of ${Object.keys(TABLE).join(", ")}`);
}
const sampleSize = args.sample === undefined ? undefined : positive("--sample", args.sample);
const seed = Number(args.seed);
if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, not ${args.seed}`);
const timeoutSeconds = positive("--timeout", args.timeout!);
const outFile = path.resolve(args.out ?? DEFAULT_OUT);
const stopAt = args["stop-at"] === undefined ? undefined : deadline(args["stop-at"]);

function deadline(text: string): number {
  const hhmm = text.match(/^(\d{1,2}):(\d{2})$/);
  if (hhmm) {
    const d = new Date();
    d.setUTCHours(Number(hhmm[1]), Number(hhmm[2]), 0, 0);
    return d.getTime();
  }
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new Error(`--stop-at must be HH:MM (UTC) or a date, not ${text}`);
  return t;
}

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, not ${value}`);
  return n;
}

// ---------------------------------------------------------------------------------------------------------------------
// Generating the mutants with SuMo

/* eslint-disable @typescript-eslint/no-require-imports */
function sumoOperators(): { ID: string; getMutations(file: string, source: string, visit: unknown): SumoMutation[] }[] {
  // SuMo's modules read sumo-config.js at the project root when they load (checked in; `npx sumo preflight` uses it)
  const generator = require(path.join(SUMO, "src", "operators", "mutationGenerator.js")) as Record<
    string,
    new () => { ID: string; getMutations(file: string, source: string, visit: unknown): SumoMutation[] }
  >;
  return OPERATORS.map((id) => {
    const Operator = generator[`${id}Operator`];
    if (!Operator) throw new Error(`SuMo has no operator ${id}`);
    return new Operator();
  });
}

function generate(contract: string): Mutant[] {
  const parser = require(require.resolve("@solidity-parser/parser", { paths: [SUMO] })) as {
    parse(source: string, options: object): unknown;
    visit(ast: unknown, visitor: unknown): void;
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const file = path.join(ROOT, TABLE[contract].file);
  const source = fs.readFileSync(file, "utf8");
  const ast = parser.parse(source, { range: true, loc: true });
  const visit = parser.visit.bind(parser, ast);
  const seen = new Map<string, number>();
  const mutants: Mutant[] = [];
  const silent = console.log;
  for (const operator of sumoOperators()) {
    console.log = () => {}; // a few operators print as they go
    let found: SumoMutation[];
    try {
      found = operator.getMutations(file, source, visit);
    } finally {
      console.log = silent;
    }
    for (const m of found) {
      const mutated = m.applyToString(source);
      if (mutated === source) continue;
      const line = source.slice(0, m.start).split("\n").length;
      // the whole lines the mutation touches, before and after
      const from = source.lastIndexOf("\n", m.start - 1) + 1;
      const to = source.indexOf("\n", m.end) === -1 ? source.length : source.indexOf("\n", m.end);
      const before = source.slice(from, to);
      const after = mutated.slice(from, to + mutated.length - source.length);
      const described = `${path.basename(file)} ${operator.ID}: ${oneLine(before)} => ${oneLine(after)}`;
      const count = (seen.get(described) ?? 0) + 1;
      seen.set(described, count);
      mutants.push({
        contract,
        id: m.id,
        operator: operator.ID,
        line,
        key: count === 1 ? described : `${described} #${count}`,
        before,
        after,
        mutated,
      });
    }
  }
  return mutants;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

// ---------------------------------------------------------------------------------------------------------------------
// Sampling

/** mulberry32: a small seeded generator, so that a sample can be drawn again from its seed. */
function random(seedValue: number): () => number {
  let a = seedValue >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniformly random order (Fisher–Yates); its first n elements are a uniform sample without replacement. */
function shuffled<T>(items: T[], next: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Wilson's 95 % score interval for a proportion k/n, in percent. */
function wilson(k: number, n: number): [number, number] {
  if (n === 0) return [0, 100];
  const z = 1.959964;
  const p = k / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = ((z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / 1;
  return [round1(100 * Math.max(0, centre - half)), round1(100 * Math.min(1, centre + half))];
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

// ---------------------------------------------------------------------------------------------------------------------
// Keeping contracts/ clean

const originals = new Map<string, string>();
let child: ChildProcess | undefined;

function restore(): void {
  for (const [file, text] of originals) {
    if (fs.readFileSync(file, "utf8") !== text) fs.writeFileSync(file, text);
  }
}

function onSignal(signal: NodeJS.Signals): void {
  if (child?.pid) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  restore();
  console.error(`\n${signal}: contracts restored; the results file holds the mutants tested so far.`);
  process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGHUP" ? 1 : 15));
}

function refuseIfDirty(): void {
  const status = execFileSync("git", ["status", "--porcelain", "--", "contracts"], { cwd: ROOT, encoding: "utf8" });
  if (status.trim() !== "") {
    throw new Error(
      `contracts/ has uncommitted changes; commit or stash them first (mutants are written there):\n${status}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Running

/** One `hardhat test --bail` run over the files: compiles what changed, then tests. */
function hardhatTest(
  files: string[],
): Promise<{ code: number | null; timedOut: boolean; output: string; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [HARDHAT, "--config", "hardhat.mutation.config.ts", "test", "--bail", ...files],
      {
        cwd: ROOT,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, FORCE_COLOR: "0", FC_SEED: process.env.FC_SEED ?? String(FC_SEED) },
      },
    );
    child = proc;
    let output = "";
    proc.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    proc.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-proc.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }, timeoutSeconds * 1000);
    proc.on("error", reject);
    proc.on("close", (code) => {
      clearTimeout(timer);
      child = undefined;
      resolve({ code, timedOut, output, seconds: (Date.now() - started) / 1000 });
    });
  });
}

function compileFailed(output: string): boolean {
  return /HH600|Compilation failed|CompilerError|DeclarationError|TypeError: .*\n.*-->|ParserError/.test(output);
}

function firstFailure(output: string): string | undefined {
  const m = output.match(/\n\s*1\) ([^\n]+)\n((?:\s{7,}[^\n]+\n)*)/);
  if (!m) return undefined;
  return oneLine(`${m[1]} ${m[2] ?? ""}`).replace(/:$/, "");
}

async function runMutant(m: Mutant, file: string): Promise<Outcome> {
  fs.writeFileSync(file, m.mutated);
  let result;
  try {
    result = await hardhatTest(TABLE[m.contract].tests);
  } finally {
    fs.writeFileSync(file, originals.get(file)!);
  }
  let status: Status;
  if (result.timedOut) status = "timedout";
  else if (result.code === 0) status = "live";
  else if (compileFailed(result.output)) status = "stillborn";
  else status = "killed";
  return {
    contract: m.contract,
    id: m.id,
    key: m.key,
    operator: m.operator,
    line: m.line,
    status,
    seconds: round1(result.seconds),
    killedBy: status === "killed" ? firstFailure(result.output) : undefined,
    before: m.before,
    after: m.after,
  };
}

function commit(): string {
  return execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = xs.slice().sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return round1(s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2);
}

interface ContractRun {
  generated: number;
  planned: number;
  outcomes: Outcome[];
  started: string;
  commit: string;
  pretestSeconds?: number;
}

function summary(
  contract: string,
  run: ContractRun,
  equivalent: Record<string, string>,
  complete: boolean,
): Record<string, unknown> {
  const o = run.outcomes;
  const count = (...s: Status[]) => o.filter((x) => s.includes(x.status)).length;
  const killed = count("killed", "timedout");
  const live = count("live");
  const eq = count("equivalent");
  const mutants = killed + live + eq;
  const score = mutants - eq > 0 ? round1((100 * killed) / (mutants - eq)) : null;
  const sampled = o.length < run.generated;
  const entry: Record<string, unknown> = {
    mutants,
    killed,
    live,
    equivalent: eq,
    score,
    ...(sampled
      ? {
          sample: true,
          scoreIs: "an estimate from a uniform random sample of the generated mutants",
          sampleSize: o.length,
          seed,
          interval95: wilson(killed, mutants - eq),
        }
      : { sample: false }),
    complete: complete && o.length === run.planned,
    generated: run.generated,
    tested: o.length,
    stillborn: count("stillborn"),
    timedOut: count("timedout"),
    file: TABLE[contract].file,
    tests: TABLE[contract].tests,
    commit: run.commit,
    started: run.started,
    pretestSeconds: run.pretestSeconds,
    secondsPerMutant: {
      median: median(o.map((x) => x.seconds)),
      medianKilled: median(o.filter((x) => x.status === "killed").map((x) => x.seconds)),
      medianLive: median(o.filter((x) => x.status === "live" || x.status === "equivalent").map((x) => x.seconds)),
      medianStillborn: median(o.filter((x) => x.status === "stillborn").map((x) => x.seconds)),
      total: round1(o.reduce((a, x) => a + x.seconds, 0)),
    },
    byOperator: Object.fromEntries(
      [...new Set(o.map((x) => x.operator))].sort().map((op) => {
        const ofOp = o.filter((x) => x.operator === op);
        const n = (s: Status[]) => ofOp.filter((x) => s.includes(x.status)).length;
        return [
          op,
          {
            killed: n(["killed", "timedout"]),
            live: n(["live"]),
            equivalent: n(["equivalent"]),
            stillborn: n(["stillborn"]),
          },
        ];
      }),
    ),
    liveMutants: o
      .filter((x) => x.status === "live" || x.status === "equivalent")
      .sort((a, b) => a.line - b.line)
      .map((x) => ({
        key: x.key,
        id: x.id,
        file: TABLE[contract].file,
        line: x.line,
        operator: x.operator,
        before: x.before,
        after: x.after,
        equivalent: x.status === "equivalent",
        ...(x.status === "equivalent" ? { why: equivalent[x.key] } : {}),
      })),
    killedJudgedEquivalent: o
      .filter((x) => x.status !== "live" && x.status !== "equivalent" && equivalent[x.key] !== undefined)
      .map((x) => x.key),
  };
  return entry;
}

interface LiveEntry {
  key: string;
  operator: string;
  equivalent: boolean;
  why?: string;
}

type Results = { commit: string; contracts: Record<string, Record<string, unknown>> };

/** Applies the human judgements of bench/mutation-equivalent.json to a results file written before them. */
function rescore(results: Results, equivalent: Record<string, string>): void {
  for (const [name, entry] of Object.entries(results.contracts)) {
    const liveMutants = entry.liveMutants as LiveEntry[];
    const byOperator = entry.byOperator as Record<string, { live: number; equivalent: number }>;
    for (const op of Object.values(byOperator)) {
      op.live += op.equivalent;
      op.equivalent = 0;
    }
    for (const m of liveMutants) {
      m.equivalent = equivalent[m.key] !== undefined;
      if (m.equivalent) {
        m.why = equivalent[m.key];
        byOperator[m.operator].live--;
        byOperator[m.operator].equivalent++;
      } else delete m.why;
    }
    const eq = liveMutants.filter((m) => m.equivalent).length;
    const killed = entry.killed as number;
    const mutants = entry.mutants as number;
    entry.equivalent = eq;
    entry.live = liveMutants.length - eq;
    entry.score = mutants - eq > 0 ? round1((100 * killed) / (mutants - eq)) : null;
    if (entry.sample) entry.interval95 = wilson(killed, mutants - eq);
    console.log(`${name.padEnd(20)} score ${entry.score}% (${killed} killed of ${mutants - eq}; ${eq} equivalent)`);
  }
  fs.writeFileSync(outFile, JSON.stringify(results, null, 2) + "\n");
}

/**
 * Tests the live (not equivalent) mutants of a results file again, with only the test files added to the table since
 * that run: the files they survived are checked unchanged since the run's commit (as is the contract), so they would
 * pass them again. A mutant a new file kills counts as killed from then on, listed under killedOnRetest.
 */
async function retest(results: Results, equivalent: Record<string, string>): Promise<void> {
  for (const name of contracts) {
    const entry = results.contracts[name];
    if (!entry) continue;
    const ranAt = (entry.commit as string | undefined) ?? results.commit;
    const old = entry.tests as string[];
    const added = TABLE[name].tests.filter((t) => !old.includes(t));
    const live = (entry.liveMutants as (LiveEntry & { killedBy?: string })[]).filter((m) => !equivalent[m.key]);
    if (added.length === 0 || live.length === 0) continue;
    const unchanged = [TABLE[name].file, ...old];
    try {
      execFileSync("git", ["diff", "--quiet", ranAt, "--", ...unchanged], { cwd: ROOT });
    } catch {
      throw new Error(`${name}: ${unchanged.join(" ")} changed since ${ranAt}; run the mutants again instead`);
    }
    const byKey = new Map(generate(name).map((m) => [m.key, m]));
    const file = path.join(ROOT, TABLE[name].file);
    const byOperator = entry.byOperator as Record<string, { killed: number; live: number }>;
    const killedOnRetest = (entry.killedOnRetest as unknown[] | undefined) ?? [];
    for (const m of live) {
      const mutant = byKey.get(m.key);
      if (!mutant) throw new Error(`${name}: mutant not generated again: ${m.key}`);
      fs.writeFileSync(file, mutant.mutated);
      let r;
      try {
        r = await hardhatTest(added);
      } finally {
        fs.writeFileSync(file, originals.get(file)!);
      }
      const killed = r.code !== 0 && !compileFailed(r.output);
      console.log(
        `${name} ${m.key}: ${killed ? "killed" : "still live"} by ${added.join(" ")} (${round1(r.seconds)} s)`,
      );
      if (!killed) continue;
      entry.liveMutants = (entry.liveMutants as LiveEntry[]).filter((x) => x.key !== m.key);
      entry.killed = (entry.killed as number) + 1;
      byOperator[m.operator].killed++;
      byOperator[m.operator].live--;
      killedOnRetest.push({ ...m, killedBy: r.timedOut ? "timed out" : firstFailure(r.output), tests: added });
    }
    entry.killedOnRetest = killedOnRetest;
    entry.tests = TABLE[name].tests;
    entry.retestedAt = commit();
  }
  rescore(results, equivalent);
}

async function main(): Promise<void> {
  const equivalent = JSON.parse(fs.readFileSync(EQUIVALENT_FILE, "utf8")) as Record<string, string>;
  if (args.rescore || args.retest) {
    const results = JSON.parse(fs.readFileSync(outFile, "utf8")) as Results;
    if (args.rescore) return rescore(results, equivalent);
    refuseIfDirty();
    for (const c of contracts)
      originals.set(path.join(ROOT, TABLE[c].file), fs.readFileSync(path.join(ROOT, TABLE[c].file), "utf8"));
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, onSignal);
    process.on("exit", restore);
    return retest(results, equivalent);
  }
  const generatedBy: Record<string, Mutant[]> = {};
  for (const c of contracts) generatedBy[c] = generate(c);

  if (args.list) {
    for (const c of contracts) {
      console.log(`\n${c}: ${generatedBy[c].length} mutants`);
      for (const m of generatedBy[c]) console.log(`  ${m.id} line ${m.line}  ${m.key}`);
    }
    return;
  }

  refuseIfDirty();
  for (const c of contracts) {
    const file = path.join(ROOT, TABLE[c].file);
    originals.set(file, fs.readFileSync(file, "utf8"));
  }
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(s, onSignal);
  process.on("exit", restore);

  const previous = fs.existsSync(outFile)
    ? (JSON.parse(fs.readFileSync(outFile, "utf8")) as { contracts?: Record<string, unknown> })
    : {};
  const started = Date.now();
  const head = commit();
  let stoppedAt: string | undefined;
  const runs: Record<string, ContractRun> = {};
  const queues: Record<string, Mutant[]> = {};
  for (const c of contracts) {
    const all = generatedBy[c];
    // always in a seeded random order, so that a run stopped early (--stop-at, Ctrl-C) has tested a uniform sample
    const order = shuffled(all, random(seed)).slice(0, sampleSize ?? all.length);
    queues[c] = order;
    runs[c] = {
      generated: all.length,
      planned: order.length,
      outcomes: [],
      started: new Date().toISOString(),
      commit: head,
    };
    console.log(`${c}: ${all.length} mutants generated, ${order.length} to test with ${TABLE[c].tests.join(" ")}`);
  }

  const write = (complete: boolean) => {
    const out = {
      tool: `SuMo ${readVersion()} (@morenabarboni/sumo, standard operators) generates the mutants; scripts/mutation.ts compiles (hardhat.mutation.config.ts) and tests each with its contract's test files`,
      commit: head,
      date: new Date().toISOString(),
      operators: OPERATORS,
      timeoutSeconds,
      propertyTestSeed: Number(process.env.FC_SEED ?? FC_SEED),
      ...(stoppedAt ? { stoppedAt, stoppedBecause: "--stop-at: no new round of mutants started after this time" } : {}),
      wallSeconds: round1((Date.now() - started) / 1000),
      contracts: {
        ...(previous.contracts ?? {}),
        ...Object.fromEntries(contracts.map((c) => [c, summary(c, runs[c], equivalent, complete)])),
      },
    };
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    fs.writeFileSync(outFile, JSON.stringify(out, null, 2) + "\n");
  };

  if (!args["no-pretest"]) {
    for (const c of contracts) {
      const r = await hardhatTest(TABLE[c].tests);
      if (r.code !== 0) {
        console.error(r.output.slice(-4000));
        throw new Error(
          `pretest: the unmutated contracts fail ${TABLE[c].tests.join(" ")}; mutation testing would mean nothing`,
        );
      }
      runs[c].pretestSeconds = round1(r.seconds);
      console.log(`pretest ${c}: passes in ${round1(r.seconds)} s`);
    }
  }

  // one mutant of each contract in turn
  const total = contracts.reduce((a, c) => a + queues[c].length, 0);
  let done = 0;
  for (let i = 0; contracts.some((c) => i < queues[c].length); i++) {
    if (stopAt !== undefined && Date.now() >= stopAt) {
      stoppedAt = new Date().toISOString();
      console.log(`--stop-at reached after ${i} round(s): no new mutant started`);
      break;
    }
    for (const c of contracts) {
      const m = queues[c][i];
      if (!m) continue;
      const outcome = await runMutant(m, path.join(ROOT, TABLE[c].file));
      if (outcome.status === "live" && equivalent[m.key] !== undefined) {
        outcome.status = "equivalent";
        outcome.why = equivalent[m.key];
      }
      runs[c].outcomes.push(outcome);
      done++;
      console.log(
        `[${done}/${total}] ${c} ${m.id} line ${m.line} ${m.operator}: ${outcome.status} (${outcome.seconds} s)` +
          (outcome.status === "live" ? `\n    ${oneLine(m.before)}\n => ${oneLine(m.after)}` : ""),
      );
      write(false);
    }
  }
  write(true);
  console.log(`\nwrote ${path.relative(ROOT, outFile)}`);
  for (const c of contracts) {
    const s = summary(c, runs[c], equivalent, true);
    const interval = s.interval95
      ? ` (95 % interval ${(s.interval95 as number[]).join("–")} %, sample of ${s.sampleSize})`
      : "";
    console.log(
      `${c.padEnd(20)} mutants ${String(s.mutants).padStart(4)}  killed ${String(s.killed).padStart(4)}  live ${String(s.live).padStart(3)}  equivalent ${String(s.equivalent).padStart(3)}  stillborn ${String(s.stillborn).padStart(3)}  score ${s.score}%${interval}`,
    );
  }
}

function readVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(SUMO, "package.json"), "utf8")) as { version: string }).version;
}

main().catch((e: unknown) => {
  restore();
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
