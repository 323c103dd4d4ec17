/**
 * The lots' client: a manufacturer's attestation signers, commissioning a lot from its EIP-712 attestation and
 * signatures, cosigning, recall, void and the council's lifting of a recall; the lot's record.
 */
import { ZeroAddress } from "ethers";
import { LotAttestation } from "../attestation";
import { LotStatus } from "../enums";
import { NotFoundError } from "../errors";
import { DomainClient } from "./context";
import { HashInput, LotRecord, SignerSignatureInput, toBytes32 } from "./shared";

/** Lots and their attestations (the `ProductLots` contract). */
export class LotsClient extends DomainClient {
  /** A manufacturer authorises (or withdraws) an account to sign lot attestations for it. */
  readonly setSigner = this.context.operation(
    (c) => c.lots,
    (c) => c.setSigner,
  )(
    (signer: string, allowed: boolean) => [signer, allowed],
    () => ({}),
  );

  /**
   * Records a lot from its attestation and one or both signatures (either may be omitted: a lot with only the
   * manufacturer's is `Pending` until a regulator cosigns). Anyone may submit. Returns the lot id and whether the lot
   * is released.
   */
  readonly commissionLot = this.context.operation(
    (c) => c.lots,
    (c) => c.commissionLot,
  )(
    (p: {
      attestation: LotAttestation;
      manufacturerSignature?: SignerSignatureInput;
      regulatorSignature?: SignerSignatureInput;
    }) => [p.attestation, signerSignature(p.manufacturerSignature), signerSignature(p.regulatorSignature)],
    (receipt) => ({
      lotId: this.context.event(receipt, this.context.lots.interface, "LotCommissioned").args.lotId as string,
      released: this.context.events(receipt, this.context.lots.interface, "LotReleased").length > 0,
    }),
    (value, p) => ({
      lotId: value as string,
      released:
        signerSignature(p.manufacturerSignature).signer !== ZeroAddress &&
        signerSignature(p.regulatorSignature).signer !== ZeroAddress,
    }),
  );

  /** Adds the missing signature to a pending lot; with both it is released. */
  readonly cosignLot = this.context.operation(
    (c) => c.lots,
    (c) => c.cosignLot,
  )(
    (attestation: LotAttestation, signature: SignerSignatureInput) => [attestation, signerSignature(signature)],
    (receipt) => ({ released: this.context.events(receipt, this.context.lots.interface, "LotReleased").length > 0 }),
  );

  readonly recallLot = this.context.operation(
    (c) => c.lots,
    (c) => c.recallLot,
  )(
    (lotId: string, reason?: HashInput) => [lotId, toBytes32(reason)],
    () => ({}),
  );

  readonly voidLot = this.context.operation(
    (c) => c.lots,
    (c) => c.voidLot,
  )(
    (lotId: string, reason?: HashInput) => [lotId, toBytes32(reason)],
    () => ({}),
  );

  /** The council lifts a mistaken recall (also while the protocol is paused). */
  readonly liftRecall = this.context.operation(
    (c) => c.lots,
    (c) => c.liftRecall,
  )(
    (lotId: string, reason?: HashInput) => [lotId, toBytes32(reason)],
    () => ({}),
  );

  /** The lot's record; throws `NotFoundError` for an unknown lot. */
  async lot(lotId: string): Promise<LotRecord> {
    const l = await this.context.read((at) => this.context.lots.lot(lotId, at));
    if (Number(l.status) === LotStatus.None)
      throw new NotFoundError(`lot ${lotId} is not on chain ${this.context.chainId}`);
    return {
      lotId,
      gtin: l.gtin,
      manufacturer: l.manufacturer,
      expiresAt: l.expiresAt,
      unitCount: Number(l.unitCount),
      status: Number(l.status) as LotStatus,
      recalled: l.recalled,
      commissionedAt: l.commissionedAt,
      releasedAt: l.releasedAt,
      recalledAt: l.recalledAt,
      serialsRoot: l.serialsRoot,
      dataHash: l.dataHash,
      manufacturerSigner: l.manufacturerSigner,
      regulatorSigner: l.regulatorSigner,
    };
  }
}

function signerSignature(s: SignerSignatureInput | undefined): SignerSignatureInput {
  return s ?? { signer: ZeroAddress, signature: "0x" };
}
