/**
 * Talking to the PharmaChain service over HTTP, shared by the CLI's `--service` commands and the document client: one
 * fetch wrapper whose failure names the service, one reading of the service's RFC 9457 problem answers into the SDK's
 * error kinds, and Sign-In with Ethereum (EIP-4361) returning the session's bearer token.
 */
import type { Signer } from "ethers";
import { ConfigurationError, InvalidInputError, NotFoundError, PharmaChainError } from "./errors";

interface Problem {
  status?: number;
  detail?: string;
  field?: string;
  type?: string;
}

/** `fetch(base + path)`, a connection failure being a configuration error that names the service (and `hint`). */
export async function callService(
  base: string,
  path: string,
  init: RequestInit = {},
  hint = "is it running?",
): Promise<Response> {
  try {
    return await fetch(`${base}${path}`, init);
  } catch (cause) {
    throw new ConfigurationError(`cannot reach the service at ${base}: ${hint}`, { cause });
  }
}

/** The service's refusal as an error of the SDK's kinds (404 not found, 4xx invalid input, else configuration). */
export async function serviceRefusal(res: Response, what: string): Promise<PharmaChainError> {
  let problem: Problem = {};
  try {
    problem = (await res.json()) as Problem;
  } catch {
    // not problem+json
  }
  const text = `${what}: the service answered ${res.status}${problem.detail ? `: ${problem.detail}` : ""}${
    problem.field ? ` (${problem.field})` : ""
  }`;
  if (res.status === 404) return new NotFoundError(text);
  if (res.status >= 400 && res.status < 500) return new InvalidInputError(text);
  return new ConfigurationError(text);
}

/** Signs in to the service at `base` with `signer` (EIP-4361) and returns the session's bearer token. */
export async function signInToService(
  base: string,
  signer: Signer,
  chainId: bigint,
  call: (base: string, path: string, init?: RequestInit) => Promise<Response> = callService,
): Promise<string> {
  const nonceRes = await call(base, "/auth/nonce");
  if (nonceRes.status !== 200) throw await serviceRefusal(nonceRes, "asking the service for a nonce");
  const { nonce } = (await nonceRes.json()) as { nonce: string };
  const address = await signer.getAddress();
  const message = [
    `${new URL(base).host} wants you to sign in with your Ethereum account:`,
    address,
    "",
    "Sign in to the PharmaChain service",
    "",
    `URI: ${base}`,
    "Version: 1",
    `Chain ID: ${chainId}`,
    `Nonce: ${nonce}`,
    `Issued At: ${new Date().toISOString()}`,
  ].join("\n");
  const signature = await signer.signMessage(message);
  const res = await call(base, "/auth/sign-in", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message, signature }),
  });
  if (res.status !== 200) throw await serviceRefusal(res, `signing in as ${address}`);
  return ((await res.json()) as { token: string }).token;
}
