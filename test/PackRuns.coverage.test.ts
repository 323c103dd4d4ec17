/**
 * PackRuns paths the other tests did not reach (measured by `npm run coverage`): a walk past the lot's last run, and
 * the two merges that need a pack decommissioned at the same time as the run next to it (in custody, two writes in
 * one block), through the library's harness, which takes the time (`aux`) as an argument.
 */
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { PackState } from "./helpers/fixture";

const UNITS = 100;
const T = 1_000_000;

async function harnessFixture() {
  const [manufacturer] = await ethers.getSigners();
  const runs = await ethers.deployContract("PackRunsHarness", [UNITS, manufacturer.address]);
  return { runs, manufacturer };
}

/** Every run from pack 0: [start, end, state, head, aux]. */
async function layout(runs: Awaited<ReturnType<typeof harnessFixture>>["runs"]) {
  const out: [number, number, number, number, number][] = [];
  let start = 0;
  while (start < UNITS) {
    const [, r] = await runs.locate(start, start);
    out.push([start, Number(r.end), Number(r.state), Number(r.head), Number(r.aux)]);
    start = Number(r.end);
  }
  return out;
}

describe("PackRuns (paths coverage found untested)", function () {
  it("refuses a walk that passes the lot's last run, naming the hint and the pack", async function () {
    const { runs, manufacturer } = await loadFixture(harnessFixture);
    await runs.rewrite(0, 0, 10, manufacturer.address, PackState.Destroyed, T);
    // Runs start at 0 and 10; pack 100 lies beyond the last, which ends at 100.
    await expect(runs.locate(10, UNITS))
      .to.be.revertedWithCustomError(runs, "PackRunsInvalidHint")
      .withArgs(10, UNITS, UNITS + 1);
    await expect(runs.locate(0, UNITS + 5))
      .to.be.revertedWithCustomError(runs, "PackRunsInvalidHint")
      .withArgs(0, UNITS + 5, UNITS + 6);
  });

  it("merges a single pack decommissioned like the run before it, at the same time, into that run", async function () {
    const { runs, manufacturer } = await loadFixture(harnessFixture);
    await runs.rewrite(0, 3, 5, manufacturer.address, PackState.Destroyed, T);
    await runs.setHead(3, 5, PackState.Destroyed, T);
    expect(await layout(runs)).to.deep.equal([
      [0, 3, PackState.Active, PackState.Active, 0],
      [3, 6, PackState.Destroyed, PackState.Active, T],
      [6, UNITS, PackState.Active, PackState.Active, 0],
    ]);
    // The pack's own record went: nothing is stored at 5.
    expect((await runs.stored(5)).end).to.equal(0);
    // At another time, or in another state, it stays a run of its own.
    const again = await loadFixture(harnessFixture);
    await again.runs.rewrite(0, 3, 5, manufacturer.address, PackState.Destroyed, T);
    await again.runs.setHead(3, 5, PackState.Destroyed, T + 1);
    expect((await layout(again.runs)).map((r) => r[0])).to.deep.equal([0, 3, 5]);
  });

  it("takes the head pack of the next run into a range written like it, at the same time", async function () {
    const { runs, manufacturer } = await loadFixture(harnessFixture);
    // Pack 5 first: the head of the run [5, 100).
    await runs.setHead(0, 5, PackState.Destroyed, T);
    expect((await layout(runs)).map((r) => r.slice(0, 4))).to.deep.equal([
      [0, 5, PackState.Active, PackState.Active],
      [5, UNITS, PackState.Active, PackState.Destroyed],
    ]);
    // Then [3, 5) like it: the head joins the range, and the rest of its run stays, now headless, from 6.
    await runs.rewrite(0, 3, 5, manufacturer.address, PackState.Destroyed, T);
    expect(await layout(runs)).to.deep.equal([
      [0, 3, PackState.Active, PackState.Active, 0],
      [3, 6, PackState.Destroyed, PackState.Active, T],
      [6, UNITS, PackState.Active, PackState.Active, 0],
    ]);
    expect((await runs.stored(5)).end).to.equal(0);
  });
});
