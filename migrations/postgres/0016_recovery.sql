-- Money actually recovered, and the gates that open cost recovery under a
-- sole-remedy clause (PostgreSQL twin of migrations/sqlite/0016_recovery.sql).
-- Both are recorded by people and only ever inserted (the triggers below
-- refuse anything else): a mistake is answered by a later record, never by
-- editing this one. Each row is sealed into its contract's hash chain as it
-- is stored, and each recording writes its audit entry in the same
-- transaction.

-- What the supplier credited against the issued claims of one or more
-- months, or refused (or disputed) of them.
CREATE TABLE credit_notes (
    id           BIGSERIAL PRIMARY KEY,
    contract     TEXT COLLATE "C" NOT NULL,
    kind         TEXT COLLATE "C" NOT NULL CHECK (kind IN ('credit', 'refusal')),
    reference    TEXT   NOT NULL, -- the supplier's credit note number or letter reference
    dated        TEXT COLLATE "C" NOT NULL, -- YYYY-MM-DD, the date on the supplier's document
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    months       TEXT COLLATE "C" NOT NULL, -- the months answered, oldest first: 2026-10,2026-11
    note         TEXT,            -- a credit's note, a refusal's reason
    recorded_by  TEXT   NOT NULL,
    recorded_at  BIGINT NOT NULL
);
CREATE INDEX credit_notes_by_contract ON credit_notes (contract, id);

-- A gate a person records on a recoverable cost (wilful default, data loss,
-- termination), or its withdrawal: the latest record of a gate on a cost
-- decides whether it is open.
CREATE TABLE cost_gates (
    id          BIGSERIAL PRIMARY KEY,
    contract    TEXT COLLATE "C" NOT NULL,
    cost_id     BIGINT NOT NULL REFERENCES recoverable_costs (id),
    gate        TEXT COLLATE "C" NOT NULL CHECK (gate IN ('wilful_default', 'data_loss', 'termination')),
    withdrawn   BIGINT NOT NULL CHECK (withdrawn IN (0, 1)),
    reason      TEXT   NOT NULL,
    recorded_by TEXT   NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX cost_gates_by_contract ON cost_gates (contract, id);

CREATE TRIGGER credit_notes_are_kept BEFORE UPDATE OR DELETE ON credit_notes
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('credit notes are recorded once and never changed');
CREATE TRIGGER cost_gates_are_kept BEFORE UPDATE OR DELETE ON cost_gates
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('cost gates are recorded once and never changed');

-- The audit trail now also speaks of credit notes.
ALTER TABLE audit DROP CONSTRAINT audit_kind_check;
ALTER TABLE audit ADD CONSTRAINT audit_kind_check
    CHECK (kind IN ('cost', 'incident', 'outage', 'service_level', 'credit_note'));
