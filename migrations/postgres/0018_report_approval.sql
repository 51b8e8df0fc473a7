-- Drafts and approvals of monthly reports (PostgreSQL twin of
-- migrations/sqlite/0018_report_approval.sql). On its schedule the daemon
-- makes a draft of the closed month (emailed to the managers marked DRAFT);
-- a manager approves the latest draft, and only then is the month issued
-- (unless the contract sets auto_issue). Both are only ever inserted (the
-- triggers below refuse anything else).

-- One draft of a contract-month's report: the JSON the managers were sent.
CREATE TABLE report_drafts (
    contract   TEXT COLLATE "C" NOT NULL,
    period     TEXT COLLATE "C" NOT NULL, -- YYYY-MM
    draft      BIGINT NOT NULL, -- 1, then 2, 3 … when figures changed before approval
    drafted_at BIGINT NOT NULL,
    sha256     TEXT COLLATE "C" NOT NULL, -- of json, lowercase hex
    json       TEXT   NOT NULL,
    gate       TEXT COLLATE "C", -- with issue_when = "feeds_complete": feeds_complete or deadline
    PRIMARY KEY (contract, period, draft)
);

-- A manager's approval of one draft: what lets the daemon issue the month.
CREATE TABLE report_approvals (
    contract    TEXT COLLATE "C" NOT NULL,
    period      TEXT COLLATE "C" NOT NULL,
    draft       BIGINT NOT NULL,
    approved_by TEXT   NOT NULL, -- `--by NAME` on the command line, the token's name over HTTP
    approved_at BIGINT NOT NULL,
    PRIMARY KEY (contract, period, draft),
    FOREIGN KEY (contract, period, draft) REFERENCES report_drafts (contract, period, draft)
);

CREATE TRIGGER report_drafts_are_kept BEFORE UPDATE OR DELETE ON report_drafts
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('report drafts are recorded once and never changed');
CREATE TRIGGER report_approvals_are_kept BEFORE UPDATE OR DELETE ON report_approvals
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('report approvals are recorded once and never changed');
