/**
 * Reading a request's pack: a GS1 Digital Link path under any prefix (`/01/{gtin}/10/{lot}/21/{serial}?17=YYMMDD`,
 * GTIN-8/12/13 padded as scanners give them), parsed by the SDK; bad input is a 400 naming the Application Identifier.
 */
import {
  Gs1Error,
  InvalidInputError,
  elementsToPack,
  expiryToExpiresAt,
  parseDigitalLink,
  type PackScan,
} from "@pharmachain/sdk";
import { ProblemError } from "../problem";

/** The field a GS1 parse error is about: `AI 21` → `21`; else `path`. */
function fieldOfGs1(message: string): string {
  const m = /AI (\d{2,4})/.exec(message);
  return m ? m[1] : "path";
}

export interface ParsedLink {
  scan: PackScan;
  gtin: string;
  /** The non-AI query parameters (linkType, context, reqGLN, corrUUID…). */
  params: URLSearchParams;
}

/** A request URL read as an uncompressed GS1 Digital Link whose primary key is a GTIN (AI 01), and its query. */
function tradeItemLink(
  url: string,
  base: string,
): { link: ReturnType<typeof parseDigitalLink>; params: URLSearchParams } {
  let link;
  try {
    link = parseDigitalLink(base + url);
  } catch (error) {
    if (error instanceof Gs1Error || error instanceof InvalidInputError) {
      if (/no GS1 primary key|looks like a compressed/.test(error.message)) {
        throw new ProblemError(
          404,
          "not-found",
          `${url.split("?")[0]} is neither an endpoint nor an uncompressed GS1 Digital Link`,
        );
      }
      throw new ProblemError(400, "invalid-digital-link", error.message, fieldOfGs1(error.message));
    }
    throw error;
  }
  const primary = link.elements[0];
  if (primary.ai !== "01") {
    throw new ProblemError(400, "not-a-trade-item", `AI ${primary.ai} is not a trade item (AI 01)`, primary.ai);
  }
  const params = new URLSearchParams(url.includes("?") ? url.slice(url.indexOf("?") + 1) : "");
  return { link, params };
}

/** Parses a request URL (path and query) as a GS1 Digital Link of a pack; throws a 400 or 404 problem. */
export function parseLinkRequest(url: string, base = "http://service.invalid"): ParsedLink {
  const { link, params } = tradeItemLink(url, base);
  const has = (ai: string): boolean => link.elements.some((e) => e.ai === ai);
  if (!has("21"))
    throw new ProblemError(400, "serial-required", "a pack is verified by its serial number (AI 21)", "21");
  if (!has("10")) throw new ProblemError(400, "lot-required", "a pack is verified with its lot number (AI 10)", "10");
  let scan: PackScan;
  try {
    // the SDK's reading of a pack (GTIN normalised, the expiry's first second after the day), from the one parse
    const pack = elementsToPack(link.elements);
    scan = {
      gtin: pack.gtin,
      serial: pack.serial!,
      lotNumber: pack.lot!,
      ...(pack.expiry === undefined ? {} : { expiresAt: expiryToExpiresAt(pack.expiry) }),
    };
  } catch (error) {
    if (error instanceof Gs1Error || error instanceof InvalidInputError) {
      throw new ProblemError(400, "invalid-digital-link", error.message, fieldOfGs1(error.message));
    }
    throw error;
  }
  return { scan, gtin: link.elements[0].value, params };
}

/**
 * Parses a request URL whose Digital Link names a trade item (`/01/{gtin}`, with or without a lot, serial and
 * qualifiers) for a request about the GTIN alone (Lightweight Messaging's `checkConnectivity`); throws a 400 or 404.
 */
export function parseGtinRequest(
  url: string,
  base = "http://service.invalid",
): { gtin: string; params: URLSearchParams } {
  const { link, params } = tradeItemLink(url, base);
  return { gtin: link.elements[0].value, params };
}
