/** A camera that reads one GS1 DataMatrix when asked (the counter's scan). */
import { useEffect, useRef, useState } from "preact/hooks";
import { decode, warmUp } from "../decoder";

export function CameraScanner({ onCode }: { onCode: (text: string) => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const stream = useRef<MediaStream | null>(null);
  const [on, setOn] = useState(false);
  const [error, setError] = useState<string | undefined>();

  /** The camera's start, counted: a start answered after a stop (or the page left) is dropped. */
  const attempt = useRef(0);

  const stop = (): void => {
    attempt.current++;
    stream.current?.getTracks().forEach((t) => t.stop());
    stream.current = null;
    setOn(false);
  };
  useEffect(() => stop, []);

  const start = async (): Promise<void> => {
    warmUp();
    setError(undefined);
    const mine = ++attempt.current;
    let started: MediaStream;
    try {
      started = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment" },
        audio: false,
      });
    } catch (e) {
      if (mine === attempt.current) setError(`The camera could not start: ${(e as Error).message}`);
      return;
    }
    const v = video.current;
    if (mine !== attempt.current || !v) {
      started.getTracks().forEach((t) => t.stop());
      return;
    }
    stream.current = started;
    v.srcObject = started;
    await v.play().catch(() => undefined);
    if (mine !== attempt.current) return; // stopped while the video was starting: stop ended its tracks
    setOn(true);
    const loop = async (): Promise<void> => {
      if (!stream.current) return;
      if (v.readyState >= 2 && v.videoWidth > 0) {
        const canvas = document.createElement("canvas");
        canvas.width = v.videoWidth;
        canvas.height = v.videoHeight;
        const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
        ctx.drawImage(v, 0, 0);
        const text = await decode(ctx.getImageData(0, 0, canvas.width, canvas.height)).catch(() => undefined);
        if (text) {
          stop();
          onCode(text);
          return;
        }
      }
      setTimeout(() => void loop(), 80);
    };
    void loop();
  };

  return (
    <div>
      <video ref={video} muted playsInline hidden={!on} aria-label="Camera view" />
      <div class="row">
        {on ? (
          <button type="button" class="secondary" onClick={stop}>
            Stop camera
          </button>
        ) : (
          <button type="button" onClick={() => void start()}>
            Scan with the camera
          </button>
        )}
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
