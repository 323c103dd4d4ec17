/**
 * What the domain clients and `PharmaChainClient` share: the types of their arguments and records, and the pure helpers
 * that turn business values (hashes, jurisdictions, currencies, prices) into the contracts' arguments. Re-exported by
 * `./client` as before the split, so an integrator's imports do not change.
 */
import { AbiCoder, ContractRunner, ZeroHash, id as utf8Hash, isHexString, keccak256 } from "ethers";
import type { Deployment, DeploymentAddresses } from "../contracts";
import { InvalidInputError } from "../errors";
import type {
  LotStatus,
  OfferStatus,
  OrderStatus,
  PackState,
  ProductStatus,
  Role,
  ShipmentStatus,
  StakeholderStatus,
} from "../enums";

/** What a sent transaction left on-chain. */
export interface TxInfo {
  hash: string;
  blockNumber: number;
  gasUsed: bigint;
  from: string;
}

/** A write's result: what the caller asked for, and its transaction. */
export type Written<R> = R & { tx: TxInfo };

/** A dry run: the gas the call would use and, where the contract returns one, the value it would return. */
export interface DryRun<R> {
  gas: bigint;
  result?: R;
}

/** A write operation: call it to send; `.dryRun` to check and estimate without sending. */
export interface Operation<A extends unknown[], R> {
  (...args: A): Promise<Written<R>>;
  dryRun(...args: A): Promise<DryRun<R>>;
}

/** A hash argument: a 32-byte hex value as it is, or a text that is hashed (keccak256 of its UTF-8 bytes). */
export type HashInput = string | undefined;

/**
 * An index range `[start, end)` of one lot, across any number of runs. `hint` is ignored by the contract (which finds
 * runs without one) and kept for compatibility: 0 when omitted.
 */
export interface PackRangeInput {
  lotId: string;
  start: number;
  end: number;
  hint?: number;
}

/** One pack proven by its serial: its place in the manifest and the Merkle proof of that place. */
export interface PackRef {
  lotId: string;
  index: number;
  serial: string;
  proof: readonly string[];
  /** ignored by the contract (kept for compatibility); 0 when omitted. */
  hint?: number;
}

export interface StakeholderRecord {
  account: string;
  role: Role;
  status: StakeholderStatus;
  validUntil: bigint;
  gln: bigint;
  jurisdiction: string;
  updatedAt: bigint;
  licenceHash: string;
  metadataHash: string;
}

export interface ProductRecord {
  gtin: bigint;
  manufacturer: string;
  status: ProductStatus;
  registeredAt: bigint;
}

export interface LotRecord {
  lotId: string;
  gtin: bigint;
  manufacturer: string;
  expiresAt: bigint;
  unitCount: number;
  status: LotStatus;
  recalled: boolean;
  commissionedAt: bigint;
  releasedAt: bigint;
  recalledAt: bigint;
  serialsRoot: string;
  dataHash: string;
  manufacturerSigner: string;
  regulatorSigner: string;
}

export interface ShipmentRecord {
  shipmentId: bigint;
  buyer: string;
  status: ShipmentStatus;
  viaTransporter: boolean;
  packCount: bigint;
  transporter: string;
}

export interface PackStatusRecord {
  lotId: string;
  index: number;
  state: PackState;
  holder: string;
  shipmentId: bigint;
  decommissionedAt: bigint;
  runStart: number;
}

export interface RunRecord {
  start: number;
  end: number;
  holder: string;
  state: PackState;
  head: PackState;
  aux: bigint;
}

/** A range shipped for an order, with its lot's number (looked up from the lot's `LotCommissioned` event if omitted). */
export interface OrderRangeInput extends PackRangeInput {
  lotNumber?: string;
}

/**
 * A price per pack: a decimal string in currency units (`"1.25"`, at most six decimals), or a bigint already in
 * millionths of the unit (`1_250_000n`), as the contracts store it.
 */
export type PriceInput = string | bigint;

export interface OrderRecord {
  orderId: bigint;
  seller: string;
  buyer: string;
  gtin: bigint;
  quantity: number;
  /** Packs in shipments made for the order that are on their way or received. */
  shipped: number;
  received: number;
  /** Packs a shipment may still bring: ordered and not on their way or received; 0 once declined or cancelled. */
  open: number;
  status: OrderStatus;
  statusName: string;
  /** The accepted offer whose price the order records; 0 when none applied when it was placed. */
  offerId: bigint;
  /** Millionths of the currency unit (0 without an offer). */
  pricePerPack: bigint;
  /** ISO 4217 code, "" without an offer. */
  currency: string;
  /** `1.25 USD`, or undefined without an offer. */
  price?: string;
}

export interface OfferRecord {
  offerId: bigint;
  seller: string;
  buyer: string;
  gtin: bigint;
  /** Millionths of the currency unit. */
  pricePerPack: bigint;
  /** ISO 4217 code. */
  currency: string;
  /** `1.25 USD`. */
  price: string;
  validUntil: bigint;
  status: OfferStatus;
  statusName: string;
  /** Made by the seller (an opening offer or the seller's counter), else by the buyer. */
  bySeller: boolean;
}

/** A holder's packs of one lot by state, added up over the inventory's pages. */
export interface InventoryLineRecord {
  lotId: string;
  gtin: bigint;
  expiresAt: bigint;
  recalled: boolean;
  /** `Active`: saleable stock. */
  available: bigint;
  /** Shipped by the holder and not yet received, rejected, cancelled or voided: still the holder's. */
  inTransit: bigint;
  suspect: bigint;
  illegitimate: bigint;
  /** Dispensed, destroyed, exported, sample, free sample, stolen or locked. */
  decommissioned: bigint;
  /** All of the above. */
  total: bigint;
}

export type InventoryTotals = Pick<
  InventoryLineRecord,
  "available" | "inTransit" | "suspect" | "illegitimate" | "decommissioned" | "total"
>;

/** A holder's inventory read at one block: a line per lot where it has packs, and the totals over the lots. */
export interface InventoryReport {
  holder: string;
  blockNumber: number;
  /** How many lots were read (lots without the holder's packs give no line). */
  lotsRead: number;
  /** `eth_call`s made (pages). */
  pages: number;
  lots: InventoryLineRecord[];
  totals: InventoryTotals;
}

export interface InventoryOptions {
  /** Runs read per page (`maxRuns`; default 250, about 8 million gas of `eth_call`). */
  maxRuns?: number;
  /** The block to read every page at (default: the latest when the read starts). */
  blockTag?: number;
}

/** Days from the chain's latest block an order's delivery date defaults to. */
export const DEFAULT_DELIVERY_DAYS = 30;

export interface ClientOptions {
  /** An ethers `Signer` (Wallet, JSON-RPC signer, `BrowserProvider` signer) to write, or a `Provider` to read only. */
  runner: ContractRunner;
  /** The contracts' addresses; a `chainId` in it is checked against the network's. */
  deployment: Deployment | DeploymentAddresses;
  /** Confirmations to wait for after sending (default 1). */
  confirmations?: number;
}

/** keccak256 of a text, or a 32-byte hex value unchanged; the zero hash for undefined or "". */
export function toBytes32(value: HashInput): string {
  if (value === undefined || value === "") return ZeroHash;
  if (isHexString(value, 32)) return value.toLowerCase();
  return utf8Hash(value);
}

/** Two ASCII capitals (ISO 3166-1 alpha-2) as the contracts' `bytes2`. */
export function jurisdictionToBytes2(code: string): string {
  if (!/^[A-Z]{2}$/.test(code))
    throw new InvalidInputError(`jurisdiction "${code}" must be two capital letters (ISO 3166-1)`);
  return "0x" + Buffer.from(code, "ascii").toString("hex");
}

/** The ISO code of a `bytes2` jurisdiction. */
export function bytes2ToJurisdiction(value: string): string {
  return Buffer.from(value.slice(2), "hex").toString("ascii");
}

/** Three ASCII capitals (ISO 4217, `USD`) as the contracts' `bytes3`. */
export function currencyToBytes3(code: string): string {
  if (!/^[A-Z]{3}$/.test(code))
    throw new InvalidInputError(`currency "${code}" must be three capital letters (ISO 4217), such as USD`);
  return "0x" + Buffer.from(code, "ascii").toString("hex");
}

/** The ISO code of a `bytes3` currency; "" for none (zero bytes). */
export function bytes3ToCurrency(value: string): string {
  return /^0x0{6}$/.test(value) ? "" : Buffer.from(value.slice(2), "hex").toString("ascii");
}

const MAX_UINT64 = (1n << 64n) - 1n;

/** A price per pack in millionths of the currency unit: `"1.25"` → 1,250,000n; a bigint is taken as millionths. */
export function parsePrice(value: PriceInput): bigint {
  let millionths: bigint;
  if (typeof value === "bigint") {
    millionths = value;
  } else {
    const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(value.trim());
    if (!m)
      throw new InvalidInputError(`price "${value}" must be a decimal number with at most six decimals, such as 1.25`);
    millionths = BigInt(m[1]) * 1_000_000n + BigInt((m[2] ?? "").padEnd(6, "0"));
  }
  if (millionths < 0n || millionths > MAX_UINT64) throw new InvalidInputError(`price ${value} is out of range`);
  return millionths;
}

/** A signature with the account it is from (EOA or ERC-1271 contract wallet). */
export interface SignerSignatureInput {
  signer: string;
  signature: string;
}

/**
 * The id of a ruling of illegitimacy (see `confirmIllegitimate`): the decision hash folded with each range's lot, start
 * and end, `id = keccak256(abi.encode(id, lotId, start, end))` from `id = decision` (hints are not part of it).
 */
export function illegitimacyProposalId(
  ranges: readonly { lotId: string; start: number; end: number }[],
  decision: string,
): string {
  const coder = AbiCoder.defaultAbiCoder();
  let id = decision;
  for (const r of ranges) {
    id = keccak256(coder.encode(["bytes32", "bytes32", "uint32", "uint32"], [id, r.lotId, r.start, r.end]));
  }
  return id;
}
