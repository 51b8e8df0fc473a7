-- The evidence store (SQLite form). Instants are INTEGER seconds since the
-- Unix epoch in UTC; money is INTEGER minor units; percentages are INTEGER
-- ten-thousandths of a percent. Every evidence row remembers the import and
-- line it came from, so a figure can be traced back to its file.
-- row_hash is a hash of the row's values: a re-import only rewrites a row
-- whose values changed, which is how "updated" and "unchanged" are counted.

-- One run of `slawatch import` (or one file taken by a source).
CREATE TABLE imports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT    NOT NULL,
    file        TEXT    NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    stored      INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0
);

-- Rows refused by an import, with why: the data-quality record.
CREATE TABLE rejections (
    import_id INTEGER NOT NULL REFERENCES imports (id),
    line      INTEGER NOT NULL,
    contract  TEXT,
    reason    TEXT    NOT NULL
);
CREATE INDEX rejections_by_import ON rejections (import_id);

CREATE TABLE incidents (
    contract       TEXT    NOT NULL,
    id             TEXT    NOT NULL,
    priority       TEXT    NOT NULL,
    service        TEXT,
    opened_at      INTEGER NOT NULL,
    responded_at   INTEGER,
    resolved_at    INTEGER,
    -- NULL while unresolved, else the later of resolved_at and responded_at:
    -- no clock of the incident can stop after it, so a month's evaluation
    -- only reads incidents with settled_at NULL or inside or after the month.
    settled_at     INTEGER,
    title          TEXT,
    excused_reason TEXT,
    import_id      INTEGER NOT NULL,
    line           INTEGER NOT NULL,
    row_hash       INTEGER NOT NULL,
    PRIMARY KEY (contract, id)
);
CREATE INDEX incidents_by_settled ON incidents (contract, settled_at);

CREATE TABLE holds (
    contract    TEXT    NOT NULL,
    incident_id TEXT    NOT NULL,
    start_at    INTEGER NOT NULL,
    end_at      INTEGER,
    reason      TEXT    NOT NULL,
    import_id   INTEGER NOT NULL,
    line        INTEGER NOT NULL,
    row_hash    INTEGER NOT NULL,
    PRIMARY KEY (contract, incident_id, start_at)
) WITHOUT ROWID; -- read by key for every incident evaluated: one b-tree descent, not two

CREATE TABLE outages (
    contract  TEXT    NOT NULL,
    id        TEXT    NOT NULL,
    service   TEXT    NOT NULL,
    start_at  INTEGER NOT NULL,
    end_at    INTEGER,
    impact    TEXT    NOT NULL CHECK (impact IN ('full', 'partial')),
    planned   INTEGER NOT NULL,
    source    TEXT,
    import_id INTEGER NOT NULL,
    line      INTEGER NOT NULL,
    row_hash  INTEGER NOT NULL,
    PRIMARY KEY (contract, id)
);
CREATE INDEX outages_by_start ON outages (contract, start_at);

CREATE TABLE work_items (
    contract    TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('incident', 'problem', 'change')),
    opened_at   INTEGER NOT NULL,
    change_type TEXT,
    proactive   INTEGER,
    import_id   INTEGER NOT NULL,
    line        INTEGER NOT NULL,
    row_hash    INTEGER NOT NULL,
    PRIMARY KEY (contract, id)
);
CREATE INDEX work_items_by_opened ON work_items (contract, opened_at);

-- What the supplier reported about itself, kept beside our own measurement.
CREATE TABLE supplier_kpis (
    contract           TEXT    NOT NULL,
    service_level      TEXT    NOT NULL,
    period             TEXT    NOT NULL,
    attainment_units   INTEGER NOT NULL,
    import_id          INTEGER NOT NULL,
    line               INTEGER NOT NULL,
    row_hash           INTEGER NOT NULL,
    PRIMARY KEY (contract, service_level, period)
);

-- Money the customer spent because of a breach. Never deleted: removal is
-- recorded in removed_at.
CREATE TABLE recoverable_costs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    contract     TEXT    NOT NULL,
    date         TEXT    NOT NULL,
    amount_minor INTEGER NOT NULL,
    description  TEXT    NOT NULL,
    evidence     TEXT    NOT NULL,
    breach       TEXT,
    created_at   INTEGER NOT NULL,
    removed_at   INTEGER
);
CREATE INDEX recoverable_costs_by_date ON recoverable_costs (contract, date);
