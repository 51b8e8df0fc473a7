-- Incident clocks a source could not fully read (PostgreSQL twin of
-- migrations/sqlite/0021_clock_gaps.sql): the response instant and/or the
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
