/**
 * PackCustody paths the other tests did not reach (measured by `npm run coverage`): one quarantine, and one clearance,
 * whose ranges go from one lot to another and back.
 */
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { PackState, bytes32, range } from "./helpers/fixture";
import { tradeFixture } from "./helpers/tradeFixture";

describe("PackCustody (paths coverage found untested)", function () {
  it("quarantines and clears ranges of two lots, interleaved, in one call each", async function () {
    const w = await loadFixture(tradeFixture);
    const a = w.lotA.lotId;
    const b = w.lotB.lotId;
    const ranges = [range(a, 0, 2), range(b, 3, 5), range(a, 6, 8), range(b, 10, 12)];
    await w.custody.connect(w.manufacturer).quarantine(ranges, bytes32("evidence"));
    const stateOf = async (lotId: string, index: number) => (await w.custody.packStatus(lotId, index)).state;
    for (const [lotId, i, state] of [
      [a, 0, PackState.Suspect],
      [a, 2, PackState.Active],
      [a, 7, PackState.Suspect],
      [b, 3, PackState.Suspect],
      [b, 5, PackState.Active],
      [b, 11, PackState.Suspect],
    ] as const) {
      expect(await stateOf(lotId, i), `pack ${i} of ${lotId === a ? "A" : "B"}`).to.equal(state);
    }
    await w.custody.connect(w.regulator).clearSuspect(ranges, bytes32("decision"));
    for (const r of ranges) {
      for (let i = r.start; i < r.end; i++) expect(await stateOf(r.lotId, i)).to.equal(PackState.Active);
    }
    // A refusal in the second lot's range of a call names that lot.
    await w.custody.connect(w.manufacturer).quarantine([range(a, 0, 1)], bytes32("evidence"));
    await expect(w.custody.connect(w.regulator).clearSuspect([range(a, 0, 1), range(b, 0, 1)], bytes32("decision")))
      .to.be.revertedWithCustomError(w.custody, "CustodyNotSuspect")
      .withArgs(b, 0, PackState.Active);
  });
});
