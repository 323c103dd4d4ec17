/**
 * Webhook delivery from the outbox: claims due deliveries (with a lease, so a crashed process's claims are retried
 * once it expires, and replicas never send the same one at once), posts the signed CloudEvent, and records the
 * outcome: delivered, retried later with exponential backoff, or dead-lettered.
 */
import http from "http";
import https from "https";
import type { AlertsConfig } from "./config";
import type { Db } from "./db";
import { signatureHeaders, structured } from "./envelope";
import { checkWebhookUrl, guardedLookup, RefusedAddressError } from "./ssrf";

export interface PostResult {
  /** The HTTP status, when the receiver answered within the limits. */
  status?: number;
  /** Why the delivery failed, when it did. */
  error?: string;
  /** The failure can never succeed by retrying (a refused address). */
  permanent?: boolean;
}

/**
 * POSTs `body` to `url`: no redirects followed (a 3xx is a failure), the address checked at connect time, the whole
 * exchange within `timeoutMs`, the response body read up to `maxResponseBytes` (more fails the delivery).
 */
export async function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  webhook: AlertsConfig["webhook"],
): Promise<PostResult> {
  let target: URL;
  try {
    target = await checkWebhookUrl(url, webhook, false);
  } catch (e) {
    return { error: (e as Error).message, permanent: true };
  }
  const transport = target.protocol === "https:" ? https : http;
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    const finish = (result: PostResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const request = transport.request(
      target,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)), "user-agent": "pharmachain-alerts" },
        lookup: guardedLookup(webhook),
        agent: false,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > webhook.maxResponseBytes) {
            finish({ status, error: `response larger than ${webhook.maxResponseBytes} bytes` });
            response.destroy();
            request.destroy();
          }
        });
        response.on("end", () =>
          finish(
            status >= 300 && status < 400
              ? { status, error: `redirect to ${response.headers.location ?? "?"} not followed` }
              : { status },
          ),
        );
        response.on("error", (e) => finish({ status, error: e.message }));
      },
    );
    const timer = setTimeout(() => {
      finish({ error: `no complete answer within ${webhook.timeoutMs} ms` });
      request.destroy();
    }, webhook.timeoutMs);
    request.on("error", (e) =>
      finish({
        error: e.message,
        permanent: e instanceof RefusedAddressError || (e as { code?: string }).code === "ERR_ALERTS_REFUSED_ADDRESS",
      }),
    );
    request.end(body);
  });
}

export type Outcome = { status: "delivered" } | { status: "retry"; delayMs: number } | { status: "dead" };

/** What to do after an attempt (`attempts` counts it). */
export function outcomeOf(result: PostResult, attempts: number, webhook: AlertsConfig["webhook"]): Outcome {
  const s = result.status;
  if (!result.error && s !== undefined && s >= 200 && s < 300) return { status: "delivered" };
  if (result.permanent || s === 410) return { status: "dead" };
  const refused =
    s !== undefined && ((s >= 400 && s < 500 && s !== 408 && s !== 425 && s !== 429) || (s >= 300 && s < 400));
  if (attempts >= (refused ? webhook.maxAttemptsRefused : webhook.maxAttempts)) return { status: "dead" };
  const base = Math.min(webhook.backoffMaxMs, webhook.backoffBaseMs * 2 ** (attempts - 1));
  const jitter = 1 + (Math.random() * 0.4 - 0.2);
  return { status: "retry", delayMs: Math.round(Math.min(webhook.backoffMaxMs, base * jitter)) };
}

interface Claimed {
  id: number | string;
  attempts: number;
  url: string;
  secret: string;
  alert_id: string;
  event: Record<string, unknown> | string;
}

/** The delivery loop. `kick()` wakes it at once (the watcher calls it after each batch). */
export class Deliverer {
  private running = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  /** Set by a kick that came while the loop was busy, so the loop does not sleep through it. */
  private kicked = false;

  constructor(
    private readonly db: Db,
    private readonly config: AlertsConfig,
    private readonly onError: (e: unknown) => void = () => {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loop;
  }

  /** Claims up to `limit` due deliveries: each stays claimed for `leaseMs` (after a crash, it is due again then). */
  private async claim(limit: number): Promise<Claimed[]> {
    const { rows } = await this.db.query<Claimed>(
      `UPDATE alert_deliveries d SET next_attempt_at = now() + ($2::double precision * interval '1 millisecond')
        FROM alert_subscriptions s, alerts a
       WHERE d.id IN (SELECT id FROM alert_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
                       ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
         AND s.id = d.subscription_id AND a.seq = d.alert_seq
      RETURNING d.id, d.attempts, s.url, s.secret, a.id AS alert_id, a.event`,
      [limit, this.config.webhook.leaseMs],
    );
    return rows;
  }

  /** Claims due deliveries and sends them, waiting for all; resolves with how many were attempted. */
  async deliverDue(limit = this.config.webhook.concurrency): Promise<number> {
    const rows = await this.claim(limit);
    await Promise.all(rows.map((row) => this.deliverOne(row)));
    return rows.length;
  }

  private async deliverOne(row: Claimed): Promise<void> {
    try {
      const envelope = typeof row.event === "string" ? JSON.parse(row.event) : row.event;
      const { body, headers } = structured(envelope);
      const result = await postWebhook(
        row.url,
        body,
        { ...headers, ...signatureHeaders(row.secret, row.alert_id, body) },
        this.config.webhook,
      );
      const attempts = row.attempts + 1;
      const outcome = outcomeOf(result, attempts, this.config.webhook);
      const error = result.error ?? (outcome.status === "delivered" ? null : `HTTP ${result.status}`);
      if (outcome.status === "delivered") {
        await this.db.query(
          `UPDATE alert_deliveries SET status = 'delivered', attempts = $2, last_status = $3, last_error = NULL,
                  delivered_at = now() WHERE id = $1 AND status = 'pending'`,
          [row.id, attempts, result.status ?? null],
        );
      } else if (outcome.status === "dead") {
        await this.db.query(
          `UPDATE alert_deliveries SET status = 'dead', attempts = $2, last_status = $3, last_error = $4
            WHERE id = $1 AND status = 'pending'`,
          [row.id, attempts, result.status ?? null, error],
        );
      } else {
        await this.db.query(
          `UPDATE alert_deliveries SET attempts = $2, last_status = $3, last_error = $4,
                  next_attempt_at = now() + ($5::double precision * interval '1 millisecond')
            WHERE id = $1 AND status = 'pending'`,
          [row.id, attempts, result.status ?? null, error, outcome.delayMs],
        );
      }
    } catch (e) {
      this.onError(e);
    }
  }

  /** Milliseconds until the next pending delivery is due (capped), for the loop's sleep. */
  private async nextDueInMs(cap: number): Promise<number> {
    const { rows } = await this.db.query<{ ms: number | string | null }>(
      `SELECT EXTRACT(EPOCH FROM (min(next_attempt_at) - now())) * 1000 AS ms FROM alert_deliveries WHERE status = 'pending'`,
    );
    const ms = rows[0]?.ms;
    return ms === null || ms === undefined ? cap : Math.max(0, Math.min(cap, Number(ms)));
  }

  /**
   * The loop: keeps up to `concurrency` deliveries in flight (a slow receiver holds one slot, not the others), claims
   * more as slots free up, and otherwise sleeps until the next delivery is due or a kick (a new batch of alerts, a
   * finished delivery, a retry asked for).
   */
  private async run(): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    while (this.running) {
      this.kicked = false;
      const free = this.config.webhook.concurrency - inFlight.size;
      let claimed = 0;
      if (free > 0) {
        try {
          const rows = await this.claim(free);
          claimed = rows.length;
          for (const row of rows) {
            const sending: Promise<void> = this.deliverOne(row).finally(() => {
              inFlight.delete(sending);
              this.kick();
            });
            inFlight.add(sending);
          }
        } catch (e) {
          this.onError(e);
        }
      }
      if (!this.running) break;
      if (free > 0 && claimed === free) continue; // there may be more due
      if (this.kicked) continue;
      let wait = 1000;
      if (inFlight.size < this.config.webhook.concurrency) {
        try {
          wait = await this.nextDueInMs(1000);
        } catch (e) {
          this.onError(e);
        }
      }
      if (this.kicked) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(wait, 10));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    await Promise.all(inFlight);
  }
}
