/** The documents suite (documents-suite.ts) on PGlite, in memory, and the policy loader. */
import { expect } from "chai";
import { openDatabase } from "../src/db";
import fs from "fs";
import path from "path";
import { PolicyError, loadPolicy, policyRows, policyTable, validatePolicy } from "../src/documents";
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
