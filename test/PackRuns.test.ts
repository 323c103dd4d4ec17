import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { PackState } from "./helpers/fixture";

const UNITS = 100;

async function harnessFixture() {
  const [manufacturer, alice, bob] = await ethers.getSigners();
  const runs = await ethers.deployContract("PackRunsHarness", [UNITS, manufacturer.address]);
  return { runs, manufacturer, alice, bob };
}

type Harness = Awaited<ReturnType<typeof harnessFixture>>["runs"];

/** Every run of the lot, walking from 0: [start, end, holder, state, head, aux]. */
async function layout(runs: Harness): Promise<[number, number, string, number, number, number][]> {
  const out: [number, number, string, number, number, number][] = [];
  let start = 0;
  while (start < UNITS) {
    const r = await runs.load(start, start, start + 1);
    out.push([start, Number(r.end), r.holder, Number(r.state), Number(r.head), Number(r.aux)]);
    start = Number(r.end);
  }
  return out;
}

describe("PackRuns", function () {
  it("reads an untouched lot as one run held by the manufacturer", async function () {
    const { runs, manufacturer } = await loadFixture(harnessFixture);
    expect(await layout(runs)).to.deep.equal([[0, UNITS, manufacturer.address, PackState.Active, PackState.Active, 0]]);
    const [start, run] = await runs.find(73);
    expect(start).to.equal(0);
    expect(run.end).to.equal(UNITS);
  });

  it("splits a run into at most three when a middle range changes", async function () {
    const { runs, manufacturer, alice } = await loadFixture(harnessFixture);
    await runs.update(0, 40, 60, alice.address, PackState.InTransit, 7);
    expect(await layout(runs)).to.deep.equal([
      [0, 40, manufacturer.address, PackState.Active, PackState.Active, 0],
      [40, 60, alice.address, PackState.InTransit, PackState.Active, 7],
      [60, UNITS, manufacturer.address, PackState.Active, PackState.Active, 0],
    ]);
    const [start] = await runs.find(59);
    expect(start).to.equal(40);
    expect((await runs.find(60))[0]).to.equal(60);
  });

  it("rewrites a whole run in place", async function () {
    const { runs, alice } = await loadFixture(harnessFixture);
    await runs.update(0, 0, UNITS, alice.address, PackState.Suspect, 0);
    expect(await layout(runs)).to.deep.equal([[0, UNITS, alice.address, PackState.Suspect, PackState.Active, 0]]);
  });

  it("keeps the right part's own state and time, and drops a head that stays on the left", async function () {
    const { runs, manufacturer, bob } = await loadFixture(harnessFixture);
    await runs.update(0, 10, 20, manufacturer.address, PackState.Sample, 1234);
    await runs.update(10, 12, 15, bob.address, PackState.Active, 0);
    expect((await layout(runs)).slice(1, 4)).to.deep.equal([
      [10, 12, manufacturer.address, PackState.Sample, PackState.Active, 1234],
      [12, 15, bob.address, PackState.Active, PackState.Active, 0],
      [15, 20, manufacturer.address, PackState.Sample, PackState.Active, 1234],
    ]);
    await runs.setHead(20, 20, PackState.Dispensed, 99); // run [20,100) gets a head
    await runs.update(20, 30, 40, bob.address, PackState.Active, 0);
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
    expect(await runs.stateOf(50, 51)).to.deep.equal([BigInt(PackState.Active), 0n]);
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

  it("clears a head, making its pack like the rest of the run", async function () {
    const { runs, manufacturer } = await loadFixture(harnessFixture);
    await runs.setHead(0, 0, PackState.Dispensed, 1000);
    await runs.clearHead(0);
    expect(await layout(runs)).to.deep.equal([[0, UNITS, manufacturer.address, PackState.Active, PackState.Active, 0]]);
  });

  it("refuses a hint that is not a run start or does not hold the range", async function () {
    const { runs, alice } = await loadFixture(harnessFixture);
    await expect(runs.load(5, 5, 6))
      .to.be.revertedWithCustomError(runs, "PackRunsInvalidHint")
      .withArgs(5, 5, 6);
    await runs.update(0, 40, 60, alice.address, PackState.InTransit, 7);
    await expect(runs.load(40, 39, 41))
      .to.be.revertedWithCustomError(runs, "PackRunsInvalidHint")
      .withArgs(40, 39, 41);
    await expect(runs.load(40, 50, 61))
      .to.be.revertedWithCustomError(runs, "PackRunsInvalidHint")
      .withArgs(40, 50, 61);
    await expect(runs.load(45, 45, 46))
      .to.be.revertedWithCustomError(runs, "PackRunsInvalidHint")
      .withArgs(45, 45, 46);
    await expect(runs.load(0, 0, 41))
      .to.be.revertedWithCustomError(runs, "PackRunsInvalidHint")
      .withArgs(0, 0, 41);
    expect((await runs.load(40, 40, 60)).end).to.equal(60);
  });
});
