/**
 * The SDK's manifest module: its tree is the normative one (docs/ARCHITECTURE.md section 4), byte for byte what
 * `StandardMerkleTree.of` builds (root, dump, every proof, multiproofs), for random lists using every AI 82 character;
 * its sources (arrays, CSV and JSON files, saved manifests) and their refusals with exact messages; and a streamed
 * build of 1,000,000 serials (its time is printed, never asserted).
 */
import { expect } from "chai";
import { AbiCoder, keccak256 } from "ethers";
import fs from "fs";
import os from "os";
import path from "path";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { ManifestError } from "../../sdk/src/errors";
import {
  MANIFEST_FORMAT,
  MANIFEST_LEAF_ENCODING,
  Manifest,
  type ManifestLeaf,
  type ManifestProgress,
  manifestLeafHash,
  verifyManifestMultiProof,
  verifyManifestProof,
} from "../../sdk/src/manifest";

const ENCODING = [...MANIFEST_LEAF_ENCODING];
const AI82 = `!"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz`;
const AI82_RULE = "a serial is 1-20 characters of the GS1 AI 82 set";

/** A seeded generator (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct serials of 1-20 AI 82 characters; the first ones together use every character of the set. */
/** A serial as one line of a CSV file: in quotes when it holds a delimiter or starts with a quote. */
function csvLine(serial: string): string {
  return /[,;\t]|^"/.test(serial) ? `"${serial.replace(/"/g, '""')}"` : serial;
}

function randomSerials(count: number, seed: number): string[] {
  const next = random(seed);
  const serials = new Set<string>();
  for (let i = 0; i < AI82.length && serials.size < count; i += 20) serials.add(AI82.slice(i, i + 20));
  while (serials.size < count) {
    const length = 1 + Math.floor(next() * 20);
    let serial = "";
    for (let k = 0; k < length; k++) serial += AI82[Math.floor(next() * AI82.length)];
    serials.add(serial);
  }
  return [...serials];
}

function leavesOf(serials: readonly string[]): ManifestLeaf[] {
  return serials.map((serial, index): ManifestLeaf => [index, serial]);
}

/** The error `fn` throws, checked to be a ManifestError. */
function refusal(fn: () => unknown): ManifestError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(ManifestError);
    return error as ManifestError;
  }
  expect.fail("expected a ManifestError");
}

async function asyncRefusal(promise: Promise<unknown>): Promise<ManifestError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(ManifestError);
    return error as ManifestError;
  }
  expect.fail("expected a ManifestError");
}

describe("SDK manifest", function () {
  let dir: string;
  const file = (name: string, content: string | Buffer): string => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content);
    return p;
  };

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pharmachain-manifest-"));
  });

  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("the normative tree, against StandardMerkleTree.of", function () {
    it("keeps the pinned vectors of the protocol", function () {
      const m = Manifest.fromSerials(["SN-0001", "SN-0002", "SN-0003"]);
      expect(m.root).to.equal("0xe857570027178fea8071636b764df862d768de002307b9ebaca34401801f5b0d");
      expect(m.proof("SN-0002")).to.deep.equal({
        index: 1,
        serial: "SN-0002",
        proof: ["0x964275d9878c929d857b049b9c096693bc92fe6a857044f156e7fdd6c0eaaf72"],
      });
      expect(Manifest.fromSerials(["A"]).root).to.equal(
        "0xe15d798fac2649b2646ef2c417cc67aeb37d7f5951273ba008245ea4ac20fd51",
      );
    });

    for (const size of [1, 2, 3, 4, 7, 8, 9, 100, 1000]) {
      it(`builds the same tree, proofs and multiproofs for ${size} random serial(s)`, function () {
        const serials = randomSerials(size, size);
        const m = Manifest.fromSerials(serials);
        const oz = StandardMerkleTree.of(leavesOf(serials), ENCODING);
        expect(m.root).to.equal(oz.root);
        expect(m.size).to.equal(size);
        expect(m.dump()).to.deep.equal(oz.dump());
        for (let index = 0; index < size; index++) {
          const serial = serials[index];
          const expected = oz.getProof(index);
          expect(m.proofAt(index)).to.deep.equal({ index, serial, proof: expected });
          expect(m.proof(serial)).to.deep.equal({ index, serial, proof: expected });
          expect(m.indexOf(serial)).to.equal(index);
          expect(verifyManifestProof(m.root, index, serial, expected)).to.equal(true);
          // OpenZeppelin's hashing is slow (about 20 us a hash here): its own check of one proof in ten is enough.
          if (index % 10 === 0) {
            expect(manifestLeafHash(index, serial)).to.equal(oz.leafHash([index, serial]));
            expect(StandardMerkleTree.verify(m.root, ENCODING, [index, serial], expected)).to.equal(true);
          }
        }
        const next = random(size + 1);
        const picks = serials.map((_, index) => index).filter(() => next() < 0.3);
        const multi = m.multiProof(picks);
        expect(multi).to.deep.equal(oz.getMultiProof(picks));
        expect(StandardMerkleTree.verifyMultiProof(m.root, ENCODING, multi)).to.equal(true);
        expect(verifyManifestMultiProof(m.root, multi)).to.equal(true);
        // By serial and in any order, the same packs give the same multiproof.
        expect(m.multiProof([...picks].reverse().map((index) => serials[index]))).to.deep.equal(multi);
        const all = m.multiProof(serials.map((_, index) => index));
        expect(all).to.deep.equal(oz.getMultiProof(serials.map((_, index) => index)));
        expect(verifyManifestMultiProof(m.root, all)).to.equal(true);
      });
    }

    it("makes multiproofs of no pack, one pack and a contiguous case as OpenZeppelin does", function () {
      const serials = randomSerials(50, 7);
      const m = Manifest.fromSerials(serials);
      const oz = StandardMerkleTree.of(leavesOf(serials), ENCODING);
      expect(m.multiProof([])).to.deep.equal({ leaves: [], proof: [m.root], proofFlags: [] });
      expect(m.multiProof([])).to.deep.equal(oz.getMultiProof([]));
      expect(verifyManifestMultiProof(m.root, m.multiProof([]))).to.equal(true);
      expect(m.multiProof([17])).to.deep.equal(oz.getMultiProof([17]));
      const box = Array.from({ length: 12 }, (_, k) => 20 + k);
      expect(m.multiProof(box)).to.deep.equal(oz.getMultiProof(box));
      expect(verifyManifestMultiProof(m.root, m.multiProof(box))).to.equal(true);
    });

    it("hashes leaves of any uint32 index and serial length as OpenZeppelin does", function () {
      const oz = StandardMerkleTree.of<ManifestLeaf>([[0, "A"]], ENCODING);
      for (const index of [0, 1, 255, 256, 0x10000, 0x1000000, 0x7fffffff, 0x80000000, 0x12345678, 0xffffffff]) {
        for (let length = 1; length <= 20; length++) {
          const serial = AI82.slice(length, 2 * length);
          expect(manifestLeafHash(index, serial)).to.equal(oz.leafHash([index, serial]));
        }
      }
      expect(refusal(() => manifestLeafHash(2 ** 32, "A")).message).to.equal(
        "a manifest index is a uint32, got 4294967296",
      );
      expect(refusal(() => manifestLeafHash(0, "A B")).message).to.equal(`invalid serial "A B": ${AI82_RULE}`);
    });

    it("hands out a real StandardMerkleTree when asked", function () {
      const serials = randomSerials(30, 3);
      const tree = Manifest.fromSerials(serials).toStandardMerkleTree();
      expect(tree.root).to.equal(StandardMerkleTree.of(leavesOf(serials), ENCODING).root);
      expect(tree.verify(5, tree.getProof(5))).to.equal(true);
    });

    it("verifies offline, and says false for anything that does not prove the pack", function () {
      const serials = randomSerials(20, 11);
      const m = Manifest.fromSerials(serials);
      const { proof } = m.proofAt(4);
      expect(verifyManifestProof(m.root, 4, serials[4], proof)).to.equal(true);
      expect(verifyManifestProof(m.root.toUpperCase().replace("0X", "0x"), 4, serials[4], proof)).to.equal(true);
      expect(verifyManifestProof(m.root, 5, serials[4], proof)).to.equal(false);
      expect(verifyManifestProof(m.root, 4, serials[5], proof)).to.equal(false);
      expect(verifyManifestProof(m.root, 4, serials[4], proof.slice(1))).to.equal(false);
      expect(verifyManifestProof(m.root, 4, serials[4], [...proof.slice(1), proof[0]])).to.equal(false);
      expect(verifyManifestProof(m.root, 4, serials[4], [proof[0].slice(0, -1), ...proof.slice(1)])).to.equal(false);
      expect(verifyManifestProof(m.root, 4, "not AI82!", proof)).to.equal(false);
      expect(verifyManifestProof(m.root, -1, serials[4], proof)).to.equal(false);
      expect(verifyManifestProof("0x1234", 4, serials[4], proof)).to.equal(false);
      const multi = m.multiProof([1, 2, 9]);
      expect(
        verifyManifestMultiProof(m.root, {
          ...multi,
          leaves: [
            [1, serials[1]],
            [2, serials[2]],
            [9, serials[8]],
          ],
        }),
      ).to.equal(false);
      expect(verifyManifestMultiProof(m.root, { ...multi, proofFlags: multi.proofFlags.slice(1) })).to.equal(false);
      expect(verifyManifestMultiProof(m.root, { ...multi, proof: [] })).to.equal(false);
    });

    it("refuses a multiproof with a pack twice, and proofs of what it does not hold", function () {
      const m = Manifest.fromSerials(["A", "B", "C"]);
      expect(refusal(() => m.multiProof([1, "B"])).message).to.equal(
        'a multiproof cannot prove the same pack twice: index 1 ("B") is given twice',
      );
      expect(refusal(() => m.proof("D")).message).to.equal('serial "D" is not in this manifest');
      expect(refusal(() => m.proofAt(3)).message).to.equal("index 3 is outside this manifest of 3 serials");
      expect(refusal(() => m.multiProof([0, 1.5])).message).to.equal("index 1.5 is outside this manifest of 3 serials");
      expect(m.indexOf("D")).to.equal(undefined);
      expect(m.serialAt(2)).to.equal("C");
    });
  });

  describe("refusals of a list", function () {
    it("refuses an empty list", function () {
      expect(refusal(() => Manifest.fromSerials([])).message).to.equal("the manifest has no serials");
    });

    it("refuses an invalid serial, naming its index and value", function () {
      const e = refusal(() => Manifest.fromSerials(["A", "B C", "D"]));
      expect(e.shortMessage).to.equal(`invalid serial "B C" at index 1: ${AI82_RULE}`);
      expect(e.details).to.contain("the AI 82 set");
      expect(refusal(() => Manifest.fromSerials(["A", "X".repeat(21)])).shortMessage).to.equal(
        `invalid serial "${"X".repeat(21)}" at index 1: ${AI82_RULE}`,
      );
      expect(refusal(() => Manifest.fromSerials(["", "B"])).shortMessage).to.equal(
        `invalid serial "" at index 0: ${AI82_RULE}`,
      );
      expect(refusal(() => Manifest.fromSerials(["A", "Ä"])).shortMessage).to.equal(
        `invalid serial "Ä" at index 1: ${AI82_RULE}`,
      );
      expect(refusal(() => Manifest.fromSerials(["A", 7 as unknown as string])).shortMessage).to.equal(
        "serial at index 1 is not a string: 7",
      );
    });

    it("refuses a duplicate, naming both indices", function () {
      expect(refusal(() => Manifest.fromSerials(["A", "B", "C", "B"])).message).to.equal(
        'duplicate serial "B" at index 3: it already appears at index 1',
      );
    });

    it("refuses bad metadata and derives the lot id", function () {
      const lotId = keccak256(AbiCoder.defaultAbiCoder().encode(["uint64", "string"], [9506000134352n, "LOT-1"]));
      const m = Manifest.fromSerials(["A"], { metadata: { gtin: "9506000134352", lotNumber: "LOT-1" } });
      expect(m.metadata).to.deep.equal({ gtin: "09506000134352", lotNumber: "LOT-1", lotId });
      expect(refusal(() => Manifest.fromSerials(["A"], { metadata: { gtin: "12345" } })).message).to.equal(
        'GTIN "12345" must have 8, 12, 13 or 14 digits',
      );
      expect(refusal(() => Manifest.fromSerials(["A"], { metadata: { lotNumber: "LOT 1" } })).message).to.equal(
        'lot number "LOT 1" is not 1-20 characters of the GS1 AI 82 set',
      );
      const wrong = `0x${"11".repeat(32)}`;
      expect(
        refusal(() =>
          Manifest.fromSerials(["A"], { metadata: { gtin: "09506000134352", lotNumber: "LOT-1", lotId: wrong } }),
        ).message,
      ).to.equal(`lot id ${wrong} is not the id of GTIN 09506000134352 lot "LOT-1" (${lotId})`);
    });
  });

  describe("CSV and JSON files", function () {
    const serials = ["SN-1", 'Q"1,2', "ab/c;d", "Z_9"];
    let root: string;

    before(function () {
      root = Manifest.fromSerials(serials).root;
    });

    it("reads one serial a line, in quotes when it holds a delimiter", async function () {
      const lines = serials.map(csvLine);
      expect(lines.some((l) => l.startsWith('"'))).to.equal(true);
      const m = await Manifest.fromFile(file("plain.csv", `${lines.join("\n")}\n`));
      expect(m.serials).to.deep.equal(serials);
      expect(m.root).to.equal(root);
      expect((await Manifest.fromFile(file("plain-no-eol.txt", lines.join("\n")))).root).to.equal(root);
    });

    it("recognises a header line by its serial column's name, and never takes it as a serial", async function () {
      for (const header of ["SN", "Serial Number", "SERIAL_NO", "serial", "Serial No.", "serial#"]) {
        const m = Manifest.fromText(`${header}\nA1\nA2\n`);
        expect(m.serials, header).to.deep.equal(["A1", "A2"]);
      }
      const m = Manifest.fromText("GTIN;SN;LOT\n09506000134352;A1;L1\n09506000134352;A2;L1\n");
      expect(m.serials).to.deep.equal(["A1", "A2"]);
    });

    it("refuses rows of several columns unless --column says which holds the serial, by name or number", async function () {
      const rows = "09506000134352,A1,L1\n09506000134352,A2,L1\n";
      let e = refusal(() => Manifest.fromText(rows));
      expect(e.shortMessage).to.equal("line 1 (index 0) has 3 columns: say which holds the serial (--column NAME|N)");
      expect(Manifest.fromText(rows, { column: 2 }).serials).to.deep.equal(["A1", "A2"]);
      const headed = `gtin,code,lot\n${rows}`;
      e = refusal(() => Manifest.fromText(headed));
      expect(e.shortMessage).to.equal("line 1 (index 0) has 3 columns: say which holds the serial (--column NAME|N)");
      expect(Manifest.fromText(headed, { column: "Code" }).serials).to.deep.equal(["A1", "A2"]);
      e = refusal(() => Manifest.fromText(headed, { column: "serial" }));
      expect(e.shortMessage).to.equal('line 1 has no column named "serial"');
      e = refusal(() => Manifest.fromText(rows, { column: 4 }));
      expect(e.shortMessage).to.equal("line 1 has 3 columns: there is no column 4");
      e = refusal(() => Manifest.fromText(rows, { column: 0 }));
      expect(e.shortMessage).to.contain("give a column number from 1");
    });

    it("refuses a row that ends with a delimiter", async function () {
      let e = refusal(() => Manifest.fromText("A1\nA2,\n"));
      expect(e.shortMessage).to.equal('line 2 (index 1) ends with a delimiter (",")');
      e = refusal(() => Manifest.fromText("serial,lot\nA1,L1\nA2,L1,\n"));
      expect(e.shortMessage).to.equal("line 3 (index 1) ends with a delimiter");
    });

    it("reads a header row's serial column, with CRLF, a byte-order mark, quotes and blank lines at the end", async function () {
      const rows = serials.map((s, i) => `0950600013435${i},"${s.replace(/"/g, '""')}",LOT-${i}`);
      const text = `\uFEFFgtin,Serial,lot\r\n${rows.join("\r\n")}\r\n\r\n\r\n`;
      const m = await Manifest.fromFile(file("header.csv", text));
      expect(m.serials).to.deep.equal(serials);
      expect(m.root).to.equal(root);
      const semicolons = `serial;lot\n${serials.map((s) => `"${s.replace(/"/g, '""')}";L`).join("\n")}\n`;
      expect((await Manifest.fromFile(file("semicolon.csv", semicolons))).root).to.equal(root);
      expect(Manifest.fromText(`\uFEFFserial\r\n${["A", "B"].join("\r\n")}\r\n`).serials).to.deep.equal(["A", "B"]);
    });

    it("reads a JSON array and an object with a serials array, with a byte-order mark", async function () {
      expect((await Manifest.fromFile(file("array.json", JSON.stringify(serials)))).root).to.equal(root);
      const object = `\uFEFF${JSON.stringify({ gtin: "09506000134352", serials }, null, 2)}`;
      expect((await Manifest.fromFile(file("object.json", object))).root).to.equal(root);
      // The format is found from the first character, whatever the file's name.
      expect((await Manifest.fromFile(file("json.csv", `\n  ${JSON.stringify(serials)}`))).root).to.equal(root);
    });

    it("refuses a duplicate and an invalid serial naming the line, the index and the value", async function () {
      let e = await asyncRefusal(Manifest.fromFile(file("dup.csv", "serial\r\nA\r\nB\r\nC\r\nB\r\n")));
      expect(e.shortMessage).to.equal(
        'duplicate serial "B" on line 5 (index 3): it already appears on line 3 (index 1)',
      );
      expect(e.details).to.equal(`in ${path.join(dir, "dup.csv")}`);
      e = await asyncRefusal(Manifest.fromFile(file("dup-plain.csv", "A\nB\nA\n")));
      expect(e.shortMessage).to.equal(
        'duplicate serial "A" on line 3 (index 2): it already appears on line 1 (index 0)',
      );
      e = await asyncRefusal(Manifest.fromFile(file("bad.csv", "serial,lot\nA,L\nB C,L\n")));
      expect(e.shortMessage).to.equal(`invalid serial "B C" on line 3 (index 1): ${AI82_RULE}`);
      e = await asyncRefusal(Manifest.fromFile(file("bad-plain.csv", "A\nB\nC \n")));
      expect(e.shortMessage).to.equal(`invalid serial "C " on line 3 (index 2): ${AI82_RULE}`);
      e = await asyncRefusal(
        Manifest.fromFile(file("dup.json", JSON.stringify({ serials: ["A", "B", "A"] }, null, 2))),
      );
      expect(e.shortMessage).to.equal(
        'duplicate serial "A" on line 5 (index 2): it already appears on line 3 (index 0)',
      );
      e = await asyncRefusal(Manifest.fromFile(file("bad.json", '["A",\n "B",\n\n  "C D"]')));
      expect(e.shortMessage).to.equal(`invalid serial "C D" on line 4 (index 2): ${AI82_RULE}`);
      e = await asyncRefusal(Manifest.fromFile(file("number.json", '["A", 12]')));
      expect(e.shortMessage).to.equal("serial on line 1 (index 1) is not a string: 12");
    });

    it("refuses blank lines in the middle, ragged rows, an empty list and what is not a manifest", async function () {
      let e = await asyncRefusal(Manifest.fromFile(file("blank.csv", "A\nB\n\nC\n")));
      expect(e.shortMessage).to.equal("line 3 is blank: blank lines are allowed only at the end of the file");
      e = await asyncRefusal(Manifest.fromFile(file("leading-blank.csv", "\r\nA\r\n")));
      expect(e.shortMessage).to.equal("line 1 is blank: blank lines are allowed only at the end of the file");
      e = await asyncRefusal(Manifest.fromFile(file("ragged.csv", "serial,lot\nA,L\nB,C,L\n")));
      expect(e.shortMessage).to.equal("line 3 (index 1) has 3 columns but the header has 2");
      e = await asyncRefusal(Manifest.fromFile(file("quote.csv", 'serial,lot\n"A,L\n')));
      expect(e.shortMessage).to.equal(
        "line 2 (index 0) is not a CSV row: a quote is not closed, or text follows a closing quote",
      );
      for (const [name, content] of [
        ["empty.csv", ""],
        ["header-only.csv", "serial\r\n"],
        ["blank-only.csv", "\n\n"],
        ["empty.json", "[]"],
      ]) {
        e = await asyncRefusal(Manifest.fromFile(file(name, content)));
        expect(e.message).to.equal(`the manifest has no serials\nin ${path.join(dir, name)}`);
      }
      e = await asyncRefusal(Manifest.fromFile(file("broken.json", '["A", ')));
      expect(e.shortMessage).to.equal(`${path.join(dir, "broken.json")} is not valid JSON`);
      e = await asyncRefusal(Manifest.fromFile(file("shape.json", '{"items": ["A"]}')));
      expect(e.shortMessage).to.equal(
        `${path.join(dir, "shape.json")} is not a manifest: it must be an array of serials or an object with a "serials" array`,
      );
      e = await asyncRefusal(Manifest.fromFile(file("forced.csv", "A\nB\n"), { format: "json" }));
      expect(e.shortMessage).to.equal(`${path.join(dir, "forced.csv")} is not valid JSON`);
      e = await asyncRefusal(Manifest.fromFile(path.join(dir, "missing.csv")));
      expect(e.shortMessage).to.equal(`cannot read the manifest file ${path.join(dir, "missing.csv")}`);
    });
  });

  describe("save and load", function () {
    const serials = randomSerials(200, 42);
    const metadata = { gtin: "09506000134352", lotNumber: "LOT-42" };

    it("saves a manifest and loads it back, root checked, metadata kept", async function () {
      const m = Manifest.fromSerials(serials, { metadata });
      const saved = path.join(dir, "saved.json");
      await m.save(saved);
      const text = fs.readFileSync(saved, "utf8");
      expect(JSON.parse(text)).to.deep.equal(m.toJSON());
      expect(JSON.parse(text)).to.include({
        format: MANIFEST_FORMAT,
        version: 1,
        root: m.root,
        size: 200,
        ...metadata,
      });
      // One serial a line, after a header of ten lines.
      expect(
        text
          .split("\n")
          .slice(10, 210)
          .map((line) => line.trim().replace(/,$/, "")),
      ).to.deep.equal(serials.map((s) => JSON.stringify(s)));
      const loaded = await Manifest.load(saved);
      expect(loaded.root).to.equal(m.root);
      expect(loaded.serials).to.deep.equal(serials);
      expect(loaded.metadata).to.deep.equal(m.metadata);
      expect(loaded.metadata.lotId).to.match(/^0x[0-9a-f]{64}$/);
      // fromFile reads a saved manifest too, and checks it the same way.
      expect((await Manifest.fromFile(saved)).root).to.equal(m.root);
      expect(Manifest.fromText(text).root).to.equal(m.root);
    });

    it("refuses a saved manifest whose root does not match its serials", async function () {
      const m = Manifest.fromSerials(["A", "B", "C"]);
      const data = m.toJSON();
      const wrongRoot = `0x${"ab".repeat(32)}`;
      const tampered = file("tampered.json", JSON.stringify({ ...data, root: wrongRoot }));
      const e = await asyncRefusal(Manifest.load(tampered));
      expect(e.shortMessage).to.equal(
        `manifest root mismatch: the file declares ${wrongRoot} but its 3 serials hash to ${m.root}`,
      );
      expect(e.details).to.equal(
        `its serials, their order or its root changed after it was saved: do not use it\nin ${tampered}`,
      );
      const reordered = file("reordered.json", JSON.stringify({ ...data, serials: ["B", "A", "C"] }));
      const swapped = Manifest.fromSerials(["B", "A", "C"]).root;
      expect((await asyncRefusal(Manifest.load(reordered))).shortMessage).to.equal(
        `manifest root mismatch: the file declares ${m.root} but its 3 serials hash to ${swapped}`,
      );
      expect((await asyncRefusal(Manifest.fromFile(reordered))).shortMessage).to.contain("manifest root mismatch");
      expect(refusal(() => Manifest.fromText(JSON.stringify({ ...data, root: wrongRoot }))).shortMessage).to.contain(
        "manifest root mismatch",
      );
    });

    it("refuses other formats, versions and inconsistent headers", async function () {
      const data = Manifest.fromSerials(["A", "B"]).toJSON();
      const cases: [string, string][] = [
        [
          JSON.stringify({ ...data, version: 2 }),
          "manifest format version 2 is not supported: this SDK reads version 1",
        ],
        [
          JSON.stringify({ ...data, format: "other" }),
          `is not a saved manifest: its format is "other", expected "${MANIFEST_FORMAT}"`,
        ],
        [JSON.stringify({ ...data, size: 3 }), "the saved manifest declares size 3 but lists 2 serials"],
        [JSON.stringify({ ...data, root: "0x12" }), 'the saved manifest\'s root "0x12" is not a 32-byte hex string'],
        [JSON.stringify({ ...data, leafEncoding: ["uint256", "string"] }), "the saved manifest's leafEncoding is"],
        [
          JSON.stringify(["A", "B"]),
          'is not a saved manifest: it must be an object with "format": "pharmachain-manifest"',
        ],
      ];
      for (const [i, [content, message]] of cases.entries()) {
        const e = await asyncRefusal(Manifest.load(file(`bad-${i}.json`, content)));
        expect(e.shortMessage).to.contain(message);
      }
    });
  });

  describe("progress and scale", function () {
    it("reports each phase in order, ending with done = total", async function () {
      const events: ManifestProgress[] = [];
      const csv = file("progress.csv", `${randomSerials(120_000, 5).map(csvLine).join("\n")}\n`);
      const m = await Manifest.fromFile(csv, { onProgress: (p) => events.push(p) });
      const phases = [...new Set(events.map((e) => e.phase))];
      expect(phases).to.deep.equal(["read", "hash", "tree"]);
      for (const phase of phases) {
        const mine = events.filter((e) => e.phase === phase);
        for (let k = 1; k < mine.length; k++) expect(mine[k].done).to.be.greaterThan(mine[k - 1].done);
        const last = mine[mine.length - 1];
        expect(last.done).to.equal(last.total);
        expect(mine.slice(0, -1).every((e) => e.done < e.total)).to.equal(true);
      }
      expect(events.filter((e) => e.phase === "hash").map((e) => e.done)).to.deep.equal([50_000, 100_000, 120_000]);
      expect(events[events.length - 1]).to.deep.equal({ phase: "tree", done: m.size - 1, total: m.size - 1 });
    });

    it("streams and builds the manifest of 1,000,000 serials (time printed, not asserted)", async function () {
      const size = 1_000_000;
      const csv = path.join(dir, "million.csv");
      const out = fs.openSync(csv, "w");
      let text = "serial\r\n";
      for (let i = 0; i < size; i++) {
        text += `PACK-${i.toString().padStart(9, "0")}/${i % 97}\r\n`;
        if (text.length > 1 << 20) {
          fs.writeSync(out, text);
          text = "";
        }
      }
      fs.writeSync(out, text);
      fs.closeSync(out);

      const started = process.hrtime.bigint();
      const m = await Manifest.fromFile(csv);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      console.log(
        `      built ${size.toLocaleString("en")} serials from a streamed CSV in ${seconds.toFixed(1)} s; ` +
          `peak RSS of the test process ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
      );
      expect(m.size).to.equal(size);
      expect(m.indexOf(`PACK-000999999/${(size - 1) % 97}`)).to.equal(size - 1);
      // No second implementation is fast enough to rebuild it: OpenZeppelin's own code checks proofs up to the root.
      for (const index of [0, 1, 123_456, 500_000, size - 2, size - 1]) {
        const { serial, proof } = m.proofAt(index);
        expect(proof).to.have.length.within(19, 20);
        expect(StandardMerkleTree.verify(m.root, ENCODING, [index, serial], proof)).to.equal(true);
      }
      const multi = m.multiProof(Array.from({ length: 100 }, (_, k) => 400_000 + k));
      expect(StandardMerkleTree.verifyMultiProof(m.root, ENCODING, multi)).to.equal(true);
      fs.rmSync(csv);
    });
  });
});
