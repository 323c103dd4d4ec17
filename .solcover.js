// solidity-coverage: the protocol's contracts only (mocks are test doubles). The contracts compile with viaIR, so the
// instrumented build keeps the Yul optimizer on (otherwise: stack too deep).
module.exports = {
  skipFiles: ["mocks/"],
  configureYulOptimizer: true,
};
