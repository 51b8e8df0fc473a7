-- The audit committee's pack and what it says of outages' causes.
--
-- `causes`: a person's classification of an outage's or an incident's
-- cause (malware, hardware, change, …), read from the supplier's root-cause
-- report. Insert-only and sealed into the contract's hash chains; the
-- latest row for a record is its cause.
CREATE TABLE causes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    contract    TEXT    NOT NULL,
    subject     TEXT    NOT NULL CHECK (subject IN ('outage', 'incident')),
    subject_id  TEXT    NOT NULL, -- the outage's or incident's id within the contract
    cause       TEXT    NOT NULL, -- a lower-case word: malware, hardware, change, …
    decided_by  TEXT    NOT NULL, -- the named person who classified it
    reason      TEXT    NOT NULL, -- why (the root-cause report read)
    recorded_by TEXT    NOT NULL, -- cli:<user> or api:<token name>
    recorded_at INTEGER NOT NULL
);
CREATE INDEX causes_by_subject ON causes (contract, subject, subject_id, id);

CREATE TRIGGER causes_are_kept_update BEFORE UPDATE ON causes
BEGIN SELECT RAISE(ABORT, 'a cause is recorded once; a new classification is a new row'); END;
CREATE TRIGGER causes_are_kept_delete BEFORE DELETE ON causes
BEGIN SELECT RAISE(ABORT, 'a cause is recorded once; a new classification is a new row'); END;

-- `packs`: each issued version of a pack, insert-only, with its documents'
-- bytes, so any daemon on the store can email it and the version the
-- committee read can always be shown again.
CREATE TABLE packs (
    scope       TEXT    NOT NULL, -- '*' for every contract, else the one contract's id
    period_from TEXT    NOT NULL, -- YYYY-MM
    period_to   TEXT    NOT NULL, -- YYYY-MM (inclusive)
    version     INTEGER NOT NULL,
    issued_at   INTEGER NOT NULL,
    sha256      TEXT    NOT NULL, -- of the JSON
    json        TEXT    NOT NULL,
    html        TEXT    NOT NULL,
    pdf         BLOB    NOT NULL,
    PRIMARY KEY (scope, period_from, period_to, version)
);

CREATE TRIGGER packs_are_kept_update BEFORE UPDATE ON packs
BEGIN SELECT RAISE(ABORT, 'an issued pack is never changed; a reissue is a new version'); END;
CREATE TRIGGER packs_are_kept_delete BEFORE DELETE ON packs
BEGIN SELECT RAISE(ABORT, 'an issued pack is never changed; a reissue is a new version'); END;
