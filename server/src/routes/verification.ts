/**
 * The GS1 Digital Link resolver and the DSCSA verification responder.
 *
 * - `GET /{any prefix}/01/{gtin}/10/{lot}/21/{serial}?17=YYMMDD`: the verdict (JSON), a web answer (HTML), the
 *   linkset (`?linkType=all`), or the Lightweight Messaging answer (`?linkType=gs1:verificationService`).
 * - `POST /dscsa/verify`: the same Lightweight Messaging requests, many at once.
 *
 * Lightweight Messaging (GS1 Lightweight Messaging Standard for Verification of Product Identifiers): the request is
 * the pack's Digital Link with `linkType=verificationService` (`gs1:verificationService` also taken), `context`
 * (`dscsaSaleableReturn`), `reqGLN` (the requester's GLN) and `corrUUID` (a UUID echoed in the answer); the answer is
 * `{ verificationTimestamp, responderGLN, data: { verified, verificationFailureReason?, additionalInfo? }, corrUUID }`.
 * The standard's other request, `checkConnectivity`, is a GTIN's Digital Link (`/01/{gtin}`, a pack's too) with
 * `linkType=checkConnectivity`, `reqGLN` and `corrUUID`: 200 with `{ verificationTimestamp, responderGLN, corrUUID }`
 * when this responder serves the GTIN, 404 when it does not. Every refusal (400, 404, 405, 413, 415, 429) is
 * problem+json; the guideline's only JSON payload is a 200's, so a client of the standard reads no body on the others.
 * `linkType=gs1:epcis` answers the pack's history as an EPCIS 2.0 document (application/ld+json).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import { Type } from "@sinclair/typebox";
import { exportPackEpcis, gtinToUint64, hasValidCheckDigit, type VerificationReport } from "@pharmachain/sdk";
import { ProblemError, sendProblem } from "../problem";
import type { Verifier } from "../verifier";
import { reportJson } from "../verifier";
import type { BlockRef } from "../mirror";
import { parseGtinRequest, parseLinkRequest, type ParsedLink } from "./scan";

export interface VerificationRouteOptions {
  verifier: Verifier;
  /** The responder's GLN, in every Lightweight Messaging answer. */
  responderGLN: string;
  /** Where a browser is sent for the verdict page, `{link}` replaced by the Digital Link (none: a plain HTML answer). */
  webPageUrl?: string;
  /** Matching packs answered `verified: false` with `Manufacturer_policy` when recalled or expired (default none). */
  notVerified?: LmsPolicy;
  /** The most requests in one `POST /dscsa/verify` (default 1,000). */
  maxBatch?: number;
  /** Run before the not-found handler's answers (the rate limit: links under a prefix are counted too). */
  notFoundPreHandler?: preHandlerAsyncHookHandler;
  /**
   * More links for a pack's linkset (the documents of a product or lot, …), by link type IRI: other parts of the
   * service register the links they answer here, so that the linkset names every link the service has.
   */
  extraLinks?: LinkProvider;
}

/** Links a part of the service adds to a pack's linkset, by link type IRI. */
export type LinkProvider = (
  anchor: string,
  link: ParsedLink,
  /** The request: a part may name links for its signed-in reader only (the documents it may open). */
  request?: FastifyRequest,
) => Record<string, LinksetLink[]> | Promise<Record<string, LinksetLink[]>>;

/** The links of several providers, those of one link type together. */
export async function mergeLinks(
  providers: readonly LinkProvider[],
  anchor: string,
  link: ParsedLink,
  request?: FastifyRequest,
): Promise<Record<string, LinksetLink[]>> {
  const out: Record<string, LinksetLink[]> = {};
  for (const provider of providers) {
    for (const [type, links] of Object.entries(await provider(anchor, link, request)))
      (out[type] ??= []).push(...links);
  }
  return out;
}

/** One target of a linkset (RFC 9264 target object, with GS1's `title` and `type`). */
export interface LinksetLink {
  href: string;
  title: string;
  type: string;
}

const LMS_CONTEXTS = new Set(["dscsaSaleableReturn"]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function blockJson(block: BlockRef): { number: number; hash: string; timestamp: number } {
  return { number: block.number, hash: block.hash, timestamp: block.timestamp };
}

/** Which answer a request wants: the linkType first, then the Accept header. */
function linkTypeOf(params: URLSearchParams): string | undefined {
  return params.get("linkType") ?? undefined;
}

function isLms(linkType: string | undefined): boolean {
  return linkType === "gs1:verificationService" || linkType === "verificationService";
}

function isConnectivity(linkType: string | null | undefined): boolean {
  return linkType === "checkConnectivity" || linkType === "gs1:checkConnectivity";
}

function isEpcis(linkType: string | undefined): boolean {
  return linkType === "gs1:epcis" || linkType === "epcis";
}

/** The request's linkType, read before the path is (a connectivity check names a GTIN, not a pack). */
function linkTypeOfUrl(url: string): string | null {
  const q = url.indexOf("?");
  return q < 0 ? null : new URLSearchParams(url.slice(q + 1)).get("linkType");
}

function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? "";
  if (!accept.includes("text/html")) return false;
  const json = accept.indexOf("application/json");
  return json < 0 || accept.indexOf("text/html") < json;
}

/**
 * Checks the Lightweight Messaging parameters of a request; a 400 names the one at fault. A connectivity check needs
 * no `context` (a context it gives is checked all the same).
 */
function lmsParams(
  params: URLSearchParams,
  prefix = "",
  contextRequired = true,
): { context: string; reqGLN: string; corrUUID: string } {
  const context = params.get("context");
  if ((contextRequired || context !== null) && (!context || !LMS_CONTEXTS.has(context))) {
    throw new ProblemError(
      400,
      "invalid-lms-request",
      `context must be one of ${[...LMS_CONTEXTS].join(", ")}${context ? `, not "${context}"` : ""}`,
      `${prefix}context`,
    );
  }
  const reqGLN = params.get("reqGLN");
  if (!reqGLN || !/^\d{13}$/.test(reqGLN) || !hasValidCheckDigit(reqGLN)) {
    throw new ProblemError(
      400,
      "invalid-lms-request",
      "reqGLN must be a 13-digit GLN with a valid check digit",
      `${prefix}reqGLN`,
    );
  }
  const corrUUID = params.get("corrUUID");
  if (!corrUUID || !UUID.test(corrUUID)) {
    throw new ProblemError(400, "invalid-lms-request", "corrUUID must be a UUID", `${prefix}corrUUID`);
  }
  return { context: context ?? "", reqGLN, corrUUID };
}

/**
 * The manufacturer's policy for packs whose identifier matches but which the chain says are recalled or expired: the
 * standard's scenarios answer them `verified: true` with `additionalInfo`; a manufacturer whose policy is to answer
 * `verified: false` for them lists them here, and they are answered with `Manufacturer_policy` as the reason.
 */
export type LmsPolicy = readonly ("Recalled" | "Expired")[];

/** The Lightweight Messaging answer for a report. */
export function lmsResponse(
  report: VerificationReport,
  corrUUID: string,
  responderGLN: string,
  block: BlockRef,
  notVerified: LmsPolicy = [],
): Record<string, unknown> {
  const byPolicy =
    report.dscsa.verified &&
    report.dscsa.additionalInfo !== undefined &&
    (notVerified as readonly string[]).includes(report.dscsa.additionalInfo);
  const data: Record<string, unknown> = { verified: report.dscsa.verified && !byPolicy };
  if (byPolicy) data.verificationFailureReason = "Manufacturer_policy";
  else if (report.dscsa.verificationFailureReason)
    data.verificationFailureReason = report.dscsa.verificationFailureReason;
  // "cannot verify": the responder lacks the lot's list; the standard's reason for an answer without a match reason
  else if (!report.dscsa.verified) data.verificationFailureReason = "No_reason_provided";
  if (report.dscsa.additionalInfo) data.additionalInfo = report.dscsa.additionalInfo;
  return {
    verificationTimestamp: new Date().toISOString(),
    responderGLN,
    data,
    corrUUID,
    // not in the standard: the block the answer is true at
    pharmachain: { block: block.number, verdict: report.verdictName },
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function htmlPage(report: VerificationReport, block: BlockRef): string {
  const ok = report.verified;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(report.verdictName)} — PharmaChain</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem">
<h1 style="color: ${ok ? "#0a6b2d" : "#a4161a"}">${escapeHtml(report.verdictName.toUpperCase())}</h1>
<p>${escapeHtml(report.message)}</p>
<dl>
<dt>GTIN</dt><dd>${escapeHtml(report.gtin)}</dd>
<dt>Lot</dt><dd>${escapeHtml(report.lotNumber)}</dd>
<dt>Serial</dt><dd>${escapeHtml(report.serial)}</dd>
<dt>EU hub</dt><dd>${escapeHtml(report.eu.packStatus)}${report.eu.returnCode ? ` (${escapeHtml(report.eu.returnCode)})` : ""}</dd>
<dt>Answered at block</dt><dd>${block.number}</dd>
</dl>
</body></html>
`;
}

/** The GS1 linkset of a pack's Digital Link: the links this service answers (and those other parts registered). */
function linkset(anchor: string, extra: Record<string, LinksetLink[]> = {}): Record<string, unknown> {
  const link = (linkType: string, title: string, type: string): LinksetLink => ({
    href: `${anchor}${anchor.includes("?") ? "&" : "?"}linkType=${encodeURIComponent(linkType)}`,
    title,
    type,
  });
  return {
    linkset: [
      {
        anchor,
        "https://gs1.org/voc/defaultLink": [{ href: anchor, title: "Verification of this pack", type: "text/html" }],
        "https://gs1.org/voc/verificationService": [
          link(
            "gs1:verificationService",
            "DSCSA verification (GS1 Lightweight Messaging; add context, reqGLN and corrUUID)",
            "application/json",
          ),
        ],
        "https://gs1.org/voc/pip": [{ href: anchor, title: "Verdict of this pack (JSON)", type: "application/json" }],
        "https://gs1.org/voc/epcis": [
          link("gs1:epcis", "History of this pack as an EPCIS 2.0 document, from the chain", "application/ld+json"),
        ],
        ...extra,
      },
    ],
  };
}

/** The anchor of a linkset: the pack's Digital Link on this host, without the service's own parameters. */
function anchorOf(request: FastifyRequest): string {
  const url = new URL(request.url, `${request.protocol}://${request.headers.host ?? "localhost"}`);
  for (const p of ["linkType", "context", "reqGLN", "corrUUID"]) url.searchParams.delete(p);
  return url.toString();
}

const VerdictSchema = Type.Object(
  {
    block: Type.Object({ number: Type.Integer(), hash: Type.String(), timestamp: Type.Integer() }),
    report: Type.Record(Type.String(), Type.Unknown()),
  },
  { description: "The verdict of one pack, and the block it is true at" },
);

const LmsRequestSchema = Type.String({
  description:
    "A GS1 Digital Link URI with linkType=verificationService, context, reqGLN and corrUUID (absolute, or a path)",
  maxLength: 2048,
});

export function verificationRoutes(app: FastifyInstance, options: VerificationRouteOptions): void {
  const { verifier, responderGLN } = options;

  /** checkConnectivity: whether this responder answers for the GTIN, with the envelope of a verification answer. */
  const connectivity = async (reply: FastifyReply, url: string): Promise<FastifyReply> => {
    const { gtin, params } = parseGtinRequest(url);
    const { corrUUID } = lmsParams(params, "", false);
    const { block, value: served } = await verifier.mirror.productRegistered(gtinToUint64(gtin));
    if (!served) {
      throw new ProblemError(404, "unknown-gtin", `GTIN ${gtin} is not served by this responder`, "01", { corrUUID });
    }
    return reply.type("application/json; charset=utf-8").send(
      JSON.stringify({
        verificationTimestamp: new Date().toISOString(),
        responderGLN,
        corrUUID,
        pharmachain: { block: block.number },
      }),
    );
  };

  const answer = async (request: FastifyRequest, reply: FastifyReply, parsed: ParsedLink): Promise<FastifyReply> => {
    const linkType = linkTypeOf(parsed.params);
    if (linkType === "all" || linkType === "linkset") {
      // serialised here: the route's response schema is the verdict's
      const anchor = anchorOf(request);
      return reply
        .type("application/linkset+json")
        .send(JSON.stringify(linkset(anchor, await options.extraLinks?.(anchor, parsed, request))));
    }
    if (isEpcis(linkType)) {
      const { block, reports } = await verifier.verify([parsed.scan]);
      const report = reports[0];
      const manifest =
        report.index === undefined || report.serialsRoot === undefined
          ? undefined
          : await verifier.serials.manifest(report.lotId, report.serialsRoot);
      if (report.index === undefined || !manifest) {
        // the history of a pack is found by its index, which only a stored list proves
        throw new ProblemError(
          404,
          "no-pack-history",
          `no history for this pack: ${report.verdictName === "cannot verify" ? "this service has no serial list for its lot" : report.verdictName}`,
          report.verdictName === "unknown product" ? "01" : report.verdictName === "unknown lot" ? "10" : "21",
        );
      }
      const exported = await exportPackEpcis(verifier.mirror.client, report.lotId, report.index, {
        manifests: () => manifest,
        history: { toBlock: block.number },
      });
      reply.header("x-pharmachain-block", String(block.number));
      return reply.type("application/ld+json").send(JSON.stringify(exported.document));
    }
    if (isLms(linkType)) {
      const { corrUUID } = lmsParams(parsed.params);
      const { block, reports } = await verifier.verify([parsed.scan]);
      if (reports[0].verdictName === "unknown product") {
        throw new ProblemError(404, "unknown-gtin", `GTIN ${parsed.gtin} is not served by this responder`, "01", {
          corrUUID,
        });
      }
      return reply
        .type("application/json; charset=utf-8")
        .send(JSON.stringify(lmsResponse(reports[0], corrUUID, responderGLN, block, options.notVerified)));
    }
    if (linkType !== undefined && linkType !== "gs1:pip" && linkType !== "gs1:defaultLink") {
      throw new ProblemError(404, "link-type-not-offered", `this service offers no ${linkType} link`, "linkType");
    }
    const { block, reports } = await verifier.verify([parsed.scan]);
    reply.header("x-pharmachain-block", String(block.number));
    if (wantsHtml(request)) {
      if (options.webPageUrl) {
        return reply.redirect(options.webPageUrl.replace("{link}", encodeURIComponent(anchorOf(request))), 303);
      }
      return reply.type("text/html; charset=utf-8").send(htmlPage(reports[0], block));
    }
    return reply.send({ block: blockJson(block), report: reportJson(reports[0]) });
  };

  app.get(
    "/01/*",
    {
      schema: {
        tags: ["verification"],
        summary: "GS1 Digital Link resolver: the verdict of a pack (JSON, HTML, linkset, or Lightweight Messaging)",
        description:
          "`/01/{gtin}/10/{lot}/21/{serial}?17=YYMMDD`, also under any path prefix. `linkType=all`: the linkset " +
          "(application/linkset+json). `linkType=gs1:verificationService` with `context`, `reqGLN`, `corrUUID`: the " +
          "DSCSA Lightweight Messaging answer (an unknown GTIN is 404). `/01/{gtin}?linkType=checkConnectivity` with " +
          "`reqGLN`, `corrUUID`: Lightweight Messaging's connectivity check (200 when the GTIN is served, else 404). " +
          "`linkType=gs1:epcis`: the pack's history as EPCIS 2.0 (application/ld+json). Otherwise the verdict: JSON, " +
          "or HTML for a browser. A pack that is not genuine is an answer (200), not an error. Other methods: 405.",
        response: { 200: VerdictSchema },
      },
    },
    (request, reply) =>
      isConnectivity(linkTypeOfUrl(request.url))
        ? connectivity(reply, request.url)
        : answer(request, reply, parseLinkRequest(request.url)),
  );

  // Any prefix GS1 allows before the primary key: the not-found handler reads the path as a Digital Link.
  const notFoundOptions = options.notFoundPreHandler ? { preHandler: options.notFoundPreHandler } : {};
  app.setNotFoundHandler(notFoundOptions, async (request, reply) => {
    const path = request.url.split("?")[0];
    if (request.method !== "GET" && request.method !== "HEAD") {
      // a Digital Link (and the batch route) exists, but not for this method: 405 with the methods it has
      let allow: string | undefined = path === "/dscsa/verify" ? "POST" : undefined;
      if (!allow) {
        try {
          if (isConnectivity(linkTypeOfUrl(request.url))) parseGtinRequest(request.url);
          else parseLinkRequest(request.url);
          allow = "GET, HEAD";
        } catch {
          // not a Digital Link: 404
        }
      }
      if (allow) {
        reply.header("allow", allow);
        return sendProblem(reply, {
          type: "urn:pharmachain:problem:method-not-allowed",
          title: "Method Not Allowed",
          status: 405,
          detail: `${path} answers ${allow}, not ${request.method}`,
          field: "method",
          instance: request.url,
        });
      }
      return sendProblem(reply, {
        type: "urn:pharmachain:problem:not-found",
        title: "Not Found",
        status: 404,
        detail: `no ${request.method} ${path}`,
        instance: request.url,
      });
    }
    if (path === "/dscsa/verify") {
      reply.header("allow", "POST");
      return sendProblem(reply, {
        type: "urn:pharmachain:problem:method-not-allowed",
        title: "Method Not Allowed",
        status: 405,
        detail: `${path} answers POST (a JSON array of Lightweight Messaging requests), not ${request.method}`,
        field: "method",
        instance: request.url,
      });
    }
    try {
      if (isConnectivity(linkTypeOfUrl(request.url))) return await connectivity(reply, request.url);
      return await answer(request, reply, parseLinkRequest(request.url));
    } catch (error) {
      if (error instanceof ProblemError) return sendProblem(reply, error.toProblem(request.url));
      throw error;
    }
  });

  app.post<{ Body: string[] }>(
    "/dscsa/verify",
    {
      schema: {
        tags: ["verification"],
        summary: "Many DSCSA Lightweight Messaging requests at once (a returned case)",
        description:
          "A JSON array of Lightweight Messaging request URIs. The answer is an array in the same order: the " +
          "Lightweight Messaging answer of each, or a problem object (status 404) for a GTIN this responder does not " +
          "serve. A malformed request refuses the whole batch (400, naming it as /index/field).",
        body: Type.Array(LmsRequestSchema, { minItems: 1, maxItems: options.maxBatch ?? 1000 }),
      },
    },
    async (request) => {
      const parsed = request.body.map((uri, i) => {
        const path = /^https?:\/\//i.test(uri) ? uri.replace(/^https?:\/\/[^/]+/i, "") : uri;
        try {
          const p = parseLinkRequest(path.startsWith("/") ? path : `/${path}`);
          const linkType = linkTypeOf(p.params);
          if (!isLms(linkType)) {
            throw new ProblemError(400, "invalid-lms-request", "linkType must be verificationService", "linkType");
          }
          return { scan: p.scan, gtin: p.gtin, ...lmsParams(p.params) };
        } catch (error) {
          if (error instanceof ProblemError) {
            throw new ProblemError(
              error.status === 404 ? 400 : error.status,
              error.slug,
              `request ${i}: ${error.message}`,
              `/${i}/${error.field ?? "uri"}`,
            );
          }
          throw error;
        }
      });
      const { block, reports } = await verifier.verify(parsed.map((p) => p.scan));
      return reports.map((r, i) =>
        r.verdictName === "unknown product"
          ? new ProblemError(404, "unknown-gtin", `GTIN ${parsed[i].gtin} is not served by this responder`, "01", {
              corrUUID: parsed[i].corrUUID,
            }).toProblem()
          : lmsResponse(r, parsed[i].corrUUID, responderGLN, block, options.notVerified),
      );
    },
  );
}
