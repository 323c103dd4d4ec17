/**
 * Measures the trade workflow's gas (issue: the trade workflow of the paper) on the in-process Hardhat network:
 * placing, amending, confirming, declining and cancelling orders; offering, countering, accepting, declining and
 * withdrawing prices; assigning a primary distributor; the extra gas of a shipment and of its receipt when they fill
 * an order; and the gas of inventory reads (eth_call) for holders of many lots and lots of many runs. Prints a table
 * and writes bench/gas-trade.json (or the path in GAS_OUT), with the contracts' sizes.
 *
 *   npx hardhat run scripts/gas-trade.ts
 */
import fs from "fs";
import path from "path";
import hre, { ethers } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { Manifest } from "../sdk/src/manifest";
import { GTIN, bytes32, commission, range } from "../test/helpers/fixture";
import {
  ANY_PRODUCT,
  GTIN3,
  PRICE,
  US,
  USD,
  later,
  shipForOrder,
  sortedLotIds,
  tradeFixture,
} from "../test/helpers/tradeFixture";

interface Row {
  operation: string;
  gas: bigint;
  ceiling: bigint | null;
  note?: string;
}

const ZERO = ethers.ZeroAddress;
const DOC = bytes32("document");

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  return (await (await tx).wait())!.gasUsed;
}

async function main(): Promise<void> {
  const w = await tradeFixture();
  const o = w.orders;
  const rows: Row[] = [];
  const row = (operation: string, gas: bigint, ceiling: bigint | null = null, note?: string): void => {
    rows.push({ operation, gas, ceiling, note });
  };
  const CEILING = 120_000n;

  // One-offs made before measuring: the first shipment sets custody's counter, the first order the order book's.
  await w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, DOC, [range(w.lot3.lotId, 0, 1, 0)]);
  await w.custody.connect(w.distributor).receiveShipment(1);
  await o.connect(w.distributor2).placeOrder(w.distributor.address, GTIN, 1, await later(), DOC);

  // ---------------------------------------------------------------- orders
  const place = async (buyer = w.distributor, seller = w.manufacturer, quantity = 100): Promise<bigint> =>
    gasOf(o.connect(buyer).placeOrder(seller.address, GTIN, quantity, await later(), DOC));
  row("place order (distributor → pharmacy, no contract price)", await place(w.dispenser, w.distributor), CEILING);
  row("place order (manufacturer → distributor, 1 pack)", await place(w.distributor, w.manufacturer, 1), CEILING);
  row(
    "place order (manufacturer → distributor, 4,000,000,000 packs)",
    await place(w.distributor, w.manufacturer, 4_000_000_000),
    CEILING,
  );
  const assignAll = await gasOf(o.connect(w.manufacturer).assignPrimaryDistributor(ANY_PRODUCT, w.distributor.address));
  const assignRegion = await gasOf(o.connect(w.manufacturer).assignRegionalDistributor(US, w.distributorUs.address));
  const firstOffer = await o
    .connect(w.manufacturer)
    .offerPrice.staticCall(w.distributor.address, GTIN, PRICE, USD, await later(), DOC);
  await o.connect(w.manufacturer).offerPrice(w.distributor.address, GTIN, PRICE, USD, await later(), DOC);
  const acceptFirst = await gasOf(o.connect(w.distributor).acceptOffer(firstOffer));
  row(
    "place order (worst case: contract price, product, region and manufacturer-wide primary distributor lookups)",
    await place(w.distributor, w.manufacturer),
    CEILING,
    "the buyer's region is read from the registry",
  );
  const orderId = await o.orderCount();
  row("amend order", await gasOf(o.connect(w.distributor).amendOrder(orderId, 200, await later(), DOC)), CEILING);
  // the seller names the quantity and price it confirms: the amended quantity, the contract price the order recorded
  const { quantity, pricePerPack } = await o.order(orderId);
  row(
    "confirm order",
    await gasOf(o.connect(w.manufacturer).confirmOrder(orderId, quantity, pricePerPack, DOC)),
    CEILING,
  );
  await o.connect(w.distributor).placeOrder(w.manufacturer.address, GTIN, 5, await later(), DOC);
  row("decline order", await gasOf(o.connect(w.manufacturer).declineOrder(await o.orderCount(), DOC)), CEILING);
  await o.connect(w.distributor).placeOrder(w.manufacturer.address, GTIN, 5, await later(), DOC);
  row(
    "cancel order (placed, by the buyer)",
    await gasOf(o.connect(w.distributor).cancelOrder(await o.orderCount(), DOC)),
    CEILING,
  );

  // ---------------------------------------------------------------- prices
  const validUntil = await later();
  row(
    "offer a price (opens a negotiation)",
    await gasOf(o.connect(w.manufacturer).offerPrice(w.distributor.address, GTIN3, PRICE, USD, validUntil, DOC)),
    CEILING,
  );
  const offerId = await o.offerCount();
  row(
    "counter an offer",
    await gasOf(o.connect(w.distributor).counterOffer(offerId, PRICE - 50_000n, USD, validUntil, DOC)),
    CEILING,
  );
  row(
    "counter a counter-offer",
    await gasOf(o.connect(w.manufacturer).counterOffer(offerId + 1n, PRICE - 20_000n, USD, validUntil, DOC)),
    CEILING,
  );
  row("accept an offer (first contract price of the pair and product)", acceptFirst, CEILING);
  row(
    "accept an offer (replacing a contract price)",
    await gasOf(o.connect(w.distributor).acceptOffer(offerId + 2n)),
    CEILING,
  );
  await o.connect(w.manufacturer).offerPrice(w.distributor.address, GTIN3, PRICE, USD, validUntil, DOC);
  row("decline an offer", await gasOf(o.connect(w.distributor).declineOffer(await o.offerCount(), DOC)), CEILING);
  await o.connect(w.manufacturer).offerPrice(w.distributor.address, GTIN3, PRICE, USD, validUntil, DOC);
  row("withdraw an offer", await gasOf(o.connect(w.manufacturer).withdrawOffer(await o.offerCount())), CEILING);
  row("assign a primary distributor for all products", assignAll);
  row("assign a primary distributor for a region", assignRegion);
  row(
    "assign a primary distributor for a product",
    await gasOf(o.connect(w.manufacturer).assignPrimaryDistributor(GTIN, w.distributor.address)),
  );

  // ---------------------------------------------------------------- shipments linked to an order vs not
  // The same shape each time: one range of lot A starting a run, to the distributor, no transporter. Each range's
  // hint is the start of the run holding the pack before it, as the SDK looks it up.
  const hint = async (start: number): Promise<number> => Number(await w.custody.findRun(w.lotA.lotId, start - 1));
  await w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, DOC, [range(w.lotA.lotId, 0, 1, 0)]);
  await w.custody.connect(w.distributor).receiveShipment(await w.custody.shipmentCount());
  const plainShip = await gasOf(
    w.custody
      .connect(w.manufacturer)
      .ship(w.distributor.address, ZERO, DOC, [range(w.lotA.lotId, 1, 5, await hint(1))]),
  );
  const plainReceive = await gasOf(w.custody.connect(w.distributor).receiveShipment(await w.custody.shipmentCount()));
  const linkedShip = await gasOf(
    shipForOrder(w, w.manufacturer, orderId, w.distributor.address, [
      { lot: w.lotA, start: 5, end: 9, hint: await hint(5) },
    ]),
  );
  const linkedReceive = await gasOf(w.custody.connect(w.distributor).receiveShipment(await w.custody.shipmentCount()));
  const linkedShip2 = await gasOf(
    shipForOrder(w, w.manufacturer, orderId, w.distributor.address, [
      { lot: w.lotA, start: 9, end: 13, hint: await hint(9) },
    ]),
  );
  const linkedReject = await gasOf(
    w.custody.connect(w.distributor).rejectShipment(await w.custody.shipmentCount(), DOC),
  );
  await w.custody
    .connect(w.manufacturer)
    .ship(w.distributor.address, ZERO, DOC, [range(w.lotA.lotId, 13, 15, await hint(13))]);
  const plainReject = await gasOf(
    w.custody.connect(w.distributor).rejectShipment(await w.custody.shipmentCount(), DOC),
  );
  row("ship, one range (no order)", plainShip);
  row("ship for an order, one range", linkedShip);
  row("  extra gas of linking the shipment", linkedShip - plainShip, 30_000n);
  row("ship for an order, one range (a second shipment)", linkedShip2);
  row("receive (no order)", plainReceive);
  row("receive a shipment for an order", linkedReceive);
  row("  extra gas of the order's receipt", linkedReceive - plainReceive);
  row("reject (no order)", plainReject);
  row("reject a shipment for an order", linkedReject);
  row("  extra gas of reopening the order's packs", linkedReject - plainReject);
  // an order with a shipment on its way: the seller cancels the rest
  row(
    "cancel order (partly shipped, by the seller)",
    await gasOf(o.connect(w.manufacturer).cancelOrder(orderId, DOC)),
    CEILING,
  );

  // ---------------------------------------------------------------- inventory (eth_call)
  const holder = w.manufacturer.address;
  const inventoryRows: { lots: number; runs: number; pages: number; maxPageGas: bigint; totalGas: bigint }[] = [];
  const manifest = Manifest.fromSerials(["ONE"]);
  const lots: { lotId: string }[] = [];
  const measure = async (lotIds: string[], maxRuns: number): Promise<void> => {
    let cursor: [bigint, bigint] = [0n, 0n];
    let pages = 0;
    let max = 0n;
    let total = 0n;
    let runs = 0;
    do {
      const gas = await o.inventory.estimateGas(holder, lotIds, cursor[0], cursor[1], maxRuns);
      const [, nextLot, nextRun] = await o.inventory(holder, lotIds, cursor[0], cursor[1], maxRuns);
      pages++;
      total += gas;
      if (gas > max) max = gas;
      cursor = [nextLot, nextRun];
    } while (cursor[0] < BigInt(lotIds.length));
    runs = lotIds.length;
    inventoryRows.push({ lots: lotIds.length, runs, pages, maxPageGas: max, totalGas: total });
  };
  for (const target of [1, 10, 100, 250, 2_000]) {
    while (lots.length < target) lots.push(await commission(w, manifest, { lotNumber: `INV-${lots.length}` }));
    await measure(sortedLotIds(lots.slice(0, target)), target <= 250 ? target : 250);
  }
  // one lot of 1,000 packs cut into 1,000 runs: 500 ranges shipped from the highest down (each keeps hint 0 valid)
  const big = Manifest.fromSerials(Array.from({ length: 1_000 }, (_, i) => `RUN-${i}`));
  const { lotId: bigLot } = await commission(w, big, { lotNumber: "MANY-RUNS" });
  const ranges = Array.from({ length: 500 }, (_, k) => range(bigLot, 998 - 2 * k, 999 - 2 * k, 0));
  for (let k = 0; k < ranges.length; k += 125) {
    await w.custody.connect(w.manufacturer).ship(w.distributor.address, ZERO, DOC, ranges.slice(k, k + 125));
  }
  for (const maxRuns of [250, 1_000]) {
    let cursor: [bigint, bigint] = [0n, 0n];
    let pages = 0;
    let max = 0n;
    let total = 0n;
    do {
      const gas = await o.inventory.estimateGas(holder, [bigLot], cursor[0], cursor[1], maxRuns);
      const [, nextLot, nextRun] = await o.inventory(holder, [bigLot], cursor[0], cursor[1], maxRuns);
      pages++;
      total += gas;
      if (gas > max) max = gas;
      cursor = [nextLot, nextRun];
    } while (cursor[0] < 1n);
    inventoryRows.push({ lots: 1, runs: 1_000, pages, maxPageGas: max, totalGas: total });
  }

  // ---------------------------------------------------------------- sizes
  const sizes: Record<string, number> = {};
  for (const name of ["PackCustody", "TradeOrders", "ProductLots", "StakeholderRegistry"]) {
    const a = await hre.artifacts.readArtifact(name);
    sizes[name] = (a.deployedBytecode.length - 2) / 2;
  }
  const custodyInitcode = ((await hre.artifacts.readArtifact("PackCustody")).bytecode.length - 2) / 2;

  const settings = hre.config.solidity.compilers[0];
  console.log(
    `hardfork ${hre.config.networks.hardhat.hardfork}, solc ${settings.version}, optimizer ${JSON.stringify(settings.settings.optimizer)}, evmVersion ${settings.settings.evmVersion}`,
  );
  console.table(
    rows.map((r) => ({
      operation: r.operation,
      gas: Number(r.gas),
      ceiling: r.ceiling === null ? "" : Number(r.ceiling),
      ok: r.ceiling === null ? "" : r.gas <= r.ceiling ? "yes" : "NO",
    })),
  );
  console.log("inventory reads (eth_call gas, as estimateGas reports it; one run per lot unless said)");
  console.table(inventoryRows.map((r) => ({ ...r, maxPageGas: Number(r.maxPageGas), totalGas: Number(r.totalGas) })));
  console.log(
    `deployed sizes (limit 24,576): ${Object.entries(sizes)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}; PackCustody initcode ${custodyInitcode} (limit 49,152)`,
  );

  const out = process.env.GAS_OUT ?? path.join(__dirname, "..", "bench", "gas-trade.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    JSON.stringify(
      {
        hardfork: hre.config.networks.hardhat.hardfork,
        solc: settings.version,
        optimizer: settings.settings.optimizer,
        evmVersion: settings.settings.evmVersion,
        rows: rows.map((r) => ({
          operation: r.operation,
          gas: Number(r.gas),
          ceiling: r.ceiling === null ? null : Number(r.ceiling),
          ...(r.note ? { note: r.note } : {}),
        })),
        inventory: inventoryRows.map((r) => ({ ...r, maxPageGas: Number(r.maxPageGas), totalGas: Number(r.totalGas) })),
        sizes: { ...sizes, PackCustodyInitcode: custodyInitcode },
      },
      null,
      2,
    ) + "\n",
  );
  if (rows.some((r) => r.ceiling !== null && r.gas > r.ceiling)) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
