/**
 * The watcher: follows the protocol's events from a cursor kept in the database, `confirmations` blocks behind the
 * head, and writes each batch's alerts, their outbox rows, the tracking tables and the new cursor in ONE transaction.
 * It keeps the hashes of the blocks it processed; when one no longer matches the chain (a reorganisation deeper than
 * the confirmation count), it records the reorg, orphans the alerts of the abandoned blocks (cancelling their
 * undelivered webhooks), rewinds the tracking tables and the cursor to the common ancestor, and goes on from there.
 */
import { EventEmitter } from "events";
import { Block, Log, Provider, getAddress } from "ethers";
import type { PharmaChainClient } from "@pharmachain/sdk";
import type { AlertsConfig } from "./config";
import type { Db } from "./db";
import { buildEnvelope, AlertData } from "./envelope";
import { ContractName, DecodedEvent, INTERFACES, JsonValue, decode, ruleFor } from "./kinds";

export interface ChainContext {
  provider: Provider;
  client: PharmaChainClient;
  deployment?: unknown;
}

/** Raised after every committed batch that wrote alerts (Server-Sent Events and the deliverer listen). */
export const alertBus = new EventEmitter();
alertBus.setMaxListeners(0);

export interface PollResult {
  /** The cursor after the poll. */
  cursor: number;
  /** Alerts written (new, or revived after a reorg). */
  alerts: number;
  /** Set when a reorganisation was found and the cursor rewound. */
  reorg?: ReorgRecord;
}

export interface ReorgRecord {
  detectedAt: string;
  oldCursor: number;
  ancestor: number;
  depth: number;
  orphanedAlerts: number;
  beyondWindow: boolean;
}

interface NewAlert {
  id: string;
  kind: string;
  blockNumber: number;
  blockHash: string;
  txHash: string | null;
  logIndex: number | null;
  lotIds: string[];
  gtins: string[];
  parties: string[];
  envelope: Record<string, unknown>;
}

/** A GTIN as its 14 digits (the events carry it as a number). */
export function gtinKey(value: JsonValue | bigint | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  const digits = String(value);
  return /^\d{1,14}$/.test(digits) ? digits.padStart(14, "0") : undefined;
}

const lower = (a: string): string => a.toLowerCase();

export class AlertWatcher {
  private readonly contracts = new Map<string, ContractName>();
  private readonly timestamps = new Map<number, number>();
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly db: Db,
    private readonly chain: ChainContext,
    private readonly config: AlertsConfig,
    private readonly onError: (e: unknown) => void = () => {},
  ) {
    const { client } = chain;
    this.contracts.set(lower(client.addresses.registry), "StakeholderRegistry");
    this.contracts.set(lower(client.addresses.lots), "ProductLots");
    this.contracts.set(lower(client.addresses.custody), "PackCustody");
    this.contracts.set(lower(client.ordersAddress), "TradeOrders");
  }

  get chainId(): string {
    return this.chain.client.chainId.toString();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let last = Number.NEGATIVE_INFINITY;
    while (this.running) {
      let result: PollResult | undefined;
      try {
        result = await this.pollOnce();
      } catch (e) {
        this.onError(e);
      }
      if (!this.running) break;
      // a batch or a rewind that left confirmed blocks behind goes on at once; caught up, it sleeps a poll interval
      const moved = result !== undefined && (result.reorg !== undefined || result.cursor !== last);
      if (result) last = result.cursor;
      if (moved && (await this.behind().catch(() => false))) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.config.pollIntervalMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private async behind(): Promise<boolean> {
    const head = await this.chain.provider.getBlockNumber();
    const cursor = await this.cursor();
    return head - this.config.confirmations > cursor.blockNumber;
  }

  private async cursor(): Promise<{ blockNumber: number; blockHash: string | null }> {
    const { rows } = await this.db.query<{ block_number: string | number; block_hash: string | null }>(
      "SELECT block_number, block_hash FROM alert_cursor WHERE id = 1",
    );
    if (rows.length === 0) {
      await this.db.query(
        "INSERT INTO alert_cursor (id, block_number, block_hash) VALUES (1, $1, NULL) ON CONFLICT (id) DO NOTHING",
        [this.config.fromBlock - 1],
      );
      return this.cursor();
    }
    return { blockNumber: Number(rows[0].block_number), blockHash: rows[0].block_hash };
  }

  private async block(n: number): Promise<Block | null> {
    const block = await this.chain.provider.getBlock(n);
    if (block) this.timestamps.set(n, block.timestamp);
    return block;
  }

  /** One step: check for a reorg, then process the next batch of confirmed blocks. */
  async pollOnce(): Promise<PollResult> {
    const cursor = await this.cursor();
    if (cursor.blockHash !== null) {
      const onChain = await this.block(cursor.blockNumber);
      if (!onChain || onChain.hash !== cursor.blockHash) {
        const reorg = await this.rewind(cursor.blockNumber);
        alertBus.emit("reorg", reorg);
        return { cursor: reorg.ancestor, alerts: 0, reorg };
      }
    }
    const head = await this.chain.provider.getBlockNumber();
    const target = head - this.config.confirmations;
    if (target <= cursor.blockNumber) return { cursor: cursor.blockNumber, alerts: 0 };
    const from = cursor.blockNumber + 1;
    const to = Math.min(target, cursor.blockNumber + this.config.maxBlockRange);
    const toBlock = await this.block(to);
    if (!toBlock?.hash) return { cursor: cursor.blockNumber, alerts: 0 };
    const logs = await this.chain.provider.getLogs({
      address: [...this.contracts.keys()],
      fromBlock: from,
      toBlock: to,
    });
    // the logs must come from the chain whose block `to` we read: otherwise a reorg happened meanwhile; try again
    const again = await this.block(to);
    if (again?.hash !== toBlock.hash || logs.some((l) => l.blockNumber === to && l.blockHash !== toBlock.hash)) {
      return { cursor: cursor.blockNumber, alerts: 0 };
    }
    logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
    for (const n of new Set(logs.map((l) => l.blockNumber))) if (!this.timestamps.has(n)) await this.block(n);

    const written = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ block_number: string | number }>(
        "SELECT block_number FROM alert_cursor WHERE id = 1 FOR UPDATE",
      );
      if (Number(rows[0].block_number) !== cursor.blockNumber) return -1; // another watcher moved it: skip this batch
      const decoded: [Log, DecodedEvent][] = [];
      for (const log of logs) {
        const contract = this.contracts.get(lower(log.address));
        const description = contract ? INTERFACES[contract].parseLog(log) : null;
        if (contract && description) decoded.push([log, decode(contract, description)]);
      }
      for (const [log, event] of decoded) await this.track(tx, log, event);
      const alerts: NewAlert[] = [];
      for (const [log, event] of decoded) {
        const alert = await this.alertOf(tx, log, event);
        if (alert) alerts.push(alert);
      }
      alerts.push(...(await this.expiring(tx, toBlock)));
      for (const alert of alerts) await this.insertAlert(tx, alert);
      const blocks = new Map<number, string>([[to, toBlock.hash!]]);
      for (const log of logs) blocks.set(log.blockNumber, log.blockHash);
      for (const [n, hash] of blocks) {
        await tx.query(
          "INSERT INTO alert_blocks (block_number, block_hash) VALUES ($1, $2) ON CONFLICT (block_number) DO UPDATE SET block_hash = EXCLUDED.block_hash",
          [n, hash],
        );
      }
      await tx.query("DELETE FROM alert_blocks WHERE block_number < $1", [to - this.config.reorgWindow]);
      await tx.query("UPDATE alert_cursor SET block_number = $1, block_hash = $2, updated_at = now() WHERE id = 1", [
        to,
        toBlock.hash,
      ]);
      return alerts.length;
    });
    if (written > 0) alertBus.emit("alerts", written);
    if (this.timestamps.size > 10_000) this.timestamps.clear();
    return { cursor: written < 0 ? cursor.blockNumber : to, alerts: Math.max(0, written) };
  }

  /** Updates the tracking tables the alerts read (who made, shipped and ordered what; licences). */
  private async track(tx: Db, log: Log, e: DecodedEvent): Promise<void> {
    const a = e.args;
    const block = log.blockNumber;
    switch (`${e.contract}.${e.event}`) {
      case "ProductLots.LotCommissioned":
        await tx.query(
          `INSERT INTO alert_lots (lot_id, gtin, manufacturer, lot_number, expires_at, block_number) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (lot_id) DO UPDATE SET gtin = EXCLUDED.gtin, manufacturer = EXCLUDED.manufacturer,
             lot_number = EXCLUDED.lot_number, expires_at = EXCLUDED.expires_at, block_number = EXCLUDED.block_number`,
          [
            lower(String(a.lotId)),
            gtinKey(a.gtin),
            lower(String(a.manufacturer)),
            String(a.lotNumber),
            String(a.expiresAt),
            block,
          ],
        );
        await this.addLotParty(tx, String(a.lotId), String(a.manufacturer), block);
        break;
      case "PackCustody.ShipmentCreated":
        await tx.query(
          `INSERT INTO alert_shipments (shipment_id, seller, buyer, transporter, block_number) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (shipment_id) DO NOTHING`,
          [String(a.shipmentId), lower(String(a.seller)), lower(String(a.buyer)), lower(String(a.transporter)), block],
        );
        // a shipment's ranges may be logged before or after it: whichever comes second links the parties to the lots
        for (const r of (
          await tx.query<{ lot_id: string }>("SELECT lot_id FROM alert_shipment_lots WHERE shipment_id = $1", [
            String(a.shipmentId),
          ])
        ).rows) {
          await this.addLotParty(tx, r.lot_id, String(a.seller), block);
          await this.addLotParty(tx, r.lot_id, String(a.buyer), block);
        }
        break;
      case "PackCustody.PacksShipped": {
        await tx.query(
          `INSERT INTO alert_shipment_lots (shipment_id, lot_id, block_number) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
          [String(a.shipmentId), lower(String(a.lotId)), block],
        );
        const { rows } = await tx.query<{ seller: string; buyer: string }>(
          "SELECT seller, buyer FROM alert_shipments WHERE shipment_id = $1",
          [String(a.shipmentId)],
        );
        for (const r of rows) {
          await this.addLotParty(tx, String(a.lotId), r.seller, block);
          await this.addLotParty(tx, String(a.lotId), r.buyer, block);
        }
        break;
      }
      case "TradeOrders.OrderPlaced":
        await tx.query(
          `INSERT INTO alert_orders (order_id, seller, buyer, gtin, block_number) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (order_id) DO NOTHING`,
          [String(a.orderId), lower(String(a.seller)), lower(String(a.buyer)), gtinKey(a.gtin), block],
        );
        break;
      case "StakeholderRegistry.StakeholderApproved":
      case "StakeholderRegistry.RegulatorAppointed":
      case "StakeholderRegistry.LicenceRenewed":
      case "StakeholderRegistry.StakeholderRevoked":
        await tx.query(
          `INSERT INTO alert_licences (account, valid_until, block_number, log_index) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING`,
          [lower(String(a.account)), e.event === "StakeholderRevoked" ? "0" : String(a.validUntil), block, log.index],
        );
        break;
    }
  }

  private async addLotParty(tx: Db, lotId: string, account: string, block: number): Promise<void> {
    await tx.query(
      "INSERT INTO alert_lot_parties (lot_id, account, block_number) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
      [lower(lotId), lower(account), block],
    );
  }

  private async lotInfo(tx: Db, lotId: string): Promise<{ gtin?: string; parties: string[] }> {
    const { rows } = await tx.query<{ gtin: string; manufacturer: string }>(
      "SELECT gtin, manufacturer FROM alert_lots WHERE lot_id = $1",
      [lower(lotId)],
    );
    const parties = (
      await tx.query<{ account: string }>("SELECT account FROM alert_lot_parties WHERE lot_id = $1", [lower(lotId)])
    ).rows.map((r) => r.account);
    if (rows.length > 0) return { gtin: rows[0].gtin, parties: [rows[0].manufacturer, ...parties] };
    try {
      // a lot commissioned before the watcher's first block: ask the chain
      const lot = await this.chain.client.lot(lotId);
      return { gtin: gtinKey(lot.gtin), parties: [lower(lot.manufacturer), ...parties] };
    } catch {
      return { parties };
    }
  }

  private async alertOf(tx: Db, log: Log, e: DecodedEvent): Promise<NewAlert | undefined> {
    const rule = ruleFor(e.contract, e.event);
    if (!rule) return undefined;
    const a = e.args;
    const parties = new Set(e.addresses.map(lower));
    const lotIds = new Set<string>();
    const gtins = new Set<string>();
    if (typeof a.lotId === "string") lotIds.add(lower(a.lotId));
    const g = gtinKey(a.gtin);
    if (g) gtins.add(g);
    let subject: string | undefined = typeof a.lotId === "string" ? lower(a.lotId) : undefined;
    if (rule.scope.includes("shipment")) {
      const id = String(a.shipmentId);
      subject = `shipment/${id}`;
      const s = await tx.query<{ seller: string; buyer: string; transporter: string }>(
        "SELECT seller, buyer, transporter FROM alert_shipments WHERE shipment_id = $1",
        [id],
      );
      for (const r of s.rows)
        [r.seller, r.buyer, r.transporter].filter((x) => x && !/^0x0+$/.test(x)).forEach((x) => parties.add(x));
      const l = await tx.query<{ lot_id: string }>("SELECT lot_id FROM alert_shipment_lots WHERE shipment_id = $1", [
        id,
      ]);
      for (const r of l.rows) lotIds.add(r.lot_id);
    }
    if (rule.scope.includes("order")) {
      const id = String(a.orderId);
      subject = `order/${id}`;
      const o = await tx.query<{ seller: string; buyer: string; gtin: string }>(
        "SELECT seller, buyer, gtin FROM alert_orders WHERE order_id = $1",
        [id],
      );
      for (const r of o.rows) {
        parties.add(r.seller);
        parties.add(r.buyer);
        gtins.add(r.gtin);
      }
    }
    for (const lotId of lotIds) {
      const info = await this.lotInfo(tx, lotId);
      if (info.gtin) gtins.add(info.gtin);
      if (rule.scope.includes("lot")) info.parties.forEach((p) => parties.add(p));
    }
    if (subject === undefined && typeof a.account === "string") subject = `stakeholder/${lower(a.account)}`;
    const id = `${log.transactionHash}:${log.index}`;
    const contractAddress = getAddress(log.address);
    const data: AlertData = {
      kind: rule.kind,
      chainId: this.chainId,
      contract: e.contract,
      contractAddress,
      event: e.event,
      args: a,
      lotIds: [...lotIds],
      gtins: [...gtins],
      parties: [...parties].map((p) => getAddress(p)),
      blockNumber: log.blockNumber,
      blockHash: log.blockHash,
      transactionHash: log.transactionHash,
      logIndex: log.index,
    };
    return {
      id,
      kind: rule.kind,
      blockNumber: log.blockNumber,
      blockHash: log.blockHash,
      txHash: log.transactionHash,
      logIndex: log.index,
      lotIds: [...lotIds],
      gtins: [...gtins],
      parties: [...parties],
      envelope: buildEnvelope({
        id,
        kind: rule.kind,
        source: `urn:pharmachain:${this.chainId}:${lower(contractAddress)}`,
        subject,
        time: new Date((this.timestamps.get(log.blockNumber) ?? 0) * 1000),
        data,
      }),
    };
  }

  /** Lots and licences expiring within `expiryWarningDays` of the batch's last block, not yet alerted. */
  private async expiring(tx: Db, block: Block): Promise<NewAlert[]> {
    const now = block.timestamp;
    const horizon = now + this.config.expiryWarningDays * 86_400;
    const out: NewAlert[] = [];
    const make = (
      kind: string,
      id: string,
      subject: string,
      source: string,
      lotIds: string[],
      gtins: string[],
      parties: string[],
      extra: AlertData,
    ): NewAlert => ({
      id,
      kind,
      blockNumber: block.number,
      blockHash: block.hash!,
      txHash: null,
      logIndex: null,
      lotIds,
      gtins,
      parties,
      envelope: buildEnvelope({
        id,
        kind,
        source,
        subject,
        time: new Date(now * 1000),
        data: {
          kind,
          chainId: this.chainId,
          ...extra,
          lotIds,
          gtins,
          parties: parties.map((p) => getAddress(p)),
          blockNumber: block.number,
          blockHash: block.hash!,
          warningDays: this.config.expiryWarningDays,
        },
      }),
    });
    const lots = await tx.query<{ lot_id: string; gtin: string; lot_number: string; expires_at: string | number }>(
      `SELECT l.lot_id, l.gtin, l.lot_number, l.expires_at FROM alert_lots l
        WHERE l.expires_at > $1 AND l.expires_at <= $2
          AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.id = 'lot.expiring:' || l.lot_id || ':' || l.expires_at::text)`,
      [now, horizon],
    );
    for (const l of lots.rows) {
      const info = await this.lotInfo(tx, l.lot_id);
      const expiresAt = String(l.expires_at);
      out.push(
        make(
          "lot.expiring",
          `lot.expiring:${l.lot_id}:${expiresAt}`,
          l.lot_id,
          `urn:pharmachain:${this.chainId}:${lower(this.chain.client.addresses.lots)}`,
          [l.lot_id],
          [l.gtin],
          [...new Set(info.parties)],
          {
            lotId: l.lot_id,
            lotNumber: l.lot_number,
            expiresAt,
            expiresOn: new Date(Number(expiresAt) * 1000).toISOString(),
          },
        ),
      );
    }
    const licences = await tx.query<{ account: string; valid_until: string | number }>(
      `SELECT c.account, c.valid_until FROM (
         SELECT DISTINCT ON (account) account, valid_until FROM alert_licences ORDER BY account, block_number DESC, log_index DESC
       ) c
       WHERE c.valid_until > $1 AND c.valid_until <= $2
         AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.id = 'licence.expiring:' || c.account || ':' || c.valid_until::text)`,
      [now, horizon],
    );
    for (const c of licences.rows) {
      const validUntil = String(c.valid_until);
      out.push(
        make(
          "licence.expiring",
          `licence.expiring:${c.account}:${validUntil}`,
          `stakeholder/${c.account}`,
          `urn:pharmachain:${this.chainId}:${lower(this.chain.client.addresses.registry)}`,
          [],
          [],
          [c.account],
          { account: getAddress(c.account), validUntil, expiresOn: new Date(Number(validUntil) * 1000).toISOString() },
        ),
      );
    }
    return out;
  }

  private async insertAlert(tx: Db, alert: NewAlert): Promise<void> {
    const { rows } = await tx.query<{ seq: string | number }>(
      `INSERT INTO alerts (id, kind, block_number, block_hash, tx_hash, log_index, lot_ids, gtins, parties, event)
       VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8::text[], $9::text[], $10::jsonb)
       ON CONFLICT (id) DO UPDATE SET orphaned = false, block_number = EXCLUDED.block_number,
         block_hash = EXCLUDED.block_hash, lot_ids = EXCLUDED.lot_ids, gtins = EXCLUDED.gtins,
         parties = EXCLUDED.parties, event = EXCLUDED.event
       RETURNING seq`,
      [
        alert.id,
        alert.kind,
        alert.blockNumber,
        alert.blockHash,
        alert.txHash,
        alert.logIndex,
        alert.lotIds,
        alert.gtins,
        alert.parties,
        JSON.stringify(alert.envelope),
      ],
    );
    const seq = rows[0].seq;
    await tx.query(
      `INSERT INTO alert_deliveries (alert_seq, subscription_id)
       SELECT $1, s.id FROM alert_subscriptions s
        WHERE s.active
          AND (s.kinds IS NULL OR $2 = ANY (s.kinds))
          AND (s.lot_ids IS NULL OR s.lot_ids && $3::text[])
          AND (s.gtins IS NULL OR s.gtins && $4::text[])
          AND (NOT s.concerns_me OR s.owner = ANY ($5::text[]))
       ON CONFLICT (alert_seq, subscription_id) DO NOTHING`,
      [seq, alert.kind, alert.lotIds, alert.gtins, alert.parties],
    );
    // an alert revived after a reorg: its cancelled webhooks are due again (delivered ones stay delivered)
    await tx.query(
      "UPDATE alert_deliveries SET status = 'pending', next_attempt_at = now() WHERE alert_seq = $1 AND status = 'cancelled'",
      [seq],
    );
  }

  /** Finds the common ancestor of the stored blocks and the chain, and rewinds everything after it. */
  async rewind(oldCursor: number): Promise<ReorgRecord> {
    const stored = (
      await this.db.query<{ block_number: string | number; block_hash: string }>(
        "SELECT block_number, block_hash FROM alert_blocks WHERE block_number <= $1 ORDER BY block_number DESC",
        [oldCursor],
      )
    ).rows.map((r) => ({ n: Number(r.block_number), hash: r.block_hash }));
    let ancestor: { n: number; hash: string | null } | undefined;
    for (const s of stored) {
      const b = await this.block(s.n);
      if (b && b.hash === s.hash) {
        ancestor = s;
        break;
      }
    }
    const beyondWindow = ancestor === undefined;
    // beyond the window of kept hashes: start over from the first block (alerts keep their ids, so none is new twice)
    if (!ancestor) ancestor = { n: this.config.fromBlock - 1, hash: null };
    const a = ancestor;
    const record = await this.db.transaction(async (tx) => {
      const orphaned = await tx.query<{ seq: string | number }>(
        "UPDATE alerts SET orphaned = true WHERE block_number > $1 AND NOT orphaned RETURNING seq",
        [a.n],
      );
      await tx.query(
        `UPDATE alert_deliveries SET status = 'cancelled', last_error = 'its block left the chain (reorganisation)'
          WHERE status = 'pending' AND alert_seq IN (SELECT seq FROM alerts WHERE block_number > $1)`,
        [a.n],
      );
      for (const table of [
        "alert_lots",
        "alert_lot_parties",
        "alert_shipments",
        "alert_shipment_lots",
        "alert_orders",
        "alert_licences",
        "alert_blocks",
      ]) {
        await tx.query(`DELETE FROM ${table} WHERE block_number > $1`, [a.n]);
      }
      await tx.query("UPDATE alert_cursor SET block_number = $1, block_hash = $2, updated_at = now() WHERE id = 1", [
        a.n,
        a.hash,
      ]);
      const { rows } = await tx.query<{ detected_at: Date | string }>(
        `INSERT INTO alert_reorgs (old_cursor, ancestor, depth, orphaned_alerts, beyond_window) VALUES ($1, $2, $3, $4, $5)
         RETURNING detected_at`,
        [oldCursor, a.n, oldCursor - a.n, orphaned.rows.length, beyondWindow],
      );
      return {
        detectedAt: new Date(rows[0].detected_at).toISOString(),
        oldCursor,
        ancestor: a.n,
        depth: oldCursor - a.n,
        orphanedAlerts: orphaned.rows.length,
        beyondWindow,
      };
    });
    this.timestamps.clear();
    return record;
  }
}
