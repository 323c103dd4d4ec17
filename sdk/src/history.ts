/**
 * Provenance from events: the timeline of a lot, a pack, a shipment or an order, read with `eth_getLogs` over block
 * ranges in pages, so that it works against RPC providers that limit the blocks or results of one query (the page
 * shrinks when the provider refuses). Also the lots an account may hold (for inventory) and lots' numbers, from the
 * same events.
 */
import { Interface, Log, LogDescription, Provider, getAddress, toBeHex, zeroPadValue } from "ethers";
import {
  PackCustody__factory,
  ProductLots__factory,
  StakeholderRegistry__factory,
  TradeOrders__factory,
} from "./contracts";
import type { DeploymentAddresses, PackCustody, ProductLots, StakeholderRegistry, TradeOrders } from "./contracts";
import type { TypedContractEvent } from "../../typechain-types/common";
import { OrderStatus, PackState, ShipmentStatus } from "./enums";
import { ConfigurationError, PharmaChainError, TransactionError } from "./errors";
import { gtin14 } from "./gs1";
import { formatPrice } from "./revert";

/** One event of a timeline, its arguments decoded by name. */
export interface HistoryEvent {
  /** The event's name, e.g. `PacksShipped`. */
  name: string;
  /** `registry`, `lots` or `custody`. */
  contract: keyof DeploymentAddresses;
  blockNumber: number;
  logIndex: number;
  transactionHash: string;
  /** Block time, unix seconds. */
  timestamp: number;
  args: Record<string, unknown>;
  /** One line in words. */
  summary: string;
}

/** The decoded arguments of a contract's events by name, from its TypeChain binding (plain object types). */
type ArgsByName<C extends { filters: object }> = {
  [K in keyof C["filters"] as K extends `${string}(${string}` ? never : K]: C["filters"][K] extends TypedContractEvent<
    infer _I,
    infer _O,
    infer O
  >
    ? { [P in keyof O]: O[P] }
    : never;
};

/** Every protocol event's name → its decoded arguments (`args`), as the contracts declare them. */
export type EventArgs = ArgsByName<StakeholderRegistry> &
  ArgsByName<ProductLots> &
  ArgsByName<PackCustody> &
  ArgsByName<TradeOrders>;

/** The name of a protocol event. */
export type EventName = keyof EventArgs & string;

/**
 * A timeline's event typed by its name, a discriminated union (as viem types logs): after `if (e.name ===
 * "PacksShipped")`, `e.args.shipmentId` is a `bigint`. Every `TypedHistoryEvent` is a {@link HistoryEvent}.
 */
export type TypedHistoryEvent<N extends EventName = EventName> = {
  [K in N]: Omit<HistoryEvent, "name" | "args"> & { name: K; args: EventArgs[K] };
}[N];

/** The contract an event comes from: one of a deployment's three, or custody's order book (`orders`). */
export type HistoryContract = keyof DeploymentAddresses | "orders";

/** One event of an order's timeline: the order book's events and those of the shipments made for the order. */
export interface TradeHistoryEvent extends Omit<HistoryEvent, "contract"> {
  contract: HistoryContract;
}

export interface HistoryOptions {
  /** First block to search (default 0; give the deployment block on long chains). */
  fromBlock?: number;
  /** Last block (default: latest). */
  toBlock?: number;
  /** Blocks per `eth_getLogs` query (default 10,000; halved when the provider refuses a range). */
  blockRange?: number;
  onProgress?: (scannedBlocks: number, totalBlocks: number) => void;
}

const lotsIface = new Interface(ProductLots__factory.abi);
const custodyIface = new Interface(PackCustody__factory.abi);
const registryIface = new Interface(StakeholderRegistry__factory.abi);
const ordersIface = new Interface(TradeOrders__factory.abi);

/** The order book's events of one order (each has the order id as its first indexed argument). */
const ORDER_EVENTS = [
  "OrderPlaced",
  "OrderAmended",
  "OrderConfirmed",
  "OrderDeclined",
  "OrderCancelled",
  "OrderShipped",
  "OrderShipmentSettled",
];
/** Ids per topic list of one `eth_getLogs` query (providers limit a filter's size). */
const TOPIC_CHUNK = 200;

const LOT_EVENTS = ["LotCommissioned", "LotSigned", "LotReleased", "LotRecalled", "RecallLifted", "LotVoided"];
const CUSTODY_LOT_EVENTS = [
  "PacksShipped",
  "PacksDecommissioned",
  "DecommissionUndone",
  "PacksQuarantined",
  "SuspicionReported",
  "PacksCleared",
  "IllegitimacyProposed",
  "PacksIllegitimate",
  "CloneReported",
];
const SHIPMENT_EVENTS = [
  "ShipmentCreated",
  "ShipmentPickedUp",
  "ShipmentHandedOver",
  "ShipmentReceived",
  "ShipmentRejected",
  "ShipmentCancelled",
  "ShipmentVoided",
];

function topics(iface: Interface, names: readonly string[]): string[] {
  return names.map((n) => iface.getEvent(n)!.topicHash);
}

function looksLikeRangeRefusal(error: unknown): boolean {
  const text = String((error as { message?: unknown })?.message ?? error).toLowerCase();
  return /range|too many|limit|exceed|10000|block/.test(text);
}

/** Reads the history of the protocol's contracts, page by page. */
export class HistoryReader {
  private readonly timestamps = new Map<number, number>();

  /**
   * @param orders the order book's address (`custody.orderBook()`), needed only for {@link HistoryReader.order};
   * `PharmaChainClient.history()` passes it.
   */
  constructor(
    private readonly provider: Provider,
    private readonly addresses: DeploymentAddresses,
    private readonly orders?: string,
  ) {}

  /** Commissioning, signatures, release, recall; every shipment, decommission and quarantine of the lot's packs. */
  async lot(lotId: string, options: HistoryOptions = {}): Promise<TypedHistoryEvent[]> {
    const [lotLogs, custodyLogs] = await Promise.all([
      this.logs(this.addresses.lots, [topics(lotsIface, LOT_EVENTS), lotId], options),
      this.logs(this.addresses.custody, [topics(custodyIface, CUSTODY_LOT_EVENTS), lotId], options),
    ]);
    const shipmentIds = new Set<bigint>();
    for (const log of custodyLogs) {
      const parsed = custodyIface.parseLog(log);
      if (parsed?.name === "PacksShipped") shipmentIds.add(parsed.args.shipmentId as bigint);
    }
    const shipmentLogs = await this.shipmentLogs([...shipmentIds], options);
    return this.timeline([...lotLogs, ...custodyLogs, ...shipmentLogs]);
  }

  /** The lot's timeline narrowed to the events that concern pack `index`. */
  async pack(lotId: string, index: number, options: HistoryOptions = {}): Promise<TypedHistoryEvent[]> {
    const all = await this.lot(lotId, options);
    const shipments = new Set<bigint>();
    const mine = all.filter((e) => {
      if (e.contract === "lots") return true;
      // Any event over a range of packs: read by name, whichever event it is.
      const range = e.args as { start?: bigint; end?: bigint };
      if (range.start !== undefined && range.end !== undefined) {
        const inside = index >= Number(range.start) && index < Number(range.end);
        if (inside && e.name === "PacksShipped") shipments.add(e.args.shipmentId);
        return inside;
      }
      if (e.name === "CloneReported") return Number(e.args.index) === index;
      return false;
    });
    const shipmentEvents = all.filter((e) => {
      const shipmentId = (e.args as { shipmentId?: bigint }).shipmentId;
      return SHIPMENT_EVENTS.includes(e.name) && shipmentId !== undefined && shipments.has(shipmentId);
    });
    return sortEvents([...mine, ...shipmentEvents]);
  }

  /** The shipment's creation, packs, pick-up, hand-over and settlement. */
  async shipment(shipmentId: bigint, options: HistoryOptions = {}): Promise<TypedHistoryEvent[]> {
    const id = zeroPadValue(toBeHex(shipmentId), 32);
    const [events, packs] = await Promise.all([
      this.shipmentLogs([shipmentId], options),
      this.logs(this.addresses.custody, [custodyIface.getEvent("PacksShipped")!.topicHash, null, id], options),
    ]);
    return this.timeline([...events, ...packs]);
  }

  /**
   * The order's timeline: placement, amendments, the seller's answer, cancellation, each shipment made for it and its
   * settlement (order book events), with those shipments' own events (custody).
   */
  async order(orderId: bigint, options: HistoryOptions = {}): Promise<TradeHistoryEvent[]> {
    if (!this.orders)
      throw new ConfigurationError("this history reader has no order book address: use client.history()");
    const id = zeroPadValue(toBeHex(orderId), 32);
    const orderLogs = await this.logs(this.orders, [topics(ordersIface, ORDER_EVENTS), id], options);
    const shipmentIds = new Set<bigint>();
    for (const log of orderLogs) {
      const parsed = ordersIface.parseLog(log);
      if (parsed?.name === "OrderShipped") shipmentIds.add(parsed.args.shipmentId as bigint);
    }
    const ids = [...shipmentIds];
    const [shipmentLogs, packLogs] = await Promise.all([
      this.shipmentLogs(ids, options),
      this.chunked(ids, (chunk) =>
        this.logs(this.addresses.custody, [custodyIface.getEvent("PacksShipped")!.topicHash, null, chunk], options),
      ),
    ]);
    return this.anyTimeline([...orderLogs, ...shipmentLogs, ...packLogs]);
  }

  /**
   * The lots whose packs `holder` may hold, in increasing order of id (as the order book's `inventory` takes them):
   * those it commissioned as manufacturer (`LotCommissioned`) and those of every shipment made to it
   * (`ShipmentCreated` to it, then the shipments' `PacksShipped`). A holder can hold packs of no other lot; some of
   * these it may no longer hold.
   */
  async lotsHeldBy(holder: string, options: HistoryOptions = {}): Promise<string[]> {
    const who = zeroPadValue(getAddress(holder), 32);
    const [commissioned, shipments] = await Promise.all([
      this.logs(this.addresses.lots, [lotsIface.getEvent("LotCommissioned")!.topicHash, null, null, who], options),
      this.logs(
        this.addresses.custody,
        [custodyIface.getEvent("ShipmentCreated")!.topicHash, null, null, who],
        options,
      ),
    ]);
    const shipmentIds = shipments.map((log) => zeroPadValue(log.topics[1], 32));
    const packs = await this.chunked([...new Set(shipmentIds)], (chunk) =>
      this.logs(this.addresses.custody, [custodyIface.getEvent("PacksShipped")!.topicHash, null, chunk], options),
    );
    const lots = new Set<string>([...commissioned, ...packs].map((log) => log.topics[1].toLowerCase()));
    return [...lots].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
  }

  /** The lot numbers of `lotIds`, from their `LotCommissioned` events (lots never commissioned are left out). */
  async lotNumbers(lotIds: readonly string[], options: HistoryOptions = {}): Promise<Map<string, string>> {
    const ids = [...new Set(lotIds.map((l) => l.toLowerCase()))];
    const logs = await this.chunked(ids, (chunk) =>
      this.logs(this.addresses.lots, [lotsIface.getEvent("LotCommissioned")!.topicHash, chunk], options),
    );
    const numbers = new Map<string, string>();
    for (const log of logs) {
      const parsed = lotsIface.parseLog(log);
      if (parsed) numbers.set(log.topics[1].toLowerCase(), parsed.args.lotNumber as string);
    }
    return numbers;
  }

  /** Everything the registry recorded about `account` (application, approval, suspension...). */
  async stakeholder(account: string, options: HistoryOptions = {}): Promise<TypedHistoryEvent[]> {
    const topic = zeroPadValue(getAddress(account), 32);
    return this.timeline(await this.logs(this.addresses.registry, [null, topic], options));
  }

  private async shipmentLogs(ids: readonly bigint[], options: HistoryOptions): Promise<Log[]> {
    if (ids.length === 0) return [];
    const idTopics = ids.map((id) => zeroPadValue(toBeHex(id), 32));
    return this.chunked(idTopics, (chunk) =>
      this.logs(this.addresses.custody, [topics(custodyIface, SHIPMENT_EVENTS), chunk], options),
    );
  }

  /** `query` for each chunk of at most {@link TOPIC_CHUNK} topics (bigint ids are padded to 32 bytes), in turn. */
  private async chunked(
    values: readonly (string | bigint)[],
    query: (chunk: string[]) => Promise<Log[]>,
  ): Promise<Log[]> {
    const all = values.map((v) => (typeof v === "bigint" ? zeroPadValue(toBeHex(v), 32) : v));
    const out: Log[] = [];
    for (let i = 0; i < all.length; i += TOPIC_CHUNK) out.push(...(await query(all.slice(i, i + TOPIC_CHUNK))));
    return out;
  }

  /** `eth_getLogs` over `[fromBlock, toBlock]` in pages; a page the provider refuses is split in half and retried. */
  private async logs(
    address: string,
    filterTopics: (string | string[] | null)[],
    options: HistoryOptions,
  ): Promise<Log[]> {
    const latest = options.toBlock ?? (await this.provider.getBlockNumber());
    const first = options.fromBlock ?? 0;
    let range = Math.max(1, options.blockRange ?? 10_000);
    const out: Log[] = [];
    let from = first;
    while (from <= latest) {
      const to = Math.min(latest, from + range - 1);
      // The last page asks for "latest": a provider's cached block number (ethers keeps it 250 ms) may predate the
      // block of a transaction just sent, whose events must not be missed.
      const toBlock = to === latest && options.toBlock === undefined ? "latest" : to;
      try {
        out.push(...(await this.provider.getLogs({ address, topics: filterTopics, fromBlock: from, toBlock })));
      } catch (error) {
        if (range > 1 && looksLikeRangeRefusal(error)) {
          range = Math.ceil(range / 2);
          continue;
        }
        throw new TransactionError(`could not read events of ${address} in blocks ${from}-${to}`, { cause: error });
      }
      options.onProgress?.(to - first + 1, latest - first + 1);
      from = to + 1;
    }
    return out;
  }

  /** The events of the deployment's three contracts (never the order book's: they are not queried here). */
  private async timeline(logs: readonly Log[]): Promise<TypedHistoryEvent[]> {
    // Decoded by the contracts' own ABIs, so each event's args are its binding's.
    return (await this.anyTimeline(logs)) as TypedHistoryEvent[];
  }

  private async anyTimeline(logs: readonly Log[]): Promise<TradeHistoryEvent[]> {
    const unique = new Map<string, Log>();
    for (const log of logs) unique.set(`${log.blockNumber}:${log.index}`, log);
    const events: TradeHistoryEvent[] = [];
    for (const log of unique.values()) {
      const [contract, parsed] = this.parse(log);
      if (!parsed) continue;
      const args = parsed.args.toObject();
      events.push({
        name: parsed.name,
        contract,
        blockNumber: log.blockNumber,
        logIndex: log.index,
        transactionHash: log.transactionHash,
        timestamp: await this.timestampOf(log.blockNumber),
        args,
        summary: summarise(parsed.name, args),
      });
    }
    return sortEvents(events);
  }

  private parse(log: Log): [HistoryContract, LogDescription | null] {
    const address = getAddress(log.address);
    const data = { topics: [...log.topics], data: log.data };
    if (address === getAddress(this.addresses.lots)) return ["lots", lotsIface.parseLog(data)];
    if (address === getAddress(this.addresses.custody)) return ["custody", custodyIface.parseLog(data)];
    if (this.orders && address === getAddress(this.orders)) return ["orders", ordersIface.parseLog(data)];
    return ["registry", registryIface.parseLog(data)];
  }

  private async timestampOf(blockNumber: number): Promise<number> {
    const known = this.timestamps.get(blockNumber);
    if (known !== undefined) return known;
    const block = await this.provider.getBlock(blockNumber);
    if (!block) throw new PharmaChainError(`block ${blockNumber} is not available from the provider`);
    this.timestamps.set(blockNumber, block.timestamp);
    return block.timestamp;
  }
}

function sortEvents<E extends { blockNumber: number; logIndex: number }>(events: E[]): E[] {
  return events.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
}

function short(value: unknown): string {
  const text = String(value);
  return /^0x[0-9a-fA-F]{64}$/.test(text) ? `${text.slice(0, 10)}…` : text;
}

function range(args: Record<string, unknown>): string {
  const start = Number(args.start);
  const end = Number(args.end);
  return end - start === 1 ? `pack ${start}` : `packs ${start}-${end - 1} (${end - start})`;
}

function day(seconds: unknown): string {
  return new Date(Number(seconds) * 1000).toISOString().slice(0, 10);
}

/** One line in words for an event. */
export function summarise(name: string, a: Record<string, unknown>): string {
  switch (name) {
    case "LotCommissioned":
      return `lot ${a.lotNumber} of GTIN ${a.gtin} commissioned by ${a.manufacturer}: ${a.unitCount} packs, expires ${new Date(Number(a.expiresAt) * 1000).toISOString().slice(0, 10)}`;
    case "LotSigned":
      return `attestation signed by ${a.signer} as ${a.byRegulator ? "regulator" : "manufacturer"}`;
    case "LotReleased":
      return "lot released: both signatures recorded";
    case "LotRecalled":
      return `lot recalled by ${a.by}`;
    case "RecallLifted":
      return `recall lifted by the council ${a.by}`;
    case "LotVoided":
      return `pending lot voided by ${a.by}`;
    case "PacksShipped":
      return `${range(a)} of lot ${short(a.lotId)} in shipment ${a.shipmentId}`;
    case "PacksDecommissioned":
      return `${range(a)} decommissioned as ${PackState[Number(a.state)]} by ${a.by}`;
    case "DecommissionUndone":
      return `${range(a)}: ${PackState[Number(a.previous)]} undone by ${a.by}`;
    case "PacksQuarantined":
      return a.holder === a.by
        ? `${range(a)} quarantined as suspect by their holder ${a.by}`
        : `${range(a)} of ${a.holder} quarantined as suspect by ${a.by}`;
    case "SuspicionReported":
      return `suspicion about ${range(a)} reported by ${a.reporter} to their holder ${a.holder}`;
    case "PacksCleared":
      return `${range(a)} cleared by regulator ${a.regulator}`;
    case "PacksIllegitimate":
      return `${range(a)} confirmed illegitimate by ${a.regulator}, the second key`;
    case "IllegitimacyProposed":
      return `${range(a)} proposed illegitimate by ${a.proposer}: awaits a second regulator or the council`;
    case "CloneReported":
      return `clone reported by ${a.reporter}: serial ${a.serial} (pack ${a.index}) was already ${PackState[Number(a.state)]}`;
    case "ShipmentCreated":
      return `shipment ${a.shipmentId} of ${a.packCount} packs from ${a.seller} to ${a.buyer}${a.transporter === "0x0000000000000000000000000000000000000000" ? "" : ` via ${a.transporter}`}`;
    case "ShipmentPickedUp":
      return `shipment ${a.shipmentId} picked up by ${a.transporter} at GLN ${a.gln}`;
    case "ShipmentHandedOver":
      return `shipment ${a.shipmentId} handed over by ${a.transporter} at GLN ${a.gln}`;
    case "ShipmentReceived":
      return `shipment ${a.shipmentId} received by ${a.buyer}`;
    case "ShipmentRejected":
      return `shipment ${a.shipmentId} rejected by ${a.buyer}`;
    case "ShipmentCancelled":
      return `shipment ${a.shipmentId} cancelled by ${a.seller}`;
    case "ShipmentVoided":
      return `shipment ${a.shipmentId} voided by regulator ${a.regulator}`;
    case "OrderPlaced":
      return `order ${a.orderId} placed by ${a.buyer} with ${a.seller}: ${a.quantity} packs of GTIN ${gtin14(BigInt(a.gtin as bigint))}, deliver by ${day(a.deliverBy)}${BigInt(a.offerId as bigint) === 0n ? "" : ` at the price of offer ${a.offerId}`}`;
    case "OrderAmended":
      return `order ${a.orderId} amended by ${a.buyer}: ${a.quantity} packs, deliver by ${day(a.deliverBy)}`;
    case "OrderConfirmed":
      return `order ${a.orderId} confirmed by ${a.seller}`;
    case "OrderDeclined":
      return `order ${a.orderId} declined by ${a.seller}`;
    case "OrderCancelled":
      return `order ${a.orderId} cancelled by ${a.by}`;
    case "OrderShipped":
      return `shipment ${a.shipmentId} of ${a.packs} packs made for order ${a.orderId}: order ${OrderStatus[Number(a.status)]}`;
    case "OrderShipmentSettled":
      return `shipment ${a.shipmentId} of order ${a.orderId} ${ShipmentStatus[Number(a.shipmentStatus)]} (${a.packs} packs): order ${OrderStatus[Number(a.status)]}`;
    case "PriceOffered":
      return `price offer ${a.offerId} by the ${a.bySeller ? "seller" : "buyer"}${BigInt(a.previousOfferId as bigint) === 0n ? "" : `, countering offer ${a.previousOfferId}`}: ${formatPrice(a.pricePerPack as bigint, String(a.currency))} a pack of GTIN ${gtin14(BigInt(a.gtin as bigint))} from ${a.seller} to ${a.buyer}, valid until ${day(a.validUntil)}`;
    case "OfferAccepted":
      return `price offer ${a.offerId} accepted: ${formatPrice(a.pricePerPack as bigint, String(a.currency))} a pack of GTIN ${gtin14(BigInt(a.gtin as bigint))} from ${a.seller} to ${a.buyer} until ${day(a.validUntil)}`;
    case "OfferDeclined":
      return `price offer ${a.offerId} declined by ${a.by}`;
    case "OfferWithdrawn":
      return `price offer ${a.offerId} withdrawn by ${a.by}`;
    case "StakeholderApplied":
      return `${a.account} applied to be a ${roleName(a.role)} (GLN ${gln13(a.gln)}, jurisdiction ${ascii(a.jurisdiction)})`;
    case "RegulatorAppointed":
      return `${a.account} appointed regulator by the council ${a.admin} (GLN ${gln13(a.gln)}, jurisdiction ${ascii(a.jurisdiction)}), licence until ${day(a.validUntil)}`;
    case "StakeholderApproved":
      return `${a.account} approved as ${roleName(a.role)} by regulator ${a.regulator}, licence until ${day(a.validUntil)}`;
    case "StakeholderSuspended":
      return `${a.account} suspended by ${a.by}`;
    case "StakeholderReinstated":
      return `${a.account} reinstated by ${a.by}`;
    case "LicenceRenewed":
      return `licence of ${a.account} renewed by ${a.by} until ${day(a.validUntil)}`;
    case "RevocationProposed":
      return `revocation of ${a.account} proposed by ${a.proposer}: awaits a second regulator or the council`;
    case "StakeholderRevoked":
      return `${a.account} revoked by ${a.by}, for good`;
    case "MetadataUpdated":
      return `${a.account} updated its registration details (hash ${short(a.metadataHash)})`;
    case "PrimaryDistributorAssigned":
      return `manufacturer ${a.manufacturer} names ${a.distributor} primary distributor ${BigInt(a.gtin as bigint) !== 0n ? `of GTIN ${gtin14(BigInt(a.gtin as bigint))}` : a.region !== "0x0000" ? `for region ${Buffer.from(String(a.region).slice(2), "hex").toString("ascii")}` : "of all its products"}`;
    default:
      return `${name}(${Object.entries(a)
        .map(([k, v]) => `${k}=${short(v)}`)
        .join(", ")})`;
  }
}

const ROLE_NAMES = ["no role", "regulator", "manufacturer", "distributor", "transporter", "dispenser"];

function roleName(role: unknown): string {
  return ROLE_NAMES[Number(role)] ?? `role ${role}`;
}

/** A GLN as printed: 13 digits. */
function gln13(gln: unknown): string {
  return BigInt(gln as bigint)
    .toString()
    .padStart(13, "0");
}

/** A `bytes2` jurisdiction as its two letters. */
function ascii(code: unknown): string {
  return Buffer.from(String(code).slice(2), "hex").toString("ascii");
}

/** The shipment status an event settles, if it settles one. */
export function statusAfter(name: string): ShipmentStatus | undefined {
  const map: Record<string, ShipmentStatus> = {
    ShipmentCreated: ShipmentStatus.Created,
    ShipmentPickedUp: ShipmentStatus.PickedUp,
    ShipmentHandedOver: ShipmentStatus.HandedOver,
    ShipmentReceived: ShipmentStatus.Received,
    ShipmentRejected: ShipmentStatus.Rejected,
    ShipmentCancelled: ShipmentStatus.Cancelled,
    ShipmentVoided: ShipmentStatus.Voided,
  };
  return map[name];
}
