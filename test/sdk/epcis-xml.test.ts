/**
 * The EPCIS 1.x XML reader (`readEpcisXml`): the shapes of EPCIS 1.2 that the GS1 US DSCSA example does not use
 * (QuantityEvent, TransformationEvent inside `extension`, `baseExtension` with eventID and an error declaration,
 * quantity lists, user extensions with nested elements, query documents), what it warns about, and what it refuses.
 * The DSCSA example itself is compared with GS1 US's own conversion in `test/epcis.dscsa.test.ts`.
 */
import { expect } from "chai";
import { InvalidInputError } from "../../sdk/src/errors";
import { planEpcisImport, readEpcisXml, validateEpcisDocument } from "../../sdk/src/epcis";

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
    expect(warnings[1]).to.match(/^<mystery> in ObjectEvent \(line \d+\) is not an EPCIS 1\.x field this reader knows: left out$/);
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
    expect((document["@context"] as unknown[])[1]).to.deep.equal({ ex: "http://example.com/ns/other", ex2: "http://example.com/ns/a" });
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
    expect(refusal(`${HEAD}\n<EPCISBody><EventList><ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>`).message).to.match(
      /^the XML document is not well-formed: .*"ObjectEvent" != "EventList" \(line 4, column \d+\)$/,
    );
    expect(refusal(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>`).message).to.match(/has a DOCTYPE/);
    expect(refusal(`<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0"/>`).message).to.match(
      /EPCIS 2\.0 XML document: .*give its JSON-LD form/,
    );
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
});
