-- The actions register: what management agreed to do after an internal
-- audit, a committee resolution, a rectification plan or a maturity
-- assessment, and every status an action has had on the auditors' scale.
-- Insert-only: an action's particulars are recorded once, each status change
-- is a new row naming who reviewed it, when, why and the evidence seen, and
-- both tables are sealed into their contract's hash chains.

CREATE TABLE actions (
    contract      TEXT COLLATE "C" NOT NULL,
    id            TEXT COLLATE "C" NOT NULL,
    origin        TEXT   NOT NULL, -- the audit, resolution or plan: what the follow-up summary groups by
    reference     TEXT,            -- its reference within the origin ('management action 3')
    title         TEXT   NOT NULL,
    description   TEXT,
    owner         TEXT   NOT NULL,
    due_date      TEXT COLLATE "C" NOT NULL, -- YYYY-MM-DD in the contract's timezone, as first agreed
    service_level TEXT COLLATE "C",          -- optional links within the contract
    dr_system     TEXT COLLATE "C",
    commitment    TEXT COLLATE "C",
    created_by    TEXT   NOT NULL, -- cli:<user>, api:<token name> or import:<file>
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (contract, id)
);

-- Every status an action has had, the first being the status it was
-- recorded with; the latest decides where it stands.
CREATE TABLE action_changes (
    id          BIGSERIAL PRIMARY KEY,
    contract    TEXT COLLATE "C" NOT NULL,
    action      TEXT COLLATE "C" NOT NULL,
    status      TEXT COLLATE "C" NOT NULL CHECK (status IN ('not_implemented', 'partially_implemented',
                                   'substantially_implemented', 'fully_implemented', 'closed')),
    decided_by  TEXT   NOT NULL, -- the named person who reviewed it
    reason      TEXT   NOT NULL, -- why (for closed, why it is closed)
    evidence    TEXT,            -- the evidence reviewed
    revised_due TEXT COLLATE "C", -- YYYY-MM-DD, a revised due date agreed with this change
    recorded_by TEXT   NOT NULL,
    recorded_at BIGINT NOT NULL,
    FOREIGN KEY (contract, action) REFERENCES actions (contract, id)
);
CREATE INDEX action_changes_by_action ON action_changes (contract, action, id);

CREATE TRIGGER actions_are_kept BEFORE UPDATE OR DELETE ON actions
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('actions are recorded once; a change of status is a new row');
CREATE TRIGGER action_changes_are_kept BEFORE UPDATE OR DELETE ON action_changes
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('an action''s status history is recorded once and never changed');
