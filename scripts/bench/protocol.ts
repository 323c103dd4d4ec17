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

  // The chain's first shipment sets the shipment counter, a one-off 20,000 gas: made before measuring (as npm run gas).
  const warm = await commission("WARM-UP", Manifest.fromSerials(["WARM-UP-0"]));
  await as(manufacturer).ship({ buyer: distributor.address, ranges: [{ lotId: warm.lotId, start: 0, end: 1 }] });

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

  // ------------------------------------------------------------ recall (the 1,000-pack lot, held by the distributor)
  const recalled = await as(manufacturer).recallLot(lots.get(1_000)?.lotId ?? lotId, "CAPA");
  metrics.set("gas.recall", recalled.tx.gasUsed);
  progress(`  decommission, undo, quarantine, clear, verify estimates, recall: done`);
}
