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
import { Role, enumByName } from "../enums";
import type { PackRangeInput } from "../client";
import { expiryToExpiresAt, gs1CheckDigit, gtinToUint64, lotIdOf, parseEpcUri } from "../gs1";
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

/**
 * An option of a command: what `parseArgs` reads (`type`, `multiple`, `short`), and what the command's help says and
 * checks before anything connects (`format`: a name in `FORMATS` of `formats.ts`, by default the one its name has in
 * `OPTION_FORMATS`; `required`; `help`: what it is for, by default `OPTION_HELP`'s).
 */
export type OptionSpec = {
  type: "string" | "boolean";
  multiple?: boolean;
  short?: string;
  format?: string;
  required?: boolean;
  help?: string;
  /** An example value, when the format's (or `OPTION_EXAMPLES`') would not fit. */
  example?: string;
};

/** A positional argument: its name in the usage, its format (in `FORMATS`), whether it may be left out or repeated. */
export interface ArgSpec {
  name: string;
  format: string;
  optional?: boolean;
  /** Takes every remaining argument (one or more; none when also `optional`). */
  rest?: boolean;
  help?: string;
  /** An example value, when the format's would not fit. */
  example?: string;
  /** What the argument is, for messages ("no attestation file at …"); default its name. */
  noun?: string;
}

export interface Command {
  summary: string;
  usage: string;
  options?: Record<string, OptionSpec>;
  /** The positional arguments, checked (with the options) before `run` opens a connection or asks for a password. */
  args?: ArgSpec[];
  /** Checks across arguments (one option or another, …), also before `run`; throws a UsageError or InvalidInputError. */
  check?(ctx: Context): void;
  /** A complete example of the command, for its help. */
  example?: string;
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

/** The forms a time option takes, for messages and help. */
export const TIME_FORMS =
  "YYMMDD as printed on a pack (AI 17: the end of that day, UTC), YYYY-MM-DD (the start of that day, UTC), " +
  "YYYY-MM-DDTHH:MM[:SS] with Z or ±HH:MM, the same without a zone (this machine's local time), +N followed by " +
  "d, h or m (from now), or unix seconds";

/** A calendar date `year-month-day` that exists (no 2027-02-30). */
function realDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/**
 * Unix seconds from any of {@link TIME_FORMS}: `271231` (AI 17, end of day), `2027-12-31`, `2027-12-31T12:00:00Z`,
 * `2027-12-31T14:00+01:00`, `2027-12-31 14:00` (local time), `+365d`, `1767225600`.
 */
export function timeArg(value: string, what: string): bigint {
  const text = value.trim();
  const bad = (why = ""): InvalidInputError =>
    new InvalidInputError(`${what} "${value}" is not a time${why}: give ${TIME_FORMS}`);
  if (/^\d{6}$/.test(text)) {
    try {
      return expiryToExpiresAt(text);
    } catch (cause) {
      throw new InvalidInputError(`${what} "${value}" is not a date YYMMDD: ${(cause as Error).message}`, { cause });
    }
  }
  if (/^\d+$/.test(text)) return BigInt(text);
  const rel = /^\+(\d+)([dhm])$/.exec(text);
  if (rel) {
    const unit = { d: 86400, h: 3600, m: 60 }[rel[2] as "d" | "h" | "m"];
    return BigInt(Math.floor(Date.now() / 1000) + Number(rel[1]) * unit);
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?)?$/.exec(text);
  if (!m) throw bad();
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!realDate(year, month, day)) throw bad(` (${m[1]}-${m[2]} has no day ${m[3]})`);
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) throw bad();
  // A date alone is UTC midnight; a date and time without a zone is local time (as Date.parse reads them).
  const ms = Date.parse(m[4] === undefined ? `${m[1]}-${m[2]}-${m[3]}` : text.replace(" ", "T"));
  if (Number.isNaN(ms)) throw bad();
  return BigInt(Math.floor(ms / 1000));
}

/**
 * An expiry date as printed on the pack, as AI 17 `YYMMDD` (`00` as the day: the month's last day): from `YYMMDD`,
 * `YYYY-MM-DD` or `YYYYMMDD`; refused unless a real day.
 */
export function expiryArg(value: string, what: string): string {
  const text = value.trim();
  const long = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text);
  const yymmdd = long ? `${long[1].slice(2)}${long[2]}${long[3]}` : text;
  if (long && !realDate(Number(long[1]), Number(long[2]), Number(long[3])))
    throw new InvalidInputError(`${what} "${value}" is not a day of the calendar`);
  if (!/^\d{6}$/.test(yymmdd))
    throw new InvalidInputError(`${what} "${value}" is not an expiry date: give YYMMDD (AI 17) or YYYY-MM-DD`);
  try {
    const expiresAt = expiryToExpiresAt(yymmdd);
    // the two-digit year must name the year given (the GS1 window reads YY within -49..+50 years of now)
    if (long && new Date(Number(expiresAt - 86400n) * 1000).getUTCFullYear() !== Number(long[1]))
      throw new InvalidInputError(`${what} "${value}": year ${long[1]} cannot be written as a two-digit AI 17 year`);
  } catch (cause) {
    if (cause instanceof InvalidInputError && cause.shortMessage.startsWith(what)) throw cause;
    throw new InvalidInputError(`${what} "${value}" is not an expiry date: ${(cause as Error).message}`, { cause });
  }
  return yymmdd;
}

/** A whole number (digits only). */
export function bigintArg(value: string, what: string): bigint {
  if (!/^\d+$/.test(value)) throw new InvalidInputError(`${what} "${value}" must be a whole number`);
  return BigInt(value);
}

/** A GTIN-8, -12, -13 or -14 with its check digit, as the protocol's number; the message names `what`. */
export function gtinArg(value: string, what = "GTIN"): bigint {
  try {
    return gtinToUint64(value);
  } catch (cause) {
    const message = (cause as Error).message;
    // the SDK's message names the GTIN ("GTIN "…" has check digit 3, expected 2"): prefix the option that had it
    throw new InvalidInputError(what === "GTIN" ? message : `${what}: ${message}`, { cause });
  }
}

/**
 * A GLN: 13 digits with its GS1 check digit (fewer digits are the same number without its leading zeros, as a
 * GLN-13 read as a number), `(414)` followed by the 13 digits, or an EPC URI `urn:epc:id:sgln:` / `urn:epc:id:pgln:`.
 */
export function glnArg(value: string, what = "GLN"): bigint {
  const text = value.trim();
  let digits = text.replace(/^\(414\)/, "").replace(/^\(417\)/, "");
  if (/^urn:epc:id:(sgln|pgln):/i.test(text)) {
    try {
      const id = parseEpcUri(text);
      if (id.scheme === "sgln" || id.scheme === "pgln") digits = id.gln;
    } catch (cause) {
      throw new InvalidInputError(`${what} "${value}": ${(cause as Error).message}`, { cause });
    }
  }
  if (!/^\d{1,13}$/.test(digits))
    throw new InvalidInputError(
      `${what} "${value}" is not a GLN: give its 13 digits (check digit last), e.g. 0614141000005`,
    );
  const gln13 = digits.padStart(13, "0");
  const expected = gs1CheckDigit(gln13.slice(0, 12));
  if (expected !== Number(gln13[12]))
    throw new InvalidInputError(`${what} "${value}" has check digit ${gln13[12]}, expected ${expected}`);
  return BigInt(gln13);
}

/** A range `LOT:START-END` (END exclusive) where LOT is a lot id or GTIN/LOTNUMBER. */
export function rangeArg(value: string): PackRangeInput {
  const m = /^(.+):(\d+)-(\d+)$/.exec(value);
  if (!m)
    throw new InvalidInputError(`range "${value}" must be LOT:START-END (END exclusive), e.g. 00614141123452/L1:0-100`);
  const [start, end] = [Number(m[2]), Number(m[3])];
  if (end <= start)
    throw new InvalidInputError(`range "${value}" is empty: END (${end}, excluded) must be more than START (${start})`);
  if (end > 0xffffffff) throw new InvalidInputError(`range "${value}": END is beyond the largest lot (2^32 - 1 packs)`);
  return { lotId: lotArg(m[1]), start, end };
}

/** Names the trade uses for roles: a pharmacy or hospital dispenses, a wholesaler distributes. */
export const ROLE_ALIASES: Record<string, string> = {
  pharmacy: "Dispenser",
  hospital: "Dispenser",
  wholesaler: "Distributor",
  "3pl": "Transporter",
};

/** The value of enum `e` named `value` (any case; roles also by their trade names), among `allowed` when given. */
export function enumArg<E extends Record<string, string | number>>(
  e: E,
  value: string,
  what: string,
  allowed?: readonly number[],
): E[keyof E] {
  const alias = (e as unknown) === Role ? ROLE_ALIASES[value.toLowerCase()] : undefined;
  const v = enumByName(e, alias ?? value);
  if (v === undefined || (allowed && !allowed.includes(v as number))) {
    const names = Object.keys(e).filter(
      (k) => Number.isNaN(Number(k)) && (!allowed || allowed.includes(e[k] as number)),
    );
    const aliases = (e as unknown) === Role ? ` (or ${Object.keys(ROLE_ALIASES).join(", ")})` : "";
    throw new InvalidInputError(`${what} "${value}" is not one of ${names.join(", ")}${aliases}`);
  }
  return v;
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
