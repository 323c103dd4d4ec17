/**
 * What every `pharmachain` command shares: the command shape, option readers, and the way to the network, the
 * deployment and the signing key (the global options `--rpc`, `--deployment`, `--keystore`, `--key-env`).
 */
import fs from "fs";
import path from "path";
import { JsonRpcProvider, Provider, getAddress, isAddress, isHexString } from "ethers";
import { ConfigurationError, InvalidInputError, NotFoundError } from "../errors";
import { Deployment } from "../contracts";
import { loadDeployment } from "../deployment-file";
import type { LotAttestation } from "../attestation";
import { PharmaChainClient } from "../client";
import { gtinToUint64, lotIdOf } from "../gs1";
import { KeySource, loadWallet } from "./keys";
import { UsageError } from "./usage";

export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Context {
  values: Values;
  args: string[];
  json: boolean;
  quiet: boolean;
}

/** What a command produced: lines for people, a value for `--json`, and an exit code. */
export interface Outcome {
  lines: string[];
  json: unknown;
  exitCode?: number;
  /** Already written as it went (text mode): nothing more is printed but the JSON document with --json. */
  silent?: boolean;
}

export type OptionSpec = { type: "string" | "boolean"; multiple?: boolean; short?: string };

export interface Command {
  summary: string;
  usage: string;
  options?: Record<string, OptionSpec>;
  run(ctx: Context): Promise<Outcome>;
}

export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, jsonReplacer, 2);
}

export function str(ctx: Context, name: string, required = false): string | undefined {
  const v = ctx.values[name];
  if (typeof v === "string") return v;
  if (required) throw new UsageError(`--${name} is required`);
  return undefined;
}

export function strs(ctx: Context, name: string): string[] {
  const v = ctx.values[name];
  return Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
}

export function arg(ctx: Context, i: number, what: string): string {
  const v = ctx.args[i];
  if (v === undefined) throw new UsageError(`missing ${what}`);
  return v;
}

export function progress(ctx: Context, text: string): void {
  if (!ctx.quiet) process.stderr.write(`${text}\n`);
}

/** A lot: its id (0x + 64 hex) or `GTIN/LOTNUMBER`. */
export function lotArg(value: string): string {
  if (isHexString(value, 32)) return value.toLowerCase();
  const slash = value.indexOf("/");
  if (slash <= 0) throw new InvalidInputError(`lot "${value}" must be a lot id (0x…) or GTIN/LOTNUMBER`);
  return lotIdOf(gtinToUint64(value.slice(0, slash)), value.slice(slash + 1));
}

export function readJson(file: string, what: string): unknown {
  if (!fs.existsSync(file)) throw new NotFoundError(`no ${what} file at ${file}`);
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (cause) {
    throw new InvalidInputError(`${file} is not valid JSON`, { cause });
  }
}

/** Where this command's signing key comes from: --keystore (with --password-file) or --key-env. */
export function keySource(ctx: Context): KeySource {
  return { keystore: str(ctx, "keystore"), keyEnv: str(ctx, "key-env"), passwordFile: str(ctx, "password-file") };
}

export function provider(ctx: Context): JsonRpcProvider {
  const url = str(ctx, "rpc") ?? process.env.PHARMACHAIN_RPC ?? "http://127.0.0.1:8545";
  // No request cache (ethers keeps answers 250 ms by default): a command that sends several transactions, such as
  // `deploy`, must read the account's new nonce before each.
  return new JsonRpcProvider(url, undefined, {
    staticNetwork: false,
    polling: true,
    pollingInterval: 250,
    cacheTimeout: -1,
  });
}

export async function resolveDeployment(ctx: Context, chainId?: bigint): Promise<Deployment> {
  const given = str(ctx, "deployment") ?? process.env.PHARMACHAIN_DEPLOYMENT;
  if (given) return loadDeployment(given);
  const candidates =
    chainId === undefined ? [] : [`deployments/chain-${chainId}.json`, `ignition/deployments/chain-${chainId}`];
  for (const c of candidates) if (fs.existsSync(c)) return loadDeployment(c);
  throw new ConfigurationError("no deployment found", {
    details: `give --deployment PATH, or deploy with \`pharmachain deploy\` (looked for ${candidates.join(", ") || "nothing: unknown chain"})`,
  });
}

export async function readClient(ctx: Context): Promise<PharmaChainClient> {
  const p = provider(ctx);
  const network = await networkOf(p);
  return PharmaChainClient.connect({ runner: p, deployment: await resolveDeployment(ctx, network) });
}

export async function writeClient(ctx: Context): Promise<PharmaChainClient> {
  const p = provider(ctx);
  const network = await networkOf(p);
  const wallet = await loadWallet(keySource(ctx), p);
  return PharmaChainClient.connect({ runner: wallet, deployment: await resolveDeployment(ctx, network) });
}

export async function networkOf(p: Provider): Promise<bigint> {
  try {
    return (await p.getNetwork()).chainId;
  } catch (cause) {
    const url = p instanceof JsonRpcProvider ? p._getConnection().url : undefined;
    throw new ConfigurationError(
      `cannot reach the network${url ? ` at ${url}` : ""}: is the node running, and --rpc (or $PHARMACHAIN_RPC) right?`,
      { cause },
    );
  }
}

/** An Ethereum address option, checksummed; refused with `what` unless one. */
export function address(value: string, what: string): string {
  if (!isAddress(value)) throw new InvalidInputError(`${what} "${value}" is not an Ethereum address`);
  return getAddress(value);
}

/** Unix seconds from `1767225600`, `2027-01-31`, `2027-01-31T12:00:00Z` or `+365d`. */
export function timeArg(value: string, what: string): bigint {
  if (/^\d+$/.test(value)) return BigInt(value);
  const rel = /^\+(\d+)([dhm])$/.exec(value);
  if (rel) {
    const unit = { d: 86400, h: 3600, m: 60 }[rel[2] as "d" | "h" | "m"];
    return BigInt(Math.floor(Date.now() / 1000) + Number(rel[1]) * unit);
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new InvalidInputError(`${what} "${value}" is not a time (unix seconds, YYYY-MM-DD or +Nd)`);
  return BigInt(Math.floor(ms / 1000));
}

/** Writes `value` as JSON (bigints as strings) to `file`, making its folder. */
export function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, toJson(value) + "\n");
}

/** A lot attestation from the JSON of `lot attest` (or of an EPCIS dry run). */
export function attestationFromJson(json: unknown, file: string): LotAttestation {
  const r = json as Record<string, unknown>;
  const need = (k: string): string => {
    if (r[k] === undefined || r[k] === null)
      throw new InvalidInputError(`${file} has no "${k}": not an attestation file`);
    return String(r[k]);
  };
  return {
    lotId: need("lotId"),
    gtin: BigInt(need("gtin")),
    lotNumber: need("lotNumber"),
    expiresAt: BigInt(need("expiresAt")),
    unitCount: Number(need("unitCount")),
    serialsRoot: need("serialsRoot"),
    dataHash: need("dataHash"),
    manufacturer: need("manufacturer"),
    deadline: BigInt(need("deadline")),
  };
}

/** A signature file of `lot sign`: signer and signature. */
export function signatureFromJson(file: string): { signer: string; signature: string } {
  const r = readJson(file, "signature") as Record<string, unknown>;
  if (typeof r.signer !== "string" || typeof r.signature !== "string") {
    throw new InvalidInputError(`${file} is not a signature file (needs "signer" and "signature")`);
  }
  return { signer: address(r.signer, "signer"), signature: r.signature };
}
