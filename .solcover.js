// solidity-coverage: the protocol's contracts only (mocks are test doubles, bench/ holds benchmark baselines), built
// through viaIR with the minimal optimizer steps (irMinimum; see hardhat.config.ts). Tests tagged @skip-on-coverage
// (the Ignition deployments and node-spawning tests, which discard the coverage data collected before them, and gas
// ceilings, which instrumented code cannot meet) do not run under coverage.
module.exports = {
  skipFiles: ["mocks/", "bench/"],
  irMinimum: true,
  mocha: { grep: "@skip-on-coverage", invert: true },
};
