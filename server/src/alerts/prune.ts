/**
 * Retention of the outbox: delivered webhook rows older than `deliveredRetentionMs` are deleted, in batches, once
 * their alert's block is further behind the watcher's cursor than the reorganisation window (an alert that a reorg
 * could still revive keeps its delivered rows, so that a revival never sends it again). The alerts themselves are kept
 * (Server-Sent Events replay and ids); pending, dead and cancelled deliveries are kept (the API shows them).
 */
import type { AlertsConfig } from "./config";
import type { Db } from "./db";

/** Deletes delivered outbox rows past retention (by the database's clock), `batch` at a time; returns how many. */
export async function pruneDeliveries(
  db: Db,
  config: Pick<AlertsConfig, "deliveredRetentionMs" | "reorgWindow">,
  options: { batch?: number } = {},
): Promise<number> {
  if (config.deliveredRetentionMs <= 0) return 0;
  const batch = options.batch ?? 10_000;
  let total = 0;
  for (;;) {
    const { rows } = await db.query<{ n: string | number }>(
      `WITH doomed AS (
         SELECT d.id FROM alert_deliveries d
           JOIN alerts a ON a.seq = d.alert_seq
           JOIN alert_cursor c ON c.id = 1
          WHERE d.status = 'delivered'
            AND d.delivered_at < now() - make_interval(secs => $1::double precision)
            AND a.block_number <= c.block_number - $2
          LIMIT $3
       ), gone AS (
         DELETE FROM alert_deliveries WHERE id IN (SELECT id FROM doomed) RETURNING 1
       )
       SELECT count(*) AS n FROM gone`,
      [config.deliveredRetentionMs / 1000, config.reorgWindow, batch],
    );
    const n = Number(rows[0].n);
    total += n;
    if (n < batch) return total;
  }
}

/** Runs {@link pruneDeliveries} now and every `pruneIntervalMs` until stopped. */
export class Pruner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  /** Rows deleted since start. */
  pruned = 0;

  constructor(
    private readonly db: Db,
    private readonly config: AlertsConfig,
    private readonly onError: (e: unknown) => void = () => {},
  ) {}

  start(): void {
    if (this.timer || this.config.deliveredRetentionMs <= 0 || this.config.pruneIntervalMs <= 0) return;
    const run = (): void => {
      this.running = pruneDeliveries(this.db, this.config).then(
        (n) => (this.pruned += n),
        (e: unknown) => this.onError(e),
      );
    };
    run();
    this.timer = setInterval(run, this.config.pruneIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
