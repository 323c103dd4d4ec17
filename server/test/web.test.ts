/**
 * The service with the web page: the built page at `/` (with its policy of one origin), a browser opening a Digital
 * Link sent to it while JSON clients keep JSON and prefixed links still resolve, and the read-only routes the page
 * reads (its chain and deployment, a lot's and a pack's timeline with parties, the EPCIS export, a party).
 */
import { expect } from "chai";
import { Manifest } from "@pharmachain/sdk";
import { openDatabase, type Db } from "../src/db";
import type { Service } from "../src/app";
import { defaultWebRoot } from "../src/web";
import { ServiceWorld, serviceFor, serviceWorld } from "./helpers";

const GTIN14 = "00614141123452";

describe("Service: the web page and its read-only routes", function () {
  let sw: ServiceWorld;
  let db: Db;
  let service: Service;
  const get = (url: string, headers: Record<string, string> = {}) => service.app.inject({ url, headers });

  before(async function () {
    const webRoot = defaultWebRoot();
    if (!webRoot) throw new Error("the web page is not built (web/dist): npm run build");
    sw = await serviceWorld();
    db = await openDatabase("memory://");
    service = await serviceFor(sw, db, {
      webRoot,
      partyNames: { [sw.w.manufacturer.address.toLowerCase()]: "Example Pharma" },
    });
    await service.serials.put(sw.main.lotId, Manifest.fromSerials(sw.main.serials), "test");
  });

  after(async function () {
    await service?.close();
    await db?.close();
  });

  it("serves the page at / with a policy that keeps it on its own origin, and its hashed assets", async function () {
    const page = await get("/");
    expect(page.statusCode).to.equal(200);
    expect(page.headers["content-type"]).to.match(/^text\/html/);
    expect(page.headers["content-security-policy"])
      .to.contain("default-src 'self'")
      .and.to.contain("connect-src 'self'");
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page.body)![1];
    const asset = await get(script);
    expect(asset.statusCode).to.equal(200);
    expect(asset.headers["cache-control"]).to.contain("immutable");
  });

  it("sends a browser opening a Digital Link to the page; JSON clients and prefixed links keep their answers", async function () {
    const path = `/01/${GTIN14}/10/${sw.main.lotNumber}/21/${sw.main.serials[0]}`;
    const html = await get(path, { accept: "text/html,application/xhtml+xml", host: "pharmachain.test" });
    expect(html.statusCode).to.equal(303);
    expect(html.headers.location).to.equal(`/?link=${encodeURIComponent(`http://pharmachain.test${path}`)}`);
    const json = await get(path, { accept: "application/json" });
    expect(json.statusCode).to.equal(200);
    expect(json.json().report.verdictName).to.equal("verified");
    const prefixed = await get(`/any/prefix${path}`, { accept: "application/json" });
    expect(prefixed.json().report.verdictName).to.equal("verified");
    // a path that is neither a file nor a Digital Link is still the resolver's 404
    expect((await get("/nothing-here")).statusCode).to.equal(404);
  });

  it("answers the chain and deployment the page's wallet builds transactions for", async function () {
    const config = (await get("/web/config")).json();
    expect(config.chainId).to.equal(sw.client.chainId.toString());
    expect(config.deployment.custody).to.equal(sw.deployment.custody);
  });

  it("answers a lot's and a pack's timeline with parties by name, role and GLN", async function () {
    const lot = (await get(`/history/lots/${sw.main.lotId}`)).json();
    expect(lot.lotNumber).to.equal(sw.main.lotNumber);
    expect(lot.gtin).to.equal(GTIN14);
    const commissioned = lot.events.find((e: { name: string }) => e.name === "LotCommissioned");
    expect(commissioned.parties[0]).to.include({ name: "Example Pharma", role: "Manufacturer" });
    expect(commissioned.parties[0]).to.have.property("gln"); // the fixture registers no GLN: null
    const pack = (await get(`/history/lots/${sw.main.lotId}/packs/3`)).json();
    expect(pack.index).to.equal(3);
    expect(pack.events.map((e: { name: string }) => e.name)).to.include("LotReleased");
  });

  it("refuses an unknown lot (404) and an index past the lot's end (400), naming the field", async function () {
    const unknown = await get(`/history/lots/0x${"ab".repeat(32)}`);
    expect(unknown.statusCode).to.equal(404);
    expect(unknown.json().field).to.equal("lotId");
    const past = await get(`/history/lots/${sw.main.lotId}/packs/40`);
    expect(past.statusCode).to.equal(400);
    expect(past.json().field).to.equal("index");
    expect((await get(`/history/lots/${sw.main.lotId}/packs/-1`)).statusCode).to.equal(400);
  });

  it("exports a lot's and a pack's history as EPCIS 2.0 JSON-LD", async function () {
    const lot = await get(`/epcis/lots/${sw.main.lotId}`);
    expect(lot.headers["content-type"]).to.match(/^application\/ld\+json/);
    expect(lot.json().type).to.equal("EPCISDocument");
    const pack = await get(`/epcis/lots/${sw.main.lotId}/packs/0`);
    expect(pack.json().type).to.equal("EPCISDocument");
  });

  it("answers a party's role, GLN and name", async function () {
    const party = (await get(`/parties/${sw.w.manufacturer.address}`)).json();
    expect(party).to.include({ address: sw.w.manufacturer.address, name: "Example Pharma", role: "Manufacturer" });
    expect((await get("/parties/0x1234")).statusCode).to.equal(400);
  });
});
