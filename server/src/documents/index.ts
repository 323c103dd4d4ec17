/** Off-chain documents under the paper's read-access matrix (issue 14): see server/src/documents/service.ts. */
export * from "./policy";
export * from "./crypto";
export { ChainFacts, parseSubject, type Subject, type SubjectFacts, type AnchorFact } from "./chain";
export { DocumentService, DEFAULT_MAX_DOCUMENT_BYTES, type DocumentSummary, type DocumentRead } from "./service";
export { documentLinks, documentRoutes } from "./routes";
