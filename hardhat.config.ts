/**
 * PharmaChain's Hardhat configuration: the compiler, the networks, the plugins.
 *
 * - Compiler: solc from the `solc` npm package, pinned below; Hardhat never downloads one (see tasks/solc.ts).
 * - Networks: the in-process `hardhat` network (default), `localhost` (after `npx hardhat node`), `anvil` (Foundry's
 *   node after `npm run anvil`, a block every second; its URL from `PHARMACHAIN_ANVIL_URL`, default port 8545, its
 *   accounts the node's unlocked development accounts), and `remote`,
 *   taken entirely from configuration: `PHARMACHAIN_RPC_URL` and `PHARMACHAIN_KEY` (and optionally
 *   `PHARMACHAIN_CHAIN_ID`) set with `npx hardhat vars set NAME`, or as `HARDHAT_VAR_NAME` environment variables.
 *   Nothing secret lives in this repository.
 */
import { HardhatUserConfig, vars } from "hardhat/config";
import type { NetworksUserConfig } from "hardhat/types";
import "@nomicfoundation/hardhat-toolbox";
import "./tasks/solc";
import "./tasks/tests";
import { SOLC_VERSION } from "./tasks/solc";

/** `remote` exists only once its RPC URL is configured, so that an unconfigured network fails by name. */
function remoteNetwork(): NetworksUserConfig {
  if (!vars.has("PHARMACHAIN_RPC_URL")) return {};
  const chainId = vars.get("PHARMACHAIN_CHAIN_ID", "");
  return {
    remote: {
      url: vars.get("PHARMACHAIN_RPC_URL"),
      accounts: vars.has("PHARMACHAIN_KEY") ? [vars.get("PHARMACHAIN_KEY")] : [],
      ...(chainId ? { chainId: Number(chainId) } : {}),
    },
  };
}

/**
 * Under solidity-coverage (`npm run coverage`) the contracts are built through viaIR with the minimal optimizer steps
 * (`irMinimum` in .solcover.js: the legacy pipeline runs out of stack on TradeOrders, the full IR optimizer removes the
 * instrumentation), and the instrumented code, much larger and hungrier, runs on a network without osaka's per-transaction
 * gas cap or the size limit. Deployed bytecode and every gas figure come from the normal build and network.
 */
const coverage = process.argv.includes("coverage");

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 1000 },
      evmVersion: "cancun",
      viaIR: true,
    },
  },
  networks: {
    hardhat: coverage ? { hardfork: "prague", blockGasLimit: 1_000_000_000, allowUnlimitedContractSize: true } : {},
    localhost: {
      url: "http://127.0.0.1:8545",
    },
    // Not `localhost`: there hardhat-ethers takes the node for Hardhat's and stops estimating gas, so a reverting
    // transaction would be mined instead of refused.
    anvil: {
      url: vars.get("PHARMACHAIN_ANVIL_URL", "http://127.0.0.1:8545"),
      chainId: 31337,
      timeout: 120_000,
    },
    ...remoteNetwork(),
  },
  mocha: {
    timeout: 600_000,
  },
  typechain: {
    outDir: "typechain-types",
    target: "ethers-v6",
  },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
  },
};

export default config;
