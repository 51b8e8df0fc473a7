-- The audit committee's pack and what it says of outages' causes.
--
-- `causes`: a person's classification of an outage's or an incident's
-- cause (malware, hardware, change, …), read from the supplier's root-cause
-- report. Insert-only and sealed into the contract's hash chains; the
-- latest row for a record is its cause.
CREATE TABLE causes (
    id          BIGSERIAL PRIMARY KEY,
    contract    TEXT COLLATE "C" NOT NULL,
    subject     TEXT COLLATE "C" NOT NULL CHECK (subject IN ('outage', 'incident')),
    subject_id  TEXT COLLATE "C" NOT NULL, -- the outage's or incident's id within the contract
    cause       TEXT COLLATE "C" NOT NULL, -- a lower-case word: malware, hardware, change, …
    decided_by  TEXT   NOT NULL, -- the named person who classified it
    reason      TEXT   NOT NULL, -- why (the root-cause report read)
    recorded_by TEXT   NOT NULL, -- cli:<user> or api:<token name>
    recorded_at BIGINT NOT NULL
);
CREATE INDEX causes_by_subject ON causes (contract, subject, subject_id, id);

CREATE TRIGGER causes_are_kept BEFORE UPDATE OR DELETE ON causes
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('a cause is recorded once; a new classification is a new row');

-- `packs`: each issued version of a pack, insert-only, with its documents'
-- bytes, so any daemon on the store can email it and the version the
-- committee read can always be shown again.
CREATE TABLE packs (
    scope       TEXT COLLATE "C" NOT NULL, -- '*' for every contract, else the one contract's id
    period_from TEXT COLLATE "C" NOT NULL, -- YYYY-MM
    period_to   TEXT COLLATE "C" NOT NULL, -- YYYY-MM (inclusive)
    version     BIGINT NOT NULL,
    issued_at   BIGINT NOT NULL,
    sha256      TEXT   NOT NULL, -- of the JSON
    json        TEXT   NOT NULL,
    html        TEXT   NOT NULL,
    pdf         BYTEA  NOT NULL,
    PRIMARY KEY (scope, period_from, period_to, version)
);

CREATE TRIGGER packs_are_kept BEFORE UPDATE OR DELETE ON packs
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('an issued pack is never changed; a reissue is a new version');
