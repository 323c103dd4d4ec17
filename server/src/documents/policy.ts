/**
 * The read-access matrix of off-chain documents (`server/policy/access-matrix.json`): the paper's Tables 1 and 2
 * mapped onto this protocol's roles. The loader validates every cell and names the bad one; the service writes the
 * cells into the `document_policy` table, which the row-level security policies of the database read.
 */
import fs from "fs";
import path from "path";

export const CELL_VALUES = ["yes", "no", "own", "ifInvolved", "withRestriction", "globalData"] as const;
export type Cell = (typeof CELL_VALUES)[number];

/** The roles that read documents (the registry's roles, less `None`). */
export const READER_ROLES = ["Regulator", "Manufacturer", "Distributor", "Transporter", "Dispenser"] as const;
export type ReaderRole = (typeof READER_ROLES)[number];

export const SUBJECT_TYPES = ["lot", "shipment", "order", "stakeholder", "product"] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];

/** How a kind's on-chain anchor is read (server/src/documents/chain.ts). */
export const ANCHORS = {
  "lot.dataHash": "lot",
  "lot.recallReasonHash": "lot",
  "lot.evidenceHash": "lot",
  "lot.decisionHash": "lot",
  "shipment.noticeHash": "shipment",
  "order.documentHash": "order",
  "stakeholder.licenceHash": "stakeholder",
  "stakeholder.metadataHash": "stakeholder",
  "product.metadataHash": "product",
} as const satisfies Record<string, SubjectType>;
export type Anchor = keyof typeof ANCHORS;

/** Who may upload a kind: the subject's party named, or any regulator. */
export const UPLOADERS = [
  "lot.manufacturer",
  "lot.party",
  "shipment.seller",
  "shipment.party",
  "order.party",
  "stakeholder.self",
  "product.manufacturer",
  "regulator",
] as const;
export type Uploader = (typeof UPLOADERS)[number];

export interface PaperCell {
  cell: Cell;
  /** The paper's cell as written there (`If involved`), or null where the paper has none or it is not quoted. */
  paper: string | null;
  note?: string;
}

export interface DocumentKind {
  subject: SubjectType;
  anchor: Anchor;
  contentTypes: string[];
  /** Top-level fields of a JSON document removed in the redacted view. */
  restrictedFields: string[];
  uploaders: Uploader[];
  paperColumn: string | null;
  description: string;
}

export interface AccessPolicy {
  version: number;
  values: Record<Cell, string>;
  kinds: Record<string, DocumentKind>;
  /** reader role → kind → cell; a stakeholder kind's cell depends on the subject stakeholder's role. */
  matrix: Record<ReaderRole, Record<string, PaperCell | { bySubjectRole: Record<ReaderRole, PaperCell> }>>;
  paper: Record<string, unknown>;
}

/** One row of the `document_policy` table. `subjectRole` is `*` except for stakeholder kinds. */
export interface PolicyRow {
  readerRole: ReaderRole;
  kind: string;
  subjectRole: ReaderRole | "*";
  cell: Cell;
}

export class PolicyError extends Error {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(`access matrix: ${where}: ${message}`);
  }
}

export const POLICY_FILE = path.join(__dirname, "..", "..", "policy", "access-matrix.json");

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function checkCell(where: string, value: unknown): PaperCell {
  if (!isObject(value)) throw new PolicyError(where, "a cell is an object { cell, paper, note? }");
  if (!CELL_VALUES.includes(value.cell as Cell)) {
    throw new PolicyError(where, `cell "${String(value.cell)}" is not one of ${CELL_VALUES.join(", ")}`);
  }
  if (value.paper !== null && typeof value.paper !== "string") {
    throw new PolicyError(where, "paper is the paper's cell as a string, or null");
  }
  if (value.paper === null && typeof value.note !== "string") {
    throw new PolicyError(where, "a cell without the paper's value says why in a note");
  }
  return value as unknown as PaperCell;
}

/** Validates a parsed policy; throws a PolicyError naming the bad kind or cell. */
export function validatePolicy(raw: unknown): AccessPolicy {
  if (!isObject(raw)) throw new PolicyError("/", "the policy is a JSON object");
  if (raw.version !== 1) throw new PolicyError("/version", `version ${String(raw.version)} is not 1`);
  if (!isObject(raw.kinds) || Object.keys(raw.kinds).length === 0) throw new PolicyError("/kinds", "no kinds");
  for (const [name, kind] of Object.entries(raw.kinds)) {
    const where = `/kinds/${name}`;
    if (!/^[a-z][A-Za-z]{1,40}$/.test(name)) throw new PolicyError(where, "a kind's name is a camelCase word");
    if (!isObject(kind)) throw new PolicyError(where, "a kind is an object");
    if (!SUBJECT_TYPES.includes(kind.subject as SubjectType)) {
      throw new PolicyError(`${where}/subject`, `"${String(kind.subject)}" is not one of ${SUBJECT_TYPES.join(", ")}`);
    }
    const anchor = kind.anchor as Anchor;
    if (!(anchor in ANCHORS)) throw new PolicyError(`${where}/anchor`, `unknown anchor "${String(kind.anchor)}"`);
    if (ANCHORS[anchor] !== kind.subject) {
      throw new PolicyError(`${where}/anchor`, `${anchor} is not an anchor of a ${String(kind.subject)}`);
    }
    if (
      !Array.isArray(kind.contentTypes) ||
      kind.contentTypes.length === 0 ||
      !kind.contentTypes.every((t) => typeof t === "string" && /^[a-z]+\/[a-z0-9.+-]+$/.test(t))
    ) {
      throw new PolicyError(`${where}/contentTypes`, "a non-empty list of media types (type/subtype)");
    }
    if (!Array.isArray(kind.restrictedFields) || !kind.restrictedFields.every((f) => typeof f === "string")) {
      throw new PolicyError(`${where}/restrictedFields`, "a list of field names");
    }
    if (
      !Array.isArray(kind.uploaders) ||
      kind.uploaders.length === 0 ||
      !kind.uploaders.every((u) => UPLOADERS.includes(u as Uploader))
    ) {
      throw new PolicyError(`${where}/uploaders`, `a non-empty list of ${UPLOADERS.join(", ")}`);
    }
  }
  if (!isObject(raw.matrix)) throw new PolicyError("/matrix", "no matrix");
  for (const role of Object.keys(raw.matrix)) {
    if (!READER_ROLES.includes(role as ReaderRole)) throw new PolicyError(`/matrix/${role}`, "not a role");
  }
  for (const role of READER_ROLES) {
    const row = raw.matrix[role];
    if (!isObject(row)) throw new PolicyError(`/matrix/${role}`, "every role has a row");
    for (const name of Object.keys(row)) {
      if (!(name in raw.kinds)) throw new PolicyError(`/matrix/${role}/${name}`, "not a kind");
    }
    for (const [name, kind] of Object.entries(raw.kinds as Record<string, DocumentKind>)) {
      const where = `/matrix/${role}/${name}`;
      const value = row[name];
      if (value === undefined) throw new PolicyError(where, "missing cell: every role has a cell for every kind");
      if (kind.subject === "stakeholder") {
        if (!isObject(value) || !isObject(value.bySubjectRole)) {
          throw new PolicyError(where, "a stakeholder kind's cell is { bySubjectRole: { <role>: cell } }");
        }
        for (const subjectRole of READER_ROLES) {
          checkCell(`${where}/bySubjectRole/${subjectRole}`, value.bySubjectRole[subjectRole]);
        }
      } else {
        checkCell(where, value);
        if ((value as PaperCell).cell === "own") {
          throw new PolicyError(where, "Own applies to stakeholder documents (the reader's own record) only");
        }
      }
    }
  }
  return raw as unknown as AccessPolicy;
}

export function loadPolicy(file: string = POLICY_FILE): AccessPolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new PolicyError(file, `cannot be read as JSON: ${(error as Error).message}`);
  }
  return validatePolicy(raw);
}

/** The policy as rows of the `document_policy` table. */
export function policyRows(policy: AccessPolicy): PolicyRow[] {
  const rows: PolicyRow[] = [];
  for (const readerRole of READER_ROLES) {
    for (const kind of Object.keys(policy.kinds)) {
      const value = policy.matrix[readerRole][kind];
      if ("bySubjectRole" in value) {
        for (const subjectRole of READER_ROLES) {
          rows.push({ readerRole, kind, subjectRole, cell: value.bySubjectRole[subjectRole].cell });
        }
      } else rows.push({ readerRole, kind, subjectRole: "*", cell: value.cell });
    }
  }
  return rows;
}

/** The cell of a reader role for a kind (and, for stakeholder kinds, the subject's role); `no` for any other role. */
export function cellOf(policy: AccessPolicy, readerRole: string, kind: string, subjectRole = "*"): Cell {
  const row = policy.matrix[readerRole as ReaderRole];
  const value = row?.[kind];
  if (!value) return "no";
  if ("bySubjectRole" in value) return value.bySubjectRole[subjectRole as ReaderRole]?.cell ?? "no";
  return value.cell;
}

const SHOWN: Record<Cell, string> = {
  yes: "Yes",
  no: "No",
  own: "Own",
  ifInvolved: "If involved",
  withRestriction: "With Restriction",
  globalData: "Global data",
};

/**
 * The policy as the README's Markdown table: a row per kind (per subject role for stakeholder kinds), a column per
 * role, each cell `paper → ours` (`—` where the paper has no cell or it is not quoted; the notes in the policy file say
 * why). A test checks that the README's table is this one.
 */
export function policyTable(policy: AccessPolicy): string {
  const show = (c: PaperCell): string => {
    const ours = SHOWN[c.cell];
    return c.paper === ours ? ours : `${c.paper ?? "—"} → ${ours}`;
  };
  const lines = [
    `| document kind (subject, paper's column) | ${READER_ROLES.join(" | ")} |`,
    `|---|${READER_ROLES.map(() => "---").join("|")}|`,
  ];
  for (const [name, kind] of Object.entries(policy.kinds)) {
    const column = kind.paperColumn ?? "no column";
    if (kind.subject === "stakeholder") {
      for (const subjectRole of READER_ROLES) {
        const cells = READER_ROLES.map((r) => {
          const value = policy.matrix[r][name];
          return "bySubjectRole" in value ? show(value.bySubjectRole[subjectRole]) : show(value);
        });
        lines.push(`| \`${name}\` of a ${subjectRole} (stakeholder, Table 2) | ${cells.join(" | ")} |`);
      }
    } else {
      const cells = READER_ROLES.map((r) => {
        const value = policy.matrix[r][name];
        return "bySubjectRole" in value ? "?" : show(value);
      });
      lines.push(`| \`${name}\` (${kind.subject}, ${column}) | ${cells.join(" | ")} |`);
    }
  }
  return lines.join("\n");
}
