/**
 * TradeOrders: what mutation testing (npm run mutation, docs/mutation.md) found untested. An inventory page reads at
 * most `maxRuns` runs, and an unknown lot takes one of them: a page of one run stops after it. The existing test
 * pages over an unknown lot alone, where the loop ends with the list anyway, so an unknown lot that took no budget (or
 * gave one back) went unnoticed.
 */
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { tradeFixture } from "./helpers/tradeFixture";

describe("TradeOrders: an unknown lot takes a run of the inventory page", function () {
  it("stops a page of one run after an unknown lot, and reads the known lot on the next page", async function () {
    const w = await loadFixture(tradeFixture);
    const unknown = "0x" + "00".repeat(31) + "01"; // sorts before every real lot id
    const lotIds = [unknown, w.lotA.lotId];
    const [lines, nextLot, nextRun] = await w.orders.inventory(w.manufacturer.address, lotIds, 0, 0, 1);
    expect(lines.map((l) => l.lotId)).to.deep.equal([]);
    expect([nextLot, nextRun]).to.deep.equal([1n, 0n]);
    const [next, end] = await w.orders.inventory(w.manufacturer.address, lotIds, nextLot, nextRun, 1);
    expect(next.map((l) => [l.lotId, l.available])).to.deep.equal([[w.lotA.lotId, BigInt(w.lotA.units)]]);
    expect(end).to.equal(2n);
  });
});
