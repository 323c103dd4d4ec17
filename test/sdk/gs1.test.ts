/**
 * The SDK's GS1 module against every vector of `test/fixtures/gs1/vectors.md`, read from the markdown at test time
 * (tables and the pairs written in prose) so that no vector is copied by hand and none is missed; then hand tests of
 * the rules the vectors do not reach: century window, day 00, leap years, payload variants, refusals.
 */
import { expect } from "chai";
import fc from "fast-check";
import fs from "fs";
import { Gs1Error } from "../../sdk/src/errors";
import {
  GS,
  Gs1Pack,
  buildDataMatrixPayload,
  buildDigitalLink,
  buildElementString,
  buildEpcUri,
  digitalLinkToEpcUri,
  digitalLinkToPack,
  elementsToPack,
  epcToElements,
  epcUriToDigitalLink,
  epcUriToPack,
  expiresAtToExpiry,
  expiryToExpiresAt,
  gs1CheckDigit,
  gs1FullYear,
  gtin14,
  gtinToNdc,
  gtinToUint64,
  hasValidCheckDigit,
  isAi82,
  gtinValue,
  lotIdOf,
  lotIdOfScan,
  ndcToGtin,
  normalizeGtin,
  packToDataMatrix,
  packToDigitalLink,
  packToElementString,
  packToElements,
  packToEpcUri,
  parseDigitalLink,
  parseElementString,
  parseEpcUri,
  parseScan,
  validateElement,
} from "../../sdk/src/gs1";
import { GS1_VECTORS } from "../helpers/fixtures";

// ------------------------------------------------------------------ reading vectors.md

const VECTORS_FILE = GS1_VECTORS;
const markdown = fs.readFileSync(VECTORS_FILE, "utf8");

/** A fixed "now" for everything that depends on the GS1 century window. */
const REFERENCE = new Date("2025-06-15T00:00:00Z");

interface Table {
  header: string[];
  rows: string[][];
}

/** The body of the `## n.` section, failing loudly when the file no longer has it. */
function section(number: number): string {
  const parts = markdown.split(/^## /m);
  const found = parts.find((part) => part.startsWith(`${number}.`));
  if (found === undefined) throw new Error(`vectors.md has no section "## ${number}."`);
  return found;
}

/** Splits a table line into cells, keeping `|` inside code spans. */
function cellsOf(line: string): string[] {
  const cells: string[] = [];
  let current = "";
  let inCode = false;
  for (const c of line.trim().replace(/^\|/, "").replace(/\|$/, "")) {
    if (c === "`") inCode = !inCode;
    if (c === "|" && !inCode) {
      cells.push(current.trim());
      current = "";
    } else {
      current += c;
    }
  }
  cells.push(current.trim());
  return cells;
}

/** The markdown tables of a section, in order. */
function tablesOf(text: string): Table[] {
  const tables: Table[] = [];
  let block: string[] = [];
  for (const line of [...text.split("\n"), ""]) {
    if (line.trim().startsWith("|")) {
      block.push(line);
      continue;
    }
    if (block.length >= 2) {
      tables.push({ header: cellsOf(block[0]), rows: block.slice(2).map(cellsOf) });
    }
    block = [];
  }
  return tables;
}

/** The table of `text` whose first header cell is `firstHeader`, checked to have rows. */
function table(text: string, firstHeader: string): Table {
  const found = tablesOf(text).find((t) => t.header[0] === firstHeader);
  if (found === undefined || found.rows.length === 0) throw new Error(`vectors.md: no table starting "${firstHeader}"`);
  return found;
}

function codeSpans(text: string): string[] {
  return [...text.matchAll(/`([^`]*)`/g)].map((m) => m[1]);
}

function firstToken(cell: string): string {
  return cell.trim().split(/\s+/)[0];
}

/** How many vector rows (table rows and prose vectors) the generated tests check. */
let vectorsChecked = 0;

// ------------------------------------------------------------------ assertion helpers

/** Asserts that `run` throws a `Gs1Error` whose message matches every pattern. */
function expectGs1Error(run: () => unknown, ...patterns: (RegExp | string)[]): Gs1Error {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, "expected a Gs1Error").to.be.instanceOf(Gs1Error);
  const error = thrown as Gs1Error;
  for (const pattern of patterns) {
    if (typeof pattern === "string") expect(error.message).to.include(pattern);
    else expect(error.message).to.match(pattern);
  }
  return error;
}

/** The component count of the company prefix in an EPC URI (`urn:epc:…:scheme:CP.…`). */
function companyPrefixLengthOf(urn: string): number {
  return urn.split(":")[4].split(".")[0].length;
}

/** The expected `parseScan` result of a pack. */
function scanOf(pack: Gs1Pack): Gs1Pack & { expiresAt?: bigint } {
  return pack.expiry === undefined ? pack : { ...pack, expiresAt: expiryToExpiresAt(pack.expiry, REFERENCE) };
}

// ================================================================== section 1: check digits

describe("GS1 identifiers (sdk/src/gs1.ts)", function () {
  describe("vectors.md §1: the GS1 mod-10 check digit", function () {
    const rows = table(section(1), "body (no check digit)").rows;

    for (const [bodyCell, lengthCell, digitCell, keyCell, note] of rows) {
      const body = bodyCell.includes("body ") ? bodyCell.split("body ")[1].trim() : bodyCell;
      const key = /\d+/.exec(keyCell)![0];
      const label = /\(([^)]+)\)/.exec(keyCell)?.[1] ?? "";
      it(`${body} → check digit ${digitCell} (${label || note})`, function () {
        vectorsChecked++;
        expect(body).to.have.length(Number(lengthCell));
        expect(String(gs1CheckDigit(body))).to.equal(digitCell);
        expect(key).to.equal(body + digitCell);
        expect(hasValidCheckDigit(key)).to.equal(true);
        const wrong = body + String((Number(digitCell) + 1) % 10);
        expect(hasValidCheckDigit(wrong)).to.equal(false);

        if (label === "GLN") {
          validateElement("414", key);
          expectGs1Error(() => validateElement("414", wrong), "AI 414", `"${wrong}"`, `expected ${digitCell}`);
        } else if (label === "SSCC") {
          validateElement("00", key);
          expectGs1Error(() => validateElement("00", wrong), "AI 00", `"${wrong}"`, `expected ${digitCell}`);
        } else {
          expect(label === "" || label.startsWith("GTIN"), `unknown key kind "${label}"`).to.equal(true);
          expect(normalizeGtin(key)).to.equal(key.padStart(14, "0"));
          expect(gtinToUint64(key)).to.equal(BigInt(key));
          expect(gtin14(gtinToUint64(key))).to.equal(key.padStart(14, "0"));
          expectGs1Error(
            () => normalizeGtin(wrong),
            `GTIN "${wrong}"`,
            `check digit ${wrong.slice(-1)}, expected ${digitCell}`,
          );
        }
      });
    }

    const negatives = /Negative check-digit cases:([\s\S]*?)\n\n/.exec(section(1));
    if (negatives === null) throw new Error("vectors.md §1: no negative check-digit paragraph");
    for (const span of codeSpans(negatives[1])) {
      if (/^\d+$/.test(span)) {
        it(`refuses GTIN ${span} (wrong check digit)`, function () {
          vectorsChecked++;
          expect(hasValidCheckDigit(span)).to.equal(false);
          const expected = gs1CheckDigit(span.slice(0, -1));
          expectGs1Error(
            () => normalizeGtin(span),
            `GTIN "${span}" has check digit ${span.slice(-1)}, expected ${expected}`,
          );
          expectGs1Error(() => gtinToUint64(span), `GTIN "${span}"`, "check digit");
        });
      } else if (span.startsWith("http")) {
        it(`refuses the Digital Link ${span} (wrong check digit)`, function () {
          vectorsChecked++;
          expectGs1Error(() => parseDigitalLink(span), "AI 01", "check digit");
          expectGs1Error(() => parseScan(span, REFERENCE), "check digit");
        });
      }
    }
  });

  // ================================================================== section 2: SGTIN <-> GTIN + serial <-> DL

  describe("vectors.md §2: SGTIN EPC URI ↔ GTIN-14 + serial ↔ Digital Link", function () {
    const { header, rows } = table(section(2), "SGTIN EPC URI");
    expect(header.slice(0, 5)).to.deep.equal([
      "SGTIN EPC URI",
      "GTIN-14",
      "serial",
      "GS1 Digital Link URI",
      "roundtrip",
    ]);

    let previousLink = "";
    for (const [urn, gtin, serial, linkCell, roundtrip] of rows) {
      const link = linkCell.startsWith("http") ? firstToken(linkCell) : previousLink;
      if (!linkCell.startsWith("http") && !/same DL/.test(linkCell))
        throw new Error(`vectors.md §2: unreadable DL cell "${linkCell}"`);
      previousLink = link;
      const companyPrefixLength = companyPrefixLengthOf(urn);

      it(`${urn} ↔ ${gtin} + ${serial} ↔ ${link}`, function () {
        vectorsChecked++;
        expect(parseEpcUri(urn)).to.deep.equal({ scheme: "sgtin", gtin, serial, companyPrefixLength });
        expect(epcUriToPack(urn)).to.deep.equal({ gtin, serial });
        expect(epcUriToDigitalLink(urn)).to.equal(link);
        expect(packToDigitalLink({ gtin, serial })).to.equal(link);
        expect(digitalLinkToPack(link)).to.deep.equal({ gtin, serial });
        expect(parseScan(link, REFERENCE)).to.deep.equal({ gtin, serial });
        expect(parseScan(urn, REFERENCE)).to.deep.equal({ gtin, serial });
        if (roundtrip.includes("✓")) {
          expect(buildEpcUri({ scheme: "sgtin", gtin, serial, companyPrefixLength })).to.equal(urn);
          expect(packToEpcUri({ gtin, serial }, companyPrefixLength)).to.equal(urn);
          expect(digitalLinkToEpcUri(link, companyPrefixLength)).to.equal(urn);
        }
      });
    }
  });

  // Pairs written in prose anywhere in the file: `urn:epc:…` ↔ `https://…` (both ways) or → (EPC to DL).
  describe("vectors.md prose: EPC URI ↔ / → Digital Link pairs", function () {
    const pairs = [...markdown.matchAll(/`(urn:epc:[^`]+)`\s*(↔|→)\s*`(https?:\/\/[^`]+)`/g)];
    if (pairs.length === 0) throw new Error("vectors.md: no prose EPC/DL pairs");
    for (const [, urn, arrow, link] of pairs) {
      it(`${urn} ${arrow} ${link}`, function () {
        vectorsChecked++;
        expect(epcUriToDigitalLink(urn)).to.equal(link);
        expect(parseDigitalLink(link).elements).to.deep.equal(epcToElements(parseEpcUri(urn)));
        if (arrow === "↔") expect(digitalLinkToEpcUri(link, companyPrefixLengthOf(urn))).to.equal(urn);
      });
    }

    it('escapes the serial 6789/&%"!?() per TDS in the URN and per the vector in the Digital Link', function () {
      const pack = { gtin: "80614141123458", serial: '6789/&%"!?()' };
      expect(packToEpcUri(pack, 7)).to.equal("urn:epc:id:sgtin:0614141.812345.6789%2F%26%25%22!%3F()");
      expect(packToDigitalLink(pack)).to.equal("https://id.gs1.org/01/80614141123458/21/6789%2F%26%25%22!%3F()");
    });

    it("does not treat the caveat's Digital Link as the conversion of its URN", function () {
      const caveat = /uses `(https:[^`]+)` as the DL counterpart of the URN example's\s+`(urn:[^`]+)`/.exec(markdown);
      if (caveat === null) throw new Error("vectors.md §2: caveat paragraph not found");
      vectorsChecked++;
      expect(epcUriToDigitalLink(caveat[2])).not.to.equal(caveat[1]);
      expect(digitalLinkToEpcUri(caveat[1], companyPrefixLengthOf(caveat[2]))).not.to.equal(caveat[2]);
    });
  });

  // ================================================================== section 3: DL, element strings, DataMatrix

  describe("vectors.md §3: Digital Link ↔ element string ↔ DataMatrix payload", function () {
    const text = section(3);
    const { header, rows } = table(text, "Digital Link URI");
    expect(header.slice(0, 3)).to.deep.equal([
      "Digital Link URI",
      "element string",
      "DataMatrix payload (`<GS>`=0x1D)",
    ]);

    for (const [linkCell, elementString, payloadCell] of rows) {
      const link = firstToken(linkCell);
      const serialHint = /\(serial `([^`]+)`\)/.exec(linkCell)?.[1];
      const spans = codeSpans(payloadCell);
      const payload = spans.length > 0 ? spans.join("") : undefined;

      it(`${link} ↔ ${elementString}${payload ? ` ↔ ${payload}` : ""}`, function () {
        vectorsChecked++;
        const pack = digitalLinkToPack(link);
        if (serialHint !== undefined) expect(pack.serial).to.equal(serialHint);
        expect(elementsToPack(parseElementString(elementString))).to.deep.equal(pack);
        expect(packToDigitalLink(pack)).to.equal(link);
        expect(packToElementString(pack)).to.equal(elementString);
        expect(parseScan(link, REFERENCE)).to.deep.equal(scanOf(pack));
        expect(parseScan(elementString, REFERENCE)).to.deep.equal(scanOf(pack));
        if (payload !== undefined) {
          const raw = payload.replace(/<GS>/g, GS);
          expect(packToDataMatrix(pack)).to.equal(raw);
          expect(packToDataMatrix(pack, { separator: "<GS>" })).to.equal(payload);
          for (const form of [raw, payload, payload.replace(/<GS>/g, "\\u001d"), GS + raw.slice(3), raw.slice(3)]) {
            expect(parseScan(form, REFERENCE), JSON.stringify(form)).to.deep.equal(scanOf(pack));
          }
        }
      });
    }

    const negatives = table(text, "URI");
    /** What each "why invalid" must produce; a new reason fails until it is given an expectation here. */
    const expectations: [RegExp, (uri: string) => (RegExp | string)[]][] = [
      [/^bad check digit/, () => [/AI 01/, /check digit \d, expected \d/]],
      [/^qualifiers out of order/, () => ["AI 10 comes after AI 21", "order 22, 10, 21"]],
      [/^13-digit GTIN/, (uri) => [`GTIN "${uri.split("/")[4]}"`, "check digit"]],
      [/^serial > 20 chars/, (uri) => ["AI 21", `"${uri.split("/")[6]}"`, "at most 20"]],
      [/^AI 17 must be 6 digits/, (uri) => ["AI 17", `"${uri.split("=")[1]}"`, "6 digits"]],
    ];
    for (const [uri, why] of negatives.rows) {
      it(`refuses ${uri} (${why})`, function () {
        vectorsChecked++;
        const expectation = expectations.find(([reason]) => reason.test(why));
        expect(expectation, `no expectation for reason "${why}"`).not.to.equal(undefined);
        const patterns = expectation![1](uri);
        expectGs1Error(() => parseDigitalLink(uri), ...patterns);
        expectGs1Error(() => digitalLinkToPack(uri), ...patterns);
        expectGs1Error(() => parseScan(uri, REFERENCE), ...patterns);
      });
    }
  });

  // ================================================================== section 4: NDC

  describe("vectors.md §4: NDC ↔ GTIN", function () {
    const text = section(4);
    const split = /`(\d{14})` = `(\d)` \| `(03)` \| `(\d{10})` \| `(\d)`/.exec(text);
    const hyphenated = /→ `(\d{4,5}-\d{3,4}-\d{1,2})`/.exec(text);
    const pattern = /EPC class `(urn:epc:idpat:sgtin:[^`]+)`/.exec(text);
    const caseGtin = /Case GTIN `(\d{14})` = indicator `(\d)`, same NDC/.exec(text);
    if (split === null || hyphenated === null || pattern === null || caseGtin === null) {
      throw new Error("vectors.md §4: the NDC example is no longer where the test looks");
    }
    const [, gtin, indicator, , ndc] = split;

    it(`${gtin} embeds NDC ${ndc} (${hyphenated[1]}), class ${pattern[1]}`, function () {
      vectorsChecked++;
      expect(gtinToNdc(gtin)).to.equal(ndc);
      expect(ndcToGtin(ndc, Number(indicator))).to.equal(gtin);
      expect(ndcToGtin(hyphenated[1])).to.equal(gtin);
      expect(parseEpcUri(pattern[1])).to.deep.equal({
        scheme: "sgtin-pattern",
        gtin,
        companyPrefixLength: companyPrefixLengthOf(pattern[1]),
      });
      expect(
        buildEpcUri({ scheme: "sgtin-pattern", gtin, companyPrefixLength: companyPrefixLengthOf(pattern[1]) }),
      ).to.equal(pattern[1]);
    });

    it(`case GTIN ${caseGtin[1]}: indicator ${caseGtin[2]}, same NDC`, function () {
      vectorsChecked++;
      expect(gtinToNdc(caseGtin[1])).to.equal(ndc);
      expect(ndcToGtin(ndc, Number(caseGtin[2]))).to.equal(caseGtin[1]);
    });

    it("refuses a GTIN without an NDC and the 11-digit billing NDC", function () {
      expectGs1Error(() => gtinToNdc("09506000134352"), `GTIN "09506000134352"`, `"95"`, `"03"`);
      expectGs1Error(() => ndcToGtin("00001-0123-45"), `NDC "00001-0123-45"`);
      expectGs1Error(() => ndcToGtin("0001012345", 9), "indicator 9");
    });
  });

  // ================================================================== section 5: SSCC, SGLN, PGLN, LGTIN

  describe("vectors.md §5: SSCC, SGLN, PGLN, LGTIN EPC URI ↔ key ↔ Digital Link", function () {
    const { header, rows } = table(section(5), "EPC URI");
    expect(header.slice(0, 3)).to.deep.equal(["EPC URI", "GS1 key", "Digital Link"]);

    for (const [urn, keyCell, link] of rows) {
      it(`${urn} ↔ ${keyCell} ↔ ${link}`, function () {
        vectorsChecked++;
        const key = /\d{13,18}/.exec(keyCell)![0];
        const companyPrefixLength = companyPrefixLengthOf(urn);
        const id = parseEpcUri(urn);
        expect(id.companyPrefixLength).to.equal(companyPrefixLength);
        const linkElements = parseDigitalLink(link).elements;
        switch (id.scheme) {
          case "sscc":
            expect(keyCell).to.match(/^SSCC /);
            expect(id.sscc).to.equal(key);
            break;
          case "sgln": {
            expect(keyCell).to.match(/^GLN /);
            expect(id.gln).to.equal(key);
            const extension = /\+ ext (\S+)/.exec(keyCell)?.[1];
            if (extension !== undefined) expect(id.extension).to.equal(extension);
            else {
              expect(keyCell).to.match(/ext 0 = none/);
              expect(id.extension).to.equal(undefined);
            }
            break;
          }
          case "pgln":
            expect(keyCell).to.match(/party GLN/);
            expect(id.gln).to.equal(key);
            break;
          case "lgtin": {
            expect(keyCell).to.match(/^GTIN /);
            expect(id.gtin).to.equal(key);
            const lot = /\+ lot (\S+)/.exec(keyCell)?.[1] ?? linkElements.find((e) => e.ai === "10")?.value;
            expect(id.lot).to.equal(lot);
            expect(epcUriToPack(urn)).to.deep.equal({ gtin: key, lot });
            break;
          }
          default:
            expect.fail(`unexpected scheme ${id.scheme} in §5`);
        }
        expect(buildEpcUri(id)).to.equal(urn);
        expect(epcUriToDigitalLink(urn)).to.equal(link);
        expect(buildDigitalLink(epcToElements(id))).to.equal(link);
        expect(linkElements).to.deep.equal(epcToElements(id));
        expect(digitalLinkToEpcUri(link, companyPrefixLength)).to.equal(urn);
      });
    }
  });

  after(function () {
    // Printed so that the count of vectors checked is visible in the test output.
    console.log(`      (${vectorsChecked} vectors from vectors.md checked)`);
  });

  // ================================================================== hand tests

  describe("GTINs", function () {
    it("pads GTIN-8, -12 and -13 to GTIN-14 and keeps the existing helpers' behaviour", function () {
      expect(normalizeGtin("96385074")).to.equal("00000096385074");
      expect(normalizeGtin("614141000036")).to.equal("00614141000036");
      expect(normalizeGtin(" 4006381333931 ")).to.equal("04006381333931");
      expect(gtinToUint64("96385074")).to.equal(96385074n);
      expect(gtin14(614141123452n)).to.equal("00614141123452");
      expect(isAi82("ABC/12%3")).to.equal(true);
      expect(isAi82("AB C")).to.equal(false);
      expect(lotIdOf(614141123452n, "LOT-1")).to.match(/^0x[0-9a-f]{64}$/);
    });

    it("refuses bad GTINs and lot numbers with a Gs1Error naming the value", function () {
      expectGs1Error(() => gtinToUint64("0950600013435X"), `GTIN "0950600013435X" must contain digits only`);
      expectGs1Error(() => normalizeGtin("123456789"), `GTIN "123456789" has 9 digits`);
      expectGs1Error(() => gs1CheckDigit("12a"), `"12a"`);
      expectGs1Error(() => lotIdOf(1n, "LOT 1"), `lot number "LOT 1"`);
    });
  });

  describe("element strings and DataMatrix payloads", function () {
    const pack: Gs1Pack = { gtin: "09506000134352", serial: "12345", lot: "ABC123", expiry: "261231" };

    it("reads spaces around HRI values, a leading GS, and no prefix at all", function () {
      const expected = packToElements(pack);
      expect(parseElementString("(01) 09506000134352 (17) 261231 (10) ABC123 (21) 12345")).to.deep.equal(expected);
      expect(parseElementString(`${GS}01095060001343521726123110ABC123${GS}2112345`)).to.deep.equal(expected);
      expect(parseElementString(`01095060001343521726123110ABC123${GS}2112345${GS}`)).to.deep.equal(expected);
    });

    it("keeps other AIs in extra, fixed-length ones before the lot", function () {
      const withExtra: Gs1Pack = { ...pack, extra: { "11": "250101", "710": "12345678" } };
      const payload = packToDataMatrix(withExtra, { separator: "<GS>" });
      expect(payload).to.equal("]d2010950600013435217261231112501011" + "0ABC123<GS>2112345<GS>71012345678");
      expect(parseScan(payload, REFERENCE)).to.deep.equal(scanOf(withExtra));
      expect(packToElementString(withExtra)).to.equal(
        "(01)09506000134352(17)261231(11)250101(10)ABC123(21)12345(710)12345678",
      );
    });

    it("escapes a ( in a value as \\( in the human-readable form", function () {
      const odd: Gs1Pack = { gtin: "09506000134352", serial: "A(21)B" };
      expect(packToElementString(odd)).to.equal("(01)09506000134352(21)A\\(21)B");
      expect(parseScan(packToElementString(odd), REFERENCE)).to.deep.equal(odd);
    });

    it("refuses unknown AIs, bad lengths, bad characters, repeated AIs and non-GS1 symbologies", function () {
      expectGs1Error(() => parseElementString("(01)09506000134352(23)X"), `AI "23"`);
      expectGs1Error(() => parseElementString("]d20109506000134352230"), "unknown or unsupported GS1 AI", `"230"`);
      expectGs1Error(() => parseElementString("]d2010950600013435"), `AI 01 (GTIN) "0950600013435" must be 14 digits`);
      expectGs1Error(
        () => parseElementString("]d2010950600013435217261"),
        `AI 17 (expiry date) "261" must be 6 digits`,
      );
      expectGs1Error(() => parseElementString("(01)09506000134352(17)261331"), "AI 17", `"261331"`, "month 13");
      expectGs1Error(() => parseElementString("(01)09506000134352(17)270229"), "AI 17", `"270229"`, "day 29");
      expectGs1Error(() => parseElementString("(01)09506000134352(21)AB C"), "AI 21", `"AB C"`, `" "`, "AI 82");
      expectGs1Error(() => parseElementString("(01)09506000134352(21)A(21)B"), "AI 21 appears twice");
      expectGs1Error(() => parseElementString("]d101095060001343522112345"), `"]d1"`);
      expectGs1Error(() => parseScan("(10)ABC", REFERENCE), "no GTIN (AI 01)");
      expectGs1Error(() => parseScan("hello", REFERENCE), `"hello"`);
      expectGs1Error(() => packToElements({ gtin: "09506000134352", extra: { "21": "X" } }), "pack.serial");
      expectGs1Error(() => buildElementString([{ ai: "10", value: "" }]), "AI 10", "at least 1");
      expectGs1Error(
        () => buildDataMatrixPayload([{ ai: "01", value: "09506000134353" }]),
        "check digit 3, expected 2",
      );
    });
  });

  describe("Digital Link", function () {
    it("reads any domain and custom path, ignores non-AI parameters and fragments, pads GTIN-13", function () {
      const parsed = parseDigitalLink(
        "http://example.com/foo/01/bar/01/4006381333931/10/L%2D1?17=261200&linkType=all#x",
      );
      expect(parsed.base).to.equal("http://example.com/foo/01/bar");
      expect(parsed.elements).to.deep.equal([
        { ai: "01", value: "04006381333931" },
        { ai: "10", value: "L-1" },
        { ai: "17", value: "261200" },
      ]);
      expectGs1Error(
        () => parseDigitalLink("https://id.gs1.org/01/09506000134352/10/L%201"),
        "AI 10",
        `"L 1"`,
        "AI 82",
      );
    });

    it("builds and reads with a custom base", function () {
      const uri = packToDigitalLink(
        { gtin: "4006381333931", lot: "L-1", expiry: "261200" },
        { base: "https://example.com/foo/" },
      );
      expect(uri).to.equal("https://example.com/foo/01/04006381333931/10/L-1?17=261200");
      const parsed = parseDigitalLink(`${uri}&linkType=all#x`);
      expect(parsed.base).to.equal("https://example.com/foo");
      expect(elementsToPack(parsed.elements)).to.deep.equal({ gtin: "04006381333931", lot: "L-1", expiry: "261200" });
    });

    it("refuses compressed URIs, qualifiers in the query string, a second primary key and bad escapes", function () {
      expectGs1Error(() => parseDigitalLink("https://id.gs1.org/ARHKVAdpQgTYiujWEA"), "compressed");
      expectGs1Error(
        () => parseDigitalLink("https://id.gs1.org/01/09506000134352?10=ABC"),
        "AI 10 belongs in the path",
      );
      expectGs1Error(() => parseDigitalLink("https://id.gs1.org/01/09506000134352?00=106141412345678908"), "AI 00");
      expectGs1Error(() => parseDigitalLink("https://id.gs1.org/01/09506000134352/21/1/21/2"), "AI 21 appears twice");
      expectGs1Error(
        () => parseDigitalLink("https://id.gs1.org/01/09506000134352/254/1"),
        "AI 254 cannot follow AI 01",
      );
      expectGs1Error(
        () => parseDigitalLink("https://id.gs1.org/01/09506000134352/21/A%2"),
        `"A%2"`,
        "percent-encoding",
      );
      expectGs1Error(() => parseDigitalLink("https://id.gs1.org/21/12345"), "no GS1 primary key");
      expectGs1Error(() => parseDigitalLink("ftp://id.gs1.org/01/09506000134352"), "not an http(s) URI");
      expectGs1Error(() => buildDigitalLink([{ ai: "21", value: "1" }]), "exactly one primary key");
    });
  });

  describe("EPC URIs", function () {
    it("splits a GTIN at any company prefix length from 6 to 12", function () {
      const gtin = "73875837843740";
      for (let cpl = 6; cpl <= 12; cpl++) {
        const urn = packToEpcUri({ gtin, serial: "9302932" }, cpl);
        expect(urn.split(":")[4].split(".")[0]).to.have.length(cpl);
        expect(epcUriToPack(urn)).to.deep.equal({ gtin, serial: "9302932" });
      }
      expect(packToEpcUri({ gtin, lot: "L1" }, 6)).to.equal("urn:epc:class:lgtin:387583.7784374.L1");
      expect(packToEpcUri({ gtin }, 6)).to.equal("urn:epc:idpat:sgtin:387583.7784374.*");
    });

    it("refuses bad company prefix lengths, unescaped characters, other schemes and SGLN extension 0", function () {
      expectGs1Error(() => packToEpcUri({ gtin: "73875837843740", serial: "1" }, 5), "length 5");
      expectGs1Error(() => parseEpcUri("urn:epc:id:sgtin:0614141.812345.67/89"), `"/"`, "escape");
      expectGs1Error(() => parseEpcUri("urn:epc:id:sgtin:0614141.81234.1"), `"81234"`, "13 digits");
      expectGs1Error(() => parseEpcUri("urn:epc:id:grai:0614141.12345.400"), `"id:grai"`);
      expectGs1Error(() => parseEpcUri("urn:epc:idpat:sgtin:0614141.*.*"), "not supported");
      expectGs1Error(() => epcUriToPack("urn:epc:id:sscc:0614141.1234567890"), "SSCC", "not a trade item");
      expectGs1Error(
        () => buildEpcUri({ scheme: "sgln", gln: "0614141073467", extension: "0", companyPrefixLength: 7 }),
        `extension "0"`,
      );
      expectGs1Error(() => digitalLinkToEpcUri("https://id.gs1.org/01/09506000134352/22/V1/21/1", 7), "AI 22");
    });
  });

  describe("AI 17 expiry ↔ expiresAt", function () {
    const at = (iso: string): bigint => BigInt(Date.parse(iso) / 1000);

    it("applies the GS1 century window around the reference date", function () {
      expect(gs1FullYear(75, REFERENCE)).to.equal(2075); // 75 - 25 = 50: this century
      expect(gs1FullYear(76, REFERENCE)).to.equal(1976); // 51: previous century
      expect(gs1FullYear(0, REFERENCE)).to.equal(2000);
      expect(gs1FullYear(99, new Date("2049-01-01T00:00:00Z"))).to.equal(2099);
      expect(gs1FullYear(0, new Date("2050-01-01T00:00:00Z"))).to.equal(2100); // -50: next century
      expect(gs1FullYear(1, new Date("2051-01-01T00:00:00Z"))).to.equal(2101);
      expect(gs1FullYear(2, new Date("2051-01-01T00:00:00Z"))).to.equal(2002);
      expectGs1Error(() => gs1FullYear(100, REFERENCE), "100");
    });

    it("is the first second after the day ends; day 00 is the month's last day", function () {
      expect(expiryToExpiresAt("261231", REFERENCE)).to.equal(at("2027-01-01T00:00:00Z"));
      expect(expiryToExpiresAt("261200", REFERENCE)).to.equal(at("2027-01-01T00:00:00Z"));
      expect(expiryToExpiresAt("260200", REFERENCE)).to.equal(at("2026-03-01T00:00:00Z"));
      expect(expiryToExpiresAt("280200", REFERENCE)).to.equal(at("2028-03-01T00:00:00Z"));
      expect(expiryToExpiresAt("250327", REFERENCE)).to.equal(at("2025-03-28T00:00:00Z"));
      expect(expiryToExpiresAt("800115", REFERENCE)).to.equal(at("1980-01-16T00:00:00Z"));
    });

    it("knows leap years, century years included", function () {
      expect(expiryToExpiresAt("280229", REFERENCE)).to.equal(at("2028-03-01T00:00:00Z"));
      expect(expiryToExpiresAt("000229", REFERENCE)).to.equal(at("2000-03-01T00:00:00Z"));
      const in2080 = new Date("2080-01-01T00:00:00Z");
      expect(expiryToExpiresAt("000200", in2080)).to.equal(at("2100-03-01T00:00:00Z")); // 2100 is not a leap year
      expectGs1Error(() => expiryToExpiresAt("000229", in2080), `"000229"`, "2100-02 has 28 days");
      expectGs1Error(() => expiryToExpiresAt("270229", REFERENCE), `"270229"`, "day 29");
      expectGs1Error(() => expiryToExpiresAt("2612", REFERENCE), "AI 17", `"2612"`, "6 digits");
    });

    it("converts back to an explicit day, refusing non-boundaries and years outside the window", function () {
      expect(expiresAtToExpiry(at("2027-01-01T00:00:00Z"), REFERENCE)).to.equal("261231");
      expect(expiresAtToExpiry(at("2028-03-01T00:00:00Z"), REFERENCE)).to.equal("280229");
      expectGs1Error(() => expiresAtToExpiry(at("2027-01-01T00:00:01Z"), REFERENCE), "not a UTC day boundary");
      expectGs1Error(() => expiresAtToExpiry(at("2090-01-01T00:00:00Z"), REFERENCE), "2089", "another century");
      expectGs1Error(() => expiresAtToExpiry(-86400n, REFERENCE), "not a uint64");
    });

    it("round-trips every day of the window", function () {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 99 * 366 }), (offset) => {
          const expiresAt = at("1976-01-02T00:00:00Z") + BigInt(offset) * 86400n;
          if (expiresAt > at("2076-01-01T00:00:00Z")) return;
          const expiry = expiresAtToExpiry(expiresAt, REFERENCE);
          expect(expiryToExpiresAt(expiry, REFERENCE)).to.equal(expiresAt);
        }),
      );
    });
  });

  describe("round trips", function () {
    const ai82 = fc
      .array(fc.constantFrom(...`!"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz`), {
        minLength: 1,
        maxLength: 20,
      })
      .map((chars) => chars.join(""))
      .filter((value) => !value.includes("<GS>"));
    const gtin = fc.stringMatching(/^\d{13}$/).map((body) => body + gs1CheckDigit(body));
    const expiry = fc
      .tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 28 }))
      .map(([y, m, d]) => [y, m, d].map((n) => String(n).padStart(2, "0")).join(""));
    const pack = fc.record({ gtin, serial: ai82, lot: ai82, expiry }, { requiredKeys: ["gtin"] });

    it("a pack survives Digital Link, element string, DataMatrix and EPC URI", function () {
      fc.assert(
        fc.property(pack, fc.integer({ min: 6, max: 12 }), (p, cpl) => {
          expect(digitalLinkToPack(packToDigitalLink(p))).to.deep.equal(p);
          expect(elementsToPack(parseElementString(packToElementString(p)))).to.deep.equal(p);
          expect(elementsToPack(parseElementString(packToDataMatrix(p)))).to.deep.equal(p);
          expect(parseScan(packToDataMatrix(p, { prefix: GS }), REFERENCE)).to.deep.equal(
            parseScan(packToDigitalLink(p), REFERENCE),
          );
          if (p.serial !== undefined) {
            expect(epcUriToPack(packToEpcUri(p, cpl))).to.deep.equal({ gtin: p.gtin, serial: p.serial });
          }
        }),
      );
    });
  });
});

describe("GS1: one GTIN type from scan to lot id", function () {
  it("takes a GTIN as digits or as the protocol's uint64, the same lot id either way", function () {
    const fromDigits = lotIdOf("00614141123452", "L1");
    expect(lotIdOf("614141123452", "L1")).to.equal(fromDigits); // GTIN-12 as printed
    expect(lotIdOf(614141123452n, "L1")).to.equal(fromDigits);
    expect(gtinValue("0614141123452")).to.equal(614141123452n);
  });

  it("refuses a GTIN with a wrong check digit or out of range, as digits or as a number", function () {
    expect(() => lotIdOf("00614141123453", "L1")).to.throw(Gs1Error, /check digit/);
    expect(() => lotIdOf(614141123453n, "L1")).to.throw(Gs1Error, /check digit/);
    expect(() => gtinValue(10n ** 14n)).to.throw(Gs1Error, /not a GTIN-14 value/);
    expect(() => gtinValue(0n)).to.throw(Gs1Error, /not a GTIN-14 value/);
  });

  it("gives a scan's lot id from any form of the code, and says when the code has no lot", function () {
    const expected = lotIdOf(614141123452n, "L1");
    for (const scan of [
      "https://id.gs1.org/01/00614141123452/10/L1/21/A2",
      "(01)00614141123452(10)L1(21)A2",
      "]d2010061414112345210L1\u001d21A2",
    ]) {
      expect(lotIdOfScan(scan), scan).to.equal(expected);
    }
    expect(lotIdOfScan({ gtin: "00614141123452", lot: "L1" })).to.equal(expected);
    expect(() => lotIdOfScan("https://id.gs1.org/01/00614141123452/21/A2")).to.throw(
      Gs1Error,
      /no lot number \(AI 10\)/,
    );
  });
});

describe("GS1 Digital Link 1.0 short names", function () {
  it("reads /gtin/…/lot/…/ser/…?exp= as the numeric form, so the expiry is checked, not dropped", function () {
    const numeric = parseDigitalLink("https://vrs.example.com/01/00614141123452/10/L1/21/S1?17=281231");
    const short = parseDigitalLink("https://vrs.example.com/gtin/00614141123452/lot/L1/ser/S1?exp=281231&linkType=x");
    expect(short).to.deep.equal(numeric);
    const mixed = parseDigitalLink("https://vrs.example.com/01/00614141123452/10/L1/21/S1?exp=281231");
    expect(mixed.elements).to.deep.include({ ai: "17", value: "281231" });
    expect(() => parseDigitalLink("https://vrs.example.com/gtin/00614141123452/ser/S1/lot/L1")).to.throw(
      Gs1Error,
      /order/,
    );
  });
});
