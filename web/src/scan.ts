/**
 * What a scanner, a camera or a person gives, read by the SDK's GS1 parser (the same code the CLI and the service
 * use) into the service's Digital Link path for that pack.
 */
import { GS, parseScan, gtin14, gtinValue } from "@pharmachain/sdk/gs1";

export interface ReadPack {
  gtin: string;
  lot: string;
  serial: string;
  expiry?: string;
  /** `/01/{gtin}/10/{lot}/21/{serial}?17={expiry}` on this service. */
  path: string;
}

/** `<GS>` typed by hand, `\u001d` or the real group separator: all one. */
export function normaliseTyped(text: string): string {
  return text
    .replace(/<GS>|\\u001d|\[GS\]|␝/gi, GS)
    .replace(new RegExp(`^${GS}+`), "")
    .trim();
}

export function readScan(text: string): ReadPack {
  const typed = normaliseTyped(text);
  // a DataMatrix payload starts with FNC1, which decoders give as ]d2 or drop; a GS first means the same
  const pack = parseScan(typed.startsWith("]d2") ? typed.slice(3) : typed);
  if (pack.serial === undefined) throw new Error("the code has no serial number (AI 21): a pack is verified by it");
  if (pack.lot === undefined) throw new Error("the code has no lot number (AI 10): a pack is verified with it");
  const gtin = gtin14(gtinValue(pack.gtin));
  const path =
    `/01/${gtin}/10/${encodeURIComponent(pack.lot)}/21/${encodeURIComponent(pack.serial)}` +
    (pack.expiry ? `?17=${pack.expiry}` : "");
  return { gtin, lot: pack.lot, serial: pack.serial, ...(pack.expiry ? { expiry: pack.expiry } : {}), path };
}
