-- Drafts and approvals of monthly reports. On its schedule the daemon makes
-- a draft of the closed month (emailed to the managers marked DRAFT); a
-- manager approves the latest draft, and only then is the month issued
-- (unless the contract sets auto_issue). Both are only ever inserted (the
-- triggers below refuse anything else): a changed month gets the next draft,
-- never an edited one.

-- One draft of a contract-month's report: the JSON the managers were sent.
CREATE TABLE report_drafts (
    contract   TEXT    NOT NULL,
    period     TEXT    NOT NULL, -- YYYY-MM
    draft      INTEGER NOT NULL, -- 1, then 2, 3 … when figures changed before approval
    drafted_at INTEGER NOT NULL,
    sha256     TEXT    NOT NULL, -- of json, lowercase hex
    json       TEXT    NOT NULL,
    gate       TEXT,             -- with issue_when = "feeds_complete": feeds_complete or deadline
    PRIMARY KEY (contract, period, draft)
);

-- A manager's approval of one draft: what lets the daemon issue the month.
CREATE TABLE report_approvals (
    contract    TEXT    NOT NULL,
    period      TEXT    NOT NULL,
    draft       INTEGER NOT NULL,
    approved_by TEXT    NOT NULL, -- `--by NAME` on the command line, the token's name over HTTP
    approved_at INTEGER NOT NULL,
    PRIMARY KEY (contract, period, draft),
    FOREIGN KEY (contract, period, draft) REFERENCES report_drafts (contract, period, draft)
);

CREATE TRIGGER report_drafts_are_kept_update BEFORE UPDATE ON report_drafts
BEGIN SELECT RAISE(ABORT, 'report drafts are recorded once and never changed'); END;
CREATE TRIGGER report_drafts_are_kept_delete BEFORE DELETE ON report_drafts
BEGIN SELECT RAISE(ABORT, 'report drafts are recorded once and never changed'); END;
CREATE TRIGGER report_approvals_are_kept_update BEFORE UPDATE ON report_approvals
BEGIN SELECT RAISE(ABORT, 'report approvals are recorded once and never changed'); END;
CREATE TRIGGER report_approvals_are_kept_delete BEFORE DELETE ON report_approvals
BEGIN SELECT RAISE(ABORT, 'report approvals are recorded once and never changed'); END;
