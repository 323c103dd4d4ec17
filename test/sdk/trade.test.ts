/**
 * The SDK client's trade operations (sdk/src/client.ts) in-process on the Hardhat network: the order book found from
 * custody, price negotiation, orders placed, confirmed, shipped for and received until delivered, refusals as
 * `ContractRevertError`s with the order book's error names, the inventory view paged and found from events, and the
 * order's timeline (sdk/src/history.ts).
 */
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Signer } from "ethers";
import { ethers } from "hardhat";
import {
  DEFAULT_DELIVERY_DAYS,
  InventoryReport,
  PharmaChainClient,
  bytes3ToCurrency,
  currencyToBytes3,
  parsePrice,
} from "../../sdk/src/client";
import { deploymentFromJson, deploymentToJson } from "../../sdk/src/contracts";
import { OfferStatus, OrderStatus, PackState } from "../../sdk/src/enums";
import { ConfigurationError, ContractRevertError, InvalidInputError, NotFoundError } from "../../sdk/src/errors";
import { DAY, GTIN, GTIN2 } from "../helpers/fixture";
import { tradeFixture } from "../helpers/tradeFixture";

async function sdkWorld() {
  const w = await tradeFixture();
  const deployment = {
    registry: await w.registry.getAddress(),
    lots: await w.lots.getAddress(),
    custody: await w.custody.getAddress(),
  };
  const base = await PharmaChainClient.connect({ runner: w.council, deployment });
  const as = (signer: Signer) => base.withRunner(signer);
  return { ...w, deployment, base, as };
}

type SdkWorld = Awaited<ReturnType<typeof sdkWorld>>;

async function rejection<E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  let error: unknown;
  try {
    await promise;
  } catch (caught) {
    error = caught;
  }
  expect(error, "expected a rejection").to.be.instanceOf(type);
  return error as E;
}

async function revert(promise: Promise<unknown>, errorName: string): Promise<ContractRevertError> {
  const error = await rejection(promise, ContractRevertError);
  expect(error.errorName).to.equal(errorName);
  return error;
}

async function inAMonth(): Promise<bigint> {
  return BigInt(await time.latest()) + 30n * DAY;
}

/** Each lot's packs held by `holder`, by state, from `packStatus` pack by pack (the inventory's reference). */
async function countedByPackStatus(w: SdkWorld, holder: string): Promise<Map<string, Record<string, bigint>>> {
  const byLot = new Map<string, Record<string, bigint>>();
  for (const lot of [w.lotA, w.lotB, w.lot3, w.lot2]) {
    const counts = { available: 0n, inTransit: 0n, suspect: 0n, illegitimate: 0n, decommissioned: 0n };
    let any = false;
    for (let i = 0; i < lot.units; i++) {
      const s = await w.base.packStatus(lot.lotId, i);
      if (s.holder !== holder) continue;
      any = true;
      if (s.state === PackState.Active) counts.available++;
      else if (s.state === PackState.InTransit) counts.inTransit++;
      else if (s.state === PackState.Suspect) counts.suspect++;
      else if (s.state === PackState.Illegitimate) counts.illegitimate++;
      else counts.decommissioned++;
    }
    if (any) byLot.set(lot.lotId.toLowerCase(), counts);
  }
  return byLot;
}

function expectSameAs(report: InventoryReport, expected: Map<string, Record<string, bigint>>): void {
  expect(report.lots.map((l) => l.lotId).sort()).to.deep.equal([...expected.keys()].sort());
  for (const line of report.lots) {
    const { available, inTransit, suspect, illegitimate, decommissioned } = line;
    expect({ available, inTransit, suspect, illegitimate, decommissioned }, line.lotId).to.deep.equal(
      expected.get(line.lotId),
    );
    expect(line.total).to.equal(available + inTransit + suspect + illegitimate + decommissioned);
  }
}

describe("SDK client: trade", function () {
  describe("connecting the order book", function () {
    it("reads the order book's address from custody, and withRunner keeps it", async function () {
      const w = await loadFixture(sdkWorld);
      const orderBook = await w.custody.orderBook();
      expect(w.base.ordersAddress).to.equal(orderBook);
      expect(await w.base.orders.getAddress()).to.equal(orderBook);
      expect(w.base.addresses).to.deep.equal(w.deployment);
      const other = w.as(w.distributor);
      expect(other.ordersAddress).to.equal(orderBook);
      expect(await other.orders.getAddress()).to.equal(orderBook);
    });

    it("accepts an order book address in the deployment only if it is custody's", async function () {
      const w = await loadFixture(sdkWorld);
      const orderBook = await w.custody.orderBook();
      const json = deploymentToJson({ ...w.deployment, orders: orderBook });
      expect(json["PharmaChain#TradeOrders"]).to.equal(orderBook);
      const read = deploymentFromJson(json);
      expect(read.orders).to.equal(orderBook);
      expect((await PharmaChainClient.connect({ runner: w.manufacturer, deployment: read })).ordersAddress).to.equal(
        orderBook,
      );
      const error = await rejection(
        PharmaChainClient.connect({
          runner: w.manufacturer,
          deployment: { ...w.deployment, orders: w.outsider.address },
        }),
        ConfigurationError,
      );
      expect(error.shortMessage).to.contain(w.outsider.address).and.to.contain(orderBook);
      expect(() => deploymentFromJson({ ...w.deployment, orders: "0x1234" })).to.throw(ConfigurationError);
    });
  });

  describe("prices and currencies", function () {
    it("converts decimal prices to millionths and ISO codes to bytes3", function () {
      expect(parsePrice("1.25")).to.equal(1_250_000n);
      expect(parsePrice("0.000001")).to.equal(1n);
      expect(parsePrice("12")).to.equal(12_000_000n);
      expect(parsePrice(1_250_000n)).to.equal(1_250_000n);
      for (const bad of ["1.2345678", "-1", "1,25", "", "abc"])
        expect(() => parsePrice(bad), bad).to.throw(InvalidInputError);
      expect(currencyToBytes3("USD")).to.equal("0x555344");
      expect(bytes3ToCurrency("0x555344")).to.equal("USD");
      expect(bytes3ToCurrency("0x000000")).to.equal("");
      for (const bad of ["usd", "US", "USDT"]) expect(() => currencyToBytes3(bad), bad).to.throw(InvalidInputError);
    });

    it("negotiates: offer, counter-offer (same currency), accept; the accepted one is the contract price", async function () {
      const w = await loadFixture(sdkWorld);
      const validUntil = await inAMonth();
      const terms = {
        buyer: w.distributor.address,
        gtin: GTIN,
        price: "1.40",
        currency: "USD",
        validUntil,
        terms: "terms v1",
      };
      expect((await w.as(w.manufacturer).offerPrice.dryRun(terms)).result).to.deep.equal({ offerId: 1n });
      const opened = await w.as(w.manufacturer).offerPrice(terms);
      expect(opened.offerId).to.equal(1n);
      const first = await w.base.offer(opened.offerId);
      expect(first).to.include({
        seller: w.manufacturer.address,
        buyer: w.distributor.address,
        price: "1.4 USD",
        currency: "USD",
        statusName: "Open",
        bySeller: true,
      });
      expect(first.pricePerPack).to.equal(1_400_000n);

      const countered = await w.as(w.distributor).counterOffer(opened.offerId, { price: "1.25", validUntil });
      expect(countered.offerId).to.equal(2n);
      expect((await w.base.offer(1n)).status).to.equal(OfferStatus.Countered);
      const counter = await w.base.offer(2n);
      expect(counter).to.include({ price: "1.25 USD", bySeller: false, status: OfferStatus.Open });
      expect(await w.base.contractPrice(w.manufacturer.address, w.distributor.address, GTIN)).to.equal(undefined);

      const accepted = await w.as(w.manufacturer).acceptOffer(countered.offerId);
      expect(accepted.tx.gasUsed > 0n).to.equal(true);
      const price = await w.base.contractPrice(w.manufacturer.address, w.distributor.address, GTIN);
      expect(price).to.include({ offerId: 2n, price: "1.25 USD", statusName: "Accepted" });

      // Answering it again, or withdrawing someone else's: refused with the order book's errors.
      const again = await revert(w.as(w.manufacturer).acceptOffer(2n), "TradeInvalidOfferStatus");
      expect(again.shortMessage).to.equal(
        "Price offer 2 is already accepted: only an open offer can be accepted, declined, countered or withdrawn.",
      );
      const other = await w.as(w.manufacturer).offerPrice({ ...terms, price: "2" });
      await revert(w.as(w.distributor).withdrawOffer(other.offerId), "TradeNotOfferParty");
      await w.as(w.distributor).declineOffer(other.offerId, "too dear");
      expect((await w.base.offer(other.offerId)).statusName).to.equal("Declined");
      const third = await w.as(w.manufacturer).offerPrice({ ...terms, price: "1.99" });
      await w.as(w.manufacturer).withdrawOffer(third.offerId);
      expect((await w.base.offer(third.offerId)).statusName).to.equal("Withdrawn");
      await rejection(w.base.offer(99n), NotFoundError);
      // Bad input is refused before anything is sent.
      await rejection(w.as(w.manufacturer).offerPrice({ ...terms, currency: "usd" }), InvalidInputError);
      await rejection(w.as(w.manufacturer).offerPrice({ ...terms, price: "1.2.3" }), InvalidInputError);
    });
  });

  describe("orders", function () {
    it("places, amends, confirms, ships for and receives an order until it is delivered, at the contract price", async function () {
      const w = await loadFixture(sdkWorld);
      const validUntil = await inAMonth();
      const { offerId } = await w
        .as(w.manufacturer)
        .offerPrice({ buyer: w.distributor.address, gtin: GTIN, price: "1.25", currency: "USD", validUntil });
      await w.as(w.distributor).acceptOffer(offerId);

      const buyer = w.as(w.distributor);
      expect(
        (await buyer.placeOrder.dryRun({ seller: w.manufacturer.address, gtin: GTIN, quantity: 30 })).result,
      ).to.deep.equal({ orderId: 1n });
      const placed = await buyer.placeOrder({
        seller: w.manufacturer.address,
        gtin: GTIN,
        quantity: 30,
        document: "PO-4711",
      });
      expect(placed.orderId).to.equal(1n);
      expect(placed.tx.from).to.equal(w.distributor.address);
      // The default delivery date: DEFAULT_DELIVERY_DAYS after the latest block.
      const event = (await w.orders.queryFilter(w.orders.filters.OrderPlaced(placed.orderId)))[0];
      const block = await ethers.provider.getBlock(placed.tx.blockNumber - 1);
      expect(event.args.deliverBy).to.equal(BigInt(block!.timestamp + DEFAULT_DELIVERY_DAYS * 86400));
      expect(event.args.documentHash).to.equal(ethers.id("PO-4711"));

      let order = await w.base.order(placed.orderId);
      expect(order).to.include({
        seller: w.manufacturer.address,
        buyer: w.distributor.address,
        quantity: 30,
        open: 30,
        statusName: "Placed",
        price: "1.25 USD",
        currency: "USD",
      });
      expect(order.offerId).to.equal(offerId);
      await buyer.amendOrder(placed.orderId, { quantity: 25 });
      await w.as(w.manufacturer).confirmOrder(placed.orderId, "acknowledged");
      expect((await w.base.order(placed.orderId)).status).to.equal(OrderStatus.Confirmed);

      // Two ranges of two lots: the first lot's number is found from its LotCommissioned event, the second is given.
      const ranges = [
        { lotId: w.lotA.lotId, start: 0, end: 15 },
        { lotId: w.lotB.lotId, start: 5, end: 15, lotNumber: w.lotB.lotNumber },
      ];
      const seller = w.as(w.manufacturer);
      const dry = await seller.shipForOrder.dryRun({
        orderId: placed.orderId,
        transporter: w.transporter.address,
        ranges,
      });
      expect(dry.result).to.deep.equal({ shipmentId: 1n, packCount: 25n });
      const shipped = await seller.shipForOrder({
        orderId: placed.orderId,
        transporter: w.transporter.address,
        notice: "ASN-1",
        ranges,
      });
      expect(shipped).to.include({ shipmentId: 1n, packCount: 25n });
      expect(await w.custody.shipmentOrder(shipped.shipmentId)).to.equal(placed.orderId);
      order = await w.base.order(placed.orderId);
      expect(order).to.include({ statusName: "Shipped", shipped: 25, received: 0, open: 0 });

      await w.as(w.transporter).pickUp(shipped.shipmentId, 0);
      await w.as(w.transporter).handOver(shipped.shipmentId, 0);
      await w.as(w.distributor).receiveShipment(shipped.shipmentId);
      order = await w.base.order(placed.orderId);
      expect(order).to.include({
        status: OrderStatus.Delivered,
        statusName: "Delivered",
        shipped: 25,
        received: 25,
        open: 0,
      });

      const names = (await w.base.history().order(placed.orderId)).map((e) => e.name);
      expect(names).to.deep.equal([
        "OrderPlaced",
        "OrderAmended",
        "OrderConfirmed",
        "PacksShipped",
        "PacksShipped",
        "ShipmentCreated",
        "OrderShipped",
        "ShipmentPickedUp",
        "ShipmentHandedOver",
        "ShipmentReceived",
        "OrderShipmentSettled",
      ]);
      const summaries = (await w.base.history().order(placed.orderId)).map((e) => e.summary).join("\n");
      expect(summaries)
        .to.contain("order 1 placed by")
        .and.to.contain(`at the price of offer ${offerId}`)
        .and.to.contain("order Delivered");
    });

    it("confirms the quantity and price given, else those read just before sending; refuses them once amended", async function () {
      const w = await loadFixture(sdkWorld);
      const { offerId } = await w.as(w.manufacturer).offerPrice({
        buyer: w.distributor.address,
        gtin: GTIN,
        price: "1.25",
        currency: "USD",
        validUntil: await inAMonth(),
      });
      await w.as(w.distributor).acceptOffer(offerId);
      const { orderId } = await w
        .as(w.distributor)
        .placeOrder({ seller: w.manufacturer.address, gtin: GTIN, quantity: 10 });
      const seller = w.as(w.manufacturer);
      const seen = await seller.order(orderId); // what the seller reviews: 10 packs at 1.25 USD
      expect(seen).to.include({ quantity: 10, price: "1.25 USD" });

      // The buyer's amendment lands first: the seller's confirmation of what it saw is refused, sent or dry-run.
      await w.as(w.distributor).amendOrder(orderId, { quantity: 4_000_000_000 });
      const terms = { quantity: seen.quantity, pricePerPack: seen.pricePerPack };
      const changed = await revert(seller.confirmOrder(orderId, "ack", terms), "TradeOrderChanged");
      expect(changed.args).to.deep.equal({
        orderId,
        expectedQuantity: 10n,
        expectedPricePerPack: 1_250_000n,
        quantity: 4_000_000_000n,
        pricePerPack: 1_250_000n,
      });
      expect(changed.shortMessage).to.equal(
        `Order ${orderId} is for 4000000000 packs at 1.25 a pack, not the 10 packs at 1.25 a pack confirmed: the buyer ` +
          "amended it after it was read. Read the order again, then confirm it as it is or decline it.",
      );
      await revert(
        seller.confirmOrder.dryRun(orderId, "ack", { quantity: 10, pricePerPack: "1.25" }),
        "TradeOrderChanged",
      );
      const price = await revert(
        seller.confirmOrder(orderId, "ack", { quantity: 4_000_000_000, pricePerPack: "1.2" }),
        "TradeOrderChanged",
      );
      expect(price.shortMessage).to.contain("its price is the one recorded when it was placed");
      expect((await w.base.order(orderId)).statusName).to.equal("Placed");

      // Terms left out are read just before sending: the confirmation names the order as it is then.
      await w.as(w.distributor).amendOrder(orderId, { quantity: 12 });
      expect((await seller.confirmOrder.dryRun(orderId)).gas > 0n).to.equal(true);
      const confirmed = await seller.confirmOrder(orderId, "ack", { pricePerPack: "1.25" });
      const sent = await ethers.provider.getTransaction(confirmed.tx.hash);
      const named = w.orders.interface.decodeFunctionData("confirmOrder", sent!.data);
      expect([...named]).to.deep.equal([orderId, 12n, 1_250_000n, ethers.id("ack")]);
      expect((await w.base.order(orderId)).statusName).to.equal("Confirmed");
    });

    it("follows partial shipments, a rejection that reopens packs, and cancellation; a pharmacy orders from a distributor", async function () {
      const w = await loadFixture(sdkWorld);
      const { orderId } = await w
        .as(w.distributor)
        .placeOrder({ seller: w.manufacturer.address, gtin: GTIN, quantity: 20, deliverBy: await inAMonth() });
      await w.as(w.manufacturer).confirmOrder(orderId);
      const first = await w
        .as(w.manufacturer)
        .shipForOrder({ orderId, ranges: [{ lotId: w.lotA.lotId, start: 0, end: 8 }] });
      expect((await w.base.order(orderId)).statusName).to.equal("PartlyShipped");
      await w.as(w.distributor).rejectShipment(first.shipmentId, "damaged");
      expect(await w.base.order(orderId)).to.include({ statusName: "Confirmed", shipped: 0, open: 20 });
      // The returned packs are a run of their own: a range lies within one run, so two ranges of the same lot.
      const second = await w.as(w.manufacturer).shipForOrder({
        orderId,
        ranges: [
          { lotId: w.lotA.lotId, start: 0, end: 8 },
          { lotId: w.lotA.lotId, start: 8, end: 12 },
        ],
      });
      await w.as(w.distributor).receiveShipment(second.shipmentId);
      expect(await w.base.order(orderId)).to.include({ statusName: "PartlyShipped", received: 12, open: 8 });
      await w.as(w.distributor).cancelOrder(orderId, "no longer needed");
      expect(await w.base.order(orderId)).to.include({ statusName: "Cancelled", received: 12, open: 0 });
      await revert(
        w.as(w.manufacturer).shipForOrder({ orderId, ranges: [{ lotId: w.lotA.lotId, start: 12, end: 14 }] }),
        "TradeInvalidOrderStatus",
      );

      // Down the chain: the pharmacy orders a case from the distributor, who ships it for the order.
      const pharmacy = await w.as(w.dispenser).placeOrder({ seller: w.distributor.address, gtin: GTIN, quantity: 5 });
      await w.as(w.distributor).confirmOrder(pharmacy.orderId);
      const toPharmacy = await w
        .as(w.distributor)
        .shipForOrder({ orderId: pharmacy.orderId, ranges: [{ lotId: w.lotA.lotId, start: 2, end: 7 }] });
      await w.as(w.dispenser).receiveShipment(toPharmacy.shipmentId);
      expect((await w.base.order(pharmacy.orderId)).status).to.equal(OrderStatus.Delivered);
      expect((await w.base.order(pharmacy.orderId)).price).to.equal(undefined);

      // A declined order.
      const declined = await w.as(w.dispenser).placeOrder({ seller: w.distributor.address, gtin: GTIN, quantity: 1 });
      await w.as(w.distributor).declineOrder(declined.orderId, "out of stock");
      expect(await w.base.order(declined.orderId)).to.include({ statusName: "Declined", open: 0 });
      expect(await w.base.orderCount()).to.equal(3n);
      await rejection(w.base.order(99n), NotFoundError);
    });

    it("explains refusals with the order book's errors, from sends and dry runs", async function () {
      const w = await loadFixture(sdkWorld);
      const { orderId } = await w
        .as(w.distributor)
        .placeOrder({ seller: w.manufacturer.address, gtin: GTIN, quantity: 5 });
      // The buyer cannot confirm its own order.
      const party = await revert(w.as(w.distributor).confirmOrder(orderId), "TradeNotOrderParty");
      expect(party.args).to.deep.equal({ orderId, account: w.distributor.address });
      expect(party.shortMessage).to.contain(`order ${orderId}`);
      // Shipping before the order is confirmed, then more than it holds, then another product's lot.
      await revert(
        w.as(w.manufacturer).shipForOrder({ orderId, ranges: [{ lotId: w.lotA.lotId, start: 0, end: 5 }] }),
        "TradeInvalidOrderStatus",
      );
      await w.as(w.manufacturer).confirmOrder(orderId);
      const exceeded = await revert(
        w.as(w.manufacturer).shipForOrder.dryRun({ orderId, ranges: [{ lotId: w.lotA.lotId, start: 0, end: 6 }] }),
        "TradeQuantityExceeded",
      );
      expect(exceeded.args).to.deep.equal({ orderId, packs: 6n, open: 5n });
      expect(exceeded.shortMessage).to.equal(
        `The shipment has 6 packs but order ${orderId} has only 5 packs still open (ordered and not already on the way or received).`,
      );
      await revert(
        w.as(w.manufacturer).shipForOrder({ orderId, ranges: [{ lotId: w.lot3.lotId, start: 0, end: 2 }] }),
        "TradeWrongProduct",
      );
      await revert(
        w
          .as(w.manufacturer)
          .shipForOrder({ orderId, ranges: [{ lotId: w.lotA.lotId, start: 0, end: 2, lotNumber: "NOT-IT" }] }),
        "TradeWrongProduct",
      );
      // A lot never commissioned has no lot number to find (its hint given: nothing is asked of custody).
      await rejection(
        w
          .as(w.manufacturer)
          .shipForOrder({ orderId, ranges: [{ lotId: ethers.id("nothing"), start: 0, end: 1, hint: 0 }] }),
        NotFoundError,
      );
      // Trade paths and the primary distributor.
      await revert(
        w.as(w.dispenser).placeOrder({ seller: w.manufacturer.address, gtin: GTIN, quantity: 1 }),
        "TradePathNotAllowed",
      );
      await w.as(w.manufacturer).assignPrimaryDistributor(GTIN, w.distributor.address);
      expect(await w.base.primaryDistributor(w.manufacturer.address, GTIN, "BD")).to.equal(w.distributor.address);
      expect(await w.base.primaryDistributor(w.manufacturer.address, GTIN2, "BD")).to.equal(undefined);
      const routed = await revert(
        w.as(w.distributor2).placeOrder({ seller: w.manufacturer.address, gtin: GTIN, quantity: 1 }),
        "TradeRoutedToPrimaryDistributor",
      );
      expect(routed.args.primaryDistributor).to.equal(w.distributor.address);
      expect(routed.shortMessage).to.contain(w.distributor.address);
      await w.as(w.manufacturer).assignRegionalDistributor("US", w.distributorUs.address);
      const regional = await revert(
        w.as(w.manufacturer).assignRegionalDistributor.dryRun("US", w.outsider.address),
        "UnauthorisedAccount",
      );
      expect(regional.args.account).to.equal(w.outsider.address);
    });
  });

  describe("inventory", function () {
    it("agrees with packStatus for every holder, found from events, whatever the page size", async function () {
      const w = await loadFixture(sdkWorld);
      // Packs moved around: a delivered order, a shipment on its way, a dispense-like decommission and a quarantine.
      const { orderId } = await w
        .as(w.distributor)
        .placeOrder({ seller: w.manufacturer.address, gtin: GTIN, quantity: 30 });
      await w.as(w.manufacturer).confirmOrder(orderId);
      const s1 = await w.as(w.manufacturer).shipForOrder({
        orderId,
        ranges: [
          { lotId: w.lotA.lotId, start: 0, end: 20 },
          { lotId: w.lotB.lotId, start: 10, end: 20 },
        ],
      });
      await w.as(w.distributor).receiveShipment(s1.shipmentId);
      await w
        .as(w.distributor)
        .ship({ buyer: w.dispenser.address, ranges: [{ lotId: w.lotA.lotId, start: 3, end: 9 }] });
      await w.as(w.distributor).decommissionRange({ lotId: w.lotB.lotId, start: 12, end: 14 }, PackState.Destroyed);
      await w.as(w.distributor).quarantine([{ lotId: w.lotA.lotId, start: 15, end: 16 }], "seal");
      await w
        .as(w.manufacturer2)
        .ship({ buyer: w.distributor.address, ranges: [{ lotId: w.lot2.lotId, start: 0, end: 4 }] });

      for (const holder of [w.distributor, w.manufacturer, w.manufacturer2, w.dispenser, w.outsider]) {
        const expected = await countedByPackStatus(w, holder.address);
        const report = await w.base.inventoryOf(holder.address);
        expectSameAs(report, expected);
        const paged = await w.base.inventoryOf(holder.address, { maxRuns: 1 });
        expectSameAs(paged, expected);
        expect(paged.pages).to.be.at.least(report.pages);
      }

      const distributor = await w.base.inventoryOf(w.distributor.address);
      expect(distributor.lotsRead).to.equal(3); // lotA, lotB (shipped to it) and lot2 (on its way to it, still manufacturer2's)
      expect(distributor.totals).to.deep.equal({
        available: 21n,
        inTransit: 6n,
        suspect: 1n,
        illegitimate: 0n,
        decommissioned: 2n,
        total: 30n,
      });
      expect(distributor.blockNumber).to.equal(await ethers.provider.getBlockNumber());
      // Listing the lots by hand (unsorted, repeated) reads the same; an earlier block reads the past.
      const byHand = await w.base.inventory(w.distributor.address, [
        w.lotB.lotId,
        w.lotA.lotId,
        w.lotB.lotId.toUpperCase().replace("0X", "0x"),
      ]);
      expect(byHand.totals).to.deep.equal(distributor.totals);
      const before = await w.base.inventory(w.distributor.address, [w.lotA.lotId, w.lotB.lotId], {
        blockTag: s1.tx.blockNumber - 1,
      });
      expect(before.lots).to.deep.equal([]);
      await rejection(w.base.inventory(w.distributor.address, ["0x1234"]), InvalidInputError);
      await rejection(w.base.inventory(w.distributor.address, [w.lotA.lotId], { maxRuns: 0 }), InvalidInputError);
      expect(await w.base.history().lotsHeldBy(w.dispenser.address)).to.deep.equal([w.lotA.lotId.toLowerCase()]);
    });
  });
});
