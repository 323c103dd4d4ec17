/** The documents suite (documents-suite.ts) on PGlite, in memory, and the policy loader. */
import { expect } from "chai";
import { openDatabase } from "../src/db";
import crypto from "crypto";
import fs from "fs";
import os from "os";
import path from "path";
import { DocumentKey, PolicyError, loadPolicy, policyRows, policyTable, validatePolicy } from "../src/documents";
import { serviceFor, serviceWorld, signIn } from "./helpers";
import { documentsSuite } from "./documents-suite";

documentsSuite("PGlite", async () => {
  const db = await openDatabase("memory://");
  return { db, close: () => db.close() };
});

describe("Documents: the policy file", function () {
  const good = () => JSON.parse(JSON.stringify(loadPolicy()));

  it("loads the default policy: every role has a cell for every kind, each with the paper's value or a note", function () {
    const policy = loadPolicy();
    expect(Object.keys(policy.matrix)).to.deep.equal([
      "Regulator",
      "Manufacturer",
      "Distributor",
      "Transporter",
      "Dispenser",
    ]);
    expect(policyRows(policy).length).to.equal(11 * 5 + 2 * 5 * 5);
  });

  it("names the bad cell", function () {
    const wrong = good();
    wrong.matrix.Distributor.certificateOfAnalysis.cell = "maybe";
    expect(() => validatePolicy(wrong)).to.throw(
      PolicyError,
      '/matrix/Distributor/certificateOfAnalysis: cell "maybe"',
    );
    const missing = good();
    delete missing.matrix.Transporter.invoice;
    expect(() => validatePolicy(missing)).to.throw(PolicyError, "/matrix/Transporter/invoice: missing cell");
    const stakeholder = good();
    delete stakeholder.matrix.Dispenser.licence.bySubjectRole.Regulator;
    expect(() => validatePolicy(stakeholder)).to.throw(
      PolicyError,
      "/matrix/Dispenser/licence/bySubjectRole/Regulator",
    );
    const anchor = good();
    anchor.kinds.invoice.anchor = "lot.dataHash";
    expect(() => validatePolicy(anchor)).to.throw(
      PolicyError,
      "/kinds/invoice/anchor: lot.dataHash is not an anchor of a shipment",
    );
    const unexplained = good();
    unexplained.matrix.Regulator.invoice.note = undefined;
    expect(() => validatePolicy(unexplained)).to.throw(PolicyError, "says why in a note");
  });

  it("is the README's table, cell for cell", function () {
    const readme = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
    const m = /<!-- access-matrix:start -->\n([\s\S]*?)\n<!-- access-matrix:end -->/.exec(readme);
    expect(m, "the README's Documents section has the table between its markers").to.not.equal(null);
    expect(m![1]).to.equal(policyTable(loadPolicy()));
  });
});

describe("Documents: a stolen database folder", function () {
  it("holds neither a document's bytes nor the key that seals them (PGlite's files, after an upload)", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pharmachain-docs-db-"));
    const sw = await serviceWorld();
    const db = await openDatabase(dir);
    const key = "5a".repeat(32);
    const service = await serviceFor(sw, db, { alerts: false, documents: { key: DocumentKey.parse(key) } });
    const marker = `confidential batch record ${crypto.randomUUID()}`;
    try {
      const { token } = await signIn(service, sw.w.manufacturer);
      const res = await service.app.inject({
        method: "POST",
        url: "/documents",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "text/plain",
          "x-document-kind": "batchRecord",
          "x-document-subject": `lot:${sw.main.lotId}`,
        },
        payload: marker.repeat(50),
      });
      expect(res.statusCode, res.body).to.equal(201);
      const read = await service.app.inject({
        url: `/documents/${res.json().id}`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(read.body).to.equal(marker.repeat(50));
    } finally {
      await service.close();
      await db.close();
    }
    const files = (function walk(d: string): string[] {
      return fs
        .readdirSync(d, { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
    })(dir);
    expect(files.length).to.be.greaterThan(10);
    const needles = [Buffer.from(marker), Buffer.from(key, "hex"), Buffer.from(key)];
    try {
      for (const file of files) {
        const bytes = fs.readFileSync(file);
        for (const needle of needles)
          expect(bytes.includes(needle), `${needle.toString("hex").slice(0, 16)}… in ${file}`).to.equal(false);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
