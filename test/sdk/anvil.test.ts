/**
 * The SDK on a chain that mines on a timer and reorganises: anvil (Foundry's node, another EVM implementation) with a
 * block every second, started here on a free port and stopped by process id. Several writes from one account at
 * once, a refused write between good ones, a read right after a write through a provider with ethers' request cache,
 * and the history follower through real reorganisations (`anvil_reorg`): one shallower than its confirmations (the
 * orphaned event is never reported) and one deeper (it is retracted, the chain's new event reported, nothing twice).
 */
import fs from "fs";
import os from "os";
import path from "path";
import { expect } from "chai";
import { HDNodeWallet, JsonRpcProvider, Wallet } from "ethers";
import { PharmaChainClient } from "../../sdk/src/client";
import { deployProtocol } from "../../sdk/src/deploy";
import { Role, StakeholderStatus } from "../../sdk/src/enums";
import { gs1CheckDigit } from "../../sdk/src/gs1";
import { ContractRevertError } from "../../sdk/src/errors";
import { HistoryFollower } from "../../sdk/src/follower";
import { TradeHistoryEvent } from "../../sdk/src/history";
import { createProvider, readBlock } from "../../sdk/src/network";
import { RunningAnvil, startAnvilNode } from "../helpers/node";

/** Hardhat's (and anvil's) well-known development mnemonic: test accounts only. */
const MNEMONIC = "test test test test test test test test test test test junk";
const YEAR = 365 * 24 * 60 * 60;
/** A valid GLN (13 digits with its check digit) for party `i`. */
const gln = (i: number): bigint => {
  const body = `061414100${String(i).padStart(3, "0")}`;
  return BigInt(body + gs1CheckDigit(body));
};

/** Waits for `provider`'s chain to reach `block` (a block a second comes by itself). */
async function waitForBlock(provider: JsonRpcProvider, block: number): Promise<void> {
  while ((await provider.getBlockNumber()) < block) await new Promise((r) => setTimeout(r, 200));
}

describe("the SDK on anvil with 1-second blocks @skip-on-coverage", function () {
  let node: RunningAnvil;
  let provider: JsonRpcProvider;
  let council: PharmaChainClient;
  const wallet = (i: number): HDNodeWallet =>
    HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider);
  const as = (i: number): PharmaChainClient => council.withRunner(wallet(i));
  let validUntil: bigint;

  /**
   * Replaces the blocks from `block` to the head with as many new ones (with `pairs` of a signed transaction and the
   * new block, counted from 0, to put it in); the block timer is paused meanwhile so that the head cannot move between
   * reading it and the reorganisation. Returns the depth.
   */
  async function reorgFrom(block: number, pairs: [string, number][] = []): Promise<number> {
    await provider.send("evm_setIntervalMining", [0]);
    try {
      const depth = (await provider.getBlockNumber()) - block + 1;
      await provider.send("anvil_reorg", [depth, pairs]);
      return depth;
    } finally {
      await provider.send("evm_setIntervalMining", [1]);
    }
  }

  const mineUntil = (block: number): Promise<void> => waitForBlock(provider, block);

  before(async function () {
    node = await startAnvilNode({ blockTime: 1 });
    provider = createProvider(node.url);
    const deployment = await deployProtocol(wallet(0));
    council = await PharmaChainClient.connect({ runner: wallet(0), deployment });
    validUntil = BigInt((await provider.getBlock("latest"))!.timestamp + YEAR);
    await council.appointRegulator({ account: wallet(1).address, gln: gln(5), jurisdiction: "US", validUntil });
  });

  after(async function () {
    provider?.destroy();
    if (node) await node.stop();
  });

  it("sends four writes from one account at once: consecutive nonces, the same block for some, all mined", async function () {
    const applicants = [2, 3, 4, 5];
    await Promise.all(
      applicants.map((i) => as(i).applyForRole({ role: Role.Distributor, gln: gln(i), jurisdiction: "US" })),
    );
    const regulator = as(1);
    const nonceBefore = await provider.getTransactionCount(wallet(1).address, "latest");
    const approved = await Promise.all(
      applicants.map((i) => regulator.approveStakeholder(wallet(i).address, validUntil)),
    );
    const txs = await Promise.all(approved.map((a) => provider.getTransaction(a.tx.hash)));
    expect(txs.map((t) => t!.nonce).sort((a, b) => a - b)).to.deep.equal([0, 1, 2, 3].map((k) => nonceBefore + k));
    // Sent without waiting for each other's receipts: fewer blocks than writes.
    expect(new Set(approved.map((a) => a.tx.blockNumber)).size).to.be.lessThan(applicants.length);
    for (const i of applicants) {
      expect((await council.stakeholder(wallet(i).address)).status).to.equal(StakeholderStatus.Active);
    }
  });

  it("a refused write spends no nonce: the account's next write goes through", async function () {
    const regulator = as(1);
    const stranger = Wallet.createRandom().address;
    const refused = await regulator.approveStakeholder(stranger, validUntil).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(ContractRevertError);
    expect((refused as ContractRevertError).errorName).to.equal("RegistryUnknownStakeholder");
    expect((refused as ContractRevertError).args).to.deep.equal({ account: stranger });
    await as(6).applyForRole({ role: Role.Dispenser, gln: gln(6), jurisdiction: "US" });
    const ok = await regulator.approveStakeholder(wallet(6).address, validUntil);
    expect(ok.tx.blockNumber).to.be.greaterThan(0);
  });

  it("reads what it wrote right after, through a provider that caches answers (ethers' default)", async function () {
    // The integrator's own provider, with ethers' 250 ms request cache, on a node that mines each transaction at once
    // (a write's receipt comes well within those 250 ms): the same view read before and after a write must not be
    // answered from the cache, nor the block number the SDK reads at.
    const automine = await startAnvilNode({ blockTime: 0 });
    const cached = new JsonRpcProvider(automine.url, undefined, { pollingInterval: 50 });
    try {
      const key = (i: number): HDNodeWallet =>
        HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(cached);
      const admin = await PharmaChainClient.connect({ runner: key(0), deployment: await deployProtocol(key(0)) });
      const until = BigInt((await cached.getBlock("latest"))!.timestamp + YEAR);
      await admin.appointRegulator({ account: key(1).address, gln: gln(5), jurisdiction: "US", validUntil: until });
      const regulator = admin.withRunner(key(1));
      const reader = admin.withRunner(cached);
      await admin.withRunner(key(7)).applyForRole({ role: Role.Dispenser, gln: gln(7), jurisdiction: "US" });
      await regulator.approveStakeholder(key(7).address, until);
      for (let round = 0; round < 3; round++) {
        expect((await reader.stakeholder(key(7).address)).status).to.equal(StakeholderStatus.Active);
        await regulator.suspendStakeholder(key(7).address, `round ${round}`);
        expect((await reader.stakeholder(key(7).address)).status).to.equal(StakeholderStatus.Suspended);
        await regulator.reinstateStakeholder(key(7).address);
      }
      expect((await reader.stakeholder(key(7).address)).status).to.equal(StakeholderStatus.Active);
    } finally {
      cached.destroy();
      await automine.stop();
    }
  });

  it("reads at the node's latest block after a write, and follows the node's chain when it is rewound", async function () {
    const regulator = as(1);
    await as(12).applyForRole({ role: Role.Distributor, gln: gln(12), jurisdiction: "US" });
    const snapshot = await provider.send("evm_snapshot", []);
    const approved = await regulator.approveStakeholder(wallet(12).address, validUntil);
    expect(await readBlock(provider)).to.be.at.least(approved.tx.blockNumber);
    expect((await council.stakeholder(wallet(12).address)).status).to.equal(StakeholderStatus.Active);
    // The chain rewound below the write (a test's snapshot; a reorganisation does the same): the approval is gone and
    // the read answers from the node's chain at once instead of waiting for a block that will not come back.
    await provider.send("evm_revert", [snapshot]);
    const started = Date.now();
    expect((await council.stakeholder(wallet(12).address)).status).to.equal(StakeholderStatus.Applied);
    expect(Date.now() - started).to.be.lessThan(1000);
  });

  describe("the history follower through reorganisations (anvil_reorg)", function () {
    const hashes = (events: readonly TradeHistoryEvent[]): string[] => events.map((e) => e.transactionHash);

    it("never reports an event of a block orphaned before it had the confirmations", async function () {
      const follower = new HistoryFollower(provider, council.addresses, council.ordersAddress, { confirmations: 4 });
      const seen: TradeHistoryEvent[] = [];
      seen.push(...(await follower.poll()).events);
      const doomed = await as(8).applyForRole({ role: Role.Distributor, gln: gln(8), jurisdiction: "US" });
      const polled = await follower.poll();
      seen.push(...polled.events);
      expect(hashes(seen)).to.not.include(doomed.tx.hash);
      // Replace the blocks from the write's on, while it has fewer than 4 confirmations.
      expect(await reorgFrom(doomed.tx.blockNumber)).to.be.lessThan(4);
      expect(await provider.getTransactionReceipt(doomed.tx.hash)).to.equal(null);
      const kept = await as(9).applyForRole({ role: Role.Distributor, gln: gln(9), jurisdiction: "US" });
      await mineUntil(kept.tx.blockNumber + 3);
      for (let i = 0; i < 3; i++) {
        const u = await follower.poll();
        expect(u.reorg?.retracted ?? []).to.deep.equal([]);
        seen.push(...u.events);
      }
      expect(hashes(seen)).to.not.include(doomed.tx.hash);
      expect(hashes(seen)).to.include(kept.tx.hash);
      expect(follower.state().blockNumber).to.be.at.least(kept.tx.blockNumber);
    });

    it("detects a deeper reorganisation by block hashes, retracts the orphaned event, rewinds and reports the new chain's", async function () {
      const follower = new HistoryFollower(provider, council.addresses, council.ordersAddress, { confirmations: 2 });
      await follower.poll();
      const orphan = await as(10).applyForRole({ role: Role.Distributor, gln: gln(10), jurisdiction: "US" });
      await mineUntil(orphan.tx.blockNumber + 2);
      const reported = await follower.poll();
      expect(hashes(reported.events)).to.include(orphan.tx.hash);
      const saved = follower.state();

      // The same blocks again without that write and with another account's application in their place.
      const replacementSigner = wallet(11);
      const replacement = await replacementSigner.signTransaction(
        await replacementSigner.populateTransaction(
          await council.registry.applyForRole.populateTransaction(
            Role.Distributor,
            "0x" + "11".repeat(32),
            gln(11),
            "0x5553",
            "0x" + "00".repeat(32),
          ),
        ),
      );
      expect(await reorgFrom(orphan.tx.blockNumber, [[replacement, 0]])).to.be.at.least(2);
      expect(await provider.getTransactionReceipt(orphan.tx.hash)).to.equal(null);
      await mineUntil((await provider.getBlockNumber()) + 2);

      const after = await follower.poll();
      expect(after.reorg, "the reorganisation is seen").to.not.equal(undefined);
      expect(after.reorg!.forkBlock).to.equal(orphan.tx.blockNumber - 1);
      expect(hashes(after.reorg!.retracted)).to.deep.equal([orphan.tx.hash]);
      expect(after.events.map((e) => [e.name, e.args.account])).to.deep.equal([
        ["StakeholderApplied", replacementSigner.address],
      ]);
      expect(hashes(after.events)).to.not.include(orphan.tx.hash);

      // A follower resumed from the state saved before the reorganisation finds it the same way.
      const resumed = new HistoryFollower(provider, council.addresses, council.ordersAddress, {
        confirmations: 2,
        state: JSON.parse(JSON.stringify(saved)),
      });
      const again = await resumed.poll();
      expect(again.reorg?.forkBlock).to.equal(orphan.tx.blockNumber - 1);
      expect(hashes(again.events)).to.deep.equal(hashes(after.events));
      // And nothing twice: the next poll of either reports only what is new.
      const next = await follower.poll();
      expect(hashes(next.events)).to.not.include(hashes(after.events)[0]);
    });
  });
});

describe("anvil with --state: the chain kept across a restart @skip-on-coverage", function () {
  it("restarts on the saved chain, and a follower resumed from its saved state neither loses nor repeats an event", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pharmachain-anvil-state-"));
    const stateFile = path.join(dir, "chain.json");
    let node = await startAnvilNode({ blockTime: 1, state: stateFile });
    let provider = createProvider(node.url);
    try {
      const key = (i: number): HDNodeWallet =>
        HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider);
      const deployment = await deployProtocol(key(0));
      const admin = await PharmaChainClient.connect({ runner: key(0), deployment });
      const until = BigInt((await provider.getBlock("latest"))!.timestamp + YEAR);
      const first = await admin.appointRegulator({
        account: key(1).address,
        gln: gln(5),
        jurisdiction: "US",
        validUntil: until,
      });
      await waitForBlock(provider, first.tx.blockNumber + 1);
      const follower = new HistoryFollower(provider, admin.addresses, admin.ordersAddress, { confirmations: 2 });
      const before = await follower.poll();
      expect(before.events.map((e) => e.transactionHash)).to.include(first.tx.hash);
      const saved = JSON.stringify(follower.state());
      const headBefore = await provider.getBlock(follower.state().blockNumber);

      provider.destroy();
      await node.stop(); // anvil writes the chain to the state file as it exits
      expect(fs.existsSync(stateFile)).to.equal(true);
      node = await startAnvilNode({ blockTime: 1, state: stateFile });
      provider = createProvider(node.url);

      // The same chain: the block the follower stopped at has the same hash, the deployment the same code.
      expect((await provider.getBlock(headBefore!.number))?.hash).to.equal(headBefore!.hash);
      const again = await PharmaChainClient.connect({
        runner: HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/2").connect(provider),
        deployment,
      });
      const second = await again.applyForRole({ role: Role.Manufacturer, gln: gln(2), jurisdiction: "US" });
      await waitForBlock(provider, second.tx.blockNumber + 1);
      const resumed = new HistoryFollower(provider, deployment, again.ordersAddress, {
        confirmations: 2,
        state: JSON.parse(saved),
      });
      const after = await resumed.poll();
      expect(after.reorg).to.equal(undefined);
      expect(after.events.map((e) => e.transactionHash)).to.deep.equal([second.tx.hash]);
    } finally {
      provider.destroy();
      await node.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
