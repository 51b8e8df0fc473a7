-- The evidence store (PostgreSQL form), the twin of migrations/sqlite/0001:
-- same tables, columns, keys and indexes. Instants are BIGINT seconds since
-- the Unix epoch in UTC; money is BIGINT minor units; percentages are BIGINT
-- ten-thousandths of a percent (every integer column is BIGINT: the store
-- reads them as 64-bit). Text keys compare byte by byte (COLLATE "C"), as
-- SQLite does, so ordering and range comparisons of ids, months and dates
-- are the same on both backends whatever the database's locale.
-- row_hash is a hash of the row's values: a re-import only rewrites a row
-- whose values changed, which is how "updated" and "unchanged" are counted.

-- One run of `slawatch import` (or one file taken by a source).
CREATE TABLE imports (
    id          BIGSERIAL PRIMARY KEY,
    source      TEXT COLLATE "C" NOT NULL,
    file        TEXT COLLATE "C" NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT,
    stored      BIGINT NOT NULL DEFAULT 0,
    updated     BIGINT NOT NULL DEFAULT 0,
    unchanged   BIGINT NOT NULL DEFAULT 0,
    rejected    BIGINT NOT NULL DEFAULT 0
);

-- Rows refused by an import, with why: the data-quality record.
CREATE TABLE rejections (
    import_id BIGINT NOT NULL REFERENCES imports (id),
    line      BIGINT NOT NULL,
    contract  TEXT COLLATE "C",
    reason    TEXT   NOT NULL
);
CREATE INDEX rejections_by_import ON rejections (import_id);

CREATE TABLE incidents (
    contract       TEXT COLLATE "C" NOT NULL,
    id             TEXT COLLATE "C" NOT NULL,
    priority       TEXT COLLATE "C" NOT NULL,
    service        TEXT COLLATE "C",
    opened_at      BIGINT NOT NULL,
    responded_at   BIGINT,
    resolved_at    BIGINT,
    -- NULL while unresolved, else the later of resolved_at and responded_at:
    -- no clock of the incident can stop after it, so a month's evaluation
    -- only reads incidents with settled_at NULL or inside or after the month.
    settled_at     BIGINT,
    title          TEXT,
    excused_reason TEXT,
    import_id      BIGINT NOT NULL,
    line           BIGINT NOT NULL,
    row_hash       BIGINT NOT NULL,
    PRIMARY KEY (contract, id)
);
CREATE INDEX incidents_by_settled ON incidents (contract, settled_at);

-- SQLite keeps this table WITHOUT ROWID; PostgreSQL's primary-key index
-- serves the same lookups.
CREATE TABLE holds (
    contract    TEXT COLLATE "C" NOT NULL,
    incident_id TEXT COLLATE "C" NOT NULL,
    start_at    BIGINT NOT NULL,
    end_at      BIGINT,
    reason      TEXT COLLATE "C" NOT NULL,
    import_id   BIGINT NOT NULL,
    line        BIGINT NOT NULL,
    row_hash    BIGINT NOT NULL,
    PRIMARY KEY (contract, incident_id, start_at)
);

CREATE TABLE outages (
    contract  TEXT COLLATE "C" NOT NULL,
    id        TEXT COLLATE "C" NOT NULL,
    service   TEXT COLLATE "C" NOT NULL,
    start_at  BIGINT NOT NULL,
    end_at    BIGINT,
    impact    TEXT COLLATE "C" NOT NULL CHECK (impact IN ('full', 'partial')),
    planned   BIGINT NOT NULL,
    source    TEXT COLLATE "C",
    import_id BIGINT NOT NULL,
    line      BIGINT NOT NULL,
    row_hash  BIGINT NOT NULL,
    PRIMARY KEY (contract, id)
);
CREATE INDEX outages_by_start ON outages (contract, start_at);

CREATE TABLE work_items (
    contract    TEXT COLLATE "C" NOT NULL,
    id          TEXT COLLATE "C" NOT NULL,
    kind        TEXT COLLATE "C" NOT NULL CHECK (kind IN ('incident', 'problem', 'change')),
    opened_at   BIGINT NOT NULL,
    change_type TEXT COLLATE "C",
    proactive   BIGINT,
    import_id   BIGINT NOT NULL,
    line        BIGINT NOT NULL,
    row_hash    BIGINT NOT NULL,
    PRIMARY KEY (contract, id)
);
CREATE INDEX work_items_by_opened ON work_items (contract, opened_at);

-- What the supplier reported about itself, kept beside our own measurement.
CREATE TABLE supplier_kpis (
    contract           TEXT COLLATE "C" NOT NULL,
    service_level      TEXT COLLATE "C" NOT NULL,
    period             TEXT COLLATE "C" NOT NULL,
    attainment_units   BIGINT NOT NULL,
    import_id          BIGINT NOT NULL,
    line               BIGINT NOT NULL,
    row_hash           BIGINT NOT NULL,
    PRIMARY KEY (contract, service_level, period)
);

-- Money the customer spent because of a breach. Never deleted: removal is
-- recorded in removed_at.
CREATE TABLE recoverable_costs (
    id           BIGSERIAL PRIMARY KEY,
    contract     TEXT COLLATE "C" NOT NULL,
    date         TEXT COLLATE "C" NOT NULL,
    amount_minor BIGINT NOT NULL,
    description  TEXT   NOT NULL,
    evidence     TEXT   NOT NULL,
    breach       TEXT COLLATE "C",
    created_at   BIGINT NOT NULL,
    removed_at   BIGINT
);
CREATE INDEX recoverable_costs_by_date ON recoverable_costs (contract, date);
