/**
 * The GS1 US DSCSA example end to end on the embedded network, from both of its files (the original EPCIS 1.2 XML and
 * GS1 US's EPCIS 2.0 JSON-LD conversion): import (commissioning of 12 packs of lot A123, packing into 3 cases and an
 * SSCC pallet, shipping manufacturer → wholesaler), then export the lot's and the shipment's histories, and check that
 * the export keeps the SGTINs, the SSCC, the bizSteps and the lot data, and validates against the official schema.
 * The XML is first checked to read as exactly GS1 US's own conversion.
 *
 * The example's lot expires on 2025-03-27, and the contracts refuse to commission an expired lot: this test runs its
 * own in-process Hardhat network whose clock starts on 2023-03-20 (the example's week), built from the project's
 * Hardhat configuration with only `initialDate` changed.
 */
import { expect } from "chai";
import fs from "fs";
import hre from "hardhat";
import { createProvider } from "hardhat/internal/core/providers/construction";
import type { HardhatConfig } from "hardhat/types";
import { BrowserProvider, JsonRpcSigner } from "ethers";
import { PharmaChainClient } from "../sdk/src/client";
import { deployProtocol } from "../sdk/src/deploy";
import { Role } from "../sdk/src/enums";
import { signLotAttestation } from "../sdk/src/attestation";
import { gtinToUint64, parseEpcUri } from "../sdk/src/gs1";
import {
  EpcisDocument,
  checkImportPlan,
  describeImportPlan,
  executeEpcisImport,
  exportLotEpcis,
  exportShipmentEpcis,
  glnFromId,
  importAttestation,
  planEpcisImport,
  readEpcisDocument,
  readEpcisXml,
  validateEpcisDocument,
} from "../sdk/src/epcis";
import { DSCSA_CONVERTED, DSCSA_XML } from "./helpers/fixtures";

const CONVERTED = DSCSA_CONVERTED;
const XML = DSCSA_XML;

const MANUFACTURER = "urn:epc:id:sgln:030001.111111.0";
const WHOLESALER = "urn:epc:id:sgln:039999.999999.0";
const YEAR = 365 * 24 * 3600;

type Json = Record<string, unknown>;

function eventsOf(doc: Json): Json[] {
  return ((doc.epcisBody as Json).eventList as Json[]) ?? [];
}

/** Every identifier an event names: epcList, parentID, childEPCs. */
function identifiers(doc: Json): Set<string> {
  const out = new Set<string>();
  for (const e of eventsOf(doc)) {
    for (const x of (e.epcList as string[] | undefined) ?? []) out.add(x);
    for (const x of (e.childEPCs as string[] | undefined) ?? []) out.add(x);
    if (typeof e.parentID === "string") out.add(e.parentID);
  }
  return out;
}

function bizSteps(doc: Json): Set<string> {
  return new Set(eventsOf(doc).map((e) => String(e.bizStep)));
}

/**
 * An embedded network dated to the example's week, with the protocol deployed, the example's manufacturer and
 * wholesaler onboarded with its GLNs, and its product approved.
 */
async function dscsaWorld() {
  const config = {
    ...hre.config,
    networks: {
      ...hre.config.networks,
      hardhat: { ...hre.config.networks.hardhat, initialDate: "2023-03-20T00:00:00Z" },
    },
  } as HardhatConfig;
  const provider = new BrowserProvider(await createProvider(config, "hardhat", hre.artifacts));
  const signer = (i: number): Promise<JsonRpcSigner> => provider.getSigner(i);
  const [council, regulator, manufacturer, wholesaler] = await Promise.all([0, 1, 2, 3].map(signer));
  const deployment = await deployProtocol(council);
  const base = await PharmaChainClient.connect({ runner: council, deployment });
  const as = (s: JsonRpcSigner): PharmaChainClient => base.withRunner(s);
  const now = (await provider.getBlock("latest"))!.timestamp;
  expect(now).to.be.below(Date.parse("2023-04-01T00:00:00Z") / 1000);
  const until = BigInt(now + 5 * YEAR);

  await as(council).appointRegulator({
    account: regulator.address,
    gln: 614141000005n,
    jurisdiction: "US",
    validUntil: until,
  });
  for (const [party, role, sgln] of [
    [manufacturer, Role.Manufacturer, MANUFACTURER],
    [wholesaler, Role.Distributor, WHOLESALER],
  ] as const) {
    await as(party).applyForRole({
      role,
      gln: BigInt(glnFromId(sgln)!),
      jurisdiction: "US",
      licence: `licence ${sgln}`,
    });
    await as(regulator).approveStakeholder(party.address, until);
  }
  const itemGtin = (parseEpcUri("urn:epc:id:sgtin:030001.0012345.11") as { gtin: string }).gtin;
  await as(manufacturer).registerProduct(gtinToUint64(itemGtin), "Epcistra 100mg, NDC 0001-0123-45");
  await as(regulator).approveProduct(gtinToUint64(itemGtin));
  return { provider, council, regulator, manufacturer, wholesaler, base, now };
}

describe("EPCIS: the GS1 US DSCSA example, import then export on the embedded network", function () {
  this.timeout(300_000);

  it("reads the EPCIS 1.2 XML as exactly GS1 US's EPCIS 2.0 conversion of it, valid against the official schema", () => {
    const xml = readEpcisXml(fs.readFileSync(XML, "utf8"));
    expect(xml.sourceVersion).to.equal("1.2");
    expect(xml.warnings).to.deep.equal([]);
    expect(validateEpcisDocument(xml.document).errors).to.deep.equal([]);
    expect(xml.document).to.deep.equal(JSON.parse(fs.readFileSync(CONVERTED, "utf8")));
  });

  for (const [name, file] of [
    ["EPCIS 2.0 JSON-LD", CONVERTED],
    ["EPCIS 1.2 XML", XML],
  ] as const) {
    it(`plans the ${name} file without a signer, and says when its lot has expired`, () => {
      const plan = planEpcisImport(fs.readFileSync(file, "utf8"), { now: Date.parse("2023-03-20T00:00:00Z") / 1000 });
      expect(plan.warnings).to.deep.equal(file === XML ? ["read as EPCIS 1.2 XML, mapped to EPCIS 2.0"] : []);
      expect(plan.lots).to.have.length(1);
      expect(plan.lots[0].lotNumber).to.equal("A123");
      expect(plan.lots[0].serials).to.deep.equal([
        "11",
        "12",
        "13",
        "14",
        "15",
        "16",
        "17",
        "18",
        "19",
        "20",
        "21",
        "22",
      ]);
      expect(plan.operations.map((o) => o.kind)).to.deep.equal(["commissionLot", "ship"]);
      expect(plan.operations[0].refused).to.match(/no account for the manufacturer/);
      expect(plan.unsupported).to.have.length(0);
      expect(plan.events.filter((e) => e.outcome === "represented")).to.have.length(6);
      // today the lot is expired: the plan says so
      const late = planEpcisImport(fs.readFileSync(file, "utf8"), {
        parties: {},
        now: Date.parse("2026-01-01T00:00:00Z") / 1000,
      });
      expect(late.operations[0].refused).to.match(/expired on 2025-03-27/);
    });
  }

  for (const [name, file] of [
    ["EPCIS 2.0 JSON-LD", CONVERTED],
    ["EPCIS 1.2 XML", XML],
  ] as const) {
    it(`imports the ${name} file, then exports the lot and the shipment with its SGTINs, SSCC, bizSteps and lot data`, async () => {
      const { regulator, manufacturer, wholesaler, base, now } = await dscsaWorld();

      const text = fs.readFileSync(file, "utf8");
      const original = readEpcisDocument(text);
      const plan = await checkImportPlan(
        planEpcisImport(text, {
          parties: { [MANUFACTURER]: manufacturer.address, [WHOLESALER]: wholesaler.address },
          regulator: regulator.address,
          now,
        }),
        base,
      );
      expect(
        plan.operations.filter((o) => o.refused),
        describeImportPlan(plan).join("\n"),
      ).to.have.length(0);
      const signers = new Map([regulator, manufacturer, wholesaler].map((s) => [s.address, s]));
      const result = await executeEpcisImport(plan, base, { signerFor: (a) => signers.get(a) });
      expect(
        result.steps.map((s) => s.status),
        JSON.stringify(result.steps, (_k, v) => (typeof v === "bigint" ? String(v) : v)),
      ).to.deep.equal(["done", "done"]);
      const lotId = plan.lots[0].lotId;
      const shipmentId = result.shipments.get(2)!;
      const shipment = await base.shipment(shipmentId);
      expect(shipment.packCount).to.equal(12n);

      const options = {
        manifests: result.manifests,
        notices: result.notices,
        companyPrefixLength: 6,
        timeZoneOffset: "-05:00",
      };
      const lotExport = await exportLotEpcis(base, lotId, options);
      const shipmentExport = await exportShipmentEpcis(base, shipmentId, options);
      for (const { document } of [lotExport, shipmentExport]) {
        const validation = validateEpcisDocument(document);
        expect(validation.errors).to.deep.equal([]);
      }
      expect(lotExport.warnings).to.deep.equal([]);
      const exported = lotExport.document as EpcisDocument as unknown as Json;

      // SGTINs (packs and cases) and the SSCC
      const before = identifiers(original);
      const after = identifiers(exported);
      for (const id of before) expect(after, `export lacks ${id}`).to.include(id);
      expect([...after].filter((x) => x.startsWith("urn:epc:id:sscc:"))).to.deep.equal([
        "urn:epc:id:sscc:030001.41234567890",
      ]);
      // bizSteps
      for (const step of bizSteps(original)) expect(bizSteps(exported)).to.include(step);
      // lot data
      const commissioning = eventsOf(exported).find((e) => e.bizStep === "commissioning")!;
      expect(commissioning.ilmd).to.deep.equal({
        "cbvmda:lotNumber": "A123",
        "cbvmda:itemExpirationDate": "2025-03-27",
      });
      expect(commissioning.epcList).to.deep.equal(eventsOf(original)[0].epcList);
      // shipping: the SSCC, the parties by GLN, the purchase order and the notice hash
      const shipping = eventsOf(exported).find((e) => e.bizStep === "shipping")!;
      expect(shipping.epcList).to.deep.equal(["urn:epc:id:sscc:030001.41234567890"]);
      expect(shipping.sourceList).to.deep.include({ type: "owning_party", source: MANUFACTURER });
      expect(shipping.destinationList).to.deep.include({ type: "owning_party", destination: WHOLESALER });
      const transactions = (shipping.bizTransactionList as Json[]).map((b) => b.bizTransaction);
      expect(transactions).to.include("urn:epcglobal:cbv:bt:0399999999991:XYZPO189");
      expect(transactions).to.include(`urn:pharmachain:notice:${plan.operations[1].noticeHash!.toLowerCase()}`);
      expect(shipping.eventTimeZoneOffset).to.equal("-05:00");
      // the shipment's export is the shipping part of the lot's, event for event (same eventIDs)
      const ids = (d: Json): string[] => eventsOf(d).map((e) => String(e.eventID));
      for (const id of ids(shipmentExport.document as unknown as Json)) expect(ids(exported)).to.include(id);

      // re-import of the export plans the same lot in the same order
      const again = planEpcisImport(exported, { now });
      expect(again.lots.map((l) => [l.gtin, l.lotNumber, l.expiryDate, l.serials])).to.deep.equal(
        plan.lots.map((l) => [l.gtin, l.lotNumber, l.expiryDate, l.serials]),
      );
    });
  }

  it("imports with the manufacturer's key only, given the regulator's signature of the attestation a dry run wrote", async () => {
    const { provider, regulator, manufacturer, wholesaler, base, now } = await dscsaWorld();
    // straight from the node: ethers caches getBlockNumber for a moment
    const blockNumber = async (): Promise<number> => Number(await provider.send("eth_blockNumber", []));
    const text = fs.readFileSync(XML, "utf8");
    const plan = await checkImportPlan(
      planEpcisImport(text, {
        parties: { [MANUFACTURER]: manufacturer.address, [WHOLESALER]: wholesaler.address },
        regulator: regulator.address,
        now,
      }),
      base,
    );
    const lot = plan.lots[0];
    // the dry run's side: the attestation (deterministic for a lot, manufacturer and deadline), signed by the regulator
    const deadline = BigInt(now + 7 * 24 * 3600);
    const attestation = importAttestation(lot, manufacturer.address, deadline);
    expect(importAttestation(lot, manufacturer.address, deadline)).to.deep.equal(attestation);
    const cosignature = {
      lotId: attestation.lotId,
      signer: regulator.address,
      signature: await signLotAttestation(regulator, base.domain(), attestation),
    };
    const onlyManufacturer = (a: string) => (a === manufacturer.address ? manufacturer : undefined);

    const blockBefore = await blockNumber();
    // without the signature: skipped, saying what is missing and how to get it; nothing sent
    const without = await executeEpcisImport(plan, base, { signerFor: onlyManufacturer });
    expect(without.steps[0]).to.deep.include({ kind: "commissionLot", status: "skipped", cause: "signer" });
    expect(without.steps[0].reason).to.match(
      /^needs the signer of the regulator \(cosigns\) 0x[0-9a-fA-F]{40}; or give the attestation a dry run wrote/,
    );
    expect(without.steps[1]).to.deep.include({
      status: "skipped",
      cause: "dependency",
      reason: `lot ${lot.lotId} was not commissioned`,
    });
    expect(without.unused).to.deep.equal([]);

    // a signature without the attestation it signs does not apply, and is reported as not used
    const alone = await executeEpcisImport(plan, base, { signerFor: onlyManufacturer, signatures: [cosignature] });
    expect(alone.steps[0]).to.deep.include({ status: "skipped", cause: "signer" });
    expect(alone.unused).to.deep.equal([
      `signature by ${regulator.address} of lot ${lot.lotId}: no attestation of that lot is given, and a signature applies only to the attestation it signs`,
    ]);

    // attestations that are not the document's lot fail before sending, with what differs: a field, the batch record
    const fewer = { ...attestation, unitCount: attestation.unitCount - 1 };
    const wrong = await executeEpcisImport(plan, base, {
      signerFor: onlyManufacturer,
      attestations: [fewer],
      signatures: [cosignature],
    });
    expect(wrong.steps[0]).to.deep.include({
      status: "failed",
      cause: "input",
      reason:
        "the attestation given for lot A123 is not the document's: its unitCount is 11, the document's lot gives 12",
    });
    const otherRecord = { ...attestation, dataHash: `0x${"ab".repeat(32)}` };
    const tampered = await executeEpcisImport(plan, base, {
      signerFor: onlyManufacturer,
      attestations: [otherRecord],
      signatures: [cosignature],
    });
    expect(tampered.steps[0].reason).to.match(
      /^the attestation given for lot A123 is not the document's: its dataHash is 0xabab/,
    );
    // one past its deadline
    const stale = importAttestation(lot, manufacturer.address, BigInt(now - 1));
    const staleSig = {
      lotId: stale.lotId,
      signer: regulator.address,
      signature: await signLotAttestation(regulator, base.domain(), stale),
    };
    const late = await executeEpcisImport(plan, base, {
      signerFor: onlyManufacturer,
      attestations: [stale],
      signatures: [staleSig],
    });
    expect(late.steps[0]).to.deep.include({ status: "failed", cause: "input" });
    expect(late.steps[0].reason).to.match(
      /^the attestation given for lot A123 expired at .*: write a new one with a dry run and have it signed again$/,
    );
    // a signature by the regulator's address that the regulator did not make (here, the wholesaler's key)
    const forged = { ...cosignature, signature: await signLotAttestation(wholesaler, base.domain(), attestation) };
    const refused = await executeEpcisImport(plan, base, {
      signerFor: onlyManufacturer,
      attestations: [attestation],
      signatures: [forged],
    });
    expect(refused.steps[0]).to.deep.include({
      status: "failed",
      cause: "input",
      reason: `the signature given by ${regulator.address} is not a signature of this attestation on this chain and contract`,
    });
    // inputs for lots the document does not commission are reported
    const strayLot = { ...attestation, lotId: `0x${"11".repeat(32)}` };
    const stray = await executeEpcisImport(plan, base, { signerFor: () => undefined, attestations: [strayLot] });
    expect(stray.unused).to.deep.equal([
      `attestation of lot A123 (${strayLot.lotId}): the document commissions no such lot`,
    ]);
    expect(await blockNumber()).to.equal(blockBefore);

    // with it: the lot is released with both signers recorded, and the manufacturer's shipment goes out
    const done = await executeEpcisImport(plan, base, {
      signerFor: onlyManufacturer,
      attestations: [attestation],
      signatures: [cosignature],
    });
    expect(done.steps.map((x) => x.status)).to.deep.equal(["done", "done"]);
    const onChain = await base.lot(lot.lotId);
    expect([onChain.manufacturerSigner, onChain.regulatorSigner]).to.deep.equal([
      manufacturer.address,
      regulator.address,
    ]);
    expect((await base.shipment(done.shipments.get(2)!)).packCount).to.equal(12n);
  });

  it("lets anyone submit a commissioning whose two signatures are given, and leaves the shipment to the seller's key", async () => {
    const { council, regulator, manufacturer, wholesaler, base, now } = await dscsaWorld();
    const parties = { [MANUFACTURER]: manufacturer.address, [WHOLESALER]: wholesaler.address };
    const plan = await checkImportPlan(
      planEpcisImport(fs.readFileSync(CONVERTED, "utf8"), { parties, regulator: regulator.address, now }),
      base,
    );
    const attestation = importAttestation(plan.lots[0], manufacturer.address, BigInt(now + 3600));
    const signatures = await Promise.all(
      [manufacturer, regulator].map(async (s) => ({
        lotId: attestation.lotId,
        signer: s.address,
        signature: await signLotAttestation(s, base.domain(), attestation),
      })),
    );
    const result = await executeEpcisImport(plan, base, {
      signerFor: () => undefined,
      submitter: council,
      attestations: [attestation],
      signatures,
    });
    expect(result.steps.map((x) => [x.status, x.cause])).to.deep.equal([
      ["done", undefined],
      ["skipped", "signer"],
    ]);
    expect(result.steps[0].tx!.from).to.equal(council.address);
    expect((await base.lot(plan.lots[0].lotId)).regulatorSigner).to.equal(regulator.address);
  });
});
