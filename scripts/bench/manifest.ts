/**
 * Building a lot's manifest (the Merkle tree of its serials) and proving a pack from it, with the SDK's `Manifest`:
 * each size in its own child process (scripts/bench/manifest-child.ts), so that its peak resident memory is not
 * that of an earlier build or of the rest of the benchmark.
 */
import { spawn } from "child_process";
import path from "path";
import { BenchSizes, Metrics, ROOT, progress, round } from "./common";

interface ChildResult {
  size: number;
  root: string;
  seconds: number;
  proofUs: number;
  proofLevels: number;
  startRssMiB: number;
  serialsRssMiB: number;
  peakRssMiB: number;
}

function build(size: number, proofs: number): Promise<ChildResult> {
  const tsNode = require.resolve("ts-node/dist/bin.js", { paths: [ROOT] });
  const child = spawn(
    process.execPath,
    [tsNode, "--transpile-only", path.join(__dirname, "manifest-child.ts"), String(size), String(proofs)],
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      const line = stdout.trim().split("\n").pop() ?? "";
      if (code !== 0 || !line.startsWith("{")) {
        reject(new Error(`the manifest build of ${size} serials exited with ${code}:\n${stdout}\n${stderr}`));
      } else {
        resolve(JSON.parse(line) as ChildResult);
      }
    });
  });
}

export async function measureManifests(metrics: Metrics, sizes: BenchSizes): Promise<void> {
  const results: ChildResult[] = [];
  for (const size of sizes.manifestSizes) {
    const r = await build(size, sizes.proofSamples);
    results.push(r);
    metrics.set(`manifest.${size}.seconds`, round(r.seconds, 3));
    metrics.set(`manifest.${size}.peakRssMiB`, Math.round(r.peakRssMiB));
    metrics.set(`manifest.${size}.startRssMiB`, Math.round(r.startRssMiB));
    metrics.set(`manifest.${size}.serialsRssMiB`, Math.round(r.serialsRssMiB));
    metrics.set(`manifest.${size}.proof.us`, round(r.proofUs, 2));
    metrics.set(`manifest.${size}.proof.levels`, round(r.proofLevels, 2));
    progress(
      `  manifest of ${size.toLocaleString("en")} serials: ${r.seconds.toFixed(2)} s, peak RSS ${Math.round(r.peakRssMiB)} MiB, a proof ${r.proofUs.toFixed(1)} µs`,
    );
  }
  if (!metrics.has("manifest.1000000.seconds")) {
    // The quick run builds at most 100,000 serials; the build is O(n log n) (the sort), so scale by n log n.
    const largest = results[results.length - 1];
    const scale = (1e6 * Math.log2(1e6)) / (largest.size * Math.log2(largest.size));
    metrics.set("manifest.1000000.seconds", round(largest.seconds * scale, 3), { extrapolated: true });
  }
}
