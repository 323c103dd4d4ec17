/**
 * The service's test world: the protocol deployed with its parties (test/helpers/fixture.ts), lots commissioned, and
 * an app built on the in-process network with a database.
 */
import hre from "hardhat";
import { BrowserProvider } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { SiweMessage } from "siwe";
import { PharmaChainClient, type Deployment } from "@pharmachain/sdk";
import { Manifest } from "../../sdk/src/manifest";
import { World, commission, serialsFor, worldFixture } from "../../test/helpers/fixture";
import { buildApp, type Service } from "../src/app";
import { defaultConfig, type ServiceConfig } from "../src/config";
import type { Db } from "../src/db";

export interface TestLot {
  lotId: string;
  lotNumber: string;
  manifest: Manifest;
  serials: string[];
  expiresAt: bigint;
}

export interface ServiceWorld {
  w: World;
  client: PharmaChainClient;
  deployment: Deployment;
  /** Released, 40 packs, its list uploaded by the tests. */
  main: TestLot;
  /** Released, 10 packs; its list is never uploaded. */
  unlisted: TestLot;
}

export const SIWE_DOMAIN = "pharmachain.test";

export async function serviceWorld(): Promise<ServiceWorld> {
  const w = await worldFixture();
  const lot = async (lotNumber: string, count: number): Promise<TestLot> => {
    const serials = serialsFor(`S${lotNumber.slice(-1)}`, count);
    const manifest = Manifest.fromSerials(serials);
    const { lotId, att } = await commission(w, manifest, { lotNumber });
    return { lotId, lotNumber, manifest, serials, expiresAt: att.expiresAt };
  };
  const main = await lot("SVC-A", 40);
  const unlisted = await lot("SVC-B", 10);
  const deployment: Deployment = {
    registry: await w.registry.getAddress(),
    lots: await w.lots.getAddress(),
    custody: await w.custody.getAddress(),
  };
  const client = await PharmaChainClient.connect({
    runner: new BrowserProvider(hre.network.provider, undefined, { cacheTimeout: -1 }),
    deployment,
  });
  return { w, client, deployment, main, unlisted };
}

export async function serviceFor(sw: ServiceWorld, db: Db, config: Partial<ServiceConfig> = {}): Promise<Service> {
  return buildApp({
    db,
    chain: { provider: sw.client.provider, deployment: sw.deployment, client: sw.client },
    config: defaultConfig({
      mirrorPollMs: 0,
      rateLimit: false,
      logLevel: "silent",
      siweDomain: SIWE_DOMAIN,
      ...config,
    }),
  });
}

/** Signs in `signer` (or, with `wallet`, the ERC-1271 contract wallet it owns) and returns the bearer token. */
export async function signIn(
  service: Service,
  signer: HardhatEthersSigner,
  options: { wallet?: string; domain?: string; nonce?: string; chainId?: number } = {},
): Promise<{ status: number; token?: string; body: Record<string, unknown> }> {
  const nonce = options.nonce ?? (await service.app.inject({ url: "/auth/nonce" })).json().nonce;
  const message = new SiweMessage({
    domain: options.domain ?? SIWE_DOMAIN,
    address: options.wallet ?? signer.address,
    statement: "Sign in to the PharmaChain service",
    uri: `https://${SIWE_DOMAIN}`,
    version: "1",
    chainId: options.chainId ?? 31337,
    nonce,
    issuedAt: new Date().toISOString(),
  }).prepareMessage();
  const signature = await signer.signMessage(message);
  const res = await service.app.inject({ method: "POST", url: "/auth/sign-in", payload: { message, signature } });
  const body = res.json();
  return { status: res.statusCode, token: body.token, body };
}

/** A migration script: a plpgsql function (semicolons inside its body) and a table. */
export const SCRIPT = `-- a test migration
create table t900 (x integer);
create function answer_900() returns integer as $$
begin
  return 42;
end;
$$ language plpgsql;
`;
