-- What the engine cannot know, recorded by people (PostgreSQL twin of
-- migrations/sqlite/0003): excusals (relief events), disputes, who recorded a
-- recoverable cost, and the audit trail of every such change. Nothing here
-- is ever deleted: a revoked excusal, a resolved dispute or a removed cost
-- keeps its row with who changed it and when, and the audit table only ever
-- grows (the triggers below refuse anything else).

-- Where a recoverable cost came from and what it arose from. breach (0001)
-- keeps the id it names; breach_kind says whether that is a service level
-- (then breach_period is its month) or an incident. NULL for costs recorded
-- before these columns existed.
ALTER TABLE recoverable_costs ADD COLUMN breach_kind TEXT COLLATE "C" CHECK (breach_kind IN ('service_level', 'incident'));
ALTER TABLE recoverable_costs ADD COLUMN breach_period TEXT COLLATE "C";
ALTER TABLE recoverable_costs ADD COLUMN created_by TEXT;
ALTER TABLE recoverable_costs ADD COLUMN removed_by TEXT;
ALTER TABLE recoverable_costs ADD COLUMN removed_reason TEXT;

-- A failure the contract does not count: an incident (not assessed), an
-- outage (not downtime) or a service level's month (no credit). Revoking one
-- fills revoked_*; excusing the same thing again is a new row.
CREATE TABLE excusals (
    id            BIGSERIAL PRIMARY KEY,
    contract      TEXT COLLATE "C" NOT NULL,
    kind          TEXT COLLATE "C" NOT NULL CHECK (kind IN ('incident', 'outage', 'service_level')),
    subject       TEXT COLLATE "C" NOT NULL, -- the incident, outage or service level id
    period        TEXT COLLATE "C",          -- YYYY-MM for a service level's month, else NULL
    reason        TEXT   NOT NULL,
    created_by    TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    revoked_by    TEXT,
    revoked_at    BIGINT,
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
    id              BIGSERIAL PRIMARY KEY,
    contract        TEXT COLLATE "C" NOT NULL,
    kind            TEXT COLLATE "C" NOT NULL CHECK (kind IN ('service_level', 'incident', 'cost')),
    subject         TEXT COLLATE "C" NOT NULL, -- the service level id, incident id or cost id
    period          TEXT COLLATE "C",          -- YYYY-MM for a service level's month, else NULL
    note            TEXT   NOT NULL,
    status          TEXT COLLATE "C" NOT NULL CHECK (status IN ('disputed', 'upheld', 'withdrawn')),
    opened_by       TEXT   NOT NULL,
    opened_at       BIGINT NOT NULL,
    resolved_by     TEXT,
    resolved_at     BIGINT,
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
    id       BIGSERIAL PRIMARY KEY,
    contract TEXT COLLATE "C" NOT NULL,
    at       BIGINT NOT NULL,
    actor    TEXT   NOT NULL, -- `--by NAME` on the command line, the token's name over HTTP
    action   TEXT COLLATE "C" NOT NULL, -- cost.add, cost.remove, excusal.add, excusal.revoke, dispute.open, dispute.uphold, dispute.withdraw
    kind     TEXT COLLATE "C" NOT NULL CHECK (kind IN ('cost', 'incident', 'outage', 'service_level')),
    subject  TEXT COLLATE "C" NOT NULL, -- the cost, incident, outage or service level id
    period   TEXT COLLATE "C",          -- the month it bears on, when fixed (costs, service level months)
    detail   TEXT   NOT NULL, -- what changed, in words
    reason   TEXT             -- why, as given
);
CREATE INDEX audit_by_contract ON audit (contract, id);

-- SQLite's RAISE(ABORT, …) triggers: one function raising the message each
-- trigger passes it.
CREATE FUNCTION slawatch_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0];
END
$$;

CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('the audit trail is append-only');
CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('the audit trail is append-only');
CREATE TRIGGER excusals_are_kept BEFORE DELETE ON excusals
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('excusals are revoked, never deleted');
CREATE TRIGGER disputes_are_kept BEFORE DELETE ON disputes
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('disputes are resolved, never deleted');
CREATE TRIGGER recoverable_costs_are_kept BEFORE DELETE ON recoverable_costs
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('recoverable costs are removed by recording removed_at, never deleted');
