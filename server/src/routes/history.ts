/**
 * Read-only routes the web page needs beside the resolver: the chain and deployment it answers for (so the page's
 * wallet builds transactions for the right contracts), a lot's or a pack's timeline with its parties by role and GLN,
 * and the same history as an EPCIS 2.0 document. Nothing here is confidential: the events are public on the chain.
 */
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { getAddress, isAddress } from "ethers";
import {
  Role,
  exportLotEpcis,
  exportPackEpcis,
  gtin14,
  type PharmaChainClient,
  type Deployment,
} from "@pharmachain/sdk";
import { ProblemError } from "../problem";

export interface HistoryRouteOptions {
  client: PharmaChainClient;
  deployment: Deployment;
  /** Display names by address (any case). */
  names?: Record<string, string>;
}

const LotParams = Type.Object({ lotId: Type.String({ pattern: "^0x[0-9a-fA-F]{64}$" }) });
const PackParams = Type.Object({
  lotId: Type.String({ pattern: "^0x[0-9a-fA-F]{64}$" }),
  index: Type.String({ pattern: "^(0|[1-9][0-9]{0,9})$", description: "the pack's index in the lot" }),
});

interface Party {
  address: string;
  name?: string;
  role: string;
  gln: string | null;
}

/** The JSON of an event argument: 64-bit numbers as decimal strings. */
function plain(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

/** The lot number, from the lot's commissioning event (the record keeps only its hash in the lot id). */
function lotNumberOf(events: readonly { name: string; args: unknown }[]): string | null {
  const commissioned = events.find((e) => e.name === "LotCommissioned");
  return commissioned ? String((commissioned.args as Record<string, unknown>).lotNumber) : null;
}

export function historyRoutes(app: FastifyInstance, { client, deployment, names = {} }: HistoryRouteOptions): void {
  const nameOf = new Map(Object.entries(names).map(([a, n]) => [a.toLowerCase(), n]));
  // a party's role and GLN change rarely; kept for a minute
  const parties = new Map<string, { at: number; party: Promise<Party> }>();
  const partyOf = (address: string): Promise<Party> => {
    const key = getAddress(address);
    const kept = parties.get(key);
    if (kept && Date.now() - kept.at < 60_000) return kept.party;
    const party = client.stakeholder(key).then(
      (s) => ({
        address: key,
        ...(nameOf.has(key.toLowerCase()) ? { name: nameOf.get(key.toLowerCase())! } : {}),
        role: Role[s.role],
        gln: s.gln === 0n ? null : s.gln.toString(),
      }),
      () => ({ address: key, role: "None", gln: null }),
    );
    parties.set(key, { at: Date.now(), party });
    return party;
  };

  const timeline = async (events: Awaited<ReturnType<ReturnType<PharmaChainClient["history"]>["lot"]>>) =>
    Promise.all(
      events.map(async (e) => {
        const args = e.args as Record<string, unknown>;
        const addresses = [
          ...new Set(
            Object.values(args)
              .filter((v): v is string => typeof v === "string" && isAddress(v) && !/^0x0{40}$/i.test(v))
              .map((v) => getAddress(v)),
          ),
        ];
        return {
          name: e.name,
          contract: e.contract,
          blockNumber: e.blockNumber,
          logIndex: e.logIndex,
          transactionHash: e.transactionHash,
          timestamp: e.timestamp,
          summary: e.summary,
          args: Object.fromEntries(Object.entries(args).map(([k, v]) => [k, plain(v)])),
          parties: await Promise.all(addresses.map(partyOf)),
        };
      }),
    );

  const lotOr404 = async (lotId: string) => {
    const lot = await client.lot(lotId).catch(() => undefined);
    if (!lot) throw new ProblemError(404, "unknown-lot", `no lot ${lotId} on this chain`, "lotId");
    return lot;
  };

  app.get(
    "/web/config",
    { schema: { tags: ["web"], summary: "The chain and deployment the service answers for (for the web page)" } },
    async () => ({
      chainId: client.chainId.toString(),
      deployment: { registry: deployment.registry, lots: deployment.lots, custody: deployment.custody },
    }),
  );

  app.get<{ Params: { address: string } }>(
    "/parties/:address",
    {
      schema: {
        tags: ["history"],
        summary: "An account's role and GLN in the registry, and its display name where the service has one",
        params: Type.Object({ address: Type.String({ pattern: "^0x[0-9a-fA-F]{40}$" }) }),
      },
    },
    async (request) => partyOf(request.params.address),
  );

  app.get<{ Params: Static<typeof LotParams> }>(
    "/history/lots/:lotId",
    {
      schema: {
        tags: ["history"],
        summary: "A lot's timeline: commissioned, signed, shipped, received, decommissioned, recalled…",
        params: LotParams,
      },
    },
    async (request) => {
      const lot = await lotOr404(request.params.lotId);
      const events = await client.history().lot(request.params.lotId);
      return {
        lotId: request.params.lotId,
        lotNumber: lotNumberOf(events),
        gtin: gtin14(lot.gtin),
        events: await timeline(events),
      };
    },
  );

  app.get<{ Params: Static<typeof PackParams> }>(
    "/history/lots/:lotId/packs/:index",
    {
      schema: { tags: ["history"], summary: "One pack's timeline (by its index in the lot)", params: PackParams },
    },
    async (request) => {
      const lot = await lotOr404(request.params.lotId);
      const index = Number(request.params.index);
      if (index >= lot.unitCount) {
        throw new ProblemError(400, "index-out-of-range", `the lot has ${lot.unitCount} packs`, "index");
      }
      const events = await client.history().pack(request.params.lotId, index);
      return {
        lotId: request.params.lotId,
        lotNumber: lotNumberOf(events),
        gtin: gtin14(lot.gtin),
        index,
        events: await timeline(events),
      };
    },
  );

  app.get<{ Params: Static<typeof LotParams> }>(
    "/epcis/lots/:lotId",
    { schema: { tags: ["history"], summary: "A lot's history as an EPCIS 2.0 JSON-LD document", params: LotParams } },
    async (request, reply) => {
      await lotOr404(request.params.lotId);
      const { document } = await exportLotEpcis(client, request.params.lotId);
      return reply.type("application/ld+json").send(JSON.stringify(document));
    },
  );

  app.get<{ Params: Static<typeof PackParams> }>(
    "/epcis/lots/:lotId/packs/:index",
    {
      schema: { tags: ["history"], summary: "One pack's history as an EPCIS 2.0 JSON-LD document", params: PackParams },
    },
    async (request, reply) => {
      await lotOr404(request.params.lotId);
      const { document } = await exportPackEpcis(client, request.params.lotId, Number(request.params.index));
      return reply.type("application/ld+json").send(JSON.stringify(document));
    },
  );
}
