/**
 * Errors as RFC 9457 problem details (`application/problem+json`): a type URI, a title, the HTTP status, a detail
 * sentence and, for bad input, the field at fault.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  /** The input at fault: a path segment, a query parameter, a body property (`/0/gtin` in a batch), a header. */
  field?: string;
  instance?: string;
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** A refusal the routes throw; the error handler turns it into problem+json. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    detail: string,
    readonly field?: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
  }

  toProblem(instance?: string): Problem {
    return {
      type: `urn:pharmachain:problem:${this.slug}`,
      title: TITLES[this.status] ?? "Error",
      status: this.status,
      detail: this.message,
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(instance === undefined ? {} : { instance }),
      ...this.extensions,
    };
  }
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type("application/problem+json").send(problem);
}

/** The field a fastify validation error is about: `/body/0/gtin` → `/0/gtin`, `querystring/serial` → `serial`. */
function fieldOf(error: FastifyError): string | undefined {
  const v = error.validation?.[0];
  if (!v) return undefined;
  const missing = (v.params as { missingProperty?: string } | undefined)?.missingProperty;
  const path = v.instancePath ?? "";
  const where = path + (missing ? `/${missing}` : "");
  if (error.validationContext === "body") return where || "/";
  return where.replace(/^\//, "") || error.validationContext;
}

/** The error handler: problem+json for every refusal, a logged 500 for anything unexpected. */
export function problemHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof ProblemError) return sendProblem(reply, error.toProblem(request.url));
  if (error.validation) {
    const field = fieldOf(error);
    return sendProblem(reply, {
      type: "urn:pharmachain:problem:invalid-input",
      title: TITLES[400],
      status: 400,
      detail: `${field ?? "input"}: ${error.validation[0].message ?? error.message}`,
      ...(field === undefined ? {} : { field }),
      instance: request.url,
    });
  }
  const status = error.statusCode ?? 500;
  if (status >= 500) request.log.error(error);
  const slug =
    status === 413
      ? "body-too-large"
      : status === 415
        ? "unsupported-media-type"
        : status === 429
          ? "rate-limited"
          : status >= 500
            ? "internal"
            : "bad-request";
  const field = status === 413 ? "body" : status === 415 ? "content-type" : undefined;
  return sendProblem(reply, {
    type: `urn:pharmachain:problem:${slug}`,
    title: TITLES[status] ?? "Error",
    status,
    detail: status >= 500 ? "the service failed to answer; the error is logged" : error.message,
    ...(field === undefined ? {} : { field }),
    instance: request.url,
  });
}
