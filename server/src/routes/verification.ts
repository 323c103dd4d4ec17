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
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import { Type } from "@sinclair/typebox";
import { hasValidCheckDigit, type PackScan, type VerificationReport } from "@pharmachain/sdk";
import { ProblemError, sendProblem } from "../problem";
import type { Verifier } from "../verifier";
import { reportJson } from "../verifier";
import type { BlockRef } from "../mirror";
import { parseLinkRequest, type ParsedLink } from "./scan";

export interface VerificationRouteOptions {
  verifier: Verifier;
  /** The responder's GLN, in every Lightweight Messaging answer. */
  responderGLN: string;
  /** Where a browser is sent for the verdict page, `{link}` replaced by the Digital Link (none: a plain HTML answer). */
  webPageUrl?: string;
  /** The most requests in one `POST /dscsa/verify` (default 1,000). */
  maxBatch?: number;
  /** Run before the not-found handler's answers (the rate limit: links under a prefix are counted too). */
  notFoundPreHandler?: preHandlerAsyncHookHandler;
  /**
   * The linkset's document links for a signed-in reader (the documents of the pack's lot and product it may open),
   * keyed by link relation; none for an anonymous request.
   */
  documentLinks?: (request: FastifyRequest, scan: PackScan) => Promise<Record<string, Array<Record<string, unknown>>>>;
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

function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? "";
  if (!accept.includes("text/html")) return false;
  const json = accept.indexOf("application/json");
  return json < 0 || accept.indexOf("text/html") < json;
}

/** Checks the Lightweight Messaging parameters of a request; a 400 names the one at fault. */
function lmsParams(params: URLSearchParams, prefix = ""): { context: string; reqGLN: string; corrUUID: string } {
  const context = params.get("context");
  if (!context || !LMS_CONTEXTS.has(context)) {
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
  return { context, reqGLN, corrUUID };
}

/** The Lightweight Messaging answer for a report. */
export function lmsResponse(
  report: VerificationReport,
  corrUUID: string,
  responderGLN: string,
  block: BlockRef,
): Record<string, unknown> {
  const data: Record<string, unknown> = { verified: report.dscsa.verified };
  if (report.dscsa.verificationFailureReason) data.verificationFailureReason = report.dscsa.verificationFailureReason;
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

/** The GS1 linkset of a pack's Digital Link: the links this service answers. */
function linkset(
  anchor: string,
  documents: Record<string, Array<Record<string, unknown>>> = {},
): Record<string, unknown> {
  const link = (linkType: string, title: string, type: string): Record<string, unknown> => ({
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
        ...documents,
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

  const answer = async (request: FastifyRequest, reply: FastifyReply, parsed: ParsedLink): Promise<FastifyReply> => {
    const linkType = linkTypeOf(parsed.params);
    if (linkType === "all" || linkType === "linkset") {
      // serialised here: the route's response schema is the verdict's
      const documents = options.documentLinks ? await options.documentLinks(request, parsed.scan) : {};
      return reply.type("application/linkset+json").send(JSON.stringify(linkset(anchorOf(request), documents)));
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
        .send(JSON.stringify(lmsResponse(reports[0], corrUUID, responderGLN, block)));
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
          "DSCSA Lightweight Messaging answer (an unknown GTIN is 404). Otherwise the verdict: JSON, or HTML for a " +
          "browser. A pack that is not genuine is an answer (200), not an error.",
        response: { 200: VerdictSchema },
      },
    },
    (request, reply) => answer(request, reply, parseLinkRequest(request.url)),
  );

  // Any prefix GS1 allows before the primary key: the not-found handler reads the path as a Digital Link.
  const notFoundOptions = options.notFoundPreHandler ? { preHandler: options.notFoundPreHandler } : {};
  app.setNotFoundHandler(notFoundOptions, async (request, reply) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return sendProblem(reply, {
        type: "urn:pharmachain:problem:not-found",
        title: "Not Found",
        status: 404,
        detail: `no ${request.method} ${request.url.split("?")[0]}`,
        instance: request.url,
      });
    }
    try {
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
          : lmsResponse(r, parsed[i].corrUUID, responderGLN, block),
      );
    },
  );
}
