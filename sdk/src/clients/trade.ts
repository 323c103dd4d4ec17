/**
 * The trade client: custody's order book. Orders (place, amend, confirm, decline, cancel, ship for an order), price
 * offers and the contract price they make, primary distributors, and a holder's inventory.
 */
import { ZeroAddress, getAddress, isHexString } from "ethers";
import { OfferStatus, OrderStatus } from "../enums";
import { InvalidInputError, NotFoundError } from "../errors";
import { HistoryOptions } from "../history";
import { readBlock } from "../network";
import { formatPrice } from "../revert";
import { DomainClient } from "./context";
import {
  DEFAULT_DELIVERY_DAYS,
  HashInput,
  InventoryLineRecord,
  InventoryOptions,
  InventoryReport,
  InventoryTotals,
  OfferRecord,
  OrderRangeInput,
  OrderRecord,
  PriceInput,
  bytes3ToCurrency,
  currencyToBytes3,
  jurisdictionToBytes2,
  parsePrice,
  toBytes32,
} from "./shared";

/** Orders, prices, primary distributors and inventory (the `TradeOrders` contract, custody's order book). */
export class TradeClient extends DomainClient {
  /**
   * The signer (the buyer) orders `quantity` packs of `gtin` from `seller`, wanted by `deliverBy` (unix seconds;
   * default {@link DEFAULT_DELIVERY_DAYS} days after the latest block), with the order document's hash. The contract
   * price of (seller, buyer, gtin), if one applies, is recorded on the order. Returns the order id.
   */
  readonly placeOrder = this.context.operation(
    (c) => c.orders,
    (c) => c.placeOrder,
  )(
    async (p: {
      seller: string;
      gtin: bigint;
      quantity: number | bigint;
      deliverBy?: bigint | number;
      document?: HashInput;
    }) => [p.seller, p.gtin, p.quantity, p.deliverBy ?? (await this.#defaultDeliverBy()), toBytes32(p.document)],
    (receipt) => ({
      orderId: this.context.event(receipt, this.context.orders.interface, "OrderPlaced").args.orderId as bigint,
    }),
    (value) => ({ orderId: value as bigint }),
  );

  /** The buyer changes its order's quantity, delivery date (default as for `placeOrder`) and document before the seller answers. */
  readonly amendOrder = this.context.operation(
    (c) => c.orders,
    (c) => c.amendOrder,
  )(
    async (orderId: bigint, p: { quantity: number | bigint; deliverBy?: bigint | number; document?: HashInput }) => [
      orderId,
      p.quantity,
      p.deliverBy ?? (await this.#defaultDeliverBy()),
      toBytes32(p.document),
    ],
    () => ({}),
  );

  /**
   * The seller confirms a placed order, with its acknowledgement's hash, naming the quantity and the price per pack it
   * confirms (`pricePerPack` as `"1.25"` in currency units or a bigint in millionths, as {@link OrderRecord} has it;
   * 0 for an order without a contract price). The contract refuses the confirmation with `TradeOrderChanged` when the
   * order is not for those any more: an amendment by the buyer that lands first cannot make the seller confirm other
   * terms.
   *
   * What `terms` leaves out is read from the order just before sending, so the confirmation binds to that read, not
   * to what the seller looked at earlier: an amendment made before the read is confirmed. To confirm what a person
   * reviewed, pass the quantity and price they were shown.
   */
  readonly confirmOrder = this.context.operation(
    (c) => c.orders,
    (c) => c.confirmOrder,
  )(
    async (
      orderId: bigint,
      confirmation?: HashInput,
      terms: { quantity?: number | bigint; pricePerPack?: PriceInput } = {},
    ) => {
      // the order as stored (all zero when unknown, which the contract then refuses by name)
      const read =
        terms.quantity === undefined || terms.pricePerPack === undefined
          ? await this.context.read((at) => this.context.orders.order(orderId, at))
          : undefined;
      const quantity = terms.quantity ?? read!.quantity;
      const pricePerPack = terms.pricePerPack === undefined ? read!.pricePerPack : parsePrice(terms.pricePerPack);
      return [orderId, quantity, pricePerPack, toBytes32(confirmation)];
    },
    () => ({}),
  );

  /** The seller declines a placed order. */
  readonly declineOrder = this.context.operation(
    (c) => c.orders,
    (c) => c.declineOrder,
  )(
    (orderId: bigint, reason?: HashInput) => [orderId, toBytes32(reason)],
    () => ({}),
  );

  /** Either party cancels the order's open quantity (shipments already on their way still settle). */
  readonly cancelOrder = this.context.operation(
    (c) => c.orders,
    (c) => c.cancelOrder,
  )(
    (orderId: bigint, reason?: HashInput) => [orderId, toBytes32(reason)],
    () => ({}),
  );

  /**
   * The seller ships ranges to fill order `orderId` (custody's `shipForOrder`): as `ship`, and the order book checks
   * the shipment against the order. `buyer` defaults to the order's buyer (read from the order); a range's `lotNumber` (which proves its lot is of the ordered product) is read from the lot's
   * `LotCommissioned` event when omitted, which scans the chain's logs: give it to spare that. Returns the shipment id.
   */
  readonly shipForOrder = this.context.operation(
    (c) => c.custody,
    (c) => c.shipForOrder,
  )(
    async (p: {
      orderId: bigint;
      buyer?: string;
      transporter?: string;
      notice?: HashInput;
      ranges: readonly OrderRangeInput[];
    }) => {
      const [ranges, lotNumbers, buyer] = await Promise.all([
        this.context.hinted(p.ranges),
        this.#lotNumbersOf(p.ranges),
        p.buyer ?? this.order(p.orderId).then((o) => o.buyer),
      ]);
      return [p.orderId, buyer, p.transporter ?? ZeroAddress, toBytes32(p.notice), ranges, lotNumbers];
    },
    (receipt) => {
      const event = this.context.event(receipt, this.context.custody.interface, "ShipmentCreated");
      return { shipmentId: event.args.shipmentId as bigint, packCount: event.args.packCount as bigint };
    },
    (value, p) => ({
      shipmentId: value as bigint,
      packCount: p.ranges.reduce((n, r) => n + BigInt(r.end - r.start), 0n),
    }),
  );

  /** The order, its status (derived from its shipments) by name, its open quantity and price; `NotFoundError` if unknown. */
  async order(orderId: bigint): Promise<OrderRecord> {
    const o = await this.context.read((at) => this.context.orders.order(orderId, at));
    const status = Number(o.status) as OrderStatus;
    if (status === OrderStatus.None)
      throw new NotFoundError(`order ${orderId} does not exist on chain ${this.context.chainId}`);
    const quantity = Number(o.quantity);
    const shipped = Number(o.shipped);
    const closed = status === OrderStatus.Declined || status === OrderStatus.Cancelled;
    const currency = bytes3ToCurrency(o.currency);
    return {
      orderId,
      seller: o.seller,
      buyer: o.buyer,
      gtin: o.gtin,
      quantity,
      shipped,
      received: Number(o.received),
      open: closed ? 0 : quantity - shipped,
      status,
      statusName: OrderStatus[status],
      offerId: o.offerId,
      pricePerPack: o.pricePerPack,
      currency,
      price: o.offerId === 0n ? undefined : formatPrice(o.pricePerPack, currency),
    };
  }

  /** How many orders the order book has (ids run from 1). */
  async orderCount(): Promise<bigint> {
    return this.context.read((at) => this.context.orders.orderCount(at));
  }

  /**
   * The seller (the signer) offers `buyer` a price per pack of `gtin` (`"1.25"` in `currency` units, or millionths as
   * a bigint), valid until `validUntil` (unix seconds), with its terms' hash: it opens a negotiation. Returns the offer id.
   */
  readonly offerPrice = this.context.operation(
    (c) => c.orders,
    (c) => c.offerPrice,
  )(
    (p: {
      buyer: string;
      gtin: bigint;
      price: PriceInput;
      currency: string;
      validUntil: bigint | number;
      terms?: HashInput;
    }) => [p.buyer, p.gtin, parsePrice(p.price), currencyToBytes3(p.currency), p.validUntil, toBytes32(p.terms)],
    (receipt) => ({
      offerId: this.context.event(receipt, this.context.orders.interface, "PriceOffered").args.offerId as bigint,
    }),
    (value) => ({ offerId: value as bigint }),
  );

  /**
   * The party an open offer is addressed to answers with its own price (`currency` defaults to the countered offer's,
   * read from it). Returns the counter-offer's id.
   */
  readonly counterOffer = this.context.operation(
    (c) => c.orders,
    (c) => c.counterOffer,
  )(
    async (
      offerId: bigint,
      p: { price: PriceInput; currency?: string; validUntil: bigint | number; terms?: HashInput },
    ) => [
      offerId,
      parsePrice(p.price),
      p.currency !== undefined
        ? currencyToBytes3(p.currency)
        : (await this.context.read((at) => this.context.orders.offer(offerId, at))).currency,
      p.validUntil,
      toBytes32(p.terms),
    ],
    (receipt) => ({
      offerId: this.context.event(receipt, this.context.orders.interface, "PriceOffered").args.offerId as bigint,
    }),
    (value) => ({ offerId: value as bigint }),
  );

  /** The addressee accepts an open offer: it becomes the contract price of (seller, buyer, gtin) until its `validUntil`. */
  readonly acceptOffer = this.context.operation(
    (c) => c.orders,
    (c) => c.acceptOffer,
  )(
    (offerId: bigint) => [offerId],
    () => ({}),
  );

  /** The addressee declines an open offer, ending the negotiation. */
  readonly declineOffer = this.context.operation(
    (c) => c.orders,
    (c) => c.declineOffer,
  )(
    (offerId: bigint, reason?: HashInput) => [offerId, toBytes32(reason)],
    () => ({}),
  );

  /** The party that made an open offer withdraws it. */
  readonly withdrawOffer = this.context.operation(
    (c) => c.orders,
    (c) => c.withdrawOffer,
  )(
    (offerId: bigint) => [offerId],
    () => ({}),
  );

  /** The offer (an `Open` one past its `validUntil` reads `Expired`); `NotFoundError` if unknown. */
  async offer(offerId: bigint): Promise<OfferRecord> {
    const o = await this.context.read((at) => this.context.orders.offer(offerId, at));
    if (Number(o.status) === OfferStatus.None)
      throw new NotFoundError(`price offer ${offerId} does not exist on chain ${this.context.chainId}`);
    return offerRecord(offerId, o);
  }

  /** The accepted offer an order of (seller, buyer, gtin) placed now would record; undefined when none applies. */
  async contractPrice(seller: string, buyer: string, gtin: bigint): Promise<OfferRecord | undefined> {
    const [offerId, accepted] = await this.context.read((at) =>
      this.context.orders.contractPrice(seller, buyer, gtin, at),
    );
    return offerId === 0n ? undefined : offerRecord(offerId, accepted);
  }

  /** The manufacturer names the primary distributor of its product `gtin` (0: of all its products); the zero address removes it. */
  readonly assignPrimaryDistributor = this.context.operation(
    (c) => c.orders,
    (c) => c.assignPrimaryDistributor,
  )(
    (gtin: bigint | number, distributor: string) => [gtin, distributor],
    () => ({}),
  );

  /** The manufacturer names the primary distributor for buyers licensed in `region` (`"US"`); the zero address removes it. */
  readonly assignRegionalDistributor = this.context.operation(
    (c) => c.orders,
    (c) => c.assignRegionalDistributor,
  )(
    (region: string, distributor: string) => [jurisdictionToBytes2(region), distributor],
    () => ({}),
  );

  /** The primary distributor a distributor licensed in `region` must order `gtin` from; undefined when none applies. */
  async primaryDistributor(manufacturer: string, gtin: bigint, region: string): Promise<string | undefined> {
    const d = await this.context.read((at) =>
      this.context.orders.primaryDistributor(manufacturer, gtin, jurisdictionToBytes2(region), at),
    );
    return d === ZeroAddress ? undefined : d;
  }

  /**
   * `holder`'s packs in `lotIds` by state, per lot, from the order book's `inventory` view over custody: the lots are
   * sorted and made unique, every page is read at one block (the latest, unless `blockTag`), lines split over pages
   * are added up. Lots where the holder has no pack give no line.
   */
  async inventory(holder: string, lotIds: readonly string[], options: InventoryOptions = {}): Promise<InventoryReport> {
    const maxRuns = options.maxRuns ?? 250;
    if (!Number.isInteger(maxRuns) || maxRuns < 1 || maxRuns > 0xffffffff) {
      throw new InvalidInputError(`maxRuns ${maxRuns} must be a whole number from 1`);
    }
    const who = getAddress(holder);
    const ids = [
      ...new Set(
        lotIds.map((l) => {
          if (!isHexString(l, 32)) throw new InvalidInputError(`lot id "${l}" is not 32 bytes of hex`);
          return l.toLowerCase();
        }),
      ),
    ].sort();
    const blockTag = options.blockTag ?? (await this.#latestBlock()).number;
    const byLot = new Map<string, InventoryLineRecord>();
    let fromLot = 0;
    let fromRun = 0;
    let pages = 0;
    while (fromLot < ids.length) {
      const [lines, nextLot, nextRun] = await this.context.read(() =>
        this.context.orders.inventory(who, ids, fromLot, fromRun, maxRuns, { blockTag }),
      );
      pages++;
      for (const l of lines) {
        const key = l.lotId.toLowerCase();
        const line = byLot.get(key) ?? {
          lotId: key,
          gtin: l.gtin,
          expiresAt: l.expiresAt,
          recalled: l.recalled,
          available: 0n,
          inTransit: 0n,
          suspect: 0n,
          illegitimate: 0n,
          decommissioned: 0n,
          total: 0n,
        };
        line.available += l.available;
        line.inTransit += l.inTransit;
        line.suspect += l.suspect;
        line.illegitimate += l.illegitimate;
        line.decommissioned += l.decommissioned;
        line.total = line.available + line.inTransit + line.suspect + line.illegitimate + line.decommissioned;
        byLot.set(key, line);
      }
      fromLot = Number(nextLot);
      fromRun = Number(nextRun);
    }
    const lots = [...byLot.values()];
    const totals: InventoryTotals = {
      available: 0n,
      inTransit: 0n,
      suspect: 0n,
      illegitimate: 0n,
      decommissioned: 0n,
      total: 0n,
    };
    for (const l of lots) {
      for (const k of Object.keys(totals) as (keyof InventoryTotals)[]) totals[k] += l[k];
    }
    return { holder: who, blockNumber: blockTag, lotsRead: ids.length, pages, lots, totals };
  }

  /**
   * `holder`'s whole inventory: the lots it may hold are found from events ({@link HistoryReader.lotsHeldBy}: lots it
   * commissioned, lots of shipments made to it), then read as {@link TradeClient.inventory} does. `fromBlock`
   * (the deployment's block) shortens the event scan on a long chain.
   */
  async inventoryOf(holder: string, options: InventoryOptions & HistoryOptions = {}): Promise<InventoryReport> {
    const lots = await this.context.history().lotsHeldBy(holder, options);
    return this.inventory(holder, lots, options);
  }

  async #latestBlock(): Promise<{ number: number; timestamp: number }> {
    const block = await this.context.provider.getBlock((await readBlock(this.context.provider)) ?? "latest");
    if (!block) throw new NotFoundError("the provider returned no latest block");
    return block;
  }

  /** {@link DEFAULT_DELIVERY_DAYS} days after the latest block's time (the chain's clock, not this machine's). */
  async #defaultDeliverBy(): Promise<bigint> {
    return BigInt((await this.#latestBlock()).timestamp + DEFAULT_DELIVERY_DAYS * 24 * 60 * 60);
  }

  /** Each range's lot number: as given, else from its lot's `LotCommissioned` event. */
  async #lotNumbersOf(ranges: readonly OrderRangeInput[]): Promise<string[]> {
    const missing = ranges.filter((r) => r.lotNumber === undefined).map((r) => r.lotId);
    const found = missing.length === 0 ? new Map<string, string>() : await this.context.history().lotNumbers(missing);
    return ranges.map((r) => {
      const lotNumber = r.lotNumber ?? found.get(r.lotId.toLowerCase());
      if (lotNumber === undefined) {
        throw new NotFoundError(
          `lot ${r.lotId} was never commissioned on chain ${this.context.chainId}: no lot number found for it`,
        );
      }
      return lotNumber;
    });
  }
}

function offerRecord(
  offerId: bigint,
  o: {
    seller: string;
    buyer: string;
    gtin: bigint;
    pricePerPack: bigint;
    currency: string;
    validUntil: bigint;
    status: bigint;
    bySeller: boolean;
  },
): OfferRecord {
  const status = Number(o.status) as OfferStatus;
  const currency = bytes3ToCurrency(o.currency);
  return {
    offerId,
    seller: o.seller,
    buyer: o.buyer,
    gtin: o.gtin,
    pricePerPack: o.pricePerPack,
    currency,
    price: formatPrice(o.pricePerPack, currency),
    validUntil: o.validUntil,
    status,
    statusName: OfferStatus[status],
    bySeller: o.bySeller,
  };
}
