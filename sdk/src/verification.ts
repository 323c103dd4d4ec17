/**
 * Verification of packs (docs/ARCHITECTURE.md section 7): from what a scanner reads — `(gtin, serial, lot, expiry)`, a GS1
 * Digital Link or an element string — to the normative verdict, with the answer a DSCSA verification responder gives
 * (GS1 Lightweight Messaging Standard for Verification of Product Identifiers: `verified`,
 * `verificationFailureReason`, `additionalInfo`) and the EU hub's (NMVS) return code and pack status.
 */
import { FunctionFragment, Interface, ZeroAddress } from "ethers";
import type { IPackCustody, PackCustody, ProductLots } from "./contracts";
import { LotStatus, PackState, Verdict } from "./enums";
import { ConfigurationError, InvalidInputError } from "./errors";
import { Gtin, gtin14, gtinToUint64, lotIdOf, parseScan } from "./gs1";
import { explainError } from "./revert";

/** What a scanner read from a pack. `expiresAt` (unix seconds) is checked against the lot's when given. */
export interface PackScan {
  gtin: Gtin;
  serial: string;
  lotNumber: string;
  expiresAt?: bigint;
}

/**
 * Anything that knows a lot's manifest: the SDK's `Manifest`, or an integrator's own store. Its `root` is compared
 * with the lot's on-chain `serialsRoot` before its answers are used: a list with another root (another lot's, an
 * outdated draft) proves nothing about this lot.
 */
export interface ManifestLookup {
  /** The Merkle root of the serial list (0x and 64 hex digits). */
  readonly root: string;
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

/** The verdict name of a scan that could not be verified for want of the lot's serial list. */
export const CANNOT_VERIFY = "cannot verify";

export interface VerificationReport {
  gtin: string;
  serial: string;
  lotNumber: string;
  lotId: string;
  /** The pack's place in the lot's manifest, when the manifest knows the serial. */
  index?: number;
  /**
   * The contract's verdict; `null` when the pack could not be verified: the lot exists but the verifier does not hold
   * its serial list (none, or one whose root differs from the lot's `serialsRoot`), so no proof could be built.
   */
  verdict: Verdict | null;
  /** `verified`, the reason in words, or `cannot verify` ({@link CANNOT_VERIFY}). */
  verdictName: string;
  verified: boolean;
  /** True when the serial list needed to verify the pack was not available (then `verdict` is null). */
  cannotVerify: boolean;
  /** The pack's state; `Active` where no pack was located (unknown product, lot or serial; cannot verify). */
  state: PackState;
  /** The pack's holder; the zero address where no pack was located. */
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
  /** The lot's `serialsRoot`, where the lot exists. */
  serialsRoot?: string;
  dscsa: DscsaResponse;
  eu: EuHubResponse;
  /** One sentence for the person holding the pack. */
  message: string;
}

/** What the SDK says of a pack state: its name, and the EU hub's pack status when the pack is decommissioned in it. */
export interface PackStateRecord {
  /** The state in words, as a sentence uses it ("dispensed", "in transit"). */
  name: string;
  /** True for the EU FMD decommission states: the pack has left the supply chain. */
  decommissioned: boolean;
  /** The EU hub's pack status for a pack decommissioned in this state. */
  euStatus?: string;
}

/** One record per pack state (the single table the verdicts, the CLI and the service read). */
export const PACK_STATES: Readonly<Record<PackState, PackStateRecord>> = {
  [PackState.Active]: { name: "active", decommissioned: false },
  [PackState.InTransit]: { name: "in transit", decommissioned: false },
  [PackState.Suspect]: { name: "suspect", decommissioned: false },
  [PackState.Illegitimate]: { name: "illegitimate", decommissioned: false },
  [PackState.Dispensed]: { name: "dispensed", decommissioned: true, euStatus: "INACTIVE (SUPPLIED)" },
  [PackState.Destroyed]: { name: "destroyed", decommissioned: true, euStatus: "INACTIVE (DESTROYED)" },
  [PackState.Exported]: { name: "exported", decommissioned: true, euStatus: "INACTIVE (EXPORTED)" },
  [PackState.Sample]: { name: "sample", decommissioned: true, euStatus: "INACTIVE (SAMPLE)" },
  [PackState.FreeSample]: { name: "free sample", decommissioned: true, euStatus: "INACTIVE (FREE SAMPLE)" },
  [PackState.Stolen]: { name: "stolen", decommissioned: true, euStatus: "INACTIVE (STOLEN)" },
  [PackState.Locked]: { name: "locked", decommissioned: true, euStatus: "INACTIVE (LOCKED)" },
};

/** A report without its message, and the pack named as a sentence names it: what a verdict's message is made of. */
type MessageInput = Omit<VerificationReport, "message">;

/** What the SDK answers for one verdict: its name, the DSCSA and EU hub answers, and the pharmacist's sentence. */
export interface VerdictRecord {
  /** The verdict in words (`verdictName`). */
  name: string;
  /** The DSCSA verification response (GS1 Lightweight Messaging Standard, release 1.3). */
  dscsa: DscsaResponse;
  /** The EU hub's return code and pack status; `state` matters for a decommissioned pack. */
  eu(state: PackState): EuHubResponse;
  /** One sentence for the person holding the pack; `pack` names it. */
  message(r: MessageInput, pack: string): string;
}

const NOT_FOR_REDISTRIBUTION = "Not_for_re-distribution" as const;

/**
 * One record per verdict: name, DSCSA answer, EU answer and message together, so that a verdict cannot gain one answer
 * and miss another. DSCSA: a product identifier that matches is `verified: true` even when the manufacturer adds
 * `Recalled` or `Expired` (as the standard's scenarios do); suspect, illegitimate, unreleased and decommissioned packs
 * are `Not_for_re-distribution`. EU: unknown product `NMVS_NC_PC_01`, unknown batch `NMVS_FE_LOT_03`, unknown serial
 * `NMVS_NC_PC_02`, expiry mismatch `NMVS_FE_LOT_12`, an inactive pack `NMVS_NC_PCK_22` (the alert a second
 * decommission raises).
 */
export const VERDICTS: Readonly<Record<Verdict, VerdictRecord>> = {
  [Verdict.Verified]: {
    name: "verified",
    dscsa: { verified: true },
    eu: () => ({ returnCode: null, packStatus: "ACTIVE" }),
    message: (r, pack) => `Genuine: ${pack} is active and may be supplied (use by ${lastDay(r.expiresAt)}).`,
  },
  [Verdict.UnknownProduct]: {
    name: "unknown product",
    dscsa: { verified: false, verificationFailureReason: "No_match_GTIN_Serial" },
    eu: () => ({ returnCode: "NMVS_NC_PC_01", packStatus: "UNKNOWN" }),
    message: (r) => `Do not supply: GTIN ${r.gtin} is not a product registered on PharmaChain.`,
  },
  [Verdict.UnknownLot]: {
    name: "unknown lot",
    dscsa: { verified: false, verificationFailureReason: "No_match_GTIN_Serial_Lot" },
    eu: () => ({ returnCode: "NMVS_FE_LOT_03", packStatus: "UNKNOWN" }),
    message: (r) => `Do not supply: lot ${r.lotNumber} of GTIN ${r.gtin} was never commissioned.`,
  },
  [Verdict.UnknownSerial]: {
    name: "unknown serial",
    dscsa: { verified: false, verificationFailureReason: "No_match_GTIN_Serial" },
    eu: () => ({ returnCode: "NMVS_NC_PC_02", packStatus: "UNKNOWN" }),
    message: (r) =>
      `Do not supply: serial ${r.serial} is not in lot ${r.lotNumber}'s manifest — the code may be falsified.`,
  },
  [Verdict.LotOrExpiryMismatch]: {
    name: "lot or expiry mismatch",
    dscsa: { verified: false, verificationFailureReason: "No_match_GTIN_Serial_Expiry" },
    eu: () => ({ returnCode: "NMVS_FE_LOT_12", packStatus: "UNKNOWN" }),
    message: (r, pack) =>
      `Do not supply: the expiry or product on ${pack} does not match the lot's record (use by ${lastDay(r.expiresAt)}).`,
  },
  [Verdict.LotNotReleased]: {
    name: "lot not released",
    dscsa: { verified: false, verificationFailureReason: NOT_FOR_REDISTRIBUTION },
    eu: () => ({ returnCode: null, packStatus: "INACTIVE (BATCH NOT RELEASED)" }),
    message: (r) => `Do not supply: lot ${r.lotNumber} has not been released by the regulator.`,
  },
  [Verdict.Recalled]: {
    name: "recalled",
    dscsa: { verified: true, additionalInfo: "Recalled" },
    eu: () => ({ returnCode: null, packStatus: "INACTIVE (BATCH RECALLED)" }),
    message: (r) => `Do not supply: lot ${r.lotNumber} was recalled on ${day(r.recalledAt)}.`,
  },
  [Verdict.Expired]: {
    name: "expired",
    dscsa: { verified: true, additionalInfo: "Expired" },
    eu: () => ({ returnCode: null, packStatus: "INACTIVE (EXPIRED)" }),
    message: (r, pack) => `Do not supply: ${pack} expired at the end of ${lastDay(r.expiresAt)}.`,
  },
  [Verdict.Illegitimate]: {
    name: "illegitimate",
    dscsa: { verified: false, verificationFailureReason: NOT_FOR_REDISTRIBUTION, additionalInfo: "Illegitimate" },
    eu: () => ({ returnCode: null, packStatus: "INACTIVE (LOCKED: ILLEGITIMATE)" }),
    message: (_, pack) => `Do not supply: the regulator confirmed ${pack} illegitimate. Quarantine it and report it.`,
  },
  [Verdict.Suspect]: {
    name: "suspect",
    dscsa: { verified: false, verificationFailureReason: NOT_FOR_REDISTRIBUTION, additionalInfo: "Suspect" },
    eu: () => ({ returnCode: null, packStatus: "ACTIVE (QUARANTINED: SUSPECT)" }),
    message: (_, pack) => `Do not supply: ${pack} is quarantined as suspect pending the regulator's decision.`,
  },
  [Verdict.Decommissioned]: {
    name: "decommissioned",
    dscsa: { verified: false, verificationFailureReason: NOT_FOR_REDISTRIBUTION },
    eu: (state) => ({ returnCode: "NMVS_NC_PCK_22", packStatus: PACK_STATES[state].euStatus ?? "INACTIVE" }),
    message: (r, pack) =>
      `Do not supply: ${pack} was already ${PACK_STATES[r.state].name} on ${day(r.decommissionedAt)} — this code ` +
      "may be a clone. Report it.",
  },
};

/** The DSCSA and EU answers for a verdict (see {@link VERDICTS}). */
export function responsesFor(verdict: Verdict, state: PackState): { dscsa: DscsaResponse; eu: EuHubResponse } {
  const record = VERDICTS[verdict];
  return { dscsa: { ...record.dscsa }, eu: record.eu(state) };
}

function day(seconds: bigint): string {
  return new Date(Number(seconds) * 1000).toISOString().slice(0, 10);
}

/** The last day a pack may be used: `expiresAt` is the first second after it. */
function lastDay(expiresAt: bigint): string {
  return day(expiresAt - 1n);
}

function messageFor(r: MessageInput): string {
  const pack = `pack ${r.serial} of lot ${r.lotNumber} (GTIN ${r.gtin})`;
  if (r.verdict === null) {
    return (
      `Cannot verify ${pack}: the serial list of lot ${r.lotNumber} is not available here. This says nothing ` +
      `against the pack. Ask the manufacturer's verification responder, or load the lot's manifest (its root is ` +
      `${r.serialsRoot}).`
    );
  }
  return VERDICTS[r.verdict].message(r, pack);
}

/** Reads a scan: a Digital Link URI, an element string, a DataMatrix payload, or fields already split. */
export function toPackScan(input: PackScan | string): PackScan {
  if (typeof input !== "string") return input;
  const read = parseScan(input);
  if (!read.serial) throw new InvalidInputError(`the scan "${input}" has no serial number (AI 21)`);
  if (!read.lot)
    throw new InvalidInputError(`the scan "${input}" has no lot number (AI 10): a pack needs it to be verified`);
  return { gtin: read.gtin, serial: read.serial, lotNumber: read.lot, expiresAt: read.expiresAt };
}

export interface VerifyOptions {
  /**
   * Where serial lists come from. A list is used only when its root equals the lot's on-chain `serialsRoot`; without
   * such a list the answer is "cannot verify", never "unknown serial".
   */
  manifests: ManifestResolver;
  /** Packs per `verifyBatch` call (default 200). */
  batchSize?: number;
  /** Called after each batch. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Run starts to pass as hints, by lot id. The contract finds runs without them and ignores them (the field is kept
   * in its ABI for compatibility); kept here so that existing callers still compile.
   */
  hints?: (lotId: string, index: number) => number | undefined;
}

/** The two contracts a verifier reads: custody for verdicts, lots for each lot's `serialsRoot` (a client has both). */
export interface VerificationReaders {
  custody: Pick<PackCustody, "verifyBatch">;
  lots: Pick<ProductLots, "lot">;
}

type LotRecord = Awaited<ReturnType<ProductLots["lot"]>>;
type VerificationResults = Awaited<ReturnType<PackCustody["verifyBatch"]>>;

/** A scan prepared for the chain: its lot, its manifest's answer, and the query when a real proof could be built. */
interface Prepared {
  scan: PackScan;
  gtin: bigint;
  lotId: string;
  index?: number;
  /** The lot's `serialsRoot`, once read. */
  root?: string;
  /** Sent to `verifyBatch`: a real proof, or (for an unknown lot) a query that the contract answers before any proof. */
  query?: IPackCustody.PackQueryStruct;
  /** Answered here, from the lot's record: a serial missing from the lot's own list, or no usable list. */
  local?: { verdict: Verdict.UnknownSerial | null; lot: LotRecord };
}

/**
 * Verifies scans against the chain, keeping what does not change between scans: the `serialsRoot` of released lots
 * (a released lot's root is fixed for good; a pending lot can still be voided and its id reused). Use one verifier
 * for a stream of scans (a counter's scanner); {@link verifyPacks} makes one for a single batch.
 */
export class PackVerifier {
  private readonly releasedRoots = new Map<string, string>();
  private fragment?: FunctionFragment;

  constructor(
    private readonly readers: VerificationReaders,
    private readonly options: VerifyOptions,
  ) {
    if (typeof readers?.lots?.lot !== "function" || typeof readers?.custody?.verifyBatch !== "function") {
      throw new ConfigurationError(
        "verification reads two contracts: pass { custody, lots } (a PharmaChainClient has both), not custody alone",
      );
    }
  }

  /** Verifies many packs with `verifyBatch`, in batches, and returns a report for each, in order. */
  async verify(inputs: readonly (PackScan | string)[]): Promise<VerificationReport[]> {
    const scans = inputs.map(toPackScan);
    // one read of each lot per call, however many of its packs are scanned
    const reads = new Map<string, Promise<LotRecord>>();
    const prepared = await Promise.all(scans.map((scan) => this.prepare(scan, reads)));
    const batchSize = this.options.batchSize ?? 200;
    const reports: VerificationReport[] = [];
    for (let from = 0; from < prepared.length; from += batchSize) {
      const chunk = prepared.slice(from, from + batchSize);
      const queried = chunk.filter((p) => p.query !== undefined);
      let results: VerificationResults | undefined;
      if (queried.length > 0) {
        try {
          results = await this.verifyBatch(queried.map((p) => p.query!));
        } catch (error) {
          throw explainError(error);
        }
      }
      let next = 0;
      for (const p of chunk) {
        reports.push(p.query !== undefined ? chainReport(p, results![next++]) : localReport(p));
      }
      this.options.onProgress?.(Math.min(from + batchSize, prepared.length), prepared.length);
    }
    return reports;
  }

  /**
   * One `verifyBatch` call. A TypeChain contract is called through its runner with the call encoded directly (its
   * interface's fragment looked up once), which spares ethers' name resolution and argument checks on every scan;
   * any other reader is called as it is.
   */
  private async verifyBatch(queries: IPackCustody.PackQueryStruct[]): Promise<VerificationResults> {
    const custody = this.readers.custody as Partial<PackCustody>;
    const runner = custody.runner;
    if (custody.interface && typeof custody.target === "string" && typeof runner?.call === "function") {
      // the generic Interface: TypeChain's typed one takes names only
      const iface: Interface = custody.interface;
      const fragment = (this.fragment ??= iface.getFunction("verifyBatch")!);
      const raw = await runner.call({ to: custody.target, data: iface.encodeFunctionData(fragment, [queries]) });
      return iface.decodeFunctionResult(fragment, raw)[0] as VerificationResults;
    }
    return this.readers.custody.verifyBatch(queries);
  }

  /** Verifies one pack. */
  async verifyOne(input: PackScan | string): Promise<VerificationReport> {
    const [report] = await this.verify([input]);
    return report;
  }

  private async prepare(scan: PackScan, reads: Map<string, Promise<LotRecord>>): Promise<Prepared> {
    const gtin = typeof scan.gtin === "bigint" ? scan.gtin : gtinToUint64(scan.gtin);
    const lotId = lotIdOf(gtin, scan.lotNumber);
    const [manifest, known] = await Promise.all([this.options.manifests(lotId), this.releasedRoots.get(lotId)]);
    let root = known;
    let lot: LotRecord | undefined;
    if (root === undefined) {
      lot = await this.lotRecord(lotId, reads);
      // No lot: the contract answers "unknown product" or "unknown lot" before it looks at any proof.
      if (Number(lot.status) === LotStatus.None) return { scan, gtin, lotId, query: queryOf(scan, gtin, lotId) };
      root = lot.serialsRoot.toLowerCase();
      if (Number(lot.status) === LotStatus.Released) this.releasedRoots.set(lotId, root);
    }
    if (!manifest || manifest.root.toLowerCase() !== root) {
      return { scan, gtin, lotId, local: { verdict: null, lot: lot ?? (await this.lotRecord(lotId, reads)) } };
    }
    const index = manifest.indexOf(scan.serial);
    if (index === undefined) {
      return {
        scan,
        gtin,
        lotId,
        local: { verdict: Verdict.UnknownSerial, lot: lot ?? (await this.lotRecord(lotId, reads)) },
      };
    }
    const proof = [...manifest.proof(scan.serial).proof];
    const hint = this.options.hints?.(lotId, index) ?? 0;
    return { scan, gtin, lotId, index, root, query: { ...queryOf(scan, gtin, lotId), index, proof, hint } };
  }

  private lotRecord(lotId: string, reads: Map<string, Promise<LotRecord>>): Promise<LotRecord> {
    let read = reads.get(lotId);
    if (read === undefined) {
      read = this.readers.lots.lot(lotId).catch((error: unknown) => {
        throw explainError(error);
      });
      reads.set(lotId, read);
    }
    return read;
  }
}

function queryOf(scan: PackScan, gtin: bigint, lotId: string): NonNullable<Prepared["query"]> {
  return { lotId, index: 0, serial: scan.serial, proof: [], gtin, expiresAt: scan.expiresAt ?? 0n, hint: 0 };
}

function withMessage(base: Omit<VerificationReport, "message">): VerificationReport {
  return { ...base, message: messageFor(base) };
}

/** The name of a verdict, as reports give it (`verified`, `unknown serial`, …). */
export function verdictNameOf(verdict: Verdict): string {
  return VERDICTS[verdict].name;
}

/**
 * Completes a report built elsewhere (a service answering from its mirror of the chain) with the sentence a
 * pharmacist reads, the same sentence `verifyPacks` gives for the same fields.
 */
export function withVerificationMessage(base: Omit<VerificationReport, "message">): VerificationReport {
  return withMessage(base);
}

function identity(p: Prepared): Pick<VerificationReport, "gtin" | "serial" | "lotNumber" | "lotId" | "index"> {
  return {
    gtin: gtin14(p.gtin),
    serial: p.scan.serial,
    lotNumber: p.scan.lotNumber,
    lotId: p.lotId,
    ...(p.index === undefined ? {} : { index: p.index }),
  };
}

function chainReport(p: Prepared, v: Awaited<ReturnType<PackCustody["verify"]>>): VerificationReport {
  // The struct is an ethers Result: its fields are read by name (a spread would copy only its positions).
  const answer = {
    verdict: Number(v.verdict) as Verdict,
    state: Number(v.state) as PackState,
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
  };
  return reportFromChain(identity(p), answer, p.root);
}

/** The contract's `Verification` answer for a pack, with its verdict and state as the SDK's enums. */
export interface ChainVerification extends LotFacts {
  verdict: Verdict;
  state: PackState;
  holder: string;
  shipmentId: bigint;
  decommissionedAt: bigint;
}

/**
 * The report for a pack the contract (or a service's mirror of it) answered: the verdict with its name, DSCSA and EU
 * answers and message. `root` is the lot's `serialsRoot` when known.
 */
export function reportFromChain(
  id: Pick<VerificationReport, "gtin" | "serial" | "lotNumber" | "lotId" | "index">,
  v: Omit<ChainVerification, "serialsRoot">,
  root: string | undefined,
): VerificationReport {
  return withMessage({
    ...id,
    verdict: v.verdict,
    verdictName: VERDICTS[v.verdict].name,
    verified: v.verdict === Verdict.Verified,
    cannotVerify: false,
    state: v.state,
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
    ...(root === undefined ? {} : { serialsRoot: root }),
    ...responsesFor(v.verdict, v.state),
  });
}

/** The report of a scan answered from the lot's record: an unknown serial (by the lot's own list), or cannot verify. */
function localReport(p: Prepared): VerificationReport {
  const { verdict, lot } = p.local!;
  return reportFromLot(identity(p), lot, verdict);
}

/** What a report answered from a lot's record alone needs of the lot (its contract record, or a mirror's copy). */
export interface LotFacts {
  manufacturer: string;
  manufacturerSigner: string;
  regulatorSigner: string;
  commissionedAt: bigint;
  releasedAt: bigint;
  recalledAt: bigint;
  expiresAt: bigint;
  serialsRoot: string;
}

/**
 * The report for a scan answered from its lot's record, no pack located: an unknown serial (the lot's own list does
 * not have it), or, with `verdict` null, "cannot verify" (no usable list). Used by the verifier and by a service
 * answering from its mirror, so both give the same report.
 */
export function reportFromLot(
  id: Pick<VerificationReport, "gtin" | "serial" | "lotNumber" | "lotId" | "index">,
  lot: LotFacts,
  verdict: Verdict.UnknownSerial | null,
): VerificationReport {
  const fromLot = {
    ...id,
    state: PackState.Active,
    holder: ZeroAddress,
    shipmentId: 0n,
    decommissionedAt: 0n,
    manufacturer: lot.manufacturer,
    manufacturerSigner: lot.manufacturerSigner,
    regulatorSigner: lot.regulatorSigner,
    commissionedAt: lot.commissionedAt,
    releasedAt: lot.releasedAt,
    recalledAt: lot.recalledAt,
    expiresAt: lot.expiresAt,
    serialsRoot: lot.serialsRoot,
  };
  if (verdict === null) {
    return withMessage({
      ...fromLot,
      verdict: null,
      verdictName: CANNOT_VERIFY,
      verified: false,
      cannotVerify: true,
      dscsa: { verified: false },
      eu: { returnCode: null, packStatus: "NOT VERIFIED (SERIAL LIST NOT AVAILABLE)" },
    });
  }
  return withMessage({
    ...fromLot,
    verdict,
    verdictName: VERDICTS[verdict].name,
    verified: false,
    cannotVerify: false,
    ...responsesFor(verdict, PackState.Active),
  });
}

/**
 * Verifies many packs and returns a report for each, in order. Each lot's serial list is checked against its on-chain
 * `serialsRoot` first: a pack whose lot's list is not at hand is answered "cannot verify", never "unknown serial".
 */
export async function verifyPacks(
  readers: VerificationReaders,
  inputs: readonly (PackScan | string)[],
  options: VerifyOptions,
): Promise<VerificationReport[]> {
  return new PackVerifier(readers, options).verify(inputs);
}

/** Verifies one pack. */
export async function verifyPack(
  readers: VerificationReaders,
  input: PackScan | string,
  options: VerifyOptions,
): Promise<VerificationReport> {
  const [report] = await verifyPacks(readers, [input], options);
  return report;
}
