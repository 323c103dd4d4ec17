/** How the alert watcher stands, for the core's `/readyz`: its lag in blocks and the last reorganisation it found. */
import type { Provider } from "ethers";
import type { Db } from "./db";
import type { ReorgRecord } from "./watcher";

export interface AlertsStatus {
  /** The last block processed, or null before the first poll. */
  cursor: number | null;
  head: number;
  confirmations: number;
  /** Confirmed blocks not processed yet: `head - confirmations - cursor` (0 when caught up). */
  lagBlocks: number;
  lastReorg: ReorgRecord | null;
  /** Deliveries waiting (due or backing off) and dead-lettered. */
  pendingDeliveries: number;
  deadDeliveries: number;
  /** Caught up within `maxLagBlocks`. */
  ok: boolean;
}

export async function alertsStatus(
  db: Db,
  provider: Provider,
  options: { confirmations: number; maxLagBlocks?: number },
): Promise<AlertsStatus> {
  const head = await provider.getBlockNumber();
  const c = await db.query<{ block_number: string | number }>("SELECT block_number FROM alert_cursor WHERE id = 1");
  const cursor = c.rows.length ? Number(c.rows[0].block_number) : null;
  const r = await db.query<{
    detected_at: Date | string;
    old_cursor: string | number;
    ancestor: string | number;
    depth: number;
    orphaned_alerts: number;
    beyond_window: boolean;
  }>("SELECT * FROM alert_reorgs ORDER BY id DESC LIMIT 1");
  const d = await db.query<{ status: string; n: string | number }>(
    "SELECT status, count(*) AS n FROM alert_deliveries WHERE status IN ('pending', 'dead') GROUP BY status",
  );
  const count = (s: string): number => Number(d.rows.find((x) => x.status === s)?.n ?? 0);
  const lagBlocks = Math.max(0, head - options.confirmations - (cursor ?? -1));
  const last = r.rows[0];
  return {
    cursor,
    head,
    confirmations: options.confirmations,
    lagBlocks,
    lastReorg: last
      ? {
          detectedAt: new Date(last.detected_at).toISOString(),
          oldCursor: Number(last.old_cursor),
          ancestor: Number(last.ancestor),
          depth: Number(last.depth),
          orphanedAlerts: Number(last.orphaned_alerts),
          beyondWindow: last.beyond_window,
        }
      : null,
    pendingDeliveries: count("pending"),
    deadDeliveries: count("dead"),
    ok: cursor !== null && lagBlocks <= (options.maxLagBlocks ?? 50),
  };
}
