/**
 * PackCustody: written while judging a surviving mutant (npm run mutation, docs/mutation.md). The mutant, an undo
 * edit marked as a regulator's, turned out equivalent: `byRegulator` is read for shipping and quarantine only. But it
 * showed that no example test has another party try to undo a decommission, which only its holder may do (the random
 * property test may draw such a call; this test does not rely on the draw).
 */
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Manifest } from "../sdk/src/manifest";
import { PackState, commission, range, serialsFor, worldFixture } from "./helpers/fixture";

async function lotFixture() {
  const w = await worldFixture();
  const { lotId } = await commission(w, Manifest.fromSerials(serialsFor("SN-M-", 10)), { lotNumber: "LOT-M" });
  return { ...w, lotId };
}

describe("PackCustody: undoing a decommission is the holder's", function () {
  it("refuses an undo by an authorised party that does not hold the packs, naming the first pack and its holder", async function () {
    const w = await loadFixture(lotFixture);
    await w.custody.connect(w.manufacturer).decommissionRange(range(w.lotId, 2, 4, 0), PackState.Sample);
    for (const other of [w.distributor, w.dispenser]) {
      await expect(w.custody.connect(other).undoDecommission(range(w.lotId, 2, 4, 0)))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotHolder")
        .withArgs(w.lotId, 2, w.manufacturer.address);
    }
    const s = await w.custody.packStatus(w.lotId, 3);
    expect([s.state, s.holder]).to.deep.equal([BigInt(PackState.Sample), w.manufacturer.address]);
  });
});
