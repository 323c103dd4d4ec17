/**
 * `pharmachain-server`: the service on a real network.
 *
 *   pharmachain-server --rpc URL --deployment PATH --database DIR|postgres://… [--host H] [--port N]
 *
 * Each option also comes from the environment (PHARMACHAIN_RPC_URL, PHARMACHAIN_DEPLOYMENT, PHARMACHAIN_DATABASE,
 * PHARMACHAIN_HOST, PHARMACHAIN_PORT, and the others `configFromEnv` reads). On a real network loopback clients are
 * rate-limited like any other unless PHARMACHAIN_RATE_LIMIT_LOOPBACK=0.
 */
import { parseArgs } from "util";
import { loadDeployment } from "@pharmachain/sdk";
import { configFromEnv, type RateLimitConfig } from "./config";
import { startService } from "./start";

export const USAGE = `usage: pharmachain-server --rpc URL --deployment PATH --database DIR|memory://|postgres://… [--host H] [--port N]

Serves the PharmaChain resolver, DSCSA responder and serial-list store for a deployment.
Environment: PHARMACHAIN_RPC_URL, PHARMACHAIN_DEPLOYMENT, PHARMACHAIN_DATABASE, PHARMACHAIN_HOST, PHARMACHAIN_PORT,
PHARMACHAIN_RESPONDER_GLN, PHARMACHAIN_RATE_PUBLIC, PHARMACHAIN_RATE_STAKEHOLDER, PHARMACHAIN_RATE_WINDOW_MS,
PHARMACHAIN_RATE_LIMIT (off), PHARMACHAIN_RATE_LIMIT_LOOPBACK, PHARMACHAIN_MIRROR_POLL_MS, PHARMACHAIN_SIWE_DOMAIN,
PHARMACHAIN_MAX_SERIAL_LIST_BYTES, PHARMACHAIN_SESSION_SECONDS, PHARMACHAIN_LOG_LEVEL, PHARMACHAIN_LMS_NOT_VERIFIED
(Recalled,Expired: answered not verified, Manufacturer_policy), the ALERTS_* variables (server/src/alerts/README.md).`;

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rpc: { type: "string" },
      deployment: { type: "string" },
      database: { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const rpc = values.rpc ?? env.PHARMACHAIN_RPC_URL;
  const deploymentPath = values.deployment ?? env.PHARMACHAIN_DEPLOYMENT;
  const database = values.database ?? env.PHARMACHAIN_DATABASE;
  if (!rpc || !deploymentPath || !database) {
    console.error(`pharmachain-server: --rpc, --deployment and --database are required\n\n${USAGE}`);
    return 2;
  }
  const config = configFromEnv(env);
  if (values.host) config.host = values.host;
  if (values.port) config.port = Number(values.port);
  if (config.rateLimit && env.PHARMACHAIN_RATE_LIMIT_LOOPBACK === undefined) {
    (config.rateLimit as RateLimitConfig).limitLoopback = true;
  }
  const running = await startService({ rpc, deployment: loadDeployment(deploymentPath), database, config });
  console.log(
    `PharmaChain service on ${running.url} (chain ${running.service.mirror.client.chainId}, database ${running.db.engine})`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await running.stop();
  console.log("stopped");
  return 0;
}
