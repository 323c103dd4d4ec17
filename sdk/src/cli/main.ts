/**
 * `pharmachain`: the command-line tool over the SDK, for every role's daily work. Human-readable output by default,
 * `--json` for machines (one JSON document on standard output; progress and prompts go to standard error).
 *
 * Exit codes: 0 done; 1 verification answered "not verified" for at least one pack; 2 usage error; 3 invalid input;
 * 4 configuration or network problem; 5 refused by the contracts; 6 not found (verify: cannot verify); 7 transaction failed otherwise;
 * 8 partly done (an EPCIS import that left steps for other parties); 70 internal error.
 */
import fs from "fs";
import path from "path";
import readline from "readline";
import { parseArgs } from "util";
import { Signer, Wallet, ZeroAddress, formatEther, isHexString, parseEther } from "ethers";
import {
  ConfigurationError,
  ContractRevertError,
  InvalidInputError,
  NotFoundError,
  PharmaChainError,
  TransactionError,
} from "../errors";
import {
  PackState,
  Role,
  DECOMMISSION_STATES,
  ShipmentStatus,
  StakeholderStatus,
  LotStatus,
  ProductStatus,
} from "../enums";
import { PackCustody__factory } from "../contracts";
import { saveDeployment } from "../deployment-file";
import {
  InventoryReport,
  OfferRecord,
  OrderRangeInput,
  OrderRecord,
  PackRangeInput,
  PackRef,
  PharmaChainClient,
  Written,
  parsePrice,
} from "../client";
import { deployProtocol } from "../deploy";
import { gtinToUint64, gtin14, lotIdOf, parseScan, expiryToExpiresAt, expiresAtToExpiry } from "../gs1";
import { Manifest } from "../manifest";
import {
  batchRecordHash,
  buildLotAttestation,
  pharmaChainDomain,
  signLotAttestation,
  verifyAttestationSignature,
} from "../attestation";
import { PackVerifier, VerificationReport, toPackScan } from "../verification";
import { HistoryEvent, HistoryOptions, TradeHistoryEvent } from "../history";
import { explainError, isInsufficientFunds } from "../revert";
import { UsageError } from "./usage";
import { DOC_COMMANDS } from "./doc";
import { EPCIS_COMMANDS } from "./epcis";
import { FORMATS, checkArguments, commandHelp as helpOf, globalHelp } from "./formats";
import {
  ArgSpec,
  Command,
  Context,
  OptionSpec,
  Values,
  address,
  arg,
  bigintArg,
  enumArg,
  expiryArg,
  glnArg,
  gtinArg,
  rangeArg,
  attestationFromJson,
  keySource,
  lotArg,
  networkOf,
  progress,
  provider,
  readClient,
  readJson,
  resolveDeployment,
  signatureFromJson,
  str,
  strs,
  timeArg,
  toJson,
  writeClient,
  writeJson,
} from "./common";
import { MANIFEST_OPTIONS, ManifestShelf, PACK_FORMATS, packAt, rangesOf } from "./packs";
import { PRIVATE_KEY_ENV, lastLoadedAddress, loadWallet, readPassword, writeKeystore } from "./keys";
import { proofFromService, serviceUrl, signInToService, uploadSerials, verifyThroughService } from "./service";

const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  rpc: { type: "string" },
  deployment: { type: "string" },
  keystore: { type: "string" },
  "password-file": { type: "string" },
  "key-env": { type: "string" },
  "chain-id": { type: "string" },
  json: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  help: { type: "boolean", short: "h" },
};

const GLOBAL_HELP = `Packs and ranges: ${PACK_FORMATS}

${globalHelp(GLOBAL_OPTIONS)}`;

// ------------------------------------------------------------------ helpers

/** A GLN as printed: 13 digits. */
function gln13(gln: bigint): string {
  return gln.toString().padStart(13, "0");
}

/** A unix time as an ISO 8601 date and time, UTC. */
function isoTime(seconds: bigint): string {
  return new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");
}

/** A lot's expiry as on the pack: the last day, and its AI 17 (`expiresAt` is the first second after that day). */
function expiryLine(expiresAt: bigint): string {
  const lastDay = new Date((Number(expiresAt) - 1) * 1000).toISOString().slice(0, 10);
  let ai17: string;
  try {
    ai17 = `(17)${expiresAtToExpiry(expiresAt)}`;
  } catch {
    ai17 = "(not a whole day: no AI 17)";
  }
  return `${lastDay} ${ai17}, end of day UTC (expiresAt ${expiresAt})`;
}

/** Addresses with what the registry knows of them: role and GLN. One read per address. */
class PartyNames {
  private readonly known = new Map<string, string>();
  constructor(private readonly c: PharmaChainClient) {}
  async name(account: string): Promise<string> {
    if (account === ZeroAddress) return "nobody";
    const cached = this.known.get(account);
    if (cached) return cached;
    let label = account;
    try {
      const s = await this.c.stakeholder(account);
      if (s.status !== StakeholderStatus.None) {
        label = `${account} (${Role[s.role]}${s.gln > 0n ? `, GLN ${gln13(s.gln)}` : ""})`;
      }
    } catch {
      // a label is a courtesy: the address alone is still right
    }
    this.known.set(account, label);
    return label;
  }
}

/** Says how much ether the signing account has and how to give it more, after a node refused for want of funds. */
async function withFundingAdvice(ctx: Context, error: PharmaChainError, account: string): Promise<PharmaChainError> {
  let balance = "";
  try {
    const wei = await Promise.race([
      provider(ctx).getBalance(account),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), 3000)),
    ]);
    balance = ` has ${formatEther(wei)} ether:`;
  } catch {
    balance = ":";
  }
  const advice =
    `the signing account ${account}${balance} every transaction pays gas in ether. Fund it from an account that ` +
    `has some: \`pharmachain account fund ${account} --amount 1\` signed by that account (on a local development ` +
    `chain, one of the node's funded accounts, e.g. PHARMACHAIN_PRIVATE_KEY set to Hardhat's first account).`;
  return new TransactionError(error.shortMessage, {
    details: error.details ? `${advice}\n${error.details}` : advice,
    cause: error.cause ?? error,
  });
}

/** The packs scanned into `file` (one a line; `-`: standard input), as ranges: consecutive packs of a lot together. */
async function scannedRanges(ctx: Context, file: string): Promise<PackRangeInput[]> {
  if (file !== "-" && !fs.existsSync(file)) throw new NotFoundError(`no scans file at ${file}`);
  const text = fs.readFileSync(file === "-" ? 0 : file, "utf8");
  const shelf = new ManifestShelf(ctx);
  const packs = [];
  for (const [n, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === "") continue;
    try {
      packs.push(await packAt(line, shelf));
    } catch (error) {
      if (error instanceof PharmaChainError) {
        throw new (error.constructor as typeof PharmaChainError)(`${file} line ${n + 1}: ${error.shortMessage}`, {
          details: error.details,
          cause: error,
        });
      }
      throw error;
    }
  }
  if (packs.length === 0) throw new InvalidInputError(`${file} has no scans`);
  const ranges = rangesOf(packs);
  progress(ctx, `  ${packs.length.toLocaleString("en")} scanned packs in ${ranges.length} range(s)`);
  return ranges;
}

/** A range for a shipment made for an order: as {@link rangeArg}, keeping the lot number when LOT is GTIN/LOTNUMBER. */
function orderRangeArg(value: string): OrderRangeInput {
  const range = rangeArg(value);
  const lot = value.slice(0, value.lastIndexOf(":"));
  return isHexString(lot, 32) ? range : { ...range, lotNumber: lot.slice(lot.indexOf("/") + 1) };
}

/** A number of packs an order can hold (1 to 2^32 - 1). */
function quantityArg(value: string): number {
  const n = bigintArg(value, "quantity");
  if (n < 1n || n > 0xffffffffn) throw new InvalidInputError(`quantity ${value} must be from 1 to 4,294,967,295 packs`);
  return Number(n);
}

/** A price per pack in currency units, `1.25` (at most six decimals); kept as text for the client. */
function priceArg(value: string): string {
  parsePrice(value);
  return value;
}

function idArg(ctx: Context, what: string): bigint {
  return bigintArg(arg(ctx, 0, what), what.toLowerCase());
}

function isoDay(seconds: bigint | number): string {
  return new Date(Number(seconds) * 1000).toISOString().slice(0, 10);
}

function orderLines(o: OrderRecord): string[] {
  return [
    `order ${o.orderId}: ${o.statusName}, ${o.quantity.toLocaleString("en")} packs of GTIN ${gtin14(o.gtin)}`,
    `  seller ${o.seller}, buyer ${o.buyer}`,
    `  ${o.shipped.toLocaleString("en")} shipped (on the way or received), ${o.received.toLocaleString("en")} received, ${o.open.toLocaleString("en")} open`,
    o.price ? `  price ${o.price} a pack (offer ${o.offerId})` : "  no contract price recorded",
  ];
}

function offerLines(o: OfferRecord): string[] {
  return [
    `price offer ${o.offerId}: ${o.statusName}, ${o.price} a pack of GTIN ${gtin14(o.gtin)}, valid until ${new Date(Number(o.validUntil) * 1000).toISOString()}`,
    `  seller ${o.seller}, buyer ${o.buyer}; made by the ${o.bySeller ? "seller" : "buyer"}`,
  ];
}

function inventoryLines(r: InventoryReport, lotNumbers: ReadonlyMap<string, string>): string[] {
  const t = r.totals;
  const n = (v: bigint): string => v.toLocaleString("en");
  const lines = [
    `inventory of ${r.holder} at block ${r.blockNumber}: ${n(t.available)} available, ${n(t.inTransit)} in transit, ` +
      `${n(t.suspect)} suspect, ${n(t.illegitimate)} illegitimate, ${n(t.decommissioned)} decommissioned ` +
      `(${r.lots.length} of ${r.lotsRead} lots read)`,
  ];
  for (const l of r.lots) {
    const parts = [`${n(l.available)} available`];
    if (l.inTransit) parts.push(`${n(l.inTransit)} in transit`);
    if (l.suspect) parts.push(`${n(l.suspect)} suspect`);
    if (l.illegitimate) parts.push(`${n(l.illegitimate)} illegitimate`);
    if (l.decommissioned) parts.push(`${n(l.decommissioned)} decommissioned`);
    const name = lotNumbers.get(l.lotId) ?? l.lotId;
    lines.push(
      `  ${gtin14(l.gtin)}/${name}  expires ${isoDay(l.expiresAt)}${l.recalled ? " RECALLED" : ""}: ${parts.join(", ")}`,
    );
  }
  return lines;
}

function historyOptions(ctx: Context): HistoryOptions {
  const fromBlock = str(ctx, "from-block");
  const blockRange = str(ctx, "block-range");
  return {
    fromBlock: fromBlock ? Number(bigintArg(fromBlock, "--from-block")) : undefined,
    blockRange: blockRange ? Number(bigintArg(blockRange, "--block-range")) : undefined,
    onProgress: (done: number, total: number) => {
      if (total > 50_000)
        progress(ctx, `  scanned ${done.toLocaleString("en")} / ${total.toLocaleString("en")} blocks`);
    },
  };
}

async function loadManifest(ctx: Context, file: string, column?: string | number): Promise<Manifest> {
  return Manifest.fromFile(file, {
    column,
    onProgress: (p) => {
      if (p.done === p.total || p.done % 100_000 === 0)
        progress(ctx, `  ${p.phase}: ${p.done.toLocaleString("en")} / ${p.total.toLocaleString("en")}`);
    },
  });
}

function txLines(what: string, w: Written<object>): string[] {
  return [
    `${what}`,
    `  transaction ${w.tx.hash} (block ${w.tx.blockNumber}, gas ${w.tx.gasUsed.toLocaleString("en")})`,
  ];
}

/**
 * A command that sends one transaction through a client method and reports it. Its arguments and options are
 * checked (`checkArguments`, with `check` for rules across them) before the client connects and loads the key.
 */
function simple(
  summary: string,
  usage: string,
  args: ArgSpec[],
  options: Record<string, OptionSpec>,
  send: (c: PharmaChainClient, ctx: Context) => Promise<{ done: string; written: Written<object> }>,
  more: Pick<Command, "check" | "example"> = {},
): Command {
  return {
    summary,
    usage,
    args,
    options,
    ...more,
    async run(ctx) {
      const client = await writeClient(ctx);
      const { done, written } = await send(client, ctx);
      return { lines: txLines(done, written), json: written };
    },
  };
}

async function packRef(ctx: Context, scan: string): Promise<PackRef> {
  const read = parseScan(scan);
  if (!read.serial || !read.lot) throw new InvalidInputError(`the scan "${scan}" needs a serial (21) and a lot (10)`);
  const manifestFile = str(ctx, "manifest", true)!;
  const manifest = await loadManifest(ctx, manifestFile);
  const lotId = lotIdOf(gtinToUint64(read.gtin), read.lot);
  const index = manifest.indexOf(read.serial);
  if (index === undefined) throw new NotFoundError(`serial ${read.serial} is not in the manifest ${manifestFile}`);
  return { lotId, index, serial: read.serial, proof: manifest.proof(read.serial).proof };
}

function eventLines(events: readonly (HistoryEvent | TradeHistoryEvent)[]): string[] {
  if (events.length === 0) return ["no events"];
  return events.map((e) => `${new Date(e.timestamp * 1000).toISOString()}  block ${e.blockNumber}  ${e.summary}`);
}

function reportLines(r: VerificationReport): string[] {
  const lines = [`${r.verified ? "VERIFIED" : "NOT VERIFIED"} (${r.verdictName}): ${r.message}`];
  const { verified, verificationFailureReason, additionalInfo } = r.dscsa;
  const dscsa = [
    `verified=${verified}`,
    ...(verificationFailureReason ? [`verificationFailureReason=${verificationFailureReason}`] : []),
    ...(additionalInfo ? [`additionalInfo=${additionalInfo}`] : []),
  ].join(" ");
  lines.push(`  DSCSA: ${dscsa}`);
  lines.push(`  EU hub: ${r.eu.returnCode ?? "no alert"}, pack ${r.eu.packStatus}`);
  if (r.cannotVerify) {
    lines.push(`  lot ${r.lotId}: its serial list has root ${r.serialsRoot}; give it with --manifest FILE`);
  } else if (r.verdict !== null && r.verdict > 2) {
    const holder = r.holder === ZeroAddress ? "" : `holder ${r.holder}, `;
    lines.push(`  ${holder}manufacturer ${r.manufacturer}, regulator signer ${r.regulatorSigner}`);
  }
  return lines;
}

/** One scan's answer at the counter: its report, or why it could not be read. */
interface ScanAnswer {
  scan: string;
  report?: VerificationReport;
  error?: string;
}

function answerLines(a: ScanAnswer): string[] {
  if (!a.report) return [a.scan, `  INVALID SCAN: ${a.error}`];
  const r = a.report;
  return [`${r.gtin} ${r.lotNumber} ${r.serial}`, ...reportLines(r).map((l) => `  ${l}`)];
}

// ------------------------------------------------------------------ commands

const COMMANDS: Record<string, Command> = {
  "account new": {
    summary: "create a key and save it in an encrypted keystore file",
    usage: "account new --out FILE",
    args: [],
    options: { out: { type: "string", required: true } },
    async run(ctx) {
      const out = str(ctx, "out", true)!;
      const password = await readPassword("New keystore password: ", {
        passwordFile: str(ctx, "password-file"),
        confirm: true,
      });
      const wallet = Wallet.createRandom();
      await writeKeystore(out, new Wallet(wallet.privateKey), password);
      return {
        lines: [`new account ${wallet.address}`, `  keystore ${out}`],
        json: { address: wallet.address, keystore: out },
      };
    },
  },
  "account import": {
    summary: `encrypt the development key from --key-env (default ${PRIVATE_KEY_ENV}) into a keystore file`,
    usage: "account import --out FILE",
    args: [],
    options: { out: { type: "string", required: true } },
    async run(ctx) {
      const out = str(ctx, "out", true)!;
      const wallet = await loadWallet({ keyEnv: str(ctx, "key-env") });
      const password = await readPassword("New keystore password: ", {
        passwordFile: str(ctx, "password-file"),
        confirm: true,
      });
      await writeKeystore(out, wallet, password);
      return {
        lines: [`account ${wallet.address}`, `  keystore ${out}`],
        json: { address: wallet.address, keystore: out },
      };
    },
  },
  "account show": {
    summary: "print the address of the configured key and, with --rpc or $PHARMACHAIN_RPC, its balance and standing",
    usage: "account show [--offline]",
    args: [],
    options: { offline: { type: "boolean" } },
    async run(ctx) {
      const wallet = await loadWallet(keySource(ctx));
      const online =
        !ctx.values.offline && (str(ctx, "rpc") !== undefined || process.env.PHARMACHAIN_RPC !== undefined);
      if (!online) return { lines: [wallet.address], json: { address: wallet.address } };
      const c = await readClient(ctx);
      const [balance, s] = await Promise.all([c.provider.getBalance(wallet.address), c.stakeholder(wallet.address)]);
      const authorised = s.role !== Role.None && (await c.isAuthorised(s.account, s.role));
      const standing =
        s.status === StakeholderStatus.None
          ? "not a stakeholder (apply with `pharmachain stakeholder apply`)"
          : `${Role[s.role]}, ${StakeholderStatus[s.status]}${authorised ? " (authorised now)" : " (not authorised now)"}`;
      return {
        lines: [wallet.address, `  balance ${formatEther(balance)} ether`, `  ${standing}`],
        json: {
          address: wallet.address,
          balanceWei: balance,
          roleName: Role[s.role],
          statusName: StakeholderStatus[s.status],
          authorised,
        },
      };
    },
  },
  "account fund": {
    summary:
      "send ether from the configured key to ACCOUNT, to pay for its transactions (on a local chain: from one of the " +
      "node's funded development accounts, e.g. --key-env with Hardhat's first account)",
    usage: "account fund ACCOUNT --amount ETHER",
    args: [{ name: "ACCOUNT", format: "address" }],
    options: { amount: { type: "string", required: true } },
    async run(ctx) {
      const to = address(arg(ctx, 0, "ACCOUNT"), "account");
      const text = str(ctx, "amount", true)!;
      let amount: bigint;
      try {
        amount = parseEther(text);
      } catch (cause) {
        throw new InvalidInputError(`amount "${text}" must be a number of ether, such as 1 or 0.25`, { cause });
      }
      if (amount <= 0n) throw new InvalidInputError(`amount "${text}" must be more than 0 ether`);
      const p = provider(ctx);
      const wallet = await loadWallet(keySource(ctx), p);
      const sent = await wallet.sendTransaction({ to, value: amount });
      const receipt = await sent.wait();
      const balance = await p.getBalance(to);
      return {
        lines: [
          `sent ${formatEther(amount)} ether to ${to}`,
          `  from ${wallet.address}`,
          `  transaction ${receipt?.hash ?? sent.hash}`,
          `  balance of ${to}: ${formatEther(balance)} ether`,
        ],
        json: { to, from: wallet.address, amountWei: amount, txHash: receipt?.hash ?? sent.hash, balanceWei: balance },
      };
    },
  },
  deploy: {
    summary: "deploy the protocol's contracts and write their addresses",
    usage: "deploy [--council ADDRESS] [--admin-delay SECONDS] [--out FILE]",
    args: [],
    options: { council: { type: "string" }, "admin-delay": { type: "string" }, out: { type: "string" } },
    async run(ctx) {
      const p = provider(ctx);
      const chainId = await networkOf(p);
      const wallet = await loadWallet(keySource(ctx), p);
      const council = str(ctx, "council");
      const delay = str(ctx, "admin-delay");
      const deployment = await deployProtocol(wallet, {
        council: council ? address(council, "council") : undefined,
        adminDelay: delay ? Number(bigintArg(delay, "admin delay")) : undefined,
        onProgress: (step, at) => progress(ctx, `  ${step} ${at}`),
      });
      const out = str(ctx, "out") ?? `deployments/chain-${chainId}.json`;
      deployment.orders = await PackCustody__factory.connect(deployment.custody, p).orderBook();
      saveDeployment(out, deployment);
      return {
        lines: [
          `PharmaChain deployed on chain ${chainId}`,
          `  StakeholderRegistry ${deployment.registry}`,
          `  ProductLots         ${deployment.lots}`,
          `  PackCustody         ${deployment.custody}`,
          `  TradeOrders         ${deployment.orders} (custody's order book)`,
          `  addresses written to ${out}`,
        ],
        json: { ...deployment, file: out },
      };
    },
  },
  "regulator appoint": simple(
    "the council appoints a regulator",
    "regulator appoint ACCOUNT --gln GLN --jurisdiction XX --valid-until TIME [--licence TEXT]",
    [{ name: "ACCOUNT", format: "address" }],
    {
      gln: { type: "string", required: true },
      jurisdiction: { type: "string", required: true },
      "valid-until": { type: "string", required: true },
      licence: { type: "string" },
    },
    async (c, ctx) => {
      const account = address(arg(ctx, 0, "ACCOUNT"), "account");
      const written = await c.appointRegulator({
        account,
        gln: glnArg(str(ctx, "gln", true)!, "--gln"),
        jurisdiction: str(ctx, "jurisdiction", true)!,
        validUntil: timeArg(str(ctx, "valid-until", true)!, "--valid-until"),
        licence: str(ctx, "licence"),
      });
      return { done: `${account} appointed regulator`, written };
    },
  ),
  "stakeholder apply": simple(
    "apply for a role (manufacturer, distributor, transporter, dispenser)",
    "stakeholder apply --role ROLE --gln GLN --jurisdiction XX [--licence TEXT] [--metadata TEXT]",
    [],
    {
      role: { type: "string", required: true },
      gln: { type: "string", required: true },
      jurisdiction: { type: "string", required: true },
      licence: { type: "string" },
      metadata: { type: "string" },
    },
    async (c, ctx) => {
      const role = enumArg(Role, str(ctx, "role", true)!, "role", [
        Role.Manufacturer,
        Role.Distributor,
        Role.Transporter,
        Role.Dispenser,
      ]);
      const written = await c.applyForRole({
        role,
        gln: glnArg(str(ctx, "gln", true)!, "--gln"),
        jurisdiction: str(ctx, "jurisdiction", true)!,
        licence: str(ctx, "licence"),
        metadata: str(ctx, "metadata"),
      });
      return { done: `applied as ${Role[role]}`, written };
    },
  ),
  "stakeholder approve": simple(
    "a regulator approves an applicant's licence",
    "stakeholder approve ACCOUNT --valid-until TIME",
    [{ name: "ACCOUNT", format: "address" }],
    { "valid-until": { type: "string", required: true } },
    async (c, ctx) => {
      const account = address(arg(ctx, 0, "ACCOUNT"), "account");
      const written = await c.approveStakeholder(account, timeArg(str(ctx, "valid-until", true)!, "--valid-until"));
      return { done: `${account} approved`, written };
    },
  ),
  "stakeholder suspend": simple(
    "suspend a stakeholder",
    "stakeholder suspend ACCOUNT [--reason TEXT]",
    [{ name: "ACCOUNT", format: "address" }],
    { reason: { type: "string" } },
    async (c, ctx) => {
      const account = address(arg(ctx, 0, "ACCOUNT"), "account");
      return { done: `${account} suspended`, written: await c.suspendStakeholder(account, str(ctx, "reason")) };
    },
  ),
  "stakeholder reinstate": simple(
    "reinstate a suspended stakeholder",
    "stakeholder reinstate ACCOUNT",
    [{ name: "ACCOUNT", format: "address" }],
    {},
    async (c, ctx) => {
      const account = address(arg(ctx, 0, "ACCOUNT"), "account");
      return { done: `${account} reinstated`, written: await c.reinstateStakeholder(account) };
    },
  ),
  "stakeholder revoke": simple(
    "propose revoking a stakeholder, or confirm another regulator's proposal (revoked for good)",
    "stakeholder revoke ACCOUNT [--reason TEXT]",
    [{ name: "ACCOUNT", format: "address" }],
    { reason: { type: "string" } },
    async (c, ctx) => {
      const account = address(arg(ctx, 0, "ACCOUNT"), "account");
      const written = await c.revokeStakeholder(account, str(ctx, "reason"));
      const done = written.revoked
        ? `${account} revoked`
        : `${account} revocation proposed: a second regulator or the council must confirm`;
      return { done, written };
    },
  ),
  "stakeholder renew": simple(
    "renew a stakeholder's licence",
    "stakeholder renew ACCOUNT --valid-until TIME [--licence TEXT]",
    [{ name: "ACCOUNT", format: "address" }],
    { "valid-until": { type: "string", required: true }, licence: { type: "string" } },
    async (c, ctx) => {
      const account = address(arg(ctx, 0, "ACCOUNT"), "account");
      const written = await c.renewLicence(
        account,
        timeArg(str(ctx, "valid-until", true)!, "--valid-until"),
        str(ctx, "licence"),
      );
      return { done: `${account} renewed`, written };
    },
  ),
  "stakeholder show": {
    summary: "show a stakeholder's record",
    usage: "stakeholder show ACCOUNT",
    args: [{ name: "ACCOUNT", format: "address" }],
    async run(ctx) {
      const c = await readClient(ctx);
      const s = await c.stakeholder(address(arg(ctx, 0, "ACCOUNT"), "account"));
      if (s.status === StakeholderStatus.None) {
        throw new NotFoundError(`${s.account} is not a stakeholder: it never applied for a role on this deployment`);
      }
      const authorised = s.role !== Role.None && (await c.isAuthorised(s.account, s.role));
      return {
        lines: [
          `${s.account}: ${Role[s.role]}, ${StakeholderStatus[s.status]}${authorised ? " (authorised now)" : " (not authorised now)"}`,
          `  GLN ${gln13(s.gln)}, jurisdiction ${s.jurisdiction}, licence valid until ${isoTime(s.validUntil)}`,
        ],
        json: { ...s, roleName: Role[s.role], statusName: StakeholderStatus[s.status], authorised },
      };
    },
  },
  "product register": simple(
    "a manufacturer registers a product (GTIN)",
    "product register GTIN [--metadata TEXT]",
    [{ name: "GTIN", format: "gtin" }],
    { metadata: { type: "string" } },
    async (c, ctx) => {
      const gtin = gtinArg(arg(ctx, 0, "GTIN"));
      return {
        done: `product ${gtin14(gtin)} registered`,
        written: await c.registerProduct(gtin, str(ctx, "metadata")),
      };
    },
  ),
  "product approve": simple(
    "a regulator approves a product",
    "product approve GTIN",
    [{ name: "GTIN", format: "gtin" }],
    {},
    async (c, ctx) => {
      const gtin = gtinArg(arg(ctx, 0, "GTIN"));
      return { done: `product ${gtin14(gtin)} approved`, written: await c.approveProduct(gtin) };
    },
  ),
  "product reject": simple(
    "a regulator rejects a product",
    "product reject GTIN [--reason TEXT]",
    [{ name: "GTIN", format: "gtin" }],
    { reason: { type: "string" } },
    async (c, ctx) => {
      const gtin = gtinArg(arg(ctx, 0, "GTIN"));
      return { done: `product ${gtin14(gtin)} rejected`, written: await c.rejectProduct(gtin, str(ctx, "reason")) };
    },
  ),
  "product show": {
    summary: "show a product",
    usage: "product show GTIN",
    args: [{ name: "GTIN", format: "gtin" }],
    async run(ctx) {
      const c = await readClient(ctx);
      const p = await c.product(gtinArg(arg(ctx, 0, "GTIN")));
      return {
        lines: [`GTIN ${gtin14(p.gtin)}: ${ProductStatus[p.status]}, manufacturer ${p.manufacturer}`],
        json: { ...p, statusName: ProductStatus[p.status] },
      };
    },
  },
  "manifest build": {
    summary:
      "build a lot's manifest (Merkle tree of its serials, in packing order) from a CSV or JSON file; offline. " +
      "CSV: one serial a line (quoted when it holds , or ;), or a header with a serial column (serial, SN, " +
      "Serial Number…); --column NAME|N (N from 1) says which column otherwise. Example: manifest build " +
      "serials.csv --column SN --out manifest.json",
    usage: "manifest build SERIALS_FILE --out MANIFEST.json [--column NAME|N] [--force]",
    args: [{ name: "SERIALS_FILE", format: "file", noun: "serial file" }],
    options: { out: { type: "string", required: true }, column: { type: "string" }, force: { type: "boolean" } },
    async run(ctx) {
      const file = arg(ctx, 0, "SERIALS_FILE");
      const out = str(ctx, "out", true)!;
      const given = str(ctx, "column");
      const column = given === undefined ? undefined : /^\d+$/.test(given) ? Number(given) : given;
      if (fs.existsSync(out) && !ctx.values.force) {
        throw new InvalidInputError(`${out} exists already: give --force to replace it, or another --out`);
      }
      if (!fs.existsSync(file)) throw new NotFoundError(`no serial file at ${file}`);
      const started = Date.now();
      const manifest = await loadManifest(ctx, file, column);
      await manifest.save(out);
      const seconds = (Date.now() - started) / 1000;
      const first = manifest.serials[0];
      const last = manifest.serials[manifest.size - 1];
      return {
        lines: [
          `manifest of ${manifest.size.toLocaleString("en")} serials, root ${manifest.root}`,
          `  first serial ${first} (index 0), last ${last} (index ${manifest.size - 1})`,
          `  written to ${out} in ${seconds.toFixed(1)} s`,
        ],
        json: { root: manifest.root, size: manifest.size, first, last, file: out, seconds },
      };
    },
  },
  "lot attest": {
    summary: "write a lot's attestation (what both parties sign) from its manifest; offline",
    usage:
      "lot attest --manifest FILE --gtin GTIN --lot LOTNUMBER --expiry YYMMDD --manufacturer ADDRESS (--batch-record FILE | --data-hash HASH) [--deadline TIME] --out FILE",
    args: [],
    options: {
      manifest: { type: "string", required: true },
      gtin: { type: "string", required: true },
      lot: {
        type: "string",
        required: true,
        format: "lot-number",
        help: "the lot number printed on the packs (AI 10)",
      },
      expiry: { type: "string", required: true },
      manufacturer: { type: "string", required: true },
      "batch-record": { type: "string" },
      "data-hash": { type: "string" },
      deadline: { type: "string" },
      out: { type: "string", required: true },
    },
    check(ctx) {
      if (str(ctx, "batch-record") === undefined && str(ctx, "data-hash") === undefined)
        throw new UsageError("give the batch record: --batch-record FILE, or its hash --data-hash HASH");
    },
    example:
      "pharmachain lot attest --manifest manifest-L1.json --gtin 00614141123452 --lot L1 --expiry 271231 --manufacturer 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --batch-record batch-L1.pdf --out attestation-L1.json",
    async run(ctx) {
      const manifest = await loadManifest(ctx, str(ctx, "manifest", true)!);
      const record = str(ctx, "batch-record");
      const dataHash = record ? batchRecordHash(fs.readFileSync(record)) : str(ctx, "data-hash", true)!;
      const attestation = buildLotAttestation({
        gtin: gtinArg(str(ctx, "gtin", true)!),
        lotNumber: str(ctx, "lot", true)!,
        expiresAt: expiryToExpiresAt(expiryArg(str(ctx, "expiry", true)!, "--expiry")),
        unitCount: manifest.size,
        serialsRoot: manifest.root,
        dataHash,
        manufacturer: address(str(ctx, "manufacturer", true)!, "manufacturer"),
        deadline: timeArg(str(ctx, "deadline") ?? "+7d", "--deadline"),
      });
      const out = str(ctx, "out", true)!;
      writeJson(out, attestation);
      return {
        lines: [`attestation of lot ${attestation.lotNumber} (${attestation.lotId})`, `  written to ${out}`],
        json: attestation,
      };
    },
  },
  "lot sign": {
    summary: "sign a lot attestation with your key and write the signature to a file; offline",
    usage: "lot sign ATTESTATION.json --out SIGNATURE.json [--chain-id N] [--deployment PATH]",
    args: [{ name: "ATTESTATION.json", format: "file", noun: "attestation file" }],
    options: { out: { type: "string", required: true } },
    async run(ctx) {
      const file = arg(ctx, 0, "ATTESTATION.json");
      const attestation = attestationFromJson(readJson(file, "attestation"), file);
      const rpc = str(ctx, "rpc") ?? process.env.PHARMACHAIN_RPC;
      const chainIdText = str(ctx, "chain-id");
      const chainId = chainIdText
        ? bigintArg(chainIdText, "chain id")
        : rpc
          ? await networkOf(provider(ctx))
          : undefined;
      const deployment = await resolveDeployment(ctx, chainId);
      const domainChain = chainId ?? deployment.chainId;
      if (domainChain === undefined)
        throw new ConfigurationError("the chain id is unknown: give --chain-id (signing is bound to one chain)");
      const wallet = await loadWallet(keySource(ctx));
      const domain = pharmaChainDomain(domainChain, deployment.lots);
      // What is being signed, in the words of the pack and the batch record, before the key signs it.
      const summary = [
        `lot ${attestation.lotNumber} of GTIN ${gtin14(attestation.gtin)}: ${attestation.unitCount.toLocaleString("en")} packs, expiry ${expiryLine(attestation.expiresAt)}`,
        `  manufacturer ${attestation.manufacturer}`,
        `  serial list root ${attestation.serialsRoot}, batch record hash ${attestation.dataHash}`,
        `  signatures valid until ${isoTime(attestation.deadline)}, on chain ${domainChain}, for contract ${deployment.lots}`,
      ];
      progress(ctx, `signing, as ${wallet.address}:\n${summary.join("\n")}`);
      const signature = await signLotAttestation(wallet, domain, attestation);
      if (!(await verifyAttestationSignature(domain, attestation, wallet.address, signature))) {
        throw new PharmaChainError("the signature just made does not verify: refusing to write it");
      }
      const out = str(ctx, "out", true)!;
      const value = {
        signer: wallet.address,
        signature,
        lotId: attestation.lotId,
        chainId: domainChain,
        verifyingContract: deployment.lots,
      };
      writeJson(out, value);
      return {
        lines: [...summary, `signed by ${wallet.address}`, `  signature written to ${out}`],
        json: value,
      };
    },
  },
  "lot commission": simple(
    "record a lot from its attestation and signatures (anyone may submit)",
    "lot commission ATTESTATION.json [--manufacturer-signature FILE] [--regulator-signature FILE]",
    [{ name: "ATTESTATION.json", format: "file", noun: "attestation file" }],
    { "manufacturer-signature": { type: "string" }, "regulator-signature": { type: "string" } },
    async (c, ctx) => {
      const file = arg(ctx, 0, "ATTESTATION.json");
      const attestation = attestationFromJson(readJson(file, "attestation"), file);
      const m = str(ctx, "manufacturer-signature");
      const r = str(ctx, "regulator-signature");
      if (!m && !r) throw new UsageError("give at least one of --manufacturer-signature and --regulator-signature");
      const written = await c.commissionLot({
        attestation,
        manufacturerSignature: m ? signatureFromJson(m) : undefined,
        regulatorSignature: r ? signatureFromJson(r) : undefined,
      });
      return {
        done: `lot ${attestation.lotNumber} commissioned (${written.lotId}), ${written.released ? "released" : "pending the other signature"}`,
        written,
      };
    },
    {
      example:
        "pharmachain lot commission attestation.json --manufacturer-signature sig-manufacturer.json --regulator-signature sig-regulator.json",
      check(ctx) {
        if (!str(ctx, "manufacturer-signature") && !str(ctx, "regulator-signature"))
          throw new UsageError("give at least one of --manufacturer-signature and --regulator-signature");
      },
    },
  ),
  "lot cosign": simple(
    "add the missing signature to a pending lot",
    "lot cosign ATTESTATION.json --signature FILE",
    [{ name: "ATTESTATION.json", format: "file", noun: "attestation file" }],
    { signature: { type: "string", required: true } },
    async (c, ctx) => {
      const file = arg(ctx, 0, "ATTESTATION.json");
      const attestation = attestationFromJson(readJson(file, "attestation"), file);
      const written = await c.cosignLot(attestation, signatureFromJson(str(ctx, "signature", true)!));
      return { done: `lot ${attestation.lotNumber} ${written.released ? "released" : "cosigned"}`, written };
    },
  ),
  "lot recall": simple(
    "recall a lot (manufacturer or regulator)",
    "lot recall LOT [--reason TEXT]",
    [{ name: "LOT", format: "lot" }],
    { reason: { type: "string" } },
    async (c, ctx) => {
      const lotId = lotArg(arg(ctx, 0, "LOT"));
      return { done: `lot ${lotId} recalled`, written: await c.recallLot(lotId, str(ctx, "reason")) };
    },
  ),
  "lot void": simple(
    "void a pending lot",
    "lot void LOT [--reason TEXT]",
    [{ name: "LOT", format: "lot" }],
    { reason: { type: "string" } },
    async (c, ctx) => {
      const lotId = lotArg(arg(ctx, 0, "LOT"));
      return { done: `lot ${lotId} voided`, written: await c.voidLot(lotId, str(ctx, "reason")) };
    },
  ),
  "lot show": {
    summary: "show a lot (LOT is a lot id or GTIN/LOTNUMBER)",
    usage: "lot show LOT",
    args: [{ name: "LOT", format: "lot" }],
    async run(ctx) {
      const c = await readClient(ctx);
      const given = arg(ctx, 0, "LOT");
      const l = await c.lot(lotArg(given));
      // The lot number: as given (GTIN/LOTNUMBER), else from the lot's commissioning event.
      const lotNumber = isHexString(given, 32)
        ? (await c.history().lotNumbers([l.lotId])).get(l.lotId.toLowerCase())
        : given.slice(given.indexOf("/") + 1);
      const parties = new PartyNames(c);
      return {
        lines: [
          `lot ${lotNumber ?? "(number unknown)"} of GTIN ${gtin14(l.gtin)}: ${l.unitCount.toLocaleString("en")} packs, ${LotStatus[l.status]}${l.recalled ? ", RECALLED" : ""}`,
          `  lot id ${l.lotId}`,
          `  expiry ${expiryLine(l.expiresAt)}`,
          `  manufacturer ${await parties.name(l.manufacturer)}`,
          `  signed by ${await parties.name(l.manufacturerSigner)} (for the manufacturer) and ${await parties.name(l.regulatorSigner)} (regulator)`,
        ],
        json: { ...l, lotNumber, statusName: LotStatus[l.status] },
      };
    },
  },
  ship: simple(
    "ship packs to a buyer, optionally through a transporter: index ranges (END excluded), or the packs scanned into " +
      "a file (--scans FILE, one scan or GTIN/LOT/SERIAL a line, with the lots' manifests); with --order, to fill " +
      "that order (the buyer defaults to the order's). Example: pharmachain ship --to 0x… " +
      "--scans case-17.txt --manifest-dir manifests/",
    "ship --to BUYER (--range LOT:START-END [--range ...] | --scans FILE --manifest FILE|--manifest-dir DIR) [--via TRANSPORTER] [--notice TEXT] [--order ID]",
    [],
    {
      to: { type: "string" },
      via: { type: "string" },
      range: { type: "string", multiple: true },
      scans: { type: "string" },
      ...MANIFEST_OPTIONS,
      notice: { type: "string" },
      order: { type: "string" },
    },
    async (c, ctx) => {
      const order = str(ctx, "order");
      const ranges = strs(ctx, "range").map(order === undefined ? rangeArg : orderRangeArg);
      const scans = str(ctx, "scans");
      if (scans !== undefined) ranges.push(...(await scannedRanges(ctx, scans)));
      if (ranges.length === 0) throw new UsageError("give at least one --range LOT:START-END, or --scans FILE");
      const via = str(ctx, "via");
      const to = str(ctx, "to", order === undefined);
      const common = {
        transporter: via ? address(via, "transporter") : undefined,
        notice: str(ctx, "notice"),
        ranges,
      };
      if (order !== undefined) {
        const orderId = bigintArg(order, "order");
        const written = await c.shipForOrder({ orderId, buyer: to ? address(to, "buyer") : undefined, ...common });
        return {
          done: `shipment ${written.shipmentId} of ${written.packCount.toLocaleString("en")} packs created for order ${orderId}`,
          written: { ...written, orderId },
        };
      }
      const written = await c.ship({ buyer: address(to!, "buyer"), ...common });
      return {
        done: `shipment ${written.shipmentId} of ${written.packCount.toLocaleString("en")} packs created`,
        written,
      };
    },
    {
      example: "pharmachain ship --to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --range 00614141123452/L1:0-100",
      check(ctx) {
        if (strs(ctx, "range").length === 0 && str(ctx, "scans") === undefined)
          throw new UsageError("give at least one --range LOT:START-END, or --scans FILE");
        if (str(ctx, "order") === undefined && str(ctx, "to") === undefined)
          throw new UsageError("--to BUYER is required (unless --order ID, whose buyer it defaults to)");
      },
    },
  ),
  pickup: simple(
    "the transporter picks a shipment up",
    "pickup SHIPMENT --gln GLN",
    [{ name: "SHIPMENT", format: "id" }],
    { gln: { type: "string", required: true } },
    async (c, ctx) => {
      const id = bigintArg(arg(ctx, 0, "SHIPMENT"), "shipment");
      return {
        done: `shipment ${id} picked up`,
        written: await c.pickUp(id, glnArg(str(ctx, "gln", true)!, "--gln")),
      };
    },
  ),
  handover: simple(
    "the transporter hands a shipment over",
    "handover SHIPMENT --gln GLN",
    [{ name: "SHIPMENT", format: "id" }],
    { gln: { type: "string", required: true } },
    async (c, ctx) => {
      const id = bigintArg(arg(ctx, 0, "SHIPMENT"), "shipment");
      return {
        done: `shipment ${id} handed over`,
        written: await c.handOver(id, glnArg(str(ctx, "gln", true)!, "--gln")),
      };
    },
  ),
  receive: simple(
    "the buyer receives a shipment",
    "receive SHIPMENT",
    [{ name: "SHIPMENT", format: "id" }],
    {},
    async (c, ctx) => {
      const id = bigintArg(arg(ctx, 0, "SHIPMENT"), "shipment");
      return { done: `shipment ${id} received`, written: await c.receiveShipment(id) };
    },
  ),
  reject: simple(
    "the buyer rejects a shipment",
    "reject SHIPMENT [--reason TEXT]",
    [{ name: "SHIPMENT", format: "id" }],
    { reason: { type: "string" } },
    async (c, ctx) => {
      const id = bigintArg(arg(ctx, 0, "SHIPMENT"), "shipment");
      return { done: `shipment ${id} rejected`, written: await c.rejectShipment(id, str(ctx, "reason")) };
    },
  ),
  cancel: simple(
    "the seller cancels a shipment before pick-up",
    "cancel SHIPMENT",
    [{ name: "SHIPMENT", format: "id" }],
    {},
    async (c, ctx) => {
      const id = bigintArg(arg(ctx, 0, "SHIPMENT"), "shipment");
      return { done: `shipment ${id} cancelled`, written: await c.cancelShipment(id) };
    },
  ),
  "shipment void": simple(
    "a regulator voids an open shipment",
    "shipment void SHIPMENT [--reason TEXT]",
    [{ name: "SHIPMENT", format: "id" }],
    { reason: { type: "string" } },
    async (c, ctx) => {
      const id = bigintArg(arg(ctx, 0, "SHIPMENT"), "shipment");
      return { done: `shipment ${id} voided`, written: await c.voidShipment(id, str(ctx, "reason")) };
    },
  ),
  "shipment show": {
    summary: "show a shipment",
    usage: "shipment show SHIPMENT",
    args: [{ name: "SHIPMENT", format: "id" }],
    async run(ctx) {
      const c = await readClient(ctx);
      const s = await c.shipment(bigintArg(arg(ctx, 0, "SHIPMENT"), "shipment"));
      if (s.status === ShipmentStatus.None) throw new NotFoundError(`shipment ${s.shipmentId} does not exist`);
      const parties = new PartyNames(c);
      return {
        lines: [
          `shipment ${s.shipmentId}: ${ShipmentStatus[s.status]}, ${s.packCount.toLocaleString("en")} packs to ${await parties.name(s.buyer)}${s.viaTransporter ? ` via ${await parties.name(s.transporter)}` : ""}`,
        ],
        json: { ...s, statusName: ShipmentStatus[s.status] },
      };
    },
  },
  "order place": simple(
    "the buyer places a purchase order with a seller",
    "order place --seller ADDRESS --gtin GTIN --quantity N [--deliver-by TIME (default: 30 days after the latest block)] [--document TEXT]",
    [],
    {
      seller: { type: "string", required: true },
      gtin: { type: "string", required: true },
      quantity: { type: "string", required: true },
      "deliver-by": { type: "string" },
      document: { type: "string" },
    },
    async (c, ctx) => {
      const seller = address(str(ctx, "seller", true)!, "seller");
      const gtin = gtinArg(str(ctx, "gtin", true)!);
      const quantity = quantityArg(str(ctx, "quantity", true)!);
      const deliverBy = str(ctx, "deliver-by");
      const written = await c.placeOrder({
        seller,
        gtin,
        quantity,
        deliverBy: deliverBy ? timeArg(deliverBy, "--deliver-by") : undefined,
        document: str(ctx, "document"),
      });
      return {
        done: `order ${written.orderId} placed with ${seller}: ${quantity.toLocaleString("en")} packs of GTIN ${gtin14(gtin)}`,
        written,
      };
    },
  ),
  "order amend": simple(
    "the buyer changes an order the seller has not answered yet",
    "order amend ORDER --quantity N [--deliver-by TIME] [--document TEXT]",
    [{ name: "ORDER", format: "id" }],
    { quantity: { type: "string", required: true }, "deliver-by": { type: "string" }, document: { type: "string" } },
    async (c, ctx) => {
      const id = idArg(ctx, "ORDER");
      const deliverBy = str(ctx, "deliver-by");
      const written = await c.amendOrder(id, {
        quantity: quantityArg(str(ctx, "quantity", true)!),
        deliverBy: deliverBy ? timeArg(deliverBy, "--deliver-by") : undefined,
        document: str(ctx, "document"),
      });
      return { done: `order ${id} amended`, written };
    },
  ),
  "order confirm": simple(
    "the seller confirms an order for the quantity and price shown (or given); refused if the buyer has amended it",
    "order confirm ORDER [--quantity N] [--price 1.25 (0 without a contract price)] [--confirmation TEXT]",
    [{ name: "ORDER", format: "id" }],
    { quantity: { type: "string" }, price: { type: "string" }, confirmation: { type: "string" } },
    async (c, ctx) => {
      const id = idArg(ctx, "ORDER");
      // What is confirmed is named in the transaction: the quantity and price given, else those read here and shown.
      const o = await c.order(id);
      const givenQuantity = str(ctx, "quantity");
      const givenPrice = str(ctx, "price");
      const quantity = givenQuantity === undefined ? o.quantity : quantityArg(givenQuantity);
      const pricePerPack = givenPrice === undefined ? o.pricePerPack : parsePrice(givenPrice);
      const price =
        givenPrice === undefined
          ? o.price === undefined
            ? "without a contract price"
            : `at ${o.price} a pack`
          : pricePerPack === 0n
            ? "without a contract price"
            : `at ${`${givenPrice} ${o.currency}`.trim()} a pack`;
      const terms = `${quantity.toLocaleString("en")} packs of GTIN ${gtin14(o.gtin)} ${price}`;
      progress(ctx, `confirming order ${id} of ${o.buyer}: ${terms}`);
      const written = await c.confirmOrder(id, str(ctx, "confirmation"), { quantity, pricePerPack });
      return { done: `order ${id} confirmed: ${terms}`, written: { ...written, orderId: id, quantity, pricePerPack } };
    },
  ),
  "order decline": simple(
    "the seller declines an order",
    "order decline ORDER [--reason TEXT]",
    [{ name: "ORDER", format: "id" }],
    { reason: { type: "string" } },
    async (c, ctx) => {
      const id = idArg(ctx, "ORDER");
      return { done: `order ${id} declined`, written: await c.declineOrder(id, str(ctx, "reason")) };
    },
  ),
  "order cancel": simple(
    "either party cancels an order's open quantity",
    "order cancel ORDER [--reason TEXT]",
    [{ name: "ORDER", format: "id" }],
    { reason: { type: "string" } },
    async (c, ctx) => {
      const id = idArg(ctx, "ORDER");
      return { done: `order ${id} cancelled`, written: await c.cancelOrder(id, str(ctx, "reason")) };
    },
  ),
  "order show": {
    summary: "show an order: its status (from its shipments), quantities and price",
    usage: "order show ORDER",
    args: [{ name: "ORDER", format: "id" }],
    async run(ctx) {
      const c = await readClient(ctx);
      const o = await c.order(idArg(ctx, "ORDER"));
      return { lines: orderLines(o), json: o };
    },
  },
  "price offer": simple(
    "the seller offers a buyer a price per pack, valid until a time",
    "price offer --buyer ADDRESS --gtin GTIN --price 1.25 --currency USD --valid-until TIME [--terms TEXT]",
    [],
    {
      buyer: { type: "string", required: true },
      gtin: { type: "string", required: true },
      price: { type: "string", required: true },
      currency: { type: "string", required: true },
      "valid-until": { type: "string", required: true },
      terms: { type: "string" },
    },
    async (c, ctx) => {
      const price = priceArg(str(ctx, "price", true)!);
      const currency = str(ctx, "currency", true)!;
      const written = await c.offerPrice({
        buyer: address(str(ctx, "buyer", true)!, "buyer"),
        gtin: gtinArg(str(ctx, "gtin", true)!),
        price,
        currency,
        validUntil: timeArg(str(ctx, "valid-until", true)!, "--valid-until"),
        terms: str(ctx, "terms"),
      });
      return { done: `price offer ${written.offerId}: ${price} ${currency} a pack`, written };
    },
  ),
  "price counter": simple(
    "answer an open offer with a price of your own (the currency defaults to the offer's)",
    "price counter OFFER --price 1.20 [--currency USD] --valid-until TIME [--terms TEXT]",
    [{ name: "OFFER", format: "id" }],
    {
      price: { type: "string", required: true },
      currency: { type: "string" },
      "valid-until": { type: "string", required: true },
      terms: { type: "string" },
    },
    async (c, ctx) => {
      const id = idArg(ctx, "OFFER");
      const price = priceArg(str(ctx, "price", true)!);
      const written = await c.counterOffer(id, {
        price,
        currency: str(ctx, "currency"),
        validUntil: timeArg(str(ctx, "valid-until", true)!, "--valid-until"),
        terms: str(ctx, "terms"),
      });
      const counter = await c.offer(written.offerId);
      return { done: `price offer ${written.offerId} counters offer ${id}: ${counter.price} a pack`, written };
    },
  ),
  "price accept": simple(
    "accept an open offer: its price becomes the contract price",
    "price accept OFFER",
    [{ name: "OFFER", format: "id" }],
    {},
    async (c, ctx) => {
      const id = idArg(ctx, "OFFER");
      return { done: `price offer ${id} accepted`, written: await c.acceptOffer(id) };
    },
  ),
  "price decline": simple(
    "decline an open offer",
    "price decline OFFER [--reason TEXT]",
    [{ name: "OFFER", format: "id" }],
    { reason: { type: "string" } },
    async (c, ctx) => {
      const id = idArg(ctx, "OFFER");
      return { done: `price offer ${id} declined`, written: await c.declineOffer(id, str(ctx, "reason")) };
    },
  ),
  "price withdraw": simple(
    "withdraw an open offer you made",
    "price withdraw OFFER",
    [{ name: "OFFER", format: "id" }],
    {},
    async (c, ctx) => {
      const id = idArg(ctx, "OFFER");
      return { done: `price offer ${id} withdrawn`, written: await c.withdrawOffer(id) };
    },
  ),
  "price show": {
    summary: "show a price offer",
    usage: "price show OFFER",
    args: [{ name: "OFFER", format: "id" }],
    async run(ctx) {
      const c = await readClient(ctx);
      const o = await c.offer(idArg(ctx, "OFFER"));
      return { lines: offerLines(o), json: o };
    },
  },
  "primary assign": simple(
    "a manufacturer names its primary distributor for a product, a region or all its products (DISTRIBUTOR none: remove)",
    "primary assign DISTRIBUTOR|none [--gtin GTIN | --region XX]",
    [{ name: "DISTRIBUTOR", format: "address-or-none" }],
    { gtin: { type: "string" }, region: { type: "string" } },
    async (c, ctx) => {
      const given = arg(ctx, 0, "DISTRIBUTOR");
      const distributor = given === "none" ? ZeroAddress : address(given, "distributor");
      const gtin = str(ctx, "gtin");
      const region = str(ctx, "region");
      if (gtin && region) throw new UsageError("give --gtin or --region, not both");
      const who = distributor === ZeroAddress ? "no primary distributor" : `${distributor} primary distributor`;
      if (region)
        return { done: `${who} for region ${region}`, written: await c.assignRegionalDistributor(region, distributor) };
      const product = gtin ? gtinArg(gtin) : 0n;
      return {
        done: `${who} ${product ? `of GTIN ${gtin14(product)}` : "of all products"}`,
        written: await c.assignPrimaryDistributor(product, distributor),
      };
    },
    {
      example: "pharmachain primary assign 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --gtin 00614141123452",
      check(ctx) {
        if (str(ctx, "gtin") !== undefined && str(ctx, "region") !== undefined)
          throw new UsageError("give --gtin or --region, not both");
      },
    },
  ),
  inventory: {
    summary: "an account's packs per lot and state (default: your key's), read from custody at one block",
    usage: "inventory [ACCOUNT] [--lot LOT ...] [--max-runs N] [--from-block N] [--block-range N]",
    args: [{ name: "ACCOUNT", format: "address", optional: true, help: "whose packs (default: your key's)" }],
    options: {
      lot: { type: "string", multiple: true },
      "max-runs": { type: "string" },
      "from-block": { type: "string" },
      "block-range": { type: "string" },
    },
    example: "pharmachain inventory 0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    async run(ctx) {
      const given = ctx.args[0];
      let holder: string;
      if (given !== undefined) holder = address(given, "account");
      else {
        try {
          holder = (await loadWallet(keySource(ctx))).address;
        } catch (cause) {
          throw new UsageError("give the ACCOUNT whose inventory to show, or a key (--keystore or --key-env)", {
            cause,
          });
        }
      }
      const c = await readClient(ctx);
      const maxRunsText = str(ctx, "max-runs");
      const options = {
        ...historyOptions(ctx),
        maxRuns: maxRunsText ? Number(bigintArg(maxRunsText, "--max-runs")) : undefined,
      };
      const lots = strs(ctx, "lot").map(lotArg);
      const report = lots.length > 0 ? await c.inventory(holder, lots, options) : await c.inventoryOf(holder, options);
      const lotNumbers =
        report.lots.length > 0
          ? await c.history().lotNumbers(
              report.lots.map((l) => l.lotId),
              options,
            )
          : new Map<string, string>();
      return {
        lines: inventoryLines(report, lotNumbers),
        json: { ...report, lots: report.lots.map((l) => ({ ...l, lotNumber: lotNumbers.get(l.lotId) })) },
      };
    },
  },
  dispense: simple(
    "dispense one pack to a patient, from its scanned code and the lot's manifest, or its proof from the service " +
      "(--service URL: signs in with the dispensing key and asks for the proof of a pack it holds)",
    "dispense SCAN (--manifest MANIFEST | --service URL)",
    [{ name: "SCAN", format: "scan" }],
    { manifest: { type: "string" }, service: { type: "string" } },
    async (c, ctx) => {
      const service = ctx.values.manifest === undefined ? serviceUrl(ctx) : undefined;
      if (service) {
        const read = parseScan(arg(ctx, 0, "SCAN"));
        if (!read.serial || !read.lot) throw new InvalidInputError("the scan needs a serial (21) and a lot (10)");
        const token = await signInToService(service, c.runner as Signer, c.chainId);
        const lotId = lotIdOf(gtinToUint64(read.gtin), read.lot);
        const pack = await proofFromService(service, token, lotId, read.serial);
        return { done: `pack ${pack.serial} (index ${pack.index}) dispensed`, written: await c.dispense(pack) };
      }
      const pack = await packRef(ctx, arg(ctx, 0, "SCAN"));
      return { done: `pack ${pack.serial} (index ${pack.index}) dispensed`, written: await c.dispense(pack) };
    },
    {
      example: "pharmachain dispense '(01)00614141123452(17)271231(10)L1(21)S0010' --manifest manifest-L1.json",
      check(ctx) {
        if (str(ctx, "manifest") === undefined && !serviceUrl(ctx))
          throw new UsageError(
            "give the lot's --manifest FILE, or --service URL (or $PHARMACHAIN_SERVICE) for the proof",
          );
      },
    },
  ),
  decommission: simple(
    "decommission one pack (SCAN with --manifest) or a range (--range) into an EU FMD state",
    "decommission (SCAN --manifest MANIFEST | --range LOT:START-END) --state dispensed|destroyed|exported|sample|freesample|stolen|locked",
    [{ name: "SCAN", format: "scan", optional: true, help: "one pack (with --manifest); or give --range" }],
    { manifest: { type: "string" }, range: { type: "string" }, state: { type: "string", required: true } },
    async (c, ctx) => {
      const state = enumArg(PackState, str(ctx, "state", true)!, "state", DECOMMISSION_STATES) as PackState;
      const range = str(ctx, "range");
      if (range) {
        const r = rangeArg(range);
        return {
          done: `packs ${r.start}-${r.end - 1} ${PackState[state]}`,
          written: await c.decommissionRange(r, state),
        };
      }
      const pack = await packRef(ctx, arg(ctx, 0, "SCAN"));
      return { done: `pack ${pack.serial} ${PackState[state]}`, written: await c.decommission(pack, state) };
    },
    {
      example: "pharmachain decommission --range 00614141123452/L1:0-10 --state destroyed",
      check(ctx) {
        const [scan, range] = [ctx.args[0], str(ctx, "range")];
        if (scan !== undefined && range !== undefined) throw new UsageError("give a SCAN or --range, not both");
        if (scan === undefined && range === undefined) throw new UsageError("give a SCAN (with --manifest) or --range");
        if (scan !== undefined && str(ctx, "manifest") === undefined)
          throw new UsageError("a SCAN needs the lot's --manifest FILE, to find the pack's index and proof");
      },
    },
  ),
  undo: simple(
    "undo a decommission within its window",
    "undo --range LOT:START-END",
    [],
    { range: { type: "string", required: true } },
    async (c, ctx) => {
      const r = rangeArg(str(ctx, "range", true)!);
      return { done: `decommission of packs ${r.start}-${r.end - 1} undone`, written: await c.undoDecommission(r) };
    },
  ),
  quarantine: simple(
    "quarantine packs as suspect",
    "quarantine --range LOT:START-END [--range ...] [--evidence TEXT]",
    [],
    { range: { type: "string", multiple: true, required: true }, evidence: { type: "string" } },
    async (c, ctx) => ({
      done: "packs quarantined",
      written: await c.quarantine(strs(ctx, "range").map(rangeArg), str(ctx, "evidence")),
    }),
  ),
  clear: simple(
    "a regulator clears suspect packs",
    "clear --range LOT:START-END [--range ...] [--decision TEXT]",
    [],
    { range: { type: "string", multiple: true, required: true }, decision: { type: "string" } },
    async (c, ctx) => ({
      done: "packs cleared",
      written: await c.clearSuspect(strs(ctx, "range").map(rangeArg), str(ctx, "decision")),
    }),
  ),
  illegitimate: simple(
    "confirm suspect packs illegitimate, with two keys: a regulator (or the council) proposes, a different " +
      "regulator or the council completes it by the same command with the same ranges and decision",
    "illegitimate --range LOT:START-END [--range ...] [--decision TEXT]",
    [],
    { range: { type: "string", multiple: true, required: true }, decision: { type: "string" } },
    async (c, ctx) => {
      const written = await c.confirmIllegitimate(strs(ctx, "range").map(rangeArg), str(ctx, "decision"));
      return {
        done: written.confirmed
          ? "packs confirmed illegitimate"
          : `proposed (${written.proposalId}): a different regulator or the council completes it with the same ` +
            "command, ranges and decision",
        written,
      };
    },
  ),
  "destroy-illegitimate": simple(
    "the holder destroys packs confirmed illegitimate: they leave its stock (also in a recalled or expired lot)",
    "destroy-illegitimate --range LOT:START-END [--range ...]",
    [],
    { range: { type: "string", multiple: true, required: true } },
    async (c, ctx) => ({
      done: "illegitimate packs destroyed",
      written: await c.destroyIllegitimate(strs(ctx, "range").map(rangeArg)),
    }),
  ),
  "report-clone": simple(
    "report a second scan of a decommissioned pack's code to the regulator",
    "report-clone SCAN --manifest MANIFEST",
    [{ name: "SCAN", format: "scan" }],
    { manifest: { type: "string" } },
    async (c, ctx) => {
      const pack = await packRef(ctx, arg(ctx, 0, "SCAN"));
      return { done: `clone of ${pack.serial} reported`, written: await c.reportClone(pack) };
    },
    {
      example: "pharmachain report-clone '(01)00614141123452(17)271231(10)L1(21)S0010' --manifest manifest-L1.json",
      check(ctx) {
        if (str(ctx, "manifest") === undefined)
          throw new UsageError("--manifest FILE is required: the lot's manifest proves the serial");
      },
    },
  ),
  verify: {
    summary:
      "verify packs from their scanned codes (Digital Link, element string or DataMatrix payload). `--scans -` reads " +
      "one scan a line from standard input (a keyboard-wedge scanner at a counter) and answers each as it comes, " +
      "keeping the connection and the manifests warm; a scan that cannot be read is reported for that scan. " +
      "Manifests: --manifest FILE (repeatable) or --manifest-dir DIR (every .json in it). Example: pharmachain " +
      "verify --scans - --manifest-dir manifests/",
    usage:
      "verify SCAN [SCAN ...] [--scans FILE|-] [--manifest MANIFEST ...] [--manifest-dir DIR | --service URL] [--json | --json-lines]",
    args: [{ name: "SCAN", format: "any-scan", optional: true, rest: true }],
    options: {
      service: { type: "string" },
      manifest: { type: "string", multiple: true },
      "manifest-dir": { type: "string" },
      scans: { type: "string" },
      "json-lines": { type: "boolean" },
    },
    check(ctx) {
      if (ctx.args.length === 0 && str(ctx, "scans") === undefined)
        throw new UsageError("give at least one SCAN, or --scans FILE or -");
    },
    example: "pharmachain verify --scans - --manifest-dir manifests/",
    async run(ctx) {
      const scans = [...ctx.args];
      const file = str(ctx, "scans");
      const fromStdin = file === "-";
      if (file && !fromStdin) {
        if (!fs.existsSync(file)) throw new NotFoundError(`no scan file at ${file}`);
        scans.push(
          ...fs
            .readFileSync(file, "utf8")
            .split(/\r?\n/)
            .filter((l) => l.trim() !== ""),
        );
      }
      if (scans.length === 0 && !fromStdin) throw new UsageError("give at least one SCAN, or --scans FILE or -");
      const files = [...strs(ctx, "manifest")];
      const dir = str(ctx, "manifest-dir");
      if (dir) {
        if (!fs.existsSync(dir)) throw new NotFoundError(`no manifest folder at ${dir}`);
        for (const name of fs.readdirSync(dir).sort()) if (name.endsWith(".json")) files.push(path.join(dir, name));
      }
      // manifests by lot id when they name it, else by root: the verifier checks each against the lot's root anyway
      const manifests = new Map<string, Manifest>();
      for (const m of files) {
        const manifest = await loadManifest(ctx, m);
        manifests.set(`root:${manifest.root}`, manifest);
        if (manifest.metadata?.lotId) manifests.set(manifest.metadata.lotId.toLowerCase(), manifest);
      }
      const service = files.length === 0 ? serviceUrl(ctx) : undefined;
      // with --service the service answers from the serial lists it holds; no chain, no manifest here
      const c = service ? undefined : await readClient(ctx);
      const byRoot = async (lotId: string): Promise<Manifest | undefined> => {
        const direct = manifests.get(lotId.toLowerCase());
        if (direct) return direct;
        if (manifests.size === 0) return undefined;
        const root = (await c!.lots.lotWords(lotId))[1];
        return manifests.get(`root:${root}`);
      };
      const verifier = service
        ? {
            verifyOne: (scan: string) => verifyThroughService(service, scan),
            verify: (list: string[]) => Promise.all(list.map((scan) => verifyThroughService(service, scan))),
          }
        : new PackVerifier(c!, {
            manifests: byRoot,
            onProgress: (done, total) => total > 200 && progress(ctx, `  verified ${done} / ${total}`),
          });
      const jsonLines = ctx.values["json-lines"] === true;
      const answers: ScanAnswer[] = [];
      const answer = async (scan: string): Promise<ScanAnswer> => {
        try {
          toPackScan(scan);
        } catch (error) {
          const e = error instanceof PharmaChainError ? error : explainError(error);
          return { scan, error: e.shortMessage };
        }
        return { scan, report: await verifier.verifyOne(scan) };
      };
      const show = (a: ScanAnswer): void => {
        if (jsonLines)
          process.stdout.write(toJson(a.report ?? { scan: a.scan, error: a.error }).replace(/\n\s*/g, "") + "\n");
        else if (!ctx.json) process.stdout.write(answerLines(a).join("\n") + "\n");
      };
      if (fromStdin) {
        const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
        for await (const line of lines) {
          if (line.trim() === "") continue;
          const a = await answer(line.trim());
          answers.push(a);
          show(a);
        }
      }
      if (scans.length > 0) {
        // given at once: verified in batches; unreadable scans answered on their own
        const readable = scans.filter((scan) => {
          try {
            toPackScan(scan);
            return true;
          } catch {
            return false;
          }
        });
        const reports = await verifier.verify(readable);
        let k = 0;
        for (const scan of scans) {
          const a = readable[k] === scan ? { scan, report: reports[k++] } : await answer(scan);
          answers.push(a);
          show(a);
        }
      }
      const reports = answers.flatMap((a) => (a.report ? [a.report] : []));
      const failed = reports.filter((r) => !r.verified && !r.cannotVerify).length;
      const invalid = answers.filter((a) => a.error !== undefined).length;
      const unverifiable = reports.filter((r) => r.cannotVerify).length;
      return {
        // already written, one scan at a time; --json prints one array of every answer
        lines: [],
        silent: !ctx.json,
        json: answers.map((a) => a.report ?? { scan: a.scan, error: a.error }),
        // a pack that must not be supplied outranks a scan that could not be read, which outranks one not checked
        exitCode:
          failed > 0 ? EXIT.notVerified : invalid > 0 ? EXIT.invalidInput : unverifiable > 0 ? EXIT.notFound : 0,
      };
    },
  },
  serve: {
    summary:
      "run the PharmaChain service (resolver, DSCSA responder, serial lists) for the deployment, when the " +
      "@pharmachain/server package is installed beside the SDK (it is in the repository's workspace)",
    usage: "serve --rpc URL --deployment PATH --database DIR|memory://|postgres://… [--host H] [--port N]",
    args: [],
    options: { database: { type: "string" }, host: { type: "string" }, port: { type: "string" } },
    async run(ctx) {
      let server: { main(argv: string[]): Promise<number> };
      try {
        // not a dependency of the SDK: the server depends on the SDK, and is found only where it is installed
        const entry: string = require.resolve("@pharmachain/server/dist/main.js");
        server = (await import(entry)) as typeof server;
      } catch (cause) {
        throw new ConfigurationError("the service is not installed: install @pharmachain/server (and build it)", {
          cause,
        });
      }
      const argv: string[] = [];
      for (const name of ["rpc", "deployment", "database", "host", "port"]) {
        const value = str(ctx, name) ?? (name === "rpc" ? process.env.PHARMACHAIN_RPC : undefined);
        if (value !== undefined) argv.push(`--${name}`, value);
      }
      const code = await server.main(argv);
      return { lines: [], silent: true, json: { exitCode: code }, exitCode: code };
    },
  },
  "serials upload": {
    summary:
      "upload a lot's serial list to the service (--service URL), as its manufacturer: the service accepts it only " +
      "when its Merkle root is the lot's serialsRoot, never serves it back, and proves scanned serials with it",
    usage: "serials upload LOT --file SERIALS.csv|MANIFEST.json [--column NAME|N] --service URL",
    args: [{ name: "LOT", format: "lot" }],
    options: { file: { type: "string", required: true }, column: { type: "string" }, service: { type: "string" } },
    check(ctx) {
      if (!serviceUrl(ctx)) throw new UsageError("--service URL (or $PHARMACHAIN_SERVICE) is required");
    },
    example: "pharmachain serials upload 00614141123452/L1 --file serials-L1.csv --service http://127.0.0.1:8080",
    async run(ctx) {
      const service = serviceUrl(ctx);
      if (!service) throw new UsageError("--service URL (or $PHARMACHAIN_SERVICE) is required");
      const lotId = lotArg(arg(ctx, 0, "LOT"));
      const file = str(ctx, "file", true)!;
      if (!fs.existsSync(file)) throw new NotFoundError(`no serial list at ${file}`);
      const text = fs.readFileSync(file, "utf8");
      const format = /^\s*[[{]/.test(text) ? "json" : "csv";
      const c = await writeClient(ctx);
      const token = await signInToService(service, c.runner as Signer, c.chainId);
      const stored = await uploadSerials(service, token, lotId, text, format, str(ctx, "column"));
      return {
        lines: [
          `serial list of lot ${stored.lotId} stored: ${stored.count.toLocaleString("en")} serials, root ${stored.root}`,
        ],
        json: stored,
      };
    },
  },
  "pack status": {
    summary: "the state and holder of one pack (LOT:INDEX, GTIN/LOT/SERIAL or a scan; see 'Packs and ranges')",
    usage: "pack status PACK [--manifest FILE | --manifest-dir DIR]",
    args: [{ name: "PACK", format: "pack" }],
    options: { ...MANIFEST_OPTIONS },
    async run(ctx) {
      const pack = await packAt(arg(ctx, 0, "PACK"), new ManifestShelf(ctx));
      const c = await readClient(ctx);
      const s = await c.packStatus(pack.lotId, pack.index);
      return {
        lines: [`pack ${s.index}: ${PackState[s.state]}, held by ${s.holder}`],
        json: { ...s, stateName: PackState[s.state] },
      };
    },
  },
  history: {
    summary: "the provenance timeline of a lot, a pack, a shipment, an order or a stakeholder",
    usage:
      "history lot LOT | history pack PACK | history shipment ID | history order ID | history stakeholder ACCOUNT  [--from-block N] [--block-range N] [--manifest FILE | --manifest-dir DIR]",
    args: [
      { name: "KIND", format: "history-kind", help: "what to trace" },
      {
        name: "TARGET",
        format: "text",
        help: "a LOT, a PACK, a shipment or order ID, or an ACCOUNT, by KIND",
        example: "00614141123452/L1",
      },
    ],
    options: { "from-block": { type: "string" }, "block-range": { type: "string" }, ...MANIFEST_OPTIONS },
    check(ctx) {
      const [kind, target] = ctx.args;
      const format = { lot: "lot", pack: "pack", shipment: "id", order: "id", stakeholder: "address" }[kind];
      // named as the command's messages name them: "shipment "x" must be a whole number", "account "0x1"…"
      const what = { lot: "LOT", pack: "PACK", shipment: "shipment", order: "order", stakeholder: "account" }[kind];
      if (format) FORMATS[format].check?.(target, what!);
    },
    example: "pharmachain history pack 00614141123452/L1/S0010 --manifest manifest-L1.json",
    async run(ctx) {
      const c = await readClient(ctx);
      const kind = arg(ctx, 0, "lot|pack|shipment|order|stakeholder");
      const target = arg(ctx, 1, "what to trace");
      const options = historyOptions(ctx);
      const h = c.history();
      let events: (HistoryEvent | TradeHistoryEvent)[];
      if (kind === "lot") events = await h.lot(lotArg(target), options);
      else if (kind === "order") events = await h.order(bigintArg(target, "order"), options);
      else if (kind === "shipment") events = await h.shipment(bigintArg(target, "shipment"), options);
      else if (kind === "stakeholder") events = await h.stakeholder(address(target, "account"), options);
      else if (kind === "pack") {
        const pack = await packAt(target, new ManifestShelf(ctx));
        events = await h.pack(pack.lotId, pack.index, options);
      } else throw new UsageError(`history of "${kind}"? use lot, pack, shipment, order or stakeholder`);
      return { lines: eventLines(events), json: events };
    },
  },
  ...EPCIS_COMMANDS,
  ...DOC_COMMANDS,
};

// ------------------------------------------------------------------ entry point

function commandList(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
    .join("\n");
}

function usage(): string {
  return `pharmachain — PharmaChain from the command line\n\nUsage: pharmachain COMMAND [ARGS] [OPTIONS]\n\nCommands:\n${commandList()}\n\n${GLOBAL_HELP}\n\nExit codes: 0 done, 1 not verified, 2 usage, 3 invalid input, 4 configuration or network, 5 refused by the contracts, 6 not found (verify: cannot verify, the serial list is not at hand), 7 transaction failed, 8 partly done (an EPCIS import left steps to other parties), 70 internal.`;
}

/** The help of one command: every option it parses, with its format and an example (formats.ts). */
export function commandHelp(name: string, c: Command = COMMANDS[name]): string {
  return helpOf(name, c, GLOBAL_OPTIONS);
}

/** The names of the commands, and the options each parses (its own and the global ones), for tests and help. */
export function commandTable(): Record<string, { command: Command; options: Record<string, OptionSpec> }> {
  return Object.fromEntries(
    Object.entries(COMMANDS).map(([name, command]) => [
      name,
      { command, options: { ...GLOBAL_OPTIONS, ...(command.options ?? {}) } },
    ]),
  );
}

/** The SDK's version, from its package.json (five folders above this file in the build, two in the sources). */
function sdkVersion(): string {
  for (const up of ["../../../../..", "../.."]) {
    try {
      const pkg = JSON.parse(fs.readFileSync(`${__dirname}/${up}/package.json`, "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "@pharmachain/sdk" && pkg.version) return pkg.version;
    } catch {
      // not there: try the next place
    }
  }
  return "unknown";
}

/** The command nearest to what was typed (edit distance at most a third of its length), if any. */
export function closestCommand(typed: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of Object.keys(COMMANDS)) {
    for (const candidate of [name, name.split(" ")[0]]) {
      const d = editDistance(typed.toLowerCase(), candidate);
      if (d < bestDistance) [best, bestDistance] = [candidate, d];
    }
  }
  return best !== undefined && bestDistance > 0 && bestDistance <= Math.max(1, Math.floor(typed.length / 3))
    ? best
    : undefined;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length];
}

/** The exit codes, one per kind of outcome (the README's table). */
export const EXIT = {
  done: 0,
  /** a pack was not verified (do not supply) */
  notVerified: 1,
  usage: 2,
  invalidInput: 3,
  configuration: 4,
  /** refused by the contracts */
  refused: 5,
  /** not found; also a pack that could not be verified for want of its lot's serial list */
  notFound: 6,
  transactionFailed: 7,
  /** partly done: steps left for other parties' keys */
  partlyDone: 8,
  internal: 70,
} as const;

/** The exit code for an error, by its class. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  // A file that is not there is "not found", whichever reader noticed (a manifest, a serial list, a document).
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === "ENOENT") return EXIT.notFound;
  }
  if (error instanceof InvalidInputError) return EXIT.invalidInput;
  if (error instanceof ConfigurationError) return EXIT.configuration;
  if (error instanceof ContractRevertError) return EXIT.refused;
  if (error instanceof NotFoundError) return EXIT.notFound;
  if (error instanceof TransactionError) return EXIT.transactionFailed;
  return EXIT.internal;
}

/** Runs the tool on `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const words = argv.filter((a) => !a.startsWith("-"));
  const name = [`${words[0]} ${words[1]}`, words[0]].find((n) => n !== undefined && COMMANDS[n] !== undefined);
  const json = argv.includes("--json");
  if (!name) {
    if (argv.includes("--version") || argv.includes("-V")) {
      process.stdout.write(`pharmachain ${sdkVersion()}\n`);
      return 0;
    }
    // `pharmachain help COMMAND`: that command's help
    const asked = words[0] === "help" ? [`${words[1]} ${words[2]}`, words[1]].find((n) => COMMANDS[n]) : undefined;
    if (asked) {
      process.stdout.write(commandHelp(asked) + "\n");
      return 0;
    }
    const wantsHelp = argv.length === 0 || argv.includes("--help") || argv.includes("-h") || words[0] === "help";
    if (wantsHelp) {
      process.stdout.write(usage() + "\n");
      return 0;
    }
    // the first one or two words (a later word may be an option's value)
    const tries = [words.slice(0, 2).join(" "), words[0] ?? ""];
    const found = tries.map((t) => [t, closestCommand(t)] as const).find(([, g]) => g !== undefined);
    const [typed, guess] = found ?? [words[0] ?? "", undefined];
    process.stderr.write(
      `unknown command "${typed}"${guess ? `: did you mean "${guess}"?` : ""}\n` +
        "`pharmachain --help` lists the commands.\n",
    );
    return 2;
  }
  const command = COMMANDS[name];
  const consumed = name.split(" ").length;
  let ctx: Context;
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...GLOBAL_OPTIONS, ...(command.options ?? {}) },
      allowPositionals: true,
      strict: true,
    });
    ctx = {
      values: parsed.values as Values,
      args: parsed.positionals.slice(consumed),
      json,
      quiet: parsed.values.quiet === true,
    };
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${commandHelp(name, command)}\n`);
    return 2;
  }
  if (ctx.values.help) {
    process.stdout.write(commandHelp(name, command) + "\n");
    return 0;
  }
  try {
    // every argument checked before the command connects, loads a key or asks for a password
    checkArguments(command, ctx, GLOBAL_OPTIONS);
    const outcome = await command.run(ctx);
    if (json || !outcome.silent) process.stdout.write((json ? toJson(outcome.json) : outcome.lines.join("\n")) + "\n");
    return outcome.exitCode ?? 0;
  } catch (raw) {
    let error = raw instanceof PharmaChainError ? raw : explainError(raw);
    if (isInsufficientFunds(error) && lastLoadedAddress) error = await withFundingAdvice(ctx, error, lastLoadedAddress);
    const code = exitCodeOf(error);
    if (json) {
      const body: Record<string, unknown> = { error: error.name, message: error.shortMessage, exitCode: code };
      if (error instanceof ContractRevertError) Object.assign(body, { errorName: error.errorName, args: error.args });
      process.stdout.write(toJson(body) + "\n");
    } else {
      process.stderr.write(`error: ${error.shortMessage}\n${error.details ? `${error.details}\n` : ""}`);
      if (code === 2) process.stderr.write(`\n${commandHelp(name, command)}\n`);
    }
    return code;
  }
}
