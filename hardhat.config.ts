/**
 * PharmaChain's Hardhat configuration: the compiler, the networks, the plugins.
 *
 * - Compiler: solc from the `solc` npm package, pinned below; Hardhat never downloads one (see tasks/solc.ts).
 * - Networks: the in-process `hardhat` network (default), `localhost` (after `npx hardhat node`), and `remote`,
 *   taken entirely from configuration: `PHARMACHAIN_RPC_URL` and `PHARMACHAIN_KEY` set with `npx hardhat vars set`
 *   (or as environment variables). Nothing secret lives in this repository.
 */
import { HardhatUserConfig, vars } from "hardhat/config";
import "@nomicfoundation/hardhat-toolbox";
import "./tasks/solc";
import { SOLC_VERSION } from "./tasks/solc";

const remoteUrl = vars.get("PHARMACHAIN_RPC_URL", "");
const remoteKey = vars.get("PHARMACHAIN_KEY", "");

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
    hardhat: {},
    localhost: {
      url: "http://127.0.0.1:8545",
    },
    remote: {
      url: remoteUrl || "http://127.0.0.1:8545",
      accounts: remoteKey ? [remoteKey] : [],
    },
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
