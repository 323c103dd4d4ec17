/**
 * The service's configuration: command-line options over environment variables over defaults.
 *
 * | option              | environment                      | default                          |
 * |---------------------|----------------------------------|----------------------------------|
 * | `--rpc URL`         | `PHARMACHAIN_RPC_URL`            | (embedded: its own chain)        |
 * | `--deployment PATH` | `PHARMACHAIN_DEPLOYMENT`         | (embedded: deployed at start)    |
 * | `--database D`      | `PHARMACHAIN_DATABASE`           | `memory://` (embedded), required |
 * | `--host H`          | `PHARMACHAIN_HOST`               | `127.0.0.1`                      |
 * | `--port N`          | `PHARMACHAIN_PORT`               | `8787`                           |
 * | `--responder-gln`   | `PHARMACHAIN_RESPONDER_GLN`      | `0000000000000`                  |
 * |                     | `PHARMACHAIN_LMS_NOT_VERIFIED`   | (none; `Recalled`, `Expired`)    |
 * |                     | `PHARMACHAIN_WEB_ROOT`           | `web/dist` when built, `off`     |
 */
import type { AlertsConfig } from "./alerts/config";
import type { DocumentKey } from "./documents/crypto";
import { defaultWebRoot } from "./web";

export interface RateLimitConfig {
  /** Requests a client without a session may make per window. */
  public: number;
  /** Requests a signed-in stakeholder may make per window. */
  stakeholder: number;
  windowMs: number;
  /** Whether loopback clients are limited too (not in the embedded default, so local load tests measure the service). */
  limitLoopback: boolean;
}

export interface ServiceConfig {
  host: string;
  port: number;
  /** The responder's GLN in DSCSA Lightweight Messaging answers. */
  responderGLN: string;
  /**
   * Lightweight Messaging: recalled or expired packs the manufacturer's policy answers `verified: false` with the
   * reason `Manufacturer_policy` (PHARMACHAIN_LMS_NOT_VERIFIED=Recalled,Expired; default none: `verified: true` with
   * `additionalInfo`, as the standard's scenarios answer).
   */
  lmsNotVerified?: ("Recalled" | "Expired")[];
  /** Where a browser is sent for a verdict page (`{link}` is the Digital Link); none: a plain HTML answer. */
  webPageUrl?: string;
  rateLimit: RateLimitConfig | false;
  /**
   * The built web page served at `/` (a folder with index.html; `web/dist` of this repository by `configFromEnv` when
   * it is built). With it, a browser opening a Digital Link is sent to the page (`/?link=…`) unless `webPageUrl` says
   * otherwise. None: no page, and the plain HTML answer.
   */
  webRoot?: string;
  /** Display names of accounts (address → name), shown by the page beside their role and GLN. */
  partyNames?: Record<string, string>;
  /** The largest serial list accepted, in bytes. */
  maxSerialListBytes: number;
  /** How often the mirror follows the chain, in milliseconds. */
  mirrorPollMs: number;
  /** The EIP-4361 domain sign-in messages must name; by default the request's Host header. */
  siweDomain?: string;
  sessionSeconds: number;
  /** fastify's logger. */
  logLevel: string;
  /**
   * The alerts (watcher, webhooks, Server-Sent Events): their settings (see server/src/alerts/README.md; by default
   * from the ALERTS_* environment variables), or `false` for a service without alerts.
   */
  alerts?: AlertsConfig | false;
  /**
   * The document store: its key-encryption key (else PHARMACHAIN_DOCUMENT_KEY, 64 hex digits or base64, or the file
   * named by PHARMACHAIN_DOCUMENT_KEY_FILE; else an ephemeral key, with a warning), the size limit (default 25 MB),
   * the policy file (default server/policy/access-matrix.json); `false` for a service without documents.
   */
  documents?: { key?: DocumentKey; keyFile?: string; maxBytes?: number; policyFile?: string } | false;
}

export function defaultConfig(overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  return {
    host: "127.0.0.1",
    port: 8787,
    responderGLN: "0000000000000",
    rateLimit: { public: 120, stakeholder: 6000, windowMs: 60_000, limitLoopback: false },
    maxSerialListBytes: 64 * 1024 * 1024,
    mirrorPollMs: 1000,
    sessionSeconds: 12 * 3600,
    logLevel: "warn",
    ...overrides,
  };
}

const int = (name: string, value: string | undefined): number | undefined => {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, not "${value}"`);
  return n;
};

/** `Recalled,Expired` as the Lightweight Messaging policy list; anything else is refused. */
export function lmsPolicyOf(value: string): ("Recalled" | "Expired")[] {
  return value
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "")
    .map((v) => {
      if (v !== "Recalled" && v !== "Expired") {
        throw new Error(`PHARMACHAIN_LMS_NOT_VERIFIED takes Recalled and Expired, not "${v}"`);
      }
      return v;
    });
}

/** The configuration from environment variables (`PHARMACHAIN_*`), over the defaults. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const base = defaultConfig();
  const rate = base.rateLimit as RateLimitConfig;
  const limitOff = env.PHARMACHAIN_RATE_LIMIT === "off";
  const webRoot =
    env.PHARMACHAIN_WEB_ROOT === "off"
      ? undefined
      : env.PHARMACHAIN_WEB_ROOT
        ? env.PHARMACHAIN_WEB_ROOT
        : defaultWebRoot();
  return defaultConfig({
    host: env.PHARMACHAIN_HOST || base.host,
    port: int("PHARMACHAIN_PORT", env.PHARMACHAIN_PORT) ?? base.port,
    responderGLN: env.PHARMACHAIN_RESPONDER_GLN || base.responderGLN,
    ...(env.PHARMACHAIN_WEB_PAGE_URL ? { webPageUrl: env.PHARMACHAIN_WEB_PAGE_URL } : {}),
    ...(env.PHARMACHAIN_LMS_NOT_VERIFIED ? { lmsNotVerified: lmsPolicyOf(env.PHARMACHAIN_LMS_NOT_VERIFIED) } : {}),
    ...(webRoot ? { webRoot } : {}),
    rateLimit: limitOff
      ? false
      : {
          public: int("PHARMACHAIN_RATE_PUBLIC", env.PHARMACHAIN_RATE_PUBLIC) ?? rate.public,
          stakeholder: int("PHARMACHAIN_RATE_STAKEHOLDER", env.PHARMACHAIN_RATE_STAKEHOLDER) ?? rate.stakeholder,
          windowMs: int("PHARMACHAIN_RATE_WINDOW_MS", env.PHARMACHAIN_RATE_WINDOW_MS) ?? rate.windowMs,
          limitLoopback: env.PHARMACHAIN_RATE_LIMIT_LOOPBACK === "1" || env.PHARMACHAIN_RATE_LIMIT_LOOPBACK === "true",
        },
    maxSerialListBytes:
      int("PHARMACHAIN_MAX_SERIAL_LIST_BYTES", env.PHARMACHAIN_MAX_SERIAL_LIST_BYTES) ?? base.maxSerialListBytes,
    mirrorPollMs: int("PHARMACHAIN_MIRROR_POLL_MS", env.PHARMACHAIN_MIRROR_POLL_MS) ?? base.mirrorPollMs,
    ...(env.PHARMACHAIN_SIWE_DOMAIN ? { siweDomain: env.PHARMACHAIN_SIWE_DOMAIN } : {}),
    sessionSeconds: int("PHARMACHAIN_SESSION_SECONDS", env.PHARMACHAIN_SESSION_SECONDS) ?? base.sessionSeconds,
    logLevel: env.PHARMACHAIN_LOG_LEVEL || base.logLevel,
    ...(env.PHARMACHAIN_MAX_DOCUMENT_BYTES
      ? { documents: { maxBytes: int("PHARMACHAIN_MAX_DOCUMENT_BYTES", env.PHARMACHAIN_MAX_DOCUMENT_BYTES)! } }
      : {}),
  });
}
