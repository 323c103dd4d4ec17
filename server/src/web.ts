/**
 * The web page (the `web/` workspace, built by `npm run build` into `web/dist`) served at `/` with its assets, by
 * @fastify/static with one route per built file (no wildcard route: any other path stays the resolver's, read as a
 * Digital Link under a prefix by the not-found handler). The page's HTML carries a Content-Security-Policy that lets it
 * reach its own origin only.
 */
import fs from "fs";
import path from "path";
import type { FastifyInstance } from "fastify";
import fastifyStatic from "@fastify/static";

/** The built page of this repository, when it has been built. */
export function defaultWebRoot(): string | undefined {
  const root = path.resolve(__dirname, "..", "..", "web", "dist");
  return fs.existsSync(path.join(root, "index.html")) ? root : undefined;
}

/** The policy of the page: scripts, styles, images, media, connections and wasm from this origin only. */
export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join("; ");

export async function webRoutes(app: FastifyInstance, root: string): Promise<void> {
  if (!fs.existsSync(path.join(root, "index.html"))) {
    throw new Error(`the web page is not built: no index.html in ${root} (npm run build)`);
  }
  await app.register(fastifyStatic, {
    root,
    prefix: "/",
    wildcard: false,
    index: ["index.html"],
    // hashed assets never change; the page itself is checked each time
    setHeaders: (res, file) => {
      if (file.endsWith(".html")) {
        res.header("cache-control", "no-cache");
        res.header("content-security-policy", WEB_CSP);
        res.header("x-content-type-options", "nosniff");
        res.header("referrer-policy", "no-referrer");
      } else if (file.includes(`${path.sep}assets${path.sep}`)) {
        res.header("cache-control", "public, max-age=31536000, immutable");
      }
    },
    schemaHide: true,
  });
}
