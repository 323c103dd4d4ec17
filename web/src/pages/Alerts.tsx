/**
 * Alerts: after signing in, the stakeholder's alerts arrive live over the service's Server-Sent Events stream
 * (`GET /events`, read with fetch because EventSource cannot send the bearer token; reconnects with Last-Event-ID),
 * newest first, each linking to its lot or shipment; and the webhook subscriptions, managed here.
 */
import { useEffect, useState } from "preact/hooks";
import { api, session } from "../api";
import { useAccount } from "./SignIn";

interface CloudEvent {
  id: string;
  type: string;
  time?: string;
  subject?: string;
  data: {
    kind: string;
    event: string;
    args: Record<string, unknown>;
    lotIds: string[];
    blockNumber: number;
    transactionHash: string;
  };
}

interface Subscription {
  id: string;
  url: string;
  kinds: string[] | null;
  concernsMe: boolean;
  active: boolean;
  createdAt: string;
  secret?: string;
}

const WORDS: Record<string, string> = {
  "lot.recalled": "Lot recalled — do not supply its packs",
  "lot.recall-lifted": "Recall lifted",
  "packs.quarantined": "Packs quarantined",
  "packs.suspicion-reported": "Suspicion reported",
  "packs.cleared": "Packs cleared",
  "packs.illegitimate": "Packs confirmed illegitimate",
  "packs.illegitimacy-proposed": "Packs proposed illegitimate",
  "pack.clone-reported": "Clone reported",
  "shipment.created": "Shipment made",
  "shipment.received": "Shipment received",
  "shipment.rejected": "Shipment rejected",
  "shipment.cancelled": "Shipment cancelled",
  "shipment.voided": "Shipment voided",
  "order.placed": "Order placed",
  "order.confirmed": "Order confirmed",
  "order.declined": "Order declined",
  "order.cancelled": "Order cancelled",
  "lot.expiring": "Lot expiring soon",
  "licence.expiring": "Licence expiring soon",
};

/** Reads a Server-Sent Events stream with the session's bearer token; reconnects after `retry`. */
function follow(onEvent: (e: CloudEvent) => void, onState: (s: string) => void): () => void {
  let stopped = false;
  let lastId: string | undefined;
  let controller: AbortController | undefined;
  const connect = async (): Promise<void> => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const headers: Record<string, string> = {
          accept: "text/event-stream",
          authorization: `Bearer ${session.token}`,
        };
        if (lastId) headers["last-event-id"] = lastId;
        const response = await fetch("/events", { headers, signal: controller.signal });
        if (!response.ok || !response.body) {
          const problem = await response.json().catch(() => ({}));
          onState(`The alert stream was refused: ${(problem as { detail?: string }).detail ?? response.status}`);
          return;
        }
        onState("live");
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let data = "";
            let id: string | undefined;
            for (const line of block.split("\n")) {
              if (line.startsWith("data:")) data += line.slice(5).trimStart();
              else if (line.startsWith("id:")) id = line.slice(3).trim();
            }
            if (data) {
              if (id) lastId = id;
              onEvent(JSON.parse(data) as CloudEvent);
            }
          }
        }
      } catch (e) {
        if (stopped) return;
        onState(`reconnecting (${(e as Error).message})`);
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  };
  void connect();
  return () => {
    stopped = true;
    controller?.abort();
  };
}

function AlertItem({ e }: { e: CloudEvent }) {
  const d = e.data;
  const shipment = e.subject?.startsWith("shipment/") ? e.subject.slice(9) : undefined;
  return (
    <li class={`alert ${d.kind.split(".")[0]}`} data-kind={d.kind}>
      <strong>{WORDS[d.kind] ?? d.kind}</strong>
      {e.time && <time dateTime={e.time}> {new Date(e.time).toLocaleString()}</time>}
      <div>
        {d.lotIds.map((lot) => (
          <a href={`#/history?lot=${lot}`}>lot {lot.slice(0, 10)}… </a>
        ))}
        {shipment && <a href={`#/counter?shipment=${shipment}`}>shipment {shipment}</a>}
        <span class="block"> block {d.blockNumber}</span>
      </div>
    </li>
  );
}

function Subscriptions() {
  const [subs, setSubs] = useState<Subscription[]>([]);
  const [url, setUrl] = useState("");
  const [concernsMe, setConcernsMe] = useState(true);
  const [message, setMessage] = useState<string | undefined>();
  const load = () => api<Subscription[]>("/alerts/subscriptions").then(setSubs, (e: Error) => setMessage(e.message));
  useEffect(() => void load(), []);
  return (
    <section class="card" aria-labelledby="subs-title">
      <h2 id="subs-title">Webhook subscriptions</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          api<Subscription>("/alerts/subscriptions", {
            method: "POST",
            body: JSON.stringify({ url, concernsMe }),
          }).then(
            (s) => {
              setMessage(`Subscribed. Signing secret (shown once): ${s.secret}`);
              setUrl("");
              void load();
            },
            (e: Error) => setMessage(`Refused: ${e.message}`),
          );
        }}
      >
        <label for="hook-url">Endpoint URL</label>
        <input
          id="hook-url"
          type="url"
          required
          value={url}
          onInput={(e) => setUrl((e.currentTarget as HTMLInputElement).value)}
        />
        <label class="check">
          <input
            type="checkbox"
            checked={concernsMe}
            onChange={(e) => setConcernsMe((e.currentTarget as HTMLInputElement).checked)}
          />{" "}
          Only alerts that concern me
        </label>
        <button type="submit">Subscribe</button>
      </form>
      {message && <p role="status">{message}</p>}
      <ul class="subs">
        {subs.map((s) => (
          <li>
            <span class="addr">{s.url}</span> {s.concernsMe ? "(concerns me)" : "(all)"} {s.active ? "" : "(inactive)"}{" "}
            <button
              type="button"
              class="secondary"
              aria-label={`Delete the subscription to ${s.url}`}
              onClick={() => void api(`/alerts/subscriptions/${s.id}`, { method: "DELETE" }).then(load)}
            >
              Delete
            </button>
          </li>
        ))}
      </ul>
      {subs.length === 0 && <p>No subscriptions yet.</p>}
    </section>
  );
}

export function AlertsPage() {
  const [account, signInBox] = useAccount();
  const [alerts, setAlerts] = useState<CloudEvent[]>([]);
  const [state, setState] = useState("connecting");
  useEffect(() => {
    if (!account) return;
    return follow(
      (e) => setAlerts((list) => (list.some((x) => x.id === e.id) ? list : [e, ...list].slice(0, 200))),
      setState,
    );
  }, [account?.address]);
  return (
    <>
      <h1>Alerts</h1>
      {signInBox}
      {account && (
        <>
          <p class="stream" role="status">
            Stream: {state}
          </p>
          <section aria-labelledby="alerts-title">
            <h2 id="alerts-title">Newest first</h2>
            <ol class="alerts" aria-live="polite">
              {alerts.map((e) => (
                <AlertItem e={e} />
              ))}
            </ol>
            {alerts.length === 0 && <p>No alerts since you opened this page.</p>}
          </section>
          <Subscriptions />
        </>
      )}
    </>
  );
}
