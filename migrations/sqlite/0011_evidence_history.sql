-- Evidence history. Every evidence record belongs to the source that first
-- stored it (`owner`: a configured source's id, or `cli`); only that source
-- changes it, and a person only through a correction. `received_at` is when
-- the store received the record's current version. When a record changes,
-- the version it replaces is copied into the table's `_versions` twin with
-- the instant it was superseded and the import that superseded it: a first
-- import stores no history, a change keeps the whole past. The `_versions`
-- tables are insert-only.
--
-- Records stored before this migration are owned by the source of the import
-- that last wrote them (`imports.source`, which slawatch itself sets), or
-- `cli` where that import is gone; they count as received when that import
-- started. An outage's own `source` field is text from the file and is not
-- trusted for ownership.

ALTER TABLE imports ADD COLUMN corrected_by TEXT; -- a person's name on `import --correct`
ALTER TABLE imports ADD COLUMN reason TEXT;       -- why they corrected

ALTER TABLE incidents ADD COLUMN owner TEXT NOT NULL DEFAULT 'cli';
ALTER TABLE incidents ADD COLUMN received_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE holds ADD COLUMN owner TEXT NOT NULL DEFAULT 'cli';
ALTER TABLE holds ADD COLUMN received_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outages ADD COLUMN owner TEXT NOT NULL DEFAULT 'cli';
ALTER TABLE outages ADD COLUMN received_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE work_items ADD COLUMN owner TEXT NOT NULL DEFAULT 'cli';
ALTER TABLE work_items ADD COLUMN received_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE supplier_kpis ADD COLUMN owner TEXT NOT NULL DEFAULT 'cli';
ALTER TABLE supplier_kpis ADD COLUMN received_at INTEGER NOT NULL DEFAULT 0;

UPDATE incidents SET
    owner = COALESCE((SELECT source FROM imports WHERE imports.id = incidents.import_id), 'cli'),
    received_at = COALESCE((SELECT started_at FROM imports WHERE imports.id = incidents.import_id), 0);
UPDATE holds SET
    owner = COALESCE((SELECT source FROM imports WHERE imports.id = holds.import_id), 'cli'),
    received_at = COALESCE((SELECT started_at FROM imports WHERE imports.id = holds.import_id), 0);
UPDATE outages SET
    owner = COALESCE((SELECT source FROM imports WHERE imports.id = outages.import_id), 'cli'),
    received_at = COALESCE((SELECT started_at FROM imports WHERE imports.id = outages.import_id), 0);
UPDATE work_items SET
    owner = COALESCE((SELECT source FROM imports WHERE imports.id = work_items.import_id), 'cli'),
    received_at = COALESCE((SELECT started_at FROM imports WHERE imports.id = work_items.import_id), 0);
UPDATE supplier_kpis SET
    owner = COALESCE((SELECT source FROM imports WHERE imports.id = supplier_kpis.import_id), 'cli'),
    received_at = COALESCE((SELECT started_at FROM imports WHERE imports.id = supplier_kpis.import_id), 0);

CREATE TABLE incidents_versions (
    version_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    contract       TEXT    NOT NULL,
    id             TEXT    NOT NULL,
    priority       TEXT    NOT NULL,
    service        TEXT,
    opened_at      INTEGER NOT NULL,
    responded_at   INTEGER,
    resolved_at    INTEGER,
    settled_at     INTEGER,
    title          TEXT,
    excused_reason TEXT,
    owner          TEXT    NOT NULL,
    import_id      INTEGER NOT NULL,
    line           INTEGER NOT NULL,
    received_at    INTEGER NOT NULL,
    superseded_at  INTEGER NOT NULL,
    superseded_by  INTEGER NOT NULL -- the import whose version replaced it
);
CREATE INDEX incidents_versions_by_record ON incidents_versions (contract, id, version_id);
CREATE INDEX incidents_versions_by_superseded ON incidents_versions (contract, superseded_at);

CREATE TABLE holds_versions (
    version_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    contract      TEXT    NOT NULL,
    incident_id   TEXT    NOT NULL,
    start_at      INTEGER NOT NULL,
    end_at        INTEGER,
    reason        TEXT    NOT NULL,
    owner         TEXT    NOT NULL,
    import_id     INTEGER NOT NULL,
    line          INTEGER NOT NULL,
    received_at   INTEGER NOT NULL,
    superseded_at INTEGER NOT NULL,
    superseded_by INTEGER NOT NULL
);
CREATE INDEX holds_versions_by_record ON holds_versions (contract, incident_id, start_at, version_id);
CREATE INDEX holds_versions_by_superseded ON holds_versions (contract, superseded_at);

CREATE TABLE outages_versions (
    version_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    contract      TEXT    NOT NULL,
    id            TEXT    NOT NULL,
    service       TEXT    NOT NULL,
    start_at      INTEGER NOT NULL,
    end_at        INTEGER,
    impact        TEXT    NOT NULL,
    planned       INTEGER NOT NULL,
    source        TEXT,
    owner         TEXT    NOT NULL,
    import_id     INTEGER NOT NULL,
    line          INTEGER NOT NULL,
    received_at   INTEGER NOT NULL,
    superseded_at INTEGER NOT NULL,
    superseded_by INTEGER NOT NULL
);
CREATE INDEX outages_versions_by_record ON outages_versions (contract, id, version_id);
CREATE INDEX outages_versions_by_superseded ON outages_versions (contract, superseded_at);

CREATE TABLE work_items_versions (
    version_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    contract      TEXT    NOT NULL,
    id            TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    opened_at     INTEGER NOT NULL,
    change_type   TEXT,
    proactive     INTEGER,
    owner         TEXT    NOT NULL,
    import_id     INTEGER NOT NULL,
    line          INTEGER NOT NULL,
    received_at   INTEGER NOT NULL,
    superseded_at INTEGER NOT NULL,
    superseded_by INTEGER NOT NULL
);
CREATE INDEX work_items_versions_by_record ON work_items_versions (contract, id, version_id);
CREATE INDEX work_items_versions_by_superseded ON work_items_versions (contract, superseded_at);

CREATE TABLE supplier_kpis_versions (
    version_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    contract         TEXT    NOT NULL,
    service_level    TEXT    NOT NULL,
    period           TEXT    NOT NULL,
    attainment_units INTEGER NOT NULL,
    owner            TEXT    NOT NULL,
    import_id        INTEGER NOT NULL,
    line             INTEGER NOT NULL,
    received_at      INTEGER NOT NULL,
    superseded_at    INTEGER NOT NULL,
    superseded_by    INTEGER NOT NULL
);
CREATE INDEX supplier_kpis_versions_by_record ON supplier_kpis_versions (contract, service_level, period, version_id);
CREATE INDEX supplier_kpis_versions_by_superseded ON supplier_kpis_versions (contract, superseded_at);

CREATE TRIGGER incidents_versions_are_kept_update BEFORE UPDATE ON incidents_versions
BEGIN SELECT RAISE(ABORT, 'evidence history is insert-only'); END;
CREATE TRIGGER incidents_versions_are_kept_delete BEFORE DELETE ON incidents_versions
BEGIN SELECT RAISE(ABORT, 'evidence history is insert-only'); END;
CREATE TRIGGER holds_versions_are_kept_update BEFORE UPDATE ON holds_versions
BEGIN SELECT RAISE(ABORT, 'evidence history is insert-only'); END;
CREATE TRIGGER holds_versions_are_kept_delete BEFORE DELETE ON holds_versions
BEGIN SELECT RAISE(ABORT, 'evidence history is insert-only'); END;
CREATE TRIGGER outages_versions_are_kept_update BEFORE UPDATE ON outages_versions
BEGIN SELECT RAISE(ABORT, 'evidence history is insert-only'); END;
CREATE TRIGGER outages_versions_are_kept_delete BEFORE DELETE ON outages_versions
BEGIN SELECT RAISE(ABORT, 'evidence history is insert-only'); END;
CREATE TRIGGER work_items_versions_are_kept_update BEFORE UPDATE ON work_items_versions
BEGIN SELECT RAISE(ABORT, 'evidence history is insert-only'); END;
CREATE TRIGGER work_items_versions_are_kept_delete BEFORE DELETE ON work_items_versions
BEGIN SELECT RAISE(ABORT, 'evidence history is insert-only'); END;
CREATE TRIGGER supplier_kpis_versions_are_kept_update BEFORE UPDATE ON supplier_kpis_versions
BEGIN SELECT RAISE(ABORT, 'evidence history is insert-only'); END;
CREATE TRIGGER supplier_kpis_versions_are_kept_delete BEFORE DELETE ON supplier_kpis_versions
BEGIN SELECT RAISE(ABORT, 'evidence history is insert-only'); END;

-- A person's correction of evidence is audited record by record, and
-- corrections reach work items and supplier figures too: the audit trail's
-- kinds grow by two. SQLite cannot alter a CHECK, so the table is rebuilt
-- with its rows, ids, index and triggers unchanged.
DROP TRIGGER audit_is_append_only_update;
DROP TRIGGER audit_is_append_only_delete;
CREATE TABLE audit_rebuilt (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    contract TEXT    NOT NULL,
    at       INTEGER NOT NULL,
    actor    TEXT    NOT NULL, -- `--by NAME` on the command line, the token's name over HTTP
    action   TEXT    NOT NULL, -- cost.add, cost.remove, excusal.add, excusal.revoke, dispute.open, dispute.uphold, dispute.withdraw, evidence.correct
    kind     TEXT    NOT NULL CHECK (kind IN ('cost', 'incident', 'outage', 'service_level', 'work_item', 'supplier_kpi')),
    subject  TEXT    NOT NULL, -- the cost, incident, outage, service level or work item id
    period   TEXT,             -- the month it bears on, when fixed (costs, service level months)
    detail   TEXT    NOT NULL, -- what changed, in words
    reason   TEXT              -- why, as given
);
INSERT INTO audit_rebuilt (id, contract, at, actor, action, kind, subject, period, detail, reason)
    SELECT id, contract, at, actor, action, kind, subject, period, detail, reason FROM audit;
DROP TABLE audit;
ALTER TABLE audit_rebuilt RENAME TO audit;
CREATE INDEX audit_by_contract ON audit (contract, id);
CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

