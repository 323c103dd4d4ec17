// Vite builds the page into dist/, served by the service at `/`. The SDK's sources are bundled directly (its package
// entries re-export CommonJS, which cannot be tree-shaken): `@pharmachain/sdk/gs1` for the parser on the verify page,
// and, loaded only when a wallet is used, `@pharmachain/sdk/client` with ethers.
import { defineConfig } from "vite";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const sdkSrc = path.resolve(here, "..", "sdk", "src");

export default defineConfig({
  root: here,
  base: "/",
  resolve: {
    alias: [{ find: /^@pharmachain\/sdk\/(.*)$/, replacement: `${sdkSrc}/$1.ts` }],
  },
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    // the wallet chunk (ethers and the SDK's client, ~540 kB raw, ~170 kB gzipped) loads only on the wallet pages
    chunkSizeWarningLimit: 600,
  },
});
