-- Evidence history (PostgreSQL form), the twin of migrations/sqlite/0011.
-- Every evidence record belongs to the source that first
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

ALTER TABLE imports ADD COLUMN corrected_by TEXT;       -- a person's name on `import --correct`
ALTER TABLE imports ADD COLUMN reason TEXT;    -- why they corrected

ALTER TABLE incidents ADD COLUMN owner TEXT COLLATE "C" NOT NULL DEFAULT 'cli';
ALTER TABLE incidents ADD COLUMN received_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE holds ADD COLUMN owner TEXT COLLATE "C" NOT NULL DEFAULT 'cli';
ALTER TABLE holds ADD COLUMN received_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outages ADD COLUMN owner TEXT COLLATE "C" NOT NULL DEFAULT 'cli';
ALTER TABLE outages ADD COLUMN received_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE work_items ADD COLUMN owner TEXT COLLATE "C" NOT NULL DEFAULT 'cli';
ALTER TABLE work_items ADD COLUMN received_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE supplier_kpis ADD COLUMN owner TEXT COLLATE "C" NOT NULL DEFAULT 'cli';
ALTER TABLE supplier_kpis ADD COLUMN received_at BIGINT NOT NULL DEFAULT 0;

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
    version_id     BIGSERIAL PRIMARY KEY,
    contract       TEXT COLLATE "C" NOT NULL,
    id             TEXT COLLATE "C" NOT NULL,
    priority       TEXT COLLATE "C" NOT NULL,
    service        TEXT COLLATE "C",
    opened_at      BIGINT  NOT NULL,
    responded_at   BIGINT ,
    resolved_at    BIGINT ,
    settled_at     BIGINT ,
    title          TEXT,
    excused_reason TEXT,
    owner          TEXT COLLATE "C" NOT NULL,
    import_id      BIGINT  NOT NULL,
    line           BIGINT  NOT NULL,
    received_at    BIGINT  NOT NULL,
    superseded_at  BIGINT  NOT NULL,
    superseded_by  BIGINT  NOT NULL -- the import whose version replaced it
);
CREATE INDEX incidents_versions_by_record ON incidents_versions (contract, id, version_id);
CREATE INDEX incidents_versions_by_superseded ON incidents_versions (contract, superseded_at);

CREATE TABLE holds_versions (
    version_id    BIGSERIAL PRIMARY KEY,
    contract      TEXT COLLATE "C" NOT NULL,
    incident_id   TEXT COLLATE "C" NOT NULL,
    start_at      BIGINT  NOT NULL,
    end_at        BIGINT ,
    reason        TEXT COLLATE "C" NOT NULL,
    owner         TEXT COLLATE "C" NOT NULL,
    import_id     BIGINT  NOT NULL,
    line          BIGINT  NOT NULL,
    received_at   BIGINT  NOT NULL,
    superseded_at BIGINT  NOT NULL,
    superseded_by BIGINT  NOT NULL
);
CREATE INDEX holds_versions_by_record ON holds_versions (contract, incident_id, start_at, version_id);
CREATE INDEX holds_versions_by_superseded ON holds_versions (contract, superseded_at);

CREATE TABLE outages_versions (
    version_id    BIGSERIAL PRIMARY KEY,
    contract      TEXT COLLATE "C" NOT NULL,
    id            TEXT COLLATE "C" NOT NULL,
    service       TEXT COLLATE "C" NOT NULL,
    start_at      BIGINT  NOT NULL,
    end_at        BIGINT ,
    impact        TEXT COLLATE "C" NOT NULL,
    planned       BIGINT  NOT NULL,
    source        TEXT COLLATE "C",
    owner         TEXT COLLATE "C" NOT NULL,
    import_id     BIGINT  NOT NULL,
    line          BIGINT  NOT NULL,
    received_at   BIGINT  NOT NULL,
    superseded_at BIGINT  NOT NULL,
    superseded_by BIGINT  NOT NULL
);
CREATE INDEX outages_versions_by_record ON outages_versions (contract, id, version_id);
CREATE INDEX outages_versions_by_superseded ON outages_versions (contract, superseded_at);

CREATE TABLE work_items_versions (
    version_id    BIGSERIAL PRIMARY KEY,
    contract      TEXT COLLATE "C" NOT NULL,
    id            TEXT COLLATE "C" NOT NULL,
    kind          TEXT COLLATE "C" NOT NULL,
    opened_at     BIGINT  NOT NULL,
    change_type   TEXT COLLATE "C",
    proactive     BIGINT ,
    owner         TEXT COLLATE "C" NOT NULL,
    import_id     BIGINT  NOT NULL,
    line          BIGINT  NOT NULL,
    received_at   BIGINT  NOT NULL,
    superseded_at BIGINT  NOT NULL,
    superseded_by BIGINT  NOT NULL
);
CREATE INDEX work_items_versions_by_record ON work_items_versions (contract, id, version_id);
CREATE INDEX work_items_versions_by_superseded ON work_items_versions (contract, superseded_at);

CREATE TABLE supplier_kpis_versions (
    version_id       BIGSERIAL PRIMARY KEY,
    contract         TEXT COLLATE "C" NOT NULL,
    service_level    TEXT COLLATE "C" NOT NULL,
    period           TEXT COLLATE "C" NOT NULL,
    attainment_units BIGINT  NOT NULL,
    owner            TEXT COLLATE "C" NOT NULL,
    import_id        BIGINT  NOT NULL,
    line             BIGINT  NOT NULL,
    received_at      BIGINT  NOT NULL,
    superseded_at    BIGINT  NOT NULL,
    superseded_by    BIGINT  NOT NULL
);
CREATE INDEX supplier_kpis_versions_by_record ON supplier_kpis_versions (contract, service_level, period, version_id);
CREATE INDEX supplier_kpis_versions_by_superseded ON supplier_kpis_versions (contract, superseded_at);

CREATE TRIGGER incidents_versions_are_kept_update BEFORE UPDATE ON incidents_versions
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('evidence history is insert-only');
CREATE TRIGGER incidents_versions_are_kept_delete BEFORE DELETE ON incidents_versions
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('evidence history is insert-only');
CREATE TRIGGER holds_versions_are_kept_update BEFORE UPDATE ON holds_versions
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('evidence history is insert-only');
CREATE TRIGGER holds_versions_are_kept_delete BEFORE DELETE ON holds_versions
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('evidence history is insert-only');
CREATE TRIGGER outages_versions_are_kept_update BEFORE UPDATE ON outages_versions
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('evidence history is insert-only');
CREATE TRIGGER outages_versions_are_kept_delete BEFORE DELETE ON outages_versions
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('evidence history is insert-only');
CREATE TRIGGER work_items_versions_are_kept_update BEFORE UPDATE ON work_items_versions
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('evidence history is insert-only');
CREATE TRIGGER work_items_versions_are_kept_delete BEFORE DELETE ON work_items_versions
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('evidence history is insert-only');
CREATE TRIGGER supplier_kpis_versions_are_kept_update BEFORE UPDATE ON supplier_kpis_versions
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('evidence history is insert-only');
CREATE TRIGGER supplier_kpis_versions_are_kept_delete BEFORE DELETE ON supplier_kpis_versions
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('evidence history is insert-only');

-- A person's correction of evidence is audited record by record, and
-- corrections reach work items and supplier figures too: the audit trail's
-- kinds grow by two.
ALTER TABLE audit DROP CONSTRAINT audit_kind_check;
ALTER TABLE audit ADD CONSTRAINT audit_kind_check
    CHECK (kind IN ('cost', 'incident', 'outage', 'service_level', 'work_item', 'supplier_kpi'));

