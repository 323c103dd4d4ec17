/** The verdict block: the words a pharmacist acts on first, with colour and icon and text together. */
import type { Report } from "../api";
import { isZeroAddress, party, type PartyRef } from "../api";
import { useEffect, useState } from "preact/hooks";

export type Kind = "genuine" | "do-not-supply" | "cannot-verify";

export function kindOf(r: Report): Kind {
  if (r.verified) return "genuine";
  if (r.cannotVerify) return "cannot-verify";
  return "do-not-supply";
}

const HEAD: Record<Kind, { icon: string; title: string }> = {
  genuine: { icon: "✔", title: "Genuine — may be supplied" },
  "do-not-supply": { icon: "✖", title: "Do not supply" },
  "cannot-verify": { icon: "?", title: "Cannot verify" },
};

/** The SDK's sentence without its leading verdict words (shown as the headline). */
function why(r: Report): string {
  return r.message.replace(/^(Do not supply|Genuine):\s*/, "");
}

export function dateOfSeconds(seconds: string | number): string {
  const n = Number(seconds);
  if (!n) return "—";
  return new Date(n * 1000).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

/** The expiry as printed on the pack: the last day before `expiresAt` (its first second after the day). */
function expiryOf(r: Report): string {
  const n = Number(r.expiresAt);
  return n ? dateOfSeconds(n - 1) : "—";
}

function Holder({ address }: { address: string }) {
  const [p, setP] = useState<PartyRef | undefined>();
  useEffect(() => {
    if (!isZeroAddress(address)) void party(address).then(setP);
  }, [address]);
  if (isZeroAddress(address)) return <>—</>;
  return (
    <>
      {p ? `${p.name ?? p.role}` : "…"}
      {p?.gln ? <span class="gln"> GLN {p.gln}</span> : null}
      <span class="addr"> {address}</span>
    </>
  );
}

/** The verdict in words, as a screen reader announces it: the headline, then why. */
export function headlineOf(r: Report): string {
  const kind = kindOf(r);
  return `${HEAD[kind].title}. ${kind === "genuine" ? r.message : why(r)}`;
}

export function VerdictView({ report, block }: { report: Report; block: number }) {
  const kind = kindOf(report);
  const head = HEAD[kind];
  const historyHref =
    report.index !== undefined
      ? `#/history?lot=${report.lotId}&index=${report.index}`
      : report.verdictName === "unknown product" || report.verdictName === "unknown lot"
        ? undefined
        : `#/history?lot=${report.lotId}`;
  return (
    <section class={`verdict ${kind}`} aria-labelledby="verdict-title" data-verdict={report.verdictName}>
      <h2 id="verdict-title">
        <span class="icon" aria-hidden="true">
          {head.icon}
        </span>{" "}
        {head.title}
      </h2>
      <p class="why">{kind === "genuine" ? report.message : why(report)}</p>
      <dl class="facts">
        <dt>Product (GTIN)</dt>
        <dd>{report.gtin}</dd>
        <dt>Lot</dt>
        <dd>{report.lotNumber}</dd>
        <dt>Expiry</dt>
        <dd>{expiryOf(report)}</dd>
        <dt>Serial</dt>
        <dd>{report.serial}</dd>
        <dt>Pack state</dt>
        <dd>{report.cannotVerify ? "unknown" : report.stateName}</dd>
        <dt>Holder</dt>
        <dd>
          <Holder address={report.holder} />
        </dd>
      </dl>
      {historyHref && (
        <p>
          <a href={historyHref}>{report.index !== undefined ? "History of this pack" : "History of this lot"}</a>
        </p>
      )}
      <details>
        <summary>DSCSA and EU answers</summary>
        <dl class="facts">
          <dt>DSCSA verified</dt>
          <dd>{String(report.dscsa.verified)}</dd>
          {report.dscsa.verificationFailureReason && (
            <>
              <dt>DSCSA failure reason</dt>
              <dd>{report.dscsa.verificationFailureReason}</dd>
            </>
          )}
          {report.dscsa.additionalInfo && (
            <>
              <dt>DSCSA additional info</dt>
              <dd>{report.dscsa.additionalInfo}</dd>
            </>
          )}
          <dt>EU pack status</dt>
          <dd>{report.eu.packStatus}</dd>
          <dt>EU return code</dt>
          <dd>{report.eu.returnCode ?? "none"}</dd>
          <dt>Verdict</dt>
          <dd>{report.verdictName}</dd>
          <dt>Answered at block</dt>
          <dd>{block}</dd>
        </dl>
      </details>
    </section>
  );
}
