/**
 * Provenance from events: the timeline of a lot, a pack or a shipment, read with `eth_getLogs` over block ranges in
 * pages, so that it works against RPC providers that limit the blocks or results of one query (the page shrinks
 * when the provider refuses).
 */
import { Interface, Log, LogDescription, Provider, getAddress, toBeHex, zeroPadValue } from "ethers";
import { PackCustody__factory, ProductLots__factory, StakeholderRegistry__factory } from "./contracts";
import type { DeploymentAddresses } from "./contracts";
import { PackState, ShipmentStatus } from "./enums";
import { PharmaChainError, TransactionError } from "./errors";

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

const LOT_EVENTS = ["LotCommissioned", "LotSigned", "LotReleased", "LotRecalled", "LotVoided"];
const CUSTODY_LOT_EVENTS = [
  "PacksShipped",
  "PacksDecommissioned",
  "DecommissionUndone",
  "PacksQuarantined",
  "PacksCleared",
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

  constructor(
    private readonly provider: Provider,
    private readonly addresses: DeploymentAddresses,
  ) {}

  /** Commissioning, signatures, release, recall; every shipment, decommission and quarantine of the lot's packs. */
  async lot(lotId: string, options: HistoryOptions = {}): Promise<HistoryEvent[]> {
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
  async pack(lotId: string, index: number, options: HistoryOptions = {}): Promise<HistoryEvent[]> {
    const all = await this.lot(lotId, options);
    const shipments = new Set<bigint>();
    const mine = all.filter((e) => {
      if (e.contract === "lots") return true;
      if (e.args.start !== undefined && e.args.end !== undefined) {
        const inside = index >= Number(e.args.start) && index < Number(e.args.end);
        if (inside && e.name === "PacksShipped") shipments.add(e.args.shipmentId as bigint);
        return inside;
      }
      if (e.name === "CloneReported") return Number(e.args.index) === index;
      return false;
    });
    const shipmentEvents = all.filter(
      (e) => SHIPMENT_EVENTS.includes(e.name) && shipments.has(e.args.shipmentId as bigint),
    );
    return sortEvents([...mine, ...shipmentEvents]);
  }

  /** The shipment's creation, packs, pick-up, hand-over and settlement. */
  async shipment(shipmentId: bigint, options: HistoryOptions = {}): Promise<HistoryEvent[]> {
    const id = zeroPadValue(toBeHex(shipmentId), 32);
    const [events, packs] = await Promise.all([
      this.shipmentLogs([shipmentId], options),
      this.logs(this.addresses.custody, [custodyIface.getEvent("PacksShipped")!.topicHash, null, id], options),
    ]);
    return this.timeline([...events, ...packs]);
  }

  /** Everything the registry recorded about `account` (application, approval, suspension...). */
  async stakeholder(account: string, options: HistoryOptions = {}): Promise<HistoryEvent[]> {
    const topic = zeroPadValue(getAddress(account), 32);
    return this.timeline(await this.logs(this.addresses.registry, [null, topic], options));
  }

  private async shipmentLogs(ids: readonly bigint[], options: HistoryOptions): Promise<Log[]> {
    if (ids.length === 0) return [];
    const idTopics = ids.map((id) => zeroPadValue(toBeHex(id), 32));
    return this.logs(this.addresses.custody, [topics(custodyIface, SHIPMENT_EVENTS), idTopics], options);
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

  private async timeline(logs: readonly Log[]): Promise<HistoryEvent[]> {
    const unique = new Map<string, Log>();
    for (const log of logs) unique.set(`${log.blockNumber}:${log.index}`, log);
    const events: HistoryEvent[] = [];
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

  private parse(log: Log): [keyof DeploymentAddresses, LogDescription | null] {
    const address = getAddress(log.address);
    const data = { topics: [...log.topics], data: log.data };
    if (address === getAddress(this.addresses.lots)) return ["lots", lotsIface.parseLog(data)];
    if (address === getAddress(this.addresses.custody)) return ["custody", custodyIface.parseLog(data)];
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

function sortEvents(events: HistoryEvent[]): HistoryEvent[] {
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
    case "LotVoided":
      return `pending lot voided by ${a.by}`;
    case "PacksShipped":
      return `${range(a)} of lot ${short(a.lotId)} in shipment ${a.shipmentId}`;
    case "PacksDecommissioned":
      return `${range(a)} decommissioned as ${PackState[Number(a.state)]} by ${a.by}`;
    case "DecommissionUndone":
      return `${range(a)}: ${PackState[Number(a.previous)]} undone by ${a.by}`;
    case "PacksQuarantined":
      return `${range(a)} quarantined as suspect by ${a.by}`;
    case "PacksCleared":
      return `${range(a)} cleared by regulator ${a.regulator}`;
    case "PacksIllegitimate":
      return `${range(a)} confirmed illegitimate by regulator ${a.regulator}`;
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
    default:
      return `${name}(${Object.entries(a).map(([k, v]) => `${k}=${short(v)}`).join(", ")})`;
  }
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
