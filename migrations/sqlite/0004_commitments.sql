-- The commitments register (see docs/book/src/managers/commitments.md):
-- commitments recorded ad hoc beside those in the configuration file, and
-- what happened to each occurrence.
-- Nothing here is ever updated or deleted: a rejection is a new event, so the
-- register can always be replayed as it stood at any instant.

-- Commitments added with `slawatch commitment add` or the API. The columns
-- hold the keys as written (CommitmentSpec); they are validated again against
-- the configuration (currency, calendars) whenever they are read.
CREATE TABLE commitments (
    contract              TEXT    NOT NULL,
    id                    TEXT    NOT NULL,
    name                  TEXT    NOT NULL,
    category              TEXT,
    owner                 TEXT,
    due                   TEXT    NOT NULL, -- YYYY-MM-DD, or a rule such as '5 working days after month end'
    every                 TEXT,             -- '12 months'
    first_month           TEXT,             -- YYYY-MM, with a rule
    calendar              TEXT,             -- with a working-days rule
    delay_payment_per_day TEXT,             -- decimal amount in the contract's currency
    created_by            TEXT    NOT NULL, -- cli:<user> or api:<token name>
    created_at            INTEGER NOT NULL,
    PRIMARY KEY (contract, id)
);

-- Deliveries, acceptances and rejections, per occurrence. `occurrence` is the
-- occurrence's key: its nominal due date (YYYY-MM-DD) or, for a month-end
-- rule, the month it covers (YYYY-MM), so editing a calendar's holidays does
-- not orphan what was recorded.
CREATE TABLE commitment_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    contract    TEXT    NOT NULL,
    commitment  TEXT    NOT NULL,
    occurrence  TEXT    NOT NULL,
    action      TEXT    NOT NULL CHECK (action IN ('delivered', 'accepted', 'rejected')),
    on_date     TEXT    NOT NULL, -- YYYY-MM-DD: when it was delivered, accepted or rejected
    evidence    TEXT,             -- delivered: the evidence reference
    person      TEXT,             -- accepted, rejected: the named person who decided
    reason      TEXT,             -- rejected: why
    recorded_by TEXT    NOT NULL, -- cli:<user> or api:<token name>
    recorded_at INTEGER NOT NULL
);
CREATE INDEX commitment_events_by_contract ON commitment_events (contract, commitment, occurrence);
