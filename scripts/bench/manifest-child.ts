/**
 * One manifest build, alone in its process so that its peak memory is its own: generates N serials of 20 characters,
 * builds their manifest (`Manifest.fromSerials`), times proofs of random packs, and prints one JSON line.
 *
 *   ts-node --transpile-only scripts/bench/manifest-child.ts N PROOFS
 */
import fs from "fs";
import { Manifest } from "../../sdk/src/manifest";
import { seededRandom, serials20 } from "./common";

/** A memory figure of this process in MiB: `VmRSS` (now) or `VmHWM` (peak) from /proc, else Node's own. */
function memoryMiB(field: "VmRSS" | "VmHWM"): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(fs.readFileSync("/proc/self/status", "utf8"));
    if (match) return Number(match[1]) / 1024;
  } catch {
    // not Linux
  }
  return field === "VmHWM" ? process.resourceUsage().maxRSS / 1024 : process.memoryUsage().rss / 2 ** 20;
}

function main(): void {
  const size = Number(process.argv[2]);
  const proofs = Number(process.argv[3] ?? 10_000);
  if (!Number.isInteger(size) || size < 1) throw new Error("usage: manifest-child.ts SIZE [PROOFS]");
  const startRss = memoryMiB("VmRSS");
  const serials = serials20(`MF${size}-`, size);
  const serialsRss = memoryMiB("VmRSS");
  const started = performance.now();
  const manifest = Manifest.fromSerials(serials);
  const seconds = (performance.now() - started) / 1000;
  const rand = seededRandom(size);
  const proofStarted = performance.now();
  let levels = 0;
  for (let i = 0; i < proofs; i++) levels += manifest.proof(serials[Math.floor(rand() * size)]).proof.length;
  const proofUs = ((performance.now() - proofStarted) * 1000) / proofs;
  const result = {
    size,
    root: manifest.root,
    seconds,
    proofUs,
    proofLevels: levels / proofs,
    startRssMiB: startRss,
    serialsRssMiB: serialsRss,
    peakRssMiB: memoryMiB("VmHWM"),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main();
