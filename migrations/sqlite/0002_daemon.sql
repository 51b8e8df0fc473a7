-- What the daemon keeps between runs: the alert outbox, the stages live
-- detection has already alerted on, each source's poll state, the inbox
-- files taken, probe state, and the supplier's own SLA verdicts.

-- Alerts, queued in the same transaction as the change that caused them and
-- kept once delivered. dedup_key (kind, subject, stage) makes queuing the
-- same alert twice a no-op, so a restart never sends anything twice.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    dedup_key       TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL,
    severity        TEXT    NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    contract        TEXT,
    recipients      TEXT    NOT NULL, -- comma-separated addresses
    subject         TEXT    NOT NULL,
    body_text       TEXT    NOT NULL,
    body_html       TEXT    NOT NULL,
    digest          INTEGER NOT NULL DEFAULT 0, -- 1: may be batched into a digest
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    sent_at         INTEGER
);
CREATE INDEX outbox_pending ON outbox (sent_at, next_attempt_at);

-- The stage live detection last saw for an open incident against a level
-- (within, at_risk, breached): an alert fires when the stage moves on.
CREATE TABLE incident_stages (
    contract      TEXT    NOT NULL,
    incident_id   TEXT    NOT NULL,
    service_level TEXT    NOT NULL,
    stage         TEXT    NOT NULL,
    deadline      INTEGER,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (contract, incident_id, service_level)
) WITHOUT ROWID;

-- The stage of a service level's month (met, failing, certain_to_fail, critical).
CREATE TABLE level_stages (
    contract      TEXT    NOT NULL,
    service_level TEXT    NOT NULL,
    service       TEXT    NOT NULL DEFAULT '',
    period        TEXT    NOT NULL,
    stage         TEXT    NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (contract, service_level, service, period)
) WITHOUT ROWID;

-- Each source's state: per scope (a ServiceNow table, or '' for the source
-- as a whole) the incremental watermark and the health of its last polls.
CREATE TABLE source_state (
    source               TEXT    NOT NULL,
    scope                TEXT    NOT NULL DEFAULT '',
    watermark            TEXT,
    last_attempt_at      INTEGER,
    last_success_at      INTEGER,
    last_error           TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (source, scope)
) WITHOUT ROWID;

-- Files an inbox source has taken, by content: the same file is never
-- imported twice, whatever it is called.
CREATE TABLE inbox_files (
    source    TEXT    NOT NULL,
    sha256    TEXT    NOT NULL,
    file      TEXT    NOT NULL,
    import_id INTEGER,
    rejected  INTEGER NOT NULL DEFAULT 0,
    taken_at  INTEGER NOT NULL,
    PRIMARY KEY (source, sha256)
) WITHOUT ROWID;

-- A probe's run of results and the outage it has open, if any.
CREATE TABLE probe_state (
    source                 TEXT    PRIMARY KEY,
    consecutive_failures   INTEGER NOT NULL DEFAULT 0,
    consecutive_successes  INTEGER NOT NULL DEFAULT 0,
    first_failure_at       INTEGER,
    open_outage_id         TEXT,
    last_checked_at        INTEGER,
    last_result            TEXT
) WITHOUT ROWID;

-- The supplier's own verdicts from ServiceNow task_sla, kept to reconcile
-- against slawatch's. Times in epoch seconds, durations in seconds.
CREATE TABLE supplier_sla_verdicts (
    contract                  TEXT    NOT NULL,
    sys_id                    TEXT    NOT NULL,
    source                    TEXT    NOT NULL,
    incident_id               TEXT    NOT NULL,
    sla_name                  TEXT,
    stage                     TEXT,
    has_breached              INTEGER,
    start_at                  INTEGER,
    end_at                    INTEGER,
    planned_end_at            INTEGER,
    business_duration_seconds INTEGER,
    pause_duration_seconds    INTEGER,
    updated_at                INTEGER NOT NULL,
    PRIMARY KEY (contract, sys_id)
);
CREATE INDEX supplier_sla_verdicts_by_incident ON supplier_sla_verdicts (contract, incident_id);
