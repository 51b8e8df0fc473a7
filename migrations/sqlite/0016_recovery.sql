-- Money actually recovered, and the gates that open cost recovery under a
-- sole-remedy clause. Both are recorded by people and only ever inserted
-- (the triggers below refuse anything else): a mistake is answered by a
-- later record, never by editing this one. Each row is sealed into its
-- contract's hash chain as it is stored, and each recording writes its
-- audit entry in the same transaction.

-- What the supplier credited against the issued claims of one or more
-- months, or refused (or disputed) of them.
CREATE TABLE credit_notes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    contract    TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('credit', 'refusal')),
    reference   TEXT    NOT NULL, -- the supplier's credit note number or letter reference
    dated       TEXT    NOT NULL, -- YYYY-MM-DD, the date on the supplier's document
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    months      TEXT    NOT NULL, -- the months answered, oldest first: 2026-10,2026-11
    note        TEXT,             -- a credit's note, a refusal's reason
    recorded_by TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL
);
CREATE INDEX credit_notes_by_contract ON credit_notes (contract, id);

-- A gate a person records on a recoverable cost (wilful default, data loss,
-- termination), or its withdrawal: the latest record of a gate on a cost
-- decides whether it is open.
CREATE TABLE cost_gates (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    contract    TEXT    NOT NULL,
    cost_id     INTEGER NOT NULL REFERENCES recoverable_costs (id),
    gate        TEXT    NOT NULL CHECK (gate IN ('wilful_default', 'data_loss', 'termination')),
    withdrawn   INTEGER NOT NULL CHECK (withdrawn IN (0, 1)),
    reason      TEXT    NOT NULL,
    recorded_by TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL
);
CREATE INDEX cost_gates_by_contract ON cost_gates (contract, id);

CREATE TRIGGER credit_notes_are_kept_update BEFORE UPDATE ON credit_notes
BEGIN SELECT RAISE(ABORT, 'credit notes are recorded once and never changed'); END;
CREATE TRIGGER credit_notes_are_kept_delete BEFORE DELETE ON credit_notes
BEGIN SELECT RAISE(ABORT, 'credit notes are recorded once and never changed'); END;
CREATE TRIGGER cost_gates_are_kept_update BEFORE UPDATE ON cost_gates
BEGIN SELECT RAISE(ABORT, 'cost gates are recorded once and never changed'); END;
CREATE TRIGGER cost_gates_are_kept_delete BEFORE DELETE ON cost_gates
BEGIN SELECT RAISE(ABORT, 'cost gates are recorded once and never changed'); END;

-- The audit trail now also speaks of credit notes. SQLite cannot change a
-- CHECK constraint in place, so the table is rebuilt with every row, id and
-- value kept (the hash chain over it is unaffected: it hashes the values),
-- then its index and append-only triggers are made again.
ALTER TABLE audit RENAME TO audit_before_0016;
CREATE TABLE audit (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    contract TEXT    NOT NULL,
    at       INTEGER NOT NULL,
    actor    TEXT    NOT NULL, -- `--by NAME` on the command line, the token's name over HTTP
    action   TEXT    NOT NULL, -- cost.add, cost.remove, cost.gate, cost.gate_withdraw, excusal.*, dispute.*, credit_note.add
    kind     TEXT    NOT NULL CHECK (kind IN ('cost', 'incident', 'outage', 'service_level', 'credit_note')),
    subject  TEXT    NOT NULL, -- the cost, incident, outage, service level or credit note id
    period   TEXT,             -- the month it bears on, when fixed (costs, service level months)
    detail   TEXT    NOT NULL, -- what changed, in words
    reason   TEXT              -- why, as given
);
INSERT INTO audit (id, contract, at, actor, action, kind, subject, period, detail, reason)
SELECT id, contract, at, actor, action, kind, subject, period, detail, reason FROM audit_before_0016;
DROP TABLE audit_before_0016;
CREATE INDEX audit_by_contract ON audit (contract, id);
CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
