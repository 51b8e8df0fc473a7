-- What the engine cannot know, recorded by people: excusals (relief events),
-- disputes, who recorded a recoverable cost, and the audit trail of every
-- such change. Nothing here is ever deleted: a revoked excusal, a resolved
-- dispute or a removed cost keeps its row with who changed it and when, and
-- the audit table only ever grows (the triggers below refuse anything else).

-- Where a recoverable cost came from and what it arose from. breach (0001)
-- keeps the id it names; breach_kind says whether that is a service level
-- (then breach_period is its month) or an incident. NULL for costs recorded
-- before these columns existed.
ALTER TABLE recoverable_costs ADD COLUMN breach_kind TEXT CHECK (breach_kind IN ('service_level', 'incident'));
ALTER TABLE recoverable_costs ADD COLUMN breach_period TEXT;
ALTER TABLE recoverable_costs ADD COLUMN created_by TEXT;
ALTER TABLE recoverable_costs ADD COLUMN removed_by TEXT;
ALTER TABLE recoverable_costs ADD COLUMN removed_reason TEXT;

-- A failure the contract does not count: an incident (not assessed), an
-- outage (not downtime) or a service level's month (no credit). Revoking one
-- fills revoked_*; excusing the same thing again is a new row.
CREATE TABLE excusals (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    contract      TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('incident', 'outage', 'service_level')),
    subject       TEXT    NOT NULL, -- the incident, outage or service level id
    period        TEXT,             -- YYYY-MM for a service level's month, else NULL
    reason        TEXT    NOT NULL,
    created_by    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    revoked_by    TEXT,
    revoked_at    INTEGER,
    revoke_reason TEXT,
    CHECK ((kind = 'service_level') = (period IS NOT NULL))
);
-- At most one excusal in force per thing excused.
CREATE UNIQUE INDEX excusals_in_force
    ON excusals (contract, kind, subject, COALESCE(period, ''))
    WHERE revoked_at IS NULL;

-- The supplier disputes a breach (a service level's month or an incident) or
-- a recoverable cost. status moves once from 'disputed' to 'upheld' (the
-- claim stands) or 'withdrawn' (the customer withdraws that claim item);
-- a later dispute of the same thing is a new row.
CREATE TABLE disputes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    contract        TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('service_level', 'incident', 'cost')),
    subject         TEXT    NOT NULL, -- the service level id, incident id or cost id
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
-- At most one open dispute per thing disputed.
CREATE UNIQUE INDEX disputes_open
    ON disputes (contract, kind, subject, COALESCE(period, ''))
    WHERE status = 'disputed';

-- Every change above: who, when, what and why. Append-only.
CREATE TABLE audit (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    contract TEXT    NOT NULL,
    at       INTEGER NOT NULL,
    actor    TEXT    NOT NULL, -- `--by NAME` on the command line, the token's name over HTTP
    action   TEXT    NOT NULL, -- cost.add, cost.remove, excusal.add, excusal.revoke, dispute.open, dispute.uphold, dispute.withdraw
    kind     TEXT    NOT NULL CHECK (kind IN ('cost', 'incident', 'outage', 'service_level')),
    subject  TEXT    NOT NULL, -- the cost, incident, outage or service level id
    period   TEXT,             -- the month it bears on, when fixed (costs, service level months)
    detail   TEXT    NOT NULL, -- what changed, in words
    reason   TEXT              -- why, as given
);
CREATE INDEX audit_by_contract ON audit (contract, id);

CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER excusals_are_kept BEFORE DELETE ON excusals
BEGIN SELECT RAISE(ABORT, 'excusals are revoked, never deleted'); END;
CREATE TRIGGER disputes_are_kept BEFORE DELETE ON disputes
BEGIN SELECT RAISE(ABORT, 'disputes are resolved, never deleted'); END;
CREATE TRIGGER recoverable_costs_are_kept BEFORE DELETE ON recoverable_costs
BEGIN SELECT RAISE(ABORT, 'recoverable costs are removed by recording removed_at, never deleted'); END;
