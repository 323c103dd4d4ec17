/**
 * `pharmachain epcis export` and `pharmachain epcis import`: the command objects, for the command table of `main.ts`
 * (the shared option readers and network access are in `common.ts`).
 */
import fs from "fs";
import path from "path";
import { getAddress, isAddress } from "ethers";
import { InvalidInputError, NotFoundError } from "../errors";
import { UsageError } from "./usage";
import { PharmaChainClient } from "../client";
import { Manifest } from "../manifest";
import type { LotAttestation } from "../attestation";
import {
  EpcisExportOptions,
  EpcisExportTarget,
  ShippingNotice,
  checkImportPlan,
  describeImportPlan,
  executeEpcisImport,
  exportEpcis,
  importAttestation,
  attestationMismatch,
  ImportSignature,
  PlannedLot,
  planEpcisImport,
  shippingNoticeHash,
  toShippingNotice,
} from "../epcis";
import { loadWallet } from "./keys";
import { FORMATS } from "./formats";
import { ManifestShelf, packAt } from "./packs";
import {
  Command,
  Context,
  Outcome,
  keySource,
  lotArg,
  networkOf,
  progress,
  provider,
  readClient,
  readJson,
  resolveDeployment,
  attestationFromJson,
  signatureFromJson,
  str,
  strs,
  timeArg,
  toJson,
  writeJson,
} from "./common";

/** The shapes of `main.ts`'s command table. */
export type EpcisCommandContext = Context;
export type EpcisCommandOutcome = Outcome;
export type EpcisCommand = Command;

/** A whole-number option (`--from-block N`, as `history` reads it), refused unless digits; undefined when not given. */
function wholeNumber(ctx: Context, name: string): number | undefined {
  const v = str(ctx, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new InvalidInputError(`--${name} "${v}" must be a whole number`);
  return Number(v);
}

/** The exit code of a refusal (the README's table: 5, refused by the contracts or the plan's checks). */
const EXIT_REFUSED = 5;

/** `pharmachain epcis export lot LOT | pack PACK | shipment ID` (a pack as `packAt` reads it). */
export const epcisExportCommand: EpcisCommand = {
  summary:
    "export the history of a lot, a pack or a shipment as an EPCIS 2.0 JSON-LD document (validated against the official schema)",
  usage:
    "epcis export lot LOT | pack PACK | shipment ID  [--out FILE] [--digital-link] [--manifest [LOT=]FILE]... [--notice FILE]... [--company-prefix-length N] [--party-scheme sgln|pgln] [--tz ±hh:mm] [--from-block N] [--block-range N]",
  args: [
    { name: "KIND", format: "export-kind", help: "what to export" },
    { name: "TARGET", format: "text", help: "a LOT, a PACK or a shipment ID, by KIND", example: "00614141123452/L1" },
  ],
  check(ctx) {
    const [kind, target] = ctx.args;
    const format = { lot: "lot", pack: "pack", shipment: "id" }[kind];
    if (format) FORMATS[format].check?.(target, kind === "shipment" ? "shipment" : kind.toUpperCase());
  },
  options: {
    out: { type: "string" },
    "digital-link": { type: "boolean" },
    manifest: {
      type: "string",
      multiple: true,
      format: "manifest-spec",
      help: "a lot's manifest, to name its packs by serial (LOT= when the manifest does not name its lot)",
    },
    notice: { type: "string", multiple: true, format: "file", help: "a shipping notice file (from epcis import)" },
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
      const pack = await packAt(what, new ManifestShelf(ctx));
      target = { kind: "pack", lotId: pack.lotId, index: pack.index };
    } else if (kind === "shipment") {
      if (!/^\d+$/.test(what)) throw new InvalidInputError(`shipment "${what}" must be a whole number`);
      target = { kind: "shipment", shipmentId: BigInt(what) };
    } else throw new UsageError(`export of "${kind}"? use lot, pack or shipment`);

    const manifests = new Map<string, Manifest>();
    for (const spec of strs(ctx, "manifest")) {
      const eq = spec.indexOf("=");
      const file = eq > 0 ? spec.slice(eq + 1) : spec;
      const manifest = await Manifest.fromFile(file);
      const lotId =
        eq > 0
          ? lotArg(spec.slice(0, eq))
          : (manifest.metadata.lotId ?? (target.kind !== "shipment" ? target.lotId : undefined));
      if (!lotId) throw new InvalidInputError(`manifest ${file} names no lot: give it as LOT=FILE`);
      manifests.set(lotId.toLowerCase(), manifest);
    }
    const notices = new Map<string, ShippingNotice>();
    for (const file of strs(ctx, "notice")) {
      const notice = toShippingNotice(readJson(file, "notice"), file);
      notices.set(shippingNoticeHash(notice).toLowerCase(), notice);
    }
    const cpl = wholeNumber(ctx, "company-prefix-length");
    const fromBlock = wholeNumber(ctx, "from-block");
    const blockRange = wholeNumber(ctx, "block-range");
    const scheme = str(ctx, "party-scheme");
    if (scheme !== undefined && scheme !== "sgln" && scheme !== "pgln")
      throw new InvalidInputError("--party-scheme is sgln or pgln");
    const options: EpcisExportOptions = {
      manifests,
      notices,
      digitalLink: ctx.values["digital-link"] === true,
      ...(cpl !== undefined ? { companyPrefixLength: cpl } : {}),
      ...(scheme ? { partyScheme: scheme } : {}),
      ...(str(ctx, "tz") ? { timeZoneOffset: str(ctx, "tz") } : {}),
      history: {
        ...(fromBlock !== undefined ? { fromBlock } : {}),
        ...(blockRange !== undefined ? { blockRange } : {}),
      },
    };
    const client = await readClient(ctx);
    const result = await exportEpcis(client, target, options);
    for (const w of result.warnings) progress(ctx, `warning: ${w}`);
    for (const s of result.skipped)
      progress(ctx, `not exported: ${s.name} (tx ${s.transactionHash}, log ${s.logIndex}): ${s.reason}`);
    const out = str(ctx, "out");
    const text = toJson(result.document);
    const count = result.document.epcisBody.eventList.length;
    if (out) {
      fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
      fs.writeFileSync(out, text + "\n");
      return {
        lines: [
          `${count} EPCIS events written to ${out} (${result.skipped.length} on-chain events without an EPCIS counterpart)`,
        ],
        json: { file: out, events: count, skipped: result.skipped, warnings: result.warnings },
      };
    }
    return { lines: [text], json: result.document };
  },
};

/** The attestation file a dry run writes for a planned lot. */
function attestationFile(dir: string, lot: { gtin: string; lotNumber: string }): string {
  return path.join(dir, `attestation-${lot.gtin}-${lot.lotNumber.replace(/[^A-Za-z0-9._-]/g, "_")}.json`);
}

function isoOf(seconds: bigint): string {
  return new Date(Number(seconds) * 1000).toISOString();
}

/** The attestation already at `file` when it is the planned lot's and still valid at `now`; otherwise undefined. */
function keptAttestation(
  file: string,
  lot: PlannedLot,
  manufacturer: string,
  now: bigint,
  serialsRoot: string,
): LotAttestation | undefined {
  try {
    const a = attestationFromJson(readJson(file, "attestation"), file);
    return attestationMismatch(a, lot, manufacturer, serialsRoot) === undefined && a.deadline > now ? a : undefined;
  } catch {
    return undefined;
  }
}

/** A `lot sign` signature file, with the lot it signs. */
function importSignatureFromJson(file: string): ImportSignature {
  const { signer, signature } = signatureFromJson(file);
  const lotId = (readJson(file, "signature") as Record<string, unknown>).lotId;
  if (typeof lotId !== "string")
    throw new InvalidInputError(`${file} names no lotId: make it with pharmachain lot sign ATTESTATION.json`);
  return { lotId, signer, signature };
}

/** `pharmachain epcis import FILE [--dry-run]`. */
export const epcisImportCommand: EpcisCommand = {
  summary:
    "import an EPCIS document (2.0 JSON-LD or 1.x XML) as lots, shipments and decommissions (--dry-run: print the plan, and with --out write the lots' attestations for the regulator to sign)",
  usage:
    "epcis import FILE [--dry-run] [--parties FILE] [--manufacturer ADDRESS] [--regulator ADDRESS] [--out DIR] [--deadline TIME] [--attestation FILE]... [--signature FILE]...",
  args: [{ name: "FILE", format: "file", help: "the EPCIS document", noun: "EPCIS document" }],
  check(ctx) {
    if (ctx.values["dry-run"] === true && (strs(ctx, "attestation").length || strs(ctx, "signature").length)) {
      throw new UsageError("--attestation and --signature are for the import itself, not --dry-run");
    }
  },
  options: {
    "dry-run": { type: "boolean" },
    parties: { type: "string" },
    manufacturer: { type: "string" },
    regulator: { type: "string" },
    out: {
      type: "string",
      format: "out-dir",
      help: "where to write the attestations (--dry-run), or the manifests and notices (the import)",
    },
    deadline: { type: "string" },
    attestation: { type: "string", multiple: true },
    signature: { type: "string", multiple: true },
  },
  async run(ctx) {
    const file = ctx.args[0];
    if (!file) throw new UsageError("give the EPCIS document: epcis import FILE");
    if (!fs.existsSync(file)) throw new NotFoundError(`no EPCIS document at ${file}`);
    const partiesFile = str(ctx, "parties");
    const parties = partiesFile ? (readJson(partiesFile, "parties") as Record<string, string>) : {};
    for (const name of ["manufacturer", "regulator"]) {
      const v = str(ctx, name);
      if (v !== undefined && !isAddress(v)) throw new InvalidInputError(`--${name} "${v}" is not an Ethereum address`);
    }
    const dryRun = ctx.values["dry-run"] === true;
    if (dryRun && (strs(ctx, "attestation").length || strs(ctx, "signature").length)) {
      throw new UsageError("--attestation and --signature are for the import itself, not --dry-run");
    }
    const attestations = strs(ctx, "attestation").map((f) => attestationFromJson(readJson(f, "attestation"), f));
    const signatures = strs(ctx, "signature").map(importSignatureFromJson);
    const deadlineText = str(ctx, "deadline");
    const deadline = deadlineText !== undefined ? timeArg(deadlineText, "--deadline") : undefined;
    const p = provider(ctx);
    let client: PharmaChainClient | undefined;
    let chainTime: number | undefined;
    try {
      client = await PharmaChainClient.connect({
        runner: p,
        deployment: await resolveDeployment(ctx, await networkOf(p)),
      });
      chainTime = (await p.getBlock("latest"))?.timestamp;
    } catch (error) {
      if (!dryRun) throw error;
      progress(ctx, `planning without the chain: ${(error as Error).message.split("\n")[0]}`);
    }
    const plan = planEpcisImport(fs.readFileSync(file), {
      parties,
      ...(str(ctx, "manufacturer") ? { manufacturer: str(ctx, "manufacturer") } : {}),
      ...(str(ctx, "regulator") ? { regulator: str(ctx, "regulator") } : {}),
      ...(chainTime !== undefined ? { now: chainTime } : {}),
    });
    if (client) await checkImportPlan(plan, client);
    const out = str(ctx, "out");

    if (dryRun) {
      const lines = describeImportPlan(plan);
      const written: string[] = [];
      if (out) {
        // What the parties sign, before anything is sent: the regulator signs these with `pharmachain lot sign`.
        fs.mkdirSync(out, { recursive: true });
        for (const op of plan.operations) {
          const lot = op.kind === "commissionLot" ? plan.lots.find((l) => l.lotId === op.lotId) : undefined;
          if (!lot) continue;
          const manufacturer = op.accounts[0].address;
          if (op.refused || !manufacturer) {
            lines.push(
              `no attestation for lot ${lot.lotNumber}: ${op.refused ?? "the manufacturer's account is unknown"}`,
            );
            continue;
          }
          const target = attestationFile(out, lot);
          const now = BigInt(chainTime ?? Math.floor(Date.now() / 1000));
          // An attestation written before may have been signed already: keep it while it is the lot's and valid.
          const root = Manifest.fromSerials(lot.serials).root;
          const kept = fs.existsSync(target) ? keptAttestation(target, lot, manufacturer, now, root) : undefined;
          if (kept && deadline === undefined) {
            lines.push(
              `attestation of lot ${lot.lotNumber} kept at ${target} (written before, valid until ${isoOf(kept.deadline)}; delete it or give --deadline for a new one)`,
            );
            written.push(target);
            continue;
          }
          const attestation = importAttestation(lot, manufacturer, deadline ?? now + 7n * 86400n, root);
          writeJson(target, attestation);
          written.push(target);
          lines.push(
            `attestation of lot ${lot.lotNumber} written to ${target} (valid until ${isoOf(attestation.deadline)})`,
          );
        }
        if (written.length)
          lines.push(
            "  each signer: pharmachain lot sign ATTESTATION --out SIGNATURE.json; then import with --attestation and --signature",
          );
      }
      // A plan whose every step would be refused is not a success: exit 5, as the import itself would end.
      const refusedAll = plan.operations.length > 0 && plan.operations.every((op) => op.refused);
      if (refusedAll) lines.push("every step would be refused: nothing of this document can be imported as it stands");
      return {
        lines,
        json: { ...plan, attestations: written },
        ...(refusedAll ? { exitCode: EXIT_REFUSED } : {}),
      };
    }

    const wallet = await loadWallet(keySource(ctx), p);
    const me = getAddress(wallet.address);
    const result = await executeEpcisImport(plan, client!, {
      signerFor: (address) => (getAddress(address) === me ? wallet : undefined),
      submitter: wallet,
      attestations,
      signatures,
      ...(deadline !== undefined ? { deadline } : {}),
      onStep: (s) => progress(ctx, `step ${s.step} ${s.kind}: ${s.status}${s.reason ? ` (${s.reason})` : ""}`),
    });
    // What the exporter needs later, for what was done: the manifests of the lots commissioned, the notices sent.
    const files: string[] = [];
    if (out) {
      fs.mkdirSync(out, { recursive: true });
      for (const lot of plan.lots) {
        const manifest = result.manifests.get(lot.lotId);
        if (!manifest) continue;
        const target = path.join(out, `manifest-${lot.gtin}-${lot.lotNumber.replace(/[^A-Za-z0-9._-]/g, "_")}.json`);
        fs.writeFileSync(target, toJson(manifest.toJSON()) + "\n");
        files.push(target);
      }
      for (const [hash, notice] of result.notices) {
        const target = path.join(out, `notice-${hash}.json`);
        fs.writeFileSync(target, toJson(notice) + "\n");
        files.push(target);
      }
    }
    for (const u of result.unused) progress(ctx, `warning: not used: ${u}`);
    const count = (status: string): number => result.steps.filter((s) => s.status === status).length;
    const [done, skipped, failed] = [count("done"), count("skipped"), count("failed")];
    const causes = new Set(result.steps.map((s) => s.cause));
    return {
      lines: [
        ...describeImportPlan(plan),
        "",
        ...result.steps.map(
          (s) =>
            `step ${s.step} ${s.kind}: ${s.status}${s.reason ? ` — ${s.reason}` : ""}${s.tx ? ` (tx ${s.tx.hash})` : ""}`,
        ),
        `${done} step(s) done, ${skipped} skipped, ${failed} failed`,
        ...result.unused.map((u) => `not used: ${u}`),
        ...(files.length ? [`written: ${files.join(", ")}`] : []),
      ],
      json: {
        plan,
        steps: result.steps,
        shipments: Object.fromEntries(result.shipments),
        files,
        unused: result.unused,
      },
      // 3: a given attestation or signature is wrong; 5: a step was refused (by the plan's checks or the contracts) or
      // failed; 8: steps were left for other keys (or wait on such a step); 0: every step done
      exitCode: causes.has("input")
        ? 3
        : causes.has("refused") || causes.has("contract")
          ? 5
          : skipped + failed > 0
            ? 8
            : 0,
    };
  },
};

/** The commands to add to the CLI's table. */
export const EPCIS_COMMANDS: Record<string, EpcisCommand> = {
  "epcis export": epcisExportCommand,
  "epcis import": epcisImportCommand,
};
