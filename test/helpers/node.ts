/**
 * A separate Hardhat node, or anvil, for tests that need JSON-RPC: started on a free port, stopped by the test.
 */
import { ChildProcess, spawn } from "child_process";
import net from "net";
import path from "path";
import { AnvilOptions, RunningAnvil, startAnvil } from "../../scripts/anvil";

export type { RunningAnvil };

export const ROOT = path.join(__dirname, "..", "..");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export interface RunningNode {
  url: string;
  stop(): Promise<void>;
}

/** Starts `hardhat node` on a free port and resolves once it accepts JSON-RPC. */
export async function startNode(timeoutMs = 120_000): Promise<RunningNode> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [require.resolve("hardhat/internal/cli/cli"), "node", "--port", String(port), "--hostname", "127.0.0.1"],
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" },
    },
  );
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`hardhat node did not start in ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Started HTTP and WebSocket JSON-RPC server")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`hardhat node exited with ${code}:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.removeAllListeners("exit");
        child.on("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** Runs the Hardhat CLI with `args`; resolves with its output, rejects with it on a non-zero exit. */
export async function hardhat(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 300_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [require.resolve("hardhat/internal/cli/cli"), ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" },
    });
    let output = "";
    child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`hardhat ${args.join(" ")} exited with ${code}:\n${output}`));
    });
  });
}

/** The anvil nodes started by {@link startAnvilNode} and not yet stopped: killed by process id if the tests exit first. */
const liveAnvils = new Set<number>();
process.on("exit", () => {
  for (const pid of liveAnvils) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

/**
 * Starts anvil (Foundry's node) on a free port with 20 accounts and a block every `blockTime` seconds (0: a block per
 * transaction). The caller stops it in an `after` hook, which mocha runs also when a test or the `before` hook failed;
 * should the process exit without it, the node is killed by its process id on the way out.
 */
export async function startAnvilNode(options: AnvilOptions = {}): Promise<RunningAnvil> {
  const node = await startAnvil(options);
  liveAnvils.add(node.pid);
  return {
    ...node,
    stop: async () => {
      await node.stop();
      liveAnvils.delete(node.pid);
    },
  };
}
