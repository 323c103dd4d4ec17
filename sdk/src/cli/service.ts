/**
 * The CLI as a client of the PharmaChain service (`--service URL`): verification answered by the service from the
 * serial lists it holds, a holder's proof for dispensing, and serial-list uploads. Sign-In with Ethereum (EIP-4361)
 * with the CLI's own key opens the session the service asks for.
 */
import type { Signer } from "ethers";
import { InvalidInputError } from "../errors";
import { callService, serviceRefusal, signInToService as signIn } from "../service-http";
import { gtin14, gtinToUint64, parseScan } from "../gs1";
import type { VerificationReport } from "../verification";
import { Context, str } from "./common";

/** The service's base URL: `--service` or `$PHARMACHAIN_SERVICE`; undefined when neither is given. */
export function serviceUrl(ctx: Context): string | undefined {
  const given = str(ctx, "service") ?? process.env.PHARMACHAIN_SERVICE;
  if (!given) return undefined;
  if (!/^https?:\/\/[^/?#\s]+\/?$/i.test(given)) {
    throw new InvalidInputError(`--service "${given}" must be http(s)://host[:port]`);
  }
  return given.replace(/\/$/, "");
}

const call = (base: string, path: string, init: RequestInit = {}): Promise<Response> =>
  callService(base, path, init, "is it running, and --service right?");
const refusal = serviceRefusal;

/** The path of a scan's Digital Link on the service (`/01/{gtin}/10/{lot}/21/{serial}?17=`). */
function linkPath(scan: string): string {
  const read = parseScan(scan);
  if (!read.serial || !read.lot) throw new InvalidInputError(`the scan "${scan}" needs a serial (21) and a lot (10)`);
  const path = `/01/${gtin14(gtinToUint64(read.gtin))}/10/${encodeURIComponent(read.lot)}/21/${encodeURIComponent(read.serial)}`;
  return read.expiry ? `${path}?17=${read.expiry}` : path;
}

/**
 * The service's verification of a scan: the SDK's report with its 64-bit fields as decimal strings, `block` the block
 * it is true at.
 */
export async function verifyThroughService(
  base: string,
  scan: string,
): Promise<VerificationReport & { block: number }> {
  const res = await call(base, linkPath(scan), { headers: { accept: "application/json" } });
  if (res.status !== 200) throw await refusal(res, `verifying ${scan}`);
  const body = (await res.json()) as { block: { number: number }; report: VerificationReport };
  return { ...body.report, block: body.block.number };
}

/** Signs in to the service with `signer` (EIP-4361) and returns the session's bearer token. */
export function signInToService(base: string, signer: Signer, chainId: bigint): Promise<string> {
  return signIn(base, signer, chainId, call);
}

/** The Merkle proof of a pack the signed-in account holds, as the service gives it. */
export async function proofFromService(
  base: string,
  token: string,
  lotId: string,
  serial: string,
): Promise<{ lotId: string; index: number; serial: string; proof: string[]; hint: number }> {
  const res = await call(base, `/lots/${lotId}/proof?serial=${encodeURIComponent(serial)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.status !== 200) throw await refusal(res, `asking for the proof of ${serial}`);
  return (await res.json()) as { lotId: string; index: number; serial: string; proof: string[]; hint: number };
}

/** Uploads a lot's serial list (CSV or JSON text) to the service. */
export async function uploadSerials(
  base: string,
  token: string,
  lotId: string,
  text: string,
  format: "csv" | "json",
  column?: string,
): Promise<{ lotId: string; root: string; count: number; block: number }> {
  const query = column === undefined ? "" : `?column=${encodeURIComponent(column)}`;
  const res = await call(base, `/lots/${lotId}/serials${query}`, {
    method: "PUT",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": format === "json" ? "application/json" : "text/csv",
    },
    body: text,
  });
  if (res.status !== 201) throw await refusal(res, `uploading the serial list of lot ${lotId}`);
  return (await res.json()) as { lotId: string; root: string; count: number; block: number };
}
