/**
 * How long the SDK takes to check an EPCIS 2.0 document against the official schema as the number of EPCs grows,
 * against a baseline measured in the same run: the official schema compiled exactly as published. Through the
 * `$ref` of `epcList`'s items, ajv cannot see that the items are strings and checks `uniqueItems` pair by pair
 * (quadratic); the SDK compiles a copy with that definition inline (see sdk/src/epcis/schema.ts), which is linear.
 * Also times reading the GS1 US DSCSA EPCIS 1.2 XML example (`readEpcisXml`).
 *
 *   npx ts-node --transpile-only scripts/epcis-speed.ts [--out FILE]     prints a table; writes bench/epcis.json
 *
 * Each figure is the median of several runs (5; 3 for the baseline), on one commissioning ObjectEvent whose
 * `epcList` holds N SGTIN URIs. The baseline stops at 20,000 EPCs: at 100,000 it takes about two minutes.
 */
import fs from "fs";
import os from "os";
import path from "path";
import { parseArgs } from "util";
import Ajv from "ajv";
import { EPCIS_JSON_SCHEMA, isRfc3339DateTime, isUri, readEpcisXml, validateEpcisDocument } from "../sdk/src/epcis";

const ROOT = path.join(__dirname, "..");
const DSCSA_XML = path.join(ROOT, "test", "fixtures", "epcis", "dscsa", "GS1_US_Pharma_Example_2_2_1_1__EPCIS1.2.xml");

function documentWith(count: number): unknown {
  const epcList = Array.from(
    { length: count },
    (_, i) => `urn:epc:id:sgtin:030001.0012345.A${i.toString(36).toUpperCase().padStart(10, "0")}`,
  );
  return {
    "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
    type: "EPCISDocument",
    schemaVersion: "2.0",
    creationDate: "2026-01-01T00:00:00Z",
    epcisBody: {
      eventList: [
        {
          type: "ObjectEvent",
          eventTime: "2026-01-01T00:00:00Z",
          eventTimeZoneOffset: "+00:00",
          epcList,
          action: "ADD",
          bizStep: "commissioning",
          disposition: "active",
          ilmd: { "cbvmda:lotNumber": "A123", "cbvmda:itemExpirationDate": "2028-03-27" },
        },
      ],
    },
  };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function timeMs(run: () => unknown, repeats: number): number {
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = process.hrtime.bigint();
    run();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

function main(): void {
  const { values } = parseArgs({ options: { out: { type: "string" } } });
  const out = values.out ?? path.join(ROOT, "bench", "epcis.json");

  // The baseline: the published schema, compiled as is, with the same two formats.
  const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: true });
  ajv.addFormat("date-time", { type: "string", validate: isRfc3339DateTime });
  ajv.addFormat("uri", { type: "string", validate: isUri });
  const asPublished = ajv.compile(EPCIS_JSON_SCHEMA as Record<string, unknown>);
  validateEpcisDocument(documentWith(10)); // compile the SDK's validator outside the timings

  const rows: { epcs: number; sdkMs: number; publishedMs: number | null }[] = [];
  for (const count of [1_000, 10_000, 20_000, 100_000]) {
    const doc = documentWith(count);
    const sdkMs = timeMs(() => {
      if (!validateEpcisDocument(doc).valid) throw new Error("the generated document does not validate");
    }, 5);
    const publishedMs =
      count <= 20_000
        ? timeMs(() => {
            if (asPublished(doc) !== true) throw new Error("the generated document does not validate (as published)");
          }, 3)
        : null;
    rows.push({ epcs: count, sdkMs, publishedMs });
    console.log(
      `${count.toLocaleString("en").padStart(8)} EPCs  SDK ${sdkMs.toFixed(1).padStart(8)} ms` +
        (publishedMs === null
          ? "   as published: not run (quadratic)"
          : `   as published ${publishedMs.toFixed(1).padStart(9)} ms  (${(publishedMs / sdkMs).toFixed(0)}×)`),
    );
  }

  const xml = fs.readFileSync(DSCSA_XML, "utf8");
  readEpcisXml(xml);
  const xmlMs = timeMs(() => readEpcisXml(xml), 20);
  console.log(
    `GS1 US DSCSA EPCIS 1.2 XML (${(xml.length / 1024).toFixed(1)} KiB) read into EPCIS 2.0: ${xmlMs.toFixed(2)} ms (median of 20)`,
  );

  const result = {
    when: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
    validation: rows.map((r) => ({
      ...r,
      sdkMs: Number(r.sdkMs.toFixed(2)),
      publishedMs: r.publishedMs === null ? null : Number(r.publishedMs.toFixed(2)),
    })),
    dscsaXmlReadMs: Number(xmlMs.toFixed(3)),
  };
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
  console.log(`written to ${path.relative(process.cwd(), out) || out}`);
}

main();
