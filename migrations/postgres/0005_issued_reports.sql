-- Issued monthly reports (PostgreSQL twin of migrations/sqlite/0005): what
-- was sent to the contract's managers when a month was closed. Insert-only:
-- an issued version is never changed; a reissue after late evidence adds the
-- next version. The JSON document is kept whole (as TEXT, byte for byte, so
-- its SHA-256 still matches) so a later report can list what changed since
-- issue.
CREATE TABLE issued_reports (
    contract  TEXT COLLATE "C" NOT NULL,
    period    TEXT COLLATE "C" NOT NULL, -- YYYY-MM
    version   BIGINT NOT NULL, -- 1, then 2, 3 … for amended reissues
    issued_at BIGINT NOT NULL, -- epoch seconds
    sha256    TEXT   NOT NULL, -- of json, lowercase hex
    json      TEXT   NOT NULL, -- the report JSON as issued
    PRIMARY KEY (contract, period, version)
);
