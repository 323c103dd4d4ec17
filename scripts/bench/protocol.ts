/**
 * Gas of PharmaChain's own operations on the embedded Hardhat network, driven through the SDK's client as an
 * integrator would (the client returns each transaction's receipt `gasUsed`), and the storage that ship plus
 * receive of 100,000 packs writes, from `debug_traceTransaction`.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { BrowserProvider, JsonRpcSigner } from "ethers";
import {
  Manifest,
  PackState,
  PharmaChainClient,
  Role,
  batchRecordHash,
  buildLotAttestation,
  deployProtocol,
  gtinToUint64,
  signLotAttestation,
} from "../../sdk/src";
import { BenchSizes, Metrics, progress, seededRandom, serials20 } from "./common";
import { storageWrites } from "./storage";

const GTIN = gtinToUint64("00614141123452");
const DAY = 24 * 60 * 60;

export async function measureProtocol(
  hre: HardhatRuntimeEnvironment,
  metrics: Metrics,
  sizes: BenchSizes,
): Promise<void> {
  const provider = new BrowserProvider(hre.network.provider);
  const signer = (i: number): Promise<JsonRpcSigner> => provider.getSigner(i);
  const [council, regulator, manufacturer, distributor, transporter, dispenser] = await Promise.all(
    [0, 1, 2, 3, 4, 5].map(signer),
  );
  const deployment = await deployProtocol(council);
  const base = await PharmaChainClient.connect({ runner: council, deployment });
  const as = (s: JsonRpcSigner): PharmaChainClient => base.withRunner(s);
  const now = async (): Promise<number> => (await provider.getBlock("latest"))!.timestamp;
  const validUntil = BigInt((await now()) + 2 * 365 * DAY);

  await as(council).appointRegulator({
    account: regulator.address,
    gln: 0,
    jurisdiction: "BD",
    validUntil,
    licence: "regulator",
  });

  // ------------------------------------------------------------ registration
  const parties: [JsonRpcSigner, Role][] = [
    [manufacturer, Role.Manufacturer],
    [distributor, Role.Distributor],
    [transporter, Role.Transporter],
    [dispenser, Role.Dispenser],
  ];
  for (const [party, role] of parties) {
    const applied = await as(party).applyForRole({
      role,
      gln: 0,
      jurisdiction: "BD",
      licence: `licence ${party.address}`,
      metadata: "record",
    });
    const approved = await as(regulator).approveStakeholder(party.address, validUntil);
    if (role === Role.Manufacturer) {
      metrics.set("gas.registerStakeholder.apply", applied.tx.gasUsed);
      metrics.set("gas.registerStakeholder.approve", approved.tx.gasUsed);
      metrics.set("gas.registerStakeholder", applied.tx.gasUsed + approved.tx.gasUsed);
    }
  }
  const registered = await as(manufacturer).registerProduct(GTIN, "product record");
  const productApproved = await as(regulator).approveProduct(GTIN);
  metrics.set("gas.registerProduct.register", registered.tx.gasUsed);
  metrics.set("gas.registerProduct.approve", productApproved.tx.gasUsed);
  metrics.set("gas.registerProduct", registered.tx.gasUsed + productApproved.tx.gasUsed);

  const domain = base.domain();
  const commission = async (lotNumber: string, manifest: Manifest) => {
    const t = await now();
    const attestation = buildLotAttestation({
      gtin: GTIN,
      lotNumber,
      expiresAt: BigInt(t + 2 * 365 * DAY),
      unitCount: manifest.size,
      serialsRoot: manifest.root,
      dataHash: batchRecordHash(`batch record ${lotNumber}`),
      manufacturer: manufacturer.address,
      deadline: BigInt(t + DAY),
    });
    const written = await as(manufacturer).commissionLot({
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
    if (!written.released) throw new Error(`lot ${lotNumber} was not released`);
    return written;
  };

  // One-offs made before measuring (as npm run gas): the chain's first shipment sets the shipment counter (20,000
  // gas), and an account's first write of custody records takes its holder id (two new words and the counter: the
  // first on the chain costs about 66,000 gas, each later one about 49,000; measured here as gas.holderId.first).
  const warmManifest = Manifest.fromSerials(["WARM-UP-0", "WARM-UP-1"]);
  const warm = await commission("WARM-UP", warmManifest);
  const warmShipped = await as(manufacturer).ship({
    buyer: distributor.address,
    ranges: [{ lotId: warm.lotId, start: 0, end: 2 }],
  });
  await as(distributor).receiveShipment(warmShipped.shipmentId);
  const warmOn = await as(distributor).ship({
    buyer: dispenser.address,
    ranges: [{ lotId: warm.lotId, start: 1, end: 2 }],
  });
  await as(dispenser).receiveShipment(warmOn.shipmentId);
  const warmProof = warmManifest.proofAt(1);
  const warmDispensed = await as(dispenser).dispense({
    lotId: warm.lotId,
    index: 1,
    serial: warmProof.serial,
    proof: warmProof.proof,
  });
  metrics.set("gas.holderId.first", warmDispensed.tx.gasUsed);

  // ------------------------------------------------------------ commission, ship + receive
  const lots = new Map<number, { lotId: string; manifest: Manifest }>();
  for (const size of sizes.lotSizes) {
    const manifest = Manifest.fromSerials(serials20(`SN${size}-`, size));
    const lot = await commission(`BENCH-${size}`, manifest);
    lots.set(size, { lotId: lot.lotId, manifest });
    metrics.set(`gas.commission.${size}`, lot.tx.gasUsed);
    const shipped = await as(manufacturer).ship({
      buyer: distributor.address,
      ranges: [{ lotId: lot.lotId, start: 0, end: size }],
    });
    const received = await as(distributor).receiveShipment(shipped.shipmentId);
    metrics.set(`gas.ship.${size}`, shipped.tx.gasUsed);
    metrics.set(`gas.receive.${size}`, received.tx.gasUsed);
    metrics.set(`gas.shipReceive.${size}`, shipped.tx.gasUsed + received.tx.gasUsed);
    if (size === 100_000) {
      const moved = await storageWrites(hre.network.provider, [shipped.tx.hash, received.tx.hash]);
      metrics.set("slots.shipReceive.100000", moved.slotsWritten);
      metrics.set("slots.shipReceive.100000.sstores", moved.sstores);
      metrics.set("slots.shipReceive.100000.changed", moved.slotsChanged);
      metrics.set("slots.shipReceive.100000.created", moved.slotsCreated);
      const made = await storageWrites(hre.network.provider, [lot.tx.hash]);
      metrics.set("slots.commission.100000", made.slotsWritten);
      metrics.set("slots.commission.100000.sstores", made.sstores);
      metrics.set("slots.commission.100000.created", made.slotsCreated);
    }
    progress(
      `  lot of ${size.toLocaleString("en")}: commission ${lot.tx.gasUsed}, ship ${shipped.tx.gasUsed} + receive ${received.tx.gasUsed}`,
    );
  }

  // Everything below works on the largest lot, now held by the distributor as one run.
  const size = Math.max(...sizes.lotSizes);
  const { lotId, manifest } = lots.get(size)!;
  const at = (fraction: number): number => Math.floor(size * fraction);

  // ------------------------------------------------------------ a shipment of 100 separate ranges
  const ranges = Array.from({ length: 100 }, (_, k) => ({ lotId, start: k * 200, end: k * 200 + 10 }));
  const split = await as(distributor).ship({ buyer: dispenser.address, ranges });
  const splitReceived = await as(dispenser).receiveShipment(split.shipmentId);
  metrics.set("gas.ship.ranges100", split.tx.gasUsed);
  metrics.set("gas.receive.ranges100", splitReceived.tx.gasUsed);
  metrics.set("gas.shipReceive.ranges100", split.tx.gasUsed + splitReceived.tx.gasUsed);
  metrics.set("gas.shipReceive.ranges100.packs", 100 * 10);
  progress(`  100 ranges: ship ${split.tx.gasUsed} + receive ${splitReceived.tx.gasUsed}`);

  // ------------------------------------------------------------ the first split of a fresh lot: ship + receive half of it
  const splitLot = await commission("BENCH-SPLIT", Manifest.fromSerials(serials20("SPLIT-", 1000)));
  const halfShipped = await as(manufacturer).ship({
    buyer: distributor.address,
    ranges: [{ lotId: splitLot.lotId, start: 0, end: 500 }],
  });
  const halfReceived = await as(distributor).receiveShipment(halfShipped.shipmentId);
  metrics.set("gas.shipReceive.partial", halfShipped.tx.gasUsed + halfReceived.tx.gasUsed);
  progress(`  first split of a fresh lot: ship ${halfShipped.tx.gasUsed} + receive ${halfReceived.tx.gasUsed}`);

  // ------------------------------------------------------------ each further range of a shipment, cut from a run's middle
  // One range of 10 packs, then 100 ranges of 10 packs 20 apart, all from the middle of the distributor's run.
  const cutAt = (base: number, k: number) => ({ lotId, start: base + k * 20 + 5, end: base + k * 20 + 15 });
  const oneCut = await as(distributor).ship({ buyer: dispenser.address, ranges: [cutAt(at(0.3), 0)] });
  const hundredCuts = await as(distributor).ship({
    buyer: dispenser.address,
    ranges: Array.from({ length: 100 }, (_, k) => cutAt(at(0.35), k)),
  });
  metrics.set("gas.ship.oneRange", oneCut.tx.gasUsed);
  metrics.set("gas.ship.hundredRanges", hundredCuts.tx.gasUsed);
  metrics.set("gas.ship.perExtraRange", Math.round(Number(hundredCuts.tx.gasUsed - oneCut.tx.gasUsed) / 99));
  progress(`  per further range of a shipment: ${metrics.get("gas.ship.perExtraRange")}`);

  // ------------------------------------------------------------ through a transporter
  const viaStart = at(0.5);
  const viaEnd = at(0.6);
  const via = await as(distributor).ship({
    buyer: dispenser.address,
    transporter: transporter.address,
    notice: "ASN",
    ranges: [{ lotId, start: viaStart, end: viaEnd }],
  });
  const pickedUp = await as(transporter).pickUp(via.shipmentId, 0);
  const handedOver = await as(transporter).handOver(via.shipmentId, 0);
  const viaReceived = await as(dispenser).receiveShipment(via.shipmentId);
  metrics.set("gas.transport.ship", via.tx.gasUsed);
  metrics.set("gas.transport.pickUp", pickedUp.tx.gasUsed);
  metrics.set("gas.transport.handOver", handedOver.tx.gasUsed);
  metrics.set("gas.transport.receive", viaReceived.tx.gasUsed);
  metrics.set(
    "gas.transport.total",
    via.tx.gasUsed + pickedUp.tx.gasUsed + handedOver.tx.gasUsed + viaReceived.tx.gasUsed,
  );
  metrics.set("gas.transport.packs", viaEnd - viaStart);
  progress(`  through a transporter: ${metrics.get("gas.transport.total")} in four transactions`);

  // ------------------------------------------------------------ dispense one pack with its proof (mid-run, then the next)
  const first = viaStart + Math.floor((viaEnd - viaStart) * 0.4321);
  const dispense = async (index: number) => {
    const p = manifest.proofAt(index);
    return as(dispenser).dispense({ lotId, index, serial: p.serial, proof: p.proof });
  };
  const dispensed = await dispense(first);
  const dispensedNext = await dispense(first + 1);
  metrics.set("gas.dispense.1", dispensed.tx.gasUsed);
  metrics.set("gas.dispense.next", dispensedNext.tx.gasUsed);
  metrics.set("gas.dispense.proofLevels", manifest.proofAt(first).proof.length);
  progress(`  dispense: ${dispensed.tx.gasUsed}, the next pack ${dispensedNext.tx.gasUsed}`);

  // ------------------------------------------------------------ decommission a 1,000-pack range, and undo it
  const decStart = at(0.7);
  const decommissioned = await as(distributor).decommissionRange(
    { lotId, start: decStart, end: decStart + 1000 },
    PackState.Exported,
  );
  const undone = await as(distributor).undoDecommission({ lotId, start: decStart, end: decStart + 1000 });
  metrics.set("gas.decommissionRange.1000", decommissioned.tx.gasUsed);
  metrics.set("gas.undoDecommission.1000", undone.tx.gasUsed);

  // ------------------------------------------------------------ quarantine and clear
  const qStart = at(0.8);
  const quarantined = await as(distributor).quarantine([{ lotId, start: qStart, end: qStart + 1000 }], "evidence");
  const cleared = await as(regulator).clearSuspect([{ lotId, start: qStart, end: qStart + 1000 }], "decision");
  metrics.set("gas.quarantine.1000", quarantined.tx.gasUsed);
  metrics.set("gas.clearSuspect.1000", cleared.tx.gasUsed);
  metrics.set("gas.quarantineClear.1000", quarantined.tx.gasUsed + cleared.tx.gasUsed);

  // ------------------------------------------------------------ what verify would cost in a transaction (estimates)
  const reader = base.withRunner(provider);
  const rand = seededRandom(4);
  // Hints from the lot's runs, read once (as the SDK's `runs`): the start of the last run starting at or before a pack.
  const starts = (await reader.runs(lotId)).map((r) => r.start);
  metrics.set("gas.verify.lotRuns", starts.length);
  const query = (index: number) => {
    const p = manifest.proofAt(index);
    const hint = starts.filter((start) => start <= index).pop() ?? 0;
    return { lotId, index, serial: p.serial, proof: p.proof, gtin: GTIN, expiresAt: 0n, hint };
  };
  const one = query(at(0.95));
  metrics.set("gas.verify.1", await reader.custody.verify.estimateGas(one));
  metrics.set("gas.verify.1.noHint", await reader.custody.verify.estimateGas({ ...one, hint: 0 }));
  const hundred = Array.from({ length: 100 }, () => query(Math.floor(rand() * size)));
  const batchGas = metrics.set("gas.verifyBatch.100", await reader.custody.verifyBatch.estimateGas(hundred));
  metrics.set("gas.verifyBatch.100.perPack", Math.round(batchGas / 100));

  // ------------------------------------------------------------ verify without a hint in a lot of many runs
  if (!sizes.quick) {
    // 10,000 runs: 50 shipments of 100 one-pack ranges, 3 packs apart, each cutting a run's middle (two runs each).
    const runsManifest = Manifest.fromSerials(serials20("RUNS-", 15_100));
    const runsLot = await commission("BENCH-RUNS", runsManifest);
    const noHintAt = async (): Promise<{ runs: number; gas: number | null }> => {
      const runCount = (await reader.runs(runsLot.lotId)).length;
      const last = 15_099;
      const p = runsManifest.proofAt(last);
      const q = { lotId: runsLot.lotId, index: last, serial: p.serial, proof: p.proof, gtin: GTIN, expiresAt: 0n };
      try {
        return { runs: runCount, gas: Number(await reader.custody.verify.estimateGas({ ...q, hint: 0 })) };
      } catch {
        return { runs: runCount, gas: null }; // over the per-transaction gas cap
      }
    };
    let measured: { runs: number; gas: number | null } | undefined;
    for (let s = 0; s < 50; s++) {
      const cuts = Array.from({ length: 100 }, (_, k) => {
        // the hint: the run holding the pack before, which starts after the previous cut (0 for the first)
        const start = (s * 100 + k) * 3 + 1;
        return { lotId: runsLot.lotId, start, end: start + 1, hint: Math.max(0, start - 2) };
      });
      await as(manufacturer).ship({ buyer: distributor.address, ranges: cuts });
      if (s === 9) measured = await noHintAt();
    }
    const full = await noHintAt();
    metrics.set("gas.verify.noHint.runs", full.runs);
    if (full.gas !== null) {
      metrics.set("gas.verify.noHint.10000runs", full.gas);
    } else if (measured?.gas != null) {
      // Over the cap: the walk's cost per run, from the lot at 2,000 runs, carried to 10,000.
      const perRun = measured.gas / measured.runs;
      metrics.set("gas.verify.noHint.perRun", Math.round(perRun));
      metrics.set("gas.verify.noHint.10000runs", Math.round(perRun * full.runs), { extrapolated: true });
    }
    progress(`  verify without a hint, ${full.runs} runs: ${full.gas ?? "over the per-transaction cap"}`);

    // Dispense one pack of a lot of 2^20 packs (a 20-level proof), the first after a receipt.
    const big = Manifest.fromSerials(serials20("MEGA-", 1_048_576));
    const bigLot = await commission("BENCH-MEGA", big);
    const mid = 524_288;
    const toPharmacy = await as(manufacturer).ship({
      buyer: dispenser.address,
      ranges: [{ lotId: bigLot.lotId, start: mid, end: mid + 100 }],
    });
    await as(dispenser).receiveShipment(toPharmacy.shipmentId);
    const p = big.proofAt(mid + 37);
    const megaDispensed = await as(dispenser).dispense({
      lotId: bigLot.lotId,
      index: mid + 37,
      serial: p.serial,
      proof: p.proof,
    });
    metrics.set("gas.dispense.1048576", megaDispensed.tx.gasUsed);
    metrics.set("gas.dispense.1048576.proofLevels", p.proof.length);
    progress(`  dispense in a lot of 1,048,576 packs: ${megaDispensed.tx.gasUsed}`);
  }

  // ------------------------------------------------------------ recall (the 1,000-pack lot, held by the distributor)
  const recalled = await as(manufacturer).recallLot(lots.get(1_000)?.lotId ?? lotId, "CAPA");
  metrics.set("gas.recall", recalled.tx.gasUsed);
  progress(`  decommission, undo, quarantine, clear, verify estimates, recall: done`);
}
