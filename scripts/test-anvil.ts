/**
 * The contract test suites on anvil: starts anvil (a block per transaction, as the tests expect of a development node;
 * the timer-mined paths are the CLI's end-to-end test and the SDK's anvil test), runs `hardhat test --network anvil`
 * on it, stops it by process id whatever happens, and exits with the tests' code. Tests that need Hardhat-only
 * helpers are skipped there with the reason printed (see test/helpers/networks.ts).
 *
 *   npm run test:anvil                      the contract suites (test/*.test.ts but the end-to-end ones, test/sdk)
 *   npm run test:anvil -- test/PackRuns.test.ts   named files only
 *   npm run test:anvil -- --block-time 1    on a block a second instead
 */
import { spawn } from "child_process";
import fs from "fs";
import path from "path";
import { parseArgs } from "util";
import { startAnvil } from "./anvil";

const ROOT = path.join(__dirname, "..");
/** Suites that start their own nodes (both networks), or measure the embedded network itself. */
const NOT_HERE = new Set(["cli.e2e.test.ts", "deployment.test.ts", "bench.test.ts", "anvil.test.ts"]);

function defaultFiles(): string[] {
  const list = (dir: string): string[] =>
    fs
      .readdirSync(path.join(ROOT, dir))
      .filter((f) => f.endsWith(".test.ts") && !NOT_HERE.has(f))
      .sort()
      .map((f) => path.join(dir, f));
  return [...list("test"), ...list(path.join("test", "sdk"))];
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { "block-time": { type: "string" } },
    allowPositionals: true,
  });
  // The network helpers first: their root hook makes the test signers wait for each transaction's receipt.
  const files = [
    path.join("test", "helpers", "networks.ts"),
    ...(positionals.length > 0 ? positionals : defaultFiles()),
  ];
  const node = await startAnvil({ blockTime: Number(values["block-time"] ?? 0) });
  console.log(`anvil (pid ${node.pid}) at ${node.url}; ${files.length - 1} test files`);
  let code = 1;
  const stop = (): void => {
    node.stop().finally(() => process.exit(130));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    code = await new Promise<number>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [require.resolve("hardhat/internal/cli/cli"), "test", "--network", "anvil", "--no-compile", ...files],
        {
          cwd: ROOT,
          stdio: "inherit",
          env: {
            ...process.env,
            HARDHAT_VAR_PHARMACHAIN_ANVIL_URL: node.url,
            HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
          },
        },
      );
      child.on("error", reject);
      child.on("exit", (c, signal) => resolve(c ?? (signal ? 1 : 0)));
    });
  } finally {
    await node.stop();
  }
  process.exitCode = code;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
