/**
 * PackRuns: what mutation testing (npm run mutation, docs/mutation.md) found untested. The other tests use small
 * `aux` values (shipment ids, times of today), so a mask that dropped the field's top bit went unnoticed; `aux` is a
 * uint48 and the library must keep all of it.
 */
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { PackState } from "./helpers/fixture";

const UNITS = 100;
/** The largest aux, and one that differs from 7 only in the top bit of the 48. */
const AUX_MAX = 2n ** 48n - 1n;
const AUX_TOP_7 = 2n ** 47n + 7n;

async function harnessFixture() {
  const [manufacturer, alice] = await ethers.getSigners();
  const runs = await ethers.deployContract("PackRunsHarness", [UNITS, manufacturer.address]);
  return { runs, manufacturer, alice };
}

describe("PackRuns: the whole width of aux", function () {
  it("keeps apart two neighbouring runs whose aux differs only in its top bit", async function () {
    const { runs, alice } = await loadFixture(harnessFixture);
    await runs.rewrite(0, 10, 20, alice.address, PackState.InTransit, AUX_TOP_7);
    await runs.rewrite(10, 20, 30, alice.address, PackState.InTransit, 7);
    const [start, left] = await runs.locate(0, 19);
    expect([start, left.end, left.aux]).to.deep.equal([10n, 20n, AUX_TOP_7]);
    const [start2, right] = await runs.locate(10, 20);
    expect([start2, right.end, right.aux]).to.deep.equal([20n, 30n, 7n]);
  });

  it("clears all of a head's aux from the packs after it when a write ends inside the head run", async function () {
    const { runs, manufacturer, alice } = await loadFixture(harnessFixture);
    await runs.setHead(0, 40, PackState.Dispensed, AUX_MAX); // run [40,100) with a head at the largest time
    expect(await runs.stateOf(40, 40)).to.deep.equal([BigInt(PackState.Dispensed), AUX_MAX]);
    await runs.rewrite(0, 40, 45, alice.address, PackState.Suspect, 0);
    const [start, rest] = await runs.locate(40, 45);
    expect(start).to.equal(45n);
    expect([rest.end, rest.holder, rest.state, rest.head, rest.aux]).to.deep.equal([
      BigInt(UNITS),
      manufacturer.address,
      BigInt(PackState.Active),
      BigInt(PackState.Active),
      0n,
    ]);
  });
});
