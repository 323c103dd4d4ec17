/**
 * The service's mirror of custody answers exactly as the contract's `verify` does, at the block it names: a
 * differential test over random custody histories (shipments made and settled every way, decommissions and undos,
 * quarantines, clearances and confirmations, recalls and their lifting, time passing over a lot's expiry) on three lots
 * (released, released and expiring, pending), after every step comparing every pack — with the scanner's GTIN and
 * expiry given, omitted or wrong — and unknown lots and products, field by field, with `verifyBatch` called at the
 * mirror's block. Also: a reorganisation under the mirror (evm_revert) is detected and the mirror starts again.
 *
 * Replay with FC_SEED=<seed> FC_PATH=<path>; FC_RUNS sets the number of histories.
 */
import { expect } from "chai";
import fc from "fast-check";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { BrowserProvider } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { PharmaChainClient } from "@pharmachain/sdk";
import { Manifest } from "../../sdk/src/manifest";
import { gtinToUint64, lotIdOf } from "../../sdk/src/gs1";
import {
  DAY,
  GTIN,
  NO_SIGNATURE,
  PackState,
  World,
  bytes32,
  commission,
  serialsFor,
  worldFixture,
} from "../../test/helpers/fixture";
import { signLotAttestation } from "../../sdk/src/attestation";
import { attestationFor, domainOf, sig } from "../../test/helpers/fixture";
import { CustodyMirror, type MirrorQuery } from "../src/mirror";

const UNITS = 24;
const GAS = { gasLimit: 3_000_000 };

interface Lot {
  lotId: string;
  manifest: Manifest;
  expiresAt: bigint;
}

async function world(): Promise<{ w: World; lots: Lot[] }> {
  const w = await worldFixture();
  const lots: Lot[] = [];
  for (const [name, expiresIn, released] of [
    ["MIRROR-A", 365n * DAY, true],
    ["MIRROR-B", 20n * DAY, true],
    ["MIRROR-C", 365n * DAY, false],
  ] as const) {
    const manifest = Manifest.fromSerials(serialsFor(name, UNITS));
    if (released) {
      const { lotId, att } = await commission(w, manifest, { lotNumber: name, expiresIn });
      lots.push({ lotId, manifest, expiresAt: att.expiresAt });
    } else {
      // one signature only: the lot waits for the regulator's, pending
      const att = await attestationFor(w, manifest, { lotNumber: name, expiresIn });
      const ms = await signLotAttestation(w.manufacturer, await domainOf(w), att);
      await w.lots.commissionLot(att, sig(w.manufacturer.address, ms), NO_SIGNATURE);
      lots.push({ lotId: att.lotId, manifest, expiresAt: att.expiresAt });
    }
  }
  return { w, lots };
}

async function setup(): Promise<{ w: World; lots: Lot[]; client: PharmaChainClient }> {
  const { w, lots } = await loadFixture(world);
  const client = await PharmaChainClient.connect({
    runner: new BrowserProvider(hre.network.provider, undefined, { cacheTimeout: -1 }),
    deployment: {
      registry: await w.registry.getAddress(),
      lots: await w.lots.getAddress(),
      custody: await w.custody.getAddress(),
    },
  });
  return { w, lots, client };
}

/** Every pack of every lot, with the scanner's GTIN and expiry right, omitted or wrong; unknown lots and products. */
function queriesFor(lots: Lot[], pick: (n: number) => number): { chain: unknown[]; mirror: MirrorQuery[] } {
  const chain: unknown[] = [];
  const mirror: MirrorQuery[] = [];
  for (const lot of lots) {
    for (let index = 0; index < UNITS; index++) {
      const serial = lot.manifest.serialAt(index);
      const proof = lot.manifest.proofAt(index).proof;
      const g = pick(4);
      const gtin = g === 0 ? 0n : g === 3 ? gtinToUint64("00614141999996") : GTIN;
      const e = pick(4);
      const expiresAt = e === 0 ? 0n : e === 3 ? lot.expiresAt + DAY : lot.expiresAt;
      chain.push({ lotId: lot.lotId, index, serial, proof, gtin, expiresAt, hint: 0 });
      mirror.push({ lotId: lot.lotId, gtin, expiresAt, index });
    }
  }
  const unknownLot = lotIdOf(GTIN, "NO-SUCH-LOT");
  chain.push({ lotId: unknownLot, index: 0, serial: "X", proof: [], gtin: GTIN, expiresAt: 0n, hint: 0 });
  mirror.push({ lotId: unknownLot, gtin: GTIN, expiresAt: 0n });
  const unknownProduct = gtinToUint64("00614141000012");
  chain.push({ lotId: lots[0].lotId, index: 0, serial: "X", proof: [], gtin: unknownProduct, expiresAt: 0n, hint: 0 });
  mirror.push({ lotId: lots[0].lotId, gtin: unknownProduct, expiresAt: 0n });
  return { chain, mirror };
}

async function compare(w: World, mirror: CustodyMirror, lots: Lot[], pick: (n: number) => number): Promise<number> {
  await mirror.sync();
  const block = mirror.block.number;
  const { chain, mirror: queries } = queriesFor(lots, pick);
  const expected = await w.custody.verifyBatch(chain as never, { blockTag: block });
  const { value: actual, block: at } = await mirror.atOneBlock(() => mirror.verify(queries));
  expect(at.number).to.equal(block);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    const fields = {
      verdict: [Number(e.verdict), a.verdict],
      state: [Number(e.state), a.state],
      holder: [e.holder, a.holder],
      shipmentId: [e.shipmentId, a.shipmentId],
      decommissionedAt: [e.decommissionedAt, a.decommissionedAt],
      manufacturer: [e.manufacturer, a.manufacturer],
      manufacturerSigner: [e.manufacturerSigner, a.manufacturerSigner],
      regulatorSigner: [e.regulatorSigner, a.regulatorSigner],
      commissionedAt: [e.commissionedAt, a.commissionedAt],
      releasedAt: [e.releasedAt, a.releasedAt],
      recalledAt: [e.recalledAt, a.recalledAt],
      expiresAt: [e.expiresAt, a.expiresAt],
    };
    for (const [name, [want, got]] of Object.entries(fields)) {
      expect(
        got,
        `query ${i} (${JSON.stringify(queries[i], (_k, v) => (typeof v === "bigint" ? v.toString() : v))}) ${name} at block ${block}`,
      ).to.equal(want);
    }
  }
  return expected.length;
}

describe("Service mirror: the same verdicts as the contract", function () {
  const stats = { steps: 0, accepted: 0, compared: 0, verdicts: new Map<number, number>() };

  it("equals verify at the mirror's block over random custody histories", async function () {
    const runs = Number(process.env.FC_RUNS ?? 2);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.nat(1_000_000), { minLength: 8, maxLength: 8 }), { minLength: 10, maxLength: 20 }),
        async (steps) => {
          const { w, lots, client } = await setup();
          const mirror = new CustodyMirror(client, { pollMs: 0 });
          await mirror.start();
          const shipments: {
            id: bigint;
            witness: ReturnType<typeof rangeOf>;
            seller: HardhatEthersSigner;
            buyer: HardhatEthersSigner;
          }[] = [];
          const parties = [w.manufacturer, w.distributor, w.distributor2, w.dispenser, w.dispenser2];
          const byAddress = new Map(
            [...parties, w.regulator, w.regulator2, w.transporter, w.council].map((s) => [s.address, s]),
          );
          for (const step of steps) {
            let k = 0;
            const pick = (n: number): number => step[k++ % step.length] % n;
            const lot = lots[pick(3)];
            const runs = (await w.custody.runs(lot.lotId, 0, 100))[0];
            const run = runs[pick(runs.length)];
            const start = Number(run.start) + pick(Number(run.end) - Number(run.start));
            const end = start + 1 + pick(Number(run.end) - start);
            const r = rangeOf(lot.lotId, start, end);
            const holder = byAddress.get(run.holder) ?? w.manufacturer;
            // mostly an operation that suits the run's state (so that most are accepted), sometimes any
            let op = pick(10);
            if (pick(10) < 7) {
              const state = Number(run.state) as PackState;
              op =
                state === PackState.Active
                  ? [0, 1, 3, 5][pick(4)]
                  : state === PackState.InTransit
                    ? 2
                    : state === PackState.Suspect
                      ? 6 + pick(2)
                      : 4;
            }
            let tx: Promise<unknown>;
            switch (op) {
              case 0:
              case 1: {
                // mostly a buyer the trade path allows (manufacturer → distributor or dispenser, distributor → dispenser,
                // another distributor or back to the manufacturer, dispenser → distributor), sometimes any party
                const allowed =
                  holder === w.manufacturer
                    ? [w.distributor, w.dispenser]
                    : holder === w.distributor || holder === w.distributor2
                      ? [
                          w.dispenser,
                          w.dispenser2,
                          w.distributor === holder ? w.distributor2 : w.distributor,
                          w.manufacturer,
                        ]
                      : [w.distributor, w.distributor2];
                const buyer = pick(5) === 0 ? parties[pick(parties.length)] : allowed[pick(allowed.length)];
                const transporter = pick(2) === 0 ? ethers.ZeroAddress : w.transporter.address;
                tx = w.custody.connect(holder).ship(buyer.address, transporter, bytes32("notice"), [r], GAS);
                const id = (await w.custody.shipmentCount()) + 1n;
                shipments.push({ id, witness: r, seller: holder, buyer });
                break;
              }
              case 2: {
                const s =
                  Number(run.state) === PackState.InTransit
                    ? shipments.find((x) => x.id === run.aux)
                    : shipments[pick(Math.max(shipments.length, 1))];
                if (!s) continue;
                const how = pick(6);
                tx =
                  how === 0
                    ? w.custody.connect(s.buyer).receiveShipment(s.id, GAS)
                    : how === 1
                      ? w.custody.connect(s.buyer).rejectShipment(s.id, bytes32("reason"), GAS)
                      : how === 2
                        ? w.custody.connect(s.seller).cancelShipment(s.id, s.witness, GAS)
                        : how === 3
                          ? w.custody.connect(w.regulator).voidShipment(s.id, bytes32("void"), GAS)
                          : how === 4
                            ? w.custody.connect(w.transporter).pickUp(s.id, 0, GAS)
                            : w.custody.connect(w.transporter).handOver(s.id, 0, GAS);
                break;
              }
              case 3: {
                const states = [
                  PackState.Dispensed,
                  PackState.Destroyed,
                  PackState.Exported,
                  PackState.Sample,
                  PackState.Locked,
                  PackState.Stolen,
                ];
                const state = states[pick(states.length)];
                if (pick(2) === 0) {
                  const serial = lot.manifest.serialAt(start);
                  const { proof } = lot.manifest.proofAt(start);
                  tx = w.custody
                    .connect(holder)
                    .decommission({ lotId: lot.lotId, index: start, hint: 0, serial, proof }, state, GAS);
                } else {
                  tx = w.custody.connect(holder).decommissionRange(r, state, GAS);
                }
                break;
              }
              case 4:
                tx = w.custody.connect(holder).undoDecommission(r, GAS);
                break;
              case 5:
                tx = w.custody.connect(pick(2) === 0 ? holder : w.regulator).quarantine([r], bytes32("evidence"), GAS);
                break;
              case 6:
                tx = w.custody.connect(w.regulator).clearSuspect([r], bytes32("cleared"), GAS);
                break;
              case 7:
                // two keys: one regulator proposes, another confirms
                tx = w.custody
                  .connect(w.regulator)
                  .confirmIllegitimate([r], bytes32("illegitimate"), GAS)
                  .then(() => w.custody.connect(w.regulator2).confirmIllegitimate([r], bytes32("illegitimate"), GAS));
                break;
              case 8:
                tx =
                  pick(2) === 0
                    ? w.lots.connect(w.manufacturer).recallLot(lot.lotId, bytes32("recall"), GAS)
                    : w.lots.connect(w.council).liftRecall(lot.lotId, bytes32("lift"), GAS);
                break;
              default:
                tx = time.increase(Number(DAY) * (1 + pick(12)));
            }
            try {
              await tx;
              stats.accepted++;
            } catch {
              // refused by the contract: the history goes on; the mirror must still agree
            }
            stats.steps++;
            stats.compared += await compare(w, mirror, lots, pick);
          }
          mirror.stop();
        },
      ),
      {
        numRuns: runs,
        ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED), path: process.env.FC_PATH } : {}),
      },
    );
    console.log(
      `      ${stats.steps} steps (${stats.accepted} accepted by the contract), ${stats.compared} verdicts compared`,
    );
    // not a vacuous history: the contract accepted some of its steps (about a third, usually)
    expect(stats.accepted).to.be.at.least(Math.max(2, Math.floor(stats.steps / 10)));
  });

  it("detects a reorganisation under it and starts again from the new head", async function () {
    const { w, lots, client } = await setup();
    const mirror = new CustodyMirror(client, { pollMs: 0 });
    await mirror.start();
    const snapshot = await hre.network.provider.send("evm_snapshot", []);
    await w.custody.connect(w.manufacturer).decommissionRange(rangeOf(lots[0].lotId, 0, 1), PackState.Destroyed);
    await mirror.sync();
    const [before] = await mirror.verify([{ lotId: lots[0].lotId, gtin: GTIN, expiresAt: 0n, index: 0 }]);
    expect(before.state).to.equal(PackState.Destroyed);
    // the block the mirror stands on is replaced by another at the same height
    await hre.network.provider.send("evm_revert", [snapshot]);
    await w.custody.connect(w.manufacturer).quarantine([rangeOf(lots[0].lotId, 0, 1)], bytes32("evidence"));
    await mirror.sync();
    expect(mirror.reorgs).to.equal(1);
    const [after] = await mirror.verify([{ lotId: lots[0].lotId, gtin: GTIN, expiresAt: 0n, index: 0 }]);
    expect(after.state).to.equal(PackState.Suspect);
    await compare(w, mirror, lots, () => 1);
  });
});

function rangeOf(lotId: string, start: number, end: number) {
  return { lotId, start, end, hint: 0 };
}
