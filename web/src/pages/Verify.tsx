/**
 * The verify page (the start page): the camera on request (getUserMedia, GS1 DataMatrix decoded by zxing-wasm), a
 * photo, or what a handheld scanner typed; the verdict first, announced to screen readers. A Digital Link opened in
 * the browser arrives here as `/?link=…` (the service's redirect) with the verdict already shown.
 */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api, ServiceError, type VerdictAnswer } from "../api";
import { readScan } from "../scan";
import { decode, warmUp } from "../decoder";
import { VerdictView, headlineOf } from "./Verdict";

/** Frame-to-verdict times (ms), for the browser test's measurement. */
declare global {
  interface Window {
    __pharmachainScans?: { frameAt: number; shownAt: number; text: string }[];
  }
}

type State =
  | { kind: "idle" }
  | { kind: "checking"; what: string }
  | { kind: "answer"; answer: VerdictAnswer; frameAt?: number }
  | { kind: "error"; message: string };

export function VerifyPage() {
  const [state, setState] = useState<State>({ kind: "idle" });
  const [typed, setTyped] = useState("");
  const [camera, setCamera] = useState<"off" | "starting" | "on" | "paused">("off");
  const [cameraError, setCameraError] = useState<string | undefined>();
  const video = useRef<HTMLVideoElement>(null);
  const stream = useRef<MediaStream | null>(null);
  const scanning = useRef(false);
  const lastText = useRef<string>("");
  /** The camera's start, counted: a start answered after a stop (or another start) is dropped. */
  const attempt = useRef(0);
  // the camera's buttons come and go with its state: when the one that had focus goes, focus moves to the row's
  // first button instead of falling back to the page (a keyboard user would start again from the top)
  const cameraRow = useRef<HTMLDivElement>(null);
  const focusInRow = useRef(false);
  useEffect(() => {
    const onFocusIn = (e: FocusEvent) => (focusInRow.current = !!cameraRow.current?.contains(e.target as Node));
    document.addEventListener("focusin", onFocusIn);
    return () => document.removeEventListener("focusin", onFocusIn);
  }, []);
  useLayoutEffect(() => {
    const lost = !document.activeElement || document.activeElement === document.body;
    if (lost && focusInRow.current) cameraRow.current?.querySelector("button")?.focus();
  }, [camera]);

  const verify = async (text: string, frameAt?: number): Promise<void> => {
    let path: string;
    try {
      path = readScan(text).path;
    } catch (error) {
      setState({ kind: "error", message: `This code cannot be read as a pack: ${(error as Error).message}` });
      return;
    }
    setState({ kind: "checking", what: text });
    try {
      const answer = await api<VerdictAnswer>(path);
      setState({ kind: "answer", answer, ...(frameAt !== undefined ? { frameAt } : {}) });
    } catch (error) {
      const message =
        error instanceof ServiceError && error.problem.status < 500
          ? `The service refused this code: ${error.message}`
          : `The service did not answer (${(error as Error).message}): cannot verify now, try again.`;
      setState({ kind: "error", message });
    }
  };

  // a Digital Link opened in the browser (the service redirects it here as ?link=)
  useEffect(() => {
    const link = new URLSearchParams(location.search).get("link");
    if (link) void verify(link);
    return () => stopCamera();
  }, []);

  // frame → verdict on screen, measured once the verdict is painted
  useEffect(() => {
    if (state.kind === "answer" && state.frameAt !== undefined) {
      const frameAt = state.frameAt;
      requestAnimationFrame(() => {
        (window.__pharmachainScans ??= []).push({ frameAt, shownAt: performance.now(), text: lastText.current });
      });
    }
  }, [state]);

  const scanLoop = async (): Promise<void> => {
    const v = video.current;
    if (!v || !scanning.current) return;
    if (v.readyState >= 2 && v.videoWidth > 0) {
      const frameAt = performance.now();
      const canvas = document.createElement("canvas");
      canvas.width = v.videoWidth;
      canvas.height = v.videoHeight;
      const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
      ctx.drawImage(v, 0, 0);
      const text = await decode(ctx.getImageData(0, 0, canvas.width, canvas.height)).catch(() => undefined);
      if (text && scanning.current) {
        scanning.current = false;
        lastText.current = text;
        setCamera("paused");
        await verify(text, frameAt);
        return;
      }
    }
    if (scanning.current) setTimeout(() => void scanLoop(), 60);
  };

  const startCamera = async (): Promise<void> => {
    setCameraError(undefined);
    warmUp();
    if (!navigator.mediaDevices?.getUserMedia) {
      setCameraError(
        "This browser gives no camera here (it needs https or localhost). Upload a photo or type the code.",
      );
      return;
    }
    setCamera("starting");
    const mine = ++attempt.current;
    let started: MediaStream;
    try {
      started = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment", width: { ideal: 1280 }, height: { ideal: 720 } },
        audio: false,
      });
    } catch (error) {
      if (mine !== attempt.current) return;
      setCamera("off");
      setCameraError(`The camera could not start: ${(error as Error).message}. Upload a photo or type the code.`);
      return;
    }
    // stopped (or the page left) while the browser was still starting it: the camera must not come on after all
    const v = video.current;
    if (mine !== attempt.current || !v) {
      started.getTracks().forEach((t) => t.stop());
      return;
    }
    stream.current = started;
    v.srcObject = started;
    await v.play().catch(() => undefined);
    if (mine !== attempt.current) return; // stopped while the video was starting: stopCamera ended its tracks
    setCamera("on");
    scanning.current = true;
    void scanLoop();
  };

  const scanAgain = (): void => {
    setState({ kind: "idle" });
    setCamera("on");
    scanning.current = true;
    void scanLoop();
  };

  function stopCamera(): void {
    attempt.current++;
    scanning.current = false;
    stream.current?.getTracks().forEach((t) => t.stop());
    stream.current = null;
    if (video.current) video.current.srcObject = null;
    setCamera("off");
  }

  const onPhoto = async (event: Event): Promise<void> => {
    const file = (event.currentTarget as HTMLInputElement).files?.[0];
    if (!file) return;
    setState({ kind: "checking", what: file.name });
    const text = await decode(file).catch(() => undefined);
    if (!text) {
      setState({
        kind: "error",
        message: "No GS1 DataMatrix was found in this photo. Try again closer, or type the code.",
      });
      return;
    }
    lastText.current = text;
    await verify(text);
  };

  return (
    <>
      <h1>Verify a pack</h1>
      {/* What a screen reader announces: the verdict's words only, once (the block below fills in the holder's name
          later, and a live region around it would read the whole block again) */}
      <p class="visually-hidden" id="verdict-announcement" aria-live="assertive" aria-atomic="true">
        {state.kind === "checking" && "Checking…"}
        {state.kind === "answer" && headlineOf(state.answer.report)}
        {state.kind === "error" && `Cannot verify. ${state.message}`}
      </p>
      <div class="live">
        {state.kind === "checking" && <p class="checking">Checking…</p>}
        {state.kind === "answer" && <VerdictView report={state.answer.report} block={state.answer.block.number} />}
        {state.kind === "error" && (
          <section class="verdict cannot-verify" aria-labelledby="verdict-error-title">
            <h2 id="verdict-error-title">
              <span class="icon" aria-hidden="true">
                ?
              </span>{" "}
              Cannot verify
            </h2>
            <p class="why">{state.message}</p>
          </section>
        )}
      </div>

      <section class="card" aria-labelledby="camera-title">
        <h2 id="camera-title">Scan with the camera</h2>
        <video ref={video} muted playsInline hidden={camera === "off"} aria-label="Camera view" />
        <div class="row" ref={cameraRow}>
          {camera === "off" && (
            <button type="button" onClick={() => void startCamera()}>
              Start camera
            </button>
          )}
          {camera === "starting" && <span role="status">Starting the camera…</span>}
          {camera === "on" && <span role="status">Point the camera at the pack's DataMatrix…</span>}
          {camera === "paused" && (
            <button type="button" onClick={scanAgain}>
              Scan another pack
            </button>
          )}
          {camera !== "off" && (
            <button type="button" class="secondary" onClick={stopCamera}>
              Stop camera
            </button>
          )}
        </div>
        {cameraError && (
          <p class="error" role="alert">
            {cameraError}
          </p>
        )}
        <label class="file">
          Or upload a photo of the code
          <input
            type="file"
            accept="image/*"
            capture="environment"
            onFocus={warmUp}
            onChange={(e) => void onPhoto(e)}
          />
        </label>
      </section>

      <section class="card" aria-labelledby="type-title">
        <h2 id="type-title">Type or paste the code</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            lastText.current = typed;
            void verify(typed);
          }}
        >
          <label for="code">
            What the scanner gave (element string with &lt;GS&gt; or brackets, or a Digital Link)
          </label>
          <input
            id="code"
            name="code"
            value={typed}
            autoComplete="off"
            spellcheck={false}
            placeholder="(01)00300010000004(17)281231(10)LOT2026A(21)A0000000001"
            onInput={(e) => setTyped((e.currentTarget as HTMLInputElement).value)}
          />
          <button type="submit">Verify</button>
        </form>
      </section>
    </>
  );
}
