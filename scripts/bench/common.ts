/**
 * Shared pieces of the benchmark (scripts/bench.ts): the flat metric map, statistics, a seeded random number
 * generator, serial numbers, and the description of the machine and toolchain a run used.
 */
import { execFileSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";

export const ROOT = path.join(__dirname, "..", "..");

/** Hardhat's default hardfork (osaka, EIP-7825) refuses a transaction whose gas limit exceeds 2^24. */
export const TX_GAS_CAP = 16_777_216;

/** How big a run is: `full` (npm run bench) or `quick` (npm run bench -- --quick, and the test suite). */
export interface BenchSizes {
  quick: boolean;
  /** Lot sizes for commissioning and ship plus receive. */
  lotSizes: number[];
  /** Packs in the lot verified over JSON-RPC. */
  verifyLotSize: number;
  /** Verifications of one pack per mode (without and with hints). */
  verifySamples: number;
  verifyWarmUp: number;
  /** Times the 1,000-pack batch verification is repeated. */
  batchRepeats: number;
  /** Manifest sizes built, each in its own child process. */
  manifestSizes: number[];
  /** Proofs timed per manifest. */
  proofSamples: number;
  /** Packs per baseline transaction: `cap` fills the per-transaction gas cap. */
  baselineBatch: number | "cap";
}

export const FULL: BenchSizes = {
  quick: false,
  lotSizes: [1, 1_000, 100_000],
  verifyLotSize: 100_000,
  verifySamples: 10_000,
  verifyWarmUp: 300,
  batchRepeats: 5,
  manifestSizes: [100_000, 1_000_000],
  proofSamples: 10_000,
  baselineBatch: "cap",
};

export const QUICK: BenchSizes = {
  quick: true,
  lotSizes: [1, 1_000, 100_000],
  verifyLotSize: 10_000,
  verifySamples: 200,
  verifyWarmUp: 20,
  batchRepeats: 1,
  manifestSizes: [100_000],
  proofSamples: 1_000,
  baselineBatch: 100,
};

/** The flat map `metrics` of bench/results.json, with the names of figures that were extrapolated, not measured. */
export class Metrics {
  readonly values: Record<string, number> = {};
  readonly extrapolated = new Set<string>();

  set(name: string, value: number | bigint, options: { extrapolated?: boolean } = {}): number {
    const n = typeof value === "bigint" ? Number(value) : value;
    if (!Number.isFinite(n)) throw new Error(`metric ${name} is not a finite number: ${value}`);
    this.values[name] = n;
    if (options.extrapolated) this.extrapolated.add(name);
    return n;
  }

  get(name: string): number {
    const v = this.values[name];
    if (v === undefined) throw new Error(`metric ${name} was not measured`);
    return v;
  }

  has(name: string): boolean {
    return name in this.values;
  }
}

/** The percentile `p` (0-100) of sorted numbers, by the nearest-rank method. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error("no samples");
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface Distribution {
  samples: number;
  mean: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    mean: sorted.reduce((s, v) => s + v, 0) / sorted.length,
    min: sorted[0],
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1],
  };
}

/** A small seeded generator (mulberry32), so that every run verifies the same packs. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` serials of 20 characters (the GS1 AI 21 maximum, so calldata and hashing are at their largest): a 13-
 * character prefix and a 7-digit number, as scripts/gas.ts measures.
 */
export function serials20(label: string, count: number): string[] {
  const prefix = label.padEnd(13, "X").slice(0, 13);
  const out: string[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = prefix + i.toString().padStart(7, "0");
  return out;
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function packageVersion(name: string): string | undefined {
  try {
    const file = require.resolve(`${name}/package.json`, { paths: [ROOT] });
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
  } catch {
    // some packages do not export package.json; find it on disk instead
    const file = path.join(ROOT, "node_modules", name, "package.json");
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version : undefined;
  }
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync("git", args, { cwd: ROOT, stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}

export interface Environment {
  date: string;
  gitCommit: string | null;
  gitDirty: boolean | null;
  node: string;
  os: string;
  cpu: string;
  cpuCount: number;
  memoryGiB: number;
  packages: Record<string, string | undefined>;
  /** 1, 5 and 15 minute load averages when the run started and ended: other work on the machine skews timings. */
  loadAverageAtStart?: number[];
  loadAverageAtEnd?: number[];
}

/** The machine, the operating system and the tools of this run; no paths, no user or host names. */
export function environment(): Environment {
  const cpus = os.cpus();
  const status = git(["status", "--porcelain", "--untracked-files=no"]);
  return {
    date: new Date().toISOString(),
    gitCommit: git(["rev-parse", "HEAD"]) ?? null,
    gitDirty: status === undefined ? null : status.length > 0,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model?.trim() ?? "unknown",
    cpuCount: cpus.length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    packages: {
      hardhat: packageVersion("hardhat"),
      "@nomicfoundation/edr": packageVersion("@nomicfoundation/edr"),
      ethers: packageVersion("ethers"),
      "@openzeppelin/contracts": packageVersion("@openzeppelin/contracts"),
      solc: packageVersion("solc"),
    },
  };
}

/** Logs a progress line with the time since the run started. */
export function progress(message: string): void {
  const seconds = (performance.now() / 1000).toFixed(1).padStart(6);
  console.log(`[${seconds} s] ${message}`);
}
