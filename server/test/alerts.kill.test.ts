/**
 * Nothing is lost: the alerts service, a real child process, is killed with SIGKILL while a webhook is in flight and
 * started again on the same PGlite folder; the receiver, which deduplicates by `webhook-id`, ends with every alert
 * exactly once (and saw the one in flight at the kill at least twice).
 */
import { ChildProcess, spawn } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { expect } from "chai";
import { deploymentToJson } from "@pharmachain/sdk";
import { Receiver, sharedChain, waitFor, World } from "./alerts-helpers";

type Node = Awaited<ReturnType<typeof sharedChain>>["node"];

describe("alerts: SIGKILL during delivery and restart", function () {
  this.timeout(120_000);
  let node: Node;
  let w: World;
  let receiver: Receiver;
  let dir: string;
  let fromBlock: number;
  const children: ChildProcess[] = [];

  const startService = async (hookUrl: string): Promise<ChildProcess> => {
    const child = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", path.join(__dirname, "alerts-child.ts")],
      {
        cwd: path.join(__dirname, ".."),
        env: {
          ...process.env,
          ALERTS_DB_DIR: dir,
          RPC_URL: node.url,
          DEPLOYMENT: JSON.stringify({ ...deploymentToJson(w.client.addresses), chainId: "31337" }),
          HOOK_URL: hookUrl,
          FROM_BLOCK: String(fromBlock),
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    children.push(child);
    let output = "";
    child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (c: Buffer) => c.toString().includes("ready") && resolve());
      child.on("exit", (code) => reject(new Error(`alerts child exited with ${code}: ${output}`)));
    });
    return child;
  };

  before(async () => {
    ({ node, world: w } = await sharedChain());
    fromBlock = (await w.provider.getBlockNumber()) + 1;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "alerts-kill-"));
    receiver = new Receiver();
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await receiver?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("delivers every alert at least once and, deduplicated by id, exactly once", async () => {
    const expected: string[] = [];
    const order = async () => {
      const placed = await w
        .as(w.distributor)
        .placeOrder({ seller: w.manufacturer.address, gtin: w.gtin, quantity: 1 });
      const receipt = await w.provider.getTransactionReceipt(placed.tx.hash);
      const log = receipt!.logs.find((l) => l.address.toLowerCase() === w.client.ordersAddress.toLowerCase())!;
      expected.push(`${placed.tx.hash}:${log.index}`);
    };
    for (let i = 0; i < 10; i++) await order();

    let killed: ChildProcess | undefined;
    let inFlightAtKill: string | undefined;
    receiver.answer = async (r, res) => {
      if (receiver.requests.length === 4 && !killed) {
        // the fourth webhook arrives: kill the service before it hears the answer
        inFlightAtKill = r.id;
        killed = children[0];
        killed.kill("SIGKILL");
        await new Promise((resolve) => killed!.once("exit", resolve));
        res.writeHead(204).end();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
      res.writeHead(204).end();
    };
    const hookUrl = await receiver.start();
    await startService(hookUrl);
    await waitFor(() => killed !== undefined && killed.signalCode === "SIGKILL", 30_000, "the kill");
    const before = receiver.processed.size;
    expect(before).to.be.lessThan(expected.length);

    const second = await startService(hookUrl);
    for (let i = 0; i < 3; i++) await order(); // and new alerts while it runs again
    // Every alert, and the one in flight at the kill sent again once its lease (2 s) lapsed: the receiver had counted
    // it on arrival, so "every alert" alone can be true before the new process retries it.
    const inFlightSent = () => receiver.requests.filter((r) => r.id === inFlightAtKill).length;
    await waitFor(
      () => receiver.processed.size === expected.length && inFlightSent() >= 2,
      30_000,
      "every alert, and the in-flight one again",
    );
    second.kill("SIGTERM");
    await new Promise((resolve) => second.once("exit", resolve));

    expect([...receiver.processed.keys()].sort()).to.deep.equal([...expected].sort());
    const sent = receiver.requests.map((r) => r.id);
    expect(sent.filter((id) => id === inFlightAtKill).length).to.be.greaterThanOrEqual(2);
    for (const id of expected) expect(sent).to.include(id);
  });
});
