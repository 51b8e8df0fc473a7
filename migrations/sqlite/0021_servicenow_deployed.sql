-- Incident clocks a source could not fully read: the supplier's ServiceNow
-- answered the incident but not its audit history (the API user lacks the
-- audit_viewer role, say), so the response instant and/or the holds are not
-- known. A clock that would breach on what is known is then not counted as a
-- breach: it is listed in the report's data-quality section instead. A row is
-- removed once a later read of the incident has the history.
CREATE TABLE clock_gaps (
    contract         TEXT    NOT NULL,
    incident_id      TEXT    NOT NULL,
    source           TEXT    NOT NULL,
    response_unknown INTEGER NOT NULL, -- 1: the response instant is not known
    holds_unknown    INTEGER NOT NULL, -- 1: the holds are not known
    reason           TEXT    NOT NULL, -- why, in words (names the missing role)
    recorded_at      INTEGER NOT NULL,
    PRIMARY KEY (contract, incident_id)
);

-- The supplier's SLA records say which clock their definition runs
-- (contract_sla.target: response or resolution) and how much business time
-- the clock was paused (task_sla.business_pause_duration).
ALTER TABLE supplier_sla_verdicts ADD COLUMN business_pause_seconds INTEGER;
ALTER TABLE supplier_sla_verdicts ADD COLUMN sla_target TEXT;
