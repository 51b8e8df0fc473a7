-- A DR test recorded by mistake is withdrawn, never deleted or changed: one
-- row here per withdrawn test, with who withdrew it, when and why. A
-- withdrawn test no longer counts in the register (flags, last test,
-- rating) but stays listed. Rows are only ever inserted (the triggers
-- refuse anything else); the primary key makes a second withdrawal of the
-- same test impossible.
CREATE TABLE dr_test_withdrawals (
    test_id      INTEGER PRIMARY KEY REFERENCES dr_tests (id),
    contract     TEXT    NOT NULL,
    withdrawn_by TEXT    NOT NULL, -- `--by NAME` on the command line, the token's name over HTTP
    withdrawn_at INTEGER NOT NULL,
    reason       TEXT    NOT NULL
);

CREATE TRIGGER dr_test_withdrawals_are_kept_update BEFORE UPDATE ON dr_test_withdrawals
BEGIN SELECT RAISE(ABORT, 'DR test withdrawals are recorded once and never changed'); END;
CREATE TRIGGER dr_test_withdrawals_are_kept_delete BEFORE DELETE ON dr_test_withdrawals
BEGIN SELECT RAISE(ABORT, 'DR test withdrawals are recorded once and never changed'); END;
