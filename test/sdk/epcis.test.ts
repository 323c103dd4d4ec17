/**
 * EPCIS 2.0 through the SDK: export of every kind of history the protocol makes (commissioning, shipping through a
 * transporter, receiving, rejecting, cancelling, dispensing, destroying, other decommissions and their undo,
 * quarantine, clearing, illegitimate, recall, void, clone reports) as documents that validate against the official
 * schema; import plans of the 21 official examples and the DSCSA files; refusal of invalid documents.
 */
import { expect } from "chai";
import fs from "fs";
import path from "path";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { PharmaChainClient } from "../../sdk/src/client";
import { deployProtocol } from "../../sdk/src/deploy";
import { PackState, Role } from "../../sdk/src/enums";
import { gtinToUint64, expiryToExpiresAt } from "../../sdk/src/gs1";
import { Manifest } from "../../sdk/src/manifest";
import { batchRecordHash, buildLotAttestation, signLotAttestation } from "../../sdk/src/attestation";
import {
  EPCIS_JSON_SCHEMA,
  EpcisSchemaValidationError,
  EpcisExport,
  chainEventId,
  exportLotEpcis,
  exportPackEpcis,
  exportShipmentEpcis,
  planEpcisImport,
  readEpcisDocument,
  schemaForCompilation,
  uuidV5,
  validateEpcisDocument,
} from "../../sdk/src/epcis";
import { DSCSA_CONVERTED, DSCSA_XML, EPCIS_EXAMPLES } from "../helpers/fixtures";

const GTIN = "00614141123452";
const DAY = 24 * 3600;

type Json = Record<string, unknown>;
const eventsOf = (x: EpcisExport): Json[] => x.document.epcisBody.eventList as Json[];
const steps = (x: EpcisExport): string[] => eventsOf(x).map((e) => String(e.bizStep));

async function world() {
  const [council, regulator, manufacturer, distributor, transporter, pharmacy] = await ethers.getSigners();
  const deployment = await deployProtocol(council);
  const base = await PharmaChainClient.connect({ runner: council, deployment });
  const as = (s: HardhatEthersSigner) => base.withRunner(s);
  const until = BigInt((await time.latest()) + 365 * DAY);
  await as(council).appointRegulator({
    account: regulator.address,
    gln: 614141000005n,
    jurisdiction: "US",
    validUntil: until,
  });
  const parties: [HardhatEthersSigner, Role, bigint][] = [
    [manufacturer, Role.Manufacturer, 614141000012n],
    [distributor, Role.Distributor, 614141073467n],
    [transporter, Role.Transporter, 614141000029n],
    [pharmacy, Role.Dispenser, 614141000036n],
  ];
  for (const [s, role, gln] of parties) {
    await as(s).applyForRole({ role, gln, jurisdiction: "US" });
    await as(regulator).approveStakeholder(s.address, until);
  }
  await as(manufacturer).registerProduct(gtinToUint64(GTIN));
  await as(regulator).approveProduct(gtinToUint64(GTIN));
  const lot = async (lotNumber: string, count: number, withRegulator = true) => {
    const serials = Array.from({ length: count }, (_, i) => `${lotNumber}S${String(i).padStart(5, "0")}`);
    const manifest = Manifest.fromSerials(serials);
    const now = await time.latest();
    const attestation = buildLotAttestation({
      gtin: gtinToUint64(GTIN),
      lotNumber,
      expiresAt: expiryToExpiresAt(new Date((now + 400 * DAY) * 1000).toISOString().slice(2, 10).replace(/-/g, "")),
      unitCount: count,
      serialsRoot: manifest.root,
      dataHash: batchRecordHash(lotNumber),
      manufacturer: manufacturer.address,
      deadline: BigInt(now + DAY),
    });
    const domain = base.domain();
    const w = await as(manufacturer).commissionLot({
      attestation,
      manufacturerSignature: {
        signer: manufacturer.address,
        signature: await signLotAttestation(manufacturer, domain, attestation),
      },
      ...(withRegulator
        ? {
            regulatorSignature: {
              signer: regulator.address,
              signature: await signLotAttestation(regulator, domain, attestation),
            },
          }
        : {}),
    });
    return { lotId: w.lotId, manifest, serials };
  };

  const main = await lot("L1", 40);
  const lotId = main.lotId;
  const pallet = await as(manufacturer).ship({
    buyer: distributor.address,
    transporter: transporter.address,
    notice: "ASN 1",
    ranges: [{ lotId, start: 0, end: 30 }],
  });
  await as(transporter).pickUp(pallet.shipmentId, 614141000012n);
  await as(transporter).handOver(pallet.shipmentId, 614141073467n);
  await as(distributor).receiveShipment(pallet.shipmentId);
  const toPharmacy = await as(distributor).ship({ buyer: pharmacy.address, ranges: [{ lotId, start: 0, end: 20 }] });
  await as(pharmacy).receiveShipment(toPharmacy.shipmentId);
  const rejected = await as(distributor).ship({ buyer: pharmacy.address, ranges: [{ lotId, start: 20, end: 25 }] });
  await as(pharmacy).rejectShipment(rejected.shipmentId, "wrong product");
  const cancelled = await as(manufacturer).ship({
    buyer: distributor.address,
    ranges: [{ lotId, start: 30, end: 35 }],
  });
  await as(manufacturer).cancelShipment(cancelled.shipmentId);
  const proof = main.manifest.proof(main.serials[3]);
  await as(pharmacy).dispense({ lotId, index: 3, serial: main.serials[3], proof: proof.proof });
  await as(pharmacy).decommissionRange({ lotId, start: 5, end: 7 }, PackState.Destroyed);
  await as(pharmacy).decommissionRange({ lotId, start: 7, end: 8 }, PackState.Sample);
  await as(pharmacy).decommissionRange({ lotId, start: 8, end: 9 }, PackState.Exported);
  await as(pharmacy).undoDecommission({ lotId, start: 8, end: 9 });
  await as(pharmacy).decommissionRange({ lotId, start: 9, end: 10 }, PackState.Stolen);
  await as(pharmacy).decommissionRange({ lotId, start: 10, end: 11 }, PackState.Locked);
  await as(pharmacy).quarantine([{ lotId, start: 11, end: 12 }], "seal");
  await as(regulator).clearSuspect([{ lotId, start: 11, end: 12 }], "fine");
  await as(pharmacy).quarantine([{ lotId, start: 12, end: 13 }], "fake");
  await as(regulator).confirmIllegitimate([{ lotId, start: 12, end: 13 }], "counterfeit");
  await as(council).confirmIllegitimate([{ lotId, start: 12, end: 13 }], "counterfeit"); // the second key
  await as(distributor).reportClone({ lotId, index: 3, serial: main.serials[3], proof: proof.proof });
  const recalled = await lot("L2", 10);
  await as(manufacturer).recallLot(recalled.lotId, "CAPA");
  const voided = await lot("L3", 5, false);
  await as(manufacturer).voidLot(voided.lotId, "wrong label");
  return { base, main, recalled, voided, pallet, toPharmacy, rejected, cancelled };
}

function expectValid(x: EpcisExport): void {
  const v = validateEpcisDocument(x.document);
  expect(v.errors, JSON.stringify(v.errors[0])).to.deep.equal([]);
}

describe("SDK EPCIS 2.0", function () {
  this.timeout(300_000);

  describe("export", () => {
    it("writes a lot's whole history, by class and quantity without the manifest, and validates", async () => {
      const w = await loadFixture(world);
      const x = await exportLotEpcis(w.base, w.main.lotId);
      expectValid(x);
      expect(steps(x)).to.include.members([
        "commissioning",
        "shipping",
        "departing",
        "arriving",
        "receiving",
        "void_shipping",
        "dispensing",
        "destroying",
        "sampling",
        "decommissioning",
        "holding",
        "inspecting",
      ]);
      const [commissioning] = eventsOf(x);
      expect(commissioning.action).to.equal("ADD");
      expect(commissioning.quantityList).to.deep.equal([
        { epcClass: "urn:epc:class:lgtin:0614141.012345.L1", quantity: 40 },
      ]);
      expect((commissioning.ilmd as Json)["cbvmda:lotNumber"]).to.equal("L1");
      expect((commissioning.ilmd as Json)["cbvmda:itemExpirationDate"]).to.match(/^\d{4}-\d{2}-\d{2}$/);
      expect(commissioning.bizLocation).to.deep.equal({ id: "urn:epc:id:sgln:0614141.00001.0" });
      expect(commissioning.eventTime).to.match(/Z$/);
      expect(commissioning.eventTimeZoneOffset).to.equal("+00:00");
      const shipping = eventsOf(x).find((e) => e.bizStep === "shipping")!;
      expect(shipping.sourceList).to.deep.equal([{ type: "owning_party", source: "urn:epc:id:sgln:0614141.00001.0" }]);
      expect(shipping.destinationList).to.deep.equal([
        { type: "owning_party", destination: "urn:epc:id:sgln:0614141.07346.0" },
      ]);
      expect(shipping.bizTransactionList).to.deep.equal([
        { type: "desadv", bizTransaction: `urn:pharmachain:notice:${ethers.id("ASN 1")}` },
      ]);
      expect(shipping["pharmachain:ranges"]).to.deep.equal([{ lotId: w.main.lotId, start: 0, end: 30 }]);
      // the undo: the decommission again with an error declaration, same eventID
      const undone = eventsOf(x).filter((e) => e["pharmachain:state"] === "Exported");
      expect(undone).to.have.length(2);
      expect(undone[1].errorDeclaration).to.have.property("reason", "incorrect_data");
      expect(undone[1].eventID).to.equal(undone[0].eventID);
      expect(eventsOf(x).find((e) => e["pharmachain:alert"] === "clone")!.epcList).to.deep.equal([
        `urn:epc:id:sgtin:0614141.012345.${w.main.serials[3]}`,
      ]);
      // nothing silently dropped: signatures and release are listed with reasons
      expect(x.skipped.map((s) => s.name).sort()).to.deep.equal([
        "IllegitimacyProposed",
        "LotReleased",
        "LotSigned",
        "LotSigned",
      ]);
      for (const s of x.skipped) expect(s.reason).to.be.a("string").and.not.equal("");
      const ids = eventsOf(x)
        .filter((e) => !e.errorDeclaration)
        .map((e) => e.eventID as string);
      expect(new Set(ids).size).to.equal(ids.length);
      for (const id of ids)
        expect(id).to.match(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });

    it("writes serials (SGTIN URIs or Digital Links) where the exporter holds the manifest; eventIDs do not change", async () => {
      const w = await loadFixture(world);
      const manifests = new Map([[w.main.lotId, w.main.manifest]]);
      const urn = await exportLotEpcis(w.base, w.main.lotId, { manifests, timeZoneOffset: 120 });
      const dl = await exportLotEpcis(w.base, w.main.lotId, {
        manifests: (id) => (id === w.main.lotId ? w.main.serials : undefined),
        digitalLink: true,
        partyScheme: "pgln",
      });
      const plain = await exportLotEpcis(w.base, w.main.lotId);
      expectValid(urn);
      expectValid(dl);
      expect(eventsOf(urn)[0].epcList).to.have.length(40);
      expect((eventsOf(urn)[0].epcList as string[])[0]).to.equal(
        `urn:epc:id:sgtin:0614141.012345.${w.main.serials[0]}`,
      );
      expect((eventsOf(dl)[0].epcList as string[])[0]).to.equal(
        `https://id.gs1.org/01/${GTIN}/21/${w.main.serials[0]}`,
      );
      expect(eventsOf(urn)[0].eventTimeZoneOffset).to.equal("+02:00");
      const shipping = eventsOf(dl).find((e) => e.bizStep === "shipping")!;
      expect(shipping.sourceList).to.deep.equal([
        { type: "owning_party", source: "https://id.gs1.org/417/0614141000012" },
      ]);
      const ids = (x: EpcisExport) => eventsOf(x).map((e) => e.eventID);
      expect(ids(urn)).to.deep.equal(ids(plain));
      expect(ids(dl)).to.deep.equal(ids(plain));
      // anyone can recompute an id from the log
      const first = (await w.base.history().lot(w.main.lotId)).find((e) => e.name === "LotCommissioned")!;
      expect(eventsOf(plain)[0].eventID).to.equal(
        chainEventId(w.base.chainId, w.base.addresses.lots, first.transactionHash, first.logIndex),
      );
      expect(uuidV5("www.example.com", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).to.equal(
        "2ed6657d-e927-568b-95e1-2665a8aea6a2",
      );
    });

    it("writes a pack's history with that pack only, and a shipment's history", async () => {
      const w = await loadFixture(world);
      const pack = await exportPackEpcis(w.base, w.main.lotId, 3, {
        manifests: new Map([[w.main.lotId, w.main.manifest]]),
      });
      expectValid(pack);
      expect(steps(pack)).to.deep.equal([
        "commissioning",
        "shipping",
        "departing",
        "arriving",
        "receiving",
        "shipping",
        "receiving",
        "dispensing",
        "inspecting",
      ]);
      for (const e of eventsOf(pack))
        expect(e.epcList).to.deep.equal([`urn:epc:id:sgtin:0614141.012345.${w.main.serials[3]}`]);
      const lot = await exportLotEpcis(w.base, w.main.lotId);
      const lotIds = new Set(eventsOf(lot).map((e) => e.eventID));
      for (const e of eventsOf(pack)) expect(lotIds.has(e.eventID), "a pack's view has ids of its own").to.equal(false);

      for (const [id, expected] of [
        [w.pallet.shipmentId, ["shipping", "departing", "arriving", "receiving"]],
        [w.rejected.shipmentId, ["shipping", "void_shipping"]],
        [w.cancelled.shipmentId, ["shipping", "void_shipping"]],
      ] as const) {
        const x = await exportShipmentEpcis(w.base, id);
        expectValid(x);
        expect(steps(x)).to.deep.equal(expected);
      }
      const rejected = await exportShipmentEpcis(w.base, w.rejected.shipmentId);
      expect(eventsOf(rejected)[1].disposition).to.equal("returned");
    });

    it("writes a recall and a voided lot", async () => {
      const w = await loadFixture(world);
      const recall = await exportLotEpcis(w.base, w.recalled.lotId);
      expectValid(recall);
      expect(eventsOf(recall).map((e) => [e.bizStep, e.disposition])).to.deep.equal([
        ["commissioning", "active"],
        ["holding", "recalled"],
      ]);
      const voided = await exportLotEpcis(w.base, w.voided.lotId);
      expectValid(voided);
      expect(eventsOf(voided).map((e) => [e.action, e.bizStep, e.disposition])).to.deep.equal([
        ["ADD", "commissioning", "active"],
        ["DELETE", "decommissioning", "inactive"],
      ]);
    });
  });

  describe("import plans", () => {
    const files = [
      ...fs.readdirSync(EPCIS_EXAMPLES).map((f) => path.join(EPCIS_EXAMPLES, f)),
      DSCSA_CONVERTED,
      DSCSA_XML,
    ];

    it("reads the 21 official examples and both DSCSA files: every event planned or listed with a reason", () => {
      expect(files).to.have.length(23);
      for (const file of files) {
        const text = fs.readFileSync(file, "utf8");
        const doc = readEpcisDocument(text);
        const body = doc.epcisBody as Json;
        const list = (body.eventList ?? ((body.queryResults as Json).resultsBody as Json).eventList) as unknown[];
        expect(list.length, file).to.be.above(0);
        const plan = planEpcisImport(text, { now: Date.parse("2023-03-01T00:00:00Z") / 1000 });
        expect(plan.events, file).to.have.length(list.length);
        for (const e of plan.events) expect(e.reason, `${file} event ${e.index}`).to.be.a("string").and.not.equal("");
      }
    });

    it("refuses an invalid document with the schema path of the first error", () => {
      const doc = JSON.parse(fs.readFileSync(files[0], "utf8")) as Json;
      delete ((doc.epcisBody as Json).eventList as Json[])[0].eventTimeZoneOffset;
      try {
        planEpcisImport(doc);
        expect.fail("accepted an invalid document");
      } catch (error) {
        expect(error).to.be.instanceOf(EpcisSchemaValidationError);
        const e = error as EpcisSchemaValidationError;
        expect(e.instancePath).to.equal("/epcisBody/eventList/0");
        expect(e.schemaPath).to.match(/required$/);
        expect(e.message).to.match(/eventTimeZoneOffset/);
      }
      expect(() => planEpcisImport({ type: "EPCISDocument" })).to.throw(EpcisSchemaValidationError, /schema/);
      expect(() => planEpcisImport("{not json")).to.throw(/not valid JSON/);
    });

    it("still refuses a repeated EPC (uniqueItems) and a non-URI in epcList with the schema compiled for linear time", () => {
      const doc = (epcList: unknown[]) => ({
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
              action: "OBSERVE",
            },
          ],
        },
      });
      const epcs = Array.from({ length: 50_000 }, (_, i) => `urn:epc:id:sgtin:0614141.112345.${i}`);
      expect(validateEpcisDocument(doc(epcs)).errors).to.deep.equal([]);
      const repeated = validateEpcisDocument(doc([...epcs, epcs[17]]));
      expect(repeated.valid).to.equal(false);
      expect(repeated.errors[0]).to.deep.include({
        instancePath: "/epcisBody/eventList/0/epcList",
        schemaPath: "#/definitions/epcList/uniqueItems",
      });
      const notUri = validateEpcisDocument(doc(["urn:epc:id:sgtin:0614141.112345.1", "not a uri"]));
      expect(notUri.errors[0]).to.deep.include({
        instancePath: "/epcisBody/eventList/0/epcList/1",
        schemaPath: "#/definitions/epcList/items/format",
      });
      expect(validateEpcisDocument(doc(["urn:epc:id:sgtin:0614141.112345.1", 7])).errors[0]).to.deep.include({
        instancePath: "/epcisBody/eventList/0/epcList/1",
        schemaPath: "#/definitions/epcList/items/type",
      });
      // the compiled copy differs from the published schema in that one place only
      const compiled = schemaForCompilation(EPCIS_JSON_SCHEMA) as {
        definitions: Record<string, Record<string, unknown>>;
      };
      expect(compiled.definitions.epcList.items).to.deep.equal(
        (EPCIS_JSON_SCHEMA.definitions as Record<string, unknown>).uri,
      );
      compiled.definitions.epcList.items = { $ref: "#/definitions/uri" };
      expect(compiled).to.deep.equal(EPCIS_JSON_SCHEMA);
    });

    it("turns a dispense, a destruction and a receipt of its own shipment into operations, with accounts", () => {
      const doc = JSON.parse(fs.readFileSync(files[21], "utf8")) as Json;
      const events = (doc.epcisBody as Json).eventList as Json[];
      const base = { eventTimeZoneOffset: "-05:00", type: "ObjectEvent", action: "OBSERVE" };
      events.push(
        {
          ...base,
          eventTime: "2023-04-02T10:00:00Z",
          epcList: ["urn:epc:id:sscc:030001.41234567890"],
          bizStep: "receiving",
          disposition: "in_progress",
          bizLocation: { id: "urn:epc:id:sgln:039999.345678.0" },
        },
        {
          ...base,
          eventTime: "2023-04-03T10:00:00Z",
          epcList: ["urn:epc:id:sgtin:030001.0012345.11"],
          bizStep: "dispensing",
          disposition: "dispensed",
          bizLocation: { id: "urn:epc:id:sgln:039999.999999.0" },
        },
        {
          ...base,
          eventTime: "2023-04-03T10:00:00Z",
          epcList: ["urn:epc:id:sgtin:030001.1012345.111"],
          bizStep: "destroying",
          disposition: "destroyed",
          bizLocation: { id: "urn:epc:id:sgln:039999.999999.0" },
        },
        {
          ...base,
          eventTime: "2023-04-03T10:00:00Z",
          epcList: ["urn:epc:id:sgtin:030001.0012345.12"],
          bizStep: "storing",
          disposition: "sellable_accessible",
        },
      );
      const plan = planEpcisImport(doc, {
        now: Date.parse("2023-03-01T00:00:00Z") / 1000,
        parties: {
          "urn:epc:id:sgln:030001.111111.0": "0x00000000000000000000000000000000000000a1",
          "0399999999991": "0x00000000000000000000000000000000000000b2",
        },
        regulator: "0x00000000000000000000000000000000000000c3",
      });
      expect(plan.operations.map((o) => o.kind)).to.deep.equal([
        "commissionLot",
        "ship",
        "receiveShipment",
        "decommission",
        "decommission",
      ]);
      expect(
        plan.operations.every((o) => !o.refused),
        JSON.stringify(plan.operations.map((o) => o.refused)),
      ).to.equal(true);
      expect(plan.operations[2].shipmentStep).to.equal(2);
      expect(plan.operations[3]).to.include({ state: PackState.Dispensed });
      expect(plan.operations[3].ranges).to.deep.equal([{ lotId: plan.lots[0].lotId, start: 0, end: 1 }]);
      expect(plan.operations[4].ranges).to.deep.equal([{ lotId: plan.lots[0].lotId, start: 4, end: 8 }]);
      expect(plan.operations[4].accounts[0].address).to.equal(
        ethers.getAddress("0x00000000000000000000000000000000000000b2"),
      );
      expect(plan.unsupported.map((u) => u.bizStep)).to.deep.equal(["storing"]);
    });
  });
});
