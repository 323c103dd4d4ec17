/**
 * The two baselines, measured on the same embedded network as PharmaChain (contracts/bench/, never deployed by
 * Ignition):
 * - `PerSlotLedger`: one storage slot per pack, `holder[keccak256(serial)]`; commission writes each pack's slot, a
 *   move checks and rewrites each;
 * - `ERC721PerPack`: an OpenZeppelin ERC-721 token per pack; commission mints one token per pack, a move is one
 *   `transferFrom` per pack.
 * Each operation is batched in one transaction up to the per-transaction gas cap (the batch size is found from two
 * small calibration transactions), and its cost per pack is the transaction's `gasUsed` divided by its packs. Costs
 * and storage for 100,000 packs are extrapolated from those batches (the metric names say so).
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { ContractTransactionResponse } from "ethers";
import type { ERC721PerPack, PerSlotLedger } from "../../typechain-types";
import { BenchSizes, Metrics, TX_GAS_CAP, progress } from "./common";
import { storageWrites } from "./storage";

async function mined(tx: Promise<ContractTransactionResponse>): Promise<{ gas: number; hash: string }> {
  const receipt = await (await tx).wait();
  if (!receipt || receipt.status !== 1) throw new Error("baseline transaction failed");
  return { gas: Number(receipt.gasUsed), hash: receipt.hash };
}

/**
 * The packs per transaction: with `cap`, as many as fit 97 % of the gas cap, from the fixed and per-pack gas of two
 * calibration transactions of `small` and `small + 100` packs.
 */
function batchSize(
  sizes: BenchSizes,
  small: { packs: number; gas: number },
  large: { packs: number; gas: number },
): number {
  if (sizes.baselineBatch !== "cap") return sizes.baselineBatch;
  const perPack = (large.gas - small.gas) / (large.packs - small.packs);
  const fixed = small.gas - perPack * small.packs;
  return Math.floor((TX_GAS_CAP * 0.97 - fixed) / perPack);
}

/** Storage written per 100,000 packs, extrapolated from two traced transactions of 10 and 20 packs. */
async function slotsPer100k(
  hre: HardhatRuntimeEnvironment,
  metrics: Metrics,
  name: string,
  run: (packs: number) => Promise<string[]>,
): Promise<void> {
  const ten = await storageWrites(hre.network.provider, await run(10));
  const twenty = await storageWrites(hre.network.provider, await run(20));
  const scale = (a: number, b: number): number => Math.round(a + ((b - a) / 10) * (100_000 - 10));
  metrics.set(`${name}.100000`, scale(ten.slotsWritten, twenty.slotsWritten), { extrapolated: true });
  metrics.set(`${name}.100000.sstores`, scale(ten.sstores, twenty.sstores), { extrapolated: true });
  metrics.set(`${name}.100000.changed`, scale(ten.slotsChanged, twenty.slotsChanged), { extrapolated: true });
  metrics.set(`${name}.100000.created`, scale(ten.slotsCreated, twenty.slotsCreated), { extrapolated: true });
}

/** Sets `<prefix>.perPack`, `.batch`, `.1pack` (one pack alone in a transaction), `.100000` and `.100000.txs`. */
function record(metrics: Metrics, prefix: string, batch: { packs: number; gas: number }, single: number): void {
  const perPack = metrics.set(`${prefix}.perPack`, Math.round(batch.gas / batch.packs));
  metrics.set(`${prefix}.batch`, batch.packs);
  metrics.set(`${prefix}.batch.gas`, batch.gas);
  metrics.set(`${prefix}.1pack`, single);
  metrics.set(`${prefix}.100000`, perPack * 100_000, { extrapolated: true });
  metrics.set(`${prefix}.100000.txs`, Math.ceil(100_000 / batch.packs), { extrapolated: true });
}

export async function measureBaselines(
  hre: HardhatRuntimeEnvironment,
  metrics: Metrics,
  sizes: BenchSizes,
): Promise<void> {
  const [owner, other] = await hre.ethers.getSigners();

  // ------------------------------------------------------------ one slot per pack
  const ledger = (await hre.ethers.deployContract("PerSlotLedger")) as unknown as PerSlotLedger;
  let nextKey = 0;
  const keys = (count: number): string[] =>
    Array.from({ length: count }, () => hre.ethers.id(`PERSLOT-SERIAL-${nextKey++}`));
  const commission = async (count: number) => {
    const k = keys(count);
    return { keys: k, packs: count, ...(await mined(ledger.connect(owner).commission(k))) };
  };
  const c1 = await commission(10);
  const c2 = await commission(110);
  const commissionBatch = await commission(batchSize(sizes, c1, c2));
  const commissionSingle = await commission(1);
  record(metrics, "baseline.perSlot.commission", commissionBatch, commissionSingle.gas);

  // Packs to move: the owner holds every key commissioned so far; commission more until a full move batch fits.
  const held: string[] = [...c1.keys, ...c2.keys, ...commissionBatch.keys, ...commissionSingle.keys];
  const take = (count: number): string[] => held.splice(0, count);
  const move = async (count: number) => ({
    packs: count,
    ...(await mined(ledger.connect(owner).move(take(count), other.address))),
  });
  const m1 = await move(10);
  const m2 = await move(110);
  const moveBatchSize = batchSize(sizes, m1, m2);
  while (held.length < moveBatchSize + 41) held.push(...(await commission(commissionBatch.packs)).keys);
  const moveBatch = await move(moveBatchSize);
  const moveSingle = await move(1);
  record(metrics, "baseline.perSlot.move", moveBatch, moveSingle.gas);
  await slotsPer100k(hre, metrics, "slots.perSlot.move", async (n) => [(await move(n)).hash]);
  await slotsPer100k(hre, metrics, "slots.perSlot.commission", async (n) => [(await commission(n)).hash]);
  progress(
    `  per-slot ledger: commission ${metrics.get("baseline.perSlot.commission.perPack")} a pack (${commissionBatch.packs} a transaction), move ${metrics.get("baseline.perSlot.move.perPack")} a pack (${moveBatch.packs} a transaction)`,
  );

  // ------------------------------------------------------------ one ERC-721 token per pack
  const nft = (await hre.ethers.deployContract("ERC721PerPack", [owner.address])) as unknown as ERC721PerPack;
  let nextId = 0;
  const mint = async (count: number) => {
    const first = nextId;
    nextId += count;
    return { packs: count, ...(await mined(nft.connect(owner).mintBatch(owner.address, first, count))) };
  };
  const n1 = await mint(10);
  const n2 = await mint(110);
  const mintBatch = await mint(batchSize(sizes, n1, n2));
  const mintSingle = await mint(1);
  record(metrics, "baseline.erc721.mint", mintBatch, mintSingle.gas);

  // Transfers take consecutive ids the owner holds: mint a fresh range for each.
  const transfer = async (count: number) => {
    const first = nextId;
    const minted = Math.min(count, mintBatch.packs);
    for (let done = 0; done < count; done += minted) await mint(Math.min(minted, count - done));
    return { packs: count, ...(await mined(nft.connect(owner).transferBatch(other.address, first, count))) };
  };
  const t1 = await transfer(10);
  const t2 = await transfer(110);
  const transferBatch = await transfer(batchSize(sizes, t1, t2));
  const transferSingle = await transfer(1);
  record(metrics, "baseline.erc721.transfer", transferBatch, transferSingle.gas);
  await slotsPer100k(hre, metrics, "slots.erc721.transfer", async (n) => [(await transfer(n)).hash]);
  await slotsPer100k(hre, metrics, "slots.erc721.mint", async (n) => [(await mint(n)).hash]);
  progress(
    `  ERC-721: mint ${metrics.get("baseline.erc721.mint.perPack")} a pack (${mintBatch.packs} a transaction), transfer ${metrics.get("baseline.erc721.transfer.perPack")} a pack (${transferBatch.packs} a transaction)`,
  );
}
