/**
 * The alerts' HTTP API: a stakeholder's webhook subscriptions (create, list, read, delete), their deliveries with the
 * dead-letter, a retry of a dead delivery, the watcher's status, and the Server-Sent Events stream `GET /events`
 * (replay after `Last-Event-ID`). Errors are RFC 9457 problem+json naming the field.
 */
import { randomUUID } from "crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, preHandlerHookHandler } from "fastify";
import { Type, Static } from "@sinclair/typebox";
import { AlertsConfig, AlertsConfigInput, alertsConfig } from "./config";
import type { Db } from "./db";
import { newSecret } from "./envelope";
import { ALL_KINDS, cloudEventType } from "./kinds";
import { checkWebhookUrl } from "./ssrf";
import { alertsStatus } from "./status";
import { alertBus, ChainContext } from "./watcher";

/** The account `requireAccount` sets on the request (Sign-In with Ethereum, role and standing from the registry). */
export interface RequestAccount {
  address: string;
  role?: unknown;
  standing?: unknown;
}

export interface AlertsPluginOptions {
  db: Db;
  chain: ChainContext;
  requireAccount: preHandlerHookHandler;
  config?: AlertsConfig | AlertsConfigInput;
}

const Bytes32 = Type.String({ pattern: "^0x[0-9a-fA-F]{64}$" });
const Gtin = Type.String({ pattern: "^[0-9]{8,14}$", description: "a GTIN-8, -12, -13 or -14" });
const Kind = Type.Union(ALL_KINDS.map((k) => Type.Literal(k)));

const SubscriptionInput = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: "the https (or http) endpoint to POST alerts to" }),
    kinds: Type.Optional(Type.Array(Kind, { minItems: 1, maxItems: ALL_KINDS.length, uniqueItems: true })),
    lotIds: Type.Optional(Type.Array(Bytes32, { minItems: 1, maxItems: 1000 })),
    gtins: Type.Optional(Type.Array(Gtin, { minItems: 1, maxItems: 1000 })),
    concernsMe: Type.Optional(
      Type.Boolean({ description: "only alerts about packs I hold or held, or where I am a party" }),
    ),
  },
  { additionalProperties: false },
);
type SubscriptionInput = Static<typeof SubscriptionInput>;

const Subscription = Type.Object({
  id: Type.String(),
  owner: Type.String(),
  url: Type.String(),
  kinds: Type.Union([Type.Array(Type.String()), Type.Null()]),
  lotIds: Type.Union([Type.Array(Type.String()), Type.Null()]),
  gtins: Type.Union([Type.Array(Type.String()), Type.Null()]),
  concernsMe: Type.Boolean(),
  active: Type.Boolean(),
  createdAt: Type.String(),
  secret: Type.Optional(Type.String({ description: "the Standard Webhooks signing secret, shown once" })),
});

const Delivery = Type.Object({
  id: Type.String(),
  alertId: Type.String(),
  kind: Type.String(),
  status: Type.String(),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Type.String(), Type.Null()]),
  lastStatus: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  deliveredAt: Type.Union([Type.String(), Type.Null()]),
});

const IdParams = Type.Object({ id: Type.String({ format: "uuid" }) });
const DeliveryParams = Type.Object({
  id: Type.String({ format: "uuid" }),
  deliveryId: Type.String({ pattern: "^[0-9]{1,18}$" }),
});
const DeliveriesQuery = Type.Object({
  status: Type.Optional(
    Type.Union([Type.Literal("pending"), Type.Literal("delivered"), Type.Literal("dead"), Type.Literal("cancelled")]),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});
const EventsQuery = Type.Object({
  kinds: Type.Optional(Type.String({ description: "comma-separated kinds" })),
  lotId: Type.Optional(Bytes32),
  gtin: Type.Optional(Gtin),
  concernsMe: Type.Optional(Type.Boolean({ default: true })),
  lastEventId: Type.Optional(Type.String({ maxLength: 200, description: "as the Last-Event-ID header" })),
});
const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.Optional(Type.String()),
  field: Type.Optional(Type.String()),
});

/** A route schema with the OpenAPI fields the core's generator reads (tags, summary). */
const doc = (schema: FastifySchema & { tags?: string[]; summary?: string }): FastifySchema => schema;

export function problem(
  reply: FastifyReply,
  status: number,
  title: string,
  detail?: string,
  field?: string,
): FastifyReply {
  return reply
    .code(status)
    .type("application/problem+json")
    .send({
      type: "about:blank",
      title,
      status,
      ...(detail !== undefined && { detail }),
      ...(field !== undefined && { field }),
    });
}

function accountOf(request: FastifyRequest): RequestAccount | undefined {
  return (request as unknown as { account?: RequestAccount }).account;
}

/** Only a stakeholder in good standing owns subscriptions; standing as the core reports it ("active"). */
function inGoodStanding(account: RequestAccount): boolean {
  const standing = account.standing;
  if (standing === undefined) return true;
  // The service's sign-in reports `{ status, authorised, validUntil }`: an active record with a valid licence.
  if (typeof standing === "object" && standing !== null) {
    const s = standing as { status?: unknown; authorised?: unknown };
    return s.authorised === true && String(s.status).toLowerCase() === "active";
  }
  return String(standing).toLowerCase() === "active";
}

export const normalizeGtin14 = (g: string): string => g.padStart(14, "0");

interface SubscriptionRow {
  id: string;
  owner: string;
  url: string;
  kinds: string[] | null;
  lot_ids: string[] | null;
  gtins: string[] | null;
  concerns_me: boolean;
  active: boolean;
  created_at: Date | string;
}

const subscriptionOut = (r: SubscriptionRow): Static<typeof Subscription> => ({
  id: r.id,
  owner: r.owner,
  url: r.url,
  kinds: r.kinds,
  lotIds: r.lot_ids,
  gtins: r.gtins,
  concernsMe: r.concerns_me,
  active: r.active,
  createdAt: new Date(r.created_at).toISOString(),
});

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

export async function alertsPlugin(app: FastifyInstance, opts: AlertsPluginOptions): Promise<void> {
  const { db, chain, requireAccount } = opts;
  const config = alertsConfig((opts.config ?? {}) as AlertsConfigInput);

  app.setErrorHandler((error, request, reply) => {
    // An error that is already a problem (the service's sign-in refusals, ProblemError): sent as it is.
    const asProblem = error as { toProblem?: (instance?: string) => { status: number } & Record<string, unknown> };
    if (typeof asProblem.toProblem === "function") {
      const p = asProblem.toProblem(request.url);
      return reply.code(p.status).type("application/problem+json").send(p);
    }
    const e = error as Error & {
      validation?: { instancePath?: string; params?: Record<string, unknown> }[];
      validationContext?: string;
      statusCode?: number;
    };
    if (e.validation) {
      const v = e.validation[0];
      const missing = v?.params?.missingProperty as string | undefined;
      const field = `${e.validationContext ?? "body"}${v?.instancePath ?? ""}${missing ? `/${missing}` : ""}`;
      return problem(reply, 400, "Invalid request", e.message, field);
    }
    const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
    return problem(
      reply,
      status,
      status === 500 ? "Internal Server Error" : e.name,
      status === 500 ? undefined : e.message,
    );
  });

  // open event streams end when the server closes (they would hold it open)
  const streams = new Set<() => void>();
  app.addHook("preClose", async () => {
    for (const end of streams) end();
  });

  const owned = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
  ): Promise<SubscriptionRow | undefined> => {
    const account = accountOf(request)!;
    const { rows } = await db.query<SubscriptionRow>("SELECT * FROM alert_subscriptions WHERE id = $1", [id]);
    if (rows.length === 0 || rows[0].owner !== account.address.toLowerCase()) {
      problem(reply, 404, "Not Found", `no subscription ${id} of yours`, "id");
      return undefined;
    }
    return rows[0];
  };

  app.post<{ Body: SubscriptionInput }>(
    "/alerts/subscriptions",
    {
      preHandler: requireAccount,
      schema: doc({
        tags: ["alerts"],
        summary: "Subscribe a webhook to alerts (CloudEvents signed per Standard Webhooks)",
        body: SubscriptionInput,
        response: { 201: Subscription, 400: Problem, 403: Problem },
      }),
    },
    async (request, reply) => {
      const account = accountOf(request)!;
      if (!inGoodStanding(account))
        return problem(
          reply,
          403,
          "Forbidden",
          "only a stakeholder in good standing may subscribe to alerts",
          "account",
        );
      const body = request.body;
      try {
        await checkWebhookUrl(body.url, config.webhook);
      } catch (e) {
        return problem(reply, 400, "Webhook URL refused", (e as Error).message, "body/url");
      }
      const id = randomUUID();
      const secret = newSecret();
      const { rows } = await db.query<SubscriptionRow>(
        `INSERT INTO alert_subscriptions (id, owner, url, secret, kinds, lot_ids, gtins, concerns_me)
         VALUES ($1, $2, $3, $4, $5::text[], $6::text[], $7::text[], $8) RETURNING *`,
        [
          id,
          account.address.toLowerCase(),
          body.url,
          secret,
          body.kinds ?? null,
          body.lotIds?.map((l) => l.toLowerCase()) ?? null,
          body.gtins?.map(normalizeGtin14) ?? null,
          body.concernsMe ?? false,
        ],
      );
      return reply.code(201).send({ ...subscriptionOut(rows[0]), secret });
    },
  );

  app.get(
    "/alerts/subscriptions",
    {
      preHandler: requireAccount,
      schema: doc({ tags: ["alerts"], summary: "My subscriptions", response: { 200: Type.Array(Subscription) } }),
    },
    async (request) => {
      const { rows } = await db.query<SubscriptionRow>(
        "SELECT * FROM alert_subscriptions WHERE owner = $1 ORDER BY created_at, id",
        [accountOf(request)!.address.toLowerCase()],
      );
      return rows.map(subscriptionOut);
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    "/alerts/subscriptions/:id",
    {
      preHandler: requireAccount,
      schema: doc({ tags: ["alerts"], params: IdParams, response: { 200: Subscription, 404: Problem } }),
    },
    async (request, reply) => {
      const row = await owned(request, reply, request.params.id);
      return row ? subscriptionOut(row) : reply;
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    "/alerts/subscriptions/:id",
    { preHandler: requireAccount, schema: doc({ tags: ["alerts"], params: IdParams, response: { 404: Problem } }) },
    async (request, reply) => {
      const row = await owned(request, reply, request.params.id);
      if (!row) return reply;
      await db.query("DELETE FROM alert_subscriptions WHERE id = $1", [row.id]);
      return reply.code(204).send();
    },
  );

  const deliveries = async (where: string, params: unknown[], limit: number): Promise<Static<typeof Delivery>[]> => {
    const { rows } = await db.query<{
      id: string | number;
      alert_id: string;
      kind: string;
      status: string;
      attempts: number;
      next_attempt_at: Date | string | null;
      last_status: number | null;
      last_error: string | null;
      delivered_at: Date | string | null;
    }>(
      `SELECT d.id, a.id AS alert_id, a.kind, d.status, d.attempts, d.next_attempt_at, d.last_status, d.last_error, d.delivered_at
         FROM alert_deliveries d JOIN alerts a ON a.seq = d.alert_seq JOIN alert_subscriptions s ON s.id = d.subscription_id
        WHERE ${where} ORDER BY d.id DESC LIMIT ${limit}`,
      params,
    );
    return rows.map((r) => ({
      id: String(r.id),
      alertId: r.alert_id,
      kind: r.kind,
      status: r.status,
      attempts: Number(r.attempts),
      nextAttemptAt: r.status === "pending" ? iso(r.next_attempt_at) : null,
      lastStatus: r.last_status === null ? null : Number(r.last_status),
      lastError: r.last_error,
      deliveredAt: iso(r.delivered_at),
    }));
  };

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof DeliveriesQuery> }>(
    "/alerts/subscriptions/:id/deliveries",
    {
      preHandler: requireAccount,
      schema: doc({
        tags: ["alerts"],
        params: IdParams,
        querystring: DeliveriesQuery,
        response: { 200: Type.Array(Delivery), 404: Problem },
      }),
    },
    async (request, reply) => {
      const row = await owned(request, reply, request.params.id);
      if (!row) return reply;
      const { status, limit = 100 } = request.query;
      return deliveries(
        status ? "d.subscription_id = $1 AND d.status = $2" : "d.subscription_id = $1",
        status ? [row.id, status] : [row.id],
        limit,
      );
    },
  );

  app.get<{ Querystring: Static<typeof DeliveriesQuery> }>(
    "/alerts/dead-letter",
    {
      preHandler: requireAccount,
      schema: doc({
        tags: ["alerts"],
        summary: "My dead-lettered deliveries",
        querystring: DeliveriesQuery,
        response: { 200: Type.Array(Delivery) },
      }),
    },
    async (request) =>
      deliveries(
        "s.owner = $1 AND d.status = 'dead'",
        [accountOf(request)!.address.toLowerCase()],
        request.query.limit ?? 100,
      ),
  );

  app.post<{ Params: Static<typeof DeliveryParams> }>(
    "/alerts/subscriptions/:id/deliveries/:deliveryId/retry",
    {
      preHandler: requireAccount,
      schema: doc({ tags: ["alerts"], params: DeliveryParams, response: { 404: Problem, 409: Problem } }),
    },
    async (request, reply) => {
      const row = await owned(request, reply, request.params.id);
      if (!row) return reply;
      const { rows } = await db.query(
        `UPDATE alert_deliveries SET status = 'pending', attempts = 0, next_attempt_at = now()
          WHERE id = $1 AND subscription_id = $2 AND status = 'dead' RETURNING id`,
        [request.params.deliveryId, row.id],
      );
      if (rows.length === 0)
        return problem(reply, 409, "Conflict", "only a dead-lettered delivery can be retried", "deliveryId");
      alertBus.emit("deliveries");
      return reply.code(202).send({ id: request.params.deliveryId, status: "pending" });
    },
  );

  app.get(
    "/alerts/status",
    { schema: doc({ tags: ["alerts"], summary: "The watcher's lag and last reorganisation" }) },
    async () => alertsStatus(db, chain.provider, { confirmations: config.confirmations }),
  );

  app.get<{ Querystring: Static<typeof EventsQuery> }>(
    "/events",
    {
      preHandler: requireAccount,
      schema: doc({
        tags: ["alerts"],
        summary: "Alerts as Server-Sent Events (each event's id is the CloudEvent id; reconnect with Last-Event-ID)",
        querystring: EventsQuery,
        response: { 400: Problem, 403: Problem },
      }),
    },
    async (request, reply) => {
      const account = accountOf(request)!;
      if (!inGoodStanding(account))
        return problem(reply, 403, "Forbidden", "only a stakeholder in good standing", "account");
      const q = request.query;
      const kinds = q.kinds
        ? q.kinds
            .split(",")
            .map((k) => k.trim())
            .filter(Boolean)
        : undefined;
      const unknown = kinds?.find((k) => !ALL_KINDS.includes(k));
      if (unknown)
        return problem(reply, 400, "Invalid request", `unknown alert kind "${unknown}"`, "querystring/kinds");
      const lastEventId = (request.headers["last-event-id"] as string | undefined) ?? q.lastEventId;
      let after: number;
      if (lastEventId !== undefined) {
        const { rows } = await db.query<{ seq: string | number }>("SELECT seq FROM alerts WHERE id = $1", [
          lastEventId,
        ]);
        if (rows.length === 0)
          return problem(reply, 400, "Unknown event id", `no alert has the id "${lastEventId}"`, "Last-Event-ID");
        after = Number(rows[0].seq);
      } else {
        const { rows } = await db.query<{ seq: string | number | null }>("SELECT max(seq) AS seq FROM alerts");
        after = Number(rows[0].seq ?? 0);
      }
      const params: unknown[] = [];
      const conditions = ["NOT orphaned"];
      if (kinds) conditions.push(`kind = ANY ($${params.push(kinds)}::text[])`);
      if (q.lotId) conditions.push(`$${params.push(q.lotId.toLowerCase())} = ANY (lot_ids)`);
      if (q.gtin) conditions.push(`$${params.push(normalizeGtin14(q.gtin))} = ANY (gtins)`);
      if (q.concernsMe !== false) conditions.push(`$${params.push(account.address.toLowerCase())} = ANY (parties)`);
      const sql = `SELECT seq, id, kind, event FROM alerts WHERE seq > $${params.length + 1} AND ${conditions.join(" AND ")} ORDER BY seq LIMIT 500`;

      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      raw.write("retry: 2000\n\n");
      let closed = false;
      let busy = false;
      let again = false;
      const pump = async (): Promise<void> => {
        if (closed) return;
        if (busy) {
          again = true;
          return;
        }
        busy = true;
        try {
          do {
            again = false;
            for (;;) {
              const { rows } = await db.query<{ seq: string | number; id: string; kind: string; event: unknown }>(sql, [
                ...params,
                after,
              ]);
              for (const r of rows) {
                if (closed) return;
                const data = typeof r.event === "string" ? r.event : JSON.stringify(r.event);
                raw.write(`id: ${r.id}\nevent: ${cloudEventType(r.kind)}\ndata: ${data}\n\n`);
                after = Number(r.seq);
              }
              if (rows.length < 500) break;
            }
          } while (again && !closed);
        } catch (e) {
          request.log.error(e);
        } finally {
          busy = false;
        }
      };
      const onAlerts = (): void => void pump();
      alertBus.on("alerts", onAlerts);
      // other replicas' watchers write alerts too: look every few seconds; a comment keeps proxies from timing out
      const poll = setInterval(() => void pump(), 3000);
      const heartbeat = setInterval(() => !closed && raw.write(": keep-alive\n\n"), 15_000);
      const close = (): void => {
        closed = true;
        alertBus.off("alerts", onAlerts);
        clearInterval(poll);
        clearInterval(heartbeat);
      };
      const end = (): void => {
        close();
        raw.end();
      };
      streams.add(end);
      request.raw.on("close", () => streams.delete(end));
      request.raw.on("close", close);
      raw.on("close", close);
      await pump();
    },
  );
}
