/**
 * The service's endpoints and refusals, on the in-process network with PGlite: the resolver (JSON, HTML, linkset,
 * prefixes, short GTINs), DSCSA Lightweight Messaging and its batch, serial lists and proofs, Sign-In with Ethereum
 * (an EOA and an ERC-1271 wallet), rate limits, health and OpenAPI. Every refusal is problem+json naming the field.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import type { LightMyRequestResponse } from "fastify";
import { verifyManifestProof } from "../../sdk/src/manifest";
import { GTIN, PackState, bytes32 } from "../../test/helpers/fixture";
import fs from "fs";
import os from "os";
import path from "path";
import { migrate, openDatabase, type Db } from "../src/db";
import type { Service } from "../src/app";
import { configFromEnv, lmsPolicyOf } from "../src/config";
import { lmsResponse } from "../src/routes/verification";
import { SCRIPT, SIWE_DOMAIN, ServiceWorld, serviceFor, serviceWorld, signIn } from "./helpers";

const GTIN14 = "00614141123452";
const UUID = "5b3fc2a2-5d8b-4f6b-9b1e-0c7a4c8e2f11";
const REQ_GLN = "0614141073467";
const LMS = `linkType=gs1:verificationService&context=dscsaSaleableReturn&reqGLN=${REQ_GLN}&corrUUID=${UUID}`;
/** A GTIN with a valid check digit that no manufacturer registered. */
const UNKNOWN_GTIN = "00614141000012";

function link(lotNumber: string, serial: string, query = ""): string {
  return `/01/${GTIN14}/10/${lotNumber}/21/${serial}${query ? `?${query}` : ""}`;
}

function expectProblem(res: LightMyRequestResponse, status: number, field?: string): Record<string, unknown> {
  expect(res.statusCode, res.body).to.equal(status);
  expect(res.headers["content-type"]).to.match(/^application\/problem\+json/);
  const body = res.json();
  expect(body.status).to.equal(status);
  expect(body.type).to.match(/^urn:pharmachain:problem:/);
  if (field !== undefined) expect(body.field, res.body).to.equal(field);
  return body;
}

describe("Service: endpoints", function () {
  let sw: ServiceWorld;
  let db: Db;
  let service: Service;
  let manufacturerToken: string;

  const get = (url: string, headers: Record<string, string> = {}) => service.app.inject({ url, headers });
  const verdictOf = async (url: string): Promise<Record<string, unknown>> => {
    const res = await get(url, { accept: "application/json" });
    expect(res.statusCode, res.body).to.equal(200);
    return res.json().report;
  };
  const upload = (lotId: string, body: string, token?: string, type = "text/csv", query = "") =>
    service.app.inject({
      method: "PUT",
      url: `/lots/${lotId}/serials${query}`,
      headers: { "content-type": type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      payload: body,
    });

  before(async function () {
    sw = await serviceWorld();
    db = await openDatabase("memory://");
    service = await serviceFor(sw, db, { maxSerialListBytes: 20_000 });
    const signedIn = await signIn(service, sw.w.manufacturer);
    expect(signedIn.status, JSON.stringify(signedIn.body)).to.equal(200);
    manufacturerToken = signedIn.token!;
  });

  after(async function () {
    await service?.close();
    await db?.close();
  });

  describe("health and OpenAPI", function () {
    it("answers /healthz and /readyz with the database, the chain and the mirror's lag", async function () {
      expect((await get("/healthz")).json()).to.deep.equal({ status: "ok" });
      const ready = await get("/readyz");
      expect(ready.statusCode).to.equal(200);
      const body = ready.json();
      expect(body.database).to.deep.equal({ ok: true, engine: "pglite" });
      expect(body.chain.ok).to.equal(true);
      expect(body.mirror.block).to.equal(body.chain.block - body.mirror.lagBlocks);
    });

    it("runs the alerts with the app: /readyz has the watcher's lag, subscriptions need a signed-in stakeholder", async function () {
      const ready = (await get("/readyz")).json();
      expect(ready.alerts, JSON.stringify(ready)).to.include.keys("lagBlocks");
      const subscribe = (payload: Record<string, unknown>, token?: string) =>
        service.app.inject({
          method: "POST",
          url: "/alerts/subscriptions",
          headers: token ? { authorization: `Bearer ${token}` } : {},
          payload,
        });
      // the real Sign-In with Ethereum session, not a test header
      expect((await subscribe({ url: "https://93.184.215.14/hook" })).statusCode).to.equal(401);
      const refused = await subscribe({ url: "http://127.0.0.1:9/hook" }, manufacturerToken);
      expect(refused.statusCode, "a loopback webhook, not allowed by default").to.equal(400);
      expect(refused.json()).to.include({ field: "body/url" });
      const made = await subscribe(
        { url: "https://93.184.215.14/hook", kinds: ["lot.recalled"], lotIds: [sw.unlisted.lotId] },
        manufacturerToken,
      );
      expect(made.statusCode, made.body).to.equal(201);
      const listed = await service.app.inject({
        url: "/alerts/subscriptions",
        headers: { authorization: `Bearer ${manufacturerToken}` },
      });
      expect(listed.json().map((x: { owner: string }) => x.owner.toLowerCase())).to.include(
        sw.w.manufacturer.address.toLowerCase(),
      );
    });

    it("publishes OpenAPI 3.1 generated from the routes", async function () {
      const doc = (await get("/openapi.json")).json();
      expect(doc.openapi).to.equal("3.1.0");
      expect(Object.keys(doc.paths).filter((p) => p.startsWith("/01/"))).to.have.length(1);
      for (const path of [
        "/dscsa/verify",
        "/lots/{lotId}/serials",
        "/lots/{lotId}/proof",
        "/auth/sign-in",
        "/readyz",
      ]) {
        expect(doc.paths, path).to.have.property(path);
      }
      expect(doc.paths["/lots/{lotId}/serials"].put.parameters.map((p: { name: string }) => p.name)).to.include(
        "lotId",
      );
    });
  });

  describe("serial lists", function () {
    it("refuses an upload without a session (401), by another account (403), for an unknown lot (404)", async function () {
      const csv = sw.main.serials.join("\n");
      expectProblem(await upload(sw.main.lotId, csv), 401, "authorization");
      const other = await signIn(service, sw.w.distributor);
      expectProblem(await upload(sw.main.lotId, csv, other.token), 403, "authorization");
      expectProblem(await upload(ethers.id("no such lot"), csv, manufacturerToken), 404, "lotId");
      expectProblem(await upload("0x1234", csv, manufacturerToken), 400, "lotId");
    });

    it("refuses a list whose root is not the lot's serialsRoot (422) and stores nothing", async function () {
      const wrong = [...sw.main.serials.slice(0, -1), "SOTHER1"].join("\n");
      const body = expectProblem(await upload(sw.main.lotId, wrong, manufacturerToken), 422, "body");
      expect(body.expectedRoot).to.equal(sw.main.manifest.root.toLowerCase());
      expect((await db.query("select count(*)::int as n from serial_lists")).rows[0].n).to.equal(0);
      // still "cannot verify": no list with the lot's root
      const report = await verdictOf(link(sw.main.lotNumber, sw.main.serials[0]));
      expect(report.verdictName).to.equal("cannot verify");
    });

    it("refuses malformed lists (400), a wrong content type (415) and an oversize body (413)", async function () {
      expectProblem(await upload(sw.main.lotId, "A1\nA1", manufacturerToken), 400, "body");
      expectProblem(await upload(sw.main.lotId, "a,b\n1,2", manufacturerToken), 400, "body");
      expectProblem(await upload(sw.main.lotId, "<xml/>", manufacturerToken, "application/xml"), 415, "content-type");
      expectProblem(await upload(sw.main.lotId, "X".repeat(30_000), manufacturerToken), 413, "body");
    });

    it("accepts the lot's list from its manufacturer, as CSV or JSON, and never serves it back", async function () {
      const res = await upload(sw.main.lotId, `serial\n${sw.main.serials.join("\n")}\n`, manufacturerToken);
      expect(res.statusCode, res.body).to.equal(201);
      expect(res.json()).to.include({ lotId: sw.main.lotId, root: sw.main.manifest.root.toLowerCase(), count: 40 });
      const json = await upload(
        sw.main.lotId,
        JSON.stringify({ serials: sw.main.serials }),
        manufacturerToken,
        "application/json",
      );
      expect(json.statusCode, json.body).to.equal(201);
      for (const url of [`/lots/${sw.main.lotId}/serials`, `/lots/${sw.main.lotId}`]) {
        expectProblem(await get(url, { authorization: `Bearer ${manufacturerToken}` }), 404);
      }
      const stored = (await db.query("select root, unit_count from serial_lists where lot_id = $1", [sw.main.lotId]))
        .rows;
      expect(stored).to.deep.equal([{ root: sw.main.manifest.root.toLowerCase(), unit_count: 40 }]);
    });
  });

  describe("resolver", function () {
    it("answers a genuine pack with the SDK's report and the block", async function () {
      const res = await get(link(sw.main.lotNumber, sw.main.serials[3]), { accept: "application/json" });
      expect(res.statusCode).to.equal(200);
      const { block, report } = res.json();
      expect(block.number).to.equal(service.mirror.block.number);
      expect(res.headers["x-pharmachain-block"]).to.equal(String(block.number));
      expect(report).to.include({
        verdictName: "verified",
        verified: true,
        gtin: GTIN14,
        lotNumber: sw.main.lotNumber,
        serial: sw.main.serials[3],
        index: 3,
        holder: sw.w.manufacturer.address,
        stateName: "Active",
        manufacturer: sw.w.manufacturer.address,
        regulatorSigner: sw.w.regulator.address,
      });
      expect(report.dscsa).to.deep.equal({ verified: true });
      expect(report.eu).to.deep.equal({ returnCode: null, packStatus: "ACTIVE" });
      expect(report.message).to.match(/^Genuine: pack/);
    });

    it("answers what is not genuine with 200 and its verdict", async function () {
      expect((await verdictOf(link(sw.main.lotNumber, "SFAKE0001"))).verdictName).to.equal("unknown serial");
      expect((await verdictOf(link("NO-SUCH-LOT", "SFAKE0001"))).verdictName).to.equal("unknown lot");
      expect((await verdictOf(`/01/${UNKNOWN_GTIN}/10/X1/21/Y1`)).verdictName).to.equal("unknown product");
      const unlisted = await verdictOf(link(sw.unlisted.lotNumber, sw.unlisted.serials[0]));
      expect(unlisted).to.include({ verdictName: "cannot verify", cannotVerify: true, verdict: null });
      const mismatch = await verdictOf(link(sw.main.lotNumber, sw.main.serials[0], "17=201231"));
      expect(mismatch.verdictName).to.equal("lot or expiry mismatch");
      expect((mismatch.dscsa as Record<string, unknown>).verificationFailureReason).to.equal(
        "No_match_GTIN_Serial_Expiry",
      );
    });

    it("follows the chain: a dispensed pack is decommissioned at the next block", async function () {
      const { w, main } = sw;
      await w.custody
        .connect(w.manufacturer)
        .ship(w.dispenser.address, ethers.ZeroAddress, bytes32("n"), [
          { lotId: main.lotId, start: 10, end: 20, hint: 0 },
        ]);
      await w.custody.connect(w.dispenser).receiveShipment(await w.custody.shipmentCount());
      const p = main.manifest.proof(main.serials[11]);
      await w.custody
        .connect(w.dispenser)
        .decommission(
          { lotId: main.lotId, index: 11, hint: 0, serial: main.serials[11], proof: p.proof },
          PackState.Dispensed,
        );
      await service.mirror.sync();
      const report = await verdictOf(link(main.lotNumber, main.serials[11]));
      expect(report).to.include({ verdictName: "decommissioned", stateName: "Dispensed", holder: w.dispenser.address });
      expect(report.eu).to.deep.equal({ returnCode: "NMVS_NC_PCK_22", packStatus: "INACTIVE (SUPPLIED)" });
      expect((await verdictOf(link(main.lotNumber, main.serials[12]))).holder).to.equal(w.dispenser.address);
    });

    it("reads the link under any path prefix and with a GTIN-13", async function () {
      const serial = sw.main.serials[4];
      expect((await verdictOf(`/gs1/dl${link(sw.main.lotNumber, serial)}`)).verdictName).to.equal("verified");
      expect((await verdictOf(`/01/0614141123452/10/${sw.main.lotNumber}/21/${serial}`)).gtin).to.equal(GTIN14);
    });

    it("answers a browser with HTML, and the linkset for linkType=all", async function () {
      const html = await get(link(sw.main.lotNumber, sw.main.serials[4]), {
        accept: "text/html,application/xhtml+xml",
      });
      expect(html.headers["content-type"]).to.match(/^text\/html/);
      expect(html.body).to.contain("VERIFIED").and.contain(sw.main.serials[4]);
      const ls = await get(link(sw.main.lotNumber, sw.main.serials[4], "linkType=all"));
      expect(ls.headers["content-type"]).to.match(/^application\/linkset\+json/);
      const set = ls.json().linkset[0];
      expect(set.anchor).to.match(new RegExp(`/01/${GTIN14}/10/${sw.main.lotNumber}/21/${sw.main.serials[4]}$`));
      expect(set["https://gs1.org/voc/verificationService"][0].href).to.contain("linkType=gs1%3AverificationService");
    });

    it("refuses malformed links with 400 naming the AI, and link types it does not offer with 404", async function () {
      expectProblem(await get(`/01/00614141123453/10/L/21/S`), 400, "01");
      expectProblem(await get(`/01/${GTIN14}/21/S`), 400, "10");
      expectProblem(await get(`/01/${GTIN14}/10/L`), 400, "21");
      expectProblem(await get(`/01/${GTIN14}/10/L/21/S%20X`), 400, "21");
      expectProblem(await get(`/01/${GTIN14}/21/S/10/L`), 400, "10");
      expectProblem(await get(link(sw.main.lotNumber, "S", "linkType=gs1:recipeInfo")), 404, "linkType");
      expectProblem(await get(`/nothing/here`), 404);
    });
  });

  describe("DSCSA Lightweight Messaging", function () {
    it("reads the short-name form routers send (/gtin/…/lot/…/ser/…?exp=) and checks its expiry", async function () {
      const short = (serial: string, exp?: string) =>
        get(`/gtin/${GTIN14}/lot/${sw.main.lotNumber}/ser/${serial}?${exp ? `exp=${exp}&` : ""}${LMS}`);
      const right = await short(sw.main.serials[6]);
      expect(right.statusCode, right.body).to.equal(200);
      expect(right.json().data).to.deep.equal({ verified: true });
      // an expiry that is not the lot's is checked, not dropped (it was read as no expiry before)
      const wrong = (await short(sw.main.serials[6], "991231")).json();
      expect(wrong.data.verified).to.equal(false);
      expect(wrong.data.verificationFailureReason).to.match(/^No_match_GTIN_Serial/);
    });

    it("answers a request with the standard's fields and echoes corrUUID", async function () {
      const res = await get(link(sw.main.lotNumber, sw.main.serials[5], LMS));
      expect(res.statusCode).to.equal(200);
      const body = res.json();
      expect(body).to.include({ responderGLN: "0000000000000", corrUUID: UUID });
      expect(body.data).to.deep.equal({ verified: true });
      expect(Date.parse(body.verificationTimestamp)).to.be.closeTo(Date.now(), 60_000);
      const fake = (await get(link(sw.main.lotNumber, "SFAKE0002", LMS))).json();
      expect(fake.data).to.deep.equal({ verified: false, verificationFailureReason: "No_match_GTIN_Serial" });
      const unlisted = (await get(link(sw.unlisted.lotNumber, sw.unlisted.serials[1], LMS))).json();
      expect(unlisted.data).to.deep.equal({ verified: false, verificationFailureReason: "No_reason_provided" });
      const sold = (await get(link(sw.main.lotNumber, sw.main.serials[11], LMS.replace("gs1:", "")))).json();
      expect(sold.data).to.deep.equal({ verified: false, verificationFailureReason: "Not_for_re-distribution" });
    });

    it("answers an unknown GTIN with 404, and refuses missing or bad parameters with 400 naming them", async function () {
      const unknown = expectProblem(await get(`/01/${UNKNOWN_GTIN}/10/X/21/Y?${LMS}`), 404, "01");
      expect(unknown.corrUUID).to.equal(UUID);
      const base = link(sw.main.lotNumber, sw.main.serials[5]);
      expectProblem(await get(`${base}?${LMS.replace("context=dscsaSaleableReturn&", "")}`), 400, "context");
      expectProblem(await get(`${base}?${LMS.replace("dscsaSaleableReturn", "somethingElse")}`), 400, "context");
      expectProblem(await get(`${base}?${LMS.replace(REQ_GLN, "0614141073468")}`), 400, "reqGLN");
      expectProblem(await get(`${base}?${LMS.replace(UUID, "not-a-uuid")}`), 400, "corrUUID");
    });

    it("answers a batch of 100 in order, a problem in place of an unknown GTIN", async function () {
      const requests = Array.from({ length: 100 }, (_, i) =>
        i === 50
          ? `https://example.com/01/${UNKNOWN_GTIN}/10/X/21/Y?${LMS}`
          : `https://example.com${link(sw.main.lotNumber, i % 2 ? sw.main.serials[i % 40] : `SFAKE${i}`, LMS)}`,
      );
      const res = await service.app.inject({ method: "POST", url: "/dscsa/verify", payload: requests });
      expect(res.statusCode, res.body).to.equal(200);
      const answers = res.json();
      expect(answers).to.have.length(100);
      expect(answers[1].data.verified).to.equal(true);
      expect(answers[2].data).to.deep.equal({ verified: false, verificationFailureReason: "No_match_GTIN_Serial" });
      expect(answers[50]).to.include({ status: 404, field: "01", corrUUID: UUID });
      expect(answers[11].data.verificationFailureReason).to.equal("Not_for_re-distribution");
    });

    it("refuses a batch with a malformed request (naming /index/field), an empty one, and a wrong body", async function () {
      const good = link(sw.main.lotNumber, sw.main.serials[1], LMS);
      const bad = link(sw.main.lotNumber, sw.main.serials[1], LMS.replace(UUID, "x"));
      const post = (payload: unknown) =>
        service.app.inject({ method: "POST", url: "/dscsa/verify", payload: payload as object });
      expectProblem(await post([good, bad]), 400, "/1/corrUUID");
      expectProblem(await post([good, link(sw.main.lotNumber, "S")]), 400, "/1/linkType");
      expectProblem(await post([]), 400, "/");
      expectProblem(await post([good, 7]), 400, "/1");
      expectProblem(await post({ requests: [good] }), 400, "/");
    });
  });

  describe("Lightweight Messaging conformance", function () {
    const CONNECT = `linkType=checkConnectivity&reqGLN=${REQ_GLN}&corrUUID=${UUID}`;

    it("answers checkConnectivity for a GTIN it serves (200, corrUUID echoed) and 404 for one it does not", async function () {
      const res = await get(`/01/${GTIN14}?${CONNECT}`);
      expect(res.statusCode, res.body).to.equal(200);
      expect(res.headers["content-type"]).to.match(/^application\/json/);
      const body = res.json();
      expect(body).to.include({ responderGLN: "0000000000000", corrUUID: UUID });
      expect(body).to.not.have.property("data");
      expect(Date.parse(body.verificationTimestamp)).to.be.closeTo(Date.now(), 60_000);
      // the same under a prefix, on a pack's link, with the gs1: prefix and a context
      const pack = await get(
        `/gs1${link(sw.main.lotNumber, sw.main.serials[4], CONNECT.replace("linkType=", "linkType=gs1:"))}&context=dscsaSaleableReturn`,
      );
      expect(pack.statusCode, pack.body).to.equal(200);
      expect(pack.json().corrUUID).to.equal(UUID);
      expect(expectProblem(await get(`/01/${UNKNOWN_GTIN}?${CONNECT}`), 404, "01").corrUUID).to.equal(UUID);
    });

    it("refuses a checkConnectivity without reqGLN or corrUUID, or with an unknown context, naming the parameter", async function () {
      expectProblem(await get(`/01/${GTIN14}?linkType=checkConnectivity&corrUUID=${UUID}`), 400, "reqGLN");
      expectProblem(await get(`/01/${GTIN14}?linkType=checkConnectivity&reqGLN=${REQ_GLN}`), 400, "corrUUID");
      expectProblem(await get(`/01/${GTIN14}?${CONNECT}&context=somethingElse`), 400, "context");
      expectProblem(await get(`/01/00614141123453?${CONNECT}`), 400, "01");
      expectProblem(await get(`/00/106141412345678908?${CONNECT}`), 400, "00");
    });

    it("answers 405 with Allow, as problem+json, for a method a Digital Link or the batch route does not take", async function () {
      const lms = link(sw.main.lotNumber, sw.main.serials[5], LMS);
      for (const method of ["POST", "PUT", "DELETE", "PATCH"] as const) {
        const res = await service.app.inject({ method, url: lms, payload: method === "DELETE" ? undefined : {} });
        expectProblem(res, 405, "method");
        expect(res.headers.allow).to.equal("GET, HEAD");
      }
      const connect = await service.app.inject({ method: "POST", url: `/01/${GTIN14}?${CONNECT}`, payload: {} });
      expectProblem(connect, 405, "method");
      const batch = await get("/dscsa/verify");
      expectProblem(batch, 405, "method");
      expect(batch.headers.allow).to.equal("POST");
      expectProblem(await service.app.inject({ method: "PUT", url: "/dscsa/verify", payload: [] }), 405, "method");
      // what is not a Digital Link stays 404
      expectProblem(await service.app.inject({ method: "POST", url: "/nothing/here", payload: {} }), 404);
    });

    it("answers every refusal of the Lightweight Messaging routes as problem+json", async function () {
      const base = link(sw.main.lotNumber, sw.main.serials[5]);
      const refusals: [LightMyRequestResponse, number][] = [
        [await get(`${base}?${LMS.replace(UUID, "x")}`), 400],
        [await get(`/01/${UNKNOWN_GTIN}/10/X/21/Y?${LMS}`), 404],
        [await get(`/01/${GTIN14}/10/L?${LMS}`), 400],
        [await service.app.inject({ method: "POST", url: base, payload: {} }), 405],
        [
          await service.app.inject({
            method: "POST",
            url: "/dscsa/verify",
            headers: { "content-type": "text/xml" },
            payload: "<x/>",
          }),
          415,
        ],
        [
          await service.app.inject({
            method: "POST",
            url: "/dscsa/verify",
            headers: { "content-type": "application/json" },
            payload: "[",
          }),
          400,
        ],
        [await service.app.inject({ method: "POST", url: "/dscsa/verify", payload: "[" }), 415],
        [await service.app.inject({ method: "POST", url: "/dscsa/verify", payload: ["x".repeat(3000)] }), 400],
      ];
      for (const [res, status] of refusals) expectProblem(res, status);
    });

    it("answers a recalled or expired pack verified with additionalInfo, or not verified by Manufacturer_policy", function () {
      const block = { number: 7, hash: "0x" + "00".repeat(32), timestamp: 0 };
      const report = (additionalInfo: "Recalled" | "Expired") =>
        ({ verdictName: additionalInfo.toLowerCase(), dscsa: { verified: true, additionalInfo } }) as never;
      expect(lmsResponse(report("Recalled"), UUID, "0614141000005", block).data).to.deep.equal({
        verified: true,
        additionalInfo: "Recalled",
      });
      expect(lmsResponse(report("Recalled"), UUID, "0614141000005", block, ["Recalled"]).data).to.deep.equal({
        verified: false,
        verificationFailureReason: "Manufacturer_policy",
        additionalInfo: "Recalled",
      });
      expect(lmsResponse(report("Expired"), UUID, "0614141000005", block, ["Recalled"]).data).to.deep.equal({
        verified: true,
        additionalInfo: "Expired",
      });
      expect(lmsPolicyOf("Recalled, Expired")).to.deep.equal(["Recalled", "Expired"]);
      expect(() => lmsPolicyOf("Recalled,Suspect")).to.throw(/not "Suspect"/);
      expect(configFromEnv({ PHARMACHAIN_LMS_NOT_VERIFIED: "Expired" }).lmsNotVerified).to.deep.equal(["Expired"]);
    });

    it("names the pack's EPCIS link in the linkset and answers it with the pack's history as EPCIS 2.0", async function () {
      const serial = sw.main.serials[4];
      const set = (await get(link(sw.main.lotNumber, serial, "linkType=all"))).json().linkset[0];
      const epcisLink = set["https://gs1.org/voc/epcis"][0];
      expect(epcisLink).to.include({ type: "application/ld+json" });
      expect(epcisLink.href).to.contain("linkType=gs1%3Aepcis");
      const res = await get(new URL(epcisLink.href).pathname + new URL(epcisLink.href).search);
      expect(res.statusCode, res.body).to.equal(200);
      expect(res.headers["content-type"]).to.match(/^application\/ld\+json/);
      const doc = res.json();
      expect(doc.type).to.equal("EPCISDocument");
      const events = doc.epcisBody.eventList as { bizStep: string; epcList?: string[] }[];
      expect(events[0].bizStep).to.equal("commissioning");
      expect(JSON.stringify(events)).to.contain(serial);
      expect(Number(res.headers["x-pharmachain-block"])).to.be.at.least(0);
      // no list stored for its lot, or a serial not in the list: no history to give
      expectProblem(await get(link(sw.unlisted.lotNumber, sw.unlisted.serials[0], "linkType=gs1:epcis")), 404, "21");
      expectProblem(await get(link(sw.main.lotNumber, "SFAKE0003", "linkType=gs1:epcis")), 404, "21");
      expectProblem(await get(`/01/${UNKNOWN_GTIN}/10/X/21/Y?linkType=gs1:epcis`), 404, "01");
    });

    it("adds the links other parts of the service register to the linkset, those of one type together", async function () {
      const CERT = "https://gs1.org/voc/certificationInfo";
      service.registerLinks((anchor, parsed) => ({
        [CERT]: [
          {
            href: `${anchor}?linkType=gs1:certificationInfo`,
            title: `lot ${parsed.scan.lotNumber}`,
            type: "application/json",
          },
        ],
      }));
      service.registerLinks(() => ({
        [CERT]: [{ href: "https://example.com/cert", title: "second", type: "text/html" }],
      }));
      const set = (await get(link(sw.main.lotNumber, sw.main.serials[4], "linkType=all"))).json().linkset[0];
      expect(set[CERT].map((l: { title: string }) => l.title)).to.deep.equal([`lot ${sw.main.lotNumber}`, "second"]);
      expect(set["https://gs1.org/voc/verificationService"]).to.have.length(1);
    });
  });

  describe("proofs for holders", function () {
    it("gives the holder of a pack its proof, which dispenses it", async function () {
      const { w, main } = sw;
      const dispenser = await signIn(service, w.dispenser);
      const res = await get(`/lots/${main.lotId}/proof?serial=${main.serials[13]}`, {
        authorization: `Bearer ${dispenser.token}`,
      });
      expect(res.statusCode, res.body).to.equal(200);
      const proof = res.json();
      expect(proof).to.include({
        index: 13,
        holder: w.dispenser.address,
        state: "Active",
        root: main.manifest.root.toLowerCase(),
      });
      expect(verifyManifestProof(main.manifest.root, 13, main.serials[13], proof.proof)).to.equal(true);
      await w.custody
        .connect(w.dispenser)
        .decommission(
          { lotId: main.lotId, index: proof.index, hint: proof.hint, serial: main.serials[13], proof: proof.proof },
          PackState.Dispensed,
        );
      await service.mirror.sync();
      expect((await verdictOf(link(main.lotNumber, main.serials[13]))).stateName).to.equal("Dispensed");
    });

    it("refuses a proof to anyone but the holder (403), for an unknown serial or a lot without list (404)", async function () {
      const { w, main, unlisted } = sw;
      const dispenser = await signIn(service, w.dispenser);
      const auth = { authorization: `Bearer ${dispenser.token}` };
      expectProblem(await get(`/lots/${main.lotId}/proof?serial=${main.serials[30]}`, auth), 403, "serial");
      expectProblem(await get(`/lots/${main.lotId}/proof?serial=SFAKE9`, auth), 404, "serial");
      expectProblem(await get(`/lots/${unlisted.lotId}/proof?serial=${unlisted.serials[0]}`, auth), 404, "lotId");
      expectProblem(await get(`/lots/${main.lotId}/proof?serial=${main.serials[13]}`), 401, "authorization");
      expectProblem(await get(`/lots/${main.lotId}/proof`, auth), 400, "serial");
    });
  });

  describe("Sign-In with Ethereum", function () {
    it("signs an EOA in, with its role and standing from the registry", async function () {
      const { token, body } = await signIn(service, sw.w.distributor);
      expect(body.address).to.equal(sw.w.distributor.address);
      const me = (await get("/auth/me", { authorization: `Bearer ${token}` })).json();
      expect(me).to.deep.include({ address: sw.w.distributor.address, role: "Distributor" });
      expect(me.standing).to.include({ status: "Active", authorised: true });
      const outsider = await signIn(service, sw.w.outsider);
      expect((outsider.body.account as Record<string, unknown>).role).to.equal("None");
    });

    it("signs in an ERC-1271 contract wallet by its owner's signature", async function () {
      const wallet = await ethers.deployContract("ERC1271WalletMock", [sw.w.dispenser2.address]);
      await service.mirror.sync();
      const { status, body } = await signIn(service, sw.w.dispenser2, { wallet: await wallet.getAddress() });
      expect(status, JSON.stringify(body)).to.equal(200);
      expect(body.address).to.equal(await wallet.getAddress());
      const notOwner = await signIn(service, sw.w.outsider, { wallet: await wallet.getAddress() });
      expect(notOwner.status).to.equal(401);
      expect(notOwner.body.field).to.equal("/signature");
    });

    it("refuses a used or unknown nonce, another domain, another chain, and ends a session on sign-out", async function () {
      const { nonce } = (await get("/auth/nonce")).json();
      expect((await signIn(service, sw.w.distributor, { nonce })).status).to.equal(200);
      const reused = await signIn(service, sw.w.distributor, { nonce });
      expect(reused.status).to.equal(401);
      expect(reused.body.type).to.equal("urn:pharmachain:problem:siwe-unknown-nonce");
      expect((await signIn(service, sw.w.distributor, { nonce: "abcdefgh12345678" })).body.type).to.equal(
        "urn:pharmachain:problem:siwe-unknown-nonce",
      );
      expect((await signIn(service, sw.w.distributor, { domain: "evil.example" })).body.type).to.equal(
        "urn:pharmachain:problem:siwe-wrong-domain",
      );
      expect((await signIn(service, sw.w.distributor, { chainId: 1 })).body.type).to.equal(
        "urn:pharmachain:problem:siwe-wrong-chain",
      );
      const { token } = await signIn(service, sw.w.distributor);
      const auth = { authorization: `Bearer ${token}` };
      expect((await service.app.inject({ method: "POST", url: "/auth/sign-out", headers: auth })).statusCode).to.equal(
        204,
      );
      expectProblem(await get("/auth/me", auth), 401, "authorization");
      expect(SIWE_DOMAIN).to.equal("pharmachain.test");
    });
  });

  describe("rate limits", function () {
    it("limits public clients per address, stakeholders higher, and loopback only when configured", async function () {
      const limited = await serviceFor(sw, db, {
        rateLimit: { public: 3, stakeholder: 6, windowMs: 60_000, limitLoopback: true },
      });
      const open = await serviceFor(sw, db, {
        rateLimit: { public: 3, stakeholder: 6, windowMs: 60_000, limitLoopback: false },
      });
      try {
        const url = link(sw.main.lotNumber, sw.main.serials[1]);
        const codes = async (
          s: Service,
          n: number,
          headers: Record<string, string> = {},
          remoteAddress = "203.0.113.9",
        ) => {
          const out: number[] = [];
          for (let i = 0; i < n; i++) out.push((await s.app.inject({ url, headers, remoteAddress })).statusCode);
          return out;
        };
        expect(await codes(limited, 4)).to.deep.equal([200, 200, 200, 429]);
        // a link under a prefix (answered by the not-found handler) is counted as well
        const prefixed = await limited.app.inject({ url: `/p${url}`, remoteAddress: "203.0.113.9" });
        expect(prefixed.statusCode).to.equal(429);
        expectProblem(await limited.app.inject({ url, remoteAddress: "203.0.113.9" }), 429);
        // another client has its own allowance
        expect(await codes(limited, 1, {}, "198.51.100.7")).to.deep.equal([200]);
        const { token } = await signIn(limited, sw.w.distributor);
        expect(await codes(limited, 7, { authorization: `Bearer ${token}` })).to.deep.equal([
          200, 200, 200, 200, 200, 200, 429,
        ]);
        expect(await codes(limited, 1, {}, "127.0.0.1")).to.deep.equal([200]);
        expect(await codes(open, 10, {}, "127.0.0.1")).to.deep.equal(new Array(10).fill(200));
        expect(await codes(open, 4)).to.deep.equal([200, 200, 200, 429]);
      } finally {
        await limited.close();
        await open.close();
      }
    });
  });

  describe("database", function () {
    it("applies a migration of several statements, a function body with semicolons among them, once", async function () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pharmachain-migrations-"));
      try {
        fs.writeFileSync(path.join(dir, "900_script.sql"), SCRIPT);
        expect(await migrate(db, dir)).to.deep.equal(["900_script.sql"]);
        expect(await migrate(db, dir)).to.deep.equal([]);
        expect((await db.query("select answer_900() as a")).rows).to.deep.equal([{ a: 42 }]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it("applies each migration once", async function () {
      expect(await migrate(db)).to.deep.equal([]);
      const names = (await db.query<{ name: string }>("select name from schema_migrations order by name")).rows.map(
        (r) => r.name,
      );
      expect(names).to.include.members(["001_serial_lists.sql", "002_auth.sql"]);
    });
  });

  it("keeps GTIN constants consistent", function () {
    expect(GTIN).to.equal(614141123452n);
  });
});
