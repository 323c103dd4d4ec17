/**
 * The client: one object over the three protocol contracts and custody's order book, for any ethers signer (to
 * write) or provider (to read). Every write is a typed method that returns what the caller wants (a lot id, a
 * shipment id, an order id) with its transaction's hash, block and gas; `method.dryRun(...)` runs the same call as a
 * static call and a gas estimate, sending nothing. Every refusal of the contracts is thrown as a `ContractRevertError`
 * with a readable sentence.
 */
import {
  AbiCoder,
  BaseContract,
  ContractRunner,
  Interface,
  Log,
  Provider,
  Signer,
  TransactionReceipt,
  TypedDataDomain,
  ZeroAddress,
  ZeroHash,
  getAddress,
  id as utf8Hash,
  isHexString,
  keccak256,
} from "ethers";
import {
  Deployment,
  DeploymentAddresses,
  PackCustody,
  PackCustody__factory,
  ProductLots,
  ProductLots__factory,
  StakeholderRegistry,
  StakeholderRegistry__factory,
  TradeOrders,
  TradeOrders__factory,
} from "./contracts";
import type { TypedContractMethod } from "../../typechain-types/common";
import { ConfigurationError, InvalidInputError, NotFoundError } from "./errors";
import { explainError, formatPrice } from "./revert";
import {
  LotStatus,
  OfferStatus,
  OrderStatus,
  PackState,
  ProductStatus,
  Role,
  ShipmentStatus,
  StakeholderStatus,
} from "./enums";
import { LotAttestation, pharmaChainDomain } from "./attestation";
import { HistoryOptions, HistoryReader } from "./history";
import { readBlock, sendAndWait } from "./network";

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

/** The arguments of a binding's method, overrides allowed (its `P`, checked where each operation builds them). */
type Args<M extends { populateTransaction(...args: never[]): unknown }> = Parameters<M["populateTransaction"]>;

/** A hash argument: a 32-byte hex value as it is, or a text that is hashed (keccak256 of its UTF-8 bytes). */
export type HashInput = string | undefined;

/**
 * An index range `[start, end)` of one lot, across any number of runs; `hint` (a run start at or before pack
 * `start - 1`, 0 for a range at 0) is looked up when omitted.
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
  /** a run start at or before pack `index - 1` (0 for pack 0); looked up when omitted. */
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

function isSigner(runner: ContractRunner): runner is Signer {
  return typeof (runner as Partial<Signer>).getAddress === "function" && typeof runner.sendTransaction === "function";
}

function providerOf(runner: ContractRunner): Provider {
  const provider =
    runner.provider ?? (typeof (runner as Partial<Provider>).getNetwork === "function" ? (runner as Provider) : null);
  if (!provider) throw new ConfigurationError("the signer has no provider: connect it to a network first");
  return provider;
}

export class PharmaChainClient {
  readonly registry: StakeholderRegistry;
  readonly lots: ProductLots;
  readonly custody: PackCustody;
  /** Custody's order book (orders, price offers, primary distributors, inventory). */
  readonly orders: TradeOrders;
  readonly provider: Provider;
  readonly runner: ContractRunner;
  readonly chainId: bigint;
  readonly addresses: DeploymentAddresses;
  /** The order book's address, read from `custody.orderBook()` when connecting. */
  readonly ordersAddress: string;
  private readonly confirmations: number;

  private constructor(options: ClientOptions, chainId: bigint, provider: Provider, ordersAddress: string) {
    this.addresses = addressesOf(options.deployment);
    this.ordersAddress = getAddress(ordersAddress);
    this.runner = options.runner;
    this.provider = provider;
    this.chainId = chainId;
    this.confirmations = options.confirmations ?? 1;
    this.registry = StakeholderRegistry__factory.connect(this.addresses.registry, options.runner);
    this.lots = ProductLots__factory.connect(this.addresses.lots, options.runner);
    this.custody = PackCustody__factory.connect(this.addresses.custody, options.runner);
    this.orders = TradeOrders__factory.connect(this.ordersAddress, options.runner);
  }

  /**
   * Connects to a deployment: checks that the network is the deployment's chain and that each address holds code, so
   * a wrong `--rpc` or `--deployment` fails here with a clear message rather than later with an opaque one; reads the
   * order book's address from custody (and refuses an `orders` address in the deployment that differs from it).
   */
  static async connect(options: ClientOptions): Promise<PharmaChainClient> {
    const provider = providerOf(options.runner);
    let network;
    try {
      network = await provider.getNetwork();
    } catch (cause) {
      throw new ConfigurationError("cannot reach the network: is the node running and the RPC URL right?", { cause });
    }
    const expected = (options.deployment as Deployment).chainId;
    if (expected !== undefined && expected !== network.chainId) {
      throw new ConfigurationError(
        `the deployment is for chain ${expected} but the network is chain ${network.chainId}`,
      );
    }
    const addresses = addressesOf(options.deployment);
    for (const [name, address] of Object.entries(addresses)) {
      if ((await provider.getCode(address)) === "0x") {
        throw new ConfigurationError(`no contract at the ${name} address ${address} on chain ${network.chainId}`, {
          details: "deploy first, or point --deployment at the right network's addresses",
        });
      }
    }
    let ordersAddress: string;
    try {
      ordersAddress = getAddress(await PackCustody__factory.connect(addresses.custody, provider).orderBook());
    } catch (cause) {
      throw new ConfigurationError(`the custody contract at ${addresses.custody} has no order book`, {
        details: "it was deployed before the trade workflow (custody.orderBook()): redeploy",
        cause,
      });
    }
    const given = (options.deployment as Deployment).orders;
    if (given !== undefined && getAddress(given) !== ordersAddress) {
      throw new ConfigurationError(
        `the deployment names the order book ${getAddress(given)} but custody's is ${ordersAddress}`,
      );
    }
    return new PharmaChainClient(options, network.chainId, provider, ordersAddress);
  }

  /** The same client with another signer or provider (for example another party's wallet); reads nothing. */
  withRunner(runner: ContractRunner): PharmaChainClient {
    return new PharmaChainClient(
      { runner, deployment: this.addresses, confirmations: this.confirmations },
      this.chainId,
      providerOf(runner),
      this.ordersAddress,
    );
  }

  /** The EIP-712 domain the lots contract checks attestations against. */
  domain(): TypedDataDomain {
    return pharmaChainDomain(this.chainId, this.addresses.lots);
  }

  /** The address of the connected signer. */
  async account(): Promise<string> {
    return getAddress(await this.signer().getAddress());
  }

  // ------------------------------------------------------------------ registry

  /** The council appoints a regulator directly (admin only). */
  readonly appointRegulator = this.operation(this.registryOf, (c) => c.appointRegulator)(
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
  readonly applyForRole = this.operation(this.registryOf, (c) => c.applyForRole)(
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
  readonly approveStakeholder = this.operation(this.registryOf, (c) => c.approve)(
    (account: string, validUntil: bigint | number) => [account, validUntil],
    () => ({}),
  );

  readonly suspendStakeholder = this.operation(this.registryOf, (c) => c.suspend)(
    (account: string, reason?: HashInput) => [account, toBytes32(reason)],
    () => ({}),
  );

  readonly reinstateStakeholder = this.operation(this.registryOf, (c) => c.reinstate)(
    (account: string) => [account],
    () => ({}),
  );

  readonly renewLicence = this.operation(this.registryOf, (c) => c.renew)(
    (account: string, validUntil: bigint | number, licence?: HashInput) => [account, validUntil, toBytes32(licence)],
    () => ({}),
  );

  /**
   * Revokes a stakeholder for good, with two keys: a regulator's first call only proposes the revocation, which takes
   * effect when a different regulator, or the council, calls again for the same account (the council revokes a
   * regulator alone). `revoked` tells which happened: false for a proposal, true when the record is now revoked.
   */
  readonly revokeStakeholder = this.operation(this.registryOf, (c) => c.revoke)(
    (account: string, reason?: HashInput) => [account, toBytes32(reason)],
    (receipt) => ({ revoked: this.events(receipt, this.registry.interface, "StakeholderRevoked").length > 0 }),
  );

  readonly updateMetadata = this.operation(this.registryOf, (c) => c.updateMetadata)(
    (metadata: HashInput) => [toBytes32(metadata)],
    () => ({}),
  );

  readonly pause = this.operation(this.registryOf, (c) => c.pause)(
    () => [],
    () => ({}),
  );
  readonly unpause = this.operation(this.registryOf, (c) => c.unpause)(
    () => [],
    () => ({}),
  );

  /** The registry's record of `account`. */
  async stakeholder(account: string): Promise<StakeholderRecord> {
    const s = await this.read((at) => this.registry.stakeholder(account, at));
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
    return this.read((at) => this.registry.isAuthorised(account, role, at));
  }

  // ------------------------------------------------------------------ products and lots

  readonly registerProduct = this.operation(this.lotsOf, (c) => c.registerProduct)(
    (gtin: bigint, metadata?: HashInput) => [gtin, toBytes32(metadata)],
    () => ({}),
  );

  readonly approveProduct = this.operation(this.lotsOf, (c) => c.approveProduct)(
    (gtin: bigint) => [gtin],
    () => ({}),
  );

  readonly rejectProduct = this.operation(this.lotsOf, (c) => c.rejectProduct)(
    (gtin: bigint, reason?: HashInput) => [gtin, toBytes32(reason)],
    () => ({}),
  );

  /** A manufacturer authorises (or withdraws) an account to sign lot attestations for it. */
  readonly setSigner = this.operation(this.lotsOf, (c) => c.setSigner)(
    (signer: string, allowed: boolean) => [signer, allowed],
    () => ({}),
  );

  /**
   * Records a lot from its attestation and one or both signatures (either may be omitted: a lot with only the
   * manufacturer's is `Pending` until a regulator cosigns). Anyone may submit. Returns the lot id and whether the lot
   * is released.
   */
  readonly commissionLot = this.operation(this.lotsOf, (c) => c.commissionLot)(
    (p: {
      attestation: LotAttestation;
      manufacturerSignature?: SignerSignatureInput;
      regulatorSignature?: SignerSignatureInput;
    }) => [p.attestation, signerSignature(p.manufacturerSignature), signerSignature(p.regulatorSignature)],
    (receipt) => ({
      lotId: this.event(receipt, this.lots.interface, "LotCommissioned").args.lotId as string,
      released: this.events(receipt, this.lots.interface, "LotReleased").length > 0,
    }),
    (value, p) => ({
      lotId: value as string,
      released:
        signerSignature(p.manufacturerSignature).signer !== ZeroAddress &&
        signerSignature(p.regulatorSignature).signer !== ZeroAddress,
    }),
  );

  /** Adds the missing signature to a pending lot; with both it is released. */
  readonly cosignLot = this.operation(this.lotsOf, (c) => c.cosignLot)(
    (attestation: LotAttestation, signature: SignerSignatureInput) => [attestation, signerSignature(signature)],
    (receipt) => ({ released: this.events(receipt, this.lots.interface, "LotReleased").length > 0 }),
  );

  readonly recallLot = this.operation(this.lotsOf, (c) => c.recallLot)(
    (lotId: string, reason?: HashInput) => [lotId, toBytes32(reason)],
    () => ({}),
  );

  readonly voidLot = this.operation(this.lotsOf, (c) => c.voidLot)(
    (lotId: string, reason?: HashInput) => [lotId, toBytes32(reason)],
    () => ({}),
  );

  /** The council lifts a mistaken recall (also while the protocol is paused). */
  readonly liftRecall = this.operation(this.lotsOf, (c) => c.liftRecall)(
    (lotId: string, reason?: HashInput) => [lotId, toBytes32(reason)],
    () => ({}),
  );

  /** The council moves a revoked manufacturer's product to a successor manufacturer; recorded lots are unaffected. */
  readonly transferProduct = this.operation(this.lotsOf, (c) => c.transferProduct)(
    (gtin: bigint, successor: string) => [gtin, successor],
    () => ({}),
  );

  async product(gtin: bigint): Promise<ProductRecord> {
    const p = await this.read((at) => this.lots.product(gtin, at));
    return {
      gtin,
      manufacturer: p.manufacturer,
      status: Number(p.status) as ProductStatus,
      registeredAt: p.registeredAt,
    };
  }

  /** The lot's record; throws `NotFoundError` for an unknown lot. */
  async lot(lotId: string): Promise<LotRecord> {
    const l = await this.read((at) => this.lots.lot(lotId, at));
    if (Number(l.status) === LotStatus.None) throw new NotFoundError(`lot ${lotId} is not on chain ${this.chainId}`);
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

  // ------------------------------------------------------------------ custody

  /**
   * Ships index ranges of one or more lots to `buyer`, optionally through a transporter, with the off-chain shipping
   * notice's hash. Missing hints are looked up. Returns the shipment id.
   */
  readonly ship = this.operation(this.custodyOf, (c) => c.ship)(
    async (p: { buyer: string; transporter?: string; notice?: HashInput; ranges: readonly PackRangeInput[] }) => [
      p.buyer,
      p.transporter ?? ZeroAddress,
      toBytes32(p.notice),
      await this.hinted(p.ranges),
    ],
    (receipt) => {
      const event = this.event(receipt, this.custody.interface, "ShipmentCreated");
      return { shipmentId: event.args.shipmentId as bigint, packCount: event.args.packCount as bigint };
    },
    (value, p) => ({
      shipmentId: value as bigint,
      packCount: p.ranges.reduce((n, r) => n + BigInt(r.end - r.start), 0n),
    }),
  );

  /** The named transporter picks the shipment up at a location (GLN). */
  readonly pickUp = this.operation(this.custodyOf, (c) => c.pickUp)(
    (shipmentId: bigint, gln: bigint | number) => [shipmentId, gln],
    () => ({}),
  );

  readonly handOver = this.operation(this.custodyOf, (c) => c.handOver)(
    (shipmentId: bigint, gln: bigint | number) => [shipmentId, gln],
    () => ({}),
  );

  /** The buyer receives: custody and ownership of every pack of the shipment move to it. */
  readonly receiveShipment = this.operation(this.custodyOf, (c) => c.receiveShipment)(
    (shipmentId: bigint) => [shipmentId],
    () => ({}),
  );

  /** The buyer rejects: the packs return to the seller. */
  readonly rejectShipment = this.operation(this.custodyOf, (c) => c.rejectShipment)(
    (shipmentId: bigint, reason?: HashInput) => [shipmentId, toBytes32(reason)],
    () => ({}),
  );

  /** The seller cancels before pick-up; one range of the shipment (found from its events) witnesses the seller. */
  readonly cancelShipment = this.operation(this.custodyOf, (c) => c.cancelShipment)(
    async (shipmentId: bigint) => [shipmentId, await this.witnessOf(shipmentId)],
    () => ({}),
  );

  /** A regulator voids an open shipment: the packs return to the seller. */
  readonly voidShipment = this.operation(this.custodyOf, (c) => c.voidShipment)(
    (shipmentId: bigint, reason?: HashInput) => [shipmentId, toBytes32(reason)],
    () => ({}),
  );

  /** Decommissions one pack, proven by its serial, into an EU FMD state. */
  readonly decommission = this.operation(this.custodyOf, (c) => c.decommission)(
    async (pack: PackRef, state: PackState) => [await this.packProof(pack), state],
    () => ({}),
  );

  /** Dispenses one pack to a patient (decommission as `Dispensed`). */
  readonly dispense = this.operation(this.custodyOf, (c) => c.decommission)(
    async (pack: PackRef) => [await this.packProof(pack), PackState.Dispensed],
    () => ({}),
  );

  /** Decommissions a range the caller holds (destruction, export, samples...). */
  readonly decommissionRange = this.operation(this.custodyOf, (c) => c.decommissionRange)(
    async (range: PackRangeInput, state: PackState) => [(await this.hinted([range]))[0], state],
    () => ({}),
  );

  /** Undoes a decommission within its window, by the account that made it. */
  readonly undoDecommission = this.operation(this.custodyOf, (c) => c.undoDecommission)(
    async (range: PackRangeInput) => [(await this.hinted([range]))[0]],
    () => ({}),
  );

  /**
   * Quarantines ranges as suspect, with the evidence's hash: the holder of the packs, or a regulator. Anyone else
   * reports a suspicion ({@link reportSuspicion}).
   */
  readonly quarantine = this.operation(this.custodyOf, (c) => c.quarantine)(
    async (ranges: readonly PackRangeInput[], evidence?: HashInput) => [await this.hinted(ranges), toBytes32(evidence)],
    () => ({}),
  );

  /**
   * Reports a suspicion about packs the caller does not hold, with the evidence's hash: an event for their holder and
   * the regulators; no state changes.
   */
  readonly reportSuspicion = this.operation(this.custodyOf, (c) => c.reportSuspicion)(
    async (ranges: readonly PackRangeInput[], evidence?: HashInput) => [await this.hinted(ranges), toBytes32(evidence)],
    () => ({}),
  );

  /** A regulator clears suspect packs. */
  readonly clearSuspect = this.operation(this.custodyOf, (c) => c.clearSuspect)(
    async (ranges: readonly PackRangeInput[], decision?: HashInput) => [await this.hinted(ranges), toBytes32(decision)],
    () => ({}),
  );

  /**
   * Confirms suspect packs illegitimate (final), with two keys: the first call (a regulator or the council) proposes,
   * the same call with the same ranges and decision by a different regulator or the council completes it.
   * `confirmed` says which happened; `proposalId` names the proposal (see {@link illegitimacyProposalId}).
   */
  readonly confirmIllegitimate = this.operation(this.custodyOf, (c) => c.confirmIllegitimate)(
    async (ranges: readonly PackRangeInput[], decision?: HashInput) => [await this.hinted(ranges), toBytes32(decision)],
    (receipt) => {
      const proposed = this.events(receipt, this.custody.interface, "IllegitimacyProposed");
      if (proposed.length > 0) return { confirmed: false, proposalId: String(proposed[0].args.proposalId) };
      const done = this.events(receipt, this.custody.interface, "PacksIllegitimate");
      const ranges = done.map((e) => ({
        lotId: String(e.args.lotId),
        start: Number(e.args.start),
        end: Number(e.args.end),
      }));
      return { confirmed: true, proposalId: illegitimacyProposalId(ranges, String(done[0].args.decisionHash)) };
    },
  );

  /** Who proposed the ruling of illegitimacy `proposalId` that awaits its second key (null: none). */
  async illegitimacyProposer(proposalId: string): Promise<string | null> {
    const proposer = await this.read((at) => this.custody.illegitimacyProposer(proposalId, at));
    return proposer === ZeroAddress ? null : proposer;
  }

  /**
   * The holder destroys packs confirmed illegitimate (their disposition): they become `Destroyed` and leave its stock,
   * also in a recalled or expired lot.
   */
  readonly destroyIllegitimate = this.operation(this.custodyOf, (c) => c.destroyIllegitimate)(
    async (ranges: readonly PackRangeInput[]) => [await this.hinted(ranges)],
    () => ({}),
  );

  /** Reports the second scan of a decommissioned pack's code (a clone) to the regulator. */
  readonly reportClone = this.operation(this.custodyOf, (c) => c.reportClone)(
    async (pack: PackRef) => [await this.packProof(pack)],
    () => ({}),
  );

  async shipment(shipmentId: bigint): Promise<ShipmentRecord> {
    const [s, transporter] = await this.read((at) => this.custody.shipment(shipmentId, at));
    return {
      shipmentId,
      buyer: s.buyer,
      status: Number(s.status) as ShipmentStatus,
      viaTransporter: s.viaTransporter,
      packCount: s.packCount,
      transporter,
    };
  }

  async packStatus(lotId: string, index: number): Promise<PackStatusRecord> {
    const s = await this.read((at) => this.custody.packStatus(lotId, index, at));
    return {
      lotId,
      index,
      state: Number(s.state) as PackState,
      holder: s.holder,
      shipmentId: s.shipmentId,
      decommissionedAt: s.decommissionedAt,
      runStart: Number(s.runStart),
    };
  }

  /** Every run of the lot (consecutive packs sharing holder and state), read page by page. */
  async runs(lotId: string, pageSize = 500, options: { blockTag?: number } = {}): Promise<RunRecord[]> {
    const all: RunRecord[] = [];
    let from = 0;
    for (;;) {
      const [page, next] = await this.read((at) =>
        this.custody.runs(lotId, from, pageSize, options.blockTag === undefined ? at : options),
      );
      for (const r of page) {
        all.push({
          start: Number(r.start),
          end: Number(r.end),
          holder: r.holder,
          state: Number(r.state) as PackState,
          head: Number(r.head) as PackState,
          aux: r.aux,
        });
      }
      if (Number(next) === 0 || page.length === 0) return all;
      from = Number(next);
    }
  }

  // ------------------------------------------------------------------ trade: orders

  /**
   * The signer (the buyer) orders `quantity` packs of `gtin` from `seller`, wanted by `deliverBy` (unix seconds;
   * default {@link DEFAULT_DELIVERY_DAYS} days after the latest block), with the order document's hash. The contract
   * price of (seller, buyer, gtin), if one applies, is recorded on the order. Returns the order id.
   */
  readonly placeOrder = this.operation(this.ordersOf, (c) => c.placeOrder)(
    async (p: {
      seller: string;
      gtin: bigint;
      quantity: number | bigint;
      deliverBy?: bigint | number;
      document?: HashInput;
    }) => [p.seller, p.gtin, p.quantity, p.deliverBy ?? (await this.defaultDeliverBy()), toBytes32(p.document)],
    (receipt) => ({ orderId: this.event(receipt, this.orders.interface, "OrderPlaced").args.orderId as bigint }),
    (value) => ({ orderId: value as bigint }),
  );

  /** The buyer changes its order's quantity, delivery date (default as for `placeOrder`) and document before the seller answers. */
  readonly amendOrder = this.operation(this.ordersOf, (c) => c.amendOrder)(
    async (orderId: bigint, p: { quantity: number | bigint; deliverBy?: bigint | number; document?: HashInput }) => [
      orderId,
      p.quantity,
      p.deliverBy ?? (await this.defaultDeliverBy()),
      toBytes32(p.document),
    ],
    () => ({}),
  );

  /**
   * The seller confirms a placed order, with its acknowledgement's hash, naming the quantity and the price per pack it
   * confirms (`pricePerPack` as `"1.25"` in currency units or a bigint in millionths, as {@link OrderRecord} has it;
   * 0 for an order without a contract price). The contract refuses the confirmation with `TradeOrderChanged` when the
   * order is not for those any more: an amendment by the buyer that lands first cannot make the seller confirm other
   * terms.
   *
   * What `terms` leaves out is read from the order just before sending, so the confirmation binds to that read, not
   * to what the seller looked at earlier: an amendment made before the read is confirmed. To confirm what a person
   * reviewed, pass the quantity and price they were shown.
   */
  readonly confirmOrder = this.operation(this.ordersOf, (c) => c.confirmOrder)(
    async (
      orderId: bigint,
      confirmation?: HashInput,
      terms: { quantity?: number | bigint; pricePerPack?: PriceInput } = {},
    ) => {
      // the order as stored (all zero when unknown, which the contract then refuses by name)
      const read =
        terms.quantity === undefined || terms.pricePerPack === undefined
          ? await this.read((at) => this.orders.order(orderId, at))
          : undefined;
      const quantity = terms.quantity ?? read!.quantity;
      const pricePerPack = terms.pricePerPack === undefined ? read!.pricePerPack : parsePrice(terms.pricePerPack);
      return [orderId, quantity, pricePerPack, toBytes32(confirmation)];
    },
    () => ({}),
  );

  /** The seller declines a placed order. */
  readonly declineOrder = this.operation(this.ordersOf, (c) => c.declineOrder)(
    (orderId: bigint, reason?: HashInput) => [orderId, toBytes32(reason)],
    () => ({}),
  );

  /** Either party cancels the order's open quantity (shipments already on their way still settle). */
  readonly cancelOrder = this.operation(this.ordersOf, (c) => c.cancelOrder)(
    (orderId: bigint, reason?: HashInput) => [orderId, toBytes32(reason)],
    () => ({}),
  );

  /**
   * The seller ships ranges to fill order `orderId` (custody's `shipForOrder`): as `ship`, and the order book checks
   * the shipment against the order. `buyer` defaults to the order's buyer (read from the order); missing hints are
   * looked up; a range's `lotNumber` (which proves its lot is of the ordered product) is read from the lot's
   * `LotCommissioned` event when omitted, which scans the chain's logs: give it to spare that. Returns the shipment id.
   */
  readonly shipForOrder = this.operation(this.custodyOf, (c) => c.shipForOrder)(
    async (p: {
      orderId: bigint;
      buyer?: string;
      transporter?: string;
      notice?: HashInput;
      ranges: readonly OrderRangeInput[];
    }) => {
      const [ranges, lotNumbers, buyer] = await Promise.all([
        this.hinted(p.ranges),
        this.lotNumbersOf(p.ranges),
        p.buyer ?? this.order(p.orderId).then((o) => o.buyer),
      ]);
      return [p.orderId, buyer, p.transporter ?? ZeroAddress, toBytes32(p.notice), ranges, lotNumbers];
    },
    (receipt) => {
      const event = this.event(receipt, this.custody.interface, "ShipmentCreated");
      return { shipmentId: event.args.shipmentId as bigint, packCount: event.args.packCount as bigint };
    },
    (value, p) => ({
      shipmentId: value as bigint,
      packCount: p.ranges.reduce((n, r) => n + BigInt(r.end - r.start), 0n),
    }),
  );

  /** The order, its status (derived from its shipments) by name, its open quantity and price; `NotFoundError` if unknown. */
  async order(orderId: bigint): Promise<OrderRecord> {
    const o = await this.read((at) => this.orders.order(orderId, at));
    const status = Number(o.status) as OrderStatus;
    if (status === OrderStatus.None)
      throw new NotFoundError(`order ${orderId} does not exist on chain ${this.chainId}`);
    const quantity = Number(o.quantity);
    const shipped = Number(o.shipped);
    const closed = status === OrderStatus.Declined || status === OrderStatus.Cancelled;
    const currency = bytes3ToCurrency(o.currency);
    return {
      orderId,
      seller: o.seller,
      buyer: o.buyer,
      gtin: o.gtin,
      quantity,
      shipped,
      received: Number(o.received),
      open: closed ? 0 : quantity - shipped,
      status,
      statusName: OrderStatus[status],
      offerId: o.offerId,
      pricePerPack: o.pricePerPack,
      currency,
      price: o.offerId === 0n ? undefined : formatPrice(o.pricePerPack, currency),
    };
  }

  /** How many orders the order book has (ids run from 1). */
  async orderCount(): Promise<bigint> {
    return this.read((at) => this.orders.orderCount(at));
  }

  // ------------------------------------------------------------------ trade: prices

  /**
   * The seller (the signer) offers `buyer` a price per pack of `gtin` (`"1.25"` in `currency` units, or millionths as
   * a bigint), valid until `validUntil` (unix seconds), with its terms' hash: it opens a negotiation. Returns the offer id.
   */
  readonly offerPrice = this.operation(this.ordersOf, (c) => c.offerPrice)(
    (p: {
      buyer: string;
      gtin: bigint;
      price: PriceInput;
      currency: string;
      validUntil: bigint | number;
      terms?: HashInput;
    }) => [p.buyer, p.gtin, parsePrice(p.price), currencyToBytes3(p.currency), p.validUntil, toBytes32(p.terms)],
    (receipt) => ({ offerId: this.event(receipt, this.orders.interface, "PriceOffered").args.offerId as bigint }),
    (value) => ({ offerId: value as bigint }),
  );

  /**
   * The party an open offer is addressed to answers with its own price (`currency` defaults to the countered offer's,
   * read from it). Returns the counter-offer's id.
   */
  readonly counterOffer = this.operation(this.ordersOf, (c) => c.counterOffer)(
    async (
      offerId: bigint,
      p: { price: PriceInput; currency?: string; validUntil: bigint | number; terms?: HashInput },
    ) => [
      offerId,
      parsePrice(p.price),
      p.currency !== undefined
        ? currencyToBytes3(p.currency)
        : (await this.read((at) => this.orders.offer(offerId, at))).currency,
      p.validUntil,
      toBytes32(p.terms),
    ],
    (receipt) => ({ offerId: this.event(receipt, this.orders.interface, "PriceOffered").args.offerId as bigint }),
    (value) => ({ offerId: value as bigint }),
  );

  /** The addressee accepts an open offer: it becomes the contract price of (seller, buyer, gtin) until its `validUntil`. */
  readonly acceptOffer = this.operation(this.ordersOf, (c) => c.acceptOffer)(
    (offerId: bigint) => [offerId],
    () => ({}),
  );

  /** The addressee declines an open offer, ending the negotiation. */
  readonly declineOffer = this.operation(this.ordersOf, (c) => c.declineOffer)(
    (offerId: bigint, reason?: HashInput) => [offerId, toBytes32(reason)],
    () => ({}),
  );

  /** The party that made an open offer withdraws it. */
  readonly withdrawOffer = this.operation(this.ordersOf, (c) => c.withdrawOffer)(
    (offerId: bigint) => [offerId],
    () => ({}),
  );

  /** The offer (an `Open` one past its `validUntil` reads `Expired`); `NotFoundError` if unknown. */
  async offer(offerId: bigint): Promise<OfferRecord> {
    const o = await this.read((at) => this.orders.offer(offerId, at));
    if (Number(o.status) === OfferStatus.None)
      throw new NotFoundError(`price offer ${offerId} does not exist on chain ${this.chainId}`);
    return offerRecord(offerId, o);
  }

  /** The accepted offer an order of (seller, buyer, gtin) placed now would record; undefined when none applies. */
  async contractPrice(seller: string, buyer: string, gtin: bigint): Promise<OfferRecord | undefined> {
    const [offerId, accepted] = await this.read((at) => this.orders.contractPrice(seller, buyer, gtin, at));
    return offerId === 0n ? undefined : offerRecord(offerId, accepted);
  }

  // ------------------------------------------------------------------ trade: primary distributors

  /** The manufacturer names the primary distributor of its product `gtin` (0: of all its products); the zero address removes it. */
  readonly assignPrimaryDistributor = this.operation(this.ordersOf, (c) => c.assignPrimaryDistributor)(
    (gtin: bigint | number, distributor: string) => [gtin, distributor],
    () => ({}),
  );

  /** The manufacturer names the primary distributor for buyers licensed in `region` (`"US"`); the zero address removes it. */
  readonly assignRegionalDistributor = this.operation(this.ordersOf, (c) => c.assignRegionalDistributor)(
    (region: string, distributor: string) => [jurisdictionToBytes2(region), distributor],
    () => ({}),
  );

  /** The primary distributor a distributor licensed in `region` must order `gtin` from; undefined when none applies. */
  async primaryDistributor(manufacturer: string, gtin: bigint, region: string): Promise<string | undefined> {
    const d = await this.read((at) =>
      this.orders.primaryDistributor(manufacturer, gtin, jurisdictionToBytes2(region), at),
    );
    return d === ZeroAddress ? undefined : d;
  }

  // ------------------------------------------------------------------ trade: inventory

  /**
   * `holder`'s packs in `lotIds` by state, per lot, from the order book's `inventory` view over custody: the lots are
   * sorted and made unique, every page is read at one block (the latest, unless `blockTag`), lines split over pages
   * are added up. Lots where the holder has no pack give no line.
   */
  async inventory(holder: string, lotIds: readonly string[], options: InventoryOptions = {}): Promise<InventoryReport> {
    const maxRuns = options.maxRuns ?? 250;
    if (!Number.isInteger(maxRuns) || maxRuns < 1 || maxRuns > 0xffffffff) {
      throw new InvalidInputError(`maxRuns ${maxRuns} must be a whole number from 1`);
    }
    const who = getAddress(holder);
    const ids = [
      ...new Set(
        lotIds.map((l) => {
          if (!isHexString(l, 32)) throw new InvalidInputError(`lot id "${l}" is not 32 bytes of hex`);
          return l.toLowerCase();
        }),
      ),
    ].sort();
    const blockTag = options.blockTag ?? (await this.latestBlock()).number;
    const byLot = new Map<string, InventoryLineRecord>();
    let fromLot = 0;
    let fromRun = 0;
    let pages = 0;
    while (fromLot < ids.length) {
      const [lines, nextLot, nextRun] = await this.read(() =>
        this.orders.inventory(who, ids, fromLot, fromRun, maxRuns, { blockTag }),
      );
      pages++;
      for (const l of lines) {
        const key = l.lotId.toLowerCase();
        const line = byLot.get(key) ?? {
          lotId: key,
          gtin: l.gtin,
          expiresAt: l.expiresAt,
          recalled: l.recalled,
          available: 0n,
          inTransit: 0n,
          suspect: 0n,
          illegitimate: 0n,
          decommissioned: 0n,
          total: 0n,
        };
        line.available += l.available;
        line.inTransit += l.inTransit;
        line.suspect += l.suspect;
        line.illegitimate += l.illegitimate;
        line.decommissioned += l.decommissioned;
        line.total = line.available + line.inTransit + line.suspect + line.illegitimate + line.decommissioned;
        byLot.set(key, line);
      }
      fromLot = Number(nextLot);
      fromRun = Number(nextRun);
    }
    const lots = [...byLot.values()];
    const totals: InventoryTotals = {
      available: 0n,
      inTransit: 0n,
      suspect: 0n,
      illegitimate: 0n,
      decommissioned: 0n,
      total: 0n,
    };
    for (const l of lots) {
      for (const k of Object.keys(totals) as (keyof InventoryTotals)[]) totals[k] += l[k];
    }
    return { holder: who, blockNumber: blockTag, lotsRead: ids.length, pages, lots, totals };
  }

  /**
   * `holder`'s whole inventory: the lots it may hold are found from events ({@link HistoryReader.lotsHeldBy}: lots it
   * commissioned, lots of shipments made to it), then read as {@link PharmaChainClient.inventory} does. `fromBlock`
   * (the deployment's block) shortens the event scan on a long chain.
   */
  async inventoryOf(holder: string, options: InventoryOptions & HistoryOptions = {}): Promise<InventoryReport> {
    const lots = await this.history().lotsHeldBy(holder, options);
    return this.inventory(holder, lots, options);
  }

  // ------------------------------------------------------------------ internals

  private registryOf(this: PharmaChainClient): StakeholderRegistry {
    return this.registry;
  }

  private ordersOf(this: PharmaChainClient): TradeOrders {
    return this.orders;
  }

  private async latestBlock(): Promise<{ number: number; timestamp: number }> {
    const block = await this.provider.getBlock((await readBlock(this.provider)) ?? "latest");
    if (!block) throw new NotFoundError("the provider returned no latest block");
    return block;
  }

  /** {@link DEFAULT_DELIVERY_DAYS} days after the latest block's time (the chain's clock, not this machine's). */
  private async defaultDeliverBy(): Promise<bigint> {
    return BigInt((await this.latestBlock()).timestamp + DEFAULT_DELIVERY_DAYS * 24 * 60 * 60);
  }

  /** Each range's lot number: as given, else from its lot's `LotCommissioned` event. */
  private async lotNumbersOf(ranges: readonly OrderRangeInput[]): Promise<string[]> {
    const missing = ranges.filter((r) => r.lotNumber === undefined).map((r) => r.lotId);
    const found = missing.length === 0 ? new Map<string, string>() : await this.history().lotNumbers(missing);
    return ranges.map((r) => {
      const lotNumber = r.lotNumber ?? found.get(r.lotId.toLowerCase());
      if (lotNumber === undefined) {
        throw new NotFoundError(
          `lot ${r.lotId} was never commissioned on chain ${this.chainId}: no lot number found for it`,
        );
      }
      return lotNumber;
    });
  }

  private lotsOf(this: PharmaChainClient): ProductLots {
    return this.lots;
  }

  private custodyOf(this: PharmaChainClient): PackCustody {
    return this.custody;
  }

  private signer(): Signer {
    if (!isSigner(this.runner)) {
      throw new ConfigurationError(
        "this client was connected with a provider only: connect a signer to send transactions",
      );
    }
    return this.runner;
  }

  /**
   * A view call, pinned after this provider's last write through the SDK (`blockTag`, to pass as the call's
   * overrides: undefined, meaning latest, before any write), its refusal explained.
   */
  private async read<T>(call: (overrides: { blockTag?: number }) => Promise<T>): Promise<T> {
    try {
      const blockTag = await readBlock(this.provider);
      return await call(blockTag === undefined ? {} : { blockTag });
    } catch (error) {
      throw explainError(error);
    }
  }

  /**
   * Builds a write operation: `build` turns the caller's arguments into the contract call's, `fromReceipt` reads the
   * caller's answer from the receipt's events, `fromStatic` from a static call's return value (for dry runs).
   */
  private operation<C extends BaseContract, P extends unknown[]>(
    contractOf: (this: PharmaChainClient) => C,
    // the binding's own method: the arguments `build` returns are type-checked against the contract's signature
    method: (contract: C) => TypedContractMethod<P, any, any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  ) {
    return <A extends unknown[], R extends object>(
      build: (...args: A) => P | Promise<P>,
      fromReceipt: (receipt: TransactionReceipt) => R,
      fromStatic?: (value: unknown, ...args: A) => R,
    ): Operation<A, R> => {
      const send = async (...args: A): Promise<Written<R>> => {
        const signer = this.signer();
        const fn = method(contractOf.call(this).connect(signer) as C);
        let receipt: TransactionReceipt;
        try {
          const callArgs = await build(...args);
          // Sent and awaited in one place (./network): the account's next nonce, the receipt, the confirmations.
          receipt = await sendAndWait(signer, await fn.populateTransaction(...(callArgs as Args<typeof fn>)), {
            confirmations: this.confirmations,
          });
        } catch (error) {
          throw explainError(error);
        }
        const tx: TxInfo = {
          hash: receipt.hash,
          blockNumber: receipt.blockNumber,
          gasUsed: receipt.gasUsed,
          from: getAddress(receipt.from),
        };
        return { ...fromReceipt(receipt), tx };
      };
      const dryRun = async (...args: A): Promise<DryRun<R>> => {
        const fn = method(contractOf.call(this).connect(this.signer()) as C);
        try {
          const callArgs = await build(...args);
          const value: unknown = await fn.staticCall(...(callArgs as Args<typeof fn>));
          const gas = await fn.estimateGas(...(callArgs as Args<typeof fn>));
          return fromStatic ? { gas, result: fromStatic(value, ...args) } : { gas };
        } catch (error) {
          throw explainError(error);
        }
      };
      return Object.assign(send, { dryRun });
    };
  }

  private events(receipt: TransactionReceipt, iface: Interface, name: string): { args: Record<string, unknown> }[] {
    const found: { args: Record<string, unknown> }[] = [];
    const topic = iface.getEvent(name)!.topicHash;
    for (const log of receipt.logs as readonly Log[]) {
      if (log.topics[0] !== topic) continue;
      const parsed = iface.parseLog({ topics: [...log.topics], data: log.data });
      if (parsed) found.push({ args: parsed.args.toObject() });
    }
    return found;
  }

  private event(receipt: TransactionReceipt, iface: Interface, name: string): { args: Record<string, unknown> } {
    const [first] = this.events(receipt, iface, name);
    if (!first) throw new NotFoundError(`transaction ${receipt.hash} emitted no ${name} event`);
    return first;
  }

  /**
   * Fills in missing hints: the start of the run holding the pack before each range (0 for a range at 0), so that
   * the contract knows the run the range may join. A later range of the same lot in one call takes the lowest hint
   * of the earlier ones when that is lower: the contract's writes for a range never delete a run start at or before
   * its own hint, so that one is still a run start when the later range comes (the contract also carries its walk
   * over from the previous range of the same lot, when that is nearer).
   */
  private async hinted(ranges: readonly PackRangeInput[]): Promise<(PackRangeInput & { hint: number })[]> {
    if (ranges.length === 0) throw new InvalidInputError("give at least one pack range");
    const found = await Promise.all(
      ranges.map(async (r) => {
        if (!Number.isInteger(r.start) || !Number.isInteger(r.end) || r.start < 0 || r.end <= r.start) {
          throw new InvalidInputError(`range [${r.start}, ${r.end}) of lot ${r.lotId} is not a non-empty index range`);
        }
        const hint = r.hint ?? (await this.runBefore(r.lotId, r.start));
        return { lotId: r.lotId, start: r.start, end: r.end, hint };
      }),
    );
    const lowest = new Map<string, number>();
    found.forEach((r, i) => {
      const key = r.lotId.toLowerCase();
      const low = lowest.get(key);
      if (ranges[i].hint === undefined && low !== undefined) r.hint = Math.min(r.hint, low);
      lowest.set(key, Math.min(low ?? r.hint, r.hint));
    });
    return found;
  }

  /** The start of the run holding pack `index - 1` (0 for pack 0): the hint for a write starting at `index`. */
  private async runBefore(lotId: string, index: number): Promise<number> {
    if (index === 0) return 0;
    return Number(await this.read((at) => this.custody.findRun(lotId, index - 1, at)));
  }

  private async packProof(
    pack: PackRef,
  ): Promise<{ lotId: string; index: number; hint: number; serial: string; proof: string[] }> {
    const hint = pack.hint ?? (await this.runBefore(pack.lotId, pack.index));
    return { lotId: pack.lotId, index: pack.index, hint, serial: pack.serial, proof: [...pack.proof] };
  }

  /** One range of the shipment, with its current hint, read from the shipment's `PacksShipped` events. */
  private async witnessOf(shipmentId: bigint): Promise<PackRangeInput & { hint: number }> {
    const events = await new HistoryReader(this.provider, this.addresses).shipment(shipmentId);
    const shipped = events.find((e) => e.name === "PacksShipped");
    if (!shipped) throw new NotFoundError(`shipment ${shipmentId} has no shipped packs on chain ${this.chainId}`);
    const { lotId, start, end } = shipped.args as { lotId: string; start: bigint; end: bigint };
    return (await this.hinted([{ lotId, start: Number(start), end: Number(end) }]))[0];
  }

  /** A reader of this deployment's event history (the order book's too). */
  history(): HistoryReader {
    return new HistoryReader(this.provider, this.addresses, this.ordersAddress);
  }
}

/** The three addresses of a deployment, checksummed (an `orders` or `chainId` in it left out). */
function addressesOf(deployment: Deployment | DeploymentAddresses): DeploymentAddresses {
  const { registry, lots, custody } = deployment;
  return { registry: getAddress(registry), lots: getAddress(lots), custody: getAddress(custody) };
}

function offerRecord(
  offerId: bigint,
  o: {
    seller: string;
    buyer: string;
    gtin: bigint;
    pricePerPack: bigint;
    currency: string;
    validUntil: bigint;
    status: bigint;
    bySeller: boolean;
  },
): OfferRecord {
  const status = Number(o.status) as OfferStatus;
  const currency = bytes3ToCurrency(o.currency);
  return {
    offerId,
    seller: o.seller,
    buyer: o.buyer,
    gtin: o.gtin,
    pricePerPack: o.pricePerPack,
    currency,
    price: formatPrice(o.pricePerPack, currency),
    validUntil: o.validUntil,
    status,
    statusName: OfferStatus[status],
    bySeller: o.bySeller,
  };
}

/** A signature with the account it is from (EOA or ERC-1271 contract wallet). */
export interface SignerSignatureInput {
  signer: string;
  signature: string;
}

function signerSignature(s: SignerSignatureInput | undefined): SignerSignatureInput {
  return s ?? { signer: ZeroAddress, signature: "0x" };
}

/**
 * The id of a ruling of illegitimacy (see `confirmIllegitimate`): the decision hash folded with each range's lot, start
 * and end, `id = keccak256(abi.encode(id, lotId, start, end))` from `id = decision` (hints aside).
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
