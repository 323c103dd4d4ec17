/**
 * The PackRuns library (contracts/libraries/PackRuns.sol) through its harness: runs, heads, range writes across runs,
 * merging, hints; and a property test of random writes against a plain per-pack model, checking after every step that
 * the runs partition the lot, give every pack the model's holder, state and aux, and that no two adjacent runs are
 * equal (the library's invariant).
 */
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { PackState } from "./helpers/fixture";

const UNITS = 100;

async function harnessFixture() {
  const [manufacturer, alice, bob] = await ethers.getSigners();
  const runs = await ethers.deployContract("PackRunsHarness", [UNITS, manufacturer.address]);
  return { runs, manufacturer, alice, bob };
}

type Harness = Awaited<ReturnType<typeof harnessFixture>>["runs"];
type Layout = [number, number, string, number, number, number][];

/** Every run of the lot, walking from 0: [start, end, holder, state, head, aux]. */
async function layout(runs: Harness, units = UNITS): Promise<Layout> {
  const out: Layout = [];
  let start = 0;
  while (start < units) {
    const [, r] = await runs.locate(start, start);
    out.push([start, Number(r.end), r.holder, Number(r.state), Number(r.head), Number(r.aux)]);
    start = Number(r.end);
  }
  return out;
}

/**
 * The library's invariant: no run continues the one before it unchanged (PackRuns.joins), nor does a run's head pack
 * (which would then belong to the run before).
 */
function expectNoEqualNeighbours(l: Layout): void {
  for (let i = 1; i < l.length; i++) {
    const [, , aHolder, aState, aHead, aAux] = l[i - 1];
    const [bStart, , bHolder, bState, bHead, bAux] = l[i];
    const restAux = aHead === PackState.Active ? aAux : 0;
    const continues = (state: number, aux: number) => aHolder === bHolder && aState === state && restAux === aux;
    const joins = bHead === PackState.Active ? continues(bState, bAux) : continues(bHead, bAux);
    expect(joins, `runs before and at ${bStart} are equal: ${JSON.stringify(l)}`).to.equal(false);
  }
}

describe("PackRuns", function () {
  it("reads an untouched lot as one run held by the manufacturer", async function () {
    const { runs, manufacturer } = await loadFixture(harnessFixture);
    expect(await layout(runs)).to.deep.equal([[0, UNITS, manufacturer.address, PackState.Active, PackState.Active, 0]]);
    const [start, run] = await runs.find(73);
    expect(start).to.equal(0);
    expect(run.end).to.equal(UNITS);
  });

  it("splits a run into three when a middle range changes", async function () {
    const { runs, manufacturer, alice } = await loadFixture(harnessFixture);
    await runs.rewrite(0, 40, 60, alice.address, PackState.InTransit, 7);
    expect(await layout(runs)).to.deep.equal([
      [0, 40, manufacturer.address, PackState.Active, PackState.Active, 0],
      [40, 60, alice.address, PackState.InTransit, PackState.Active, 7],
      [60, UNITS, manufacturer.address, PackState.Active, PackState.Active, 0],
    ]);
    expect((await runs.find(59))[0]).to.equal(40);
    expect((await runs.find(60))[0]).to.equal(60);
  });

  it("rewrites a whole run in place", async function () {
    const { runs, alice } = await loadFixture(harnessFixture);
    await runs.rewrite(0, 0, UNITS, alice.address, PackState.Suspect, 0);
    expect(await layout(runs)).to.deep.equal([[0, UNITS, alice.address, PackState.Suspect, PackState.Active, 0]]);
  });

  it("writes a range across several runs as one run, deleting the records inside it", async function () {
    const { runs, manufacturer, alice, bob } = await loadFixture(harnessFixture);
    await runs.rewrite(0, 10, 20, alice.address, PackState.Active, 0);
    await runs.rewrite(10, 20, 30, bob.address, PackState.Suspect, 0);
    await runs.rewrite(20, 30, 40, alice.address, PackState.Sample, 5);
    // [15, 35) spans four runs: three parts of them become one
    await runs.rewrite(10, 15, 35, bob.address, PackState.InTransit, 9);
    expect(await layout(runs)).to.deep.equal([
      [0, 10, manufacturer.address, PackState.Active, PackState.Active, 0],
      [10, 15, alice.address, PackState.Active, PackState.Active, 0],
      [15, 35, bob.address, PackState.InTransit, PackState.Active, 9],
      [35, 40, alice.address, PackState.Sample, PackState.Active, 5],
      [40, UNITS, manufacturer.address, PackState.Active, PackState.Active, 0],
    ]);
    for (const gone of [20, 30]) expect((await runs.stored(gone)).end, `record ${gone}`).to.equal(0);
  });

  it("merges a range with equal runs on both sides, as a clearance or an undo does", async function () {
    const { runs, manufacturer, alice } = await loadFixture(harnessFixture);
    await runs.rewrite(0, 40, 60, alice.address, PackState.Active, 0);
    await runs.rewrite(40, 45, 50, alice.address, PackState.Suspect, 0);
    expect(await layout(runs)).to.have.length(5);
    await runs.rewrite(40, 45, 50, alice.address, PackState.Active, 0); // cleared
    expect(await layout(runs)).to.deep.equal([
      [0, 40, manufacturer.address, PackState.Active, PackState.Active, 0],
      [40, 60, alice.address, PackState.Active, PackState.Active, 0],
      [60, UNITS, manufacturer.address, PackState.Active, PackState.Active, 0],
    ]);
    expect((await runs.stored(45)).end).to.equal(0);
    expect((await runs.stored(50)).end).to.equal(0);
    // returned to the manufacturer: the lot is one run again
    await runs.rewrite(0, 40, 60, manufacturer.address, PackState.Active, 0);
    expect(await layout(runs)).to.deep.equal([[0, UNITS, manufacturer.address, PackState.Active, PackState.Active, 0]]);
  });

  it("joins a run that continues the one before it, and one that the next continues", async function () {
    const { runs, manufacturer, alice } = await loadFixture(harnessFixture);
    await runs.rewrite(0, 10, 20, alice.address, PackState.InTransit, 3);
    await runs.rewrite(0, 20, 30, alice.address, PackState.InTransit, 3); // the same shipment, next to it
    await runs.rewrite(30, 40, 50, alice.address, PackState.InTransit, 3);
    await runs.rewrite(10, 30, 40, alice.address, PackState.InTransit, 3); // fills the gap: one run
    expect(await layout(runs)).to.deep.equal([
      [0, 10, manufacturer.address, PackState.Active, PackState.Active, 0],
      [10, 50, alice.address, PackState.InTransit, PackState.Active, 3],
      [50, UNITS, manufacturer.address, PackState.Active, PackState.Active, 0],
    ]);
  });

  it("keeps the right part's own state and time, and drops a head that stays on the left", async function () {
    const { runs, manufacturer, bob } = await loadFixture(harnessFixture);
    await runs.rewrite(0, 10, 20, manufacturer.address, PackState.Sample, 1234);
    await runs.rewrite(10, 12, 15, bob.address, PackState.Active, 0);
    expect((await layout(runs)).slice(1, 4)).to.deep.equal([
      [10, 12, manufacturer.address, PackState.Sample, PackState.Active, 1234],
      [12, 15, bob.address, PackState.Active, PackState.Active, 0],
      [15, 20, manufacturer.address, PackState.Sample, PackState.Active, 1234],
    ]);
    await runs.setHead(15, 20, PackState.Dispensed, 99); // run [20,100) gets a head
    await runs.rewrite(20, 30, 40, bob.address, PackState.Active, 0);
    expect((await layout(runs)).slice(4)).to.deep.equal([
      [20, 30, manufacturer.address, PackState.Active, PackState.Dispensed, 99],
      [30, 40, bob.address, PackState.Active, PackState.Active, 0],
      [40, UNITS, manufacturer.address, PackState.Active, PackState.Active, 0],
    ]);
  });

  it("stores a single pack's decommission as the head of a run, with one new record", async function () {
    const { runs, manufacturer } = await loadFixture(harnessFixture);
    await runs.setHead(0, 50, PackState.Dispensed, 1000);
    expect(await layout(runs)).to.deep.equal([
      [0, 50, manufacturer.address, PackState.Active, PackState.Active, 0],
      [50, UNITS, manufacturer.address, PackState.Active, PackState.Dispensed, 1000],
    ]);
    expect(await runs.stateOf(50, 50)).to.deep.equal([BigInt(PackState.Dispensed), 1000n]);
    expect(await runs.stateOf(0, 51)).to.deep.equal([BigInt(PackState.Active), 0n]);
  });

  it("turns a head left alone in a one-pack run into that run's state", async function () {
    const { runs, manufacturer } = await loadFixture(harnessFixture);
    await runs.setHead(0, 50, PackState.Dispensed, 1000);
    await runs.setHead(50, 51, PackState.Stolen, 2000);
    expect((await layout(runs)).slice(1)).to.deep.equal([
      [50, 51, manufacturer.address, PackState.Dispensed, PackState.Active, 1000],
      [51, UNITS, manufacturer.address, PackState.Active, PackState.Stolen, 2000],
    ]);
    await runs.setHead(51, 99, PackState.Exported, 3000); // the last pack: a one-pack run
    expect((await layout(runs)).slice(2)).to.deep.equal([
      [51, 99, manufacturer.address, PackState.Active, PackState.Stolen, 2000],
      [99, UNITS, manufacturer.address, PackState.Exported, PackState.Active, 3000],
    ]);
  });

  it("undoes a head by writing its pack back: it merges with the run before and the rest of its own", async function () {
    const { runs, manufacturer } = await loadFixture(harnessFixture);
    await runs.setHead(0, 50, PackState.Dispensed, 1000);
    await runs.rewrite(0, 50, 51, manufacturer.address, PackState.Active, 0);
    expect(await layout(runs)).to.deep.equal([[0, UNITS, manufacturer.address, PackState.Active, PackState.Active, 0]]);
    expect((await runs.stored(50)).end).to.equal(0);
  });

  it("walks forward from any earlier run start, and refuses a position that is not one or comes too late", async function () {
    const { runs, alice } = await loadFixture(harnessFixture);
    await expect(runs.locate(5, 5)).to.be.revertedWithCustomError(runs, "PackRunsInvalidHint").withArgs(5, 5, 6);
    await runs.rewrite(0, 40, 60, alice.address, PackState.InTransit, 7);
    expect((await runs.locate(0, 75))[0]).to.equal(60);
    expect((await runs.locate(40, 75))[0]).to.equal(60);
    await expect(runs.locate(40, 39)).to.be.revertedWithCustomError(runs, "PackRunsInvalidHint").withArgs(40, 39, 40);
    await expect(runs.locate(45, 50)).to.be.revertedWithCustomError(runs, "PackRunsInvalidHint").withArgs(45, 50, 51);
    // a range write needs a run start before its first pack, so that it may join the run before
    await expect(runs.rewrite(40, 40, 50, alice.address, PackState.Active, 0))
      .to.be.revertedWithCustomError(runs, "PackRunsInvalidHint")
      .withArgs(40, 40, 50);
    await expect(runs.rewrite(5, 0, 10, alice.address, PackState.Active, 0))
      .to.be.revertedWithCustomError(runs, "PackRunsInvalidHint")
      .withArgs(5, 0, 10);
    await runs.rewrite(0, 40, 50, alice.address, PackState.Active, 0);
    expect((await layout(runs))[1]).to.deep.equal([40, 50, alice.address, PackState.Active, PackState.Active, 0]);
  });

  describe("against a per-pack model", function () {
    const SMALL = 24;

    async function smallFixture() {
      const signers = await ethers.getSigners();
      const holders = signers.slice(0, 3).map((s) => s.address);
      const runs = await ethers.deployContract("PackRunsHarness", [SMALL, holders[0]]);
      return { runs, holders };
    }

    type Op =
      | { kind: "rewrite"; start: number; len: number; holder: number; state: PackState; aux: number }
      | { kind: "head"; index: number; state: PackState; aux: number };

    const state = fc.constantFrom(PackState.Active, PackState.InTransit, PackState.Suspect, PackState.Dispensed);
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constant("rewrite" as const),
        start: fc.nat({ max: SMALL - 1 }),
        len: fc.integer({ min: 1, max: 12 }),
        holder: fc.nat({ max: 2 }),
        state,
        aux: fc.constantFrom(0, 1, 7),
      }),
      fc.record({
        kind: fc.constant("head" as const),
        index: fc.nat({ max: SMALL - 1 }),
        state: fc.constantFrom(PackState.Dispensed, PackState.Stolen),
        aux: fc.constantFrom(7, 8),
      }),
    );

    it("gives every pack the model's holder, state and aux, with no two adjacent runs equal", async function () {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
          const { runs, holders } = await loadFixture(smallFixture);
          const model = Array.from({ length: SMALL }, () => ({ holder: holders[0], state: PackState.Active, aux: 0 }));
          for (const o of ops) {
            if (o.kind === "rewrite") {
              const end = Math.min(SMALL, o.start + o.len);
              const aux = o.state === PackState.Active ? 0 : o.aux;
              // the nearest hint, or 0 (always valid), alternately
              const from = o.start === 0 || o.len % 2 === 0 ? 0 : Number((await runs.find(o.start - 1))[0]);
              await runs.rewrite(from, o.start, end, holders[o.holder], o.state, aux);
              for (let k = o.start; k < end; k++) model[k] = { holder: holders[o.holder], state: o.state, aux };
            } else {
              // a head goes on an Active pack only, as custody allows
              if (model[o.index].state !== PackState.Active) continue;
              await runs.setHead(0, o.index, o.state, o.aux);
              model[o.index] = { holder: model[o.index].holder, state: o.state, aux: o.aux };
            }
            const l = await layout(runs, SMALL);
            expectNoEqualNeighbours(l);
            for (const [start, end, holder, runState, head, aux] of l) {
              for (let k = start; k < end; k++) {
                const headHere = head !== PackState.Active && k === start;
                const got = {
                  holder,
                  state: headHere ? head : runState,
                  aux: headHere ? aux : head !== PackState.Active ? 0 : aux,
                };
                expect(got, `pack ${k} after ${JSON.stringify(o)}`).to.deep.equal(model[k]);
              }
            }
          }
        }),
        { numRuns: Number(process.env.FC_RUNS ?? 25) },
      );
    });
  });
});
