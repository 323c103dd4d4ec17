/**
 * The Hardhat configuration of mutation testing (`npm run mutation`, scripts/mutation.ts), built on the main one.
 *
 * Every mutant is compiled before its tests run, and on two cores the optimizer costs most of that time, so mutants
 * are built through viaIR with the optimizer off and no Yul optimizer steps (what `npm run coverage` does: the legacy
 * pipeline runs out of stack on TradeOrders). The optimizer does not change what code means, only its size and gas;
 * the larger code runs on a network without osaka's per-transaction gas cap or the size limit, and the gas ceilings
 * (tests tagged @skip-on-coverage) do not run. Artifacts and cache go to .mutation/, so the normal build in artifacts/
 * is left as it is, and TypeChain is not regenerated (tests import its types only).
 */
import type { HardhatUserConfig } from "hardhat/config";
import base from "./hardhat.config";

const config: HardhatUserConfig = {
  ...base,
  solidity: {
    version: (base.solidity as { version: string }).version,
    settings: {
      optimizer: {
        enabled: false,
        details: { yul: true, yulDetails: { stackAllocation: true, optimizerSteps: "" } },
      },
      evmVersion: "cancun",
      viaIR: true,
    },
  },
  networks: {
    ...base.networks,
    hardhat: { hardfork: "prague", blockGasLimit: 1_000_000_000, allowUnlimitedContractSize: true },
  },
  paths: { artifacts: ".mutation/artifacts", cache: ".mutation/cache" },
  mocha: { ...base.mocha, grep: "@skip-on-coverage", invert: true },
  typechain: { ...base.typechain, dontOverrideCompile: true },
};

export default config;
