/**
 * Verification of packs (DESIGN.md section 6): from what a scanner reads — `(gtin, serial, lot, expiry)`, a GS1
 * Digital Link or an element string — to the normative verdict, with the answer a DSCSA verification responder gives
 * (GS1 Lightweight Messaging Standard for Verification of Product Identifiers: `verified`,
 * `verificationFailureReason`, `additionalInfo`) and the EU hub's (NMVS) return code and pack status.
 */
import type { PackCustody } from "./contracts";
import { PackState, Verdict } from "./enums";
import { InvalidInputError } from "./errors";
import { gtin14, gtinToUint64, lotIdOf, parseScan } from "./gs1";
import { explainError } from "./revert";

/** What a scanner read from a pack. `expiresAt` (unix seconds) is checked against the lot's when given. */
export interface PackScan {
  gtin: bigint | string;
  serial: string;
  lotNumber: string;
  expiresAt?: bigint;
}

/** Anything that knows a lot's manifest: the SDK's `Manifest`, or an integrator's own store. */
export interface ManifestLookup {
  indexOf(serial: string): number | undefined;
  proof(serial: string): { index: number; proof: readonly string[] };
}

/** Finds the manifest of a lot (a local file, a resolver the manufacturer runs); undefined when unknown. */
export type ManifestResolver = (lotId: string) => ManifestLookup | undefined | Promise<ManifestLookup | undefined>;

/** The DSCSA verification response (GS1 Lightweight Messaging Standard, release 1.3). */
export interface DscsaResponse {
  verified: boolean;
  verificationFailureReason?:
    | "No_match_GTIN_Serial"
    | "No_match_GTIN_Serial_Lot"
    | "No_match_GTIN_Serial_Expiry"
    | "No_match_GTIN_Serial_Lot_Expiry"
    | "Not_for_re-distribution"
    | "No_reason_provided";
  additionalInfo?: "Expired" | "Recalled" | "Suspect" | "Illegitimate";
}

/** The EU hub's answer: an NMVS return code where the hub raises one, and the pack's status in its words. */
export interface EuHubResponse {
  returnCode: string | null;
  packStatus: string;
}

export interface VerificationReport {
  gtin: string;
  serial: string;
  lotNumber: string;
  lotId: string;
  /** The pack's place in the lot's manifest, when the manifest knows the serial. */
  index?: number;
  verdict: Verdict;
  /** `verified`, or the reason in words. */
  verdictName: string;
  verified: boolean;
  state: PackState;
  holder: string;
  shipmentId: bigint;
  decommissionedAt: bigint;
  manufacturer: string;
  manufacturerSigner: string;
  regulatorSigner: string;
  commissionedAt: bigint;
  releasedAt: bigint;
  recalledAt: bigint;
  expiresAt: bigint;
  dscsa: DscsaResponse;
  eu: EuHubResponse;
  /** One sentence for the person holding the pack. */
  message: string;
}

const VERDICT_NAMES: Record<Verdict, string> = {
  [Verdict.Verified]: "verified",
  [Verdict.UnknownProduct]: "unknown product",
  [Verdict.UnknownLot]: "unknown lot",
  [Verdict.UnknownSerial]: "unknown serial",
  [Verdict.LotOrExpiryMismatch]: "lot or expiry mismatch",
  [Verdict.LotNotReleased]: "lot not released",
  [Verdict.Recalled]: "recalled",
  [Verdict.Expired]: "expired",
  [Verdict.Illegitimate]: "illegitimate",
  [Verdict.Suspect]: "suspect",
  [Verdict.Decommissioned]: "decommissioned",
};

/** The EU hub's pack status for a decommissioned pack's state. */
const EU_DECOMMISSIONED: Partial<Record<PackState, string>> = {
  [PackState.Dispensed]: "INACTIVE (SUPPLIED)",
  [PackState.Destroyed]: "INACTIVE (DESTROYED)",
  [PackState.Exported]: "INACTIVE (EXPORTED)",
  [PackState.Sample]: "INACTIVE (SAMPLE)",
  [PackState.FreeSample]: "INACTIVE (FREE SAMPLE)",
  [PackState.Stolen]: "INACTIVE (STOLEN)",
  [PackState.Locked]: "INACTIVE (LOCKED)",
};

/**
 * The DSCSA and EU answers for a verdict. DSCSA: a product identifier that matches is `verified: true` even when the
 * manufacturer adds `Recalled` or `Expired` (as the standard's scenarios do); suspect, illegitimate, unreleased and
 * decommissioned packs are `Not_for_re-distribution`. EU: unknown product `NMVS_NC_PC_01`, unknown batch
 * `NMVS_FE_LOT_03`, unknown serial `NMVS_NC_PC_02`, expiry mismatch `NMVS_FE_LOT_12`, an inactive pack
 * `NMVS_NC_PCK_22` (the alert a second decommission raises).
 */
export function responsesFor(verdict: Verdict, state: PackState): { dscsa: DscsaResponse; eu: EuHubResponse } {
  switch (verdict) {
    case Verdict.Verified:
      return { dscsa: { verified: true }, eu: { returnCode: null, packStatus: "ACTIVE" } };
    case Verdict.UnknownProduct:
      return {
        dscsa: { verified: false, verificationFailureReason: "No_match_GTIN_Serial" },
        eu: { returnCode: "NMVS_NC_PC_01", packStatus: "UNKNOWN" },
      };
    case Verdict.UnknownLot:
      return {
        dscsa: { verified: false, verificationFailureReason: "No_match_GTIN_Serial_Lot" },
        eu: { returnCode: "NMVS_FE_LOT_03", packStatus: "UNKNOWN" },
      };
    case Verdict.UnknownSerial:
      return {
        dscsa: { verified: false, verificationFailureReason: "No_match_GTIN_Serial" },
        eu: { returnCode: "NMVS_NC_PC_02", packStatus: "UNKNOWN" },
      };
    case Verdict.LotOrExpiryMismatch:
      return {
        dscsa: { verified: false, verificationFailureReason: "No_match_GTIN_Serial_Expiry" },
        eu: { returnCode: "NMVS_FE_LOT_12", packStatus: "UNKNOWN" },
      };
    case Verdict.LotNotReleased:
      return {
        dscsa: { verified: false, verificationFailureReason: "Not_for_re-distribution" },
        eu: { returnCode: null, packStatus: "INACTIVE (BATCH NOT RELEASED)" },
      };
    case Verdict.Recalled:
      return {
        dscsa: { verified: true, additionalInfo: "Recalled" },
        eu: { returnCode: null, packStatus: "INACTIVE (BATCH RECALLED)" },
      };
    case Verdict.Expired:
      return {
        dscsa: { verified: true, additionalInfo: "Expired" },
        eu: { returnCode: null, packStatus: "INACTIVE (EXPIRED)" },
      };
    case Verdict.Illegitimate:
      return {
        dscsa: { verified: false, verificationFailureReason: "Not_for_re-distribution", additionalInfo: "Illegitimate" },
        eu: { returnCode: null, packStatus: "INACTIVE (LOCKED: ILLEGITIMATE)" },
      };
    case Verdict.Suspect:
      return {
        dscsa: { verified: false, verificationFailureReason: "Not_for_re-distribution", additionalInfo: "Suspect" },
        eu: { returnCode: null, packStatus: "ACTIVE (QUARANTINED: SUSPECT)" },
      };
    case Verdict.Decommissioned:
      return {
        dscsa: { verified: false, verificationFailureReason: "Not_for_re-distribution" },
        eu: { returnCode: "NMVS_NC_PCK_22", packStatus: EU_DECOMMISSIONED[state] ?? "INACTIVE" },
      };
  }
}

function day(seconds: bigint): string {
  return new Date(Number(seconds) * 1000).toISOString().slice(0, 10);
}

/** The last day a pack may be used: `expiresAt` is the first second after it. */
function lastDay(expiresAt: bigint): string {
  return day(expiresAt - 1n);
}

function messageFor(r: Omit<VerificationReport, "message">): string {
  const pack = `pack ${r.serial} of lot ${r.lotNumber} (GTIN ${r.gtin})`;
  switch (r.verdict) {
    case Verdict.Verified:
      return `Genuine: ${pack} is active and may be supplied (use by ${lastDay(r.expiresAt)}).`;
    case Verdict.UnknownProduct:
      return `Do not supply: GTIN ${r.gtin} is not a product registered on PharmaChain.`;
    case Verdict.UnknownLot:
      return `Do not supply: lot ${r.lotNumber} of GTIN ${r.gtin} was never commissioned.`;
    case Verdict.UnknownSerial:
      return `Do not supply: serial ${r.serial} is not in lot ${r.lotNumber}'s manifest — the code may be falsified.`;
    case Verdict.LotOrExpiryMismatch:
      return `Do not supply: the expiry or product on ${pack} does not match the lot's record (use by ${lastDay(r.expiresAt)}).`;
    case Verdict.LotNotReleased:
      return `Do not supply: lot ${r.lotNumber} has not been released by the regulator.`;
    case Verdict.Recalled:
      return `Do not supply: lot ${r.lotNumber} was recalled on ${day(r.recalledAt)}.`;
    case Verdict.Expired:
      return `Do not supply: ${pack} expired at the end of ${lastDay(r.expiresAt)}.`;
    case Verdict.Illegitimate:
      return `Do not supply: the regulator confirmed ${pack} illegitimate. Quarantine it and report it.`;
    case Verdict.Suspect:
      return `Do not supply: ${pack} is quarantined as suspect pending the regulator's decision.`;
    case Verdict.Decommissioned:
      return `Do not supply: ${pack} was already ${PackState[r.state].toLowerCase()} on ${day(r.decommissionedAt)} — this code may be a clone. Report it.`;
  }
}

/** Reads a scan: a Digital Link URI, an element string, a DataMatrix payload, or fields already split. */
export function toPackScan(input: PackScan | string): PackScan {
  if (typeof input !== "string") return input;
  const read = parseScan(input);
  if (!read.serial) throw new InvalidInputError(`the scan "${input}" has no serial number (AI 21)`);
  if (!read.lot) throw new InvalidInputError(`the scan "${input}" has no lot number (AI 10): a pack needs it to be verified`);
  return { gtin: read.gtin, serial: read.serial, lotNumber: read.lot, expiresAt: read.expiresAt };
}

export interface VerifyOptions {
  /** Where manifests come from; a serial missing from its manifest is verified as unknown. */
  manifests: ManifestResolver;
  /** Packs per `verifyBatch` call (default 200). */
  batchSize?: number;
  /** Called after each batch. */
  onProgress?: (done: number, total: number) => void;
  /** Run starts to pass as hints, by lot id (for example from `client.runs`); otherwise the contract looks them up. */
  hints?: (lotId: string, index: number) => number | undefined;
}

type Reader = Pick<PackCustody, "verifyBatch">;

/** Verifies many packs with `verifyBatch`, in batches, and returns a report for each, in order. */
export async function verifyPacks(
  custody: Reader,
  inputs: readonly (PackScan | string)[],
  options: VerifyOptions,
): Promise<VerificationReport[]> {
  const scans = inputs.map(toPackScan);
  const prepared = await Promise.all(
    scans.map(async (scan) => {
      const gtin = typeof scan.gtin === "bigint" ? scan.gtin : gtinToUint64(scan.gtin);
      const lotId = lotIdOf(gtin, scan.lotNumber);
      const manifest = await options.manifests(lotId);
      const index = manifest?.indexOf(scan.serial);
      const proof = index === undefined ? [] : [...manifest!.proof(scan.serial).proof];
      const hint = index === undefined ? 0 : (options.hints?.(lotId, index) ?? 0);
      return {
        scan,
        gtin,
        lotId,
        index,
        query: { lotId, index: index ?? 0, serial: scan.serial, proof, gtin, expiresAt: scan.expiresAt ?? 0n, hint },
      };
    }),
  );
  const batchSize = options.batchSize ?? 200;
  const reports: VerificationReport[] = [];
  for (let from = 0; from < prepared.length; from += batchSize) {
    const chunk = prepared.slice(from, from + batchSize);
    let results;
    try {
      results = await custody.verifyBatch(chunk.map((p) => p.query));
    } catch (error) {
      throw explainError(error);
    }
    results.forEach((v, i) => {
      const p = chunk[i];
      const verdict = Number(v.verdict) as Verdict;
      const state = Number(v.state) as PackState;
      const base = {
        gtin: gtin14(p.gtin),
        serial: p.scan.serial,
        lotNumber: p.scan.lotNumber,
        lotId: p.lotId,
        ...(p.index === undefined ? {} : { index: p.index }),
        verdict,
        verdictName: VERDICT_NAMES[verdict],
        verified: verdict === Verdict.Verified,
        state,
        holder: v.holder,
        shipmentId: v.shipmentId,
        decommissionedAt: v.decommissionedAt,
        manufacturer: v.manufacturer,
        manufacturerSigner: v.manufacturerSigner,
        regulatorSigner: v.regulatorSigner,
        commissionedAt: v.commissionedAt,
        releasedAt: v.releasedAt,
        recalledAt: v.recalledAt,
        expiresAt: v.expiresAt,
        ...responsesFor(verdict, state),
      };
      reports.push({ ...base, message: messageFor(base) });
    });
    options.onProgress?.(Math.min(from + batchSize, prepared.length), prepared.length);
  }
  return reports;
}

/** Verifies one pack. */
export async function verifyPack(
  custody: Reader,
  input: PackScan | string,
  options: VerifyOptions,
): Promise<VerificationReport> {
  const [report] = await verifyPacks(custody, [input], options);
  return report;
}
