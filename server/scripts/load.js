// The load generator of `npm run bench:service`, run as its own process so that it does not share the service's event
// loop: CONNECTIONS keep-alive connections each send GET requests for paths drawn at random from PATHS_FILE (one a
// line) for SECONDS seconds; every request's time is recorded, and the percentiles are computed from them (autocannon
// reports none). Prints one JSON line: requests, non-200 answers, errors, seconds, and p50/p95/p99/max in ms.
// An optional HEADERS_FILE (a JSON array of header objects) gives connection i the headers of entry i modulo its length
// (the documents' benchmark: one signed-in reader's bearer token per connection).
"use strict";
const fs = require("fs");
const http = require("http");

const [base, pathsFile, connectionsArg, secondsArg, headersFile] = process.argv.slice(2);
const headerSets = headersFile ? JSON.parse(fs.readFileSync(headersFile, "utf8")) : [{}];
const paths = fs.readFileSync(pathsFile, "utf8").split("\n").filter(Boolean);
const connections = Number(connectionsArg);
const seconds = Number(secondsArg);
const url = new URL(base);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const times = [];
let non200 = 0;
let errors = 0;
let verified = 0;

function once(path, headers) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const req = http.get(
      { host: url.hostname, port: url.port, path, agent, headers: { accept: "application/json", ...headers } },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          times.push(Number(process.hrtime.bigint() - started) / 1e6);
          if (res.statusCode !== 200) non200++;
          else if (Buffer.concat(chunks).includes('"verified":true')) verified++;
          resolve();
        });
      },
    );
    req.on("error", () => {
      errors++;
      resolve();
    });
  });
}

async function worker(deadline, i) {
  const headers = headerSets[i % headerSets.length];
  while (Date.now() < deadline) await once(paths[Math.floor(Math.random() * paths.length)], headers);
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

(async () => {
  // a short warm-up, not counted
  await Promise.all(Array.from({ length: connections }, (_, i) => worker(Date.now() + 1000, i)));
  times.length = 0;
  non200 = errors = verified = 0;
  const t0 = Date.now();
  await Promise.all(Array.from({ length: connections }, (_, i) => worker(t0 + seconds * 1000, i)));
  const elapsed = (Date.now() - t0) / 1000;
  const sorted = Float64Array.from(times).sort();
  const round = (x) => (x === null ? null : Math.round(x * 100) / 100);
  process.stdout.write(
    JSON.stringify({
      requests: times.length,
      non200,
      errors,
      verified,
      seconds: round(elapsed),
      perSecond: Math.round(times.length / elapsed),
      p50: round(percentile(sorted, 50)),
      p95: round(percentile(sorted, 95)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted[sorted.length - 1] ?? null),
    }) + "\n",
  );
  agent.destroy();
})();
