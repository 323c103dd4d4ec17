/**
 * Where the standards' documents used as test fixtures live inside this repository (test/fixtures/, origins and
 * licences in its README). Nothing in the repository reads a path outside its root.
 */
import path from "node:path";

export const FIXTURES = path.join(__dirname, "..", "fixtures");
/** The official EPCIS 2.0 example documents (21 files). */
export const EPCIS_EXAMPLES = path.join(FIXTURES, "epcis", "examples");
/** The GS1 US DSCSA example, in EPCIS 1.2 XML and in its EPCIS 2.0 JSON-LD conversion. */
export const DSCSA = path.join(FIXTURES, "epcis", "dscsa");
export const DSCSA_XML = path.join(DSCSA, "GS1_US_Pharma_Example_2_2_1_1__EPCIS1.2.xml");
export const DSCSA_CONVERTED = path.join(DSCSA, "GS1_US_Pharma_Example_2_2_1_1__EPCIS2.0-converted.jsonld");
/** The GS1 identifier test vectors (check digits, SGTIN, Digital Link, element strings …). */
export const GS1_VECTORS = path.join(FIXTURES, "gs1", "vectors.md");
