/**
 * Storage writes of transactions, counted from Hardhat's `debug_traceTransaction` (geth's struct logs): every
 * `SSTORE` executed, the distinct `(contract, slot)` pairs written, and of those the slots whose value the
 * transactions changed and the slots they created (zero before, non-zero after).
 */
import type { EIP1193Provider } from "hardhat/types";

interface StructLog {
  depth: number;
  op: string;
  stack?: string[];
}

interface Trace {
  failed: boolean;
  structLogs: StructLog[];
}

export interface StorageWrites {
  /** `SSTORE` operations executed. */
  sstores: number;
  /** Distinct `(contract, slot)` pairs written at least once. */
  slotsWritten: number;
  /** Of those, the slots whose value differs after the last transaction from before the first. */
  slotsChanged: number;
  /** Of those, the slots that were zero before and are non-zero after: new state. */
  slotsCreated: number;
}

const CALLS = new Set(["CALL", "CALLCODE", "STATICCALL", "DELEGATECALL"]);

function word(hex: string): string {
  return "0x" + hex.replace(/^0x/, "").padStart(64, "0").toLowerCase();
}

/** The `(contract, slot)` pairs one transaction writes, and its number of `SSTORE`s. */
async function writesOf(provider: EIP1193Provider, hash: string): Promise<{ sstores: number; slots: Set<string> }> {
  const tx = (await provider.request({ method: "eth_getTransactionByHash", params: [hash] })) as { to: string };
  const trace = (await provider.request({
    method: "debug_traceTransaction",
    params: [hash, { disableStack: false, disableMemory: true, disableStorage: true }],
  })) as Trace;
  if (trace.failed) throw new Error(`transaction ${hash} failed`);
  // contexts[d - 1]: the contract whose storage code at depth d writes (DELEGATECALL and CALLCODE keep the caller's).
  const contexts: string[] = [tx.to.toLowerCase()];
  let pending: string | undefined;
  let sstores = 0;
  const slots = new Set<string>();
  let previousDepth = 1;
  for (const log of trace.structLogs) {
    if (log.depth > previousDepth) contexts[log.depth - 1] = pending ?? contexts[log.depth - 2];
    contexts.length = log.depth;
    previousDepth = log.depth;
    const stack = log.stack ?? [];
    if (CALLS.has(log.op)) {
      const target = "0x" + stack[stack.length - 2].replace(/^0x/, "").padStart(64, "0").slice(24).toLowerCase();
      pending = log.op === "DELEGATECALL" || log.op === "CALLCODE" ? contexts[log.depth - 1] : target;
    } else if (log.op === "SSTORE") {
      sstores++;
      slots.add(`${contexts[log.depth - 1]}:${word(stack[stack.length - 1])}`);
    }
  }
  return { sstores, slots };
}

/**
 * The storage writes of `hashes`, transactions mined in that order (one a block, as on an automining node), taken
 * together: a slot written by two of them counts once.
 */
export async function storageWrites(provider: EIP1193Provider, hashes: readonly string[]): Promise<StorageWrites> {
  let sstores = 0;
  const slots = new Set<string>();
  for (const hash of hashes) {
    const w = await writesOf(provider, hash);
    sstores += w.sstores;
    for (const s of w.slots) slots.add(s);
  }
  const receipt = async (hash: string) =>
    (await provider.request({ method: "eth_getTransactionReceipt", params: [hash] })) as { blockNumber: string };
  const before = "0x" + (BigInt((await receipt(hashes[0])).blockNumber) - 1n).toString(16);
  const after = (await receipt(hashes[hashes.length - 1])).blockNumber;
  let changed = 0;
  let created = 0;
  for (const key of slots) {
    const [address, slot] = key.split(":");
    const read = async (block: string) =>
      BigInt((await provider.request({ method: "eth_getStorageAt", params: [address, slot, block] })) as string);
    const [old, now] = [await read(before), await read(after)];
    if (old !== now) changed++;
    if (old === 0n && now !== 0n) created++;
  }
  return { sstores, slotsWritten: slots.size, slotsChanged: changed, slotsCreated: created };
}
