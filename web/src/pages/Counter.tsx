/**
 * At the counter and the dock: a signed-in pharmacy dispenses a scanned pack; a signed-in buyer receives or rejects a
 * shipment made to it. Each transaction is built by the SDK, dry-run first (a refusal is shown as the SDK's sentence
 * and nothing is sent), then signed in the user's wallet.
 */
import { useEffect, useState } from "preact/hooks";
import { api, type VerdictAnswer } from "../api";
import { readScan } from "../scan";
import { CameraScanner } from "./CameraScanner";
import { useAccount } from "./SignIn";
import { client } from "../wallet";
import { ShipmentStatus } from "@pharmachain/sdk/enums";

type Step =
  | { kind: "idle" }
  | { kind: "busy"; what: string }
  | { kind: "ready"; what: string; gas: bigint; send: () => Promise<string> }
  | { kind: "done"; what: string; tx: string; block: number }
  | { kind: "refused"; what: string; message: string };

function Outcome({ step, onSend, id }: { step: Step; onSend: () => void; id: string }) {
  return (
    // one live region for the outcome, with no live roles inside it (nested ones are announced twice)
    <div aria-live="polite" id={id}>
      {step.kind === "busy" && <p>{step.what}…</p>}
      {step.kind === "ready" && (
        <div class="verdict genuine">
          <p>
            <span class="icon" aria-hidden="true">
              ✔
            </span>{" "}
            Dry run passed: {step.what} would use {step.gas.toLocaleString()} gas.
          </p>
          <button type="button" onClick={onSend}>
            Sign and send in my wallet
          </button>
        </div>
      )}
      {step.kind === "done" && (
        <p class="verdict genuine">
          <span class="icon" aria-hidden="true">
            ✔
          </span>{" "}
          Done: {step.what} in block {step.block} (transaction <span class="addr">{step.tx}</span>).
        </p>
      )}
      {step.kind === "refused" && (
        <p class="verdict do-not-supply">
          <span class="icon" aria-hidden="true">
            ✖
          </span>{" "}
          Refused, nothing was sent: {step.message}
        </p>
      )}
    </div>
  );
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function CounterPage({ params }: { params: URLSearchParams }) {
  const [account, signInBox] = useAccount();
  const [code, setCode] = useState("");
  const [dispense, setDispense] = useState<Step>({ kind: "idle" });
  const [shipmentId, setShipmentId] = useState(params.get("shipment") ?? "");
  const [reason, setReason] = useState("");
  const [dock, setDock] = useState<Step>({ kind: "idle" });
  const [shipment, setShipment] = useState<string | undefined>();

  useEffect(() => setShipmentId(params.get("shipment") ?? ""), [params.get("shipment")]);

  const run = async (
    set: (s: Step) => void,
    what: string,
    op: { dryRun: () => Promise<{ gas: bigint }>; send: () => Promise<{ tx: { hash: string; blockNumber: number } }> },
  ): Promise<void> => {
    set({ kind: "busy", what: `Checking ${what}` });
    try {
      const { gas } = await op.dryRun();
      set({
        kind: "ready",
        what,
        gas,
        send: async () => {
          set({ kind: "busy", what: `Waiting for the wallet to sign ${what}` });
          try {
            const written = await op.send();
            set({ kind: "done", what, tx: written.tx.hash, block: written.tx.blockNumber });
          } catch (e) {
            set({ kind: "refused", what, message: messageOf(e) });
          }
          return "";
        },
      });
    } catch (e) {
      set({ kind: "refused", what, message: messageOf(e) });
    }
  };

  const prepareDispense = async (text: string): Promise<void> => {
    setDispense({ kind: "busy", what: "Reading the code" });
    try {
      const pack = readScan(text);
      const { report } = await api<VerdictAnswer>(pack.path);
      const proof = await api<{ index: number; proof: string[] }>(
        `/lots/${report.lotId}/proof?serial=${encodeURIComponent(pack.serial)}`,
      );
      const sdk = await client();
      const ref = { lotId: report.lotId, index: proof.index, serial: pack.serial, proof: proof.proof };
      await run(setDispense, `dispensing pack ${pack.serial} of lot ${pack.lot}`, {
        dryRun: () => sdk.dispense.dryRun(ref),
        send: () => sdk.dispense(ref),
      });
    } catch (e) {
      setDispense({ kind: "refused", what: "dispensing", message: messageOf(e) });
    }
  };

  const prepareDock = async (action: "receive" | "reject"): Promise<void> => {
    try {
      const id = BigInt(shipmentId.trim());
      const sdk = await client();
      const s = await sdk.shipment(id);
      setShipment(`Shipment ${id}: ${s.packCount} packs to ${s.buyer}, ${ShipmentStatus[s.status] ?? s.status}`);
      await run(
        setDock,
        action === "receive" ? `receiving shipment ${id}` : `rejecting shipment ${id}`,
        action === "receive"
          ? { dryRun: () => sdk.receiveShipment.dryRun(id), send: () => sdk.receiveShipment(id) }
          : {
              dryRun: () => sdk.rejectShipment.dryRun(id, reason || undefined),
              send: () => sdk.rejectShipment(id, reason || undefined),
            },
      );
    } catch (e) {
      setDock({ kind: "refused", what: "the shipment", message: messageOf(e) });
    }
  };

  return (
    <>
      <h1>At the counter and the dock</h1>
      {signInBox}
      {account && (
        <>
          <section class="card" aria-labelledby="dispense-title">
            <h2 id="dispense-title">Dispense a pack</h2>
            <CameraScanner onCode={(text) => (setCode(text), void prepareDispense(text))} />
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void prepareDispense(code);
              }}
            >
              <label for="dispense-code">Or type the pack's code</label>
              <input
                id="dispense-code"
                value={code}
                spellcheck={false}
                autoComplete="off"
                onInput={(e) => setCode((e.currentTarget as HTMLInputElement).value)}
              />
              <button type="submit">Check dispensing</button>
            </form>
            <Outcome
              id="dispense-outcome"
              step={dispense}
              onSend={() => dispense.kind === "ready" && void dispense.send()}
            />
          </section>
          <section class="card" aria-labelledby="dock-title">
            <h2 id="dock-title">Receive or reject a shipment</h2>
            <label for="shipment-id">Shipment number</label>
            <input
              id="shipment-id"
              inputMode="numeric"
              value={shipmentId}
              onInput={(e) => setShipmentId((e.currentTarget as HTMLInputElement).value)}
            />
            <label for="reject-reason">Reason, if you reject it</label>
            <input
              id="reject-reason"
              value={reason}
              onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)}
            />
            <div class="row">
              <button type="button" onClick={() => void prepareDock("receive")}>
                Check receiving
              </button>
              <button type="button" class="secondary" onClick={() => void prepareDock("reject")}>
                Check rejecting
              </button>
            </div>
            {shipment && <p>{shipment}</p>}
            <Outcome id="dock-outcome" step={dock} onSend={() => dock.kind === "ready" && void dock.send()} />
          </section>
        </>
      )}
    </>
  );
}
