/**
 * Sign-In with Ethereum (EIP-4361, the `siwe` package; ERC-1271 contract accounts are checked through the chain):
 * `GET /auth/nonce` hands out a single-use nonce, `POST /auth/sign-in` takes the signed message and answers a bearer
 * token, stored in the database as its hash. `requireAccount` is the preHandler of the routes that need an account:
 * it decorates `request.account` with the address and its role and standing in the stakeholder registry, read at most
 * once a block.
 */
import crypto from "crypto";
import { getAddress } from "ethers";
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import { Type } from "@sinclair/typebox";
import { SiweMessage, generateNonce } from "siwe";
import { Role, StakeholderStatus, type PharmaChainClient } from "@pharmachain/sdk";
import type { Db } from "./db";
import { ProblemError } from "./problem";

/** The signed-in account, as the routes see it. */
export interface Account {
  address: string;
  /** The registry's role: `Manufacturer`, `Distributor`, … `None` for an account that is not a stakeholder. */
  role: keyof typeof Role;
  /** `Active`, `Suspended`, `Revoked`, `Applied` or `None`, and whether the licence is valid now. */
  standing: { status: keyof typeof StakeholderStatus; authorised: boolean; validUntil: string };
}

declare module "fastify" {
  interface FastifyRequest {
    account: Account | null;
  }
}

export interface AuthOptions {
  db: Db;
  client: PharmaChainClient;
  /** The block the answers stand on (the mirror's), to cache roles for at most one block. */
  currentBlock: () => number;
  /** The domain the messages must name; by default the request's Host. */
  domain?: string;
  /** Session lifetime in seconds (default 12 hours). */
  sessionSeconds?: number;
  /** Nonce lifetime in seconds (default 10 minutes). */
  nonceSeconds?: number;
}

const sha256 = (text: string): string => crypto.createHash("sha256").update(text).digest("hex");

/** The authentication of one app: sessions, the role cache, and the preHandler. */
export class Auth {
  private readonly sessions = new Map<string, { address: string; expiresAt: number }>();
  private readonly roles = new Map<string, { block: number; account: Promise<Account> }>();

  constructor(private readonly options: AuthOptions) {}

  /** The address of a bearer token's session, or undefined (unknown or expired). */
  async addressOf(token: string): Promise<string | undefined> {
    const hash = sha256(token);
    let session = this.sessions.get(hash);
    if (!session) {
      const { rows } = await this.options.db.query<{ address: string; expires_at: Date | string }>(
        "select address, expires_at from auth_sessions where token_hash = $1",
        [hash],
      );
      if (rows.length === 0) return undefined;
      session = { address: rows[0].address, expiresAt: new Date(rows[0].expires_at).getTime() };
      this.sessions.set(hash, session);
    }
    if (session.expiresAt <= Date.now()) {
      this.sessions.delete(hash);
      return undefined;
    }
    return session.address;
  }

  /** The account's role and standing at the current block (read once a block). */
  account(address: string): Promise<Account> {
    const block = this.options.currentBlock();
    const cached = this.roles.get(address);
    if (cached && cached.block === block) return cached.account;
    const account = this.options.client.stakeholder(address).then(async (s) => {
      const authorised =
        s.role === Role.None ? false : await this.options.client.isAuthorised(address, s.role).catch(() => false);
      return {
        address,
        role: Role[s.role] as keyof typeof Role,
        standing: {
          status: StakeholderStatus[s.status] as keyof typeof StakeholderStatus,
          authorised,
          validUntil: s.validUntil.toString(),
        },
      };
    });
    account.catch(() => this.roles.delete(address));
    this.roles.set(address, { block, account });
    return account;
  }

  /** The bearer token of a request, if it has one. */
  static bearer(request: FastifyRequest): string | undefined {
    const header = request.headers.authorization;
    if (!header) return undefined;
    const match = /^Bearer\s+([A-Za-z0-9_-]{20,200})$/.exec(header);
    return match?.[1];
  }

  /** The preHandler of routes that need a signed-in account: 401 problem+json without one. */
  readonly requireAccount: preHandlerAsyncHookHandler = async (request: FastifyRequest) => {
    const token = Auth.bearer(request);
    if (!token) {
      throw new ProblemError(
        401,
        "sign-in-required",
        "sign in with Ethereum first (POST /auth/sign-in)",
        "authorization",
      );
    }
    const address = await this.addressOf(token);
    if (!address) throw new ProblemError(401, "session-invalid", "the session is unknown or expired", "authorization");
    request.account = await this.account(address);
  };

  async newNonce(): Promise<string> {
    const nonce = generateNonce();
    const ttl = this.options.nonceSeconds ?? 600;
    await this.options.db.query(
      "delete from auth_nonces where created_at < now() - ($1::text || ' seconds')::interval",
      [String(ttl)],
    );
    await this.options.db.query("insert into auth_nonces (nonce) values ($1)", [nonce]);
    return nonce;
  }

  /** Checks a signed EIP-4361 message and opens a session: the token is returned once and stored as its hash. */
  async signIn(
    message: string,
    signature: string,
    host: string,
  ): Promise<{ token: string; address: string; expiresAt: string }> {
    let siwe: SiweMessage;
    try {
      siwe = new SiweMessage(message);
    } catch (error) {
      throw new ProblemError(400, "invalid-siwe-message", `not an EIP-4361 message: ${String(error)}`, "/message");
    }
    const domain = this.options.domain ?? host;
    if (siwe.domain !== domain) {
      throw new ProblemError(401, "siwe-wrong-domain", `the message is for ${siwe.domain}, not ${domain}`, "/message");
    }
    if (BigInt(siwe.chainId) !== this.options.client.chainId) {
      throw new ProblemError(
        401,
        "siwe-wrong-chain",
        `the message is for chain ${siwe.chainId}, the service's is ${this.options.client.chainId}`,
        "/message",
      );
    }
    // the nonce is used up whatever happens next: one try per nonce
    const { rows } = await this.options.db.query<{ nonce: string }>(
      "delete from auth_nonces where nonce = $1 and created_at >= now() - ($2::text || ' seconds')::interval returning nonce",
      [siwe.nonce, String(this.options.nonceSeconds ?? 600)],
    );
    if (rows.length === 0) {
      throw new ProblemError(401, "siwe-unknown-nonce", "the nonce is unknown, used or expired", "/message");
    }
    const result = await siwe.verify(
      { signature, domain, nonce: siwe.nonce },
      { provider: this.options.client.provider as never, suppressExceptions: true },
    );
    if (!result.success) {
      throw new ProblemError(
        401,
        "siwe-invalid-signature",
        `the signature does not sign this message for ${siwe.address}: ${result.error?.type ?? "invalid"}`,
        "/signature",
      );
    }
    const address = getAddress(siwe.address);
    const token = crypto.randomBytes(32).toString("base64url");
    const seconds = this.options.sessionSeconds ?? 12 * 3600;
    const expiresAt = new Date(Date.now() + seconds * 1000);
    const until = siwe.expirationTime ? new Date(siwe.expirationTime) : expiresAt;
    const ends = until < expiresAt ? until : expiresAt;
    await this.options.db.query(
      "insert into auth_sessions (token_hash, address, chain_id, expires_at) values ($1, $2, $3, $4)",
      [sha256(token), address, siwe.chainId.toString(), ends.toISOString()],
    );
    return { token, address, expiresAt: ends.toISOString() };
  }

  async signOut(token: string): Promise<void> {
    const hash = sha256(token);
    this.sessions.delete(hash);
    await this.options.db.query("delete from auth_sessions where token_hash = $1", [hash]);
  }
}

const AccountSchema = Type.Object({
  address: Type.String(),
  role: Type.String(),
  standing: Type.Object({ status: Type.String(), authorised: Type.Boolean(), validUntil: Type.String() }),
});

/** The routes of authentication. */
export function authRoutes(app: FastifyInstance, auth: Auth): void {
  app.get(
    "/auth/nonce",
    {
      schema: {
        tags: ["auth"],
        summary: "A single-use nonce for an EIP-4361 message",
        response: { 200: Type.Object({ nonce: Type.String() }) },
      },
    },
    async () => ({ nonce: await auth.newNonce() }),
  );
  app.post<{ Body: { message: string; signature: string } }>(
    "/auth/sign-in",
    {
      schema: {
        tags: ["auth"],
        summary: "Sign in with Ethereum: the signed EIP-4361 message opens a session (bearer token)",
        body: Type.Object(
          {
            message: Type.String({ minLength: 1, maxLength: 4096 }),
            signature: Type.String({ pattern: "^0x[0-9a-fA-F]+$", maxLength: 20000 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            token: Type.String(),
            address: Type.String(),
            expiresAt: Type.String(),
            account: AccountSchema,
          }),
        },
      },
    },
    async (request) => {
      const session = await auth.signIn(request.body.message, request.body.signature, request.headers.host ?? "");
      return { ...session, account: await auth.account(session.address) };
    },
  );
  app.get(
    "/auth/me",
    {
      preHandler: auth.requireAccount,
      schema: {
        tags: ["auth"],
        summary: "The signed-in account, its role and standing",
        response: { 200: AccountSchema },
      },
    },
    async (request) => request.account!,
  );
  app.post(
    "/auth/sign-out",
    { preHandler: auth.requireAccount, schema: { tags: ["auth"], summary: "Ends the session" } },
    async (request: FastifyRequest, reply: FastifyReply) => {
      await auth.signOut(Auth.bearer(request)!);
      return reply.code(204).send();
    },
  );
}
