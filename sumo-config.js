// SuMo's configuration, read by SuMo's modules when they load. `npm run mutation` (scripts/mutation.ts) uses SuMo to
// generate the mutants and runs them itself; this file also lets `npx sumo preflight` list what SuMo would generate.
module.exports = {
  buildDir: ".mutation/artifacts",
  contractsDir: "contracts",
  testDir: "test",
  skipContracts: ["bench", "interfaces", "mocks", "Common.sol", "libraries/Gs1.sol"],
  skipTests: [],
  testingTimeOutInSec: 300,
  network: "none",
  testingFramework: "hardhat",
  minimal: false,
  tce: false,
};
