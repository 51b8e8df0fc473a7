-- Evidence files: the documents (PDF, image, email) behind a recoverable
-- cost, an excusal, a dispute's decision, a commitment's delivery or a DR
-- test, kept byte for byte in the store with their SHA-256 so the claim's
-- evidence travels with the database (and with `migrate-store`). Insert-only
-- (the triggers below refuse anything else): a wrong file is answered by
-- adding the right one, never by editing or deleting. Each row is sealed into
-- its contract's `evidence_files` hash chain and audited (`evidence.add`) in
-- the transaction that stores it.
CREATE TABLE evidence_files (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    contract   TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('cost', 'excusal', 'dispute', 'delivery', 'dr_test')),
    subject    INTEGER NOT NULL, -- the cost, excusal, dispute, commitment event or DR test id
    period     TEXT,             -- YYYY-MM: the month the subject bears on, when it has one
    filename   TEXT    NOT NULL, -- the file's name as given, without its directory
    media_type TEXT    NOT NULL, -- its MIME type
    size       INTEGER NOT NULL, -- bytes
    sha256     TEXT    NOT NULL, -- of bytes, lowercase hex
    bytes      BLOB    NOT NULL,
    added_by   TEXT    NOT NULL, -- `--by NAME` on the command line, the token's name over HTTP
    added_at   INTEGER NOT NULL
);
CREATE INDEX evidence_files_by_subject ON evidence_files (contract, kind, subject);
CREATE INDEX evidence_files_by_period ON evidence_files (contract, period);

CREATE TRIGGER evidence_files_are_kept_update BEFORE UPDATE ON evidence_files
BEGIN SELECT RAISE(ABORT, 'evidence files are recorded once and never changed'); END;
CREATE TRIGGER evidence_files_are_kept_delete BEFORE DELETE ON evidence_files
BEGIN SELECT RAISE(ABORT, 'evidence files are recorded once and never changed'); END;

-- Outages and commitments' delay payments can be disputed too. A delay
-- payment's dispute names the commitment and the occurrence as
-- `COMMITMENT@OCCURRENCE` in subject. SQLite cannot change a CHECK
-- constraint in place, so the table is rebuilt with every row and id kept,
-- then its index and trigger are made again.
ALTER TABLE disputes RENAME TO disputes_before_0023;
CREATE TABLE disputes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    contract        TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('service_level', 'incident', 'cost', 'outage', 'delay_payment')),
    subject         TEXT    NOT NULL, -- the service level, incident, cost or outage id; COMMITMENT@OCCURRENCE
    period          TEXT,             -- YYYY-MM for a service level's month, else NULL
    note            TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('disputed', 'upheld', 'withdrawn')),
    opened_by       TEXT    NOT NULL,
    opened_at       INTEGER NOT NULL,
    resolved_by     TEXT,
    resolved_at     INTEGER,
    resolution_note TEXT,
    CHECK ((kind = 'service_level') = (period IS NOT NULL)),
    CHECK ((status = 'disputed') = (resolved_at IS NULL))
);
INSERT INTO disputes (id, contract, kind, subject, period, note, status, opened_by, opened_at,
                      resolved_by, resolved_at, resolution_note)
SELECT id, contract, kind, subject, period, note, status, opened_by, opened_at,
       resolved_by, resolved_at, resolution_note FROM disputes_before_0023;
DROP TABLE disputes_before_0023;
CREATE UNIQUE INDEX disputes_open
    ON disputes (contract, kind, subject, COALESCE(period, ''))
    WHERE status = 'disputed';
CREATE TRIGGER disputes_are_kept BEFORE DELETE ON disputes
BEGIN SELECT RAISE(ABORT, 'disputes are resolved, never deleted'); END;

-- The audit trail now also speaks of evidence files and delay payments
-- (rebuilt as in 0016; the hash chain hashes values, not the table).
ALTER TABLE audit RENAME TO audit_before_0023;
CREATE TABLE audit (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    contract TEXT    NOT NULL,
    at       INTEGER NOT NULL,
    actor    TEXT    NOT NULL, -- `--by NAME` on the command line, the token's name over HTTP
    action   TEXT    NOT NULL, -- cost.*, excusal.*, dispute.*, credit_note.*, evidence.add
    kind     TEXT    NOT NULL CHECK (kind IN ('cost', 'incident', 'outage', 'service_level', 'credit_note',
                                              'delay_payment', 'evidence_file')),
    subject  TEXT    NOT NULL, -- the cost, incident, outage, service level, credit note or evidence file id
    period   TEXT,             -- the month it bears on, when fixed
    detail   TEXT    NOT NULL, -- what changed, in words
    reason   TEXT              -- why, as given
);
INSERT INTO audit (id, contract, at, actor, action, kind, subject, period, detail, reason)
SELECT id, contract, at, actor, action, kind, subject, period, detail, reason FROM audit_before_0023;
DROP TABLE audit_before_0023;
CREATE INDEX audit_by_contract ON audit (contract, id);
CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
