/**
 * The EPCIS 1.x XML reader (`readEpcisXml`): the shapes of EPCIS 1.2 that the GS1 US DSCSA example does not use
 * (QuantityEvent, TransformationEvent inside `extension`, `baseExtension` with eventID and an error declaration,
 * quantity lists, user extensions with nested elements, query documents), what it warns about (everything it does not
 * carry over, each with its line), what it refuses, and `decodeEpcisText` (a file's bytes as text).
 * The DSCSA example itself is compared with GS1 US's own conversion in `test/epcis.dscsa.test.ts`.
 */
import { expect } from "chai";
import { InvalidInputError } from "../../sdk/src/errors";
import {
  decodeEpcisText,
  planEpcisImport,
  readEpcisDocument,
  readEpcisXml,
  validateEpcisDocument,
} from "../../sdk/src/epcis";

const HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1" xmlns:ex="http://example.com/ns/a" xmlns:ex2="http://example.com/ns/b"
    xmlns:cbvmda="urn:epcglobal:cbv:mda" schemaVersion="1.2" creationDate="2024-05-01T10:00:00Z">`;

const DOCUMENT = `${HEAD}
  <EPCISBody>
    <EventList>
      <ObjectEvent>
        <eventTime>2024-05-01T09:00:00.000+02:00</eventTime>
        <recordTime>2024-05-01T09:00:05Z</recordTime>
        <eventTimeZoneOffset>+02:00</eventTimeZoneOffset>
        <baseExtension>
          <eventID>urn:uuid:6f0b5a1e-3c1d-4c7e-9a1b-0f2e3d4c5b6a</eventID>
          <errorDeclaration>
            <declarationTime>2024-05-02T08:00:00Z</declarationTime>
            <reason>urn:epcglobal:cbv:er:incorrect_data</reason>
            <correctiveEventIDs>
              <correctiveEventID>urn:uuid:0d6c7f4a-1b2c-4d3e-8f9a-0b1c2d3e4f5a</correctiveEventID>
            </correctiveEventIDs>
          </errorDeclaration>
        </baseExtension>
        <epcList>
          <epc>urn:epc:id:sgtin:0614141.112345.400</epc>
        </epcList>
        <action>OBSERVE</action>
        <bizStep>urn:epcglobal:cbv:bizstep:inspecting</bizStep>
        <disposition>urn:epcglobal:cbv:disp:in_progress</disposition>
        <readPoint><id>urn:epc:id:sgln:0614141.07346.1234</id></readPoint>
        <extension>
          <quantityList>
            <quantityElement>
              <epcClass>urn:epc:class:lgtin:4012345.012345.998877</epcClass>
              <quantity>200</quantity>
              <uom>KGM</uom>
            </quantityElement>
          </quantityList>
        </extension>
        <ex:temperature unit="CEL">
          <ex:value>4.5</ex:value>
          <ex2:checked>true</ex2:checked>
        </ex:temperature>
        <ex2:note>first</ex2:note>
        <ex2:note>second</ex2:note>
        <mystery>not in EPCIS 1.2</mystery>
      </ObjectEvent>
      <QuantityEvent>
        <eventTime>2024-05-01T10:00:00Z</eventTime>
        <eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
        <epcClass>urn:epc:idpat:sgtin:4012345.098765.*</epcClass>
        <quantity>12</quantity>
        <bizStep>urn:epcglobal:cbv:bizstep:storing</bizStep>
      </QuantityEvent>
      <extension>
        <TransformationEvent>
          <eventTime>2024-05-01T11:00:00Z</eventTime>
          <eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
          <inputEPCList><epc>urn:epc:id:sgtin:4012345.011122.25</epc></inputEPCList>
          <outputEPCList><epc>urn:epc:id:sgtin:4012345.077889.25</epc></outputEPCList>
          <outputQuantityList>
            <quantityElement><epcClass>urn:epc:class:lgtin:4012345.011111.4444</epcClass><quantity>10</quantity></quantityElement>
          </outputQuantityList>
          <transformationID>urn:epc:id:gdti:0614141.12345.400</transformationID>
          <bizStep>urn:epcglobal:cbv:bizstep:commissioning</bizStep>
          <ilmd><cbvmda:lotNumber>L4444</cbvmda:lotNumber></ilmd>
        </TransformationEvent>
      </extension>
      <AggregationEvent>
        <eventTime>2024-05-01T12:00:00Z</eventTime>
        <eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
        <parentID>urn:epc:id:sscc:0614141.1234567890</parentID>
        <childEPCs><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></childEPCs>
        <action>OBSERVE</action>
        <bizStep>urn:epcglobal:cbv:bizstep:receiving</bizStep>
        <bizTransactionList>
          <bizTransaction>urn:epcglobal:cbv:bt:0614141000005:PO42</bizTransaction>
        </bizTransactionList>
        <extension>
          <childQuantityList>
            <quantityElement><epcClass>urn:epc:idpat:sgtin:4012345.098765.*</epcClass><quantity>10</quantity></quantityElement>
          </childQuantityList>
          <destinationList>
            <destination type="urn:epcglobal:cbv:sdt:possessing_party">urn:epc:id:pgln:0614141.00001</destination>
          </destinationList>
        </extension>
      </AggregationEvent>
    </EventList>
  </EPCISBody>
</epcis:EPCISDocument>`;

/** The 1-based line of the first occurrence of `needle` in `text` (warnings name the line of what they are about). */
function line(text: string, needle: string): number {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`${needle} is not in the text`);
  return text.slice(0, i).split("\n").length;
}

/** An EPCIS 1.2 document with the namespace `x` (`urn:x`) declared, around `inside` (header and body). */
function withX(inside: string): string {
  return `<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1" xmlns:x="urn:x" schemaVersion="1.2" creationDate="2024-05-01T10:00:00Z">
${inside}
</epcis:EPCISDocument>`;
}

/** The opening fields every event below shares. */
const WHEN = `<eventTime>2024-05-01T10:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>`;

/** `epcisHeader.epcisMasterData` of a read document. */
function masterDataOf(
  document: Record<string, unknown>,
): { vocabularyList: Record<string, unknown>[] } & Record<string, unknown> {
  return (document.epcisHeader as { epcisMasterData: { vocabularyList: Record<string, unknown>[] } }).epcisMasterData;
}

function eventsOf(text: string): Record<string, unknown>[] {
  return readEpcisXml(text).document.epcisBody.eventList as Record<string, unknown>[];
}

function refusal(text: string): InvalidInputError {
  try {
    readEpcisXml(text);
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error("expected readEpcisXml to refuse the text");
}

describe("SDK EPCIS 1.x XML reader", () => {
  it("lifts extension and baseExtension fields, maps CBV URNs to 2.0 words, and validates against the official schema", () => {
    const { document, sourceVersion, warnings } = readEpcisXml(DOCUMENT);
    expect(sourceVersion).to.equal("1.2");
    expect(validateEpcisDocument(document).errors).to.deep.equal([]);
    const [observe, quantity, transformation, aggregation] = document.epcisBody.eventList as Record<string, unknown>[];
    expect(observe).to.deep.equal({
      type: "ObjectEvent",
      eventTime: "2024-05-01T09:00:00.000+02:00",
      recordTime: "2024-05-01T09:00:05Z",
      eventTimeZoneOffset: "+02:00",
      eventID: "urn:uuid:6f0b5a1e-3c1d-4c7e-9a1b-0f2e3d4c5b6a",
      errorDeclaration: {
        declarationTime: "2024-05-02T08:00:00Z",
        reason: "incorrect_data",
        correctiveEventIDs: ["urn:uuid:0d6c7f4a-1b2c-4d3e-8f9a-0b1c2d3e4f5a"],
      },
      epcList: ["urn:epc:id:sgtin:0614141.112345.400"],
      action: "OBSERVE",
      bizStep: "inspecting",
      disposition: "in_progress",
      readPoint: { id: "urn:epc:id:sgln:0614141.07346.1234" },
      quantityList: [{ epcClass: "urn:epc:class:lgtin:4012345.012345.998877", quantity: 200, uom: "KGM" }],
      "ex:temperature": { "ex:value": "4.5", "ex2:checked": true },
      "ex2:note": ["first", "second"],
    });
    expect(quantity).to.deep.equal({
      type: "ObjectEvent",
      action: "OBSERVE",
      epcList: [],
      quantityList: [{ epcClass: "urn:epc:idpat:sgtin:4012345.098765.*", quantity: 12 }],
      eventTime: "2024-05-01T10:00:00Z",
      eventTimeZoneOffset: "+00:00",
      bizStep: "storing",
    });
    expect(transformation).to.deep.include({
      type: "TransformationEvent",
      inputEPCList: ["urn:epc:id:sgtin:4012345.011122.25"],
      outputEPCList: ["urn:epc:id:sgtin:4012345.077889.25"],
      outputQuantityList: [{ epcClass: "urn:epc:class:lgtin:4012345.011111.4444", quantity: 10 }],
      transformationID: "urn:epc:id:gdti:0614141.12345.400",
      ilmd: { "cbvmda:lotNumber": "L4444" },
    });
    expect(aggregation).to.deep.include({
      bizTransactionList: [{ bizTransaction: "urn:epcglobal:cbv:bt:0614141000005:PO42" }],
      childQuantityList: [{ epcClass: "urn:epc:idpat:sgtin:4012345.098765.*", quantity: 10 }],
      destinationList: [{ type: "possessing_party", destination: "urn:epc:id:pgln:0614141.00001" }],
    });
    // namespaces of the extensions are declared; cbvmda is the EPCIS context's own
    expect(document["@context"]).to.deep.equal([
      "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
      { ex: "http://example.com/ns/a", ex2: "http://example.com/ns/b" },
    ]);
    // what was not carried over is said, with its line
    expect(warnings).to.have.length(3);
    expect(warnings[0]).to.match(/^attributes unit of ex:temperature \(line \d+\) are not carried over$/);
    expect(warnings[1]).to.match(
      /^<mystery> in ObjectEvent \(line \d+\) is not an EPCIS 1\.x field this reader knows: left out$/,
    );
    expect(warnings[2]).to.match(/^QuantityEvent \(line \d+\) read as an ObjectEvent OBSERVE/);
  });

  it("gives two namespaces that share a prefix two prefixes", () => {
    const text = `${HEAD}<EPCISBody><EventList>
      <ObjectEvent xmlns:ex="http://example.com/ns/other">
        <eventTime>2024-05-01T10:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
        <epcList/><action>OBSERVE</action>
        <ex:field>x</ex:field>
      </ObjectEvent>
      <ObjectEvent>
        <eventTime>2024-05-01T10:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
        <epcList/><action>OBSERVE</action>
        <ex:field>y</ex:field>
      </ObjectEvent>
    </EventList></EPCISBody></epcis:EPCISDocument>`;
    const { document } = readEpcisXml(text);
    const events = document.epcisBody.eventList as Record<string, unknown>[];
    expect(events[0]["ex:field"]).to.equal("x");
    expect(events[1]["ex2:field"]).to.equal("y");
    expect((document["@context"] as unknown[])[1]).to.deep.equal({
      ex: "http://example.com/ns/other",
      ex2: "http://example.com/ns/a",
    });
  });

  it("reads an EPCISQueryDocument's results", () => {
    const text = `<epcisq:EPCISQueryDocument xmlns:epcisq="urn:epcglobal:epcis-query:xsd:1" schemaVersion="1.2" creationDate="2024-05-01T10:00:00Z">
      <EPCISBody><epcisq:QueryResults>
        <queryName>SimpleEventQuery</queryName>
        <resultsBody><EventList>
          <ObjectEvent>
            <eventTime>2024-05-01T10:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
            <epcList><epc>urn:epc:id:sgtin:0614141.107346.2018</epc></epcList><action>OBSERVE</action>
          </ObjectEvent>
        </EventList></resultsBody>
      </epcisq:QueryResults></EPCISBody>
    </epcisq:EPCISQueryDocument>`;
    const { document } = readEpcisXml(text);
    expect(document.type).to.equal("EPCISQueryDocument");
    expect(validateEpcisDocument(document).errors).to.deep.equal([]);
    const plan = planEpcisImport(text);
    expect(plan.events).to.have.length(1);
    expect(plan.unsupported[0].reason).to.be.a("string").and.not.equal("");
  });

  it("plans the XML like its JSON-LD: the transformation and the quantities are listed as not representable, with reasons", () => {
    const plan = planEpcisImport(DOCUMENT, { now: Date.parse("2024-05-01T00:00:00Z") / 1000 });
    expect(plan.warnings[0]).to.equal("read as EPCIS 1.2 XML, mapped to EPCIS 2.0");
    expect(plan.warnings).to.have.length(4);
    expect(plan.events).to.have.length(4);
    expect(plan.unsupported.map((e) => e.type)).to.include("TransformationEvent");
    for (const e of plan.unsupported) expect(e.reason, `event ${e.index}`).to.not.equal("");
  });

  it("refuses malformed XML with where it broke, a DOCTYPE, EPCIS 2.0 XML and other roots", () => {
    expect(
      refusal(`${HEAD}\n<EPCISBody><EventList><ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>`).message,
    ).to.match(/^the XML document is not well-formed: .*"ObjectEvent" != "EventList" \(line 4, column \d+\)$/);
    expect(refusal(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>`).message).to.match(
      /has a DOCTYPE/,
    );
    expect(
      refusal(`<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0"/>`).message,
    ).to.match(/EPCIS 2\.0 XML document: .*give its JSON-LD form/);
    expect(refusal(`<rss version="2.0"><channel/></rss>`).message).to.equal(
      "the XML root is <rss>: not an EPCIS 1.x EPCISDocument or EPCISQueryDocument",
    );
    expect(refusal(`${HEAD}</epcis:EPCISDocument>`).message).to.equal("<epcis:EPCISDocument> has no EPCISBody");
    const badQuantity = `${HEAD}<EPCISBody><EventList><QuantityEvent><eventTime>2024-05-01T10:00:00Z</eventTime>
      <eventTimeZoneOffset>+00:00</eventTimeZoneOffset><epcClass>urn:epc:idpat:sgtin:4012345.098765.*</epcClass>
      <quantity>twelve</quantity></QuantityEvent></EventList></EPCISBody></epcis:EPCISDocument>`;
    expect(refusal(badQuantity).message).to.match(/^<quantity> \(line 5\): "twelve" is not a number$/);
  });

  it("refuses through planEpcisImport too, and says a text that is neither JSON nor XML is not JSON", () => {
    expect(() => planEpcisImport(`<x><y></x>`)).to.throw(InvalidInputError, /not well-formed/);
    expect(() => planEpcisImport(`{"type": "EPCISDocument",`)).to.throw(InvalidInputError, /neither JSON nor XML/);
  });
  it("warns about attributes of EPCIS elements that it does not use, not about namespace declarations or the ones it reads", () => {
    const text = `<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1" xmlns:x="urn:x" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="urn:epcglobal:epcis:xsd:1 EPCglobal-epcis-1_2.xsd" schemaVersion="1.2" creationDate="2024-05-01T10:00:00Z" x:origin="lab">
  <EPCISHeader><extension><EPCISMasterData><VocabularyList>
    <Vocabulary type="urn:epcglobal:epcis:vtype:Location" x:v="1"><VocabularyElementList>
      <VocabularyElement id="urn:epc:id:sgln:0614141.00001.0" x:ve="1">
        <attribute id="urn:epcglobal:cbv:mda#name" xml:lang="en">Plant</attribute>
      </VocabularyElement>
    </VocabularyElementList></Vocabulary>
  </VocabularyList></EPCISMasterData></extension></EPCISHeader>
  <EPCISBody><EventList>
    <ObjectEvent x:flag="y">
      <eventTime zone="utc">2024-05-01T10:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
      <epcList><epc x:tag="1">urn:epc:id:sgtin:0614141.107346.2018</epc></epcList><action>OBSERVE</action>
      <bizTransactionList><bizTransaction type="urn:epcglobal:cbv:btt:po" x:note="n">urn:epcglobal:cbv:bt:0614141000005:PO42</bizTransaction></bizTransactionList>
      <extension><sourceList><source type="urn:epcglobal:cbv:sdt:owning_party">urn:epc:id:pgln:0614141.00001</source></sourceList></extension>
    </ObjectEvent>
  </EventList></EPCISBody>
</epcis:EPCISDocument>`;
    const { document, warnings } = readEpcisXml(text);
    expect(warnings).to.deep.equal([
      "attributes x:origin of epcis:EPCISDocument (line 1) are not carried over",
      `attributes x:v of Vocabulary (line ${line(text, "<Vocabulary ")}) are not carried over`,
      `attributes x:ve of VocabularyElement (line ${line(text, "<VocabularyElement ")}) are not carried over`,
      `attributes xml:lang of attribute (line ${line(text, "<attribute ")}) are not carried over`,
      `attributes x:flag of ObjectEvent (line ${line(text, "<ObjectEvent ")}) are not carried over`,
      `attributes zone of eventTime (line ${line(text, "<eventTime ")}) are not carried over`,
      `attributes x:tag of epc (line ${line(text, "<epc ")}) are not carried over`,
      `attributes x:note of bizTransaction (line ${line(text, "<bizTransaction ")}) are not carried over`,
    ]);
    // what the attributes it reads say is carried
    const [event] = document.epcisBody.eventList as Record<string, unknown>[];
    expect(event.bizTransactionList).to.deep.equal([
      { type: "po", bizTransaction: "urn:epcglobal:cbv:bt:0614141000005:PO42" },
    ]);
    expect(event.sourceList).to.deep.equal([{ type: "owning_party", source: "urn:epc:id:pgln:0614141.00001" }]);
    expect(masterDataOf(document)).to.deep.equal({
      vocabularyList: [
        {
          type: "urn:epcglobal:epcis:vtype:Location",
          vocabularyElementList: [
            {
              id: "urn:epc:id:sgln:0614141.00001.0",
              attributes: [{ id: "urn:epcglobal:cbv:mda#name", attribute: "Plant" }],
            },
          ],
        },
      ],
    });
  });

  it("reads a structured master-data attribute as an object, without warning about the id it carries", () => {
    const text = withX(`<EPCISHeader><extension><EPCISMasterData><VocabularyList>
  <Vocabulary type="urn:epcglobal:epcis:vtype:Location"><VocabularyElementList>
    <VocabularyElement id="urn:epc:id:sgln:0614141.00001.0">
      <attribute id="urn:x#addr"><x:street>1 Main St</x:street><x:city>Springfield</x:city></attribute>
    </VocabularyElement>
  </VocabularyElementList></Vocabulary>
</VocabularyList></EPCISMasterData></extension></EPCISHeader>
<EPCISBody><EventList/></EPCISBody>`);
    const { document, warnings } = readEpcisXml(text);
    expect(warnings).to.deep.equal([]);
    const [vocabulary] = masterDataOf(document).vocabularyList;
    expect(vocabulary.vocabularyElementList).to.deep.equal([
      {
        id: "urn:epc:id:sgln:0614141.00001.0",
        attributes: [{ id: "urn:x#addr", attribute: { "x:street": "1 Main St", "x:city": "Springfield" } }],
      },
    ]);
    expect(validateEpcisDocument(document).errors).to.deep.equal([]);
  });

  it("warns about text beside child elements (mixed content in an extension, text in an EPCIS list) and elements inside a text field", () => {
    const text = withX(`<EPCISBody><EventList>
  <ObjectEvent>
    <eventTime>2024-05-01T10:00:00Z<x:zone>UTC</x:zone></eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
    <epcList>urn:epc:id:sgtin:0614141.107346.2018</epcList><action>OBSERVE</action>
    <x:note>hello <x:b>world</x:b></x:note>
  </ObjectEvent>
</EventList></EPCISBody>`);
    const { document, warnings } = readEpcisXml(text);
    const [event] = document.epcisBody.eventList as Record<string, unknown>[];
    expect(event.eventTime).to.equal("2024-05-01T10:00:00Z");
    expect(event.epcList).to.deep.equal([]);
    expect(event["x:note"]).to.deep.equal({ "x:b": "world" });
    expect(warnings).to.deep.equal([
      `elements inside eventTime (line ${line(text, "<eventTime>")}) are not carried over (only its text is read)`,
      `text "urn:epc:id:sgtin:0614141.107346.2018" in epcList (line ${line(text, "<epcList>")}) is not carried over (only its child elements are read)`,
      `text "hello" in x:note (line ${line(text, "<x:note>")}) is not carried over (only its child elements are read)`,
    ]);
  });

  it("keeps the first of a repeated EPCIS field and warns about the others", () => {
    const text = withX(`<EPCISBody><EventList>
  <ObjectEvent>
    <eventTime>2024-05-01T10:00:00Z</eventTime>
    <eventTime>2024-05-02T10:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
    <epcList><epc>urn:epc:id:sgtin:0614141.107346.1</epc></epcList>
    <epcList><epc>urn:epc:id:sgtin:0614141.107346.2</epc></epcList>
    <action>OBSERVE</action>
    <readPoint><id>urn:epc:id:sgln:0614141.00001.0</id>
      <id>urn:epc:id:sgln:0614141.00002.0</id></readPoint>
    <extension><quantityList><quantityElement><epcClass>urn:epc:class:lgtin:4012345.012345.1</epcClass>
      <epcClass>urn:epc:class:lgtin:4012345.012345.2</epcClass><quantity>1</quantity></quantityElement></quantityList></extension>
    <extension><quantityList><quantityElement><epcClass>urn:epc:class:lgtin:4012345.012345.3</epcClass></quantityElement></quantityList></extension>
    <baseExtension><errorDeclaration><declarationTime>2024-05-03T10:00:00Z</declarationTime>
      <declarationTime>2024-05-04T10:00:00Z</declarationTime></errorDeclaration></baseExtension>
  </ObjectEvent>
</EventList></EPCISBody>`);
    const { document, warnings } = readEpcisXml(text);
    const [event] = document.epcisBody.eventList as Record<string, unknown>[];
    expect(event).to.deep.include({
      eventTime: "2024-05-01T10:00:00Z",
      epcList: ["urn:epc:id:sgtin:0614141.107346.1"],
      readPoint: { id: "urn:epc:id:sgln:0614141.00001.0" },
      quantityList: [{ epcClass: "urn:epc:class:lgtin:4012345.012345.1", quantity: 1 }],
      errorDeclaration: { declarationTime: "2024-05-03T10:00:00Z" },
    });
    expect(warnings).to.deep.equal([
      `a second <eventTime> in ObjectEvent (line ${line(text, "<eventTime>2024-05-02")}) is left out: the first is kept`,
      `a second <epcList> in ObjectEvent (line ${line(text, ".107346.2<")}) is left out: the first is kept`,
      `a second <id> in <readPoint> (line ${line(text, "00002.0")}) is left out: the first is kept`,
      `a second <epcClass> in a quantityElement (line ${line(text, "012345.2<")}) is left out: the first is kept`,
      `a second <quantityList> in ObjectEvent (line ${line(text, "012345.3<")}) is left out: the first is kept`,
      `a second <declarationTime> in errorDeclaration (line ${line(text, "2024-05-04")}) is left out: the first is kept`,
    ]);
  });

  it("carries the extension fields of the document, the body, the master data, a vocabulary and its elements, and warns about unknown EPCIS parts", () => {
    const text = withX(`<EPCISHeader><extension><EPCISMasterData>
  <VocabularyList>
    <Vocabulary type="urn:epcglobal:epcis:vtype:Location">
      <VocabularyElementList>
        <VocabularyElement id="urn:epc:id:sgln:0614141.00001.0">
          <attribute id="urn:epcglobal:cbv:mda#name">Plant</attribute>
          <children><id>urn:epc:id:sgln:0614141.00001.1</id></children>
          <extension><x:more>m</x:more><futureAttribute>f</futureAttribute></extension>
          <x:other>o</x:other>
        </VocabularyElement>
      </VocabularyElementList>
      <extension><x:vocabularyNote>v</x:vocabularyNote></extension>
      <x:other>ov</x:other>
    </Vocabulary>
  </VocabularyList>
  <extension><x:masterDataNote>md</x:masterDataNote></extension>
  <x:masterDataOther>mo</x:masterDataOther>
</EPCISMasterData></extension></EPCISHeader>
<EPCISBody>
  <EventList/>
  <extension><x:bodyNote>b</x:bodyNote></extension>
  <x:bodyOther>bo</x:bodyOther>
</EPCISBody>
<extension><futureRootField>r</futureRootField></extension>
<x:rootOther>ro</x:rootOther>`);
    const { document, warnings } = readEpcisXml(text);
    expect(document.epcisHeader).to.deep.equal({
      epcisMasterData: {
        vocabularyList: [
          {
            type: "urn:epcglobal:epcis:vtype:Location",
            vocabularyElementList: [
              {
                id: "urn:epc:id:sgln:0614141.00001.0",
                attributes: [{ id: "urn:epcglobal:cbv:mda#name", attribute: "Plant" }],
                children: ["urn:epc:id:sgln:0614141.00001.1"],
                "x:more": "m",
                "x:other": "o",
              },
            ],
            "x:vocabularyNote": "v",
            "x:other": "ov",
          },
        ],
        "x:masterDataNote": "md",
        "x:masterDataOther": "mo",
      },
    });
    expect(document.epcisBody).to.deep.equal({ eventList: [], "x:bodyNote": "b", "x:bodyOther": "bo" });
    expect(document["x:rootOther"]).to.equal("ro");
    expect(warnings).to.deep.equal([
      `<futureAttribute> in VocabularyElement (line ${line(text, "<futureAttribute>")}) is not an EPCIS 1.x field this reader knows: left out`,
      `<futureRootField> in EPCISDocument (line ${line(text, "<futureRootField>")}) is not an EPCIS 1.x field this reader knows: left out`,
    ]);
    expect(validateEpcisDocument(document).errors).to.deep.equal([]);
  });

  it("reads a query's resultsBody that holds a VocabularyList as its vocabularyList", () => {
    const text = `<epcisq:EPCISQueryDocument xmlns:epcisq="urn:epcglobal:epcis-query:xsd:1" schemaVersion="1.2" creationDate="2024-05-01T10:00:00Z">
      <EPCISBody><epcisq:QueryResults>
        <queryName>SimpleMasterDataQuery</queryName>
        <resultsBody><VocabularyList>
          <Vocabulary type="urn:epcglobal:epcis:vtype:BusinessLocation"><VocabularyElementList>
            <VocabularyElement id="urn:epc:id:sgln:0614141.00001.0"><attribute id="urn:epcglobal:cbv:mda#name">Plant</attribute></VocabularyElement>
          </VocabularyElementList></Vocabulary>
        </VocabularyList></resultsBody>
      </epcisq:QueryResults></EPCISBody>
    </epcisq:EPCISQueryDocument>`;
    const { document, warnings } = readEpcisXml(text);
    expect(warnings).to.deep.equal([]);
    expect((document.epcisBody as Record<string, unknown>).queryResults).to.deep.equal({
      queryName: "SimpleMasterDataQuery",
      resultsBody: {
        eventList: [],
        vocabularyList: [
          {
            type: "urn:epcglobal:epcis:vtype:BusinessLocation",
            vocabularyElementList: [
              {
                id: "urn:epc:id:sgln:0614141.00001.0",
                attributes: [{ id: "urn:epcglobal:cbv:mda#name", attribute: "Plant" }],
              },
            ],
          },
        ],
      },
    });
    expect(validateEpcisDocument(document).errors).to.deep.equal([]);
  });

  it("keeps the SBDH's first Sender and Receiver and warns about a second one and the parts it does not carry, not about those GS1 US drops", () => {
    const text = `<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1" xmlns:sbdh="http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
    schemaVersion="1.2" creationDate="2024-05-01T10:00:00Z">
  <EPCISHeader><sbdh:StandardBusinessDocumentHeader>
    <sbdh:HeaderVersion>1.0</sbdh:HeaderVersion>
    <sbdh:Sender><sbdh:Identifier Authority="GS1">urn:epc:id:sgln:0614141.00001.0</sbdh:Identifier>
      <sbdh:ContactInformation><sbdh:Contact>Jo</sbdh:Contact></sbdh:ContactInformation></sbdh:Sender>
    <sbdh:Sender><sbdh:Identifier Authority="GS1">urn:epc:id:sgln:0614141.00009.0</sbdh:Identifier></sbdh:Sender>
    <sbdh:Receiver><sbdh:Identifier Authority="GS1">urn:epc:id:sgln:0614142.00001.0</sbdh:Identifier></sbdh:Receiver>
    <sbdh:Receiver><sbdh:Identifier Authority="GS1">urn:epc:id:sgln:0614142.00009.0</sbdh:Identifier></sbdh:Receiver>
    <sbdh:DocumentIdentification>
      <sbdh:Standard>EPCglobal</sbdh:Standard><sbdh:TypeVersion>1.0</sbdh:TypeVersion>
      <sbdh:InstanceIdentifier>42</sbdh:InstanceIdentifier><sbdh:Type>Events</sbdh:Type>
      <sbdh:MultipleType>false</sbdh:MultipleType>
      <sbdh:CreationDateAndTime>2024-05-01T10:00:00Z</sbdh:CreationDateAndTime>
    </sbdh:DocumentIdentification>
    <sbdh:BusinessScope><sbdh:Scope><sbdh:Type>EPCISMasterData</sbdh:Type></sbdh:Scope></sbdh:BusinessScope>
  </sbdh:StandardBusinessDocumentHeader></EPCISHeader>
  <EPCISBody><EventList/></EPCISBody>
</epcis:EPCISDocument>`;
    const { document, warnings } = readEpcisXml(text);
    expect(document).to.deep.include({
      sender: "urn:epc:id:sgln:0614141.00001.0",
      receiver: "urn:epc:id:sgln:0614142.00001.0",
      instanceIdentifier: "42",
    });
    expect(warnings).to.deep.equal([
      `<sbdh:ContactInformation> in sbdh:Sender (line ${line(text, "<sbdh:ContactInformation>")}) is not carried over`,
      `a second <sbdh:Sender> in the SBDH (line ${line(text, "00009.0")}) is left out: the first is kept`,
      `a second <sbdh:Receiver> in the SBDH (line ${line(text, "0614142.00009.0")}) is left out: the first is kept`,
      `<sbdh:MultipleType> in sbdh:DocumentIdentification (line ${line(text, "<sbdh:MultipleType>")}) is not carried over`,
      `<sbdh:BusinessScope> in the SBDH (line ${line(text, "<sbdh:BusinessScope>")}) is not carried over`,
    ]);
  });

  it("reads only elements of the EPCIS namespaces as EPCIS: foreign look-alikes are extension fields where 2.0 has room, else warned about", () => {
    const text = withX(`<x:EPCISHeader><x:note>n</x:note></x:EPCISHeader>
<EPCISHeader><extension><EPCISMasterData><VocabularyList>
  <x:Vocabulary type="urn:x:t"/>
  <Vocabulary type="urn:epcglobal:epcis:vtype:Location"><VocabularyElementList>
    <x:VocabularyElement id="urn:epc:id:sgln:0614141.00002.0"/>
    <VocabularyElement id="urn:epc:id:sgln:0614141.00001.0"><x:attribute>v</x:attribute></VocabularyElement>
  </VocabularyElementList></Vocabulary>
</VocabularyList></EPCISMasterData></extension></EPCISHeader>
<EPCISBody>
  <x:EventList><x:ObjectEvent>e</x:ObjectEvent></x:EventList>
  <EventList>
    <x:ObjectEvent>${WHEN}<epcList/><action>OBSERVE</action></x:ObjectEvent>
    <ObjectEvent>${WHEN}
      <epcList><x:epc>urn:epc:id:sgtin:0614141.107346.2019</x:epc><epc>urn:epc:id:sgtin:0614141.107346.2018</epc></epcList>
      <action>OBSERVE</action>
      <x:eventTime>2030-01-01T00:00:00Z</x:eventTime>
      <bizTransactionList><x:bizTransaction>urn:epcglobal:cbv:bt:0614141000005:PO42</x:bizTransaction></bizTransactionList>
      <extension><quantityList>
        <x:quantityElement><epcClass>urn:epc:class:lgtin:4012345.012345.9</epcClass></x:quantityElement>
        <quantityElement><epcClass>urn:epc:class:lgtin:4012345.012345.1</epcClass><quantity>2</quantity><x:quality>A</x:quality></quantityElement>
      </quantityList></extension>
    </ObjectEvent>
  </EventList>
</EPCISBody>`);
    const { document, warnings } = readEpcisXml(text);
    const events = document.epcisBody.eventList as Record<string, unknown>[];
    expect(events).to.have.length(1);
    expect(events[0]).to.deep.include({
      eventTime: "2024-05-01T10:00:00Z",
      epcList: ["urn:epc:id:sgtin:0614141.107346.2018"],
      "x:eventTime": "2030-01-01T00:00:00Z",
      bizTransactionList: [],
      quantityList: [{ epcClass: "urn:epc:class:lgtin:4012345.012345.1", quantity: 2 }],
    });
    expect(document.epcisBody).to.deep.include({ "x:EventList": { "x:ObjectEvent": "e" } });
    expect(document["x:EPCISHeader"]).to.deep.equal({ "x:note": "n" });
    const [vocabulary] = masterDataOf(document).vocabularyList;
    expect(vocabulary.vocabularyElementList).to.deep.equal([
      { id: "urn:epc:id:sgln:0614141.00001.0", "x:attribute": "v" },
    ]);
    expect(warnings).to.deep.equal([
      `<x:Vocabulary> in VocabularyList (line ${line(text, "<x:Vocabulary ")}) is left out: it holds only <Vocabulary> elements`,
      `<x:VocabularyElement> in VocabularyElementList (line ${line(text, "<x:VocabularyElement ")}) is left out: it holds only <VocabularyElement> elements`,
      `<x:ObjectEvent> (line ${line(text, "<x:ObjectEvent><eventTime>")}) is not an EPCIS 1.x event: left out`,
      `<x:epc> in epcList (line ${line(text, "<x:epc>")}) is left out: it holds only <epc> elements`,
      `<x:bizTransaction> in bizTransactionList (line ${line(text, "<x:bizTransaction>")}) is left out: it holds only <bizTransaction> elements`,
      `<x:quantityElement> in quantityList (line ${line(text, "<x:quantityElement>")}) is left out: it holds only <quantityElement> elements`,
      `<x:quality> in a quantityElement (line ${line(text, "<x:quality>")}) is not carried over: EPCIS 2.0 quantity elements have no extensions`,
    ]);
    expect(validateEpcisDocument(document).errors).to.deep.equal([]);
    // a body or query results in another namespace are not the EPCIS ones
    expect(refusal(withX(`<x:EPCISBody><EventList/></x:EPCISBody>`)).message).to.equal(
      "<epcis:EPCISDocument> has no EPCISBody",
    );
    const query = `<epcisq:EPCISQueryDocument xmlns:epcisq="urn:epcglobal:epcis-query:xsd:1" xmlns:x="urn:x" schemaVersion="1.2">
      <EPCISBody><x:QueryResults><queryName>q</queryName><resultsBody><EventList/></resultsBody></x:QueryResults></EPCISBody>
    </epcisq:EPCISQueryDocument>`;
    expect(refusal(query).message).to.equal("the EPCISQueryDocument's body holds no QueryResults");
  });

  it("renames extension prefixes that would redefine a term or prefix of the @protected EPCIS context, or are no URI scheme", () => {
    const text = `<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1" xmlns:ext-gs1="urn:z" xmlns:gs1="urn:mine" xmlns:type="urn:t"
    xmlns:eventTime="urn:e" xmlns:my_ns="urn:u" xmlns:schema="urn:s" schemaVersion="1.2" creationDate="2024-05-01T10:00:00Z">
  <EPCISBody><EventList><ObjectEvent>${WHEN}<epcList/><action>ADD</action>
    <ext-gs1:a>1</ext-gs1:a><gs1:b>2</gs1:b><type:c>3</type:c><eventTime:d>4</eventTime:d><my_ns:e>5</my_ns:e>
    <extension><ilmd><schema:f>6</schema:f></ilmd></extension>
  </ObjectEvent></EventList></EPCISBody>
</epcis:EPCISDocument>`;
    const { document, warnings } = readEpcisXml(text);
    expect(warnings).to.deep.equal([]);
    expect(document["@context"]).to.deep.equal([
      "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
      {
        "ext-gs1": "urn:z",
        "ext-gs1-2": "urn:mine",
        "ext-type": "urn:t",
        "ext-eventTime": "urn:e",
        "ext-my-ns": "urn:u",
        "ext-schema": "urn:s",
      },
    ]);
    const [event] = document.epcisBody.eventList as Record<string, unknown>[];
    expect(event).to.deep.include({
      "ext-gs1:a": "1",
      "ext-gs1-2:b": "2",
      "ext-type:c": "3",
      "ext-eventTime:d": "4",
      "ext-my-ns:e": "5",
      ilmd: { "ext-schema:f": "6" },
    });
    expect(validateEpcisDocument(document).errors).to.deep.equal([]);
  });

  it("gathers 40,000 repeated extension children into one array, and reads children named like Object's properties as data", function () {
    const many = withX(`<EPCISBody><EventList><ObjectEvent>${WHEN}<epcList/><action>OBSERVE</action>
      <x:bag>${"<x:n>1</x:n>".repeat(40_000)}</x:bag>
    </ObjectEvent></EventList></EPCISBody>`);
    // (about 1 s here, the parse mostly; when each repeat copied the array it took 20 s. Timing is for benchmarks.)
    const [event] = eventsOf(many);
    expect((event["x:bag"] as Record<string, unknown[]>)["x:n"]).to.have.length(40_000);

    const named = withX(`<EPCISBody><EventList><ObjectEvent>${WHEN}<epcList/><action>OBSERVE</action>
      <x:o><constructor>a</constructor><__proto__>b</__proto__><toString>c</toString><toString>d</toString></x:o>
    </ObjectEvent></EventList></EPCISBody>`);
    const [withNames] = eventsOf(named);
    expect(JSON.stringify(withNames["x:o"])).to.equal('{"constructor":"a","__proto__":"b","toString":["c","d"]}');
  });

  it("trims attribute values", () => {
    const text = withX(`<EPCISHeader><extension><EPCISMasterData><VocabularyList>
  <Vocabulary type=" urn:epcglobal:epcis:vtype:Location "><VocabularyElementList>
    <VocabularyElement id="
      urn:epc:id:sgln:0614141.00001.0 "><attribute id=" urn:epcglobal:cbv:mda#name ">Plant</attribute></VocabularyElement>
  </VocabularyElementList></Vocabulary>
</VocabularyList></EPCISMasterData></extension></EPCISHeader>
<EPCISBody><EventList><ObjectEvent>${WHEN}<epcList/><action>OBSERVE</action>
  <bizTransactionList><bizTransaction type=" urn:epcglobal:cbv:btt:po ">urn:epcglobal:cbv:bt:0614141000005:PO42</bizTransaction></bizTransactionList>
  <extension><destinationList><destination type="\turn:epcglobal:cbv:sdt:possessing_party ">urn:epc:id:pgln:0614141.00001</destination></destinationList></extension>
</ObjectEvent></EventList></EPCISBody>`)
      .replace('creationDate="2024-05-01T10:00:00Z"', 'creationDate=" 2024-05-01T10:00:00Z "')
      .replace('schemaVersion="1.2"', 'schemaVersion=" 1.2"');
    const { document, sourceVersion, warnings } = readEpcisXml(text);
    expect(warnings).to.deep.equal([]);
    expect(sourceVersion).to.equal("1.2");
    expect(document.creationDate).to.equal("2024-05-01T10:00:00Z");
    const [event] = document.epcisBody.eventList as Record<string, unknown>[];
    expect(event.bizTransactionList).to.deep.equal([
      { type: "po", bizTransaction: "urn:epcglobal:cbv:bt:0614141000005:PO42" },
    ]);
    expect(event.destinationList).to.deep.equal([
      { type: "possessing_party", destination: "urn:epc:id:pgln:0614141.00001" },
    ]);
    expect(masterDataOf(document).vocabularyList).to.deep.equal([
      {
        type: "urn:epcglobal:epcis:vtype:Location",
        vocabularyElementList: [
          {
            id: "urn:epc:id:sgln:0614141.00001.0",
            attributes: [{ id: "urn:epcglobal:cbv:mda#name", attribute: "Plant" }],
          },
        ],
      },
    ]);
    expect(validateEpcisDocument(document).errors).to.deep.equal([]);
  });

  it("reads quantities only as xsd:decimal text: a sign, digits, a fraction; no hexadecimal, exponent or empty text", () => {
    const quantities = (...values: string[]): string =>
      withX(`<EPCISBody><EventList><ObjectEvent>${WHEN}<epcList/><action>OBSERVE</action><extension><quantityList>
${values.map((v) => `<quantityElement><epcClass>urn:epc:class:lgtin:4012345.012345.1</epcClass><quantity>${v}</quantity></quantityElement>`).join("\n")}
</quantityList></extension></ObjectEvent></EventList></EPCISBody>`);
    const [event] = eventsOf(quantities("12", "+12.50", " .5 ", "7.", "-3", "0012"));
    expect((event.quantityList as { quantity: number }[]).map((q) => q.quantity)).to.deep.equal([
      12, 12.5, 0.5, 7, -3, 12,
    ]);
    for (const bad of ["0x10", "1e3", "", "Infinity", "1,5", "."]) {
      expect(refusal(quantities(bad)).message, bad).to.equal(`<quantity> (line 3): "${bad}" is not a number`);
    }
  });
});

describe("SDK EPCIS file bytes as text (decodeEpcisText)", () => {
  const XML = `<?xml version="1.0" encoding="ISO-8859-1"?>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1" xmlns:x="urn:x" schemaVersion="1.2" creationDate="2024-05-01T10:00:00Z">
<EPCISHeader><x:site>Café Zürich</x:site></EPCISHeader><EPCISBody><EventList/></EPCISBody></epcis:EPCISDocument>`;

  it("decodes by byte-order mark, then by the XML declaration's encoding, else as UTF-8", () => {
    // Latin-1, named by the declaration: é is the single byte E9 (not UTF-8)
    const latin1 = new Uint8Array(Buffer.from(XML, "latin1"));
    expect(latin1.includes(0xe9)).to.equal(true);
    expect(decodeEpcisText(latin1)).to.equal(XML);
    expect(readEpcisXml(decodeEpcisText(latin1)).document.epcisHeader).to.deep.equal({ "x:site": "Café Zürich" });
    // UTF-16 with a byte-order mark (which is not part of the text), little- and big-endian
    const text = XML.replace(` encoding="ISO-8859-1"`, ` encoding="UTF-16"`);
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    expect(decodeEpcisText(new Uint8Array(le))).to.equal(text);
    const be = Buffer.from(le).swap16();
    expect(decodeEpcisText(new Uint8Array(be))).to.equal(text);
    // UTF-8, with or without a byte-order mark; JSON has no declaration
    const json = `{"type":"EPCISDocument","x:site":"Café Zürich €"}`;
    expect(decodeEpcisText(new Uint8Array(Buffer.from(json, "utf8")))).to.equal(json);
    expect(
      decodeEpcisText(new Uint8Array(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json, "utf8")]))),
    ).to.equal(json);
    const utf8Xml = XML.replace("ISO-8859-1", "UTF-8");
    expect(decodeEpcisText(new Uint8Array(Buffer.from(utf8Xml, "utf8")))).to.equal(utf8Xml);
  });

  it("plans a file's bytes as they are: a Latin-1 XML document and a UTF-16 JSON-LD one", () => {
    const latin1 = Buffer.from(
      XML.replace(
        "<EventList/>",
        `<EventList><ObjectEvent><eventTime>2024-05-01T10:00:00Z</eventTime>
      <eventTimeZoneOffset>+00:00</eventTimeZoneOffset><epcList><epc>urn:epc:id:sgtin:0614141.107346.Zé1</epc></epcList>
      <action>OBSERVE</action></ObjectEvent></EventList>`,
      ),
      "latin1",
    );
    expect(readEpcisDocument(latin1).epcisHeader).to.deep.equal({ "x:site": "Café Zürich" });
    const plan = planEpcisImport(latin1);
    expect(plan.warnings).to.deep.equal(["read as EPCIS 1.2 XML, mapped to EPCIS 2.0"]);
    expect(plan.events).to.have.length(1);
    const json = readEpcisXml(decodeEpcisText(latin1)).document;
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify(json), "utf16le")]);
    expect(readEpcisDocument(utf16)).to.deep.equal(json);
    expect(() => planEpcisImport(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]))).to.throw(InvalidInputError, /not UTF-8/);
  });

  it("refuses bytes that are not text in their encoding, and an encoding it cannot decode, naming it", () => {
    const refused = (bytes: Uint8Array): string => {
      try {
        decodeEpcisText(bytes);
      } catch (error) {
        expect(error).to.be.instanceOf(InvalidInputError);
        return (error as Error).message;
      }
      throw new Error("expected decodeEpcisText to refuse the bytes");
    };
    // C3 28 is not UTF-8; nor is Latin-1 text without a declaration that says so
    expect(refused(new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]))).to.match(
      /^the EPCIS document is not UTF-8 text: /,
    );
    expect(refused(new Uint8Array(Buffer.from(XML.replace(` encoding="ISO-8859-1"`, ""), "latin1")))).to.match(
      /^the EPCIS document is not UTF-8 text: /,
    );
    expect(refused(new Uint8Array(Buffer.from(XML.replace("ISO-8859-1", "X-NOPE-9"), "latin1")))).to.equal(
      `the EPCIS document's encoding "X-NOPE-9" is not one this SDK can decode`,
    );
    // a declaration spelled in single bytes cannot be UTF-16 text
    expect(refused(new Uint8Array(Buffer.from(XML.replace("ISO-8859-1", "UTF-16"), "latin1")))).to.match(
      /names the encoding "UTF-16", but the document is not UTF-16/,
    );
    // an odd number of bytes after a UTF-16 byte-order mark
    expect(refused(new Uint8Array([0xff, 0xfe, 0x3c, 0x00, 0x3f]))).to.match(
      /^the EPCIS document is not UTF-16LE text: /,
    );
  });
});
