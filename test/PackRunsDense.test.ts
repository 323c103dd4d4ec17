/**
 * PackRunsDense (contracts/libraries/PackRunsDense.sol), the prototype of a denser run store for issue 11's gas
 * ceilings, through its benchmark harness (contracts/bench/PackRunsDenseBench.sol), side by side with the current
 * PackRuns on a harness of the same ABI (less `register`) (contracts/bench/PackRunsBench.sol): the layout's words, heads and merges, and
 * property tests of random writes checked after every step against a plain per-pack model (small lot) and against
 * PackRuns run by run (a lot of 2^32 - 1 packs, so that every summary level is used), with the invariant that no two
 * adjacent runs are equal.
 */
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { PackState } from "./helpers/fixture";
import type { PackRunsBench, PackRunsDenseBench } from "../typechain-types";

type Harness = PackRunsBench | PackRunsDenseBench;
/** [start, end, holder, state, head, aux] */
type Run = [number, number, string, number, number, number];

async function deploy(units: number, manufacturer: string, holders: string[]) {
  const dense = (await ethers.deployContract("PackRunsDenseBench", [units, manufacturer])) as PackRunsDenseBench;
  const runs = (await ethers.deployContract("PackRunsBench", [units, manufacturer])) as PackRunsBench;
  for (const h of holders) await dense.register(h);
  return { dense, runs };
}

async function runAt(h: Harness, index: number): Promise<Run> {
  const [start, end, holder, state, head, aux] = await h.find(index);
  return [Number(start), Number(end), holder, Number(state), Number(head), Number(aux)];
}

/** Every run of the lot, from 0. */
async function layout(h: Harness, units: number): Promise<Run[]> {
  const out: Run[] = [];
  for (let at = 0; at < units;) {
    const run = await runAt(h, at);
    expect(run[0], `the run holding ${at} starts at it`).to.equal(at);
    out.push(run);
    at = run[1];
  }
  return out;
}

/** The libraries' invariant: no run continues the one before it, nor does its head pack. */
function expectNoEqualNeighbours(l: Run[]): void {
  for (let i = 1; i < l.length; i++) {
    const [, , aHolder, aState, aHead, aAux] = l[i - 1];
    const [bStart, , bHolder, bState, bHead, bAux] = l[i];
    const restAux = aHead === PackState.Active ? aAux : 0;
    const continues = (state: number, aux: number) => aHolder === bHolder && aState === state && restAux === aux;
    const joins = bHead === PackState.Active ? continues(bState, bAux) : continues(bHead, bAux);
    expect(joins, `runs before and at ${bStart} are equal: ${JSON.stringify(l)}`).to.equal(false);
  }
}

const range = (start: number, end: number) => ({ start, end, hint: 0 });

/** Leaf 0's high flag (its stored bit 0) is set exactly when a run starts at a pack from 8,192 on (leaf 128 on). */
async function expectHighFlag(dense: PackRunsDenseBench, l: Run[], after: string): Promise<boolean> {
  const high = l.some(([start]) => start >= 128 * 64);
  expect(await dense.highFlag(), `the high flag after ${after}: ${JSON.stringify(l.map((r) => r[0]))}`).to.equal(high);
  return high;
}

describe("PackRunsDense", function () {
  async function smallFixture() {
    const [manufacturer, alice, bob] = await ethers.getSigners();
    const { dense, runs } = await deploy(1000, manufacturer.address, [alice.address, bob.address]);
    return { dense, runs, manufacturer, alice, bob };
  }

  it("reads an untouched lot as one run held by the manufacturer, and stores nothing for it", async function () {
    const { dense, manufacturer } = await loadFixture(smallFixture);
    expect(await layout(dense, 1000)).to.deep.equal([[0, 1000, manufacturer.address, 0, 0, 0]]);
    expect(await dense.words(0, 0)).to.deep.equal([0n, 0n, 0n, 0n]);
  });

  it("splits a run into three, one start bit each, and the rest of the run reads the same", async function () {
    const { dense, manufacturer, alice } = await loadFixture(smallFixture);
    await dense.write([range(100, 110)], alice.address, PackState.InTransit, 5);
    expect(await layout(dense, 1000)).to.deep.equal([
      [0, 100, manufacturer.address, 0, 0, 0],
      [100, 110, alice.address, PackState.InTransit, 0, 5],
      [110, 1000, manufacturer.address, 0, 0, 0],
    ]);
    // packs 100 and 110 are in leaf 1 (64..127): bits 36 and 46; leaf 1 is marked in leaf 0's word (bit 128 + 1),
    // which holds l1's bits of leaves 1 to 127: one new word for the two starts, one for the summary, none above.
    const [leaf] = await dense.words(1, 0);
    expect(leaf & ((1n << 64n) - 1n)).to.equal((1n << 36n) | (1n << 46n));
    expect(await dense.words(0, 0)).to.deep.equal([1n << 129n, 0n, 0n, 0n]);
  });

  it("merges a range back into equal runs on both sides, and clears the words it no longer needs", async function () {
    const { dense, manufacturer, alice } = await loadFixture(smallFixture);
    await dense.write([range(100, 110), range(300, 301)], alice.address, PackState.Suspect, 0);
    await dense.write([range(100, 110), range(300, 301)], manufacturer.address, PackState.Active, 0);
    expect(await layout(dense, 1000)).to.deep.equal([[0, 1000, manufacturer.address, 0, 0, 0]]);
    expect(await dense.words(1, 0)).to.deep.equal([0n, 0n, 0n, 0n]);
    expect((await dense.words(4, 0))[0]).to.equal(0n);
    expect((await dense.words(0, 0))[0] >> 64n).to.equal(0n);
  });

  it("writes a range across many runs and leaves as one run", async function () {
    const { dense, manufacturer, alice, bob } = await loadFixture(smallFixture);
    const cuts = Array.from({ length: 30 }, (_, k) => range(k * 25 + 3, k * 25 + 9));
    await dense.write(cuts, alice.address, PackState.Active, 0);
    expect((await layout(dense, 1000)).length).to.equal(61);
    await dense.write([range(2, 760)], bob.address, PackState.Active, 0);
    expect(await layout(dense, 1000)).to.deep.equal([
      [0, 2, manufacturer.address, 0, 0, 0],
      [2, 760, bob.address, 0, 0, 0],
      [760, 1000, manufacturer.address, 0, 0, 0],
    ]);
  });

  it("keeps more than three runs starting in one leaf, in order, past the leaf word", async function () {
    const { dense, manufacturer, alice } = await loadFixture(smallFixture);
    // 20 starts in leaf 2 (128..191), written right to left so that every insert shifts the records after it
    for (let k = 9; k >= 0; k--) await dense.write([range(130 + 6 * k, 133 + 6 * k)], alice.address, 2, k + 1);
    const l = await layout(dense, 1000);
    expect(l.length).to.equal(21);
    for (let k = 0; k < 10; k++) {
      expect(l[1 + 2 * k]).to.deep.equal([130 + 6 * k, 133 + 6 * k, alice.address, 2, 0, k + 1]);
      expect(l[2 + 2 * k].slice(2)).to.deep.equal([manufacturer.address, 0, 0, 0]);
    }
  });

  it("stores a single pack's state as a head, and merges it back when undone", async function () {
    const { dense, runs, manufacturer, alice } = await loadFixture(smallFixture);
    for (const h of [dense, runs] as Harness[]) {
      await h.write([range(500, 600)], alice.address, PackState.Active, 0);
      await h.setHead(500, 537, PackState.Dispensed, 1234);
      await h.setHead(500, 599, PackState.Dispensed, 1234);
    }
    const expected: Run[] = [
      [0, 500, manufacturer.address, 0, 0, 0],
      [500, 537, alice.address, 0, 0, 0],
      [537, 599, alice.address, 0, PackState.Dispensed, 1234],
      [599, 600, alice.address, PackState.Dispensed, 0, 1234],
      [600, 1000, manufacturer.address, 0, 0, 0],
    ];
    expect(await layout(dense, 1000)).to.deep.equal(expected);
    expect(await layout(runs, 1000)).to.deep.equal(expected);
    await dense.write([range(537, 538), range(599, 600)], alice.address, PackState.Active, 0);
    expect(await layout(dense, 1000)).to.deep.equal([
      [0, 500, manufacturer.address, 0, 0, 0],
      [500, 600, alice.address, 0, 0, 0],
      [600, 1000, manufacturer.address, 0, 0, 0],
    ]);
  });

  it("keeps a lot of two runs in leaf 0's word alone (small mode), leaves it at the third run and comes back when runs merge", async function () {
    const { dense, runs, manufacturer, alice, bob } = await loadFixture(smallFixture);
    const SMALL = 1n << 128n;
    const leaf = async (b: number) => (await dense.words(b, 0))[0];
    const both = async (
      ranges: { start: number; end: number; hint: number }[],
      who: string,
      st: number,
      aux: number,
    ) => {
      for (const h of [dense, runs] as Harness[]) await h.write(ranges, who, st, aux);
      expect(await layout(dense, 1000)).to.deep.equal(await layout(runs, 1000));
    };
    // the first split: one word, leaf 0's, holds both runs (500 is in leaf 7, which stays empty)
    await both([range(0, 500)], alice.address, PackState.InTransit, 5);
    expect(await layout(dense, 1000)).to.deep.equal([
      [0, 500, alice.address, PackState.InTransit, 0, 5],
      [500, 1000, manufacturer.address, 0, 0, 0],
    ]);
    expect((await leaf(0)) & SMALL).to.equal(SMALL);
    expect(await leaf(7)).to.equal(0n);
    // received: still two runs, still one word
    await both([range(0, 500)], bob.address, PackState.Active, 0);
    expect((await leaf(0)) & SMALL).to.equal(SMALL);
    expect(await leaf(7)).to.equal(0n);
    // a third run (and a fourth): out of small mode, the second run's leaf written out
    await both([range(600, 610)], alice.address, PackState.Suspect, 0);
    expect((await leaf(0)) & SMALL).to.equal(0n);
    expect((await leaf(7)) & ((1n << 64n) - 1n)).to.equal(1n << 52n);
    expect((await leaf(9)) & ((1n << 64n) - 1n)).to.equal((1n << 24n) | (1n << 34n));
    // merged back to two runs: small mode again, leaves 7 and 9 cleared
    await both([range(600, 610)], manufacturer.address, PackState.Active, 0);
    expect((await leaf(0)) & SMALL).to.equal(SMALL);
    expect(await leaf(7)).to.equal(0n);
    expect(await leaf(9)).to.equal(0n);
    // a head on the second run's first pack, then undone: out of it (three runs) and back
    for (const h of [dense, runs] as Harness[]) await h.setHead(0, 500, PackState.Dispensed, 9);
    expect(await layout(dense, 1000)).to.deep.equal(await layout(runs, 1000));
    await both([range(500, 501)], manufacturer.address, PackState.Active, 0);
    expect((await leaf(0)) & SMALL).to.equal(SMALL);
    // one run again: leaf 0 holds only run 0's record
    await both([range(0, 500)], manufacturer.address, PackState.Active, 0);
    expect(await layout(dense, 1000)).to.deep.equal([[0, 1000, manufacturer.address, 0, 0, 0]]);
    expect(await dense.words(0, 0)).to.deep.equal([0n, 0n, 0n, 0n]);
    // a second run starting in leaf 0 (pack 30) is kept as the layout has it: small mode is for starts 64 to 8,191
    await both([range(0, 30)], alice.address, PackState.Active, 0);
    expect((await leaf(0)) & SMALL).to.equal(0n);
  });

  it("uses small mode in a lot of 100,000 packs only while no leaf from 128 on has a start", async function () {
    const [manufacturer, alice] = await ethers.getSigners();
    const { dense, runs } = await deploy(100_000, manufacturer.address, [alice.address]);
    const SMALL = 1n << 128n;
    await dense.write([range(50_000, 50_010)], alice.address, PackState.Suspect, 0);
    await runs.write([range(50_000, 50_010)], alice.address, PackState.Suspect, 0);
    for (const h of [dense, runs] as Harness[]) await h.write([range(0, 500)], alice.address, PackState.InTransit, 3);
    expect((await dense.words(0, 0))[0] & SMALL).to.equal(0n);
    for (const h of [dense, runs] as Harness[]) await h.write([range(50_000, 50_010)], manufacturer.address, 0, 0);
    expect(await layout(dense, 100_000)).to.deep.equal(await layout(runs, 100_000));
    // the cut far away is gone: the next write that stores leaf 0 finds the lot two runs of small shape
    for (const h of [dense, runs] as Harness[]) await h.write([range(0, 500)], alice.address, PackState.InTransit, 4);
    expect(await layout(dense, 100_000)).to.deep.equal(await layout(runs, 100_000));
    expect((await dense.words(0, 0))[0] & SMALL).to.equal(SMALL);
    expect((await dense.words(7, 0))[0]).to.equal(0n);
  });

  it("keeps the high flag through small mode: starts from pack 8,192 written in it, and a write over them", async function () {
    const [manufacturer, alice, bob] = await ethers.getSigners();
    const units = 100_000;
    const { dense, runs } = await deploy(units, manufacturer.address, [alice.address, bob.address]);
    const SMALL = 1n << 128n;
    const both = async (ranges: { start: number; end: number; hint: number }[], who: string, st: number) => {
      for (const h of [dense, runs] as Harness[]) await h.write(ranges, who, st, 0);
      const l = await layout(dense, units);
      expect(l).to.deep.equal(await layout(runs, units));
      return expectHighFlag(dense, l, JSON.stringify(ranges));
    };
    // the first split: small mode, no start from leaf 128 on
    expect(await both([range(0, 500)], alice.address, PackState.Active)).to.equal(false);
    expect((await dense.words(0, 0))[0] & SMALL).to.equal(SMALL);
    // a range far away: its starts are in leaves 781 (and l1, l2), leaf 0 stays in small mode with the flag set
    expect(await both([range(50_000, 50_010)], bob.address, PackState.Suspect)).to.equal(true);
    expect((await dense.words(0, 0))[0] & (SMALL | 1n)).to.equal(SMALL | 1n);
    // a head on the second run's first pack, and undone: the flag kept
    for (const h of [dense, runs] as Harness[]) await h.setHead(0, 500, PackState.Dispensed, 9);
    expect(await layout(dense, units)).to.deep.equal(await layout(runs, units));
    expect(await dense.highFlag()).to.equal(true);
    expect(await both([range(500, 501)], manufacturer.address, PackState.Active)).to.equal(true);
    // (two runs below pack 8,192 again, but not small mode: the lot has starts from 8,192 on)
    expect((await dense.words(0, 0))[0] & (SMALL | 1n)).to.equal(1n);
    // a write from the second run's start over the far range, as the second run: two runs again, the flag cleared
    expect(await both([range(500, 60_000)], manufacturer.address, PackState.Active)).to.equal(false);
    expect(await dense.words(781, 3)).to.deep.equal([0n, 0n, 0n, 0n]);
    // starts from 8,192 on again, then the whole lot written: one run, nothing stored but run 0's record
    expect(await both([range(8191, 8193), range(16_384, 16_385)], alice.address, PackState.Suspect)).to.equal(true);
    expect(await both([range(0, units)], bob.address, PackState.Active)).to.equal(false);
    expect((await dense.words(0, 0))[0] & ((1n << 64n) - 1n)).to.equal(0n);
    expect(await dense.words(128, 0)).to.deep.equal([0n, 0n, 0n, 0n]);
  });

  it("refuses an empty or out-of-lot range, and an aux past 32 bits, by name", async function () {
    const { dense, alice } = await loadFixture(smallFixture);
    await expect(dense.write([range(10, 10)], alice.address, 0, 0))
      .to.be.revertedWithCustomError(dense, "PackRunsDenseInvalidRange")
      .withArgs(10, 10, 1000);
    await expect(dense.write([range(990, 1001)], alice.address, 0, 0))
      .to.be.revertedWithCustomError(dense, "PackRunsDenseInvalidRange")
      .withArgs(990, 1001, 1000);
    await expect(dense.setHead(0, 1000, PackState.Dispensed, 1))
      .to.be.revertedWithCustomError(dense, "PackRunsDenseInvalidRange")
      .withArgs(1000, 1001, 1000);
    await expect(dense.write([range(1, 2)], alice.address, PackState.InTransit, 2n ** 32n))
      .to.be.revertedWithCustomError(dense, "PackRunsDenseAuxTooLarge")
      .withArgs(2n ** 32n);
  });

  it("finds a pack's run through the summary levels in a lot of 2^32 - 1 packs", async function () {
    const [manufacturer, alice] = await ethers.getSigners();
    const units = 2 ** 32 - 1;
    const { dense } = await deploy(units, manufacturer.address, [alice.address]);
    // one pack far in each l3 word's span, and one near the end
    const at = [5, 70_000, 2 ** 22 + 3, 2 ** 30 + 7, 3 * 2 ** 30 + 11, units - 2];
    await dense.write(
      at.map((a) => range(a, a + 1)),
      alice.address,
      PackState.Suspect,
      0,
    );
    for (const a of at) {
      expect(await runAt(dense, a)).to.deep.equal([a, a + 1, alice.address, PackState.Suspect, 0, 0]);
      const after = await runAt(dense, a + 1);
      expect(after[0]).to.equal(a + 1);
      expect(after[1]).to.equal(at[at.indexOf(a) + 1] ?? units);
      expect((await runAt(dense, a + 1000 < units ? a + 1000 : a + 1))[0]).to.equal(a + 1);
    }
    expect((await runAt(dense, 2 ** 31))[0]).to.equal(2 ** 30 + 8);
  });

  it("writes a head run's own rest back over part of it as PackRuns does: the head alone, then one run", async function () {
    const { dense, runs, manufacturer, alice } = await loadFixture(smallFixture);
    for (const h of [dense, runs] as Harness[]) {
      await h.write([range(500, 600)], alice.address, PackState.Active, 0);
      await h.setHead(0, 500, PackState.Dispensed, 1234);
      // [501, 550) already is alice's, Active: the head becomes a run of its own, and the rest stays one run
      await h.write([range(501, 550)], alice.address, PackState.Active, 0);
    }
    const expected: Run[] = [
      [0, 500, manufacturer.address, 0, 0, 0],
      [500, 501, alice.address, PackState.Dispensed, 0, 1234],
      [501, 600, alice.address, 0, 0, 0],
      [600, 1000, manufacturer.address, 0, 0, 0],
    ];
    expect(await layout(dense, 1000)).to.deep.equal(expected);
    expect(await layout(runs, 1000)).to.deep.equal(expected);
  });

  it("goes down to the nearest start when a summary word beyond has several bits (a lot of 2^32 - 1 packs)", async function () {
    const [manufacturer, alice] = await ethers.getSigners();
    const units = 2 ** 32 - 1;
    const { dense } = await deploy(units, manufacturer.address, [alice.address]);
    // two cuts in one l2 word (256) but two l1 words (65,536 and 65,538), found through l3 from far before and after
    const a = 2 ** 30 + 7;
    const b = 2 ** 30 + 2 * 2 ** 14 + 1;
    await dense.write([range(a, a + 1), range(b, b + 1)], alice.address, PackState.Suspect, 0);
    expect((await runAt(dense, 100)).slice(0, 2)).to.deep.equal([0, a]);
    expect((await runAt(dense, 2 ** 31)).slice(0, 2)).to.deep.equal([b + 1, units]);
    expect((await runAt(dense, a + 5)).slice(0, 2)).to.deep.equal([a + 1, b]);
  });

  describe("(property) against a per-pack model and against PackRuns", function () {
    const SMALL = 200;
    const state = fc.constantFrom(PackState.Active, PackState.InTransit, PackState.Suspect, PackState.Dispensed);

    const ops = (positions: fc.Arbitrary<number>, maxLen: number | fc.Arbitrary<number>) =>
      fc.array(
        fc.oneof(
          fc.record({
            kind: fc.constant("write" as const),
            start: positions,
            len: typeof maxLen === "number" ? fc.integer({ min: 1, max: maxLen }) : maxLen,
            holder: fc.nat({ max: 2 }),
            state,
            aux: fc.constantFrom(0, 1, 7),
          }),
          fc.record({
            kind: fc.constant("head" as const),
            index: positions,
            state: fc.constantFrom(PackState.Dispensed, PackState.Stolen),
            aux: fc.constantFrom(7, 8),
          }),
        ),
        { minLength: 1, maxLength: 12 },
      );

    async function smallLots() {
      const signers = await ethers.getSigners();
      const holders = signers.slice(0, 3).map((s) => s.address);
      return { ...(await deploy(SMALL, holders[0], holders.slice(1))), holders };
    }

    it("gives every pack of a 200-pack lot (four leaves) the model's holder, state and aux, as PackRuns does", async function () {
      // steps after which the lot was in small mode, and steps after which it was not (both must occur)
      const seen = { small: 0, leaves: 0 };
      await fc.assert(
        fc.asyncProperty(ops(fc.nat({ max: SMALL - 1 }), 80), async (list) => {
          const { dense, runs, holders } = await loadFixture(smallLots);
          const model = Array.from({ length: SMALL }, () => ({ holder: holders[0], state: 0, aux: 0 }));
          for (const o of list) {
            if (o.kind === "write") {
              const end = Math.min(SMALL, o.start + o.len);
              const aux = o.state === PackState.Active ? 0 : o.aux;
              for (const h of [dense, runs] as Harness[]) {
                await h.write([range(o.start, end)], holders[o.holder], o.state, aux);
              }
              for (let k = o.start; k < end; k++) model[k] = { holder: holders[o.holder], state: o.state, aux };
            } else {
              if (model[o.index].state !== PackState.Active) continue;
              for (const h of [dense, runs] as Harness[]) await h.setHead(0, o.index, o.state, o.aux);
              model[o.index] = { holder: model[o.index].holder, state: o.state, aux: o.aux };
            }
            const l = await layout(dense, SMALL);
            expectNoEqualNeighbours(l);
            await expectHighFlag(dense, l, JSON.stringify(o));
            if ((await dense.words(0, 0))[0] & (1n << 128n)) seen.small++;
            else if (l.length > 2) seen.leaves++;
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
            expect(l, `the same runs as PackRuns after ${JSON.stringify(o)}`).to.deep.equal(await layout(runs, SMALL));
          }
        }),
        { numRuns: Number(process.env.FC_RUNS ?? 20) },
      );
      expect(seen.small, "steps that left the lot in small mode").to.be.greaterThan(0);
      expect(seen.leaves, "steps that left the lot in leaves").to.be.greaterThan(0);
    });

    // A deep lot (2^32 - 1 packs: l1, l2 and l3) and a shallow one (2^22 packs: l1 only, scanned), with positions
    // near the boundaries of leaves, of leaf 0's summary bits and of every level's words; and a lot of 100,000 packs
    // (l1 and l2) whose writes are short or long (up to 60,000 packs, across every start from 8,192 on), so that
    // starts from pack 8,192 on come and go, in small mode and out of it (the high flag set and cleared).
    const shortOrLong = fc.oneof(fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1, max: 60_000 }));
    for (const [units, bases, lens] of [
      [2 ** 32 - 1, [0, 64, 2 ** 14, 2 ** 22, 2 ** 30, 3 * 2 ** 30, 2 ** 32 - 130], 90],
      [2 ** 22, [0, 64, 8192, 2 ** 14, 2 ** 20, 2 ** 22 - 130], 90],
      [100_000, [0, 64, 500, 8100, 8192, 2 ** 14, 50_000, 99_930], shortOrLong],
    ] as [number, number[], number | fc.Arbitrary<number>][]) {
      const lots = async () => {
        const signers = await ethers.getSigners();
        const holders = signers.slice(0, 3).map((s) => s.address);
        return { ...(await deploy(units, holders[0], holders.slice(1))), holders };
      };
      const near = fc
        .tuple(fc.constantFrom(...bases), fc.integer({ min: -3, max: 70 }))
        .map(([base, d]) => Math.min(units - 1, Math.max(0, base + d)));

      it(`keeps the same runs as PackRuns in a lot of ${units} packs, found without hints`, async function () {
        // steps that left the flag set, and steps that cleared it (both must occur)
        const seen = { high: 0, cleared: 0 };
        // the writes, then each written range back to the manufacturer, Active, in a random order: the runs merge
        // back, the last ones into one run (every start from pack 8,192 on goes, through merges and removals)
        const unwound = ops(near, lens).chain((list) =>
          fc.tuple(
            fc.constant(list),
            fc.array(fc.nat(), { minLength: list.length, maxLength: list.length }).map((keys) =>
              list
                .map((o, i) => ({ o, key: keys[i] }))
                .sort((a, b) => a.key - b.key)
                .map(({ o }) =>
                  o.kind === "write"
                    ? { ...o, holder: 0, state: PackState.Active, aux: 0 }
                    : { kind: "write" as const, start: o.index, len: 1, holder: 0, state: PackState.Active, aux: 0 },
                ),
            ),
          ),
        );
        await fc.assert(
          fc.asyncProperty(unwound, async ([list, back]) => {
            const { dense, runs, holders } = await loadFixture(lots);
            let wasHigh = false;
            for (const o of [...list, ...back]) {
              if (o.kind === "write") {
                const end = Math.min(units, o.start + o.len);
                const aux = o.state === PackState.Active ? 0 : o.aux;
                for (const h of [dense, runs] as Harness[]) {
                  await h.write([range(o.start, end)], holders[o.holder], o.state, aux);
                }
              } else {
                const [start, , , runState, head] = await runAt(runs, o.index);
                const active = head === PackState.Active ? runState : o.index === start ? head : runState;
                if (active !== PackState.Active) continue;
                for (const h of [dense, runs] as Harness[]) await h.setHead(0, o.index, o.state, o.aux);
              }
              const l = await layout(dense, units);
              expectNoEqualNeighbours(l);
              expect(l, `the same runs as PackRuns after ${JSON.stringify(o)}`).to.deep.equal(
                await layout(runs, units),
              );
              const high = await expectHighFlag(dense, l, JSON.stringify(o));
              if (high) seen.high++;
              else if (wasHigh) seen.cleared++;
              wasHigh = high;
            }
            expect((await layout(dense, units)).length, "one run once every write is undone").to.equal(1);
          }),
          { numRuns: Number(process.env.FC_RUNS ?? 10) },
        );
        expect(seen.high, "steps that left a start from pack 8,192 on").to.be.greaterThan(0);
        expect(seen.cleared, "steps that removed the last start from pack 8,192 on").to.be.greaterThan(0);
      });
    }
  });
});
