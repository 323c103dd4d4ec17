/**
 * @pharmachain/sdk — the TypeScript library for PharmaChain: GS1 identifiers, serial manifests, EIP-712 lot
 * attestations, the contracts' client (custody, and the trade behind it: orders, prices, inventory), verification,
 * provenance history and readable errors. Each module also works alone; pure functions need no chain.
 */
export * from "./errors";
export * from "./enums";
export * from "./gs1";
export * from "./manifest";
export * from "./attestation";
export * from "./contracts";
export * from "./client";
export * from "./revert";
export * from "./verification";
export * from "./history";
export * from "./deploy";
export * from "./deployment-file";
export * from "./epcis";
export * from "./network";
export * from "./follower";
export * from "./documents";
