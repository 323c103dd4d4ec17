/** The service's answers, read from the page's own origin (nothing is fetched from another). */

export interface Problem {
  status: number;
  title?: string;
  detail?: string;
  field?: string;
}

export class ServiceError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
  }
}

const TOKEN = "pharmachain.token";
const ADDRESS = "pharmachain.address";

/** The Sign-In with Ethereum session of this tab. */
export const session = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN);
  },
  get address(): string | null {
    return sessionStorage.getItem(ADDRESS);
  },
  set(token: string, address: string): void {
    sessionStorage.setItem(TOKEN, token);
    sessionStorage.setItem(ADDRESS, address);
    window.dispatchEvent(new Event("pharmachain-session"));
  },
  clear(): void {
    sessionStorage.removeItem(TOKEN);
    sessionStorage.removeItem(ADDRESS);
    window.dispatchEvent(new Event("pharmachain-session"));
  },
};

export async function api<T>(url: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set("accept", "application/json");
  if (init.body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  if (session.token && !headers.has("authorization")) headers.set("authorization", `Bearer ${session.token}`);
  const response = await fetch(url, { ...init, headers });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = { detail: text };
  }
  if (!response.ok) throw new ServiceError({ status: response.status, ...(body as object) });
  return body as T;
}

/** The verdict report as the service's JSON carries it (server/src/verifier.ts). */
export interface Report {
  gtin: string;
  serial: string;
  lotNumber: string;
  lotId: string;
  index?: number;
  verdict: number | null;
  verdictName: string;
  verified: boolean;
  cannotVerify: boolean;
  message: string;
  state: number;
  stateName: string;
  holder: string;
  shipmentId: string;
  decommissionedAt: string;
  manufacturer: string;
  manufacturerSigner: string;
  regulatorSigner: string;
  expiresAt: string;
  recalledAt: string;
  dscsa: { verified: boolean; verificationFailureReason?: string; additionalInfo?: string };
  eu: { returnCode: string | null; packStatus: string };
}

export interface VerdictAnswer {
  block: { number: number; hash: string; timestamp: number };
  report: Report;
}

export interface PartyRef {
  address: string;
  /** The name the service's directory gives the account, where it has one. */
  name?: string;
  role: string;
  gln: string | null;
}

export interface TimelineEvent {
  name: string;
  blockNumber: number;
  transactionHash: string;
  timestamp: number;
  summary: string;
  args: Record<string, unknown>;
  parties: PartyRef[];
}

export interface Timeline {
  lotId: string;
  lotNumber: string | null;
  gtin: string;
  index?: number;
  events: TimelineEvent[];
}

const ZERO = /^0x0{40}$/i;
export const isZeroAddress = (a: string): boolean => ZERO.test(a);

/** A party's role and GLN, read once a page. */
const parties = new Map<string, Promise<PartyRef>>();
export function party(address: string): Promise<PartyRef> {
  let p = parties.get(address.toLowerCase());
  if (!p) {
    p = api<PartyRef>(`/parties/${address}`).catch(() => ({ address, role: "unknown", gln: null }));
    parties.set(address.toLowerCase(), p);
  }
  return p;
}
