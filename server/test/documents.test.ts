/**
 * Off-chain documents under the read-access matrix (issue 14), on PGlite: the "done when" scenario, every
 * cell of the default policy for the lot and stakeholder kinds for every role (a reader who may, one who may not),
 * "If involved" before and after a party joins, redaction, the non-owner role queried directly, the audit log, the
 * refusals, and that the database holds no plaintext. One chain and one database for the file.
 */
import { expect } from "chai";
import { ethers } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { Manifest } from "../../sdk/src/manifest";
import { commission, serialsFor } from "../../test/helpers/fixture";
import type { Service } from "../src/app";
import { openDatabase, type Db } from "../src/db";
import { DocumentKey, cellOf, loadPolicy, type Cell } from "../src/documents";
import { ServiceWorld, serviceFor, serviceWorld, signIn } from "./helpers";

const policy = loadPolicy();
const KEY = DocumentKey.parse("11".repeat(32));

describe("Documents (PGlite)", function () {
  let sw: ServiceWorld;
  let db: Db;
  let service: Service;
  let lotId: string;
  const coa = Buffer.from(JSON.stringify({ product: "Amoxicillin 500 mg", assay: "99.1 %", analyst: "J. Doe" }));
  const tokens = new Map<string, string>();
  const token = async (signer: HardhatEthersSigner): Promise<string> => {
    if (!tokens.has(signer.address)) {
      const { token } = await signIn(service, signer);
      tokens.set(signer.address, token!);
    }
    return tokens.get(signer.address)!;
  };
  const put = async (
    signer: HardhatEthersSigner,
    kind: string,
    subject: string,
    body: Buffer,
    headers: Record<string, string> = {},
  ) =>
    service.app.inject({
      method: "POST",
      url: "/documents",
      headers: {
        authorization: `Bearer ${await token(signer)}`,
        "content-type": "application/json",
        "x-document-kind": kind,
        "x-document-subject": subject,
        ...headers,
      },
      payload: body,
    });
  const get = async (signer: HardhatEthersSigner, id: string, query = "") =>
    service.app.inject({
      url: `/documents/${id}${query}`,
      headers: { authorization: `Bearer ${await token(signer)}` },
    });

  before(async function () {
    sw = await serviceWorld();
    const w = sw.w;
    const manifest = Manifest.fromSerials(serialsFor("D", 10));
    ({ lotId } = await commission(w, manifest, { lotNumber: "DOC-1", dataHash: ethers.sha256(coa) }));
    // manufacturer → distributor through the transporter, distributor → dispenser
    await w.custody
      .connect(w.manufacturer)
      .ship(w.distributor.address, w.transporter.address, ethers.id("notice 1"), [
        { lotId, start: 0, end: 6, hint: 0 },
      ]);
    const first = await w.custody.shipmentCount();
    await w.custody.connect(w.transporter).pickUp(first, 0);
    await w.custody.connect(w.transporter).handOver(first, 0);
    await w.custody.connect(w.distributor).receiveShipment(first);
    await w.custody
      .connect(w.distributor)
      .ship(w.dispenser.address, ethers.ZeroAddress, ethers.id("notice 2"), [{ lotId, start: 0, end: 2, hint: 0 }]);
    await w.custody.connect(w.dispenser).receiveShipment(await w.custody.shipmentCount());
    db = await openDatabase("memory://");
    service = await serviceFor(sw, db, { alerts: false, documents: { key: KEY, maxBytes: 64 * 1024 } });
  });

  after(async function () {
    await service?.close();
    await db?.close();
  });

  let coaId: string;

  it("done when: a CoA whose hash is the lot's dataHash; a distributor that held the lot reads it, one that never did is refused, a regulator reads it, the audit log shows both", async function () {
    const w = sw.w;
    const res = await put(w.manufacturer, "certificateOfAnalysis", `lot:${lotId}`, coa);
    expect(res.statusCode, res.body).to.equal(201);
    const doc = res.json();
    expect(doc.status).to.equal("anchored");
    expect(doc.sha256).to.equal(ethers.sha256(coa));
    expect(doc.anchor).to.include({ anchor: "lot.dataHash", hash: ethers.sha256(coa), algorithm: "sha256" });
    coaId = doc.id;

    const held = await get(w.distributor, coaId);
    expect(held.statusCode, held.body).to.equal(200);
    expect(held.rawPayload.equals(coa)).to.equal(true);
    expect(held.headers["x-sha256"]).to.equal(ethers.sha256(coa));
    expect(held.headers["x-keccak256"]).to.equal(ethers.keccak256(coa));
    expect(JSON.parse(String(held.headers["x-anchor"])).hash).to.equal(ethers.sha256(coa));

    const never = await get(w.distributor2, coaId);
    expect(never.statusCode).to.equal(403);
    expect(never.headers["content-type"]).to.match(/application\/problem\+json/);
    expect(never.json()).to.include({ type: "urn:pharmachain:problem:not-involved", cell: "ifInvolved" });

    const regulator = await get(w.regulator, coaId);
    expect(regulator.statusCode).to.equal(200);
    expect(regulator.rawPayload.equals(coa)).to.equal(true);

    const audit = await service.app.inject({
      url: `/documents/audit?document=${coaId}`,
      headers: { authorization: `Bearer ${await token(w.regulator)}` },
    });
    expect(audit.statusCode, audit.body).to.equal(200);
    const entries = audit.json().entries as Array<Record<string, string>>;
    const of = (address: string) => entries.filter((e) => e.reader === address.toLowerCase());
    expect(of(w.distributor.address).map((e) => [e.action, e.outcome, e.view])).to.deep.include([
      "read",
      "allowed",
      "full",
    ]);
    expect(of(w.distributor2.address).map((e) => [e.action, e.outcome])).to.deep.include(["read", "refused"]);
    expect(of(w.distributor2.address)[0].reason).to.match(/^not-involved/);
    expect(of(w.regulator.address).map((e) => [e.action, e.outcome])).to.deep.include(["read", "allowed"]);
    // the audit log is append-only, for the owner too
    const del = await db.query("delete from document_audit").then(
      () => "deleted",
      (e: Error) => e.message,
    );
    expect(del).to.match(/append-only/);
  });

  it("every cell of the lot and stakeholder kinds, for every role, both ways", async function () {
    const w = sw.w;
    // per role: a party to the lot and the stakeholder subjects, and one that is not (undefined when the world has none)
    const readers: Record<string, [HardhatEthersSigner, HardhatEthersSigner | undefined]> = {
      Regulator: [w.regulator, w.regulator2],
      Manufacturer: [w.manufacturer, w.manufacturer2],
      Distributor: [w.distributor, w.distributor2],
      Transporter: [w.transporter, undefined],
      Dispenser: [w.dispenser, w.dispenser2],
    };
    const expectFor = (cell: Cell, involved: boolean, json: boolean): [number, string] => {
      switch (cell) {
        case "yes":
          return [200, "full"];
        case "no":
          return [403, "not-allowed"];
        case "own":
        case "ifInvolved":
          return involved ? [200, "full"] : [403, cell === "own" ? "not-allowed" : "not-involved"];
        case "withRestriction":
          return json ? [200, "redacted"] : [403, "no-redacted-view"];
        case "globalData":
          return [403, "summary-only"];
      }
    };
    const docs: Array<{ id: string; kind: string; subjectRole: string; ownerIs?: string }> = [];
    for (const [kind, k] of Object.entries(policy.kinds)) {
      if (k.subject !== "lot") continue;
      const uploader =
        k.uploaders.includes("regulator") &&
        !k.uploaders.includes("lot.manufacturer") &&
        !k.uploaders.includes("lot.party")
          ? w.regulator
          : w.manufacturer;
      const res = await put(uploader, kind, `lot:${lotId}`, Buffer.from(JSON.stringify({ kind, note: "x" })));
      expect(res.statusCode, `${kind}: ${res.body}`).to.equal(201);
      docs.push({ id: res.json().id, kind, subjectRole: "*" });
    }
    // stakeholder documents: each stakeholder's own identity record (uploaded by itself), by the subject's role
    const subjects: Record<string, HardhatEthersSigner> = {
      Regulator: w.regulator,
      Manufacturer: w.manufacturer,
      Distributor: w.distributor,
      Transporter: w.transporter,
      Dispenser: w.dispenser,
    };
    for (const [role, subject] of Object.entries(subjects)) {
      const res = await put(
        subject,
        "identity",
        `stakeholder:${subject.address}`,
        Buffer.from(`{"legalName":"${role}"}`),
        {
          "content-type": "text/plain",
        },
      );
      expect(res.statusCode, res.body).to.equal(201);
      docs.push({ id: res.json().id, kind: "identity", subjectRole: role, ownerIs: subject.address });
    }
    let checked = 0;
    for (const [role, [party, stranger]] of Object.entries(readers)) {
      for (const doc of docs) {
        const cell = cellOf(policy, role, doc.kind, doc.subjectRole);
        const json = doc.kind !== "identity";
        for (const [reader, involved] of [
          [party, true],
          [stranger, false],
        ] as const) {
          if (!reader) continue;
          // a stakeholder document: the party is the subject itself ("own") or its trading partner
          let isParty = involved;
          if (doc.kind === "identity") {
            const own = doc.ownerIs === reader.address;
            isParty = cell === "own" ? own : involved && (own || tradingPartners(w, reader.address, doc.ownerIs!));
          }
          const [status, outcome] = expectFor(cell, isParty, json);
          const res = await get(reader, doc.id);
          const what = `${role} ${involved ? "party" : "stranger"} reading ${doc.kind} (${doc.subjectRole}), cell ${cell}`;
          expect(res.statusCode, `${what}: ${res.body}`).to.equal(status);
          if (status === 200) expect(res.headers["x-document-view"], what).to.equal(outcome);
          else expect(res.json().type, what).to.equal(`urn:pharmachain:problem:${outcome}`);
          checked++;
        }
      }
    }
    expect(checked).to.be.greaterThan(80);
  });

  it("If involved: refused before a distributor joins the lot, allowed after it received packs", async function () {
    const w = sw.w;
    expect((await get(w.distributor2, coaId)).statusCode).to.equal(403);
    await w.custody
      .connect(w.distributor)
      .ship(w.distributor2.address, ethers.ZeroAddress, ethers.id("notice 3"), [{ lotId, start: 2, end: 3, hint: 0 }]);
    await w.custody.connect(w.distributor2).receiveShipment(await w.custody.shipmentCount());
    const after = await get(w.distributor2, coaId);
    expect(after.statusCode, after.body).to.equal(200);
    expect(after.rawPayload.equals(coa)).to.equal(true);
  });

  it("With Restriction: the regulator reads a product dossier without its restricted fields, with the hashes", async function () {
    const w = sw.w;
    const dossier = Buffer.from(
      JSON.stringify({ name: "Amoxicillin", trialSubjects: 412, rawData: "…", indication: "x" }),
    );
    const res = await put(w.manufacturer, "productDossier", "product:00614141123452", dossier);
    expect(res.statusCode, res.body).to.equal(201);
    expect(res.json().status).to.equal("awaiting-anchor");
    const read = await get(w.regulator, res.json().id);
    expect(read.statusCode, read.body).to.equal(200);
    expect(read.headers["x-document-view"]).to.equal("redacted");
    expect(read.json()).to.deep.equal({
      name: "Amoxicillin",
      indication: "x",
      _redacted: ["trialSubjects", "rawData"],
    });
    expect(read.headers["x-keccak256"]).to.equal(ethers.keccak256(dossier));
    expect(read.headers["x-redacted-keccak256"]).to.equal(ethers.keccak256(read.rawPayload));
    expect(read.headers["x-redacted-fields"]).to.equal("trialSubjects,rawData");
    // the manufacturer (involved) reads it whole; a distributor sees the summary only
    expect((await get(w.manufacturer, res.json().id)).rawPayload.equals(dossier)).to.equal(true);
    const summary = await get(w.distributor, res.json().id);
    expect(summary.json().type).to.equal("urn:pharmachain:problem:summary-only");
    const list = await service.app.inject({
      url: "/documents?subject=product:00614141123452",
      headers: { authorization: `Bearer ${await token(w.distributor)}` },
    });
    expect(list.json().documents.map((d: { access: string }) => d.access)).to.deep.equal(["summary"]);
  });

  it("the non-owner role queried directly sees only what the matrix allows", async function () {
    const w = sw.w;
    const documents = service.documents!;
    const count = async (address: string, role: string, table: string) =>
      documents.asReader({ address, role } as never, async (tx) =>
        Number((await tx.query(`select count(*)::int as n from ${table} where id = $1`, [coaId])).rows[0].n),
      );
    expect(await count(w.distributor.address, "Distributor", "document_contents")).to.equal(1);
    expect(await count(w.dispenser2.address, "Dispenser", "document_contents")).to.equal(0);
    expect(await count(w.dispenser2.address, "Dispenser", "documents")).to.equal(0);
    expect(await count(w.transporter.address, "Transporter", "documents")).to.equal(0);
    expect(await count(w.regulator.address, "Regulator", "document_contents")).to.equal(1);
    // a role the registry does not give, or none, sees nothing; the reader cannot write
    expect(await count(w.outsider.address, "None", "documents")).to.equal(0);
    const write = await documents
      .asReader({ address: w.regulator.address, role: "Regulator" } as never, (tx) =>
        tx.query("update documents set status = 'anchored'"),
      )
      .then(
        () => "written",
        (e: Error) => e.message,
      );
    expect(write).to.match(/permission denied/);
    // the policy table is what the database enforces: turning a cell off there hides the rows at once
    const before = await count(w.regulator.address, "Regulator", "document_contents");
    await db.query(
      "update document_policy set cell = 'no' where reader_role = 'Regulator' and kind = 'certificateOfAnalysis'",
    );
    expect(await count(w.regulator.address, "Regulator", "document_contents")).to.equal(before - 1);
    await documents.init();
    expect(await count(w.regulator.address, "Regulator", "document_contents")).to.equal(before);
  });

  it("refuses without a session, without standing, and bad input, storing nothing", async function () {
    const w = sw.w;
    const stored = async () => Number((await db.query("select count(*)::int as n from documents")).rows[0].n);
    const n = await stored();
    const anon = await service.app.inject({ url: `/documents/${coaId}` });
    expect(anon.statusCode).to.equal(401);
    expect(anon.json().type).to.equal("urn:pharmachain:problem:sign-in-required");
    const cases: Array<[Awaited<ReturnType<typeof put>>, number, string]> = [
      [await put(w.manufacturer, "certificateOfAnalysis", `lot:0x${"ab".repeat(32)}`, coa), 404, "unknown-subject"],
      [
        await put(w.manufacturer, "certificateOfAnalysis", `lot:${lotId}`, coa, { "content-type": "application/zip" }),
        415,
        "content-type-not-allowed",
      ],
      [
        await put(w.manufacturer, "certificateOfAnalysis", `lot:${lotId}`, coa, {
          "x-expected-hash": ethers.id("other"),
        }),
        422,
        "hash-mismatch",
      ],
      [
        await put(w.manufacturer, "certificateOfAnalysis", `lot:${lotId}`, Buffer.alloc(65 * 1024, 32)),
        413,
        "body-too-large",
      ],
      [await put(w.manufacturer, "nonsense", `lot:${lotId}`, coa), 400, "unknown-kind"],
      [await put(w.manufacturer, "certificateOfAnalysis", "shipment:1", coa), 400, "wrong-subject-type"],
      [await put(w.distributor, "certificateOfAnalysis", `lot:${lotId}`, coa), 403, "not-an-uploader"],
      [await put(w.outsider, "certificateOfAnalysis", `lot:${lotId}`, coa), 403, "not-a-stakeholder"],
    ];
    for (const [res, status, slug] of cases) {
      expect(res.statusCode, res.body).to.equal(status);
      expect(res.json().type).to.equal(`urn:pharmachain:problem:${slug}`);
    }
    // a suspended reader has no standing
    await w.registry.connect(w.regulator).suspend(w.distributor.address, ethers.id("inquiry"));
    await service.mirror.sync();
    const suspended = await get(w.distributor, coaId);
    expect(suspended.statusCode).to.equal(403);
    expect(suspended.json().type).to.equal("urn:pharmachain:problem:no-standing");
    await w.registry.connect(w.regulator).reinstate(w.distributor.address);
    await service.mirror.sync();
    expect(await stored()).to.equal(n);
  });

  it("keeps no plaintext in the database: contents and keys are sealed", async function () {
    const rows = (
      await db.query("select c.ciphertext, c.wrapped_key from document_contents c where c.id = $1", [coaId])
    ).rows;
    const blob = Buffer.concat([Buffer.from(rows[0].ciphertext), Buffer.from(rows[0].wrapped_key)]);
    expect(blob.includes(coa)).to.equal(false);
    expect(blob.includes(Buffer.from("Amoxicillin"))).to.equal(false);
    const dump = JSON.stringify((await db.query("select * from document_redactions")).rows);
    expect(dump).to.not.include("Amoxicillin");
    // another key cannot open them
    const other = DocumentKey.parse("22".repeat(32));
    expect(() => other.unwrap(coaId, Buffer.from(rows[0].wrapped_key), KEY.id)).to.throw();
  });
});

/** Whether two accounts traded in this test's world (the shipments made in `before` and in the tests). */
function tradingPartners(w: ServiceWorld["w"], a: string, b: string): boolean {
  const pairs = [
    [w.manufacturer.address, w.distributor.address],
    [w.distributor.address, w.dispenser.address],
    [w.distributor.address, w.distributor2.address],
  ];
  return pairs.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
}
