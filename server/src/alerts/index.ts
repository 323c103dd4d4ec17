/**
 * The alerts of the PharmaChain service: `alertsPlugin` (the HTTP API and `GET /events`), `startWatcher` (the watcher
 * and the webhook deliverer), and `alertsStatus` for `/readyz`. See README.md beside this file.
 */
import { AlertsConfig, AlertsConfigInput, alertsConfig } from "./config";
import type { Db } from "./db";
import { Deliverer } from "./delivery";
import { Pruner } from "./prune";
import { alertsStatus, AlertsStatus } from "./status";
import { AlertWatcher, alertBus, ChainContext } from "./watcher";

export { alertsPlugin, AlertsPluginOptions, RequestAccount } from "./plugin";
export { AlertsConfig, AlertsConfigInput, alertsConfig, alertsConfigFromEnv, DEFAULT_ALERTS_CONFIG } from "./config";
export { Db, applyAlertMigrations, MIGRATIONS_DIR } from "./db";
export { Deliverer, postWebhook, outcomeOf } from "./delivery";
export { buildEnvelope, signatureHeaders, structured, newSecret } from "./envelope";
export { EVENT_KINDS, TIME_KINDS, ALL_KINDS, cloudEventType } from "./kinds";
export { checkWebhookUrl, rangeOf, refusal } from "./ssrf";
export { alertsStatus, AlertsStatus } from "./status";
export { pruneDeliveries, Pruner } from "./prune";
export { AlertWatcher, alertBus, ChainContext, PollResult, ReorgRecord } from "./watcher";

export interface WatcherHandle {
  watcher: AlertWatcher;
  deliverer: Deliverer | undefined;
  /** Deletes delivered outbox rows past `deliveredRetentionMs` every `pruneIntervalMs`. */
  pruner: Pruner;
  config: AlertsConfig;
  /** Lag in blocks and the last reorganisation, for `/readyz`. */
  status(): Promise<AlertsStatus>;
  stop(): Promise<void>;
}

export interface StartWatcherOptions {
  db: Db;
  chain: ChainContext;
  config?: AlertsConfig | AlertsConfigInput;
  /** Deliver webhooks in this process (default true). */
  deliver?: boolean;
  onError?: (e: unknown) => void;
}

/** Starts the watcher (and, unless `deliver: false`, the webhook deliverer) until `stop()`. */
export function startWatcher(options: StartWatcherOptions): WatcherHandle {
  const config = alertsConfig((options.config ?? {}) as AlertsConfigInput);
  const onError = options.onError ?? ((e: unknown) => console.error("alerts:", e));
  const watcher = new AlertWatcher(options.db, options.chain, config, onError);
  const deliverer = options.deliver === false ? undefined : new Deliverer(options.db, config, onError);
  const pruner = new Pruner(options.db, config, onError);
  const kick = (): void => deliverer?.kick();
  alertBus.on("alerts", kick);
  alertBus.on("deliveries", kick);
  deliverer?.start();
  watcher.start();
  pruner.start();
  return {
    watcher,
    deliverer,
    pruner,
    config,
    status: () => alertsStatus(options.db, options.chain.provider, { confirmations: config.confirmations }),
    async stop() {
      alertBus.off("alerts", kick);
      alertBus.off("deliveries", kick);
      await watcher.stop();
      await deliverer?.stop();
      await pruner.stop();
    },
  };
}
