/**
 * The registry's client: who may act (stakeholders: application, approval, suspension, revocation, licences; the
 * protocol's pause) and what they may trade (products: registration, approval, transfer).
 */
import { getAddress } from "ethers";
import { ProductStatus, Role, StakeholderStatus } from "../enums";
import { DomainClient } from "./context";
import {
  HashInput,
  ProductRecord,
  StakeholderRecord,
  bytes2ToJurisdiction,
  jurisdictionToBytes2,
  toBytes32,
} from "./shared";

/** Stakeholders (the `StakeholderRegistry` contract) and products (registered in `ProductLots`). */
export class RegistryClient extends DomainClient {
  /** The council appoints a regulator directly (admin only). */
  readonly appointRegulator = this.context.operation(
    (c) => c.registry,
    (c) => c.appointRegulator,
  )(
    (p: {
      account: string;
      licence?: HashInput;
      gln: bigint | number;
      jurisdiction: string;
      validUntil: bigint | number;
    }) => [p.account, toBytes32(p.licence), p.gln, jurisdictionToBytes2(p.jurisdiction), p.validUntil],
    () => ({}),
  );

  /** The signer applies for a role with its licence, GLN and jurisdiction; a regulator then approves it. */
  readonly applyForRole = this.context.operation(
    (c) => c.registry,
    (c) => c.applyForRole,
  )(
    (p: { role: Role; licence?: HashInput; gln: bigint | number; jurisdiction: string; metadata?: HashInput }) => [
      p.role,
      toBytes32(p.licence),
      p.gln,
      jurisdictionToBytes2(p.jurisdiction),
      toBytes32(p.metadata),
    ],
    () => ({}),
  );

  /** A regulator approves an applicant's licence until `validUntil` (unix seconds). */
  readonly approveStakeholder = this.context.operation(
    (c) => c.registry,
    (c) => c.approve,
  )(
    (account: string, validUntil: bigint | number) => [account, validUntil],
    () => ({}),
  );

  readonly suspendStakeholder = this.context.operation(
    (c) => c.registry,
    (c) => c.suspend,
  )(
    (account: string, reason?: HashInput) => [account, toBytes32(reason)],
    () => ({}),
  );

  readonly reinstateStakeholder = this.context.operation(
    (c) => c.registry,
    (c) => c.reinstate,
  )(
    (account: string) => [account],
    () => ({}),
  );

  readonly renewLicence = this.context.operation(
    (c) => c.registry,
    (c) => c.renew,
  )(
    (account: string, validUntil: bigint | number, licence?: HashInput) => [account, validUntil, toBytes32(licence)],
    () => ({}),
  );

  /**
   * Revokes a stakeholder for good, with two keys: a regulator's first call only proposes the revocation, which takes
   * effect when a different regulator, or the council, calls again for the same account (the council revokes a
   * regulator alone). `revoked` tells which happened: false for a proposal, true when the record is now revoked.
   */
  readonly revokeStakeholder = this.context.operation(
    (c) => c.registry,
    (c) => c.revoke,
  )(
    (account: string, reason?: HashInput) => [account, toBytes32(reason)],
    (receipt) => ({
      revoked: this.context.events(receipt, this.context.registry.interface, "StakeholderRevoked").length > 0,
    }),
  );

  readonly updateMetadata = this.context.operation(
    (c) => c.registry,
    (c) => c.updateMetadata,
  )(
    (metadata: HashInput) => [toBytes32(metadata)],
    () => ({}),
  );

  readonly pause = this.context.operation(
    (c) => c.registry,
    (c) => c.pause,
  )(
    () => [],
    () => ({}),
  );

  readonly unpause = this.context.operation(
    (c) => c.registry,
    (c) => c.unpause,
  )(
    () => [],
    () => ({}),
  );

  /** The registry's record of `account`. */
  async stakeholder(account: string): Promise<StakeholderRecord> {
    const s = await this.context.read((at) => this.context.registry.stakeholder(account, at));
    return {
      account: getAddress(account),
      role: Number(s.role) as Role,
      status: Number(s.status) as StakeholderStatus,
      validUntil: s.validUntil,
      gln: s.gln,
      jurisdiction: bytes2ToJurisdiction(s.jurisdiction),
      updatedAt: s.updatedAt,
      licenceHash: s.licenceHash,
      metadataHash: s.metadataHash,
    };
  }

  /** Whether `account` is active, licensed and in `role` now. */
  async isAuthorised(account: string, role: Role): Promise<boolean> {
    return this.context.read((at) => this.context.registry.isAuthorised(account, role, at));
  }

  readonly registerProduct = this.context.operation(
    (c) => c.lots,
    (c) => c.registerProduct,
  )(
    (gtin: bigint, metadata?: HashInput) => [gtin, toBytes32(metadata)],
    () => ({}),
  );

  readonly approveProduct = this.context.operation(
    (c) => c.lots,
    (c) => c.approveProduct,
  )(
    (gtin: bigint) => [gtin],
    () => ({}),
  );

  readonly rejectProduct = this.context.operation(
    (c) => c.lots,
    (c) => c.rejectProduct,
  )(
    (gtin: bigint, reason?: HashInput) => [gtin, toBytes32(reason)],
    () => ({}),
  );

  /** The council moves a revoked manufacturer's product to a successor manufacturer; recorded lots are unaffected. */
  readonly transferProduct = this.context.operation(
    (c) => c.lots,
    (c) => c.transferProduct,
  )(
    (gtin: bigint, successor: string) => [gtin, successor],
    () => ({}),
  );

  async product(gtin: bigint): Promise<ProductRecord> {
    const p = await this.context.read((at) => this.context.lots.product(gtin, at));
    return {
      gtin,
      manufacturer: p.manufacturer,
      status: Number(p.status) as ProductStatus,
      registeredAt: p.registeredAt,
    };
  }
}
