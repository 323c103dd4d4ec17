/**
 * Verification answers from the mirror: the same reports the SDK's `verifyPacks` gives (verdict, DSCSA and EU
 * answers, the pharmacist's sentence), computed from the in-memory mirror and the stored serial lists, with the block
 * they are true at.
 */
import {
  PackState,
  Verdict,
  gtin14,
  gtinToUint64,
  lotIdOf,
  reportFromChain,
  reportFromLot,
  type Manifest,
  type PackScan,
  type VerificationReport,
} from "@pharmachain/sdk";
import type { BlockRef, CustodyMirror, MirrorLot, MirrorVerification } from "./mirror";
import type { SerialStore } from "./serials";

export interface VerifiedBatch {
  block: BlockRef;
  reports: VerificationReport[];
}

/** Lot ids by GTIN and lot number: a keccak256 of an ABI encoding is worth keeping for the lots scanned again. */
const LOT_IDS_KEPT = 10_000;

export class Verifier {
  private readonly lotIds = new Map<string, string>();

  constructor(
    readonly mirror: CustodyMirror,
    readonly serials: SerialStore,
  ) {}

  /** Verifies scans, all at one block. */
  async verify(scans: readonly PackScan[]): Promise<VerifiedBatch> {
    const { block, value } = await this.mirror.atOneBlock(() => Promise.all(scans.map((s) => this.one(s))));
    return { block, reports: value };
  }

  private async one(scan: PackScan): Promise<VerificationReport> {
    const gtin = typeof scan.gtin === "bigint" ? scan.gtin : gtinToUint64(scan.gtin);
    const key = `${gtin}/${scan.lotNumber}`;
    let lotId = this.lotIds.get(key);
    if (lotId === undefined) {
      lotId = lotIdOf(gtin, scan.lotNumber);
      if (this.lotIds.size >= LOT_IDS_KEPT) this.lotIds.clear();
      this.lotIds.set(key, lotId);
    }
    const expiresAt = scan.expiresAt ?? 0n;
    const identity = { gtin: gtin14(gtin), serial: scan.serial, lotNumber: scan.lotNumber, lotId };
    const lot = await this.mirror.lot(lotId);
    if (!lot) {
      // the contract answers "unknown product" or "unknown lot" before it looks at any proof
      const [v] = await this.mirror.verify([{ lotId, gtin, expiresAt }]);
      return fromChain(identity, v, undefined);
    }
    let manifest: Manifest | Promise<Manifest | undefined> | undefined = this.serials.manifest(lotId, lot.serialsRoot);
    if (manifest instanceof Promise) manifest = await manifest;
    if (!manifest) return fromLot(identity, lot, null);
    const index = manifest.indexOf(scan.serial);
    if (index === undefined) return fromLot(identity, lot, Verdict.UnknownSerial);
    const [v] = await this.mirror.verify([{ lotId, gtin, expiresAt, index }]);
    return fromChain({ ...identity, index }, v, lot.serialsRoot);
  }
}

type Identity = Pick<VerificationReport, "gtin" | "serial" | "lotNumber" | "lotId" | "index">;

function fromChain(identity: Identity, v: MirrorVerification, root: string | undefined): VerificationReport {
  return reportFromChain(identity, v, root);
}

/** As the SDK answers from the lot's record: an unknown serial (by the lot's own list), or cannot verify. */
function fromLot(identity: Identity, lot: MirrorLot, verdict: Verdict.UnknownSerial | null): VerificationReport {
  return reportFromLot(identity, lot, verdict);
}

/** A report as JSON: 64-bit numbers as decimal strings, the pack state by name too. */
export function reportJson(r: VerificationReport): Record<string, unknown> {
  return {
    gtin: r.gtin,
    serial: r.serial,
    lotNumber: r.lotNumber,
    lotId: r.lotId,
    ...(r.index === undefined ? {} : { index: r.index }),
    verdict: r.verdict,
    verdictName: r.verdictName,
    verified: r.verified,
    cannotVerify: r.cannotVerify,
    message: r.message,
    state: r.state,
    stateName: PackState[r.state],
    holder: r.holder,
    shipmentId: r.shipmentId.toString(),
    decommissionedAt: r.decommissionedAt.toString(),
    manufacturer: r.manufacturer,
    manufacturerSigner: r.manufacturerSigner,
    regulatorSigner: r.regulatorSigner,
    commissionedAt: r.commissionedAt.toString(),
    releasedAt: r.releasedAt.toString(),
    recalledAt: r.recalledAt.toString(),
    expiresAt: r.expiresAt.toString(),
    ...(r.serialsRoot === undefined ? {} : { serialsRoot: r.serialsRoot }),
    dscsa: r.dscsa,
    eu: r.eu,
  };
}
