-- A probe's state keeps when its current run of results began, failures or
-- successes (an outage ends at the first success of the run that closes
-- it); the column was named when it only marked the first failure.
ALTER TABLE probe_state RENAME COLUMN first_failure_at TO run_started_at;
