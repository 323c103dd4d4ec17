/**
 * The wallet side, loaded only on the counter and alerts pages (it brings ethers): Sign-In with Ethereum (an EIP-4361
 * message signed by the browser's EIP-1193 wallet) and an SDK client whose signer is that wallet, so transactions are
 * built by the SDK and signed in the user's wallet.
 */
import { BrowserProvider, getAddress, hexlify, toUtf8Bytes, type Eip1193Provider } from "ethers";
import { PharmaChainClient } from "@pharmachain/sdk/client";
import { api, session } from "./api";

declare global {
  interface Window {
    ethereum?: Eip1193Provider;
  }
}

export function wallet(): Eip1193Provider {
  if (!window.ethereum) {
    throw new Error("No Ethereum wallet in this browser (an EIP-1193 provider, window.ethereum): install one first.");
  }
  return window.ethereum;
}

/** The EIP-4361 message for this origin (the service checks its domain, chain and single-use nonce). */
export function siweMessage(o: { address: string; chainId: number; nonce: string; issuedAt: string }): string {
  return [
    `${location.host} wants you to sign in with your Ethereum account:`,
    o.address,
    "",
    "Sign in to PharmaChain: alerts, webhooks, and the counter and dock.",
    "",
    `URI: ${location.origin}`,
    "Version: 1",
    `Chain ID: ${o.chainId}`,
    `Nonce: ${o.nonce}`,
    `Issued At: ${o.issuedAt}`,
  ].join("\n");
}

export interface Account {
  address: string;
  role: string;
  standing: { status: string; authorised: boolean; validUntil: string };
}

export async function signIn(): Promise<Account> {
  const eth = wallet();
  const accounts = (await eth.request({ method: "eth_requestAccounts" })) as string[];
  if (!accounts?.length) throw new Error("the wallet gave no account");
  const address = getAddress(accounts[0]);
  const chainId = Number(await eth.request({ method: "eth_chainId" }));
  const { nonce } = await api<{ nonce: string }>("/auth/nonce");
  const message = siweMessage({ address, chainId, nonce, issuedAt: new Date().toISOString() });
  const signature = (await eth.request({
    method: "personal_sign",
    params: [hexlify(toUtf8Bytes(message)), address],
  })) as string;
  const answer = await api<{ token: string; address: string; account: Account }>("/auth/sign-in", {
    method: "POST",
    body: JSON.stringify({ message, signature }),
  });
  session.set(answer.token, answer.address);
  return answer.account;
}

export async function me(): Promise<Account | undefined> {
  if (!session.token) return undefined;
  try {
    return await api<Account>("/auth/me");
  } catch {
    session.clear();
    return undefined;
  }
}

export async function signOut(): Promise<void> {
  await api("/auth/sign-out", { method: "POST" }).catch(() => undefined);
  session.clear();
}

let connected: Promise<PharmaChainClient> | undefined;

/** The SDK client over the wallet (its signer), for the service's deployment; checks the wallet's chain. */
export function client(): Promise<PharmaChainClient> {
  connected ??= (async () => {
    const config = await api<{ chainId: string; deployment: { registry: string; lots: string; custody: string } }>(
      "/web/config",
    );
    const provider = new BrowserProvider(wallet(), undefined, { cacheTimeout: -1 });
    const signer = await provider.getSigner();
    return PharmaChainClient.connect({
      runner: signer,
      deployment: { ...config.deployment, chainId: BigInt(config.chainId) },
    });
  })();
  connected.catch(() => (connected = undefined));
  return connected;
}
