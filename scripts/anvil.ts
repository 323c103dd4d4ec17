/**
 * anvil (Foundry's node: a separate Rust implementation of the EVM, shipped as a binary inside the
 * `@foundry-rs/anvil` dev dependency) on a free port, mining a block on a timer as a QBFT consortium chain does.
 *
 *   npm run anvil                          20 accounts, a block every second, until Ctrl-C
 *   npm run anvil -- --block-time 2        another block period (0: a block per transaction, like Hardhat's)
 *   npm run anvil -- --state FILE          load the chain from FILE if it exists, and save it there on exit
 *   npm run anvil -- --port 8545           a fixed port instead of a free one
 *
 * It prints the URL; point the `anvil` network of the Hardhat config at it with `PHARMACHAIN_ANVIL_URL` (default
 * the standard port 8545), the CLI with `--rpc`. The chain id is 31337 and the accounts are Hardhat's well-known
 * development accounts, as on Hardhat's network. Tests start it with {@link startAnvil} and stop it by process id.
 */
import { ChildProcess, spawn } from "child_process";
import fs from "fs";
import path from "path";
import { parseArgs } from "util";

export interface AnvilOptions {
  /** Seconds between blocks (default 1); 0 mines a block per transaction (automine). */
  blockTime?: number;
  /** Development accounts (default 20, as Hardhat's network). */
  accounts?: number;
  /** A file to load the chain from (when it exists) and dump it to on exit (`--state`). */
  state?: string;
  /** A port to listen on (default: a free one, chosen by the system). */
  port?: number;
  /** How long to wait for it to listen (default 30 s). */
  timeoutMs?: number;
  /** Extra command-line arguments. */
  args?: string[];
}

export interface RunningAnvil {
  url: string;
  port: number;
  /** Process id of the anvil binary itself (not of a wrapper), to stop it by. */
  pid: number;
  blockTime: number;
  /** The last lines it printed (for an error message). */
  output(): string;
  /** Stops it (SIGTERM; it dumps `--state` then) and waits for its exit; SIGKILL after 10 s. */
  stop(): Promise<void>;
}

/** The anvil binary of this platform's `@foundry-rs/anvil-<os>-<arch>` package (installed by the dev dependency). */
export function anvilBinary(): string {
  const os = process.platform === "win32" ? "win32" : process.platform;
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const pkg = `@foundry-rs/anvil-${os}-${arch}`;
  let dir: string;
  try {
    dir = path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new Error(`anvil is not installed for ${process.platform}-${process.arch}: no ${pkg} (run npm ci)`);
  }
  const binary = path.join(dir, "bin", os === "win32" ? "anvil.exe" : "anvil");
  if (!fs.existsSync(binary)) throw new Error(`${pkg} has no binary at ${binary}`);
  return binary;
}

/** Starts anvil and resolves once it listens (its "Listening on host:port" line). */
export async function startAnvil(options: AnvilOptions = {}): Promise<RunningAnvil> {
  const blockTime = options.blockTime ?? 1;
  const args = [
    "--host",
    "127.0.0.1",
    "--port",
    String(options.port ?? 0),
    "--accounts",
    String(options.accounts ?? 20),
    // Hardhat's network runs osaka with EIP-7825's per-transaction gas cap; so does this one.
    "--hardfork",
    "osaka",
    "--enable-tx-gas-limit",
  ];
  if (blockTime > 0) args.push("--block-time", String(blockTime));
  if (options.state) args.push("--state", options.state);
  args.push(...(options.args ?? []));
  const child: ChildProcess = spawn(anvilBinary(), args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`anvil did not listen in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (): void => {
      const m = /Listening on [\d.]+:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on("data", onData);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`anvil exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  child.removeAllListeners("exit");
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  const pid = child.pid!;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid,
    blockTime,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(pid, "SIGTERM");
      const timer = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) process.kill(pid, "SIGKILL");
      }, 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "block-time": { type: "string" },
      accounts: { type: "string" },
      state: { type: "string" },
      port: { type: "string" },
    },
    allowPositionals: false,
  });
  const number = (v: string | undefined, name: string): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number`);
    return n;
  };
  const node = await startAnvil({
    blockTime: number(values["block-time"], "block-time"),
    accounts: number(values.accounts, "accounts"),
    port: number(values.port, "port"),
    state: values.state,
  });
  console.log(
    `anvil (pid ${node.pid}) at ${node.url}: chain 31337, ${values.accounts ?? 20} accounts, ` +
      `${node.blockTime > 0 ? `a block every ${node.blockTime} s` : "a block per transaction"}` +
      `${values.state ? `, state in ${values.state}` : ""}. Ctrl-C stops it.`,
  );
  const stop = (): void => {
    node.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
