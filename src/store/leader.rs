//! Which daemon leads when several share one PostgreSQL database, and how
//! they tell each other about new evidence.
//!
//! Leadership is a session-level advisory lock (`pg_try_advisory_lock`) held
//! on a connection of its own, outside the pool. PostgreSQL frees it when
//! that session ends — the process exits or is killed and the kernel closes
//! the socket, or the server finds the peer gone through the TCP keepalives
//! set below — so a dead leader never has to clean anything up. While the
//! session answers, it holds the lock; a successful round trip on it is the
//! leader's proof that no other daemon leads.
//!
//! New evidence is announced with `NOTIFY` on [`CHANGES_CHANNEL`], so the
//! leader's live detection looks at once at records another daemon took in.

use std::path::PathBuf;

use sqlx::postgres::{PgConnection, PgListener};
use sqlx::{Connection, Executor};

use super::{Backend, Store, StoreError, failed, redact};

/// The advisory lock key: "slawlead" in ASCII (write transactions take
/// turns on another key). Advisory locks are scoped to the database, so
/// installations in other databases of the cluster do not contend.
pub const LEADER_LOCK_KEY: i64 = 0x736c_6177_6c65_6164;

/// The `LISTEN`/`NOTIFY` channel on which daemons announce new evidence.
pub const CHANGES_CHANNEL: &str = "slawatch_changes";

/// How quickly the server gives up on a silent leader: its first keepalive
/// probe after 4 s idle, then every 2 s, dead after 2 missed (about 8 s), and
/// unacknowledged data gives up after 8 s. A killed process needs none of
/// this (its socket is closed at once); a crashed host or a cut network does.
const KEEPALIVES: &str = "SET tcp_keepalives_idle = 4; SET tcp_keepalives_interval = 2; \
                          SET tcp_keepalives_count = 2; SET tcp_user_timeout = 8000";

/// The connection that holds (or tries to take) the leader's lock.
#[derive(Debug)]
pub struct LeaderLock {
    conn: PgConnection,
}

impl LeaderLock {
    /// Opens the lock's own connection to the PostgreSQL database at `url`.
    pub async fn connect(url: &str) -> Result<LeaderLock, StoreError> {
        let mut conn = PgConnection::connect(url)
            .await
            .map_err(|source| StoreError::Open {
                url: redact(url),
                source,
            })?;
        conn.execute(KEEPALIVES)
            .await
            .map_err(failed("setting the leader connection's keepalives"))?;
        Ok(LeaderLock { conn })
    }

    /// Takes the lock if no other session holds it; true when this session
    /// now holds it.
    pub async fn try_acquire(&mut self) -> Result<bool, StoreError> {
        sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(LEADER_LOCK_KEY)
            .fetch_one(&mut self.conn)
            .await
            .map_err(failed("trying to take the leader lock"))
    }

    /// True while this session holds the lock. An error means the session
    /// is unusable, so the lock must be taken as lost.
    pub async fn holds(&mut self) -> Result<bool, StoreError> {
        // A bigint key shows in pg_locks as its high and low halves.
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_locks
                             WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
                               AND classid::bigint = ($1 >> 32) AND objid::bigint = ($1 & 4294967295)
                               AND objsubid = 1)",
        )
        .bind(LEADER_LOCK_KEY)
        .fetch_one(&mut self.conn)
        .await
        .map_err(failed("confirming the leader lock"))
    }

    /// Ends the session, which frees the lock at once.
    pub async fn release(self) {
        if let Err(e) = self.conn.close().await {
            tracing::debug!(error = %e, "closing the leader connection");
        }
    }
}

/// Receives the announcements of new evidence made by every daemon.
#[derive(Debug)]
pub struct ChangeListener {
    listener: PgListener,
}

impl ChangeListener {
    /// Connects and listens on [`CHANGES_CHANNEL`].
    pub async fn connect(url: &str) -> Result<ChangeListener, StoreError> {
        let mut listener = PgListener::connect(url)
            .await
            .map_err(|source| StoreError::Open {
                url: redact(url),
                source,
            })?;
        listener
            .listen(CHANGES_CHANNEL)
            .await
            .map_err(failed("listening for new evidence"))?;
        Ok(ChangeListener { listener })
    }

    /// Waits for the next announcement. A lost connection is reopened on
    /// the next call; `Ok(false)` says it was lost, so announcements made
    /// meanwhile may be missed.
    pub async fn next(&mut self) -> Result<bool, StoreError> {
        self.listener
            .try_recv()
            .await
            .map(|n| n.is_some())
            .map_err(failed("waiting for new evidence"))
    }
}

impl Store {
    /// Tells every daemon on this database that evidence changed (PostgreSQL
    /// only; on SQLite a single daemon runs, and it wakes itself).
    pub async fn announce_change(&self) -> Result<(), StoreError> {
        if self.backend() != Backend::Postgres {
            return Ok(());
        }
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(CHANGES_CHANNEL)
            .execute(self.pool())
            .await
            .map_err(failed("announcing new evidence"))?;
        Ok(())
    }
}

impl Store {
    /// The newest outbox id (0 when empty): a new leader holds back alerts
    /// up to it while a deposed leader may still be sending them.
    pub async fn outbox_last_id(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM outbox")
            .fetch_one(self.pool())
            .await
            .map_err(failed("reading the newest outbox id"))
    }
}

/// The file a SQLite `database_url` names, if it names one (not `:memory:`).
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split_once('?').map_or(rest, |(p, _)| p);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_and_writing_take_different_locks() {
        // The leader holds its lock for good: on the write turns' key it
        // would stop every other daemon from writing.
        assert_ne!(LEADER_LOCK_KEY, super::super::WRITE_LOCK);
    }

    #[test]
    fn sqlite_files_are_found_in_urls() {
        assert_eq!(
            sqlite_file("sqlite://data/x.db?mode=rwc"),
            Some(PathBuf::from("data/x.db"))
        );
        assert_eq!(
            sqlite_file("sqlite:/tmp/y.db"),
            Some(PathBuf::from("/tmp/y.db"))
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://h/db"), None);
    }
}
