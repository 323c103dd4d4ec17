/** GS1 EPCIS 2.0: export of on-chain histories, import of EPCIS documents as protocol operations, schema validation. */
export * from "./schema";
export * from "./common";
export * from "./export";
export * from "./import";
export * from "./xml";
