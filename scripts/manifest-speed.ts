/**
 * Scratch benchmark of the SDK's manifest module: builds the manifest of N generated serials from a streamed CSV
 * file and from an array, then times proofs, a multiproof, save and load, and prints the peak RSS of the process.
 * Optionally compares with `StandardMerkleTree.of` (slow: about 38 s for 100,000 serials here).
 *
 *   npx ts-node scripts/manifest-speed.ts [SIZE ...]        default 100000; one size a run gives a clean peak RSS
 *   MANIFEST_SPEED_OZ=1 npx ts-node scripts/manifest-speed.ts 10000    also time StandardMerkleTree.of and check it
 */
import { once } from "events";
import fs from "fs";
import os from "os";
import path from "path";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { Manifest, type ManifestLeaf, verifyManifestProof } from "../sdk/src/manifest";

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

/** 20-character serials with AI 82 punctuation, as a serialisation line might print them. */
function serialAt(i: number): string {
  return `SN-${i.toString(36).toUpperCase().padStart(8, "0")}/x_${i % 9973}`.padEnd(20, "*").slice(0, 20);
}

async function writeCsv(file: string, size: number): Promise<void> {
  const out = fs.createWriteStream(file);
  let text = "serial\r\n";
  for (let i = 0; i < size; i++) {
    text += `${serialAt(i)}\r\n`;
    if (text.length > 1 << 20) {
      if (!out.write(text)) await once(out, "drain");
      text = "";
    }
  }
  await new Promise<void>((resolve, reject) => out.end(text, () => resolve()).once("error", reject));
}

async function bench(size: number, dir: string): Promise<void> {
  const csv = path.join(dir, `serials-${size}.csv`);
  await writeCsv(csv, size);
  console.log(`\n${size.toLocaleString("en")} serials (${mib(fs.statSync(csv).size)} CSV)`);

  // A phase's time runs from the end of the one before (so the leaf sort counts in "tree").
  const phaseTimes: string[] = [];
  let started = process.hrtime.bigint();
  let phaseStart = started;
  const cpu = process.cpuUsage();
  const manifest = await Manifest.fromFile(csv, {
    onProgress: ({ phase, done, total }) => {
      if (done !== total) return;
      phaseTimes.push(`${phase} ${seconds(phaseStart).toFixed(2)} s`);
      phaseStart = process.hrtime.bigint();
    },
  });
  const cpuSeconds = Object.values(process.cpuUsage(cpu)).reduce((a, b) => a + b, 0) / 1e6;
  console.log(
    `  fromFile (streamed CSV):  ${seconds(started).toFixed(2)} s  [${phaseTimes.join(", ")}]  root ${manifest.root}`,
  );
  console.log(
    `  CPU time of that build:   ${cpuSeconds.toFixed(2)} s; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  console.log(
    `  peak RSS after it:        ${mib(process.resourceUsage().maxRSS * 1024)}, heap used now ${mib(process.memoryUsage().heapUsed)}`,
  );

  const serials = [...manifest.serials];
  started = process.hrtime.bigint();
  const again = Manifest.fromSerials(serials);
  console.log(`  fromSerials (array):      ${seconds(started).toFixed(2)} s`);
  if (again.root !== manifest.root) throw new Error("fromSerials and fromFile disagree");

  const samples = Math.min(size, 10_000);
  started = process.hrtime.bigint();
  for (let k = 0; k < samples; k++) manifest.proof(serials[(k * 7919) % size]);
  const perProof = (seconds(started) / samples) * 1e6;
  const { index, proof } = manifest.proof(serials[size - 1]);
  started = process.hrtime.bigint();
  for (let k = 0; k < samples; k++) verifyManifestProof(manifest.root, index, serials[index], proof);
  const perVerify = (seconds(started) / samples) * 1e6;
  console.log(
    `  proof by serial:          ${perProof.toFixed(1)} us a pack (${proof.length} hashes); verify ${perVerify.toFixed(1)} us`,
  );

  const caseSize = Math.min(size, 1_000);
  started = process.hrtime.bigint();
  const multi = manifest.multiProof(Array.from({ length: caseSize }, (_, k) => k));
  console.log(
    `  multiproof of ${caseSize} packs:  ${(seconds(started) * 1000).toFixed(1)} ms (${multi.proof.length} hashes)`,
  );

  const saved = path.join(dir, `manifest-${size}.json`);
  started = process.hrtime.bigint();
  await manifest.save(saved);
  const saveTime = seconds(started);
  started = process.hrtime.bigint();
  const loaded = await Manifest.load(saved);
  console.log(
    `  save ${saveTime.toFixed(2)} s (${mib(fs.statSync(saved).size)}), load and check ${seconds(started).toFixed(2)} s`,
  );
  if (loaded.root !== manifest.root) throw new Error("load changed the root");

  if (process.env.MANIFEST_SPEED_OZ) {
    const leaves = serials.map((serial, i): ManifestLeaf => [i, serial]);
    started = process.hrtime.bigint();
    const oz = StandardMerkleTree.of(leaves, ["uint32", "string"]);
    console.log(
      `  StandardMerkleTree.of:    ${seconds(started).toFixed(2)} s, same root: ${oz.root === manifest.root}`,
    );
    started = process.hrtime.bigint();
    StandardMerkleTree.load(manifest.dump());
    console.log(`  StandardMerkleTree.load(manifest.dump()): ${seconds(started).toFixed(2)} s`);
  }
  console.log(`  peak RSS of the process so far: ${mib(process.resourceUsage().maxRSS * 1024)}`);
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number);
  if (sizes.length === 0) sizes.push(100_000);
  if (sizes.some((size) => !Number.isInteger(size) || size < 1)) throw new Error("give sizes as positive integers");
  console.log(`RSS before building (node, ts-node and TypeScript): ${mib(process.memoryUsage().rss)}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "manifest-speed-"));
  try {
    for (const size of sizes) await bench(size, dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
