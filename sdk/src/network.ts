/**
 * Writing to and reading from a real chain, where blocks come on a timer (a Besu QBFT consortium, an L2, anvil with
 * `--block-time`), not the instant a transaction arrives as on Hardhat's embedded network:
 *
 * - {@link sendAndWait}: every write of the SDK is sent here and returns only with its receipt, after `confirmations`
 *   blocks. Nonces are handed out by the SDK per account and provider, so several writes from one account in a row, or
 *   at once, each take the next nonce (one account's writes sent together can land in the same block).
 * - {@link readBlock}: a read that follows the caller's writes is pinned to a block at or after the newest receipt the
 *   SDK waited for on that provider, so that a node or a cache one block behind cannot answer with the state from
 *   before those writes.
 * - {@link createProvider}: the provider the SDK makes from a URL (the CLI's, the demo's): without ethers' request
 *   cache, which by default answers a repeated request from memory for 250 ms (a stale nonce, a stale block number).
 *
 * The one rule for integrators who bring their own provider: create it without a request cache
 * (`new JsonRpcProvider(url, undefined, { cacheTimeout: -1 })`), or else read what you wrote only at a block at or after
 * your write's `tx.blockNumber`. The SDK's own reads after its own writes are pinned either way.
 */
import {
  JsonRpcApiProvider,
  JsonRpcProvider,
  Network,
  NonceManager,
  Provider,
  Signer,
  TransactionReceipt,
  TransactionRequest,
  getAddress,
  isError,
} from "ethers";
import { NotFoundError, TransactionError } from "./errors";

/** What the SDK remembers of one provider: the newest receipt it waited for, the nonces it is handing out. */
interface ChainSession {
  /** Block of the newest receipt the SDK has waited for on this provider (-1: none yet). */
  floor: number;
  accounts: Map<string, AccountNonces>;
}

/** One account's nonces while some of its writes are in flight; forgotten, and read from the node again, after. */
interface AccountNonces {
  /** The next nonce to hand out (undefined: read `pending` from the node). */
  next?: number;
  /** Writes sent and not yet settled (receipt, or failure). */
  inFlight: number;
  /** Sends are serialised per account: gas estimate, nonce, broadcast, one write at a time (not their receipts). */
  queue: Promise<void>;
}

const sessions = new WeakMap<Provider, ChainSession>();

function sessionOf(provider: Provider): ChainSession {
  let session = sessions.get(provider);
  if (!session) {
    session = { floor: -1, accounts: new Map() };
    sessions.set(provider, session);
  }
  return session;
}

/** A JSON-RPC provider's raw `send`, which ethers' request cache does not answer from memory. */
function rawSend(provider: Provider): ((method: string, params: unknown[]) => Promise<unknown>) | undefined {
  const send = (provider as Partial<JsonRpcApiProvider>).send;
  return typeof send === "function" ? send.bind(provider) : undefined;
}

/** The account's next nonce counting its transactions in the node's pool, never from a cache. */
async function pendingNonce(provider: Provider, account: string): Promise<number> {
  const send = rawSend(provider);
  if (send) return Number(await send("eth_getTransactionCount", [account, "pending"]));
  return provider.getTransactionCount(account, "pending");
}

/** The node's latest block number, never from a cache. */
async function blockNumber(provider: Provider): Promise<number> {
  const send = rawSend(provider);
  if (send) return Number(await send("eth_blockNumber", []));
  return provider.getBlockNumber();
}

export interface ProviderOptions {
  /** How often receipts and new blocks are polled, in ms (default 250; a second-long block period needs no less). */
  pollingInterval?: number;
  /** The chain, when known, to spare the `eth_chainId` call at start. */
  network?: Network | bigint | number;
}

/**
 * A JSON-RPC provider fit for a chain with real block times: no request cache (`cacheTimeout: -1`), receipts polled
 * every `pollingInterval` ms.
 */
export function createProvider(url: string, options: ProviderOptions = {}): JsonRpcProvider {
  const network = options.network === undefined ? undefined : Network.from(options.network);
  return new JsonRpcProvider(url, network, {
    staticNetwork: network,
    polling: true,
    pollingInterval: options.pollingInterval ?? 250,
    cacheTimeout: -1,
  });
}

export interface SendOptions {
  /** Blocks to wait for, the transaction's own included (default 1: its receipt). */
  confirmations?: number;
  /** Give up waiting for the receipt after this many ms (default: wait as long as it takes). */
  timeoutMs?: number;
}

function isNonceError(error: unknown): boolean {
  if (isError(error, "NONCE_EXPIRED")) return true;
  const text = String((error as { message?: unknown })?.message ?? "").toLowerCase();
  return /nonce (too low|has already been used)|already known|replacement transaction underpriced/.test(text);
}

/**
 * Sends `tx` from `signer` and waits for its receipt and `confirmations` blocks. The gas estimate (which refuses a
 * reverting call before anything is sent), the nonce and the broadcast are done one write at a time per account;
 * the waits for receipts overlap. A nonce the node says is used (another process sent from the same account) is read
 * again and the send tried once more. A signer that is an ethers `NonceManager` keeps its own nonces.
 */
export async function sendAndWait(
  signer: Signer,
  tx: TransactionRequest,
  options: SendOptions = {},
): Promise<TransactionReceipt> {
  const provider = signer.provider;
  if (!provider) throw new TransactionError("the signer has no provider: connect it to a network first");
  const session = sessionOf(provider);
  const from = getAddress(await signer.getAddress());
  let account = session.accounts.get(from);
  if (!account) {
    account = { inFlight: 0, queue: Promise.resolve() };
    session.accounts.set(from, account);
  }
  const state = account;
  state.inFlight++;
  try {
    const broadcast = async (): Promise<Awaited<ReturnType<Signer["sendTransaction"]>>> => {
      if (signer instanceof NonceManager) return signer.sendTransaction(tx);
      for (let attempt = 0; ; attempt++) {
        const pending = await pendingNonce(provider, from);
        // A node that leaves its pool out of `pending` (some do) still gets this process's next nonce.
        const nonce = Math.max(pending, state.next ?? 0);
        try {
          const response = await signer.sendTransaction({ ...tx, nonce });
          state.next = nonce + 1;
          return response;
        } catch (error) {
          // A refusal (the gas estimate reverting) spent no nonce: the next write takes this one. A nonce the node
          // says is taken is read from the node again, once.
          if (isNonceError(error)) {
            state.next = undefined;
            if (attempt === 0) continue;
          }
          throw error;
        }
      }
    };
    // Serialise the sends of one account: the next waits for this one's broadcast, not for its receipt.
    const sent = state.queue.then(broadcast);
    state.queue = sent.then(
      () => undefined,
      () => undefined,
    );
    const response = await sent;
    const receipt = await response.wait(options.confirmations ?? 1, options.timeoutMs);
    if (!receipt) throw new NotFoundError(`transaction ${response.hash} has no receipt`);
    session.floor = Math.max(session.floor, receipt.blockNumber);
    return receipt;
  } finally {
    state.inFlight--;
    if (state.inFlight === 0) state.next = undefined;
  }
}

/** Notes that the caller has seen `blockNumber` (a receipt got elsewhere): reads through `provider` start there. */
export function noteBlock(provider: Provider, blockNumber: number): void {
  const session = sessionOf(provider);
  session.floor = Math.max(session.floor, blockNumber);
}

/** The newest block of a receipt the SDK waited for through `provider`, or undefined before any write. */
export function lastWriteBlock(provider: Provider): number | undefined {
  const floor = sessions.get(provider)?.floor ?? -1;
  return floor < 0 ? undefined : floor;
}

/**
 * The block a read should be made at: undefined ("latest") before any write through `provider`; after one, the
 * node's latest block number read past ethers' cache, which on one node is at or after every receipt it has given.
 * A node behind the newest receipt's block means the chain was rewound under it (a reorganisation, a test's snapshot
 * reverted): the write is gone, and reads follow the node's chain from then on. (Behind a load balancer whose nodes
 * lag one another it could also mean another node: hence the rule that the provider talks to one node.)
 */
export async function readBlock(provider: Provider): Promise<number | undefined> {
  const floor = lastWriteBlock(provider);
  if (floor === undefined) return undefined;
  const latest = await blockNumber(provider);
  if (latest < floor) sessionOf(provider).floor = latest;
  return latest;
}
