/**
 * What a command's arguments look like, in one table: each format's placeholder, its description, an example, and
 * the check that refuses anything else. `checkArguments` runs those checks (and the command's own `check`) on the
 * command line as parsed, before the command opens a connection or asks for a password; `commandHelp` writes the
 * help of a command from the same tables, so the help names every option the parser accepts.
 */
import fs from "fs";
import { isHexString, parseEther } from "ethers";
import { InvalidInputError, NotFoundError } from "../errors";
import { DECOMMISSION_STATES, PackState, Role } from "../enums";
import { isAi82, parseScan } from "../gs1";
import { currencyToBytes3, jurisdictionToBytes2, parsePrice } from "../client";
import {
  ArgSpec,
  Command,
  Context,
  OptionSpec,
  TIME_FORMS,
  address,
  bigintArg,
  enumArg,
  expiryArg,
  glnArg,
  gtinArg,
  lotArg,
  rangeArg,
  timeArg,
} from "./common";
import { readPack } from "./packs";
import { UsageError } from "./usage";

/** The shape of an argument or option value. */
export interface Format {
  /** The placeholder in usages and help: ADDRESS, GTIN, TIME… */
  label: string;
  /** What it is and the forms it takes. */
  describe: string;
  /** One value of this format, as typed in a shell. */
  example: string;
  /** Throws, naming `what` (`--gln`, `ACCOUNT`), unless `value` has this format. */
  check?(value: string, what: string): void;
}

/**
 * The SDK's refusal of `value`, naming the argument: an option is named before the message (`--range: range "…" must
 * be…`); a positional argument's message names the value already (`pack "…" must be…`) unless it does not.
 */
function named(what: string, value: string, cause: unknown): InvalidInputError {
  const message = (cause as Error).message;
  const text = what.startsWith("--") || !message.includes(value) ? `${what}: ${message}` : message;
  return new InvalidInputError(text, { cause });
}

/** Refuses a file or folder that is not there, as "not found" (exit 6). */
function mustExist(value: string, what: string, kind: "file" | "folder" | "file or folder"): void {
  // an option is named (`--manifest: no file at m.json`); an argument by what it is (`no attestation file at a.json`)
  if (!fs.existsSync(value))
    throw new NotFoundError(what.startsWith("--") ? `${what}: no ${kind} at ${value}` : `no ${what} at ${value}`);
  const isDir = fs.statSync(value).isDirectory();
  if (kind === "file" && isDir) throw new InvalidInputError(`${what}: ${value} is a folder, not a file`);
  if (kind === "folder" && !isDir) throw new InvalidInputError(`${what}: ${value} is a file, not a folder`);
}

function oneOf(label: string, values: readonly string[], describe?: string): Format {
  return {
    label,
    describe: describe ?? `one of ${values.join(", ")}`,
    example: values[0],
    check(value, what) {
      if (!values.includes(value)) throw new UsageError(`${what} "${value}" is not one of ${values.join(", ")}`);
    },
  };
}

const whole = (label: string, describe: string, example: string): Format => ({
  label,
  describe,
  example,
  check: (value, what) => void bigintArg(value, what),
});

const ROLES = [Role.Manufacturer, Role.Distributor, Role.Transporter, Role.Dispenser];

/** Every format, by name: the `format` of an option or argument is one of these names. */
export const FORMATS: Record<string, Format> = {
  address: {
    label: "ADDRESS",
    describe: "an Ethereum address, 0x and 40 hex digits",
    example: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    check: (value, what) => void address(value, what),
  },
  "address-or-none": {
    label: "ADDRESS|none",
    describe: "an Ethereum address, or none to remove the assignment",
    example: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    check: (value, what) => void (value === "none" || address(value, what)),
  },
  gtin: {
    label: "GTIN",
    describe: "a GTIN-14, -13, -12 or -8 with its check digit (read as the GTIN-14 padded with zeros)",
    example: "00614141123452",
    check: (value, what) => void gtinArg(value, what),
  },
  gln: {
    label: "GLN",
    describe:
      "a GLN-13 with its check digit (leading zeros may be left out; also (414)GLN or urn:epc:id:sgln:…/pgln:…)",
    example: "0614141000005",
    check: (value, what) => void glnArg(value, what),
  },
  time: {
    label: "TIME",
    describe: TIME_FORMS,
    example: "+365d",
    check: (value, what) => void timeArg(value, what),
  },
  expiry: {
    label: "YYMMDD",
    describe:
      "the expiry date printed on the pack: YYMMDD as AI 17 (day 00: the month's last day) or YYYY-MM-DD; " +
      "the lot expires at the end of that day, UTC",
    example: "271231",
    check: (value, what) => void expiryArg(value, what),
  },
  whole: whole("N", "a whole number", "100"),
  id: whole("ID", "a number the contracts gave (shipment, order or offer), as printed when it was made", "1"),
  block: whole("N", "a block number, or a number of blocks", "0"),
  "chain-id": whole("N", "a chain id (31337: a local Hardhat or anvil node)", "31337"),
  seconds: whole("SECONDS", "a number of seconds", "172800"),
  quantity: {
    label: "N",
    describe: "a number of packs, 1 to 4,294,967,295",
    example: "500",
    check(value, what) {
      const n = bigintArg(value, what);
      if (n < 1n || n > 0xffffffffn) throw new InvalidInputError(`${what} ${value} must be from 1 to 4,294,967,295`);
    },
  },
  lot: {
    label: "LOT",
    describe: "a lot: GTIN/LOTNUMBER as printed on the pack, or its lot id (0x and 64 hex digits)",
    example: "00614141123452/L1",
    check(value, what) {
      try {
        lotArg(value);
      } catch (cause) {
        throw named(what, value, cause);
      }
    },
  },
  "lot-number": {
    label: "LOTNUMBER",
    describe: "a lot number as printed after (10): 1 to 20 characters of the GS1 AI 82 set",
    example: "L2027-001",
    check(value, what) {
      if (!isAi82(value))
        throw new InvalidInputError(`${what} "${value}" is not a lot number: 1 to 20 characters of the GS1 AI 82 set`);
    },
  },
  range: {
    label: "LOT:START-END",
    describe: "packs START to END - 1 of a lot (END excluded; indexes count from 0 in the lot's serial list)",
    example: "00614141123452/L1:0-100",
    check(value, what) {
      try {
        rangeArg(value);
      } catch (cause) {
        throw named(what, value, cause);
      }
    },
  },
  pack: {
    label: "PACK",
    describe:
      "a pack: LOT:INDEX (INDEX from 0), GTIN/LOT/SERIAL as printed, or a scan of it (the last two with the lot's " +
      "--manifest or --manifest-dir)",
    example: "00614141123452/L1:10",
    check(value, what) {
      try {
        readPack(value);
      } catch (cause) {
        throw named(what, value, cause);
      }
    },
  },
  scan: {
    label: "SCAN",
    describe:
      "a pack's scan with its lot (10) and serial (21): GS1 Digital Link, element string, DataMatrix payload or " +
      "EPC URI",
    example: "'(01)00614141123452(17)271231(10)L1(21)S0010'",
    check(value, what) {
      let read;
      try {
        read = parseScan(value);
      } catch (cause) {
        throw named(what, value, cause);
      }
      if (!read.serial || !read.lot)
        throw new InvalidInputError(`${what}: the scan "${value}" needs a serial (21) and a lot (10)`);
    },
  },
  "any-scan": {
    label: "SCAN",
    describe:
      "a pack's scan (GS1 Digital Link, element string, DataMatrix payload or EPC URI); one that cannot be read " +
      "is answered as such, and the others are still verified",
    example: "https://id.gs1.org/01/00614141123452/10/L1/21/S0010",
  },
  file: {
    label: "FILE",
    describe: "a file to read",
    example: "attestation.json",
    check: (value, what) => mustExist(value, what, "file"),
  },
  "password-file": {
    label: "FILE",
    describe: "a file to read",
    example: "password.txt",
    check(value, what) {
      if (!fs.existsSync(value))
        throw new NotFoundError(`cannot read the password file ${value} (${what}): there is no such file`);
    },
  },
  "scans-file": {
    label: "FILE|-",
    describe: "a file of scans or GTIN/LOT/SERIAL, one a line; - reads standard input",
    example: "scans.txt",
    check: (value, what) => void (value === "-" || mustExist(value, what, "file")),
  },
  "manifest-spec": {
    label: "[LOT=]FILE",
    describe: "a lot's manifest file (from manifest build), optionally after the lot it is for",
    example: "manifest-L1.json",
    check(value, what) {
      const eq = value.indexOf("=");
      if (eq > 0 && !fs.existsSync(value)) {
        FORMATS.lot.check!(value.slice(0, eq), what);
        mustExist(value.slice(eq + 1), what, "file");
      } else mustExist(value, what, "file");
    },
  },
  dir: {
    label: "DIR",
    describe: "a folder to read",
    example: "manifests/",
    check: (value, what) => mustExist(value, what, "folder"),
  },
  path: {
    label: "PATH",
    describe: "a file or folder to read",
    example: "deployments/chain-31337.json",
    check: (value, what) => mustExist(value, what, "file or folder"),
  },
  out: { label: "FILE", describe: "a file to write (its folder is made)", example: "out.json" },
  "out-dir": { label: "DIR", describe: "a folder to write into (made when missing)", example: "out/" },
  url: {
    label: "URL",
    describe: "an http:// or https:// address",
    example: "http://127.0.0.1:8545",
    check(value, what) {
      let ok = false;
      try {
        ok = ["http:", "https:"].includes(new URL(value).protocol);
      } catch {
        ok = false;
      }
      if (!ok) throw new InvalidInputError(`${what} "${value}" is not an http:// or https:// address`);
    },
  },
  text: { label: "TEXT", describe: "free text (quote it when it has spaces)", example: "'damaged in transit'" },
  "document-kind": {
    label: "KIND",
    describe: "a document kind of the service's policy (certificateOfAnalysis, batchRecord, invoice, licence, …)",
    example: "certificateOfAnalysis",
    check(value, what) {
      if (!/^[a-z][A-Za-z]{1,40}$/.test(value))
        throw new InvalidInputError(`${what} "${value}" is not a document kind`);
    },
  },
  subject: {
    label: "SUBJECT",
    describe: "what a document is about: lot:0x…, shipment:N, order:N, stakeholder:0x… or product:GTIN",
    example: "lot:0x3c9f7f6e5a4b2d1c0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d",
    check(value, what) {
      if (
        !/^(lot:0x[0-9a-fA-F]{64}|shipment:[1-9][0-9]*|order:[1-9][0-9]*|stakeholder:0x[0-9a-fA-F]{40}|product:[0-9]{8,14})$/.test(
          value,
        )
      ) {
        throw new InvalidInputError(
          `${what} "${value}" must be lot:0x…, shipment:N, order:N, stakeholder:0x… or product:GTIN`,
        );
      }
    },
  },
  "media-type": {
    label: "TYPE",
    describe: "a media type (by default from the file's extension)",
    example: "application/pdf",
    check(value, what) {
      if (!/^[a-z]+\/[a-z0-9.+-]+$/.test(value)) throw new InvalidInputError(`${what} "${value}" is not a media type`);
    },
  },
  "document-id": {
    label: "ID",
    describe: "a document's id on the service (from doc put or doc list)",
    example: "3f0c9a1e-2b4d-4c6e-8f10-1a2b3c4d5e6f",
    check(value, what) {
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value)) {
        throw new InvalidInputError(`${what} "${value}" is not a document id`);
      }
    },
  },
  hash: {
    label: "HASH",
    describe: "32 bytes: 0x and 64 hex digits",
    example: "0x" + "ab".repeat(32),
    check(value, what) {
      if (!isHexString(value, 32)) throw new InvalidInputError(`${what} "${value}" is not 0x and 64 hex digits`);
    },
  },
  ether: {
    label: "ETHER",
    describe: "an amount of ether, more than 0",
    example: "0.5",
    check(value, what) {
      let wei: bigint;
      try {
        wei = parseEther(value);
      } catch (cause) {
        throw new InvalidInputError(`${what} "${value}" must be a number of ether, such as 1 or 0.25`, { cause });
      }
      if (wei <= 0n) throw new InvalidInputError(`${what} "${value}" must be more than 0 ether`);
    },
  },
  price: {
    label: "PRICE",
    describe: "a price per pack in currency units, at most six decimals",
    example: "1.25",
    check(value, what) {
      try {
        parsePrice(value);
      } catch (cause) {
        throw named(what, value, cause);
      }
    },
  },
  currency: {
    label: "CURRENCY",
    describe: "an ISO 4217 currency code, three capital letters",
    example: "USD",
    check(value, what) {
      try {
        currencyToBytes3(value);
      } catch (cause) {
        throw named(what, value, cause);
      }
    },
  },
  country: {
    label: "XX",
    describe: "an ISO 3166-1 alpha-2 country code, two capital letters",
    example: "US",
    check(value, what) {
      try {
        jurisdictionToBytes2(value);
      } catch (cause) {
        throw named(what, value, cause);
      }
    },
  },
  role: {
    label: "ROLE",
    describe: "manufacturer, distributor, transporter or dispenser (also pharmacy, hospital, wholesaler, 3pl)",
    example: "pharmacy",
    check: (value, what) => void enumArg(Role, value, what, ROLES),
  },
  state: {
    label: "STATE",
    describe: `the EU FMD state: ${DECOMMISSION_STATES.map((s) => PackState[s].toLowerCase()).join(", ")}`,
    example: "destroyed",
    check: (value, what) => void enumArg(PackState, value, what, DECOMMISSION_STATES),
  },
  column: {
    label: "NAME|N",
    describe: "the serial column: its header, or its number counting from 1",
    example: "SN",
  },
  "env-name": {
    label: "NAME",
    describe: "the name of an environment variable",
    example: "PHARMACHAIN_PRIVATE_KEY",
    check(value, what) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value))
        throw new InvalidInputError(`${what} "${value}" is not an environment variable's name`);
    },
  },
  "company-prefix-length": {
    label: "N",
    describe: "the length of the GS1 company prefix in the GTINs and GLNs, 6 to 12",
    example: "7",
    check(value, what) {
      const n = bigintArg(value, what);
      if (n < 6n || n > 12n) throw new InvalidInputError(`${what} ${value} must be from 6 to 12`);
    },
  },
  "party-scheme": oneOf("sgln|pgln", ["sgln", "pgln"], "how parties are written: sgln (locations) or pgln (parties)"),
  tz: {
    label: "±HH:MM",
    describe: "the time zone offset written in the events",
    example: "+01:00",
    check(value, what) {
      if (!/^[+-](0\d|1[0-4]):[0-5]\d$/.test(value))
        throw new InvalidInputError(`${what} "${value}" is not a time zone offset such as +01:00 or -05:00`);
    },
  },
  database: {
    label: "DIR|memory://|postgres://…",
    describe: "where the service keeps its data: a PGlite folder, memory:// (nothing kept) or a PostgreSQL URL",
    example: "data/",
  },
  host: { label: "HOST", describe: "the interface to listen on", example: "127.0.0.1" },
  port: {
    label: "PORT",
    describe: "a TCP port, 1 to 65535, or 0 for any free port (the one taken is printed)",
    example: "8080",
    check(value, what) {
      const n = bigintArg(value, what);
      if (n < 0n || n > 65535n) throw new InvalidInputError(`${what} ${value} must be from 0 to 65535`);
    },
  },
  "history-kind": oneOf("lot|pack|shipment|order|stakeholder", ["lot", "pack", "shipment", "order", "stakeholder"]),
  "export-kind": oneOf("lot|pack|shipment", ["lot", "pack", "shipment"]),
  boolean: { label: "", describe: "a switch", example: "" },
};

/** The format an option has when its spec names none: the same name means the same thing in every command. */
export const OPTION_FORMATS: Record<string, string> = {
  rpc: "url",
  deployment: "path",
  keystore: "file",
  "password-file": "password-file",
  "key-env": "env-name",
  "chain-id": "chain-id",
  gln: "gln",
  jurisdiction: "country",
  region: "country",
  "valid-until": "time",
  deadline: "time",
  "deliver-by": "time",
  role: "role",
  gtin: "gtin",
  manifest: "file",
  "manifest-dir": "dir",
  out: "out",
  column: "column",
  lot: "lot",
  expiry: "expiry",
  manufacturer: "address",
  regulator: "address",
  council: "address",
  seller: "address",
  buyer: "address",
  to: "address",
  via: "address",
  "batch-record": "file",
  "data-hash": "hash",
  "manufacturer-signature": "file",
  "regulator-signature": "file",
  signature: "file",
  attestation: "file",
  parties: "file",
  file: "file",
  range: "range",
  scans: "scans-file",
  order: "id",
  quantity: "quantity",
  price: "price",
  currency: "currency",
  state: "state",
  "max-runs": "whole",
  "from-block": "block",
  "block-range": "block",
  service: "url",
  amount: "ether",
  "admin-delay": "seconds",
  database: "database",
  host: "host",
  port: "port",
  "company-prefix-length": "company-prefix-length",
  "party-scheme": "party-scheme",
  tz: "tz",
};

/** What an option is for, when its spec says nothing. */
export const OPTION_HELP: Record<string, string> = {
  rpc: "the JSON-RPC endpoint (default $PHARMACHAIN_RPC, else http://127.0.0.1:8545)",
  deployment:
    "the deployment's addresses: a file of `pharmachain deploy`, an Ignition deployment folder or its " +
    "deployed_addresses.json (default $PHARMACHAIN_DEPLOYMENT, else deployments/chain-<id>.json, else " +
    "ignition/deployments/chain-<id>)",
  keystore:
    "the encrypted JSON keystore to sign with (password: --password-file, $PHARMACHAIN_KEYSTORE_PASSWORD or a prompt)",
  "password-file": "the keystore's password on the file's first line (for scripts; keep the file private)",
  "key-env": "development only: the environment variable holding a private key (default PHARMACHAIN_PRIVATE_KEY)",
  "chain-id": "the chain to sign for, offline (without --rpc)",
  json: "print one JSON document instead of text",
  quiet: "no progress on standard error",
  help: "this help",
  gln: "the GLN of the party's location",
  jurisdiction: "the country whose rules the party works under",
  region: "the country of the assignment",
  "valid-until": "until when the licence is valid",
  deadline: "until when the signatures may be submitted (default +7d)",
  "deliver-by": "the delivery date asked for (default: 30 days after the latest block)",
  licence: "the licence's reference, kept as its hash",
  metadata: "free description, kept as its hash",
  reason: "why, kept as its hash in the event",
  evidence: "what makes the packs suspect, kept as its hash",
  decision: "the decision's reference, kept as its hash",
  document: "the order's document reference, kept as its hash",
  confirmation: "the confirmation's reference, kept as its hash",
  terms: "the offer's terms, kept as their hash",
  notice: "the shipping notice's reference (ASN), kept as its hash",
  role: "the role applied for",
  gtin: "the product",
  manifest: "a lot's manifest, to find serials in",
  "manifest-dir": "a folder of manifests: every .json in it",
  out: "where to write",
  column: "which column of the file holds the serials",
  force: "replace the --out file when it exists",
  lot: "the lot",
  expiry: "the expiry date on the packs",
  manufacturer: "the manufacturer's account",
  regulator: "the regulator's account",
  council: "the governance council (default: the deploying account)",
  seller: "the seller's account",
  buyer: "the buyer's account",
  to: "the buyer's account",
  via: "the transporter's account, when one carries the shipment",
  "batch-record": "the batch record, hashed into the attestation",
  "data-hash": "the batch record's hash, when the file is not at hand",
  "manufacturer-signature": "the manufacturer's signature file (from lot sign)",
  "regulator-signature": "the regulator's signature file (from lot sign)",
  signature: "a signature file from lot sign",
  attestation: "an attestation file (from lot attest, or a dry run)",
  parties: "a JSON file mapping the document's GLNs (urn:epc:id:sgln:…) to accounts",
  file: "the serial list: a CSV or a manifest",
  range: "packs of a lot",
  scans: "the packs scanned, one a line",
  order: "the order the shipment fills",
  quantity: "the number of packs",
  price: "the price per pack (0: no contract price)",
  currency: "the price's currency",
  state: "the state the pack leaves the supply chain in",
  "max-runs": "how many runs of packs to read at most per lot",
  "from-block": "the first block to read events from",
  "block-range": "how many blocks a log query spans",
  service: "the PharmaChain service (default $PHARMACHAIN_SERVICE)",
  amount: "how much ether to send",
  "admin-delay": "the delay of an admin handover",
  database: "the service's database",
  host: "the interface the service listens on",
  port: "the port the service listens on",
  offline: "do not ask the node for balance and standing",
  "json-lines": "one JSON answer a line, as each scan is answered",
  "digital-link": "write packs as GS1 Digital Link URIs instead of EPC URIs",
  "company-prefix-length": "the length of the company prefix in EPC URIs (default: from the GS1 prefix table)",
  "party-scheme": "how parties are written",
  tz: "the time zone offset of the events (default +00:00)",
  "dry-run": "print the plan; send nothing",
};

/** Examples of options whose format's example would read oddly there. */
export const OPTION_EXAMPLES: Record<string, string> = {
  keystore: "keystore-manufacturer.json",
  "password-file": "password.txt",
  manifest: "manifest-L1.json",
  "batch-record": "batch-record-L1.pdf",
  "manufacturer-signature": "signature-manufacturer.json",
  "regulator-signature": "signature-regulator.json",
  signature: "signature-regulator.json",
  attestation: "attestation-L1.json",
  parties: "parties.json",
  file: "serials-L1.csv",
  out: "attestation-L1.json",
  "valid-until": "+365d",
  deadline: "+7d",
  "deliver-by": "2027-03-31",
  expiry: "271231",
  service: "http://127.0.0.1:8080",
  deployment: "deployments/chain-31337.json",
  licence: "'DEA RA0123456'",
  metadata: "'Example Pharma, plant 2'",
  reason: "'temperature excursion'",
  evidence: "'seal broken on case 17'",
  decision: "'case 2027-014 closed'",
  document: "PO-2027-0042",
  confirmation: "SO-2027-0042",
  terms: "'net 30 days'",
  notice: "ASN-2027-0042",
};

/** The format of option `name`. */
export function formatOf(name: string, spec: OptionSpec): Format {
  if (spec.type === "boolean") return FORMATS.boolean;
  const key = spec.format ?? OPTION_FORMATS[name] ?? "text";
  const format = FORMATS[key];
  if (!format) throw new Error(`option --${name}: no format "${key}"`);
  return format;
}

/** The format of a positional argument. */
export function argFormat(spec: ArgSpec): Format {
  const format = FORMATS[spec.format];
  if (!format) throw new Error(`argument ${spec.name}: no format "${spec.format}"`);
  return format;
}

/**
 * Checks the command line of `command` as parsed: every option given has its format, every required option and
 * argument is there, no argument is left over, then the command's own `check`. Throws a UsageError (exit 2) for
 * what is missing or extra, an InvalidInputError (exit 3) naming the argument for a malformed value, a NotFoundError
 * (exit 6) for a file that is not there. Reads nothing but the files named; opens no connection.
 */
export function checkArguments(command: Command, ctx: Context, globalOptions: Record<string, OptionSpec>): void {
  const options = { ...globalOptions, ...(command.options ?? {}) };
  for (const [name, spec] of Object.entries(options)) {
    const value = ctx.values[name];
    if (value === undefined) {
      if (spec.required) throw new UsageError(`--${name} ${formatOf(name, spec).label} is required`);
      continue;
    }
    if (spec.type === "boolean") continue;
    const format = formatOf(name, spec);
    for (const one of Array.isArray(value) ? value : [value]) format.check?.(String(one), `--${name}`);
  }
  if (command.args) {
    let i = 0;
    for (const spec of command.args) {
      const take = spec.rest ? ctx.args.slice(i) : ctx.args.slice(i, i + 1);
      if (take.length === 0 && !spec.optional) throw new UsageError(`missing ${spec.name}`);
      for (const value of take) argFormat(spec).check?.(value, spec.noun ?? spec.name);
      i += take.length;
    }
    if (ctx.args.length > i) throw new UsageError(`unexpected argument "${ctx.args[i]}"`);
  }
  command.check?.(ctx);
}

/** The lines of an option or argument in a command's help. */
function helpLines(
  head: string,
  help: string | undefined,
  format: Format,
  required: boolean,
  example?: string,
): string[] {
  const lines = [`  ${head}`];
  const what = [help, required ? "(required)" : undefined].filter(Boolean).join(" ");
  if (what) lines.push(`      ${what}`);
  if (format.label) lines.push(`      ${format.label}: ${format.describe}; e.g. ${example ?? format.example}`);
  return lines;
}

/** An example value of an option: its own, else its name's, else its format's. */
export function exampleOfOption(name: string, spec: OptionSpec): string {
  return (
    spec.example ?? (spec.format === undefined ? OPTION_EXAMPLES[name] : undefined) ?? formatOf(name, spec).example
  );
}

/** The help of one option, as `commandHelp` lists it. */
export function optionHelp(name: string, spec: OptionSpec): string[] {
  const format = formatOf(name, spec);
  const head = `${spec.short ? `-${spec.short}, ` : ""}--${name}${format.label ? ` ${format.label}` : ""}${spec.multiple ? " (repeatable)" : ""}`;
  return helpLines(head, spec.help ?? OPTION_HELP[name], format, spec.required === true, exampleOfOption(name, spec));
}

/** An example of `command`: its arguments and required options with their formats' examples, unless it has one. */
export function exampleOf(name: string, command: Command): string {
  if (command.example) return command.example;
  const words = [`pharmachain ${name}`];
  for (const a of command.args ?? []) if (!a.optional) words.push(a.example ?? argFormat(a).example);
  for (const [option, spec] of Object.entries(command.options ?? {}))
    if (spec.required) words.push(`--${option}`, exampleOfOption(option, spec));
  return words.join(" ");
}

/** A command's help: usage, summary, arguments and options (each with its format and an example), an example. */
export function commandHelp(name: string, command: Command, globalOptions: Record<string, OptionSpec>): string {
  const parts = [`pharmachain ${command.usage}`, `${command.summary[0].toUpperCase()}${command.summary.slice(1)}.`];
  if (command.args?.length) {
    parts.push(
      [
        "Arguments:",
        ...command.args.flatMap((a) =>
          helpLines(`${a.name}${a.rest ? " ..." : ""}`, a.help, argFormat(a), a.optional !== true, a.example),
        ),
      ].join("\n"),
    );
  }
  const own = Object.entries(command.options ?? {});
  if (own.length) parts.push(["Options:", ...own.flatMap(([n, s]) => optionHelp(n, s))].join("\n"));
  parts.push(`Example:\n  ${exampleOf(name, command)}`);
  parts.push(globalHelp(globalOptions));
  return parts.join("\n\n");
}

/** The options every command takes, from the parser's table. */
export function globalHelp(globalOptions: Record<string, OptionSpec>): string {
  return [
    "Options for every command:",
    ...Object.entries(globalOptions).flatMap(([n, s]) => optionHelp(n, s)),
    "  -V, --version",
    "      the tool's version",
  ].join("\n");
}
