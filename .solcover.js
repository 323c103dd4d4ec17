// solidity-coverage: the protocol's contracts only (mocks are test doubles, bench/ holds benchmark baselines). hardhat.config.ts builds without viaIR
// while coverage runs, since the IR optimizer removes the instrumentation. Tests tagged @skip-on-coverage (the
// Ignition deployments, which discard the coverage data collected before them) do not run under coverage.
module.exports = {
  skipFiles: ["mocks/", "bench/"],
  mocha: { grep: "@skip-on-coverage", invert: true },
};
