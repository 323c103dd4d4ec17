/**
 * Validation of EPCIS 2.0 JSON / JSON-LD documents against the official GS1 EPCIS JSON Schema (draft-07), with `ajv`.
 *
 * The schema is embedded (`EPCIS-JSON-Schema.json`, from GitHub `gs1/EPCIS` at 2b888bef, unchanged), so the SDK
 * reads nothing outside itself at run time; its notice is `EPCIS_SCHEMA_NOTICE` below. A caller may give another
 * schema (a newer GS1 release) to `EpcisValidator`.
 *
 * The schema's two formats are checked here without `ajv-formats`: `date-time` (RFC 3339, with a time-zone) and
 * `uri` (RFC 3986: a scheme, then no whitespace or characters a URI never holds).
 *
 * One change is made to the copy that is compiled, with the same meaning: `epcList`'s items, `{"$ref": "#/definitions/uri"}`,
 * get that definition inline (`{"type": "string", "format": "uri"}`). Through the `$ref`, ajv cannot see that the
 * items are strings and checks `uniqueItems` by comparing every pair, which made a 100,000-pack commissioning event
 * take about two minutes to validate; with the type in sight it uses a hash (linear).
 */
import Ajv, { ErrorObject, ValidateFunction } from "ajv";
import { InvalidInputError } from "../errors";
import officialSchema from "./EPCIS-JSON-Schema.json";

/** The notice that comes with the official EPCIS schema (GitHub `gs1/EPCIS`, file LICENSE). */
export const EPCIS_SCHEMA_NOTICE = `EPCIS-JSON-Schema.json: (c) GS1 AISBL, from https://github.com/gs1/EPCIS (commit 2b888bef, 2023-05-16).
GS1, under its IP Policy, seeks to avoid uncertainty regarding intellectual property claims by requiring the participants in the
Work Group that developed the EPCIS standard (the "Standard") and collateral documents to agree to grant to GS1 members a
royalty-free licence or a RAND licence to Necessary Claims, as that term is defined in the GS1 IP Policy. Furthermore, attention
is drawn to the possibility that an implementation of one or more features of the Standard may be the subject of a patent or
other intellectual property right that does not involve a Necessary Claim. Any such patent or other intellectual property right
is not subject to the licencing obligations of GS1. Moreover, the agreement to grant licences provided under the GS1 IP Policy
does not include IP rights and any claims of third parties who were not participants in the Work Group.
Accordingly, GS1 recommends that any organisation developing an implementation designed to be in conformance with this Standard
should determine whether there are any patents that may encompass a specific implementation that the organisation is
developing in compliance with the Standard and whether a licence under a patent or other intellectual property right is needed.
THESE DOCUMENTS ARE PROVIDED "AS IS" WITH NO WARRANTIES WHATSOEVER, INCLUDING ANY WARRANTY OF MERCHANTABILITY, NONINFRINGEMENT,
FITNESS FOR PARTICULAR PURPOSE, OR ANY WARRANTY OTHER WISE ARISING OUT OF THIS SPECIFICATION. GS1 disclaims all liability for any
damages arising from use or misuse of this Standard, whether special, indirect, consequential, or compensatory damages, and
including liability for infringement of any intellectual property rights, relating to use of information in or reliance upon
these documents. GS1 retains the right to make changes to these documents at any time, without notice. GS1 makes no warranty for
the use of this document and assumes no responsibility for any errors which may appear in these documents, nor does it make a
commitment to update the information contained herein. GS1 and the GS1 logo are registered trademarks of GS1 AISBL.
Further details at https://www.gs1.org/docs/ip/GS1_Intellectual_Property_Policy-Review_Version.pdf`;

/** The official EPCIS 2.0 JSON Schema as embedded in the SDK. */
export const EPCIS_JSON_SCHEMA: Readonly<Record<string, unknown>> = officialSchema as Record<string, unknown>;

/** One schema violation: where in the document (`instancePath`, a JSON pointer) and which schema rule (`schemaPath`). */
export interface EpcisSchemaError {
  instancePath: string;
  schemaPath: string;
  message: string;
}

export interface EpcisValidation {
  valid: boolean;
  /** The violations ajv reports (the first one first); empty when valid. */
  errors: EpcisSchemaError[];
}

/** An EPCIS document that the official schema refuses; `instancePath` and `schemaPath` are those of the first error. */
export class EpcisSchemaValidationError extends InvalidInputError {
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly errors: readonly EpcisSchemaError[];

  constructor(errors: readonly EpcisSchemaError[], what = "the EPCIS document") {
    const first = errors[0] ?? { instancePath: "", schemaPath: "", message: "invalid" };
    super(
      `${what} is not valid EPCIS 2.0: at ${first.instancePath || "/"} ${first.message} (schema ${first.schemaPath})`,
      {
        details: errors.length > 1 ? `${errors.length} schema errors in all` : undefined,
      },
    );
    this.instancePath = first.instancePath;
    this.schemaPath = first.schemaPath;
    this.errors = errors;
  }
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

/** RFC 3339 `date-time` (a time-zone is required), with real calendar values. */
export function isRfc3339DateTime(value: string): boolean {
  const m = DATE_TIME.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > days || hour > 23 || minute > 59 || second > 60) return false;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false;
  return true;
}

/** An absolute URI (RFC 3986): a scheme, a colon, and no character that a URI never holds. */
export function isUri(value: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:[^\s"<>\\^`{|}]*$/.test(value) && !/%(?![0-9A-Fa-f]{2})/.test(value);
}

function toSchemaErrors(errors: readonly ErrorObject[] | null | undefined): EpcisSchemaError[] {
  return (errors ?? []).map((e) => ({
    instancePath: e.instancePath,
    schemaPath: e.schemaPath,
    message: e.message ?? e.keyword,
  }));
}

/**
 * The schema as compiled: a copy in which the items of `epcList` are the `uri` definition inline instead of a `$ref`
 * to it, so that ajv checks `uniqueItems` in linear time (see the module note). Schemas without that shape are used
 * as given.
 */
export function schemaForCompilation(schema: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const copy = structuredClone(schema) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const definitions = copy.definitions;
  const epcList = definitions?.epcList;
  const uri = definitions?.uri;
  if (
    epcList?.items?.$ref === "#/definitions/uri" &&
    Object.keys(epcList.items).length === 1 &&
    uri &&
    typeof uri === "object"
  ) {
    epcList.items = structuredClone(uri);
  }
  return copy;
}

/** A compiled validator (compiling the official schema takes some tens of milliseconds: reuse one). */
export class EpcisValidator {
  private readonly validateFn: ValidateFunction;

  constructor(schema: Readonly<Record<string, unknown>> = EPCIS_JSON_SCHEMA) {
    const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: true });
    ajv.addFormat("date-time", { type: "string", validate: isRfc3339DateTime });
    ajv.addFormat("uri", { type: "string", validate: isUri });
    this.validateFn = ajv.compile(schemaForCompilation(schema));
  }

  validate(document: unknown): EpcisValidation {
    const valid = this.validateFn(document) === true;
    return { valid, errors: valid ? [] : toSchemaErrors(this.validateFn.errors) };
  }

  /** Throws `EpcisSchemaValidationError` (an `InvalidInputError`) with the first error's paths unless valid. */
  assertValid(document: unknown, what?: string): void {
    const result = this.validate(document);
    if (!result.valid) throw new EpcisSchemaValidationError(result.errors, what);
  }
}

let shared: EpcisValidator | undefined;

/** The validator of the embedded official schema, compiled once. */
export function epcisValidator(): EpcisValidator {
  shared ??= new EpcisValidator();
  return shared;
}

/** Validates a document against the official EPCIS 2.0 JSON Schema. */
export function validateEpcisDocument(document: unknown): EpcisValidation {
  return epcisValidator().validate(document);
}

/** Throws `EpcisSchemaValidationError` with the schema path of the first error unless the document is valid. */
export function assertValidEpcisDocument(document: unknown, what?: string): void {
  epcisValidator().assertValid(document, what);
}
