-- Rewrites of evidence after the fact (PostgreSQL form, the twin of
-- migrations/sqlite/0013), found at ingest (see
-- docs/book/src/assurance/index.md). A rewrite is a stored record's value changed, or a
-- hold added to an incident already stored, more than the contract's
-- `rewrite_grace` after the instants it touches. Each is kept with its
-- verdict effects per service level and month and whether it favours the
-- supplier; each month an import's rewrites bear on keeps the credit before
-- and after them. Both tables are insert-only: they are derived from the
-- versions kept, and saying what a supplier did must not be undone.

-- The source that owns a record, on a row refused because another source
-- sent it; NULL on every other rejection.
ALTER TABLE rejections ADD COLUMN owner TEXT;

CREATE TABLE evidence_rewrites (
    id           BIGSERIAL PRIMARY KEY,
    contract     TEXT COLLATE "C" NOT NULL,
    import_id    BIGINT NOT NULL REFERENCES imports (id),
    source       TEXT    NOT NULL, -- the import's writer: a source id or `cli`
    corrected_by TEXT,             -- a person's name, on `import --correct`
    kind         TEXT    NOT NULL CHECK (kind IN ('incident', 'hold', 'outage', 'work_item')),
    record       TEXT    NOT NULL, -- the record's key in words
    change       TEXT    NOT NULL, -- each value before -> after
    direction    TEXT    NOT NULL CHECK (direction IN ('favourable', 'unfavourable', 'neutral')),
    why          TEXT    NOT NULL, -- what makes it that direction
    effects      TEXT    NOT NULL, -- JSON: [{service_level, period, before, after}]
    periods      TEXT    NOT NULL, -- the months it bears on, space-separated
    received_at  BIGINT NOT NULL
);
CREATE INDEX evidence_rewrites_by_import ON evidence_rewrites (contract, import_id);
CREATE INDEX evidence_rewrites_by_received ON evidence_rewrites (received_at);

CREATE TABLE evidence_rewrite_months (
    contract            TEXT COLLATE "C" NOT NULL,
    period              TEXT COLLATE "C" NOT NULL,
    import_id           BIGINT NOT NULL REFERENCES imports (id),
    credit_before_minor BIGINT NOT NULL, -- the month's credit on the evidence held before the import
    credit_after_minor  BIGINT NOT NULL, -- the same with the import's rewrites applied, nothing else
    PRIMARY KEY (contract, period, import_id)
);

CREATE TRIGGER evidence_rewrites_are_kept_update BEFORE UPDATE ON evidence_rewrites
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('evidence history is insert-only');
CREATE TRIGGER evidence_rewrites_are_kept_delete BEFORE DELETE ON evidence_rewrites
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('evidence history is insert-only');
CREATE TRIGGER evidence_rewrite_months_are_kept_update BEFORE UPDATE ON evidence_rewrite_months
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('evidence history is insert-only');
CREATE TRIGGER evidence_rewrite_months_are_kept_delete BEFORE DELETE ON evidence_rewrite_months
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('evidence history is insert-only');

-- The data-quality alerts and metrics read refusals for ownership of recent imports.
CREATE INDEX imports_by_start ON imports (started_at);
CREATE INDEX rejections_for_ownership ON rejections (import_id) WHERE owner IS NOT NULL;
