/**
 * The context every domain client shares: one runner, the four typed bindings, the network's chain and addresses, and
 * the building blocks of a client (a pinned view call, a typed write operation, event parsing, range hints). A
 * `PharmaChainClient` and the domain clients it exposes hold the same context object, not copies: one connection
 * check, one set of bindings.
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
  getAddress,
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
} from "../contracts";
import type { TypedContractMethod } from "../../../typechain-types/common";
import { ConfigurationError, InvalidInputError, NotFoundError } from "../errors";
import { explainError } from "../revert";
import { pharmaChainDomain } from "../attestation";
import { HistoryReader } from "../history";
import { readBlock, sendAndWait } from "../network";
import type { ClientOptions, DryRun, Operation, PackRangeInput, TxInfo, Written } from "./shared";

/** The arguments of a binding's method, overrides allowed (its `P`, checked where each operation builds them). */
type Args<M extends { populateTransaction(...args: never[]): unknown }> = Parameters<M["populateTransaction"]>;

function isSigner(runner: ContractRunner): runner is Signer {
  return typeof (runner as Partial<Signer>).getAddress === "function" && typeof runner.sendTransaction === "function";
}

function providerOf(runner: ContractRunner): Provider {
  const provider =
    runner.provider ?? (typeof (runner as Partial<Provider>).getNetwork === "function" ? (runner as Provider) : null);
  if (!provider) throw new ConfigurationError("the signer has no provider: connect it to a network first");
  return provider;
}

/** The three addresses of a deployment, checksummed (an `orders` or `chainId` in it left out). */
function addressesOf(deployment: Deployment | DeploymentAddresses): DeploymentAddresses {
  const { registry, lots, custody } = deployment;
  return { registry: getAddress(registry), lots: getAddress(lots), custody: getAddress(custody) };
}

export class ClientContext {
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
  /** Confirmations to wait for after sending. */
  readonly confirmations: number;

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
  static async connect(options: ClientOptions): Promise<ClientContext> {
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
    return new ClientContext(options, network.chainId, provider, ordersAddress);
  }

  /** The same context with another signer or provider (for example another party's wallet); reads nothing. */
  withRunner(runner: ContractRunner): ClientContext {
    return new ClientContext(
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

  /** A reader of this deployment's event history (the order book's too). */
  history(): HistoryReader {
    return new HistoryReader(this.provider, this.addresses, this.ordersAddress);
  }

  /** The runner as a signer; a `ConfigurationError` when the context was connected with a provider only. */
  signer(): Signer {
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
  async read<T>(call: (overrides: { blockTag?: number }) => Promise<T>): Promise<T> {
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
  operation<C extends BaseContract, P extends unknown[]>(
    contractOf: (context: ClientContext) => C,
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
        const fn = method(contractOf(this).connect(signer) as C);
        let receipt: TransactionReceipt;
        try {
          const callArgs = await build(...args);
          // Sent and awaited in one place (../network): the account's next nonce, the receipt, the confirmations.
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
        const fn = method(contractOf(this).connect(this.signer()) as C);
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

  /** The receipt's events `name` of the contract `iface` describes, with their arguments by name. */
  events(receipt: TransactionReceipt, iface: Interface, name: string): { args: Record<string, unknown> }[] {
    const found: { args: Record<string, unknown> }[] = [];
    const topic = iface.getEvent(name)!.topicHash;
    for (const log of receipt.logs as readonly Log[]) {
      if (log.topics[0] !== topic) continue;
      const parsed = iface.parseLog({ topics: [...log.topics], data: log.data });
      if (parsed) found.push({ args: parsed.args.toObject() });
    }
    return found;
  }

  /** The receipt's first event `name`; `NotFoundError` when it has none. */
  event(receipt: TransactionReceipt, iface: Interface, name: string): { args: Record<string, unknown> } {
    const [first] = this.events(receipt, iface, name);
    if (!first) throw new NotFoundError(`transaction ${receipt.hash} emitted no ${name} event`);
    return first;
  }

  /**
   * Checks the ranges of a write (at least one, each a non-empty index range) and fills in their `hint` field: the
   * contract finds runs without hints and ignores the field, which its ABI keeps for compatibility (0 unless given).
   */
  hinted(ranges: readonly PackRangeInput[]): (PackRangeInput & { hint: number })[] {
    if (ranges.length === 0) throw new InvalidInputError("give at least one pack range");
    return ranges.map((r) => {
      if (!Number.isInteger(r.start) || !Number.isInteger(r.end) || r.start < 0 || r.end <= r.start) {
        throw new InvalidInputError(`range [${r.start}, ${r.end}) of lot ${r.lotId} is not a non-empty index range`);
      }
      return { lotId: r.lotId, start: r.start, end: r.end, hint: r.hint ?? 0 };
    });
  }
}

/**
 * What every domain client is: a view of one shared {@link ClientContext}. The context is set before a subclass's
 * fields are, so their operations can be built from it.
 */
export abstract class ContextBound {
  constructor(readonly context: ClientContext) {}
}

/** A domain client: connected on its own, or re-bound to another signer, as one of its kind. */
export abstract class DomainClient extends ContextBound {
  /** Connects a client of this kind over its own context (checks as {@link ClientContext.connect} does). */
  static async connect<T extends ContextBound>(
    this: new (context: ClientContext) => T,
    options: ClientOptions,
  ): Promise<T> {
    return new this(await ClientContext.connect(options));
  }

  /** The same client with another signer or provider; reads nothing. */
  withRunner(runner: ContractRunner): this {
    return new (this.constructor as new (context: ClientContext) => this)(this.context.withRunner(runner));
  }
}
