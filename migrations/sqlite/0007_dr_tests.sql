-- The disaster-recovery register's tests: each DR test of a system the
-- contract covers (`[[contracts.dr_systems]]`), as recorded with
-- `slawatch dr-test add` or the API. Rows are only ever inserted (the
-- triggers refuse anything else), so the register can be worked out as it
-- stood on any date and who recorded what stays on record.
CREATE TABLE dr_tests (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    contract             TEXT    NOT NULL,
    system               TEXT    NOT NULL, -- the dr_systems id
    tested_on            TEXT    NOT NULL, -- YYYY-MM-DD, the contract's local date
    achieved_rto_seconds INTEGER CHECK (achieved_rto_seconds >= 0),
    achieved_rpo_seconds INTEGER CHECK (achieved_rpo_seconds >= 0),
    evidence             TEXT,             -- a reference to the test report or vendor evidence
    note                 TEXT,
    recorded_by          TEXT    NOT NULL, -- `--by NAME` on the command line, the token's name over HTTP
    recorded_at          INTEGER NOT NULL
);
CREATE INDEX dr_tests_by_contract ON dr_tests (contract, system, tested_on);

CREATE TRIGGER dr_tests_are_kept_update BEFORE UPDATE ON dr_tests
BEGIN SELECT RAISE(ABORT, 'DR tests are recorded once and never changed'); END;
CREATE TRIGGER dr_tests_are_kept_delete BEFORE DELETE ON dr_tests
BEGIN SELECT RAISE(ABORT, 'DR tests are recorded once and never changed'); END;
