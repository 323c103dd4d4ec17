-- Off-chain documents under the paper's read-access matrix (server/policy/access-matrix.json).
--
-- Row-level security decides what a reader's query returns. Requests run under the NON-owner role
-- pharmachain_reader (row-level security does not apply to a table's owner or to a superuser), inside a transaction
-- that has set the reader's address and role read from the registry:
--   select set_config('pharmachain.reader', '0x…lowercase', true), set_config('pharmachain.role', 'Distributor', true);
--   set local role pharmachain_reader;
-- The tables split a document by what a cell lets one see: its summary (documents), its content (document_contents)
-- and its redacted view (document_redactions), each with its own policy.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pharmachain_reader') THEN
    CREATE ROLE pharmachain_reader NOLOGIN;
  END IF;
  -- the service's own (owning) role may switch to the reader role; a superuser may anyway
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND rolsuper) THEN
    EXECUTE format('GRANT pharmachain_reader TO %I', current_user);
  END IF;
END
$$;

-- The matrix, one row per (reader role, kind, subject role): written by the service from the policy file at start.
-- subject_role is '*' except for stakeholder documents, whose cell depends on the subject stakeholder's role.
CREATE TABLE document_policy (
  reader_role text NOT NULL,
  kind text NOT NULL,
  subject_role text NOT NULL DEFAULT '*',
  cell text NOT NULL CHECK (cell IN ('yes', 'no', 'own', 'ifInvolved', 'withRestriction', 'globalData')),
  PRIMARY KEY (reader_role, kind, subject_role)
);

-- The facts "If involved" needs: who is a party to which subject. Filled by the service from on-chain reads at request
-- time (server/src/documents/chain.ts), only added to: every relation here is for good (a past holder stays one; a
-- shipment's or order's parties never change), so a row once read stays true.
CREATE TABLE document_parties (
  subject text NOT NULL,
  account text NOT NULL,
  relation text NOT NULL,
  block_number bigint NOT NULL,
  checked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subject, account, relation)
);

-- A document's summary: what a "Global data" reader sees.
CREATE TABLE documents (
  id text PRIMARY KEY,
  kind text NOT NULL,
  subject text NOT NULL,
  subject_type text NOT NULL,
  -- the subject stakeholder's role for stakeholder documents, else '*'
  subject_role text NOT NULL DEFAULT '*',
  uploader text NOT NULL,
  status text NOT NULL CHECK (status IN ('anchored', 'awaiting-anchor')),
  keccak256 text NOT NULL,
  sha256 text NOT NULL,
  -- which of the two hashes equals the on-chain anchor, where it was read, at which block
  anchor jsonb,
  size integer NOT NULL,
  content_type text NOT NULL,
  file_name text,
  redacted boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_subject ON documents (subject);

-- The content: AES-256-GCM ciphertext under a per-document data key, the data key wrapped by the key-encryption key
-- kept outside the database. A stolen database holds no plaintext.
CREATE TABLE document_contents (
  id text PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
  key_id text NOT NULL,
  wrapped_key bytea NOT NULL,
  iv bytea NOT NULL,
  tag bytea NOT NULL,
  ciphertext bytea NOT NULL
);

-- The redacted view of a JSON document (its restricted fields removed), encrypted under the same data key.
CREATE TABLE document_redactions (
  id text PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
  key_id text NOT NULL,
  wrapped_key bytea NOT NULL,
  keccak256 text NOT NULL,
  removed text[] NOT NULL,
  iv bytea NOT NULL,
  tag bytea NOT NULL,
  ciphertext bytea NOT NULL
);

-- Every read, list, upload and refusal. Append-only: no UPDATE or DELETE for anyone (a trigger refuses them even to the
-- owner); regulators read it.
CREATE TABLE document_audit (
  seq bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  reader text NOT NULL,
  reader_role text NOT NULL,
  action text NOT NULL CHECK (action IN ('upload', 'read', 'list', 'audit')),
  outcome text NOT NULL CHECK (outcome IN ('allowed', 'refused')),
  document_id text,
  subject text,
  kind text,
  cell text,
  view text,
  reason text
);
CREATE INDEX document_audit_document ON document_audit (document_id);

CREATE FUNCTION document_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'document_audit is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER document_audit_append_only BEFORE UPDATE OR DELETE ON document_audit
  FOR EACH ROW EXECUTE FUNCTION document_audit_append_only();
CREATE TRIGGER document_audit_no_truncate BEFORE TRUNCATE ON document_audit
  FOR EACH STATEMENT EXECUTE FUNCTION document_audit_append_only();

-- The reader's cell for a document: the policy row of its role, kind and subject role.
CREATE FUNCTION document_cell(p_kind text, p_subject_role text) RETURNS text AS $$
  SELECT coalesce(
    (SELECT cell FROM document_policy
      WHERE reader_role = current_setting('pharmachain.role', true) AND kind = p_kind
        AND subject_role IN (p_subject_role, '*')
      ORDER BY subject_role = '*' LIMIT 1),
    'no')
$$ LANGUAGE sql STABLE;

-- Whether the reader is a party to a subject (the facts above), or is the subject itself.
CREATE FUNCTION document_involved(p_subject text) RETURNS boolean AS $$
  SELECT p_subject = 'stakeholder:' || current_setting('pharmachain.reader', true)
    OR EXISTS (SELECT 1 FROM document_parties
                WHERE subject = p_subject AND account = current_setting('pharmachain.reader', true))
$$ LANGUAGE sql STABLE;

-- Whether the reader may read a document's full content under its cell.
CREATE FUNCTION document_full_access(p_kind text, p_subject text, p_subject_role text) RETURNS boolean AS $$
  SELECT CASE document_cell(p_kind, p_subject_role)
    WHEN 'yes' THEN true
    WHEN 'own' THEN p_subject = 'stakeholder:' || current_setting('pharmachain.reader', true)
    WHEN 'ifInvolved' THEN document_involved(p_subject)
    ELSE false
  END
$$ LANGUAGE sql STABLE;

ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE document_contents ENABLE ROW LEVEL SECURITY;
ALTER TABLE document_redactions ENABLE ROW LEVEL SECURITY;
ALTER TABLE document_audit ENABLE ROW LEVEL SECURITY;
ALTER TABLE document_parties ENABLE ROW LEVEL SECURITY;

-- The summary: to a full reader, a restricted reader and a Global data reader.
CREATE POLICY documents_read ON documents FOR SELECT TO pharmachain_reader USING (
  document_full_access(kind, subject, subject_role)
  OR document_cell(kind, subject_role) IN ('withRestriction', 'globalData')
);
CREATE POLICY document_contents_read ON document_contents FOR SELECT TO pharmachain_reader USING (
  EXISTS (SELECT 1 FROM documents d WHERE d.id = document_contents.id
           AND document_full_access(d.kind, d.subject, d.subject_role))
);
CREATE POLICY document_redactions_read ON document_redactions FOR SELECT TO pharmachain_reader USING (
  EXISTS (SELECT 1 FROM documents d WHERE d.id = document_redactions.id
           AND document_cell(d.kind, d.subject_role) = 'withRestriction')
);
-- The audit log: regulators read all of it; anyone else only their own entries.
CREATE POLICY document_audit_read ON document_audit FOR SELECT TO pharmachain_reader USING (
  current_setting('pharmachain.role', true) = 'Regulator'
  OR reader = current_setting('pharmachain.reader', true)
);
-- A reader sees only its own facts.
CREATE POLICY document_parties_read ON document_parties FOR SELECT TO pharmachain_reader USING (
  account = current_setting('pharmachain.reader', true)
);

GRANT SELECT ON documents, document_contents, document_redactions, document_audit, document_parties, document_policy
  TO pharmachain_reader;
