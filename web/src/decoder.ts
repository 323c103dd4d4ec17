/**
 * GS1 DataMatrix decoding in the browser with zxing-wasm's reader. Its `.wasm` is served by the service from this
 * page's origin (built into dist/assets by Vite): zxing-wasm would otherwise fetch it from a public CDN.
 */
import wasmUrl from "zxing-wasm/reader/zxing_reader.wasm?url";

type Reader = typeof import("zxing-wasm/reader");
let reader: Promise<Reader> | undefined;

function load(): Promise<Reader> {
  reader ??= import("zxing-wasm/reader").then(async (zxing) => {
    zxing.prepareZXingModule({
      overrides: {
        locateFile: (file: string, prefix: string) => (file.endsWith(".wasm") ? wasmUrl : prefix + file),
      },
      fireImmediately: true,
    });
    return zxing;
  });
  return reader;
}

/** Starts fetching and compiling the decoder (when the user asks for the camera or a photo). */
export function warmUp(): void {
  void load();
}

/** The first GS1 DataMatrix in the image, as its payload with GS separators (FNC1 dropped), or undefined. */
export async function decode(image: ImageData | Blob): Promise<string | undefined> {
  const zxing = await load();
  const results = await zxing.readBarcodes(image, {
    formats: ["DataMatrix"],
    tryHarder: true,
    maxNumberOfSymbols: 1,
  });
  const hit = results.find((r) => r.isValid);
  return hit?.text;
}
