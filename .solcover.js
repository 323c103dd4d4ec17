// solidity-coverage: the protocol's contracts only (mocks are test doubles, bench/ holds benchmark baselines), built
// through viaIR with the minimal optimizer steps (irMinimum; see hardhat.config.ts). Not run under coverage:
// - tests tagged @skip-on-coverage: the Ignition deployments and node-spawning tests, which discard the coverage data
//   collected before them, and gas ceilings, which instrumented code cannot meet;
// - the two property tests ("(property)" in their titles): every call they send carries an explicit 3,000,000 gas
//   limit (so that a call that reverts is mined at the timestamp the model used), which instrumented code exceeds, and
//   their hundreds of random operations would take most of the run's ten minutes. `npm test` runs them.
// The json-summary report is what scripts/coverage-summary.ts turns into bench/coverage.json.
module.exports = {
  skipFiles: ["mocks/", "bench/"],
  irMinimum: true,
  istanbulReporter: ["html", "lcov", "text", "json", "json-summary"],
  mocha: { grep: "@skip-on-coverage|\\(property\\)", invert: true },
};
