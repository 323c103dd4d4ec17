/**
 * The client: one object over the three protocol contracts, for any ethers signer (to write) or provider (to read).
 * Every write is a typed method that returns what the caller wants (a lot id, a shipment id) with its transaction's
 * hash, block and gas; `method.dryRun(...)` runs the same call as a static call and a gas estimate, sending nothing.
 * Every refusal of the contracts is thrown as a `ContractRevertError` with a readable sentence.
 */
import {
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
} from "./contracts";
import { ConfigurationError, InvalidInputError, NotFoundError } from "./errors";
import { explainError } from "./revert";
import { LotStatus, PackState, ProductStatus, Role, ShipmentStatus, StakeholderStatus } from "./enums";
import { LotAttestation, pharmaChainDomain } from "./attestation";
import { HistoryReader } from "./history";

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

/** An index range `[start, end)` of one lot; `hint` (the start of the run holding it) is looked up when omitted. */
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
  if (!/^[A-Z]{2}$/.test(code)) throw new InvalidInputError(`jurisdiction "${code}" must be two capital letters (ISO 3166-1)`);
  return "0x" + Buffer.from(code, "ascii").toString("hex");
}

/** The ISO code of a `bytes2` jurisdiction. */
export function bytes2ToJurisdiction(value: string): string {
  return Buffer.from(value.slice(2), "hex").toString("ascii");
}

function isSigner(runner: ContractRunner): runner is Signer {
  return typeof (runner as Partial<Signer>).getAddress === "function" && typeof runner.sendTransaction === "function";
}

function providerOf(runner: ContractRunner): Provider {
  const provider = runner.provider ?? (typeof (runner as Partial<Provider>).getNetwork === "function" ? (runner as Provider) : null);
  if (!provider) throw new ConfigurationError("the signer has no provider: connect it to a network first");
  return provider;
}

export class PharmaChainClient {
  readonly registry: StakeholderRegistry;
  readonly lots: ProductLots;
  readonly custody: PackCustody;
  readonly provider: Provider;
  readonly runner: ContractRunner;
  readonly chainId: bigint;
  readonly addresses: DeploymentAddresses;
  private readonly confirmations: number;

  private constructor(options: ClientOptions, chainId: bigint, provider: Provider) {
    const { registry, lots, custody } = options.deployment;
    this.addresses = { registry: getAddress(registry), lots: getAddress(lots), custody: getAddress(custody) };
    this.runner = options.runner;
    this.provider = provider;
    this.chainId = chainId;
    this.confirmations = options.confirmations ?? 1;
    this.registry = StakeholderRegistry__factory.connect(this.addresses.registry, options.runner);
    this.lots = ProductLots__factory.connect(this.addresses.lots, options.runner);
    this.custody = PackCustody__factory.connect(this.addresses.custody, options.runner);
  }

  /**
   * Connects to a deployment: checks that the network is the deployment's chain and that each address holds code, so
   * a wrong `--rpc` or `--deployment` fails here with a clear message rather than later with an opaque one.
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
    const client = new PharmaChainClient(options, network.chainId, provider);
    for (const [name, address] of Object.entries(client.addresses)) {
      if ((await provider.getCode(address)) === "0x") {
        throw new ConfigurationError(`no contract at the ${name} address ${address} on chain ${network.chainId}`, {
          details: "deploy first, or point --deployment at the right network's addresses",
        });
      }
    }
    return client;
  }

  /** The same client with another signer or provider (for example another party's wallet). */
  withRunner(runner: ContractRunner): PharmaChainClient {
    return new PharmaChainClient(
      { runner, deployment: this.addresses, confirmations: this.confirmations },
      this.chainId,
      providerOf(runner),
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
  readonly appointRegulator = this.operation(
    this.registryOf,
    "appointRegulator",
    (p: { account: string; licence?: HashInput; gln: bigint | number; jurisdiction: string; validUntil: bigint | number }) => [
      p.account,
      toBytes32(p.licence),
      p.gln,
      jurisdictionToBytes2(p.jurisdiction),
      p.validUntil,
    ],
    () => ({}),
  );

  /** The signer applies for a role with its licence, GLN and jurisdiction; a regulator then approves it. */
  readonly applyForRole = this.operation(
    this.registryOf,
    "applyForRole",
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
  readonly approveStakeholder = this.operation(
    this.registryOf,
    "approve",
    (account: string, validUntil: bigint | number) => [account, validUntil],
    () => ({}),
  );

  readonly suspendStakeholder = this.operation(
    this.registryOf,
    "suspend",
    (account: string, reason?: HashInput) => [account, toBytes32(reason)],
    () => ({}),
  );

  readonly reinstateStakeholder = this.operation(this.registryOf, "reinstate", (account: string) => [account], () => ({}));

  readonly renewLicence = this.operation(
    this.registryOf,
    "renew",
    (account: string, validUntil: bigint | number, licence?: HashInput) => [account, validUntil, toBytes32(licence)],
    () => ({}),
  );

  readonly revokeStakeholder = this.operation(
    this.registryOf,
    "revoke",
    (account: string, reason?: HashInput) => [account, toBytes32(reason)],
    () => ({}),
  );

  readonly updateMetadata = this.operation(
    this.registryOf,
    "updateMetadata",
    (metadata: HashInput) => [toBytes32(metadata)],
    () => ({}),
  );

  readonly pause = this.operation(this.registryOf, "pause", () => [], () => ({}));
  readonly unpause = this.operation(this.registryOf, "unpause", () => [], () => ({}));

  /** The registry's record of `account`. */
  async stakeholder(account: string): Promise<StakeholderRecord> {
    const s = await this.read(() => this.registry.stakeholder(account));
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
    return this.read(() => this.registry.isAuthorised(account, role));
  }

  // ------------------------------------------------------------------ products and lots

  readonly registerProduct = this.operation(
    this.lotsOf,
    "registerProduct",
    (gtin: bigint, metadata?: HashInput) => [gtin, toBytes32(metadata)],
    () => ({}),
  );

  readonly approveProduct = this.operation(this.lotsOf, "approveProduct", (gtin: bigint) => [gtin], () => ({}));

  readonly rejectProduct = this.operation(
    this.lotsOf,
    "rejectProduct",
    (gtin: bigint, reason?: HashInput) => [gtin, toBytes32(reason)],
    () => ({}),
  );

  /** A manufacturer authorises (or withdraws) an account to sign lot attestations for it. */
  readonly setSigner = this.operation(
    this.lotsOf,
    "setSigner",
    (signer: string, allowed: boolean) => [signer, allowed],
    () => ({}),
  );

  /**
   * Records a lot from its attestation and one or both signatures (either may be omitted: a lot with only the
   * manufacturer's is `Pending` until a regulator cosigns). Anyone may submit. Returns the lot id and whether the lot
   * is released.
   */
  readonly commissionLot = this.operation(
    this.lotsOf,
    "commissionLot",
    (p: { attestation: LotAttestation; manufacturerSignature?: SignerSignatureInput; regulatorSignature?: SignerSignatureInput }) => [
      p.attestation,
      signerSignature(p.manufacturerSignature),
      signerSignature(p.regulatorSignature),
    ],
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
  readonly cosignLot = this.operation(
    this.lotsOf,
    "cosignLot",
    (attestation: LotAttestation, signature: SignerSignatureInput) => [attestation, signerSignature(signature)],
    (receipt) => ({ released: this.events(receipt, this.lots.interface, "LotReleased").length > 0 }),
  );

  readonly recallLot = this.operation(
    this.lotsOf,
    "recallLot",
    (lotId: string, reason?: HashInput) => [lotId, toBytes32(reason)],
    () => ({}),
  );

  readonly voidLot = this.operation(
    this.lotsOf,
    "voidLot",
    (lotId: string, reason?: HashInput) => [lotId, toBytes32(reason)],
    () => ({}),
  );

  async product(gtin: bigint): Promise<ProductRecord> {
    const p = await this.read(() => this.lots.product(gtin));
    return { gtin, manufacturer: p.manufacturer, status: Number(p.status) as ProductStatus, registeredAt: p.registeredAt };
  }

  /** The lot's record; throws `NotFoundError` for an unknown lot. */
  async lot(lotId: string): Promise<LotRecord> {
    const l = await this.read(() => this.lots.lot(lotId));
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
  readonly ship = this.operation(
    this.custodyOf,
    "ship",
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
    (value, p) => ({ shipmentId: value as bigint, packCount: p.ranges.reduce((n, r) => n + BigInt(r.end - r.start), 0n) }),
  );

  /** The named transporter picks the shipment up at a location (GLN). */
  readonly pickUp = this.operation(
    this.custodyOf,
    "pickUp",
    (shipmentId: bigint, gln: bigint | number) => [shipmentId, gln],
    () => ({}),
  );

  readonly handOver = this.operation(
    this.custodyOf,
    "handOver",
    (shipmentId: bigint, gln: bigint | number) => [shipmentId, gln],
    () => ({}),
  );

  /** The buyer receives: custody and ownership of every pack of the shipment move to it. */
  readonly receiveShipment = this.operation(this.custodyOf, "receiveShipment", (shipmentId: bigint) => [shipmentId], () => ({}));

  /** The buyer rejects: the packs return to the seller. */
  readonly rejectShipment = this.operation(
    this.custodyOf,
    "rejectShipment",
    (shipmentId: bigint, reason?: HashInput) => [shipmentId, toBytes32(reason)],
    () => ({}),
  );

  /** The seller cancels before pick-up; one range of the shipment (found from its events) witnesses the seller. */
  readonly cancelShipment = this.operation(
    this.custodyOf,
    "cancelShipment",
    async (shipmentId: bigint) => [shipmentId, await this.witnessOf(shipmentId)],
    () => ({}),
  );

  /** A regulator voids an open shipment: the packs return to the seller. */
  readonly voidShipment = this.operation(
    this.custodyOf,
    "voidShipment",
    (shipmentId: bigint, reason?: HashInput) => [shipmentId, toBytes32(reason)],
    () => ({}),
  );

  /** Decommissions one pack, proven by its serial, into an EU FMD state. */
  readonly decommission = this.operation(
    this.custodyOf,
    "decommission",
    async (pack: PackRef, state: PackState) => [await this.packProof(pack), state],
    () => ({}),
  );

  /** Dispenses one pack to a patient (decommission as `Dispensed`). */
  readonly dispense = this.operation(
    this.custodyOf,
    "decommission",
    async (pack: PackRef) => [await this.packProof(pack), PackState.Dispensed],
    () => ({}),
  );

  /** Decommissions a range the caller holds (destruction, export, samples...). */
  readonly decommissionRange = this.operation(
    this.custodyOf,
    "decommissionRange",
    async (range: PackRangeInput, state: PackState) => [(await this.hinted([range]))[0], state],
    () => ({}),
  );

  /** Undoes a decommission within its window, by the account that made it. */
  readonly undoDecommission = this.operation(
    this.custodyOf,
    "undoDecommission",
    async (range: PackRangeInput) => [(await this.hinted([range]))[0]],
    () => ({}),
  );

  /** Quarantines ranges as suspect, with the evidence's hash. */
  readonly quarantine = this.operation(
    this.custodyOf,
    "quarantine",
    async (ranges: readonly PackRangeInput[], evidence?: HashInput) => [await this.hinted(ranges), toBytes32(evidence)],
    () => ({}),
  );

  /** A regulator clears suspect packs. */
  readonly clearSuspect = this.operation(
    this.custodyOf,
    "clearSuspect",
    async (ranges: readonly PackRangeInput[], decision?: HashInput) => [await this.hinted(ranges), toBytes32(decision)],
    () => ({}),
  );

  /** A regulator confirms suspect packs illegitimate (final). */
  readonly confirmIllegitimate = this.operation(
    this.custodyOf,
    "confirmIllegitimate",
    async (ranges: readonly PackRangeInput[], decision?: HashInput) => [await this.hinted(ranges), toBytes32(decision)],
    () => ({}),
  );

  /** Reports the second scan of a decommissioned pack's code (a clone) to the regulator. */
  readonly reportClone = this.operation(
    this.custodyOf,
    "reportClone",
    async (pack: PackRef) => [await this.packProof(pack)],
    () => ({}),
  );

  async shipment(shipmentId: bigint): Promise<ShipmentRecord> {
    const [s, transporter] = await this.read(() => this.custody.shipment(shipmentId));
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
    const s = await this.read(() => this.custody.packStatus(lotId, index));
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
  async runs(lotId: string, pageSize = 500): Promise<RunRecord[]> {
    const all: RunRecord[] = [];
    let from = 0;
    for (;;) {
      const [page, next] = await this.read(() => this.custody.runs(lotId, from, pageSize));
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

  // ------------------------------------------------------------------ internals

  private registryOf(this: PharmaChainClient): BaseContract {
    return this.registry;
  }

  private lotsOf(this: PharmaChainClient): BaseContract {
    return this.lots;
  }

  private custodyOf(this: PharmaChainClient): BaseContract {
    return this.custody;
  }

  private signer(): Signer {
    if (!isSigner(this.runner)) {
      throw new ConfigurationError("this client was connected with a provider only: connect a signer to send transactions");
    }
    return this.runner;
  }

  private async read<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw explainError(error);
    }
  }

  /**
   * Builds a write operation: `build` turns the caller's arguments into the contract call's, `fromReceipt` reads the
   * caller's answer from the receipt's events, `fromStatic` from a static call's return value (for dry runs).
   */
  private operation<A extends unknown[], R extends object>(
    contractOf: (this: PharmaChainClient) => BaseContract,
    method: string,
    build: (...args: A) => unknown[] | Promise<unknown[]>,
    fromReceipt: (receipt: TransactionReceipt) => R,
    fromStatic?: (value: unknown, ...args: A) => R,
  ): Operation<A, R> {
    const send = async (...args: A): Promise<Written<R>> => {
      const signer = this.signer();
      const fn = contractOf.call(this).connect(signer).getFunction(method);
      let receipt: TransactionReceipt | null;
      try {
        const callArgs = await build(...args);
        const response = await fn.send(...callArgs);
        receipt = await response.wait(this.confirmations);
      } catch (error) {
        throw explainError(error);
      }
      if (!receipt) throw new NotFoundError(`the ${method} transaction has no receipt`);
      const tx: TxInfo = {
        hash: receipt.hash,
        blockNumber: receipt.blockNumber,
        gasUsed: receipt.gasUsed,
        from: getAddress(receipt.from),
      };
      return { ...fromReceipt(receipt), tx };
    };
    const dryRun = async (...args: A): Promise<DryRun<R>> => {
      const fn = contractOf.call(this).connect(this.signer()).getFunction(method);
      try {
        const callArgs = await build(...args);
        const value: unknown = await fn.staticCall(...callArgs);
        const gas = await fn.estimateGas(...callArgs);
        return fromStatic ? { gas, result: fromStatic(value, ...args) } : { gas };
      } catch (error) {
        throw explainError(error);
      }
    };
    return Object.assign(send, { dryRun });
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

  /** Fills in missing hints: the start of the run that holds each range's first pack. */
  private async hinted(ranges: readonly PackRangeInput[]): Promise<PackRangeInput[]> {
    if (ranges.length === 0) throw new InvalidInputError("give at least one pack range");
    const found = await Promise.all(
      ranges.map(async (r) => {
        if (!Number.isInteger(r.start) || !Number.isInteger(r.end) || r.start < 0 || r.end <= r.start) {
          throw new InvalidInputError(`range [${r.start}, ${r.end}) of lot ${r.lotId} is not a non-empty index range`);
        }
        const hint = r.hint ?? Number(await this.read(() => this.custody.findRun(r.lotId, r.start)));
        return { lotId: r.lotId, start: r.start, end: r.end, hint };
      }),
    );
    // The contract changes the ranges one after the other, each splitting its run at its start and end: a looked-up
    // hint of a later range of the same lot moves up to the last such boundary at or before its start.
    const cuts = new Map<string, number[]>();
    found.forEach((r, i) => {
      const lotCuts = cuts.get(r.lotId.toLowerCase()) ?? [];
      if (ranges[i].hint === undefined) r.hint = Math.max(r.hint, ...lotCuts.filter((c) => c <= r.start));
      lotCuts.push(r.start, r.end);
      cuts.set(r.lotId.toLowerCase(), lotCuts);
    });
    return found;
  }

  private async packProof(pack: PackRef): Promise<{ lotId: string; index: number; hint: number; serial: string; proof: string[] }> {
    const hint = pack.hint ?? Number(await this.read(() => this.custody.findRun(pack.lotId, pack.index)));
    return { lotId: pack.lotId, index: pack.index, hint, serial: pack.serial, proof: [...pack.proof] };
  }

  /** One range of the shipment, with its current hint, read from the shipment's `PacksShipped` events. */
  private async witnessOf(shipmentId: bigint): Promise<PackRangeInput> {
    const events = await new HistoryReader(this.provider, this.addresses).shipment(shipmentId);
    const shipped = events.find((e) => e.name === "PacksShipped");
    if (!shipped) throw new NotFoundError(`shipment ${shipmentId} has no shipped packs on chain ${this.chainId}`);
    const { lotId, start, end } = shipped.args as { lotId: string; start: bigint; end: bigint };
    return (await this.hinted([{ lotId, start: Number(start), end: Number(end) }]))[0];
  }

  /** A reader of this deployment's event history. */
  history(): HistoryReader {
    return new HistoryReader(this.provider, this.addresses);
  }
}

/** A signature with the account it is from (EOA or ERC-1271 contract wallet). */
export interface SignerSignatureInput {
  signer: string;
  signature: string;
}

function signerSignature(s: SignerSignatureInput | undefined): SignerSignatureInput {
  return s ?? { signer: ZeroAddress, signature: "0x" };
}
