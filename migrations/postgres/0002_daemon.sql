-- What the daemon keeps between runs (PostgreSQL twin of
-- migrations/sqlite/0002): the alert outbox, the stages live detection has
-- already alerted on, each source's poll state, the inbox files taken, probe
-- state, and the supplier's own SLA verdicts. SQLite's WITHOUT ROWID tables
-- are plain tables here: the primary-key index serves the same lookups.

-- Alerts, queued in the same transaction as the change that caused them and
-- kept once delivered. dedup_key (kind, subject, stage) makes queuing the
-- same alert twice a no-op, so a restart never sends anything twice.
CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    dedup_key       TEXT COLLATE "C" NOT NULL UNIQUE,
    kind            TEXT COLLATE "C" NOT NULL,
    severity        TEXT COLLATE "C" NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    contract        TEXT COLLATE "C",
    recipients      TEXT   NOT NULL, -- comma-separated addresses
    subject         TEXT   NOT NULL,
    body_text       TEXT   NOT NULL,
    body_html       TEXT   NOT NULL,
    digest          BIGINT NOT NULL DEFAULT 0, -- 1: may be batched into a digest
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    sent_at         BIGINT
);
CREATE INDEX outbox_pending ON outbox (sent_at, next_attempt_at);

-- The stage live detection last saw for an open incident against a level
-- (within, at_risk, breached): an alert fires when the stage moves on.
CREATE TABLE incident_stages (
    contract      TEXT COLLATE "C" NOT NULL,
    incident_id   TEXT COLLATE "C" NOT NULL,
    service_level TEXT COLLATE "C" NOT NULL,
    stage         TEXT COLLATE "C" NOT NULL,
    deadline      BIGINT,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (contract, incident_id, service_level)
);

-- The stage of a service level's month (met, failing, certain_to_fail, critical).
CREATE TABLE level_stages (
    contract      TEXT COLLATE "C" NOT NULL,
    service_level TEXT COLLATE "C" NOT NULL,
    service       TEXT COLLATE "C" NOT NULL DEFAULT '',
    period        TEXT COLLATE "C" NOT NULL,
    stage         TEXT COLLATE "C" NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (contract, service_level, service, period)
);

-- Each source's state: per scope (a ServiceNow table, or '' for the source
-- as a whole) the incremental watermark and the health of its last polls.
CREATE TABLE source_state (
    source               TEXT COLLATE "C" NOT NULL,
    scope                TEXT COLLATE "C" NOT NULL DEFAULT '',
    watermark            TEXT COLLATE "C",
    last_attempt_at      BIGINT,
    last_success_at      BIGINT,
    last_error           TEXT,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (source, scope)
);

-- Files an inbox source has taken, by content: the same file is never
-- imported twice, whatever it is called.
CREATE TABLE inbox_files (
    source    TEXT COLLATE "C" NOT NULL,
    sha256    TEXT COLLATE "C" NOT NULL,
    file      TEXT COLLATE "C" NOT NULL,
    import_id BIGINT,
    rejected  BIGINT NOT NULL DEFAULT 0,
    taken_at  BIGINT NOT NULL,
    PRIMARY KEY (source, sha256)
);

-- A probe's run of results and the outage it has open, if any.
CREATE TABLE probe_state (
    source                 TEXT COLLATE "C" PRIMARY KEY,
    consecutive_failures   BIGINT NOT NULL DEFAULT 0,
    consecutive_successes  BIGINT NOT NULL DEFAULT 0,
    first_failure_at       BIGINT,
    open_outage_id         TEXT COLLATE "C",
    last_checked_at        BIGINT,
    last_result            TEXT
);

-- The supplier's own verdicts from ServiceNow task_sla, kept to reconcile
-- against slawatch's. Times in epoch seconds, durations in seconds.
CREATE TABLE supplier_sla_verdicts (
    contract                  TEXT COLLATE "C" NOT NULL,
    sys_id                    TEXT COLLATE "C" NOT NULL,
    source                    TEXT COLLATE "C" NOT NULL,
    incident_id               TEXT COLLATE "C" NOT NULL,
    sla_name                  TEXT COLLATE "C",
    stage                     TEXT COLLATE "C",
    has_breached              BIGINT,
    start_at                  BIGINT,
    end_at                    BIGINT,
    planned_end_at            BIGINT,
    business_duration_seconds BIGINT,
    pause_duration_seconds    BIGINT,
    updated_at                BIGINT NOT NULL,
    PRIMARY KEY (contract, sys_id)
);
CREATE INDEX supplier_sla_verdicts_by_incident ON supplier_sla_verdicts (contract, incident_id);
