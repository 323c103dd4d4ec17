/**
 * Starting the service on a network: a JSON-RPC URL, a deployment, a database; listening on host:port.
 */
import { JsonRpcProvider, type Provider } from "ethers";
import { PharmaChainClient, type Deployment } from "@pharmachain/sdk";
import { buildApp, type Service } from "./app";
import type { ServiceConfig } from "./config";
import { openDatabase, type Db } from "./db";

export interface StartOptions {
  /** A JSON-RPC URL, or a provider. */
  rpc: string | Provider;
  deployment: Deployment;
  /** A PGlite folder, `memory://`, or a `postgres://` URL. */
  database: string;
  config: ServiceConfig;
  /** Called with the service before it listens (the embedded runner stores the demo's lists here). */
  beforeListen?: (service: Service, db: Db) => Promise<void>;
}

export interface RunningService {
  service: Service;
  db: Db;
  url: string;
  stop(): Promise<void>;
}

export async function startService(options: StartOptions): Promise<RunningService> {
  const provider =
    typeof options.rpc === "string"
      ? new JsonRpcProvider(options.rpc, undefined, { cacheTimeout: -1, staticNetwork: true })
      : options.rpc;
  const client = await PharmaChainClient.connect({ runner: provider, deployment: options.deployment });
  const db = await openDatabase(options.database);
  let service: Service;
  try {
    service = await buildApp({
      db,
      chain: { provider, deployment: options.deployment, client },
      config: options.config,
    });
    await options.beforeListen?.(service, db);
    await service.app.listen({ host: options.config.host, port: options.config.port });
  } catch (error) {
    await db.close();
    throw error;
  }
  const address = service.app.server.address();
  const port = typeof address === "object" && address ? address.port : options.config.port;
  const host = options.config.host.includes(":") ? `[${options.config.host}]` : options.config.host;
  let stopped: Promise<void> | undefined;
  return {
    service,
    db,
    url: `http://${host}:${port}`,
    stop: () =>
      (stopped ??= (async () => {
        await service.close();
        await db.close();
        if (provider instanceof JsonRpcProvider) provider.destroy();
      })()),
  };
}
