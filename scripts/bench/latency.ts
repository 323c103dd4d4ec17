/**
 * Verification latency and throughput as an integrator sees it: the SDK over HTTP JSON-RPC to a `hardhat node`
 * started on a free port (and stopped), with a lot set up the way a lot looks mid-life: a distributor holds it,
 * ten cases went to a pharmacy and ten packs were dispensed. Each sample is one `PackVerifier.verifyOne` of a random pack from a
 * GS1 Digital Link, including the parse, the manifest lookup of the pack's index and Merkle proof, and the
 * `verifyBatch` call. The headline figures (`verify.*`) pass hints: the starts of the lot's runs, read once with
 * `client.runs`; `verify.noHint.*` are the same packs without them, interleaved so both see the same conditions. The
 * contract ignores hints since its dense run store, so both measure the same work (kept to compare with earlier runs).
 * The node's console logging of each request is turned off
 * (`hardhat_setLoggingEnabled`) for the measurement, after a few samples with it on for the record.
 */
import { ContractRunner, HDNodeWallet, JsonRpcProvider, Wallet } from "ethers";
import {
  Manifest,
  PackCustody__factory,
  PharmaChainClient,
  Role,
  Verdict,
  batchRecordHash,
  buildLotAttestation,
  deployProtocol,
  expiryToExpiresAt,
  gtinToUint64,
  packToDigitalLink,
  signLotAttestation,
  PackVerifier,
  verifyPacks,
  VerifyOptions,
} from "../../sdk/src";
import { RunningNode, startNode } from "../../test/helpers/node";
import { BenchSizes, Metrics, distribution, median, progress, round, seededRandom, serials20 } from "./common";

/** Hardhat's well-known development mnemonic (its test accounts; never real keys). */
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
const GTIN = "00614141123452";
const DAY = 24 * 60 * 60;
/** Packs per `verifyBatch` call in the 1,000-pack verification: the SDK's default. */
const BATCH_CALL_SIZE = 200;

/**
 * One request per HTTP call (ethers otherwise waits up to 10 ms to gather requests into a batch) and no cache of
 * identical requests (ethers otherwise answers a request repeated within 250 ms from memory, nonces included).
 */
const PROVIDER_OPTIONS = { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1, pollingInterval: 50 };

function yymmdd(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(2, 10).replace(/-/g, "");
}

/** Starts the `hardhat node` the latency section uses (early, so that it boots while other sections run). */
export function startLatencyNode(): Promise<RunningNode> {
  return startNode();
}

export async function measureLatency(node: RunningNode, metrics: Metrics, sizes: BenchSizes): Promise<void> {
  const provider = new JsonRpcProvider(node.url, undefined, PROVIDER_OPTIONS);
  try {
    await measureOn(provider, metrics, sizes);
  } finally {
    provider.destroy();
  }
}

async function measureOn(provider: JsonRpcProvider, metrics: Metrics, sizes: BenchSizes): Promise<void> {
  const wallet = (i: number): Wallet => {
    const hd = HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);
    return new Wallet(hd.privateKey, provider);
  };
  const [council, regulator, manufacturer, distributor, dispenser] = [0, 1, 2, 3, 4].map(wallet);
  const deployment = await deployProtocol(council);
  const base = await PharmaChainClient.connect({ runner: council, deployment });
  const as = (w: Wallet): PharmaChainClient => base.withRunner(w);
  const now = async (): Promise<number> => (await provider.getBlock("latest"))!.timestamp;
  const validUntil = BigInt((await now()) + 2 * 365 * DAY);

  await as(council).appointRegulator({ account: regulator.address, gln: 0, jurisdiction: "US", validUntil });
  for (const [party, role] of [
    [manufacturer, Role.Manufacturer],
    [distributor, Role.Distributor],
    [dispenser, Role.Dispenser],
  ] as const) {
    await as(party).applyForRole({ role, gln: 0, jurisdiction: "US", licence: party.address });
    await as(regulator).approveStakeholder(party.address, validUntil);
  }
  const gtin = gtinToUint64(GTIN);
  await as(manufacturer).registerProduct(gtin, "product");
  await as(regulator).approveProduct(gtin);

  const size = sizes.verifyLotSize;
  const lotNumber = "LAT-2026";
  const serials = serials20("VF", size);
  const manifest = Manifest.fromSerials(serials);
  const expiry = yymmdd((await now()) + 2 * 365 * DAY);
  const t = await now();
  const attestation = buildLotAttestation({
    gtin,
    lotNumber,
    expiresAt: expiryToExpiresAt(expiry),
    unitCount: size,
    serialsRoot: manifest.root,
    dataHash: batchRecordHash("batch record"),
    manufacturer: manufacturer.address,
    deadline: BigInt(t + DAY),
  });
  const domain = base.domain();
  const { lotId } = await as(manufacturer).commissionLot({
    attestation,
    manufacturerSignature: {
      signer: manufacturer.address,
      signature: await signLotAttestation(manufacturer, domain, attestation),
    },
    regulatorSignature: {
      signer: regulator.address,
      signature: await signLotAttestation(regulator, domain, attestation),
    },
  });
  const all = await as(manufacturer).ship({ buyer: distributor.address, ranges: [{ lotId, start: 0, end: size }] });
  await as(distributor).receiveShipment(all.shipmentId);
  // Ten cases (a hundredth of the lot each) go to the pharmacy, which dispenses one pack of each.
  const caseSize = size / 100;
  const cases = Array.from({ length: 10 }, (_, k) => ({
    lotId,
    start: (k * 10 + 3) * caseSize,
    end: (k * 10 + 4) * caseSize,
  }));
  const toPharmacy = await as(distributor).ship({ buyer: dispenser.address, ranges: cases });
  await as(dispenser).receiveShipment(toPharmacy.shipmentId);
  for (const c of cases) {
    const p = manifest.proofAt(c.start + 7);
    await as(dispenser).dispense({ lotId, index: p.index, serial: p.serial, proof: p.proof });
  }

  // The reader: a provider only, as a pharmacy's verification service holds.
  const reader = base.withRunner(provider);
  const runs = await reader.runs(lotId);
  const starts = runs.map((r) => r.start);
  metrics.set("verify.lotRuns", runs.length);
  metrics.set("verify.lotSize", size);
  progress(`  node ready: lot of ${size.toLocaleString("en")} packs in ${runs.length} runs`);

  const hint = (_lotId: string, index: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return starts[lo];
  };
  const manifests = new Map<string, Manifest>([[lotId, manifest]]);
  const noHint: VerifyOptions = { manifests: (id) => manifests.get(id) };
  const hinted: VerifyOptions = { ...noHint, hints: hint };
  // long-lived verifiers, as at a counter: each keeps the lot's serialsRoot once it has read it
  const noHintVerifier = new PackVerifier(reader, noHint);
  const hintedVerifier = new PackVerifier(reader, hinted);
  const scanOf = (index: number): string =>
    packToDigitalLink({ gtin: GTIN, lot: lotNumber, serial: serials[index], expiry });
  const rand = seededRandom(2026);
  const randomIndex = (): number => Math.floor(rand() * size);
  const check = (verdict: Verdict | null, index: number): void => {
    if (verdict === null || (verdict !== Verdict.Verified && verdict !== Verdict.Decommissioned)) {
      throw new Error(
        `pack ${index} verified as ${verdict === null ? "cannot verify" : Verdict[verdict]}: the benchmark's lot is not what it should be`,
      );
    }
  };

  // ------------------------------------------------------------ one pack at a time
  for (let i = 0; i < sizes.verifyWarmUp; i++) {
    await noHintVerifier.verifyOne(scanOf(randomIndex()));
    await hintedVerifier.verifyOne(scanOf(randomIndex()));
  }
  // `hardhat node` prints every request it serves, with the contract and function each call reaches; a node serving
  // verifications would not. A few samples with that logging on, for the record; the measurement proper without it.
  const logged: number[] = [];
  for (let i = 0; i < Math.min(500, sizes.verifySamples / 2); i++) {
    const scan = scanOf(randomIndex());
    const start = performance.now();
    await hintedVerifier.verifyOne(scan);
    logged.push(performance.now() - start);
  }
  const withLogging = distribution(logged);
  metrics.set("verify.nodeLogging.samples", withLogging.samples);
  metrics.set("verify.nodeLogging.p50.ms", round(withLogging.p50, 3));
  metrics.set("verify.nodeLogging.p95.ms", round(withLogging.p95, 3));
  await provider.send("hardhat_setLoggingEnabled", [false]);

  // Each sample verifies one random pack with and without hints; every fifth sample also sends the same `verifyBatch`
  // call encoded beforehand (the node's share: its round trip and execution) and a bare `eth_blockNumber` (the round
  // trip alone), so that the breakdown sees the same conditions as the figures it explains. The order rotates.
  // The hinted verifications go through a pass-through runner that times what is spent inside the provider's `call`
  // (ethers' provider, HTTP and the node), so that the rest (the SDK and ethers' ABI coding) is known too.
  let inProvider = 0;
  const timingRunner: ContractRunner = {
    provider,
    call: async (tx) => {
      const start = performance.now();
      try {
        return await provider.call(tx);
      } finally {
        inProvider += performance.now() - start;
      }
    },
  };
  const timedCustody = PackCustody__factory.connect(deployment.custody, timingRunner);
  const timedVerifier = new PackVerifier({ custody: timedCustody, lots: reader.lots }, hinted);
  await timedVerifier.verifyOne(scanOf(randomIndex())); // reads the lot's root once, as the others did in warm-up
  const times = {
    hinted: [] as number[],
    noHint: [] as number[],
    rawCall: [] as number[],
    roundTrip: [] as number[],
    provider: [] as number[],
    client: [] as number[],
  };
  const to = deployment.custody;
  for (let i = 0; i < sizes.verifySamples; i++) {
    const index = randomIndex();
    const scan = scanOf(index);
    const steps: [keyof typeof times, () => Promise<unknown>][] = [
      ["hinted", async () => check((await timedVerifier.verifyOne(scan)).verdict, index)],
      ["noHint", async () => check((await noHintVerifier.verifyOne(scan)).verdict, index)],
    ];
    if (i % 5 === 0) {
      const p = manifest.proofAt(index);
      const query = {
        lotId,
        index,
        serial: p.serial,
        proof: p.proof,
        gtin,
        expiresAt: attestation.expiresAt,
        hint: hint(lotId, index),
      };
      const data = reader.custody.interface.encodeFunctionData("verifyBatch", [[query]]);
      steps.push(["rawCall", () => provider.send("eth_call", [{ to, data }, "latest"])]);
      steps.push(["roundTrip", () => provider.send("eth_blockNumber", [])]);
    }
    for (let k = 0; k < steps.length; k++) {
      const [mode, run] = steps[(k + i) % steps.length];
      inProvider = 0;
      const start = performance.now();
      await run();
      const elapsed = performance.now() - start;
      times[mode].push(elapsed);
      if (mode === "hinted") {
        times.provider.push(inProvider);
        times.client.push(elapsed - inProvider);
      }
    }
    if ((i + 1) % 2500 === 0)
      progress(`  ${i + 1} of ${sizes.verifySamples} packs verified (each with and without hints)`);
  }
  const parts = [
    ["hinted", "verify"],
    ["noHint", "verify.noHint"],
    ["provider", "verify.inProvider"],
    ["client", "verify.client"],
    ["rawCall", "verify.rawCall"],
    ["roundTrip", "verify.rpcRoundTrip"],
  ] as const;
  for (const [mode, prefix] of parts) {
    const d = distribution(times[mode]);
    metrics.set(`${prefix}.samples`, d.samples);
    metrics.set(`${prefix}.mean.ms`, round(d.mean, 3));
    metrics.set(`${prefix}.p50.ms`, round(d.p50, 3));
    metrics.set(`${prefix}.p95.ms`, round(d.p95, 3));
    metrics.set(`${prefix}.p99.ms`, round(d.p99, 3));
    metrics.set(`${prefix}.max.ms`, round(d.max, 3));
  }
  const lookups = Math.min(10_000, sizes.verifySamples * 10);
  let started = performance.now();
  for (let i = 0; i < lookups; i++) manifest.proof(serials[randomIndex()]);
  metrics.set("verify.proofLookup.us", round(((performance.now() - started) * 1000) / lookups, 2));

  // ------------------------------------------------------------ 1,000 packs at once
  // One `verifyPacks` call for 1,000 packs; the SDK sends them in `verifyBatch` calls of 200 (its default), since the
  // node caps a call's gas as it caps a transaction's (2^24) and 400 unhinted packs of a 31-run lot exceed it.
  const batchIndices = Array.from({ length: 1000 }, () => randomIndex());
  const batchScans = batchIndices.map(scanOf);
  metrics.set("verify.batch1000.callSize", BATCH_CALL_SIZE);
  metrics.set("verify.batch1000.repeats", sizes.batchRepeats);
  const modes = [
    ["verify.batch1000", { ...hinted, batchSize: BATCH_CALL_SIZE }],
    ...(sizes.quick ? [] : ([["verify.batch1000.noHint", { ...noHint, batchSize: BATCH_CALL_SIZE }]] as const)),
  ] as const;
  const seconds = new Map<string, number[]>(modes.map(([prefix]) => [prefix, []]));
  if (!sizes.quick) for (const [, options] of modes) await verifyPacks(reader, batchScans, options); // warm-up
  for (let r = 0; r < sizes.batchRepeats; r++) {
    for (let k = 0; k < modes.length; k++) {
      const [prefix, options] = modes[(k + r) % modes.length];
      started = performance.now();
      const reports = await verifyPacks(reader, batchScans, options);
      seconds.get(prefix)!.push((performance.now() - started) / 1000);
      reports.forEach((report, i) => check(report.verdict, batchIndices[i]));
    }
  }
  for (const [prefix] of modes) {
    const s = median(seconds.get(prefix)!);
    metrics.set(`${prefix}.seconds`, round(s, 4));
    metrics.set(`${prefix}.perSecond`, Math.round(1000 / s));
  }

  // The node's share of the hinted batch: the same five calls, encoded beforehand, sent raw; and their gas.
  const calls: string[] = [];
  for (let from = 0; from < batchScans.length; from += BATCH_CALL_SIZE) {
    const queries = batchIndices.slice(from, from + BATCH_CALL_SIZE).map((index) => {
      const p = manifest.proofAt(index);
      return {
        lotId,
        index,
        serial: p.serial,
        proof: p.proof,
        gtin,
        expiresAt: attestation.expiresAt,
        hint: hint(lotId, index),
      };
    });
    calls.push(reader.custody.interface.encodeFunctionData("verifyBatch", [queries]));
  }
  const raw: number[] = [];
  for (let r = 0; r < sizes.batchRepeats; r++) {
    started = performance.now();
    for (const data of calls) await provider.send("eth_call", [{ to, data }, "latest"]);
    raw.push((performance.now() - started) / 1000);
  }
  metrics.set("verify.batch1000.rawCalls.seconds", round(median(raw), 4));
  if (!sizes.quick) {
    // eth_estimateGas runs each call several times: left out of the quick run.
    let gas = 0n;
    for (const data of calls) gas += BigInt(await provider.send("eth_estimateGas", [{ to, data }]));
    metrics.set("verify.batch1000.gas", gas);
    metrics.set("verify.batch1000.nodeMgasPerSecond", round(Number(gas) / 1e6 / median(raw), 1));
  }
}
