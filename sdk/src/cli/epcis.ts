/**
 * `pharmachain epcis export` and `pharmachain epcis import`: the command objects, for the command table of `main.ts`
 * (the shared option readers and network access are in `common.ts`).
 */
import fs from "fs";
import path from "path";
import { getAddress, isAddress } from "ethers";
import { InvalidInputError } from "../errors";
import { UsageError } from "./usage";
import { PharmaChainClient } from "../client";
import { Manifest } from "../manifest";
import {
  EpcisExportOptions,
  EpcisExportTarget,
  ShippingNotice,
  checkImportPlan,
  describeImportPlan,
  executeEpcisImport,
  exportEpcis,
  planEpcisImport,
  shippingNoticeHash,
  toShippingNotice,
} from "../epcis";
import { loadWallet } from "./keys";
import {
  Command,
  Context,
  Outcome,
  lotArg,
  networkOf,
  progress,
  provider,
  readClient,
  readJson,
  resolveDeployment,
  str,
  strs,
  toJson,
} from "./common";

/** The shapes of `main.ts`'s command table. */
export type EpcisCommandContext = Context;
export type EpcisCommandOutcome = Outcome;
export type EpcisCommand = Command;

/** `pharmachain epcis export lot LOT | pack LOT:INDEX | shipment ID`. */
export const epcisExportCommand: EpcisCommand = {
  summary: "export the history of a lot, a pack or a shipment as an EPCIS 2.0 JSON-LD document (validated against the official schema)",
  usage:
    "epcis export lot LOT | pack LOT:INDEX | shipment ID  [--out FILE] [--digital-link] [--manifest [LOT=]FILE]... [--notice FILE]... [--company-prefix-length N] [--party-scheme sgln|pgln] [--tz ±hh:mm] [--from-block N] [--block-range N]",
  options: {
    out: { type: "string" },
    "digital-link": { type: "boolean" },
    manifest: { type: "string", multiple: true },
    notice: { type: "string", multiple: true },
    "company-prefix-length": { type: "string" },
    "party-scheme": { type: "string" },
    tz: { type: "string" },
    "from-block": { type: "string" },
    "block-range": { type: "string" },
  },
  async run(ctx) {
    const [kind, what] = ctx.args;
    if (!kind || !what) throw new UsageError("give what to export: lot LOT, pack LOT:INDEX or shipment ID");
    let target: EpcisExportTarget;
    if (kind === "lot") target = { kind: "lot", lotId: lotArg(what) };
    else if (kind === "pack") {
      const m = /^(.+):(\d+)$/.exec(what);
      if (!m) throw new InvalidInputError("give the pack as LOT:INDEX");
      target = { kind: "pack", lotId: lotArg(m[1]), index: Number(m[2]) };
    } else if (kind === "shipment") {
      if (!/^\d+$/.test(what)) throw new InvalidInputError(`shipment "${what}" must be a whole number`);
      target = { kind: "shipment", shipmentId: BigInt(what) };
    } else throw new UsageError(`export of "${kind}"? use lot, pack or shipment`);

    const manifests = new Map<string, Manifest>();
    for (const spec of strs(ctx, "manifest")) {
      const eq = spec.indexOf("=");
      const file = eq > 0 ? spec.slice(eq + 1) : spec;
      const manifest = await Manifest.fromFile(file);
      const lotId = eq > 0 ? lotArg(spec.slice(0, eq)) : (manifest.metadata.lotId ?? (target.kind !== "shipment" ? target.lotId : undefined));
      if (!lotId) throw new InvalidInputError(`manifest ${file} names no lot: give it as LOT=FILE`);
      manifests.set(lotId.toLowerCase(), manifest);
    }
    const notices = new Map<string, ShippingNotice>();
    for (const file of strs(ctx, "notice")) {
      const notice = toShippingNotice(readJson(file, "notice"), file);
      notices.set(shippingNoticeHash(notice).toLowerCase(), notice);
    }
    const cpl = str(ctx, "company-prefix-length");
    const scheme = str(ctx, "party-scheme");
    if (scheme !== undefined && scheme !== "sgln" && scheme !== "pgln") throw new InvalidInputError("--party-scheme is sgln or pgln");
    const options: EpcisExportOptions = {
      manifests,
      notices,
      digitalLink: ctx.values["digital-link"] === true,
      ...(cpl ? { companyPrefixLength: Number(cpl) } : {}),
      ...(scheme ? { partyScheme: scheme } : {}),
      ...(str(ctx, "tz") ? { timeZoneOffset: str(ctx, "tz") } : {}),
      history: {
        ...(str(ctx, "from-block") ? { fromBlock: Number(str(ctx, "from-block")) } : {}),
        ...(str(ctx, "block-range") ? { blockRange: Number(str(ctx, "block-range")) } : {}),
      },
    };
    const client = await readClient(ctx);
    const result = await exportEpcis(client, target, options);
    for (const w of result.warnings) progress(ctx, `warning: ${w}`);
    for (const s of result.skipped) progress(ctx, `not exported: ${s.name} (tx ${s.transactionHash}, log ${s.logIndex}): ${s.reason}`);
    const out = str(ctx, "out");
    const text = toJson(result.document);
    const count = result.document.epcisBody.eventList.length;
    if (out) {
      fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
      fs.writeFileSync(out, text + "\n");
      return {
        lines: [`${count} EPCIS events written to ${out} (${result.skipped.length} on-chain events without an EPCIS counterpart)`],
        json: { file: out, events: count, skipped: result.skipped, warnings: result.warnings },
      };
    }
    return { lines: [text], json: result.document };
  },
};

/** `pharmachain epcis import FILE [--dry-run]`. */
export const epcisImportCommand: EpcisCommand = {
  summary: "import an EPCIS 2.0 JSON-LD document as lots, shipments and decommissions (--dry-run: print the plan only)",
  usage: "epcis import FILE [--dry-run] [--parties FILE] [--manufacturer ADDRESS] [--regulator ADDRESS] [--out DIR]",
  options: {
    "dry-run": { type: "boolean" },
    parties: { type: "string" },
    manufacturer: { type: "string" },
    regulator: { type: "string" },
    out: { type: "string" },
  },
  async run(ctx) {
    const file = ctx.args[0];
    if (!file) throw new UsageError("give the EPCIS document: epcis import FILE");
    if (!fs.existsSync(file)) throw new InvalidInputError(`no EPCIS document at ${file}`);
    const partiesFile = str(ctx, "parties");
    const parties = partiesFile ? (readJson(partiesFile, "parties") as Record<string, string>) : {};
    for (const name of ["manufacturer", "regulator"]) {
      const v = str(ctx, name);
      if (v !== undefined && !isAddress(v)) throw new InvalidInputError(`--${name} "${v}" is not an Ethereum address`);
    }
    const dryRun = ctx.values["dry-run"] === true;
    const p = provider(ctx);
    let client: PharmaChainClient | undefined;
    let chainTime: number | undefined;
    try {
      client = await PharmaChainClient.connect({ runner: p, deployment: await resolveDeployment(ctx, await networkOf(p)) });
      chainTime = (await p.getBlock("latest"))?.timestamp;
    } catch (error) {
      if (!dryRun) throw error;
      progress(ctx, `planning without the chain: ${(error as Error).message.split("\n")[0]}`);
    }
    const plan = planEpcisImport(fs.readFileSync(file, "utf8"), {
      parties,
      ...(str(ctx, "manufacturer") ? { manufacturer: str(ctx, "manufacturer") } : {}),
      ...(str(ctx, "regulator") ? { regulator: str(ctx, "regulator") } : {}),
      ...(chainTime !== undefined ? { now: chainTime } : {}),
    });
    if (client) await checkImportPlan(plan, client);
    if (dryRun) return { lines: describeImportPlan(plan), json: plan };

    const wallet = await loadWallet({ keystore: str(ctx, "keystore"), keyEnv: str(ctx, "key-env") }, p);
    const me = getAddress(wallet.address);
    const result = await executeEpcisImport(plan, client!, {
      signerFor: (address) => (getAddress(address) === me ? wallet : undefined),
      onStep: (s) => progress(ctx, `step ${s.step} ${s.kind}: ${s.status}${s.reason ? ` (${s.reason})` : ""}`),
    });
    const out = str(ctx, "out");
    if (out) {
      fs.mkdirSync(out, { recursive: true });
      for (const lot of plan.lots) {
        const manifest = Manifest.fromSerials(lot.serials, { metadata: { gtin: lot.gtin, lotNumber: lot.lotNumber } });
        fs.writeFileSync(path.join(out, `manifest-${lot.gtin}-${lot.lotNumber}.json`), toJson(manifest.toJSON()) + "\n");
      }
      for (const op of plan.operations) {
        if (op.notice) fs.writeFileSync(path.join(out, `notice-${op.noticeHash}.json`), toJson(op.notice) + "\n");
      }
    }
    const failed = result.steps.some((s) => s.status === "failed");
    return {
      lines: [
        ...describeImportPlan(plan),
        "",
        ...result.steps.map((s) => `step ${s.step} ${s.kind}: ${s.status}${s.reason ? ` — ${s.reason}` : ""}${s.tx ? ` (tx ${s.tx.hash})` : ""}`),
        ...(out ? [`manifests and shipping notices written to ${out}`] : []),
      ],
      json: { plan, steps: result.steps, shipments: Object.fromEntries(result.shipments) },
      exitCode: failed ? 5 : 0,
    };
  },
};

/** The commands to add to the CLI's table. */
export const EPCIS_COMMANDS: Record<string, EpcisCommand> = {
  "epcis export": epcisExportCommand,
  "epcis import": epcisImportCommand,
};
