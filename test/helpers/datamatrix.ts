/**
 * GS1 DataMatrix images for the browser tests, drawn by bwip-js: a PNG (a photo to upload) and a Y4M video, the file
 * Chromium's fake camera plays (`--use-file-for-fake-video-capture`), black modules on a white background.
 */
import fs from "fs";
import bwipjs from "bwip-js";
import { GS, parseElementString } from "../../sdk/src/gs1";

/** `(01)…(17)…(10)…(21)…`, the bracketed form bwip-js reads, from an element string in any form the SDK reads. */
export function bracketed(elementString: string): string {
  return parseElementString(elementString.replace(/<GS>/g, GS))
    .map((e) => `(${e.ai})${e.value}`)
    .join("");
}

/** The symbol's modules: `pixs[y * pixx + x]` is 1 for a dark module. */
function modules(elementString: string): { pixs: number[]; pixx: number; pixy: number } {
  const [symbol] = bwipjs.raw("gs1datamatrix", bracketed(elementString), {}) as {
    pixs: number[];
    pixx: number;
    pixy: number;
  }[];
  return symbol;
}

/** A PNG of the symbol (scale 8, quiet zone, white background). */
export function dataMatrixPng(elementString: string): Promise<Buffer> {
  return bwipjs.toBuffer({
    bcid: "gs1datamatrix",
    text: bracketed(elementString),
    scale: 8,
    padding: 8,
    backgroundcolor: "FFFFFF",
  });
}

/**
 * A Y4M file (4:2:0, 640×480) whose frames show the symbol centred on white, a third of the frame high, as a phone
 * held over a pack sees it. Chromium loops the file.
 */
export function writeDataMatrixY4m(file: string, elementString: string, frames = 3): void {
  const W = 640;
  const H = 480;
  const { pixs, pixx, pixy } = modules(elementString);
  const scale = Math.max(2, Math.floor((H * 0.4) / Math.max(pixx, pixy)));
  const x0 = Math.floor((W - pixx * scale) / 2);
  const y0 = Math.floor((H - pixy * scale) / 2);
  const luma = Buffer.alloc(W * H, 255);
  for (let y = 0; y < pixy; y++)
    for (let x = 0; x < pixx; x++)
      if (pixs[y * pixx + x]) {
        for (let dy = 0; dy < scale; dy++)
          luma.fill(0, (y0 + y * scale + dy) * W + x0 + x * scale, (y0 + y * scale + dy) * W + x0 + (x + 1) * scale);
      }
  const chroma = Buffer.alloc((W / 2) * (H / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from("FRAME\n"), luma, chroma]);
  const header = Buffer.from(`YUV4MPEG2 W${W} H${H} F30:1 Ip A1:1 C420jpeg\n`);
  fs.writeFileSync(file, Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]));
}
