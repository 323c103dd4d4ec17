/** The alerts' configuration: every field has a default; `alertsConfigFromEnv` reads the environment. */

export interface WebhookNetworkPolicy {
  /** Allow webhook URLs on loopback addresses (127.0.0.0/8, ::1). Tests and the embedded default need it. */
  allowLoopback: boolean;
  /** Allow private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7). */
  allowPrivate: boolean;
  /** Allow link-local ranges (169.254/16, fe80::/10), where cloud metadata services live. */
  allowLinkLocal: boolean;
}

export interface AlertsConfig {
  /** Blocks to wait after an event's block before alerting (0: alert at once). */
  confirmations: number;
  /** How often the watcher asks for the chain's head. */
  pollIntervalMs: number;
  /** The first block to watch when the database has no cursor yet (the deployment's block). */
  fromBlock: number;
  /** At most this many blocks per `eth_getLogs`. */
  maxBlockRange: number;
  /** Block hashes kept to find the common ancestor after a reorganisation. */
  reorgWindow: number;
  /** Lots and licences expiring within this many days raise an alert (once per expiry date). */
  expiryWarningDays: number;
  /**
   * Delivered webhook rows are deleted this long after their delivery (once their block is past `reorgWindow`);
   * 0 keeps them for ever. Alerts, and pending, dead or cancelled deliveries, are kept.
   */
  deliveredRetentionMs: number;
  /** How often the pruning runs (0: never in this process). */
  pruneIntervalMs: number;
  webhook: WebhookNetworkPolicy & {
    /** Time limit of one delivery (connect, send, response). */
    timeoutMs: number;
    /** A response body longer than this fails the delivery. */
    maxResponseBytes: number;
    /** Attempts before dead-letter when the receiver fails (5xx, timeout, unreachable). */
    maxAttempts: number;
    /** Attempts before dead-letter when the receiver refuses (4xx other than 408, 425 and 429; 410 at once). */
    maxAttemptsRefused: number;
    /** The first retry's delay; each next one doubles it (with ±20 % jitter), up to `backoffMaxMs`. */
    backoffBaseMs: number;
    backoffMaxMs: number;
    /** How long a claimed delivery stays claimed: after a crash it is retried once this has passed. */
    leaseMs: number;
    /** Deliveries in flight at once. */
    concurrency: number;
  };
}

export const DEFAULT_ALERTS_CONFIG: AlertsConfig = {
  confirmations: 2,
  pollIntervalMs: 250,
  fromBlock: 0,
  maxBlockRange: 2000,
  reorgWindow: 256,
  expiryWarningDays: 30,
  deliveredRetentionMs: 30 * 24 * 60 * 60 * 1000,
  pruneIntervalMs: 60 * 60 * 1000,
  webhook: {
    allowLoopback: false,
    allowPrivate: false,
    allowLinkLocal: false,
    timeoutMs: 10_000,
    maxResponseBytes: 64 * 1024,
    maxAttempts: 12,
    maxAttemptsRefused: 3,
    backoffBaseMs: 30_000,
    backoffMaxMs: 6 * 60 * 60 * 1000,
    leaseMs: 60_000,
    concurrency: 8,
  },
};

export type AlertsConfigInput = Partial<Omit<AlertsConfig, "webhook">> & { webhook?: Partial<AlertsConfig["webhook"]> };

export function alertsConfig(input: AlertsConfigInput = {}): AlertsConfig {
  const config: AlertsConfig = {
    ...DEFAULT_ALERTS_CONFIG,
    ...input,
    webhook: { ...DEFAULT_ALERTS_CONFIG.webhook, ...input.webhook },
  };
  const w = config.webhook;
  if (w.leaseMs <= w.timeoutMs) throw new Error("alerts: webhook.leaseMs must exceed webhook.timeoutMs");
  if (config.confirmations < 0 || !Number.isInteger(config.confirmations))
    throw new Error("alerts: confirmations must be a whole number");
  return config;
}

/**
 * From environment variables: `ALERTS_CONFIRMATIONS`, `ALERTS_POLL_MS`, `ALERTS_FROM_BLOCK`, `ALERTS_EXPIRY_DAYS`,
 * `ALERTS_KEEP_DELIVERED_DAYS` (retention of delivered webhook rows; 0 keeps them), `ALERTS_PRUNE_INTERVAL_MS`,
 * `ALERTS_WEBHOOK_ALLOW` (comma-separated: `loopback`, `private`, `link-local`), `ALERTS_WEBHOOK_TIMEOUT_MS`,
 * `ALERTS_WEBHOOK_MAX_ATTEMPTS`.
 */
export function alertsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AlertsConfig {
  const num = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === "") return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, not "${v}"`);
    return n;
  };
  const allow = new Set((env.ALERTS_WEBHOOK_ALLOW ?? "").split(",").map((s) => s.trim().toLowerCase()));
  const input: AlertsConfigInput = { webhook: {} };
  const set = <K extends keyof AlertsConfigInput>(key: K, value: AlertsConfigInput[K] | undefined): void => {
    if (value !== undefined) input[key] = value;
  };
  set("confirmations", num("ALERTS_CONFIRMATIONS"));
  set("pollIntervalMs", num("ALERTS_POLL_MS"));
  set("fromBlock", num("ALERTS_FROM_BLOCK"));
  set("expiryWarningDays", num("ALERTS_EXPIRY_DAYS"));
  const keepDays = num("ALERTS_KEEP_DELIVERED_DAYS");
  set("deliveredRetentionMs", keepDays === undefined ? undefined : Math.round(keepDays * 86_400_000));
  set("pruneIntervalMs", num("ALERTS_PRUNE_INTERVAL_MS"));
  input.webhook = {
    allowLoopback: allow.has("loopback"),
    allowPrivate: allow.has("private"),
    allowLinkLocal: allow.has("link-local"),
    ...(num("ALERTS_WEBHOOK_TIMEOUT_MS") !== undefined && { timeoutMs: num("ALERTS_WEBHOOK_TIMEOUT_MS") }),
    ...(num("ALERTS_WEBHOOK_MAX_ATTEMPTS") !== undefined && { maxAttempts: num("ALERTS_WEBHOOK_MAX_ATTEMPTS") }),
  };
  return alertsConfig(input);
}
