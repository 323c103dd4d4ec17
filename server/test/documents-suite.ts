/**
 * Off-chain documents under the read-access matrix (issue 14), the suite run on PGlite (documents.test.ts) and on
 * PostgreSQL (documents.postgres.test.ts): the "done when" scenario, every cell of the default policy for
 * every role (a reader who may, one who may not, against on-chain facts made here), "If involved" before and after a
 * party joins, redaction, the non-owner role queried directly, the audit log, the refusals, and that the database
 * holds no plaintext. One chain and one database for the suite.
 */
import hre from "hardhat";
import { expect } from "chai";
import { ethers } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { Manifest } from "../../sdk/src/manifest";
import { GTIN, commission, serialsFor } from "../../test/helpers/fixture";
import type { Service } from "../src/app";
import type { Db } from "../src/db";
import { DocumentClient, DocumentIntegrityError } from "@pharmachain/sdk";
import { DocumentKey, cellOf, loadPolicy, type Cell } from "../src/documents";
import { ServiceWorld, serviceFor, serviceWorld, signIn } from "./helpers";

const policy = loadPolicy();
const KEY = DocumentKey.parse("11".repeat(32));

export function documentsSuite(engine: string, open: () => Promise<{ db: Db; close(): Promise<void> } | undefined>) {
  describe(`Documents (${engine})`, function () {
    let sw: ServiceWorld;
    let closeDb: (() => Promise<void>) | undefined;
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

    // the on-chain facts: who is a party to what (the test's own account of it, which the service must agree with)
    const involved = new Map<string, Set<string>>();
    let transporter2: HardhatEthersSigner;
    let shipments: bigint[] = [];
    let orderIds: bigint[] = [];

    before(async function () {
      const opened = await open();
      if (!opened) return this.skip();
      ({ db } = opened);
      closeDb = opened.close;
      sw = await serviceWorld();
      const w = sw.w;
      // a second transporter, a party to nothing
      transporter2 = (await hre.ethers.getSigners())[18];
      await w.registry
        .connect(transporter2)
        .applyForRole(4, ethers.id("licence:t2"), 0, "0x4244", ethers.id(`meta:${transporter2.address}`));
      await w.registry.connect(w.regulator).approve(transporter2.address, w.licenceUntil);
      const manifest = Manifest.fromSerials(serialsFor("D", 10));
      ({ lotId } = await commission(w, manifest, { lotNumber: "DOC-1", dataHash: ethers.sha256(coa) }));
      const orders = sw.client.orders;
      const deliverBy = BigInt(Math.floor(Date.now() / 1000) + 90 * 86400);
      // order 1: the distributor buys from the manufacturer, shipped through the transporter
      await orders.connect(w.distributor).placeOrder(w.manufacturer.address, GTIN, 6, deliverBy, ethers.id("order 1"));
      const o1 = await orders.orderCount();
      await orders.connect(w.manufacturer).confirmOrder(o1, 6, 0, ethers.id("confirmation 1"));
      await w.custody
        .connect(w.manufacturer)
        .shipForOrder(
          o1,
          w.distributor.address,
          w.transporter.address,
          ethers.id("notice 1"),
          [{ lotId, start: 0, end: 6, hint: 0 }],
          ["DOC-1"],
        );
      const s1 = await w.custody.shipmentCount();
      await w.custody.connect(w.transporter).pickUp(s1, 0);
      await w.custody.connect(w.transporter).handOver(s1, 0);
      await w.custody.connect(w.distributor).receiveShipment(s1);
      // order 2: the dispenser buys from the distributor, delivered directly
      await orders.connect(w.dispenser).placeOrder(w.distributor.address, GTIN, 2, deliverBy, ethers.id("order 2"));
      const o2 = await orders.orderCount();
      await orders.connect(w.distributor).confirmOrder(o2, 2, 0, ethers.id("confirmation 2"));
      await w.custody
        .connect(w.distributor)
        .shipForOrder(
          o2,
          w.dispenser.address,
          ethers.ZeroAddress,
          ethers.id("notice 2"),
          [{ lotId, start: 0, end: 2, hint: 0 }],
          ["DOC-1"],
        );
      const s2 = await w.custody.shipmentCount();
      await w.custody.connect(w.dispenser).receiveShipment(s2);
      // a direct shipment of another lot from the manufacturer to the second dispenser, through the transporter
      const { lotId: other } = await commission(w, Manifest.fromSerials(serialsFor("E", 4)), { lotNumber: "DOC-2" });
      await w.custody
        .connect(w.manufacturer)
        .ship(w.dispenser2.address, w.transporter.address, ethers.id("notice 3"), [
          { lotId: other, start: 0, end: 2, hint: 0 },
        ]);
      const s3 = await w.custody.shipmentCount();
      await w.custody.connect(w.transporter).pickUp(s3, 0);
      await w.custody.connect(w.transporter).handOver(s3, 0);
      await w.custody.connect(w.dispenser2).receiveShipment(s3);
      shipments = [s1, s2];
      orderIds = [o1, o2];
      const set = (...signers: HardhatEthersSigner[]) => new Set(signers.map((x) => x.address));
      involved.set(`lot:${lotId}`, set(w.manufacturer, w.transporter, w.distributor, w.dispenser));
      involved.set(`shipment:${s1}`, set(w.manufacturer, w.transporter, w.distributor));
      involved.set(`shipment:${s2}`, set(w.distributor, w.dispenser));
      involved.set(`order:${o1}`, set(w.manufacturer, w.transporter, w.distributor));
      involved.set(`order:${o2}`, set(w.distributor, w.dispenser));
      involved.set("product:00614141123452", set(w.manufacturer));
      // a stakeholder: itself and its trading partners (seller, buyer or transporter of a shipment with it; an order)
      const partners = (who: HardhatEthersSigner, ...others: HardhatEthersSigner[]) =>
        involved.set(`stakeholder:${who.address.toLowerCase()}`, set(who, ...others));
      partners(w.manufacturer, w.distributor, w.transporter, w.dispenser2);
      partners(w.distributor, w.manufacturer, w.transporter, w.dispenser);
      partners(w.dispenser, w.distributor);
      partners(w.dispenser2, w.manufacturer, w.transporter);
      partners(w.transporter, w.manufacturer, w.distributor, w.dispenser2);
      partners(w.regulator);
      service = await serviceFor(sw, db, { alerts: false, documents: { key: KEY, maxBytes: 64 * 1024 } });
    });

    after(async function () {
      await service?.close();
      await closeDb?.();
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

    it("every cell of the default policy, for every role, both ways", async function () {
      const w = sw.w;
      const readers: Array<[string, HardhatEthersSigner]> = [
        ["Regulator", w.regulator],
        ["Regulator", w.regulator2],
        ["Manufacturer", w.manufacturer],
        ["Manufacturer", w.manufacturer2],
        ["Distributor", w.distributor],
        ["Distributor", w.distributor2],
        ["Transporter", w.transporter],
        ["Transporter", transporter2],
        ["Dispenser", w.dispenser],
        ["Dispenser", w.dispenser2],
      ];
      const stakeholders: Array<[string, HardhatEthersSigner]> = [
        ["Regulator", w.regulator],
        ["Manufacturer", w.manufacturer],
        ["Distributor", w.distributor],
        ["Transporter", w.transporter],
        ["Dispenser", w.dispenser],
        ["Dispenser", w.dispenser2],
      ];
      // one document of every kind on each subject of its type, uploaded by a party allowed to
      const docs: Array<{ id: string; kind: string; subject: string; subjectRole: string }> = [];
      const upload = async (uploader: HardhatEthersSigner, kind: string, subject: string, subjectRole = "*") => {
        const res = await put(uploader, kind, subject, Buffer.from(JSON.stringify({ kind, subject, note: "x" })));
        expect(res.statusCode, `${kind} of ${subject}: ${res.body}`).to.equal(201);
        docs.push({ id: res.json().id, kind, subject, subjectRole });
      };
      for (const [kind, k] of Object.entries(policy.kinds)) {
        switch (k.subject) {
          case "lot":
            await upload(
              k.uploaders.includes("lot.manufacturer") || k.uploaders.includes("lot.party")
                ? w.manufacturer
                : w.regulator,
              kind,
              `lot:${lotId}`,
            );
            break;
          case "shipment":
            await upload(w.manufacturer, kind, `shipment:${shipments[0]}`);
            await upload(w.distributor, kind, `shipment:${shipments[1]}`);
            break;
          case "order":
            await upload(w.distributor, kind, `order:${orderIds[0]}`);
            await upload(w.dispenser, kind, `order:${orderIds[1]}`);
            break;
          case "product":
            await upload(w.manufacturer, kind, "product:00614141123452");
            break;
          case "stakeholder":
            for (const [role, who] of stakeholders) {
              await upload(who, kind, `stakeholder:${who.address.toLowerCase()}`, role);
            }
            break;
        }
      }
      const expected = (cell: Cell, party: boolean, own: boolean): [number, string] => {
        switch (cell) {
          case "yes":
            return [200, "full"];
          case "no":
            return [403, "not-allowed"];
          case "own":
            return own ? [200, "full"] : [403, "not-allowed"];
          case "ifInvolved":
            return party ? [200, "full"] : [403, "not-involved"];
          case "withRestriction":
            return [200, "redacted"];
          case "globalData":
            return [403, "summary-only"];
        }
      };
      // every (role, kind, subject role) cell, and the outcomes seen for it
      const seen = new Map<string, Set<number>>();
      for (const [role, reader] of readers) {
        for (const doc of docs) {
          const cell = cellOf(policy, role, doc.kind, doc.subjectRole);
          const party = involved.get(doc.subject)!.has(reader.address);
          const own = doc.subject === `stakeholder:${reader.address.toLowerCase()}`;
          const [status, outcome] = expected(cell, party, own);
          const res = await get(reader, doc.id);
          const what = `${role} ${reader.address.slice(0, 8)} reading a ${doc.kind} of ${doc.subject} (cell ${cell})`;
          expect(res.statusCode, `${what}: ${res.body}`).to.equal(status);
          if (status === 200) expect(res.headers["x-document-view"], what).to.equal(outcome);
          else expect(res.json().type, what).to.equal(`urn:pharmachain:problem:${outcome}`);
          const key = `${role}|${doc.kind}|${doc.subjectRole}`;
          if (!seen.has(key)) seen.set(key, new Set());
          seen.get(key)!.add(status);
        }
      }
      // both ways: a cell that depends on the reader (own, ifInvolved) was seen allowing and refusing
      const oneWay = [...seen.entries()]
        .filter(([key]) => {
          const [role, kind, subjectRole] = key.split("|");
          return ["own", "ifInvolved"].includes(cellOf(policy, role, kind, subjectRole));
        })
        .filter(([, statuses]) => statuses.size < 2)
        .map(([key]) => key);
      expect(oneWay).to.deep.equal([]);
      expect(seen.size).to.equal(Object.keys(policy.kinds).length * 5 + 2 * 5 * 4);
    });

    it("If involved: refused before a distributor joins the lot, allowed after it received packs", async function () {
      const w = sw.w;
      expect((await get(w.distributor2, coaId)).statusCode).to.equal(403);
      await w.custody
        .connect(w.distributor)
        .ship(w.distributor2.address, ethers.ZeroAddress, ethers.id("notice 3"), [
          { lotId, start: 2, end: 3, hint: 0 },
        ]);
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
      const listed = list.json().documents.filter((d: { id: string }) => d.id === res.json().id);
      expect(listed.map((d: { access: string }) => d.access)).to.deep.equal(["summary"]);
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
          await put(w.manufacturer, "certificateOfAnalysis", `lot:${lotId}`, coa, {
            "content-type": "application/zip",
          }),
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

    it("the SDK's document client uploads, lists, downloads and re-checks against the chain, and catches a wrong hash", async function () {
      const w = sw.w;
      // a service over HTTP whose sign-in domain is its host, as the client signs for
      const http = await serviceFor(sw, db, { alerts: false, siweDomain: undefined, documents: { key: KEY } });
      try {
        await http.app.listen({ host: "127.0.0.1", port: 0 });
        const address = http.app.server.address() as { port: number };
        const url = `http://127.0.0.1:${address.port}`;
        const distributor = await DocumentClient.signIn(url, w.distributor, 31337n, sw.client);
        const listed = await distributor.list(`lot:${lotId}`);
        expect(listed.map((d) => d.id)).to.include(coaId);
        const doc = await distributor.get(coaId);
        expect(doc.bytes.equals(coa)).to.equal(true);
        expect(doc.checked).to.deep.equal({ bytes: true, anchorOnChain: true });
        // a licence whose keccak-256 is the registry's licenceHash: anchored, and checked against the registry
        const manufacturer = await DocumentClient.signIn(url, w.manufacturer, 31337n, sw.client);
        const licence = Buffer.from(`licence:${w.manufacturer.address}`);
        const put = await manufacturer.put(licence, {
          kind: "licence",
          subject: `stakeholder:${w.manufacturer.address}`,
          contentType: "text/plain",
        });
        expect(put.status).to.equal("anchored");
        const got = await manufacturer.get(put.id);
        expect(got.checked.anchorOnChain).to.equal(true);
        expect(got.anchor).to.include({ anchor: "stakeholder.licenceHash", algorithm: "keccak256" });
        // the service states a hash the bytes do not have: the client refuses them
        await db.query("update documents set sha256 = $1 where id = $2", [ethers.id("forged"), coaId]);
        const forged = await distributor.get(coaId).then(
          () => undefined,
          (e: Error) => e,
        );
        expect(forged).to.be.instanceOf(DocumentIntegrityError);
        await db.query("update documents set sha256 = $1 where id = $2", [ethers.sha256(coa), coaId]);
        // the service names an anchor the chain does not have: refused too
        await db.query(
          "update documents set anchor = jsonb_set(anchor, '{anchor}', '\"lot.recallReasonHash\"') where id = $1",
          [coaId],
        );
        const unanchored = await distributor.get(coaId).then(
          () => undefined,
          (e: Error) => e,
        );
        expect(unanchored).to.be.instanceOf(DocumentIntegrityError);
        expect(unanchored!.message).to.match(/not anchored on chain/);
        await db.query(
          "update documents set anchor = jsonb_set(anchor, '{anchor}', '\"lot.dataHash\"') where id = $1",
          [coaId],
        );
      } finally {
        await http.close();
      }
    });

    it("the Digital Link linkset of a pack names the documents its signed-in reader may open", async function () {
      const w = sw.w;
      const url = `/01/00614141123452/10/DOC-1/21/${serialsFor("D", 10)[0]}?linkType=all`;
      const links = async (signer?: HardhatEthersSigner) => {
        const res = await service.app.inject({
          url,
          headers: signer ? { authorization: `Bearer ${await token(signer)}` } : {},
        });
        expect(res.statusCode, res.body).to.equal(200);
        return res.json().linkset[0] as Record<string, Array<{ href: string; title: string }>>;
      };
      const anonymous = await links();
      expect(anonymous).to.not.have.property("https://gs1.org/voc/certificationInfo");
      const held = await links(w.distributor);
      expect(held["https://gs1.org/voc/certificationInfo"].map((l) => l.href)).to.include(`/documents/${coaId}`);
      const never = await links(w.dispenser2);
      expect(never).to.not.have.property("https://gs1.org/voc/certificationInfo");
      // the regulator opens the product dossier redacted, and the link says so
      const regulator = await links(w.regulator);
      expect(regulator["https://gs1.org/voc/certificationInfo"].map((l) => l.href)).to.include(`/documents/${coaId}`);
      expect(regulator["https://gs1.org/voc/masterData"].map((l) => l.title).join()).to.match(/redacted view/);
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
}
