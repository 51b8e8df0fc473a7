-- Each alert of an Alertmanager (or Grafana alerting) source still firing,
-- as last seen (PostgreSQL form, the twin of migrations/sqlite/0022): the
-- sender re-sends a firing alert every repeat_interval, so one not seen for
-- longer (plus a margin) has ended unseen (the receiver without
-- send_resolved, or the sender gone). Its outage is then ended at its last
-- sighting and the row kept with inferred_end_at, so a later firing
-- notification reopens it and a resolved one replaces the end.
CREATE TABLE alert_sightings (
    source          TEXT COLLATE "C" NOT NULL,
    outage_id       TEXT COLLATE "C" NOT NULL,
    contract        TEXT COLLATE "C" NOT NULL,
    service         TEXT COLLATE "C" NOT NULL,
    start_at        BIGINT NOT NULL,
    impact          TEXT   NOT NULL,
    last_seen_at    BIGINT NOT NULL,
    inferred_end_at BIGINT,
    PRIMARY KEY (source, outage_id)
);
