/**
 * The service on a chain that mines on a timer, end to end: anvil (Foundry's node) with a block every second and a
 * `--state` file, the protocol deployed and a small supply chain onboarded through the SDK, then `pharmachain serve`
 * started as a child process against it (the JSON-RPC URL, a deployment file, a PGlite folder) and used over HTTP only:
 *
 * 1. a scan's verdict, a serial list upload (Sign-In with Ethereum as the manufacturer), a recall delivered by a signed
 *    webhook and by Server-Sent Events after the blocks it needs were really mined;
 * 2. real reorganisations (`anvil_reorg`): a recall orphaned before it had the watcher's confirmations is never
 *    delivered, though the mirror (which follows the head) answered it while it stood; a recall orphaned after the
 *    watcher wrote its alert has its pending webhook cancelled and is not replayed, the reorg is reported, and the
 *    mirror answers from the new chain;
 * 3. the service and anvil stopped and started again (the chain from its state file, the service from its database
 *    cursor): alerts raised while the service was down arrive, and none already delivered arrives again.
 *
 * Run by `npm run test:e2e:anvil` (not by `npm test`: the file name does not end in .test.ts). Needs the built SDK and
 * server (`npm run build`).
 */
import { ChildProcess, spawn } from "child_process";
import fs from "fs";
import http from "http";
import os from "os";
import path from "path";
import { expect } from "chai";
import { HDNodeWallet, JsonRpcProvider } from "ethers";
import { SiweMessage } from "siwe";
import { deploymentToJson } from "@pharmachain/sdk";
import { RunningAnvil, startAnvilNode } from "../../test/helpers/node";
import { GTIN, HARDHAT_MNEMONIC, Receiver, World, buildWorld, rpcProvider, waitFor } from "./alerts-helpers";

const BIN = path.join(__dirname, "..", "..", "sdk", "bin", "pharmachain.js");
const CONFIRMATIONS = 2;

interface Served {
  child: ChildProcess;
  url: string;
  output(): string;
}

/** Server-Sent Events read for `ms` (or until `until` holds): the ids and types received. */
function readEvents(
  base: string,
  token: string,
  options: { lastEventId?: string; ms?: number; until?: (ids: string[]) => boolean } = {},
): Promise<{ ids: string[]; types: string[] }> {
  const url = new URL("/events?kinds=lot.recalled,order.placed", base);
  return new Promise((resolve, reject) => {
    let text = "";
    const done = (): void => {
      clearTimeout(timer);
      req.destroy();
      resolve({
        ids: [...text.matchAll(/^id: (.*)$/gm)].map((m) => m[1]),
        types: [...text.matchAll(/^event: (.*)$/gm)].map((m) => m[1]),
      });
    };
    const timer = setTimeout(done, options.ms ?? 20_000);
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (options.lastEventId) headers["last-event-id"] = options.lastEventId;
    const req = http.get({ host: url.hostname, port: url.port, path: url.pathname + url.search, headers }, (res) => {
      if (res.statusCode !== 200) {
        clearTimeout(timer);
        reject(new Error(`GET /events answered ${res.statusCode}`));
        return;
      }
      res.on("data", (c: Buffer) => {
        text += c.toString();
        const ids = [...text.matchAll(/^id: (.*)$/gm)].map((m) => m[1]);
        if (options.until?.(ids)) done();
      });
    });
    req.on("error", (e) => (e.message === "socket hang up" ? undefined : reject(e)));
  });
}

describe("the service on anvil with 1-second blocks: scans, serial lists, alerts, reorganisations, restart @skip-on-coverage", function () {
  this.timeout(240_000);
  let node: RunningAnvil;
  let w: World;
  let dir: string;
  let stateFile: string;
  let deploymentFile: string;
  let dbDir: string;
  let fromBlock: number;
  let service: Served;
  let token: string;
  let subscriptionId: string;
  let lotA: string;
  let lotB: string;
  const receiver = new Receiver();
  let hookUrl: string;
  const children: ChildProcess[] = [];
  /** The recall of lot A (test 1): the Last-Event-ID replays start after it. */
  let firstRecallId: string;

  const manufacturerKey = HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, "m/44'/60'/0'/0/2");
  const link = (lot: string, serial: string): string => `/01/${GTIN}/10/${lot}/21/${serial}`;

  async function serve(): Promise<Served> {
    const child = spawn(
      process.execPath,
      [BIN, "serve", "--rpc", node.url, "--deployment", deploymentFile, "--database", dbDir, "--port", "0"],
      {
        env: {
          ...process.env,
          PHARMACHAIN_MIRROR_POLL_MS: "250",
          PHARMACHAIN_RATE_LIMIT: "off",
          PHARMACHAIN_LOG_LEVEL: "warn",
          ALERTS_CONFIRMATIONS: String(CONFIRMATIONS),
          ALERTS_POLL_MS: "250",
          ALERTS_FROM_BLOCK: String(fromBlock),
          ALERTS_WEBHOOK_ALLOW: "loopback",
          // this responder's policy: a recalled pack is answered not verified (Manufacturer_policy)
          PHARMACHAIN_LMS_NOT_VERIFIED: "Recalled",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    children.push(child);
    // should the test process exit without its after hook, the service goes with it (by its process id)
    const pid = child.pid!;
    const killOnExit = (): void => {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, "SIGKILL");
    };
    process.once("exit", killOnExit);
    child.once("exit", () => process.off("exit", killOnExit));
    let output = "";
    child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    let earlyExit = (_code: number | null): void => {};
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`pharmachain serve did not start:\n${output}`)), 90_000);
      child.stdout!.on("data", () => {
        const m = /PharmaChain service on (http:\/\/\S+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      earlyExit = (code) => {
        clearTimeout(timer);
        reject(new Error(`pharmachain serve exited with ${code}:\n${output}`));
      };
      child.once("exit", earlyExit);
    });
    child.off("exit", earlyExit);
    return { child, url, output: () => output };
  }

  async function stopService(s: Served): Promise<void> {
    if (s.child.exitCode !== null || s.child.signalCode !== null) return;
    const exited = new Promise((resolve) => s.child.once("exit", resolve));
    s.child.kill("SIGTERM");
    await exited;
  }

  async function api(method: string, url: string, body?: unknown, type = "application/json"): Promise<Response> {
    return fetch(new URL(url, service.url), {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": type }),
      },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
  }

  async function verdictOf(lot: string, serial: string): Promise<{ block: number; verdictName: string }> {
    const res = await fetch(new URL(link(lot, serial), service.url), { headers: { accept: "application/json" } });
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { block: { number: number }; report: { verdictName: string } };
    return { block: body.block.number, verdictName: body.report.verdictName };
  }

  async function alertsStatus(): Promise<{
    cursor: number;
    head: number;
    lastReorg: { ancestor: number; depth: number; orphanedAlerts: number; detectedAt: string } | null;
  }> {
    return (await (await fetch(new URL("/alerts/status", service.url))).json()) as never;
  }

  async function signIn(): Promise<string> {
    const { nonce } = (await (await fetch(new URL("/auth/nonce", service.url))).json()) as { nonce: string };
    const message = new SiweMessage({
      domain: new URL(service.url).host,
      address: manufacturerKey.address,
      statement: "Sign in to the PharmaChain service",
      uri: service.url,
      version: "1",
      chainId: 31337,
      nonce,
      issuedAt: new Date().toISOString(),
    }).prepareMessage();
    const signature = await manufacturerKey.signMessage(message);
    const res = await fetch(new URL("/auth/sign-in", service.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message, signature }),
    });
    expect(res.status, await res.clone().text()).to.equal(200);
    return ((await res.json()) as { token: string }).token;
  }

  /** The CloudEvent id of the first log of `contract` in a transaction. */
  async function alertIdOf(txHash: string, contract: string): Promise<string> {
    const receipt = await w.provider.getTransactionReceipt(txHash);
    const log = receipt!.logs.find((l) => l.address.toLowerCase() === contract.toLowerCase())!;
    return `${txHash}:${log.index}`;
  }

  /** Replaces the blocks from `block` to the head with as many empty ones, the block timer paused meanwhile. */
  async function reorgFrom(block: number): Promise<number> {
    await w.provider.send("evm_setIntervalMining", [0]);
    try {
      const depth = (await w.provider.getBlockNumber()) - block + 1;
      await w.provider.send("anvil_reorg", [depth, []]);
      return depth;
    } finally {
      await w.provider.send("evm_setIntervalMining", [1]);
    }
  }

  const head = (): Promise<number> => w.provider.getBlockNumber();

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pharmachain-service-anvil-"));
    stateFile = path.join(dir, "chain.json");
    dbDir = path.join(dir, "db");
    deploymentFile = path.join(dir, "deployed_addresses.json");
    node = await startAnvilNode({ blockTime: 1, state: stateFile });
    w = await buildWorld(node.url);
    fromBlock = w.deployBlock;
    lotA = await w.commission("ANV-A", 10);
    lotB = await w.commission("ANV-B", 10);
    fs.writeFileSync(
      deploymentFile,
      JSON.stringify({ ...deploymentToJson(w.client.addresses), chainId: "31337" }, null, 2),
    );
    hookUrl = await receiver.start();
    service = await serve();
    token = await signIn();
  });

  after(async function () {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    w?.provider.destroy();
    await receiver.stop();
    if (node) await node.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("answers a scan, takes the lot's serial list, and delivers a recall by webhook and SSE once mined and confirmed", async function () {
    const serial = "ANV-AS3";
    // Without the list the service cannot prove the serial: an answer, not an error.
    expect((await verdictOf("ANV-A", serial)).verdictName).to.equal("cannot verify");

    const upload = await api("PUT", `/lots/${lotA}/serials`, w.manifests.get(lotA)!.serials);
    expect(upload.status, await upload.clone().text()).to.equal(201);
    expect(await upload.json()).to.include({ lotId: lotA, count: 10 });
    const verified = await verdictOf("ANV-A", serial);
    expect(verified.verdictName).to.equal("verified");
    expect((await verdictOf("ANV-A", "ANV-AS99")).verdictName).to.equal("unknown serial");
    await api("PUT", `/lots/${lotB}/serials`, w.manifests.get(lotB)!.serials).then((r) =>
      expect(r.status).to.equal(201),
    );

    const subscribed = await api("POST", "/alerts/subscriptions", {
      url: hookUrl,
      kinds: ["lot.recalled", "order.placed"],
      concernsMe: true,
    });
    expect(subscribed.status, await subscribed.clone().text()).to.equal(201);
    const subscription = (await subscribed.json()) as { id: string; secret: string };
    subscriptionId = subscription.id;
    receiver.secrets.push(subscription.secret);

    let recallId = "";
    const stream = readEvents(service.url, token, { until: (ids) => recallId !== "" && ids.includes(recallId) });
    await new Promise((r) => setTimeout(r, 300)); // the stream is open before the recall
    const recall = await w.as(w.manufacturer).recallLot(lotA, "e2e recall");
    recallId = await alertIdOf(recall.tx.hash, w.client.addresses.lots);
    firstRecallId = recallId;

    await waitFor(() => receiver.processed.has(recallId), 30_000, "the recall's webhook");
    const arrived = await head();
    // not before the confirmations were mined
    expect(arrived).to.be.at.least(recall.tx.blockNumber + CONFIRMATIONS);
    const delivered = receiver.processed.get(recallId)!;
    expect(delivered.event.type).to.equal("org.pharmachain.lot.recalled");
    expect(delivered.event.data.blockNumber).to.equal(recall.tx.blockNumber);
    expect(receiver.badSignatures).to.equal(0);
    const sse = await stream;
    expect(sse.ids).to.include(recallId);

    // the mirror answers the recall at a block at or after it
    await waitFor(async () => (await verdictOf("ANV-A", serial)).verdictName === "recalled", 10_000, "recalled");
    expect((await verdictOf("ANV-A", serial)).block).to.be.at.least(recall.tx.blockNumber);
    const ready = (await (await fetch(new URL("/readyz", service.url))).json()) as {
      status: string;
      mirror: { block: number };
      alerts: { cursor: number };
    };
    expect(ready.status).to.equal("ready");
    expect(ready.alerts.cursor).to.be.at.least(recall.tx.blockNumber);
    // DSCSA Lightweight Messaging with the responder's policy for recalled packs
    const corrUUID = "0f9d3c4e-2b1a-4c5d-8e7f-6a5b4c3d2e1f";
    const lms = await fetch(
      new URL(
        `${link("ANV-A", serial)}?linkType=gs1:verificationService&context=dscsaSaleableReturn&reqGLN=0614141073467&corrUUID=${corrUUID}`,
        service.url,
      ),
    );
    expect(lms.status).to.equal(200);
    expect(await lms.json()).to.deep.include({
      corrUUID,
      data: { verified: false, verificationFailureReason: "Manufacturer_policy", additionalInfo: "Recalled" },
    });
  });

  it("never delivers a recall orphaned before it had the confirmations; the mirror answers it only while it stood", async function () {
    const serial = "ANV-BS1";
    expect((await verdictOf("ANV-B", serial)).verdictName).to.equal("verified");
    const reorgsBefore = (
      (await (await fetch(new URL("/readyz", service.url))).json()) as { mirror: { reorgs: number } }
    ).mirror.reorgs;
    // Blocks by hand: the recall in block N, and no block after it, so the watcher (2 confirmations) cannot reach it.
    await w.provider.send("evm_setIntervalMining", [0]);
    let recallBlock: number;
    let recallHash: string;
    try {
      const sent = w.as(w.manufacturer).recallLot(lotB, "doomed recall");
      const nonce = await w.provider.getTransactionCount(w.manufacturer.address, "latest");
      await waitFor(
        async () => (await w.provider.getTransactionCount(w.manufacturer.address, "pending")) > nonce,
        10_000,
        "the recall in the pool",
      );
      await w.provider.send("evm_mine", []);
      const recall = await sent;
      recallBlock = recall.tx.blockNumber;
      recallHash = recall.tx.hash;
      // The mirror follows the head (no confirmations): it answers the recall while the block stands.
      await waitFor(async () => (await verdictOf("ANV-B", serial)).verdictName === "recalled", 10_000, "mirrored");
      const status = await alertsStatus();
      expect(status.cursor).to.be.lessThan(recallBlock);
      expect(await head()).to.equal(recallBlock);
      // The block replaced by an empty one (depth 1 < 2 confirmations).
      await w.provider.send("anvil_reorg", [1, []]);
    } finally {
      await w.provider.send("evm_setIntervalMining", [1]);
    }
    expect(await w.provider.getTransactionReceipt(recallHash)).to.equal(null);
    await waitFor(async () => (await alertsStatus()).cursor >= recallBlock + 2, 30_000, "the watcher past the block");
    // The mirror saw its block replaced, dropped its state and answers from the new chain.
    await waitFor(async () => (await verdictOf("ANV-B", serial)).verdictName === "verified", 10_000, "unrecalled");
    const ready = (await (await fetch(new URL("/readyz", service.url))).json()) as { mirror: { reorgs: number } };
    expect(ready.mirror.reorgs).to.equal(reorgsBefore + 1);
    const doomedId = `${recallHash}:`;
    expect([...receiver.requests].map((r) => r.id).filter((id) => id.startsWith(doomedId))).to.deep.equal([]);
    const replay = await readEvents(service.url, token, { lastEventId: firstRecallId, ms: 1500 });
    expect(replay.ids.filter((id) => id.startsWith(doomedId))).to.deep.equal([]);
    // Below the confirmations nothing was written: no reorg for the watcher to report.
    expect((await alertsStatus()).lastReorg).to.equal(null);
  });

  it("cancels the pending webhook of a recall orphaned after the watcher wrote it, reports the reorg, and follows the new chain", async function () {
    const serial = "ANV-BS2";
    // The receiver is down for this recall: its delivery stays pending (retried after a 30 s back-off).
    receiver.answer = (r, res) =>
      void res.writeHead(r.event.type === "org.pharmachain.lot.recalled" && r.event.subject === lotB ? 503 : 204).end();
    const recall = await w.as(w.manufacturer).recallLot(lotB, "recall to be orphaned");
    const recallId = await alertIdOf(recall.tx.hash, w.client.addresses.lots);
    await waitFor(() => receiver.requests.some((r) => r.id === recallId), 30_000, "the first delivery attempt");
    const deliveries = async (): Promise<{ alertId: string; status: string; lastError: string | null }[]> =>
      (await (await api("GET", `/alerts/subscriptions/${subscriptionId}/deliveries`)).json()) as never;
    expect((await deliveries()).find((d) => d.alertId === recallId)).to.include({ status: "pending" });
    expect((await verdictOf("ANV-B", serial)).verdictName).to.equal("recalled");
    const cursorBefore = (await alertsStatus()).cursor;
    expect(cursorBefore).to.be.at.least(recall.tx.blockNumber);

    const depth = await reorgFrom(recall.tx.blockNumber);
    expect(depth).to.be.greaterThan(CONFIRMATIONS);
    expect(await w.provider.getTransactionReceipt(recall.tx.hash)).to.equal(null);
    await waitFor(async () => (await alertsStatus()).lastReorg !== null, 30_000, "the reorganisation found");
    const { lastReorg } = await alertsStatus();
    // the highest block whose hash it stored and the chain still has: the one before the recall's, or an earlier
    // batch's last block when a batch spanned several blocks (a slow poll); only the recall's alert was after it
    expect(lastReorg!.ancestor).to.be.lessThan(recall.tx.blockNumber);
    expect(lastReorg!.orphanedAlerts).to.equal(1);
    const cancelled = (await deliveries()).find((d) => d.alertId === recallId)!;
    expect(cancelled.status).to.equal("cancelled");
    expect(cancelled.lastError).to.match(/reorganisation/);
    await waitFor(async () => (await verdictOf("ANV-B", serial)).verdictName === "verified", 10_000, "unrecalled");

    // The receiver is back; the new chain's recall of the same lot is delivered and replayed, the orphaned one never.
    receiver.answer = (_r, res) => void res.writeHead(204).end();
    const again = await w.as(w.manufacturer).recallLot(lotB, "recall on the new chain");
    const againId = await alertIdOf(again.tx.hash, w.client.addresses.lots);
    await waitFor(() => receiver.processed.has(againId), 30_000, "the new chain's recall");
    expect(receiver.processed.has(recallId)).to.equal(false);
    const replay = await readEvents(service.url, token, {
      lastEventId: firstRecallId,
      until: (ids) => ids.includes(againId),
    });
    expect(replay.ids).to.include(againId);
    expect(replay.ids).to.not.include(recallId);
    await waitFor(async () => (await verdictOf("ANV-B", serial)).verdictName === "recalled", 10_000, "recalled");
  });

  it("resumes from its cursor after the service and anvil restart: nothing lost, nothing twice", async function () {
    const placeOrder = async (): Promise<string> => {
      const placed = await w
        .as(w.distributor)
        .placeOrder({ seller: w.manufacturer.address, gtin: w.gtin, quantity: 1 });
      return alertIdOf(placed.tx.hash, w.client.ordersAddress);
    };
    const expected = [await placeOrder()];
    await waitFor(() => receiver.processed.has(expected[0]), 30_000, "the first order's webhook");
    const sentBefore = receiver.requests.length;
    const deliveredBefore = new Set(receiver.processed.keys());
    const { cursor: cursorAtStop, lastReorg: reorgAtStop } = await alertsStatus();

    await stopService(service);
    expect(service.output()).to.include("stopped");
    // Alerts raised while the service is down.
    expected.push(await placeOrder(), await placeOrder());
    const headAtStop = await head();
    const hashAtStop = (await w.provider.getBlock(headAtStop))!.hash;

    // anvil stopped (it writes the chain to its state file) and started again on it, on another port.
    w.provider.destroy();
    await node.stop();
    node = await startAnvilNode({ blockTime: 1, state: stateFile });
    const provider: JsonRpcProvider = rpcProvider(node.url);
    expect((await provider.getBlock(headAtStop))!.hash).to.equal(hashAtStop);
    provider.destroy();
    w = await rebuildWorld(node.url);

    service = await serve();
    token = await signIn();
    expected.push(await placeOrder());
    await waitFor(() => expected.every((id) => receiver.processed.has(id)), 60_000, "every order's webhook");
    const status = await alertsStatus();
    expect(status.cursor).to.be.at.least(cursorAtStop);
    // the same chain: no reorganisation found on restart
    expect(status.lastReorg?.detectedAt).to.equal(reorgAtStop?.detectedAt);
    // Nothing delivered before the stop was sent again; each order's alert exactly once.
    const after = receiver.requests.slice(sentBefore).map((r) => r.id);
    expect(after.filter((id) => deliveredBefore.has(id))).to.deep.equal([]);
    for (const id of expected) expect(receiver.requests.filter((r) => r.id === id).length, id).to.equal(1);
    // The mirror started afresh on the restarted chain: lot A is still recalled, its list still stored.
    expect((await verdictOf("ANV-A", "ANV-AS3")).verdictName).to.equal("recalled");
  });

  /** The same parties on the restarted node (a new provider: the old one talked to the stopped process). */
  async function rebuildWorld(url: string): Promise<World> {
    const provider = rpcProvider(url);
    const signers = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => provider.getSigner(i)));
    const client = w.client.withRunner(provider);
    const [council, regulator, manufacturer, distributor, distributor2, pharmacy] = signers;
    return {
      ...w,
      provider,
      client,
      chain: { provider, client, deployment: w.chain.deployment },
      as: (s) => client.withRunner(s),
      council,
      regulator,
      manufacturer,
      distributor,
      distributor2,
      pharmacy,
    };
  }
});
