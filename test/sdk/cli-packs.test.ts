/**
 * Packs named as an operator names them (`LOT:INDEX`, `GTIN/LOT/SERIAL`, a scan) and scanned packs grouped into
 * ranges: the command line's `packs` module, without a chain.
 */
import fs from "fs";
import os from "os";
import path from "path";
import { expect } from "chai";
import { ManifestShelf, packAt, rangesOf } from "../../sdk/src/cli/packs";
import type { Context } from "../../sdk/src/cli/common";
import { UsageError } from "../../sdk/src/cli/usage";
import { InvalidInputError, NotFoundError } from "../../sdk/src/errors";
import { lotIdOf } from "../../sdk/src/gs1";
import { Manifest } from "../../sdk/src/manifest";

const GTIN = "00614141123452";
const LOT_ID = lotIdOf(GTIN, "L1");

function context(values: Record<string, string | string[]>): Context {
  return { values, args: [], json: false, quiet: true };
}

describe("CLI: packs by what is printed on them", function () {
  let dir: string;
  let manifestFile: string;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pharmachain-packs-"));
    const manifest = Manifest.fromSerials(Array.from({ length: 20 }, (_, i) => `S${String(i).padStart(4, "0")}`));
    manifestFile = path.join(dir, "manifest-L1.json");
    fs.writeFileSync(manifestFile, JSON.stringify(manifest.toJSON()));
  });

  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("reads LOT:INDEX, GTIN/LOT/SERIAL and every form of scan as the same pack", async function () {
    const shelf = new ManifestShelf(context({ manifest: [manifestFile] }));
    const forms = [
      `${GTIN}/L1:7`,
      `${LOT_ID}:7`,
      `${GTIN}/L1/S0007`,
      `https://id.gs1.org/01/${GTIN}/10/L1/21/S0007`,
      `(01)${GTIN}(10)L1(21)S0007`,
      `]d201${GTIN}10L1\u001d21S0007`,
    ];
    for (const form of forms) {
      const pack = await packAt(form, shelf);
      expect({ lotId: pack.lotId, index: pack.index }, form).to.deep.equal({ lotId: LOT_ID, index: 7 });
    }
    // a manifest named as epcis export takes it (LOT=FILE), or a folder of manifests
    expect(
      (await packAt(`${GTIN}/L1/S0003`, new ManifestShelf(context({ manifest: [`L1=${manifestFile}`] })))).index,
    ).to.equal(3);
    expect((await packAt(`${GTIN}/L1/S0004`, new ManifestShelf(context({ "manifest-dir": dir })))).index).to.equal(4);
  });

  it("says what is missing: a manifest for a serial, the serial in it, a readable pack", async function () {
    const none = new ManifestShelf(context({}));
    expect((await packAt(`${GTIN}/L1:7`, none)).index, "an index needs no manifest").to.equal(7);
    await packAt(`${GTIN}/L1/S0007`, none).then(
      () => expect.fail("no manifest"),
      (e) => expect(e).to.be.instanceOf(UsageError).and.to.have.property("message").that.contains("--manifest"),
    );
    const shelf = new ManifestShelf(context({ manifest: [manifestFile] }));
    await packAt(`${GTIN}/L1/NOPE`, shelf).then(
      () => expect.fail("unknown serial"),
      (e) => expect(e).to.be.instanceOf(NotFoundError).and.to.have.property("message").that.contains("serial NOPE"),
    );
    await packAt("pack seven", shelf).then(
      () => expect.fail("unreadable"),
      (e) => expect(e).to.be.instanceOf(InvalidInputError).and.to.have.property("message").that.contains("LOT:INDEX"),
    );
    await packAt(`https://id.gs1.org/01/${GTIN}/21/S0007`, shelf).then(
      () => expect.fail("no lot in the scan"),
      (e) => expect(e).to.be.instanceOf(InvalidInputError).and.to.have.property("message").that.contains("lot (10)"),
    );
    await packAt("x:1", new ManifestShelf(context({ manifest: [path.join(dir, "missing.json")] }))).then(
      () => expect.fail("bad lot"),
      (e) => expect(e).to.be.instanceOf(InvalidInputError),
    );
  });

  it("groups scanned packs into ranges of consecutive packs per lot, and refuses a pack scanned twice", function () {
    const other = lotIdOf(GTIN, "L2");
    const packs = [5, 3, 4, 9, 10, 0].map((index) => ({ lotId: LOT_ID, index }));
    expect(rangesOf([...packs, { lotId: other, index: 2 }])).to.deep.equal([
      { lotId: LOT_ID, start: 0, end: 1 },
      { lotId: LOT_ID, start: 3, end: 6 },
      { lotId: LOT_ID, start: 9, end: 11 },
      { lotId: other, start: 2, end: 3 },
    ]);
    expect(() => rangesOf([...packs, { lotId: LOT_ID, index: 4 }])).to.throw(InvalidInputError, /pack 4 .* twice/);
  });
});
