// solidity-coverage: the protocol's contracts only (mocks are test doubles, bench/ holds benchmark baselines), built
// through viaIR with the minimal optimizer steps (irMinimum; see hardhat.config.ts). Not run under coverage:
// - tests tagged @skip-on-coverage: the Ignition deployments and node-spawning tests, which discard the coverage data
//   collected before them, and gas ceilings, which instrumented code cannot meet;
// - the two property tests ("(property)" in their titles): under coverage the custody property failed in its first
//   run (its cause not yet traced; every call it sends carries an explicit 3,000,000 gas limit, so that a call that
//   reverts is mined at the timestamp the model used, and instrumented code needs more gas), and it alone took
//   nine minutes (on a loaded machine). `npm test` runs them;
// - the order book's "answers for a holder of hundreds of lots": its inventory calls of millions of EVM steps each
//   made the coverage run's memory grow past 10 GB (every step is reported to the collector); the smaller inventory
//   tests cover the same code.
// - the custody differential test on large lots (test/PackCustody.bigLots.test.ts, not among coverage's files): it
//   took 11 minutes under coverage and the run's memory past 24 GB; the dense store's own tests reach the same paths.
// The json-summary report is what scripts/coverage-summary.ts turns into bench/coverage.json.
module.exports = {
  skipFiles: ["mocks/", "bench/"],
  irMinimum: true,
  istanbulReporter: ["html", "lcov", "text", "json", "json-summary"],
  mocha: { grep: "@skip-on-coverage|\\(property\\)|answers for a holder of hundreds of lots", invert: true },
};
