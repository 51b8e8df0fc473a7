-- Reading a month's incidents at the cost of what the month holds. A month's
-- incidents are those opened in it (found by opened_at) and those carried in
-- from before it: opened earlier and not settled before it began (found by
-- settled_at, with opened_at in the index so the ones opened later are
-- skipped without reading their rows). A run of months reads the carried-in
-- incidents once, for its first month, and each month's own after that.
DROP INDEX incidents_by_settled;
CREATE INDEX incidents_by_settled ON incidents (contract, settled_at, opened_at);
CREATE INDEX incidents_by_opened ON incidents (contract, opened_at);
