-- Incident clocks a source could not fully read (PostgreSQL twin of
-- migrations/sqlite/0021_servicenow_deployed.sql): the response instant and/or the
-- holds are not known, so a clock that would breach on what is known is
-- listed in the data-quality section instead of counted as a breach.
CREATE TABLE clock_gaps (
    contract         TEXT COLLATE "C" NOT NULL,
    incident_id      TEXT COLLATE "C" NOT NULL,
    source           TEXT COLLATE "C" NOT NULL,
    response_unknown BIGINT NOT NULL, -- 1: the response instant is not known
    holds_unknown    BIGINT NOT NULL, -- 1: the holds are not known
    reason           TEXT   NOT NULL, -- why, in words (names the missing role)
    recorded_at      BIGINT NOT NULL,
    PRIMARY KEY (contract, incident_id)
);

-- The supplier's SLA records say which clock their definition runs
-- (contract_sla.target: response or resolution) and how much business time
-- the clock was paused (task_sla.business_pause_duration).
ALTER TABLE supplier_sla_verdicts ADD COLUMN business_pause_seconds BIGINT;
ALTER TABLE supplier_sla_verdicts ADD COLUMN sla_target TEXT COLLATE "C";
