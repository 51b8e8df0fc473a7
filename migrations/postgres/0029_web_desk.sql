-- The web desk: people who sign in, their sessions, and failed sign-ins.
-- Kept in the store, not in memory, so that every daemon on one database
-- honours a session and counts a failure the same.

-- A person of the desk. contracts is a JSON array of contract ids, or NULL
-- for every contract (as an API token's scope). password_hash is an argon2
-- string, or NULL for someone who signs in through the proxy only.
CREATE TABLE web_users (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('viewer', 'manager')),
    contracts     TEXT,
    password_hash TEXT,
    created_at    BIGINT NOT NULL,
    disabled_at   BIGINT
);

-- A session: only the SHA-256 of its id is kept, so a copy of the store
-- signs nobody in. csrf is the token every form of the session carries.
CREATE TABLE web_sessions (
    id_sha256    TEXT PRIMARY KEY,
    user_name    TEXT NOT NULL REFERENCES web_users (name),
    csrf         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX web_sessions_by_user ON web_sessions (user_name);

-- Failed sign-ins in a row, per account ('user:NAME') and per address
-- ('address:IP'); a success clears the account's.
CREATE TABLE web_sign_in_failures (
    subject        TEXT PRIMARY KEY,
    failures       BIGINT NOT NULL,
    last_failed_at BIGINT NOT NULL
);
