/**
 * The SDK's verification (sdk/src/verification.ts, docs/ARCHITECTURE.md section 7): each of the eleven verdicts reached through
 * `verifyPacks` from real on-chain state, with its DSCSA and EU hub answers and its sentence; scans given as Digital
 * Link URIs, element strings and fields; and batching.
 */
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ZeroAddress } from "ethers";
import { PharmaChainClient } from "../../sdk/src/client";
import { PackState, Verdict } from "../../sdk/src/enums";
import { ConfigurationError, InvalidInputError } from "../../sdk/src/errors";
import { expiresAtToExpiry, gtin14, lotIdOf, packToDigitalLink, packToElementString } from "../../sdk/src/gs1";
import { Manifest } from "../../sdk/src/manifest";
import { batchRecordHash, buildLotAttestation, signLotAttestation } from "../../sdk/src/attestation";
import {
  DscsaResponse,
  EuHubResponse,
  PackScan,
  CANNOT_VERIFY,
  PackVerifier,
  VerificationReaders,
  VerificationReport,
  VerifyOptions,
  responsesFor,
  verifyPack,
  verifyPacks,
} from "../../sdk/src/verification";
import type { PackCustody, ProductLots } from "../../typechain-types";
import type { IPackCustody } from "../../typechain-types/contracts/PackCustody";
import { DAY, GTIN, serialsFor, worldFixture } from "../helpers/fixture";

const GTIN14 = gtin14(GTIN);
/** A valid GTIN-14 that no one registered. */
const UNREGISTERED_GTIN14 = "00614141777778";

async function verificationWorld() {
  const w = await worldFixture();
  const deployment = {
    registry: await w.registry.getAddress(),
    lots: await w.lots.getAddress(),
    custody: await w.custody.getAddress(),
  };
  const client = await PharmaChainClient.connect({ runner: w.manufacturer, deployment });
  const as = client.withRunner.bind(client);
  // a UTC day boundary, so that the AI 17 expiry on the packs names the lot's expiry exactly
  const expiresAt = (BigInt(await time.latest()) / DAY + 400n) * DAY;
  const expiry = expiresAtToExpiry(expiresAt);
  const manifests = new Map<string, Manifest>();

  async function lot(lotNumber: string, size: number, released = true) {
    const manifest = Manifest.fromSerials(serialsFor(`${lotNumber}.`, size));
    const now = BigInt(await time.latest());
    const attestation = buildLotAttestation({
      gtin: GTIN,
      lotNumber,
      expiresAt,
      unitCount: size,
      serialsRoot: manifest.root,
      dataHash: batchRecordHash(lotNumber),
      manufacturer: w.manufacturer.address,
      deadline: now + DAY,
    });
    const domain = client.domain();
    const { lotId } = await client.commissionLot({
      attestation,
      manufacturerSignature: {
        signer: w.manufacturer.address,
        signature: await signLotAttestation(w.manufacturer, domain, attestation),
      },
      regulatorSignature: released
        ? { signer: w.regulator.address, signature: await signLotAttestation(w.regulator, domain, attestation) }
        : undefined,
    });
    manifests.set(lotId, manifest);
    return { lotNumber, lotId, manifest };
  }

  // one lot holding most states: 0 active, 1 suspect, 2 illegitimate, 3 dispensed, 4..9 the other decommission
  // states, 10 in transit, 11 active
  const main = await lot("V-MAIN", 12);
  await client.quarantine([{ lotId: main.lotId, start: 1, end: 3 }], "seal broken");
  await as(w.regulator).confirmIllegitimate([{ lotId: main.lotId, start: 2, end: 3 }], "lab report");
  await as(w.regulator2).confirmIllegitimate([{ lotId: main.lotId, start: 2, end: 3 }], "lab report"); // second key
  const toPharmacy = await client.ship({
    buyer: w.dispenser.address,
    ranges: [{ lotId: main.lotId, start: 3, end: 4 }],
  });
  await as(w.dispenser).receiveShipment(toPharmacy.shipmentId);
  const serial3 = main.manifest.serials[3];
  await as(w.dispenser).dispense({
    lotId: main.lotId,
    index: 3,
    serial: serial3,
    proof: main.manifest.proof(serial3).proof,
  });
  const states = [
    PackState.Destroyed,
    PackState.Exported,
    PackState.Sample,
    PackState.FreeSample,
    PackState.Stolen,
    PackState.Locked,
  ];
  for (const [i, state] of states.entries()) {
    await client.decommissionRange({ lotId: main.lotId, start: 4 + i, end: 5 + i }, state);
  }
  const inTransit = await client.ship({
    buyer: w.distributor.address,
    ranges: [{ lotId: main.lotId, start: 10, end: 11 }],
  });

  const pending = await lot("V-PENDING", 3, false);
  const recalled = await lot("V-RECALLED", 3);
  await as(w.regulator).recallLot(recalled.lotId, "contamination");

  const options: VerifyOptions = { manifests: (lotId) => manifests.get(lotId) };
  return {
    w,
    client,
    expiresAt,
    expiry,
    manifests,
    options,
    main,
    pending,
    recalled,
    inTransit: inTransit.shipmentId,
    dispensedBy: w.dispenser.address,
  };
}

type VWorld = Awaited<ReturnType<typeof verificationWorld>>;

/** The Digital Link a pack of `lot` carries (`expiry` as printed, the lot's unless given). */
function link(v: VWorld, lot: { lotNumber: string }, serial: string, expiry = v.expiry, gtin = GTIN14): string {
  return packToDigitalLink({ gtin, serial, lot: lot.lotNumber, expiry });
}

interface Expected {
  verdict: Verdict;
  verdictName: string;
  dscsa: DscsaResponse;
  eu: EuHubResponse;
}

/** The normative answers, written out (not taken from `responsesFor`). */
const EXPECTED: Record<string, Expected> = {
  verified: {
    verdict: Verdict.Verified,
    verdictName: "verified",
    dscsa: { verified: true },
    eu: { returnCode: null, packStatus: "ACTIVE" },
  },
  unknownProduct: {
    verdict: Verdict.UnknownProduct,
    verdictName: "unknown product",
    dscsa: { verified: false, verificationFailureReason: "No_match_GTIN_Serial" },
    eu: { returnCode: "NMVS_NC_PC_01", packStatus: "UNKNOWN" },
  },
  unknownLot: {
    verdict: Verdict.UnknownLot,
    verdictName: "unknown lot",
    dscsa: { verified: false, verificationFailureReason: "No_match_GTIN_Serial_Lot" },
    eu: { returnCode: "NMVS_FE_LOT_03", packStatus: "UNKNOWN" },
  },
  unknownSerial: {
    verdict: Verdict.UnknownSerial,
    verdictName: "unknown serial",
    dscsa: { verified: false, verificationFailureReason: "No_match_GTIN_Serial" },
    eu: { returnCode: "NMVS_NC_PC_02", packStatus: "UNKNOWN" },
  },
  mismatch: {
    verdict: Verdict.LotOrExpiryMismatch,
    verdictName: "lot or expiry mismatch",
    dscsa: { verified: false, verificationFailureReason: "No_match_GTIN_Serial_Expiry" },
    eu: { returnCode: "NMVS_FE_LOT_12", packStatus: "UNKNOWN" },
  },
  notReleased: {
    verdict: Verdict.LotNotReleased,
    verdictName: "lot not released",
    dscsa: { verified: false, verificationFailureReason: "Not_for_re-distribution" },
    eu: { returnCode: null, packStatus: "INACTIVE (BATCH NOT RELEASED)" },
  },
  recalled: {
    verdict: Verdict.Recalled,
    verdictName: "recalled",
    dscsa: { verified: true, additionalInfo: "Recalled" },
    eu: { returnCode: null, packStatus: "INACTIVE (BATCH RECALLED)" },
  },
  expired: {
    verdict: Verdict.Expired,
    verdictName: "expired",
    dscsa: { verified: true, additionalInfo: "Expired" },
    eu: { returnCode: null, packStatus: "INACTIVE (EXPIRED)" },
  },
  illegitimate: {
    verdict: Verdict.Illegitimate,
    verdictName: "illegitimate",
    dscsa: { verified: false, verificationFailureReason: "Not_for_re-distribution", additionalInfo: "Illegitimate" },
    eu: { returnCode: null, packStatus: "INACTIVE (LOCKED: ILLEGITIMATE)" },
  },
  suspect: {
    verdict: Verdict.Suspect,
    verdictName: "suspect",
    dscsa: { verified: false, verificationFailureReason: "Not_for_re-distribution", additionalInfo: "Suspect" },
    eu: { returnCode: null, packStatus: "ACTIVE (QUARANTINED: SUSPECT)" },
  },
};

function decommissioned(packStatus: string): Expected {
  return {
    verdict: Verdict.Decommissioned,
    verdictName: "decommissioned",
    dscsa: { verified: false, verificationFailureReason: "Not_for_re-distribution" },
    eu: { returnCode: "NMVS_NC_PCK_22", packStatus },
  };
}

function expectVerdict(report: VerificationReport, expected: Expected): void {
  expect(report.verdictName).to.equal(expected.verdictName);
  expect(report.verdict).to.equal(expected.verdict);
  expect(report.verified).to.equal(expected.verdict === Verdict.Verified);
  expect(report.cannotVerify).to.equal(false);
  expect(report.dscsa).to.deep.equal(expected.dscsa);
  expect(report.eu).to.deep.equal(expected.eu);
  // the SDK's own table says the same
  expect(responsesFor(report.verdict!, report.state)).to.deep.equal({ dscsa: expected.dscsa, eu: expected.eu });
  expect(report.message).to.match(expected.verdict === Verdict.Verified ? /^Genuine: / : /^Do not supply: /);
  for (const word of ["undefined", "NaN", "Invalid Date", "[object"]) expect(report.message).not.to.contain(word);
}

describe("SDK verification", function () {
  it("verifies an active pack from its Digital Link, element string and fields alike", async function () {
    const v = await loadFixture(verificationWorld);
    const serial = v.main.manifest.serials[0];
    const fields: PackScan = { gtin: GTIN, serial, lotNumber: v.main.lotNumber, expiresAt: v.expiresAt };
    const scans: (PackScan | string)[] = [
      link(v, v.main, serial),
      packToElementString({ gtin: GTIN14, serial, lot: v.main.lotNumber, expiry: v.expiry }),
      fields,
      { ...fields, gtin: GTIN14 },
      { gtin: GTIN, serial, lotNumber: v.main.lotNumber }, // no expiry read: not checked
    ];
    expect(scans[1]).to.match(/^\(01\)/);
    const reports = await verifyPacks(v.client, scans, v.options);
    expect(reports.length).to.equal(scans.length);
    const lot = await v.client.lot(v.main.lotId);
    for (const report of reports) {
      expectVerdict(report, EXPECTED.verified);
      expect(report).to.deep.include({
        gtin: GTIN14,
        serial,
        lotNumber: v.main.lotNumber,
        lotId: lotIdOf(GTIN, v.main.lotNumber),
        index: 0,
        state: PackState.Active,
        holder: v.w.manufacturer.address,
        shipmentId: 0n,
        decommissionedAt: 0n,
        manufacturer: v.w.manufacturer.address,
        manufacturerSigner: v.w.manufacturer.address,
        regulatorSigner: v.w.regulator.address,
        commissionedAt: lot.commissionedAt,
        releasedAt: lot.releasedAt,
        recalledAt: 0n,
        expiresAt: v.expiresAt,
      });
      expect(report.message).to.contain(serial).and.to.contain(v.main.lotNumber);
    }
    const single = await verifyPack(v.client, scans[0], v.options);
    expect(single).to.deep.equal(reports[0]);
  });

  it("verifies a pack in transit, naming its shipment", async function () {
    const v = await loadFixture(verificationWorld);
    const report = await verifyPack(v.client, link(v, v.main, v.main.manifest.serials[10]), v.options);
    expectVerdict(report, EXPECTED.verified);
    expect(report).to.include({
      state: PackState.InTransit,
      shipmentId: v.inTransit,
      holder: v.w.manufacturer.address,
    });
  });

  it("reports an unknown product", async function () {
    const v = await loadFixture(verificationWorld);
    const [report] = await verifyPacks(v.client, [link(v, v.main, "ANY-1", v.expiry, UNREGISTERED_GTIN14)], v.options);
    expectVerdict(report, EXPECTED.unknownProduct);
    expect(report).to.include({
      gtin: UNREGISTERED_GTIN14,
      serial: "ANY-1",
      holder: ZeroAddress,
      manufacturer: ZeroAddress,
      expiresAt: 0n,
    });
    expect(report.index).to.equal(undefined);
    expect(report.message).to.contain(UNREGISTERED_GTIN14);
  });

  it("reports an unknown lot", async function () {
    const v = await loadFixture(verificationWorld);
    const [report] = await verifyPacks(v.client, [link(v, { lotNumber: "NEVER-MADE" }, "ANY-2")], v.options);
    expectVerdict(report, EXPECTED.unknownLot);
    expect(report).to.include({ lotId: lotIdOf(GTIN, "NEVER-MADE"), manufacturer: ZeroAddress, commissionedAt: 0n });
    expect(report.message).to.contain("NEVER-MADE");
  });

  it("reports a serial missing from the lot's manifest as unknown, and a serial given the wrong index too", async function () {
    const v = await loadFixture(verificationWorld);
    const [report] = await verifyPacks(v.client, [link(v, v.main, "FORGED-1")], v.options);
    expectVerdict(report, EXPECTED.unknownSerial);
    expect(report.index).to.equal(undefined);
    expect(report).to.include({ manufacturer: v.w.manufacturer.address, expiresAt: v.expiresAt });
    expect(report.message).to.contain("FORGED-1").and.to.contain(v.main.lotNumber);
    // a manifest that puts a real serial at another place (a tampered manifest) does not verify either
    const serial = v.main.manifest.serials[0];
    const lying = { root: v.main.manifest.root, indexOf: () => 1, proof: () => v.main.manifest.proof(serial) };
    const [tampered] = await verifyPacks(v.client, [link(v, v.main, serial)], { manifests: async () => lying });
    expectVerdict(tampered, EXPECTED.unknownSerial);
    expect(tampered.index).to.equal(1);
  });

  it("reports an expiry that differs from the lot's as a mismatch", async function () {
    const v = await loadFixture(verificationWorld);
    const serial = v.main.manifest.serials[0];
    const other = expiresAtToExpiry(v.expiresAt + DAY);
    const reports = await verifyPacks(
      v.client,
      [
        link(v, v.main, serial, other),
        { gtin: GTIN, serial, lotNumber: v.main.lotNumber, expiresAt: v.expiresAt - 1n },
      ],
      v.options,
    );
    for (const report of reports) {
      expectVerdict(report, EXPECTED.mismatch);
      expect(report.index).to.equal(0);
      expect(report.message).to.contain(serial).and.to.contain(v.main.lotNumber);
    }
  });

  it("reports a lot with the manufacturer's signature only as not released", async function () {
    const v = await loadFixture(verificationWorld);
    const serial = v.pending.manifest.serials[1];
    const report = await verifyPack(v.client, link(v, v.pending, serial), v.options);
    expectVerdict(report, EXPECTED.notReleased);
    expect(report).to.include({
      index: 1,
      regulatorSigner: ZeroAddress,
      releasedAt: 0n,
      manufacturerSigner: v.w.manufacturer.address,
    });
    expect(report.message).to.contain(v.pending.lotNumber);
  });

  it("reports a recalled lot", async function () {
    const v = await loadFixture(verificationWorld);
    const report = await verifyPack(v.client, link(v, v.recalled, v.recalled.manifest.serials[2]), v.options);
    expectVerdict(report, EXPECTED.recalled);
    expect(report.recalledAt).to.equal((await v.client.lot(v.recalled.lotId)).recalledAt);
    expect(report.recalledAt > 0n).to.equal(true);
    expect(report.message).to.contain(v.recalled.lotNumber);
  });

  it("reports an expired pack once the lot's expiry has passed", async function () {
    const v = await loadFixture(verificationWorld);
    const scan = link(v, v.main, v.main.manifest.serials[0]);
    expectVerdict(await verifyPack(v.client, scan, v.options), EXPECTED.verified);
    await time.increaseTo(v.expiresAt);
    const report = await verifyPack(v.client, scan, v.options);
    expectVerdict(report, EXPECTED.expired);
    expect(report.message)
      .to.contain(v.main.manifest.serials[0])
      .and.to.contain(expiresAtToExpiry(v.expiresAt).slice(0, 2));
    // expiry comes after recall in the order of the checks, and before the pack's own state
    expectVerdict(
      await verifyPack(v.client, link(v, v.recalled, v.recalled.manifest.serials[0]), v.options),
      EXPECTED.recalled,
    );
    expectVerdict(await verifyPack(v.client, link(v, v.main, v.main.manifest.serials[1]), v.options), EXPECTED.expired);
  });

  it("reports illegitimate and suspect packs", async function () {
    const v = await loadFixture(verificationWorld);
    const [suspect, illegitimate] = await verifyPacks(
      v.client,
      [link(v, v.main, v.main.manifest.serials[1]), link(v, v.main, v.main.manifest.serials[2])],
      v.options,
    );
    expectVerdict(suspect, EXPECTED.suspect);
    expect(suspect).to.include({ state: PackState.Suspect, index: 1 });
    expect(suspect.message).to.contain(v.main.manifest.serials[1]);
    expectVerdict(illegitimate, EXPECTED.illegitimate);
    expect(illegitimate).to.include({ state: PackState.Illegitimate, index: 2 });
    expect(illegitimate.message).to.contain(v.main.manifest.serials[2]);
  });

  it("reports decommissioned packs with their state", async function () {
    const v = await loadFixture(verificationWorld);
    const cases: [number, PackState, string][] = [
      [3, PackState.Dispensed, "INACTIVE (SUPPLIED)"],
      [4, PackState.Destroyed, "INACTIVE (DESTROYED)"],
      [5, PackState.Exported, "INACTIVE (EXPORTED)"],
      [6, PackState.Sample, "INACTIVE (SAMPLE)"],
      [7, PackState.FreeSample, "INACTIVE (FREE SAMPLE)"],
      [8, PackState.Stolen, "INACTIVE (STOLEN)"],
      [9, PackState.Locked, "INACTIVE (LOCKED)"],
    ];
    const reports = await verifyPacks(
      v.client,
      cases.map(([i]) => link(v, v.main, v.main.manifest.serials[i])),
      v.options,
    );
    for (const [k, [index, state, euStatus]] of cases.entries()) {
      const report = reports[k];
      expectVerdict(report, decommissioned(euStatus));
      const status = await v.client.packStatus(v.main.lotId, index);
      expect(report).to.include({ index, state, holder: status.holder, decommissionedAt: status.decommissionedAt });
      expect(report.decommissionedAt > 0n).to.equal(true);
      // the state in words: "free sample", not the enum's "FreeSample"
      const words = PackState[state].replace(/(?<=[a-z])(?=[A-Z])/g, " ").toLowerCase();
      expect(report.message).to.contain(v.main.manifest.serials[index]).and.to.contain(`already ${words} on`);
    }
    expect(reports[0].holder).to.equal(v.dispensedBy);
  });

  describe("without the lot's serial list", function () {
    /** Custody and lots readers that count the calls made to each. */
    function counting(v: VWorld) {
      const calls = { verifyBatch: 0, lot: 0 };
      const readers = {
        custody: {
          verifyBatch: (queries: IPackCustody.PackQueryStruct[]) => {
            calls.verifyBatch++;
            return v.client.custody.verifyBatch(queries);
          },
        } as unknown as Pick<PackCustody, "verifyBatch">,
        lots: {
          lot: (lotId: string) => {
            calls.lot++;
            return v.client.lots.lot(lotId);
          },
        } as unknown as Pick<ProductLots, "lot">,
      };
      return { calls, readers };
    }

    function expectCannotVerify(report: VerificationReport, v: VWorld, lot: { lotNumber: string; lotId: string }) {
      expect(report).to.deep.include({
        verdict: null,
        verdictName: CANNOT_VERIFY,
        verified: false,
        cannotVerify: true,
        dscsa: { verified: false },
        eu: { returnCode: null, packStatus: "NOT VERIFIED (SERIAL LIST NOT AVAILABLE)" },
        holder: ZeroAddress,
        manufacturer: v.w.manufacturer.address,
        expiresAt: v.expiresAt,
      });
      expect(report.dscsa).to.not.have.property("verificationFailureReason");
      expect(report.serialsRoot).to.equal(v.manifests.get(lot.lotId)!.root);
      expect(report.message).to.match(/^Cannot verify /);
      expect(report.message).to.contain(`serial list of lot ${lot.lotNumber} is not available`);
      expect(report.message).to.contain(report.serialsRoot!);
      expect(report.message).to.not.match(/falsified|Do not supply/);
    }

    it("answers cannot verify for a genuine pack when no list is at hand, without asking custody", async function () {
      const v = await loadFixture(verificationWorld);
      const { calls, readers } = counting(v);
      const scans = [link(v, v.main, v.main.manifest.serials[0]), link(v, v.main, "NOT-IN-ANY-LIST")];
      const reports = await verifyPacks(readers, scans, { manifests: () => undefined });
      for (const report of reports) expectCannotVerify(report, v, v.main);
      expect(calls).to.deep.equal({ verifyBatch: 0, lot: 1 });
    });

    it("answers cannot verify when the list at hand is another lot's (its root differs)", async function () {
      const v = await loadFixture(verificationWorld);
      const serial = v.main.manifest.serials[0];
      const other = v.recalled.manifest;
      const [report] = await verifyPacks(v.client, [link(v, v.main, serial)], { manifests: () => other });
      expectCannotVerify(report, v, v.main);
      // a list with the right root but a serial it lacks is a real unknown serial
      const [unknown] = await verifyPacks(v.client, [link(v, v.main, "FORGED-2")], v.options);
      expectVerdict(unknown, EXPECTED.unknownSerial);
    });

    it("still answers unknown product and unknown lot, which need no list", async function () {
      const v = await loadFixture(verificationWorld);
      const [product, lot] = await verifyPacks(
        v.client,
        [link(v, v.main, "ANY-1", v.expiry, UNREGISTERED_GTIN14), link(v, { lotNumber: "NEVER-MADE" }, "ANY-2")],
        { manifests: () => undefined },
      );
      expectVerdict(product, EXPECTED.unknownProduct);
      expectVerdict(lot, EXPECTED.unknownLot);
    });

    it("reads a released lot's root once per verifier, a pending lot's at every call", async function () {
      const v = await loadFixture(verificationWorld);
      const { calls, readers } = counting(v);
      const verifier = new PackVerifier(readers, v.options);
      const mainScans = v.main.manifest.serials.slice(0, 3).map((serial) => link(v, v.main, serial));
      await verifier.verify(mainScans);
      await verifier.verifyOne(mainScans[0]);
      expect(calls).to.deep.equal({ verifyBatch: 2, lot: 1 });
      const pendingScan = link(v, v.pending, v.pending.manifest.serials[0]);
      expectVerdict(await verifier.verifyOne(pendingScan), EXPECTED.notReleased);
      expectVerdict(await verifier.verifyOne(pendingScan), EXPECTED.notReleased);
      expect(calls).to.deep.equal({ verifyBatch: 4, lot: 3 });
    });

    it("refuses to verify with custody alone, which cannot check a list's root", async function () {
      const v = await loadFixture(verificationWorld);
      expect(() => new PackVerifier(v.client.custody as unknown as VerificationReaders, v.options)).to.throw(
        ConfigurationError,
        /pass \{ custody, lots \}/,
      );
    });
  });

  it("gives every verdict in one batch, in order", async function () {
    const v = await loadFixture(verificationWorld);
    const s = v.main.manifest.serials;
    const reports = await verifyPacks(
      v.client,
      [
        link(v, v.main, s[0]),
        link(v, v.main, "X-1", v.expiry, UNREGISTERED_GTIN14),
        link(v, { lotNumber: "NEVER-MADE" }, "X-2"),
        link(v, v.main, "X-3"),
        link(v, v.main, s[0], expiresAtToExpiry(v.expiresAt - DAY)),
        link(v, v.pending, v.pending.manifest.serials[0]),
        link(v, v.recalled, v.recalled.manifest.serials[0]),
        link(v, v.main, s[2]),
        link(v, v.main, s[1]),
        link(v, v.main, s[3]),
      ],
      v.options,
    );
    expect(reports.map((r) => r.verdict)).to.deep.equal([
      Verdict.Verified,
      Verdict.UnknownProduct,
      Verdict.UnknownLot,
      Verdict.UnknownSerial,
      Verdict.LotOrExpiryMismatch,
      Verdict.LotNotReleased,
      Verdict.Recalled,
      Verdict.Illegitimate,
      Verdict.Suspect,
      Verdict.Decommissioned,
    ]);
  });

  it("refuses a scan without a serial or a lot number", async function () {
    const v = await loadFixture(verificationWorld);
    const noSerial = packToDigitalLink({ gtin: GTIN14, lot: v.main.lotNumber, expiry: v.expiry });
    const noLot = packToElementString({ gtin: GTIN14, serial: "S-1", expiry: v.expiry });
    for (const scan of [noSerial, noLot]) {
      let error: unknown;
      try {
        await verifyPack(v.client, scan, v.options);
      } catch (caught) {
        error = caught;
      }
      expect(error, scan).to.be.instanceOf(InvalidInputError);
    }
  });

  it("verifies 450 packs in batches of 200, in order, reporting progress", async function () {
    const v = await loadFixture(verificationWorld);
    const serials = serialsFor("BIG.", 450);
    const manifest = Manifest.fromSerials(serials);
    const now = BigInt(await time.latest());
    const attestation = buildLotAttestation({
      gtin: GTIN,
      lotNumber: "V-BIG",
      expiresAt: v.expiresAt,
      unitCount: 450,
      serialsRoot: manifest.root,
      dataHash: batchRecordHash("V-BIG"),
      manufacturer: v.w.manufacturer.address,
      deadline: now + DAY,
    });
    const domain = v.client.domain();
    const { lotId } = await v.client.commissionLot({
      attestation,
      manufacturerSignature: {
        signer: v.w.manufacturer.address,
        signature: await signLotAttestation(v.w.manufacturer, domain, attestation),
      },
      regulatorSignature: {
        signer: v.w.regulator.address,
        signature: await signLotAttestation(v.w.regulator, domain, attestation),
      },
    });
    v.manifests.set(lotId, manifest);
    await v.client.quarantine([{ lotId, start: 250, end: 260 }], "spot check");

    const batches: number[] = [];
    const reader = {
      verifyBatch: (queries: IPackCustody.PackQueryStruct[]) => {
        batches.push(queries.length);
        return v.client.custody.verifyBatch(queries);
      },
    } as unknown as Pick<PackCustody, "verifyBatch">;
    const progress: [number, number][] = [];
    const runs = await v.client.runs(lotId);
    const hinted: number[] = [];
    const scans = serials.map((serial, i) =>
      i % 3 === 0
        ? packToDigitalLink({ gtin: GTIN14, serial, lot: "V-BIG", expiry: v.expiry })
        : i % 3 === 1
          ? packToElementString({ gtin: GTIN14, serial, lot: "V-BIG", expiry: v.expiry })
          : { gtin: GTIN, serial, lotNumber: "V-BIG", expiresAt: v.expiresAt },
    );
    const reports = await verifyPacks({ custody: reader, lots: v.client.lots }, scans, {
      manifests: async (id) => v.manifests.get(id),
      batchSize: 200,
      onProgress: (done, total) => progress.push([done, total]),
      hints: (_lotId, index) => {
        hinted.push(index);
        return runs.find((r) => r.start <= index && index < r.end)?.start;
      },
    });
    expect(batches).to.deep.equal([200, 200, 50]);
    expect(progress).to.deep.equal([
      [200, 450],
      [400, 450],
      [450, 450],
    ]);
    expect(hinted.length).to.equal(450);
    expect(reports.length).to.equal(450);
    reports.forEach((report, i) => {
      expect(report.serial).to.equal(serials[i]);
      expect(report.index).to.equal(i);
      expect(report.verdict, `pack ${i}`).to.equal(i >= 250 && i < 260 ? Verdict.Suspect : Verdict.Verified);
    });
    // the same answers without hints (the contract finds the runs) and with the default batch size
    const plain = await verifyPacks(v.client, scans.slice(240, 270), {
      manifests: (id) => v.manifests.get(id),
    });
    expect(plain).to.deep.equal(reports.slice(240, 270));
  });
});
