-- Evidence files (PostgreSQL twin of migrations/sqlite/0023_evidence_files.sql):
-- the documents behind a cost, an excusal, a dispute's decision, a
-- commitment's delivery or a DR test, byte for byte with their SHA-256.
-- Insert-only; sealed into the `evidence_files` hash chain and audited.
CREATE TABLE evidence_files (
    id         BIGSERIAL PRIMARY KEY,
    contract   TEXT COLLATE "C" NOT NULL,
    kind       TEXT COLLATE "C" NOT NULL CHECK (kind IN ('cost', 'excusal', 'dispute', 'delivery', 'dr_test')),
    subject    BIGINT NOT NULL, -- the cost, excusal, dispute, commitment event or DR test id
    period     TEXT COLLATE "C", -- YYYY-MM: the month the subject bears on, when it has one
    filename   TEXT   NOT NULL,
    media_type TEXT   NOT NULL,
    size       BIGINT NOT NULL,
    sha256     TEXT COLLATE "C" NOT NULL, -- of bytes, lowercase hex
    bytes      BYTEA  NOT NULL,
    added_by   TEXT   NOT NULL,
    added_at   BIGINT NOT NULL
);
CREATE INDEX evidence_files_by_subject ON evidence_files (contract, kind, subject);
CREATE INDEX evidence_files_by_period ON evidence_files (contract, period);
CREATE TRIGGER evidence_files_are_kept BEFORE UPDATE OR DELETE ON evidence_files
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('evidence files are recorded once and never changed');

-- Outages and commitments' delay payments can be disputed too (a delay
-- payment's subject is COMMITMENT@OCCURRENCE).
ALTER TABLE disputes DROP CONSTRAINT disputes_kind_check;
ALTER TABLE disputes ADD CONSTRAINT disputes_kind_check
    CHECK (kind IN ('service_level', 'incident', 'cost', 'outage', 'delay_payment'));

-- The audit trail now also speaks of evidence files and delay payments.
ALTER TABLE audit DROP CONSTRAINT audit_kind_check;
ALTER TABLE audit ADD CONSTRAINT audit_kind_check
    CHECK (kind IN ('cost', 'incident', 'outage', 'service_level', 'credit_note',
                    'delay_payment', 'evidence_file'));
