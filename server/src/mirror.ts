/**
 * An in-memory mirror of what verification reads — products, lots and their custody runs — kept at a known block from
 * the protocol's events. The events say what changed (a lot, a shipment's lots, a product); the changed lots are read
 * again at that block (`lot` and `runs`, pinned with `blockTag`), and the new state is published for all of them at
 * once, so that every answer is the contract's at one block, which it names. A chain reorganisation (the block the
 * mirror stands on has another hash) drops everything and starts again from the new head.
 *
 * The verdict is computed here in the contract's order (PackCustody `_verify`); `test/server/mirror.test.ts` proves it
 * equal to the contract's `verify` at the same block over random packs and custody histories.
 */
import { ZeroAddress, type Log } from "ethers";
import {
  LotStatus,
  PackState,
  ProductStatus,
  Verdict,
  type ChainVerification,
  type LotRecord,
  type PharmaChainClient,
  type RunRecord,
} from "@pharmachain/sdk";

/** The block an answer was computed at. */
export interface BlockRef {
  number: number;
  hash: string;
  timestamp: number;
}

/** A lot's record as the SDK's `lot()` reads it, less the batch record's hash, which no answer uses. */
export type MirrorLot = Omit<LotRecord, "dataHash">;

/** A run of consecutive packs, as `PackCustody.runs` returns it (already settled). */
export type MirrorRun = RunRecord;

interface LotEntry {
  /** The block it was read at; valid at any later block until the lot changes. */
  block: number;
  lot: MirrorLot | undefined;
  runs: MirrorRun[];
  starts: Uint32Array;
}

interface ProductEntry {
  block: number;
  exists: boolean;
}

/** One pack's state, holder and its run's start, as `packStatus` answers. */
export interface MirrorPackStatus {
  state: PackState;
  holder: string;
  shipmentId: bigint;
  decommissionedAt: bigint;
  runStart: number;
}

/** The contract's `Verification` answer, as the SDK reads it (the lot's root travels apart). */
export type MirrorVerification = Omit<ChainVerification, "serialsRoot">;

/** A query as the contract takes it; `index` undefined when the caller has no proof (then it is not looked at). */
export interface MirrorQuery {
  lotId: string;
  gtin: bigint;
  expiresAt: bigint;
  /** The pack's index, proven by the caller against the lot's `serialsRoot`; undefined: not a pack of the lot. */
  index?: number;
}

export interface MirrorOptions {
  /** How often to follow the chain, in milliseconds (default 1,000; 0: only when `sync` is called). */
  pollMs?: number;
  /** Runs read per `runs` call (default 1,000). */
  pageSize?: number;
  onError?: (error: unknown) => void;
}

const ZERO = 0n;

export class CustodyMirror {
  private head: BlockRef = { number: -1, hash: "", timestamp: 0 };
  private readonly lots = new Map<string, LotEntry>();
  private readonly loading = new Map<string, Promise<LotEntry>>();
  private readonly products = new Map<bigint, ProductEntry>();
  /** The last block at which each lot changed, as far as the mirror has followed. */
  private readonly changedAt = new Map<string, number>();
  private productsChangedAt = -1;
  private everythingChangedAt = -1;
  private readonly shipmentLots = new Map<bigint, Set<string>>();
  private syncing?: Promise<BlockRef>;
  private timer?: NodeJS.Timeout;
  private readonly custodyAddress: string;
  private readonly lotsAddress: string;
  /** Reorganisations seen (the block the mirror stood on was replaced). */
  reorgs = 0;
  lastSyncAt = 0;

  constructor(
    readonly client: PharmaChainClient,
    private readonly options: MirrorOptions = {},
  ) {
    this.custodyAddress = client.addresses.custody.toLowerCase();
    this.lotsAddress = client.addresses.lots.toLowerCase();
  }

  /** The block the mirror stands on. */
  get block(): BlockRef {
    return this.head;
  }

  /** Reads the head and follows the chain every `pollMs`. */
  async start(): Promise<BlockRef> {
    await this.sync();
    const pollMs = this.options.pollMs ?? 1000;
    if (pollMs > 0) {
      this.timer = setInterval(() => {
        this.sync().catch((error: unknown) => this.options.onError?.(error));
      }, pollMs);
      this.timer.unref();
    }
    return this.head;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Follows the chain to its latest block (one sync at a time; concurrent callers share it). */
  sync(): Promise<BlockRef> {
    if (this.syncing) return this.syncing.then(() => this.sync());
    this.syncing = this.doSync().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async latestNumber(): Promise<number> {
    const provider = this.client.provider as { send?: (m: string, p: unknown[]) => Promise<string> };
    if (typeof provider.send === "function") return Number(await provider.send("eth_blockNumber", []));
    return this.client.provider.getBlockNumber();
  }

  /** A block's number, hash and time, asked of the node itself (no provider cache: a reorganisation must show). */
  private async blockRef(n: number): Promise<BlockRef> {
    const provider = this.client.provider as { send?: (m: string, p: unknown[]) => Promise<unknown> };
    if (typeof provider.send === "function") {
      const b = (await provider.send("eth_getBlockByNumber", ["0x" + n.toString(16), false])) as {
        number: string;
        hash: string;
        timestamp: string;
      } | null;
      if (!b || !b.hash) throw new Error(`block ${n} is not available`);
      return { number: Number(b.number), hash: b.hash, timestamp: Number(b.timestamp) };
    }
    const b = await this.client.provider.getBlock(n);
    if (!b || !b.hash) throw new Error(`block ${n} is not available`);
    return { number: b.number, hash: b.hash, timestamp: b.timestamp };
  }

  private async doSync(): Promise<BlockRef> {
    const target = await this.latestNumber();
    if (this.head.number >= 0) {
      const still = await this.blockRef(this.head.number).catch(() => undefined);
      if (!still || still.hash !== this.head.hash) {
        this.reorgs++;
        this.reset();
      }
    }
    if (this.head.number >= 0 && target <= this.head.number) {
      this.lastSyncAt = Date.now();
      return this.head;
    }
    const next = await this.blockRef(target);
    if (this.head.number < 0) {
      this.head = next;
      this.lastSyncAt = Date.now();
      return this.head;
    }
    const logs = await this.client.provider.getLogs({
      address: [this.client.addresses.custody, this.client.addresses.lots],
      fromBlock: this.head.number + 1,
      toBlock: target,
    });
    const dirty = new Set<string>();
    let productsChanged = false;
    let everything = false;
    for (const log of logs) {
      const effect = await this.effectOf(log, target);
      if (effect === "everything") everything = true;
      else if (effect === "products") productsChanged = true;
      else for (const lotId of effect) dirty.add(lotId);
    }
    // Read the changed lots that are cached at the new block, then publish everything at once.
    const reloaded = new Map<string, LotEntry>();
    const toReload = everything ? [...this.lots.keys()] : [...dirty].filter((id) => this.lots.has(id));
    await Promise.all(toReload.map(async (id) => reloaded.set(id, await this.read(id, target))));
    if (everything) {
      this.everythingChangedAt = target;
      this.productsChangedAt = target;
      this.products.clear();
    }
    if (productsChanged) this.productsChangedAt = target;
    for (const id of dirty) this.changedAt.set(id, target);
    for (const id of dirty) this.loading.delete(id);
    if (everything) this.loading.clear();
    for (const [id, entry] of reloaded) this.lots.set(id, entry);
    this.head = next;
    this.lastSyncAt = Date.now();
    return this.head;
  }

  private reset(): void {
    this.lots.clear();
    this.loading.clear();
    this.products.clear();
    this.changedAt.clear();
    this.shipmentLots.clear();
    this.productsChangedAt = -1;
    this.everythingChangedAt = -1;
    this.head = { number: -1, hash: "", timestamp: 0 };
  }

  /** What a log changes for verification: some lots, the products, everything, or nothing (an empty list). */
  private async effectOf(log: Log, toBlock: number): Promise<string[] | "products" | "everything"> {
    const address = log.address.toLowerCase();
    if (address === this.custodyAddress) {
      const parsed = this.client.custody.interface.parseLog(log);
      if (!parsed) return [];
      switch (parsed.name) {
        case "PacksShipped": {
          const shipmentId = BigInt(parsed.args.shipmentId);
          const lotId = String(parsed.args.lotId);
          let lots = this.shipmentLots.get(shipmentId);
          if (!lots) this.shipmentLots.set(shipmentId, (lots = new Set()));
          lots.add(lotId);
          return [lotId];
        }
        case "ShipmentPickedUp":
        case "ShipmentHandedOver":
        case "ShipmentReceived":
        case "ShipmentRejected":
        case "ShipmentCancelled":
        case "ShipmentVoided":
          return [...(await this.lotsOfShipment(BigInt(parsed.args.shipmentId), toBlock))];
        case "ShipmentCreated":
        case "SuspicionReported":
        case "CloneReported":
          return []; // no pack changes state
        default:
          return "lotId" in parsed.args ? [String(parsed.args.lotId)] : "everything";
      }
    }
    if (address === this.lotsAddress) {
      const parsed = this.client.lots.interface.parseLog(log);
      if (!parsed) return [];
      switch (parsed.name) {
        case "ProductRegistered":
        case "ProductApproved":
        case "ProductRejected":
          return "products";
        case "SignerAuthorised":
        case "LotSigned":
          return [];
        case "ProductTransferred":
          return "everything"; // untouched packs belong to the lot's standing manufacturer
        default:
          return "lotId" in parsed.args ? [String(parsed.args.lotId)] : "everything";
      }
    }
    return [];
  }

  private async lotsOfShipment(shipmentId: bigint, toBlock: number): Promise<Set<string>> {
    let lots = this.shipmentLots.get(shipmentId);
    if (lots) return lots;
    const topic = this.client.custody.interface.getEvent("PacksShipped")!.topicHash;
    const logs = await this.client.provider.getLogs({
      address: this.client.addresses.custody,
      topics: [topic, null, "0x" + shipmentId.toString(16).padStart(64, "0")],
      fromBlock: 0,
      toBlock,
    });
    lots = new Set(logs.map((l) => this.client.custody.interface.parseLog(l)!.args.lotId as string));
    this.shipmentLots.set(shipmentId, lots);
    return lots;
  }

  private async read(lotId: string, blockTag: number): Promise<LotEntry> {
    const l = await this.client.lots.lot(lotId, { blockTag });
    const status = Number(l.status) as LotStatus;
    if (status === LotStatus.None) return { block: blockTag, lot: undefined, runs: [], starts: new Uint32Array(0) };
    const lot: MirrorLot = {
      lotId,
      gtin: l.gtin,
      manufacturer: l.manufacturer,
      expiresAt: l.expiresAt,
      unitCount: Number(l.unitCount),
      status,
      recalled: l.recalled,
      commissionedAt: l.commissionedAt,
      releasedAt: l.releasedAt,
      recalledAt: l.recalledAt,
      serialsRoot: l.serialsRoot.toLowerCase(),
      manufacturerSigner: l.manufacturerSigner,
      regulatorSigner: l.regulatorSigner,
    };
    const runs: MirrorRun[] = await this.client.runs(lotId, this.options.pageSize ?? 1000, { blockTag });
    return { block: blockTag, lot, runs, starts: Uint32Array.from(runs.map((r) => r.start)) };
  }

  private valid(lotId: string, entry: LotEntry): boolean {
    return entry.block >= this.everythingChangedAt && entry.block >= (this.changedAt.get(lotId) ?? -1);
  }

  /** The lot's entry at the mirror's block: from memory, or read at that block once. */
  private lotEntry(lotId: string): LotEntry | Promise<LotEntry> {
    const key = lotId.toLowerCase();
    const cached = this.lots.get(key);
    if (cached && this.valid(key, cached)) return cached;
    let loading = this.loading.get(key);
    if (!loading) {
      const at = this.head.number;
      const started: Promise<LotEntry> = this.read(key, at).then((entry) => {
        if (this.loading.get(key) === started) {
          this.loading.delete(key);
          if (this.valid(key, entry)) this.lots.set(key, entry);
        }
        return entry;
      });
      started.catch(() => this.loading.delete(key));
      loading = started;
      this.loading.set(key, loading);
    }
    return loading;
  }

  private productExists(gtin: bigint): boolean | Promise<boolean> {
    const cached = this.products.get(gtin);
    if (cached && cached.block >= this.productsChangedAt) return cached.exists;
    const at = this.head.number;
    return this.client.lots.product(gtin, { blockTag: at }).then((p) => {
      const exists = Number(p.status) !== ProductStatus.None;
      if (at >= this.productsChangedAt) this.products.set(gtin, { block: at, exists });
      return exists;
    });
  }

  /** Whether a product (GTIN) is registered on chain, at the block the answer names. */
  productRegistered(gtin: bigint): Promise<{ block: BlockRef; value: boolean }> {
    return this.atOneBlock(() => this.productExists(gtin));
  }

  /**
   * Runs `fn` against one block: if the mirror moved on while `fn` waited for a read, it runs again at the new block,
   * so that its answer is the contract's at the block it names.
   */
  async atOneBlock<T>(fn: () => Promise<T> | T): Promise<{ block: BlockRef; value: T }> {
    if (this.head.number < 0) await this.sync();
    for (let attempt = 0; ; attempt++) {
      const block = this.head;
      const value = await fn();
      if (this.head === block || attempt >= 5) return { block, value };
    }
  }

  /** The lot's record at the mirror's block; undefined when there is no such lot. */
  async lot(lotId: string): Promise<MirrorLot | undefined> {
    return (await this.lotEntry(lotId)).lot;
  }

  /** The lot's runs at the mirror's block. */
  async runs(lotId: string): Promise<MirrorRun[]> {
    return (await this.lotEntry(lotId)).runs;
  }

  /** One pack's status, as `packStatus` answers; undefined when the lot or pack does not exist. */
  async packStatus(lotId: string, index: number): Promise<MirrorPackStatus | undefined> {
    const entry = await this.lotEntry(lotId);
    if (!entry.lot || index < 0 || index >= entry.lot.unitCount) return undefined;
    return statusIn(entry, index);
  }

  /** The contract's `verify` for each query, at the mirror's block (`atOneBlock` makes a batch consistent). */
  async verify(queries: readonly MirrorQuery[]): Promise<MirrorVerification[]> {
    const out: MirrorVerification[] = new Array(queries.length);
    for (let i = 0; i < queries.length; i++) {
      const q = queries[i];
      let exists = q.gtin === ZERO ? true : this.productExists(q.gtin);
      if (typeof exists !== "boolean") exists = await exists;
      if (!exists) {
        out[i] = empty(Verdict.UnknownProduct);
        continue;
      }
      let entry = this.lotEntry(q.lotId);
      if (entry instanceof Promise) entry = await entry;
      out[i] = verdictOf(entry, q, this.head.timestamp);
    }
    return out;
  }
}

function empty(verdict: Verdict): MirrorVerification {
  return {
    verdict,
    state: PackState.Active,
    holder: ZeroAddress,
    shipmentId: ZERO,
    decommissionedAt: ZERO,
    manufacturer: ZeroAddress,
    manufacturerSigner: ZeroAddress,
    regulatorSigner: ZeroAddress,
    commissionedAt: ZERO,
    releasedAt: ZERO,
    recalledAt: ZERO,
    expiresAt: ZERO,
  };
}

/** The run holding `index` (binary search over the run starts). */
function statusIn(entry: LotEntry, index: number): MirrorPackStatus {
  const starts = entry.starts;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid] <= index) lo = mid;
    else hi = mid - 1;
  }
  const run = entry.runs[lo];
  // PackRuns.stateOf: a head is the run's first pack's own state; the packs after it have no aux
  let state: PackState;
  let aux: bigint;
  if (index === run.start && run.head !== PackState.Active) [state, aux] = [run.head, run.aux];
  else if (run.head !== PackState.Active) [state, aux] = [run.state, ZERO];
  else [state, aux] = [run.state, run.aux];
  return {
    state,
    holder: run.holder,
    shipmentId: state === PackState.InTransit ? aux : ZERO,
    decommissionedAt: state >= PackState.Dispensed ? aux : ZERO,
    runStart: run.start,
  };
}

/** PackCustody `_verify` after the product check, on a lot entry, at a block of timestamp `now`. */
function verdictOf(entry: LotEntry, q: MirrorQuery, now: number): MirrorVerification {
  const lot = entry.lot;
  if (!lot) return empty(Verdict.UnknownLot);
  const v = empty(Verdict.Verified);
  v.manufacturer = lot.manufacturer;
  v.manufacturerSigner = lot.manufacturerSigner;
  v.regulatorSigner = lot.regulatorSigner;
  v.commissionedAt = lot.commissionedAt;
  v.releasedAt = lot.releasedAt;
  v.recalledAt = lot.recalledAt;
  v.expiresAt = lot.expiresAt;
  if (q.index === undefined || q.index >= lot.unitCount) {
    v.verdict = Verdict.UnknownSerial;
    return v;
  }
  if ((q.gtin !== ZERO && q.gtin !== lot.gtin) || (q.expiresAt !== ZERO && q.expiresAt !== lot.expiresAt)) {
    v.verdict = Verdict.LotOrExpiryMismatch;
    return v;
  }
  const s = statusIn(entry, q.index);
  v.state = s.state;
  v.holder = s.holder;
  v.shipmentId = s.shipmentId;
  v.decommissionedAt = s.decommissionedAt;
  if (lot.status !== LotStatus.Released) v.verdict = Verdict.LotNotReleased;
  else if (lot.recalled) v.verdict = Verdict.Recalled;
  else if (BigInt(now) >= lot.expiresAt) v.verdict = Verdict.Expired;
  else if (s.state === PackState.Illegitimate) v.verdict = Verdict.Illegitimate;
  else if (s.state === PackState.Suspect) v.verdict = Verdict.Suspect;
  else if (s.state >= PackState.Dispensed) v.verdict = Verdict.Decommissioned;
  else v.verdict = Verdict.Verified;
  return v;
}
