/**
 * TradeOrders paths the other tests did not reach (measured by `npm run coverage`): a currency whose only bad letter
 * is one of the later ones, and an inventory read of a lot of so many runs that custody is asked for them in pages
 * that stop growing at their largest size.
 */
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Manifest } from "../sdk/src/manifest";
import { GTIN, bytes32, commission, range, serialsFor } from "./helpers/fixture";
import { PRICE, USD, later, tradeFixture } from "./helpers/tradeFixture";

describe("TradeOrders (paths coverage found untested)", function () {
  it("refuses a currency with one bad letter in any place, in an offer and in a counter-offer", async function () {
    const w = await loadFixture(tradeFixture);
    const until = await later();
    const offer = (currency: string) =>
      w.orders.connect(w.manufacturer).offerPrice(w.distributor.address, GTIN, PRICE, currency, until, bytes32("t"));
    // "uSD", "UsD", "USd": each letter in turn is the only lower-case one.
    for (const bad of ["0x755344", "0x557344", "0x555364"]) {
      await expect(offer(bad)).to.be.revertedWithCustomError(w.orders, "TradeInvalidCurrency").withArgs(bad);
    }
    await offer(USD);
    const id = await w.orders.offerCount();
    for (const bad of ["0x755344", "0x557344", "0x555364"]) {
      await expect(w.orders.connect(w.distributor).counterOffer(id, PRICE, bad, until, bytes32("t")))
        .to.be.revertedWithCustomError(w.orders, "TradeInvalidCurrency")
        .withArgs(bad);
    }
  });

  it("tallies a lot of 260 runs in one inventory call, reading custody's runs in pages of at most 64", async function () {
    const w = await loadFixture(tradeFixture);
    const units = 260;
    const { lotId } = await commission(w, Manifest.fromSerials(serialsFor("MANY-RUNS-", units)), {
      lotNumber: "MANY-RUNS",
    });
    // Every other pack quarantined, in one call: 130 suspect runs between 130 active ones.
    const ranges = Array.from({ length: units / 2 }, (_, k) => range(lotId, 2 * k, 2 * k + 1));
    await w.custody.connect(w.manufacturer).quarantine(ranges, bytes32("evidence"));
    const [, next] = await w.custody.runs(lotId, 0, units);
    expect(next, "all runs read in one page").to.equal(0);
    expect((await w.custody.runs(lotId, 0, units))[0].length).to.equal(units);

    const [lines, nextLot, nextRun] = await w.orders.inventory(w.manufacturer.address, [lotId], 0, 0, units);
    expect([nextLot, nextRun]).to.deep.equal([1n, 0n]);
    expect(lines.length).to.equal(1);
    const l = lines[0];
    expect([l.lotId, l.available, l.inTransit, l.suspect, l.illegitimate, l.decommissioned]).to.deep.equal([
      lotId,
      130n,
      0n,
      130n,
      0n,
      0n,
    ]);
    // A budget that ends inside the lot: 4 + 8 + 16 + 32 + 64 + 64 runs, then the cursor.
    const [partial, lotAfter, runAfter] = await w.orders.inventory(w.manufacturer.address, [lotId], 0, 0, 188);
    expect([lotAfter, runAfter]).to.deep.equal([0n, 188n]);
    expect([partial[0].available, partial[0].suspect]).to.deep.equal([94n, 94n]);
  });
});
