/**
 * @pharmachain/server — the PharmaChain service: GS1 Digital Link resolver, DSCSA verification responder (GS1
 * Lightweight Messaging), serial-list store, Sign-In with Ethereum, over an in-memory mirror of custody.
 */
export * from "./db";
export * from "./config";
export * from "./mirror";
export * from "./serials";
export * from "./verifier";
export * from "./auth";
export * from "./problem";
export * from "./app";
export { lmsResponse } from "./routes/verification";
export { parseLinkRequest } from "./routes/scan";
