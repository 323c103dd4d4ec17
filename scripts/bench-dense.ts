/**
 * Custody's dense run store (contracts/libraries/PackRunsDense.sol) against the previous one, PackRuns, on two harnesses of one
 * ABI (contracts/bench/PackRunsDenseBench.sol, contracts/bench/PackRunsBench.sol) deployed side by side on the
 * embedded Hardhat network in the same run, doing the same writes and reads: the operations issue 11's gas ceilings
 * name. Gas is each transaction's receipt `gasUsed` (or `eth_estimateGas` of a hint-free lookup), deterministic: one
 * measurement each. The harnesses hold only the structure (no custody rules, no events), so the figures are the
 * structure's part of PackCustody's transactions (before custody took the dense store, their difference was added to
 * custody's figures as a projection; custody's own figures are now measured by npm run bench). A third harness
 * (contracts/bench/PackRunsDenseLinkedBench.sol) calls the dense store as a linked library
 * (contracts/bench/PackRunsDenseExternal.sol), one DELEGATECALL a call, as PackCustody does through PackRunsStore.
 * Prints a table and writes bench/dense.json (or the path in DENSE_OUT).
 *
 *   npm run bench:dense
 */
import fs from "fs";
import path from "path";
import hre, { ethers } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import type { PackRunsBench, PackRunsDenseBench, PackRunsDenseLinkedBench } from "../typechain-types";
import { ROOT, TX_GAS_CAP, environment } from "./bench/common";

type Harness = PackRunsBench | PackRunsDenseBench | PackRunsDenseLinkedBench;
/** PackRuns; PackRunsDense inlined (internal library); PackRunsDense as a linked library (a DELEGATECALL a call). */
type Kind = "runs" | "dense" | "linked";
const KINDS: Kind[] = ["runs", "dense", "linked"];
const NAMES: Record<Kind, string> = {
  runs: "PackRunsBench",
  dense: "PackRunsDenseBench",
  linked: "PackRunsDenseLinkedBench",
};

const IN_TRANSIT = 1;
const ACTIVE = 0;
const DISPENSED = 4;
const DISPENSE_TIME = 1_800_000_000;

interface Range {
  start: number;
  end: number;
  hint: number;
}

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  return Number((await (await tx).wait())!.gasUsed);
}

async function main(): Promise<void> {
  const started = Date.now();
  const [manufacturer, distributor, dispenser] = await ethers.getSigners();
  const library = await (await ethers.deployContract("PackRunsDenseExternal")).getAddress();
  const deploy = async (kind: Kind, units: number): Promise<Harness> => {
    const options = kind === "linked" ? { libraries: { PackRunsDenseExternal: library } } : {};
    const h = (await ethers.deployContract(NAMES[kind], [units, manufacturer.address], options)) as unknown as Harness;
    // Interning a holder is a one-off per account (PackCustody would do it at registration): made before measuring.
    if (kind !== "runs") {
      for (const account of [distributor, dispenser]) {
        await (await (h as PackRunsDenseBench).register(account.address)).wait();
      }
    }
    return h;
  };
  const pair = async (units: number) => ({
    runs: await deploy("runs", units),
    dense: await deploy("dense", units),
    linked: await deploy("linked", units),
  });
  const m: Record<Kind, Record<string, number>> = { runs: {}, dense: {}, linked: {} };
  const set = (kind: Kind, name: string, value: number): void => {
    m[kind][name] = value;
  };
  const progress = (s: string): void => console.error(s);

  // ------------------------------------------------ the first split of a fresh 1,000-pack lot: [0, 500) shipped
  {
    const h = await pair(1000);
    for (const kind of KINDS) {
      set(
        kind,
        "firstSplit",
        await gasOf(h[kind].write([{ start: 0, end: 500, hint: 0 }], manufacturer, IN_TRANSIT, 2)),
      );
      // and its receipt: the buyer becomes the holder of [0, 500), Active (the metric is ship + receive)
      set(
        kind,
        "firstSplit.receive",
        await gasOf(h[kind].write([{ start: 0, end: 500, hint: 0 }], distributor, ACTIVE, 0)),
      );
      set(kind, "firstSplit.shipReceive", m[kind].firstSplit + m[kind]["firstSplit.receive"]);
    }
    progress(
      `first split, ship + receive: ${m.runs["firstSplit.shipReceive"]} vs ${m.dense["firstSplit.shipReceive"]}`,
    );
  }

  // ------------------------------------------------ each further range of a shipment, cut from a run's middle
  {
    const units = 100_000;
    const h = await pair(units);
    const cut = (base: number, k: number, hint: number): Range => ({
      start: base + k * 20 + 5,
      end: base + k * 20 + 15,
      hint,
    });
    for (const kind of KINDS) {
      await (await h[kind].write([{ start: 0, end: units, hint: 0 }], distributor, ACTIVE, 0)).wait();
      const one = await gasOf(h[kind].write([cut(30_000, 0, 0)], distributor, IN_TRANSIT, 3));
      // hints: the run holding the pack before each range (the rest of the run after the previous cut)
      const ranges = Array.from({ length: 100 }, (_, k) =>
        cut(35_000, k, k === 0 ? 30_015 : 35_000 + (k - 1) * 20 + 15),
      );
      const hundred = await gasOf(h[kind].write(ranges, distributor, IN_TRANSIT, 4));
      set(kind, "oneRange", one);
      set(kind, "hundredRanges", hundred);
      set(kind, "perExtraRange", Math.round((hundred - one) / 99));
      // 100 separate ranges of 10 packs, 200 apart (the bench's gas.ship.ranges100), in a fresh part of the run
      const apart = Array.from({ length: 100 }, (_, k) => ({
        start: 60_000 + k * 200,
        end: 60_000 + k * 200 + 10,
        hint: k === 0 ? 35_000 + 99 * 20 + 15 : 60_000 + (k - 1) * 200 + 10,
      }));
      set(kind, "ranges100", await gasOf(h[kind].write(apart, distributor, IN_TRANSIT, 5)));
    }
    progress(`per further range: ${m.runs.perExtraRange} vs ${m.dense.perExtraRange}`);
  }

  // ------------------------------------------------ one pack dispensed (a head) in a run received by the pharmacy
  const dispense = async (units: number, from: number, to: number, index: number, name: string) => {
    const h = await pair(units);
    for (const kind of KINDS) {
      await (await h[kind].write([{ start: from, end: to, hint: 0 }], dispenser, ACTIVE, 0)).wait();
      set(kind, name, await gasOf(h[kind].setHead(from, index, DISPENSED, DISPENSE_TIME)));
      set(kind, `${name}.next`, await gasOf(h[kind].setHead(index, index + 1, DISPENSED, DISPENSE_TIME)));
    }
    // the dense store with the holder checked by id, the id given as the role check would read it (no read of
    // the id's account): on a lot of its own, the same writes
    const d = (await deploy("dense", units)) as PackRunsDenseBench;
    await (await d.write([{ start: from, end: to, hint: 0 }], dispenser, ACTIVE, 0)).wait();
    const id = await d.idOf(dispenser.address);
    set("dense", `${name}.idFromRole`, await gasOf(d.setHeadAs(index, DISPENSED, DISPENSE_TIME, id)));
    progress(`${name}: ${m.runs[name]} vs ${m.dense[name]}`);
  };
  // as the bench's gas.dispense.1: a 100,000-pack lot, a pack 43 % into a 10,000-pack run
  await dispense(100_000, 50_000, 60_000, 54_321, "dispense.100000");
  // as the bench's gas.dispense.1048576: a 2^20-pack lot, the 38th pack of 100 received
  await dispense(1_048_576, 524_288, 524_388, 524_325, "dispense.1048576");
  {
    // and pack 524,287 of an untouched 2^20-pack lot (the middle of its one run)
    const h = await pair(1_048_576);
    for (const kind of KINDS) {
      set(kind, "dispense.1048576.untouched", await gasOf(h[kind].setHead(0, 524_287, DISPENSED, DISPENSE_TIME)));
    }
  }

  // ------------------------------------------------ a hint-free lookup in a lot of 10,000 runs
  {
    // As the bench: 15,100 packs, 50 shipments of 100 one-pack ranges 3 apart, each cutting a run's middle.
    const units = 15_100;
    const h = await pair(units);
    const estimate = async (x: Harness, index: number): Promise<number | null> => {
      try {
        return Number(await x.find.estimateGas(index));
      } catch {
        return null; // over the per-transaction gas cap
      }
    };
    for (const kind of KINDS) {
      let at2000: number | null = null;
      for (let s = 0; s < 50; s++) {
        const cuts = Array.from({ length: 100 }, (_, k) => {
          const start = (s * 100 + k) * 3 + 1;
          return { start, end: start + 1, hint: Math.max(0, start - 2) };
        });
        await (await h[kind].write(cuts, manufacturer, IN_TRANSIT, 100 + s)).wait();
        if (s === 9) at2000 = await estimate(h[kind], units - 1);
      }
      const full = await estimate(h[kind], units - 1);
      set(kind, "find.2000runs", at2000 ?? NaN);
      if (full !== null) {
        set(kind, "find.10000runs", full);
      } else {
        // over the cap: the walk's cost per run at 2,001 runs, carried to 10,001 (marked extrapolated)
        set(kind, "find.10000runs", Math.round(((at2000 ?? NaN) / 2001) * 10_001));
        set(kind, "find.10000runs.extrapolated", 1);
      }
      // the dearest hint-free lookup over 200 packs spread over the lot
      let worst = 0;
      for (let i = 0; i < units && kind === "dense"; i += 76)
        worst = Math.max(worst, (await estimate(h[kind], i)) ?? 0);
      if (kind === "dense") set(kind, "find.10000runs.worstOf200", worst);
    }
    progress(`hint-free lookup, 10,001 runs: ${m.runs["find.10000runs"]} vs ${m.dense["find.10000runs"]}`);
  }
  {
    // The dense store's dearest lookup shape: a lot of 2^32 - 1 packs, one run cut near its start, a pack near its end
    // (every summary level is read, and l3 scanned).
    const units = 2 ** 32 - 1;
    const dense = await deploy("dense", units);
    await (await dense.write([{ start: 5, end: 6, hint: 0 }], distributor, ACTIVE, 0)).wait();
    set("dense", "find.maxLot.farFromRuns", Number(await dense.find.estimateGas(units - 1)));
  }

  // ------------------------------------------------ code size
  for (const kind of KINDS) {
    const artifact = await hre.artifacts.readArtifact(NAMES[kind]);
    set(kind, "harness.deployedBytes", (artifact.deployedBytecode.length - 2) / 2);
  }
  {
    const artifact = await hre.artifacts.readArtifact("PackRunsDenseExternal");
    set("linked", "library.deployedBytes", (artifact.deployedBytecode.length - 2) / 2);
  }

  const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString("en") : "n/a");
  const keys = [...new Set([...Object.keys(m.dense), ...Object.keys(m.linked)])];
  const rows = keys
    .filter((k) => !k.endsWith(".extrapolated"))
    .map((k) => [
      k,
      fmt(m.runs[k] ?? NaN),
      fmt(m.dense[k] ?? NaN),
      m.runs[k] && m.dense[k] ? `${((m.dense[k] / m.runs[k]) * 100).toFixed(0)} %` : "",
      fmt(m.linked[k] ?? NaN),
      m.linked[k] !== undefined && m.dense[k] !== undefined ? fmt(m.linked[k] - m.dense[k]) : "",
    ]);
  const table = (head: string[], body: string[][]): string =>
    [
      `| ${head.join(" | ")} |`,
      `| ${head.map(() => "---").join(" | ")} |`,
      ...body.map((r) => `| ${r.join(" | ")} |`),
    ].join("\n");
  console.log("\nHarness gas (the structure alone; PackRuns and PackRunsDense side by side, same run)\n");
  console.log(
    table(["operation", "PackRuns", "PackRunsDense", "dense / runs", "dense, linked library", "linked - dense"], rows),
  );
  if (m.runs["find.10000runs.extrapolated"]) {
    console.log(
      "\nPackRuns' hint-free lookup at 10,001 runs is over the per-transaction gas cap: extrapolated from 2,001 runs.",
    );
  }
  console.log("\nCustody's own figures with this store are measured by npm run bench (bench/results.json).");

  const out = process.env.DENSE_OUT ?? path.join(ROOT, "bench", "dense.json");
  const info = await hre.artifacts.getBuildInfo("contracts/bench/PackRunsDenseBench.sol:PackRunsDenseBench");
  fs.writeFileSync(
    out,
    `${JSON.stringify(
      {
        format: "pharmachain-bench-dense",
        version: 1,
        command: "npm run bench:dense",
        generatedAt: new Date().toISOString(),
        seconds: Math.round((Date.now() - started) / 1000),
        hardfork: hre.config.networks.hardhat.hardfork,
        txGasCap: TX_GAS_CAP,
        compiler: { version: info?.solcVersion, settings: info?.input.settings },
        environment: environment(),
        harness: m,
        extrapolated: m.runs["find.10000runs.extrapolated"] ? ["runs.find.10000runs"] : [],
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${path.relative(ROOT, out)}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
