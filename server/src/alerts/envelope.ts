/**
 * The alert envelope: a CloudEvents 1.0 event (`cloudevents`), in structured JSON mode, signed per Standard Webhooks
 * (`standardwebhooks`): `webhook-id` is the CloudEvent's id (`txHash:logIndex`), the same on every retry, so a receiver
 * deduplicates by it.
 */
import { randomBytes } from "crypto";
import { CloudEvent, HTTP } from "cloudevents";
import { Webhook } from "standardwebhooks";
import { cloudEventType, JsonValue } from "./kinds";

export interface AlertData {
  [key: string]: JsonValue;
}

export interface AlertEnvelopeInput {
  id: string;
  kind: string;
  /** A URI naming where the event happened: `urn:pharmachain:<chainId>:<contract address>`. */
  source: string;
  subject?: string;
  time: Date;
  data: AlertData;
}

/** The CloudEvent of an alert, as the JSON object stored and sent. */
export function buildEnvelope(input: AlertEnvelopeInput): Record<string, unknown> {
  const event = new CloudEvent<AlertData>({
    specversion: "1.0",
    id: input.id,
    source: input.source,
    type: cloudEventType(input.kind),
    ...(input.subject !== undefined && { subject: input.subject }),
    time: input.time.toISOString(),
    datacontenttype: "application/json",
    data: input.data,
  });
  event.validate();
  return event.toJSON();
}

/** The HTTP body and headers of a stored envelope (structured mode: `application/cloudevents+json`). */
export function structured(envelope: Record<string, unknown>): { body: string; headers: Record<string, string> } {
  const message = HTTP.structured(new CloudEvent(envelope, false));
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers)) headers[k.toLowerCase()] = String(v);
  return { body: String(message.body), headers };
}

/** A new webhook signing secret, in Standard Webhooks' `whsec_` form. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** The Standard Webhooks headers for a body: `webhook-id`, `webhook-timestamp`, `webhook-signature`. */
export function signatureHeaders(secret: string, id: string, body: string, at = new Date()): Record<string, string> {
  const timestamp = new Date(Math.floor(at.getTime() / 1000) * 1000);
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp.getTime() / 1000),
    "webhook-signature": new Webhook(secret).sign(id, timestamp, body),
  };
}
