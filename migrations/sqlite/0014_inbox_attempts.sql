-- Imports of an inbox file begun and never finished: a daemon stopped (or
-- killed by the system) while importing that content. Counted before each
-- import and cleared when it ends, so a file that stops the daemon every
-- time it is read is refused after a few tries rather than stopping every
-- daemon that takes over after it, for ever.
CREATE TABLE inbox_attempts (
    source   TEXT    NOT NULL,
    sha256   TEXT    NOT NULL,
    attempts INTEGER NOT NULL,
    last_at  INTEGER NOT NULL,
    PRIMARY KEY (source, sha256)
) WITHOUT ROWID;
