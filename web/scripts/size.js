// The page's weight after `vite build`: the verify page's script (the entry and what it imports at once), the lazy
// chunks, and the decoder's wasm, raw and gzipped; fails the build when the verify page's script passes 100 KB gzipped.
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");

const dist = path.join(__dirname, "..", "dist");
const html = fs.readFileSync(path.join(dist, "index.html"), "utf8");
const gz = (file) => zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;
const refs = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
const assets = fs.readdirSync(path.join(dist, "assets"));
const kb = (n) => (n / 1024).toFixed(1);
let initial = 0;
let initialJs = 0;
for (const ref of refs) {
  const n = gz(path.join(dist, ref));
  initial += n;
  if (ref.endsWith(".js")) initialJs += n;
}
const wasm = assets.filter((a) => a.endsWith(".wasm"));
const lazy = assets.filter((a) => a.endsWith(".js") && !refs.includes(`assets/${a}`));
const lazyGz = lazy.reduce((n, a) => n + gz(path.join(dist, "assets", a)), 0);
const wasmRaw = wasm.reduce((n, a) => n + fs.statSync(path.join(dist, "assets", a)).size, 0);
const wasmGz = wasm.reduce((n, a) => n + gz(path.join(dist, "assets", a)), 0);
const report = {
  verifyPage: { scriptGzBytes: initialJs, scriptAndCssGzBytes: initial, files: refs },
  lazyChunks: { count: lazy.length, gzBytes: lazyGz },
  wasm: { files: wasm, rawBytes: wasmRaw, gzBytes: wasmGz },
};
fs.writeFileSync(path.join(dist, "size.json"), JSON.stringify(report, null, 2) + "\n");
console.log(
  `web: verify page script ${kb(initialJs)} KB gz (with CSS ${kb(initial)} KB), lazy chunks ${kb(lazyGz)} KB gz, ` +
    `decoder wasm ${kb(wasmRaw)} KB (${kb(wasmGz)} KB gz)`,
);
if (initialJs > 100 * 1024) {
  console.error(`web: the verify page's script is ${kb(initialJs)} KB gzipped, over the 100 KB budget`);
  process.exit(1);
}
