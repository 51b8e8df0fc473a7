-- The actions register: what management agreed to do after an internal
-- audit, a committee resolution, a rectification plan or a maturity
-- assessment, and every status an action has had on the auditors' scale.
-- Insert-only: an action's particulars are recorded once, each status change
-- is a new row naming who reviewed it, when, why and the evidence seen, and
-- both tables are sealed into their contract's hash chains.

CREATE TABLE actions (
    contract      TEXT    NOT NULL,
    id            TEXT    NOT NULL,
    origin        TEXT    NOT NULL, -- the audit, resolution or plan: what the follow-up summary groups by
    reference     TEXT,             -- its reference within the origin ('management action 3')
    title         TEXT    NOT NULL,
    description   TEXT,
    owner         TEXT    NOT NULL,
    due_date      TEXT    NOT NULL, -- YYYY-MM-DD in the contract's timezone, as first agreed
    service_level TEXT,             -- optional links within the contract
    dr_system     TEXT,
    commitment    TEXT,
    created_by    TEXT    NOT NULL, -- cli:<user>, api:<token name> or import:<file>
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (contract, id)
);

-- Every status an action has had, the first being the status it was
-- recorded with; the latest decides where it stands.
CREATE TABLE action_changes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    contract    TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('not_implemented', 'partially_implemented',
                                   'substantially_implemented', 'fully_implemented', 'closed')),
    decided_by  TEXT    NOT NULL, -- the named person who reviewed it
    reason      TEXT    NOT NULL, -- why (for closed, why it is closed)
    evidence    TEXT,             -- the evidence reviewed
    revised_due TEXT,             -- YYYY-MM-DD, a revised due date agreed with this change
    recorded_by TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL,
    FOREIGN KEY (contract, action) REFERENCES actions (contract, id)
);
CREATE INDEX action_changes_by_action ON action_changes (contract, action, id);

CREATE TRIGGER actions_are_kept_update BEFORE UPDATE ON actions
BEGIN SELECT RAISE(ABORT, 'actions are recorded once; a change of status is a new row'); END;
CREATE TRIGGER actions_are_kept_delete BEFORE DELETE ON actions
BEGIN SELECT RAISE(ABORT, 'actions are recorded once; a change of status is a new row'); END;
CREATE TRIGGER action_changes_are_kept_update BEFORE UPDATE ON action_changes
BEGIN SELECT RAISE(ABORT, 'an action''s status history is recorded once and never changed'); END;
CREATE TRIGGER action_changes_are_kept_delete BEFORE DELETE ON action_changes
BEGIN SELECT RAISE(ABORT, 'an action''s status history is recorded once and never changed'); END;
