/**
 * Following the protocol's events as blocks come, on a chain that may reorganise: {@link HistoryFollower} reports an
 * event once its block has `confirmations` blocks (its own included), keeps the hashes of the blocks it has scanned,
 * and on each poll checks them against the chain. When a scanned block's hash has changed (a reorganisation), it walks
 * back to the newest block both chains share, rewinds there, says so, and lists any event it had reported from an
 * orphaned block: that can only happen for a reorganisation at least `confirmations` deep. A shallower one never makes
 * it report an orphaned event, because it never reads a block that young.
 *
 * Its state (the last scanned block and the window of hashes) is plain JSON: save it after each poll and give it back
 * to resume where it stopped, without repeating or missing an event.
 */
import { Block, Interface, Log, Provider, getAddress } from "ethers";
import {
  PackCustody__factory,
  ProductLots__factory,
  StakeholderRegistry__factory,
  TradeOrders__factory,
} from "./contracts";
import type { DeploymentAddresses } from "./contracts";
import { PharmaChainError } from "./errors";
import { HistoryContract, TradeHistoryEvent, summarise } from "./history";

/** Where a follower stands: the last block it scanned and the hashes of the blocks before it it still checks. */
export interface FollowerState {
  /** The last block scanned (every event up to it has been reported); `fromBlock - 1` before the first poll. */
  blockNumber: number;
  /** `[number, hash]` of the scanned blocks it still checks, oldest first, the last one `blockNumber`'s. */
  hashes: [number, string][];
}

export interface FollowerOptions {
  /** Blocks an event's block needs, its own included, before it is reported (default 3; 1: as soon as mined). */
  confirmations?: number;
  /** First block to scan (default 0; give the deployment's block on a long chain). Ignored with `state`. */
  fromBlock?: number;
  /** Resume from a state saved from {@link HistoryFollower.state}. */
  state?: FollowerState;
  /** Most blocks scanned by one poll (default 5,000). */
  maxBlocks?: number;
  /** Scanned blocks whose hashes are kept and checked (default 64, and at least 4 × `confirmations`). */
  window?: number;
}

/** A reorganisation seen by a poll. */
export interface FollowerReorg {
  /** The newest block both chains share: scanning starts again after it. */
  forkBlock: number;
  /** Scanned blocks that were replaced. */
  depth: number;
  /** Events reported from the replaced blocks (orphaned unless the new chain has them again): empty when the
   * reorganisation was shallower than the confirmations. */
  retracted: TradeHistoryEvent[];
}

export interface FollowerUpdate {
  /** Events newly confirmed, oldest first. */
  events: TradeHistoryEvent[];
  reorg?: FollowerReorg;
  /** The chain's head when polled, and the last block now scanned. */
  head: number;
  scannedThrough: number;
}

/** A reorganisation deeper than the follower's window of hashes: it cannot tell where the chains part. */
export class ReorgTooDeepError extends PharmaChainError {}

const ifaces: Record<HistoryContract, Interface> = {
  registry: new Interface(StakeholderRegistry__factory.abi),
  lots: new Interface(ProductLots__factory.abi),
  custody: new Interface(PackCustody__factory.abi),
  orders: new Interface(TradeOrders__factory.abi),
};

export class HistoryFollower {
  private readonly confirmations: number;
  private readonly maxBlocks: number;
  private readonly window: number;
  private readonly contracts = new Map<string, HistoryContract>();
  private blockNumber: number;
  private hashes: [number, string][];
  /** Events reported from the blocks still in the window, to retract them if those blocks are replaced. */
  private readonly reported = new Map<number, TradeHistoryEvent[]>();

  /** `addresses` are the deployment's; `orders` the order book's (`client.ordersAddress`), to follow it too. */
  constructor(
    private readonly provider: Provider,
    addresses: DeploymentAddresses,
    orders?: string,
    options: FollowerOptions = {},
  ) {
    this.confirmations = Math.max(1, options.confirmations ?? 3);
    this.maxBlocks = Math.max(1, options.maxBlocks ?? 5_000);
    this.window = Math.max(options.window ?? 64, 4 * this.confirmations);
    for (const name of ["registry", "lots", "custody"] as const) this.contracts.set(getAddress(addresses[name]), name);
    if (orders) this.contracts.set(getAddress(orders), "orders");
    this.blockNumber = options.state?.blockNumber ?? (options.fromBlock ?? 0) - 1;
    this.hashes = options.state ? options.state.hashes.map(([n, h]) => [n, h]) : [];
  }

  /** The state to save and resume from (plain JSON). */
  state(): FollowerState {
    return { blockNumber: this.blockNumber, hashes: this.hashes.map(([n, h]) => [n, h]) };
  }

  /** Checks the scanned blocks against the chain (rewinding after a reorganisation), then scans the newly confirmed. */
  async poll(): Promise<FollowerUpdate> {
    const reorg = await this.checkScanned();
    const head = await this.provider.getBlockNumber();
    const last = Math.min(head - this.confirmations + 1, this.blockNumber + this.maxBlocks);
    const events = last > this.blockNumber ? await this.scan(this.blockNumber + 1, last) : [];
    return { events, ...(reorg ? { reorg } : {}), head, scannedThrough: this.blockNumber };
  }

  /** Compares the newest kept hash with the chain's; on a difference walks back to the fork and rewinds there. */
  private async checkScanned(): Promise<FollowerReorg | undefined> {
    if (this.hashes.length === 0) return undefined;
    const [newest, newestHash] = this.hashes[this.hashes.length - 1];
    if ((await this.provider.getBlock(newest))?.hash === newestHash) return undefined;
    let i = this.hashes.length - 2;
    for (; i >= 0; i--) {
      const [n, hash] = this.hashes[i];
      if ((await this.provider.getBlock(n))?.hash === hash) break;
    }
    if (i < 0) {
      throw new ReorgTooDeepError(
        `the chain changed below block ${this.hashes[0][0]}, the oldest of the ${this.hashes.length} blocks whose hashes this follower keeps`,
        { details: "give it a larger window, or start it again from an earlier state" },
      );
    }
    const forkBlock = this.hashes[i][0];
    const retracted: TradeHistoryEvent[] = [];
    for (const [n, events] of [...this.reported].sort((a, b) => a[0] - b[0])) {
      if (n > forkBlock) {
        retracted.push(...events);
        this.reported.delete(n);
      }
    }
    const depth = this.blockNumber - forkBlock;
    this.hashes = this.hashes.slice(0, i + 1);
    this.blockNumber = forkBlock;
    return { forkBlock, depth, retracted };
  }

  /**
   * Reads the events of blocks `[from, to]` and the headers it needs (every block in the window, every block with an
   * event); if the chain moved under the read (a log's block hash is not the header's, or the first block does not
   * follow the last scanned one), reports nothing and leaves the next poll to find the reorganisation.
   */
  private async scan(from: number, to: number): Promise<TradeHistoryEvent[]> {
    const logs = await this.provider.getLogs({ address: [...this.contracts.keys()], fromBlock: from, toBlock: to });
    const wanted = new Set<number>(logs.map((l) => l.blockNumber));
    for (let n = Math.max(from, to - this.window + 1); n <= to; n++) wanted.add(n);
    wanted.add(from);
    const headers = new Map<number, Block>();
    await Promise.all(
      [...wanted].map(async (n) => {
        const block = await this.provider.getBlock(n);
        if (block) headers.set(n, block);
      }),
    );
    const previous = this.hashes[this.hashes.length - 1];
    const moved =
      [...wanted].some((n) => !headers.has(n)) ||
      logs.some((l) => headers.get(l.blockNumber)!.hash !== l.blockHash) ||
      (previous !== undefined && previous[0] === from - 1 && headers.get(from)!.parentHash !== previous[1]);
    if (moved) return [];

    const events: TradeHistoryEvent[] = [];
    for (const log of [...logs].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index)) {
      const event = this.decode(log, headers.get(log.blockNumber)!.timestamp);
      if (event) events.push(event);
    }
    for (const n of [...wanted].sort((a, b) => a - b)) {
      if (n > to - this.window) this.hashes.push([n, headers.get(n)!.hash!]);
    }
    this.hashes = this.hashes.slice(-this.window);
    for (const e of events) {
      if (e.blockNumber > to - this.window) {
        const list = this.reported.get(e.blockNumber) ?? [];
        list.push(e);
        this.reported.set(e.blockNumber, list);
      }
    }
    for (const n of this.reported.keys()) if (n <= to - this.window) this.reported.delete(n);
    this.blockNumber = to;
    return events;
  }

  private decode(log: Log, timestamp: number): TradeHistoryEvent | undefined {
    const contract = this.contracts.get(getAddress(log.address));
    if (!contract) return undefined;
    const parsed = ifaces[contract].parseLog({ topics: [...log.topics], data: log.data });
    if (!parsed) return undefined;
    const args = parsed.args.toObject();
    return {
      name: parsed.name,
      contract,
      blockNumber: log.blockNumber,
      logIndex: log.index,
      transactionHash: log.transactionHash,
      timestamp,
      args,
      summary: summarise(parsed.name, args),
    };
  }
}
