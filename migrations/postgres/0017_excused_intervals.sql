-- An outage may be excused for part of its interval: only [excused_from,
-- excused_until) stops counting as downtime, the rest of the outage counts.
-- Both NULL (every excusal recorded before this, and every excusal of a whole
-- outage, an incident or a service level's month) excuses the whole. The
-- store checks the interval lies within the outage before recording it;
-- the CHECK keeps the pair whole, ordered and on outages only.
ALTER TABLE excusals ADD COLUMN excused_from BIGINT;  -- unix seconds
ALTER TABLE excusals ADD COLUMN excused_until BIGINT; -- unix seconds, exclusive
ALTER TABLE excusals ADD CONSTRAINT excusals_interval CHECK (
    (excused_from IS NULL) = (excused_until IS NULL)
    AND (excused_from IS NULL OR (kind = 'outage' AND excused_from < excused_until))
);
