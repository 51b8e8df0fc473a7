-- A DR test recorded by mistake is withdrawn, never deleted or changed
-- (PostgreSQL twin of migrations/sqlite/0009_dr_test_withdrawals.sql): one
-- row here per withdrawn test, with who withdrew it, when and why. Rows are
-- only ever inserted (the triggers refuse anything else); the primary key
-- makes a second withdrawal of the same test impossible.
CREATE TABLE dr_test_withdrawals (
    test_id      BIGINT PRIMARY KEY REFERENCES dr_tests (id),
    contract     TEXT COLLATE "C" NOT NULL,
    withdrawn_by TEXT   NOT NULL, -- `--by NAME` on the command line, the token's name over HTTP
    withdrawn_at BIGINT NOT NULL,
    reason       TEXT   NOT NULL
);

CREATE TRIGGER dr_test_withdrawals_are_kept BEFORE UPDATE OR DELETE ON dr_test_withdrawals
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('DR test withdrawals are recorded once and never changed');
