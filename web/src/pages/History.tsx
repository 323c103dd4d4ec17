/**
 * A pack's or a lot's timeline from the service (`/history/lots/{lotId}[/packs/{index}]`), parties by name and GLN,
 * dates in the reader's local time, the EPCIS 2.0 export, and the documents the pack's GS1 linkset offers.
 */
import { useEffect, useState } from "preact/hooks";
import { api, type PartyRef, type Timeline } from "../api";

interface LinksetLink {
  href: string;
  title?: string;
  type?: string;
}

const OWN_LINK_TYPES = new Set([
  "https://gs1.org/voc/defaultLink",
  "https://gs1.org/voc/verificationService",
  "https://gs1.org/voc/pip",
  "https://gs1.org/voc/epcis",
]);

function when(seconds: number): string {
  return new Date(seconds * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function Party({ p }: { p: PartyRef }) {
  return (
    <li>
      <strong>{p.name ?? p.role}</strong>
      {p.name && p.role !== "None" ? ` (${p.role})` : ""}
      {p.gln ? <span class="gln"> GLN {p.gln}</span> : null}
      <span class="addr"> {p.address}</span>
    </li>
  );
}

const LABEL: Record<string, string> = {
  LotCommissioned: "Commissioned",
  LotSigned: "Signed",
  LotReleased: "Released",
  LotRecalled: "Recalled",
  RecallLifted: "Recall lifted",
  PacksShipped: "Shipped",
  ShipmentReceived: "Received",
  ShipmentRejected: "Rejected",
  PacksDecommissioned: "Decommissioned",
  DecommissionUndone: "Decommission undone",
  PacksQuarantined: "Quarantined",
};

export function HistoryPage({ params }: { params: URLSearchParams }) {
  const lot = params.get("lot") ?? "";
  const index = params.get("index");
  const link = params.get("link");
  const [lotInput, setLotInput] = useState(lot);
  const [timeline, setTimeline] = useState<Timeline | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [documents, setDocuments] = useState<LinksetLink[]>([]);

  useEffect(() => {
    setTimeline(undefined);
    setError(undefined);
    if (!lot) return;
    const url = index !== null ? `/history/lots/${lot}/packs/${index}` : `/history/lots/${lot}`;
    api<Timeline>(url).then(setTimeline, (e: Error) => setError(e.message));
  }, [lot, index]);

  useEffect(() => {
    setDocuments([]);
    if (!link) return;
    const sep = link.includes("?") ? "&" : "?";
    api<{ linkset: Record<string, LinksetLink[] | string>[] }>(`${link}${sep}linkType=all`).then(
      (ls) => {
        const found: LinksetLink[] = [];
        for (const set of ls.linkset ?? [])
          for (const [rel, links] of Object.entries(set))
            if (rel !== "anchor" && !OWN_LINK_TYPES.has(rel) && Array.isArray(links)) found.push(...links);
        // only links on this origin: the page fetches nothing elsewhere
        setDocuments(found.filter((l) => new URL(l.href, location.href).origin === location.origin));
      },
      () => setDocuments([]),
    );
  }, [link]);

  const epcis = lot ? (index !== null ? `/epcis/lots/${lot}/packs/${index}` : `/epcis/lots/${lot}`) : undefined;

  return (
    <>
      <h1>{index !== null ? "History of a pack" : "History of a lot"}</h1>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          location.hash = `#/history?lot=${lotInput.trim()}`;
        }}
      >
        <label for="lot">Lot id (0x…, from a verdict)</label>
        <input
          id="lot"
          value={lotInput}
          spellcheck={false}
          onInput={(e) => setLotInput((e.currentTarget as HTMLInputElement).value)}
        />
        <button type="submit">Show history</button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {timeline && (
        <section aria-labelledby="tl-title">
          <h2 id="tl-title">
            Lot {timeline.lotNumber ?? timeline.lotId} · GTIN {timeline.gtin}
            {timeline.index !== undefined ? ` · pack #${timeline.index}` : ""}
          </h2>
          <p>
            <a href={epcis} download>
              EPCIS 2.0 export (JSON-LD)
            </a>
            {index !== null && (
              <>
                {" · "}
                <a href={`#/history?lot=${lot}`}>whole lot</a>
              </>
            )}
          </p>
          {documents.length > 0 && (
            <>
              <h3>Documents</h3>
              <ul>
                {documents.map((d) => (
                  <li>
                    <a href={d.href}>{d.title ?? d.href}</a>
                  </li>
                ))}
              </ul>
            </>
          )}
          <ol class="timeline">
            {timeline.events.map((e) => (
              <li class={`event ${e.name}`}>
                <div class="when">
                  <time dateTime={new Date(e.timestamp * 1000).toISOString()}>{when(e.timestamp)}</time>
                  <span class="block"> block {e.blockNumber}</span>
                </div>
                <div class="what">
                  <strong>{LABEL[e.name] ?? e.name}</strong> — {e.summary}
                </div>
                {e.parties.length > 0 && (
                  <ul class="parties">
                    {e.parties.map((p) => (
                      <Party p={p} />
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ol>
          {timeline.events.length === 0 && <p>No events.</p>}
        </section>
      )}
    </>
  );
}
