-- Delivery to each recipient of an alert. The sender gives every recipient
-- an envelope of its own, so one mailbox the relay refuses cannot hold up
-- the others: what each recipient's attempts came to is kept here, and an
-- alert leaves the queue once every recipient has taken it or been given up
-- on. A recipient refused for good (5xx) is tried a few times, then given up
-- on (see docs/book/src/operators/email.md).
CREATE TABLE outbox_recipients (
    outbox_id    INTEGER NOT NULL REFERENCES outbox (id),
    recipient    TEXT    NOT NULL,
    delivered_at INTEGER,                   -- the relay took it for this recipient
    refusals     INTEGER NOT NULL DEFAULT 0, -- permanent (5xx) refusals so far
    given_up_at  INTEGER,                   -- refused too often: not tried again
    last_error   TEXT,
    PRIMARY KEY (outbox_id, recipient)
) WITHOUT ROWID;

-- Each time a contract's recipient came to be given up on: reported once
-- (a log line, the metric, an alert to the contract's other managers) and
-- open until a later alert reaches that address again. Kept once closed, so
-- the metric only ever grows.
CREATE TABLE refused_recipients (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    contract     TEXT    NOT NULL, -- '' for an alert of no contract
    recipient    TEXT    NOT NULL,
    since        INTEGER NOT NULL,
    outbox_id    INTEGER NOT NULL, -- the alert it was first given up on
    last_error   TEXT    NOT NULL,
    recovered_at INTEGER           -- a later alert reached it again
);
CREATE UNIQUE INDEX refused_recipients_open ON refused_recipients (contract, recipient)
    WHERE recovered_at IS NULL;
