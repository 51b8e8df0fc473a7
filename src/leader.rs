//! Leadership: several daemons may share one PostgreSQL database; every one
//! serves HTTP, metrics and ingest and runs live detection (so each has the
//! figures for its own `/metrics`), but only the **leader** runs the
//! singletons — the sources' pollers, issuing, and the alert sender — and
//! only the leader's detection queues alerts.
//!
//! The leader holds a PostgreSQL advisory lock on a connection of its own
//! ([`crate::store::leader`]). Every [`LeaderSettings::heartbeat`] it checks
//! on that connection that it still holds it; when the check fails or does
//! not answer within [`LeaderSettings::heartbeat_timeout`], it stops being
//! the leader at once (leader work is cancelled before anything else, then
//! the connection is dropped so the lock is surely freed) and goes back to
//! trying to take the lock. A standby tries every [`LeaderSettings::retry`].
//!
//! On SQLite one daemon runs: it is always the leader, and it holds an
//! exclusive lock on `<database file>-daemon.lock` so that a second daemon
//! on the same file refuses to start instead of delivering alerts twice.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::{Mutex, watch};
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;

use crate::shutdown::sleep_or_stop;
use crate::store::Backend;
use crate::store::leader::{LeaderLock, sqlite_file};

/// How leadership is kept and taken over.
#[derive(Debug, Clone)]
pub struct LeaderSettings {
    /// How often a standby tries to take the lock.
    pub retry: Duration,
    /// How often the leader checks that it still holds the lock.
    pub heartbeat: Duration,
    /// How long a check may take before the lock is taken as lost.
    pub heartbeat_timeout: Duration,
}

impl Default for LeaderSettings {
    fn default() -> Self {
        LeaderSettings {
            retry: Duration::from_secs(1),
            heartbeat: Duration::from_secs(1),
            heartbeat_timeout: Duration::from_secs(2),
        }
    }
}

impl LeaderSettings {
    /// The longest a deposed leader can go on working before it notices:
    /// a new leader holds back the alerts queued before its term this long,
    /// so a message the old one was still sending is either finished and
    /// recorded, or abandoned, before the new one sends it.
    pub fn takeover_grace(&self) -> Duration {
        self.heartbeat + self.heartbeat_timeout + Duration::from_secs(1)
    }
}

/// How long a stopping leader keeps its lock for its work to wind down
/// (longer than one SMTP command may take).
pub const RELEASE_WAIT: Duration = Duration::from_secs(35);

/// This daemon's part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Another daemon leads (or none does yet): serve and stand by.
    Follower,
    /// This daemon leads; the number counts its terms since it started.
    Leader(u64),
}

type LockSlot = Arc<Mutex<Option<LeaderLock>>>;

/// What the parts of the daemon see of leadership. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Leadership {
    role: watch::Receiver<Role>,
    lock: Option<LockSlot>,
    grace: Duration,
    check_timeout: Duration,
}

impl Leadership {
    /// The one daemon on a store: leader from the start, for good.
    pub fn sole() -> Leadership {
        let (_, role) = watch::channel(Role::Leader(1));
        Leadership {
            role,
            lock: None,
            grace: Duration::ZERO,
            check_timeout: Duration::ZERO,
        }
    }

    /// Where this daemon stands now.
    pub fn role(&self) -> Role {
        *self.role.borrow()
    }

    /// True while this daemon leads.
    pub fn is_leader(&self) -> bool {
        matches!(self.role(), Role::Leader(_))
    }

    /// Waits until this daemon leads, and returns the term.
    pub async fn acquired(&self) -> u64 {
        let mut role = self.role.clone();
        loop {
            if let Role::Leader(term) = *role.borrow_and_update() {
                return term;
            }
            if role.changed().await.is_err() {
                // Nobody can change the role any more.
                std::future::pending::<()>().await;
            }
        }
    }

    /// Resolves when `term` is over (leadership lost or released).
    pub async fn lost(&self, term: u64) {
        let mut role = self.role.clone();
        loop {
            if *role.borrow_and_update() != Role::Leader(term) {
                return;
            }
            if role.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }

    /// True when this daemon still leads in `term`, checked with the
    /// database where there is one: the lock's own session answering proves
    /// no other daemon can lead. Called before each alert is sent.
    pub async fn confirm(&self, term: u64) -> bool {
        if self.role() != Role::Leader(term) {
            return false;
        }
        let Some(slot) = &self.lock else {
            return true;
        };
        let mut lock = slot.lock().await;
        match lock.as_mut() {
            Some(l) => matches!(timeout(self.check_timeout, l.holds()).await, Ok(Ok(true))),
            None => false,
        }
    }

    /// How long a new leader waits before delivering alerts (zero for the
    /// sole daemon on SQLite): see [`LeaderSettings::takeover_grace`].
    pub fn takeover_grace(&self) -> Duration {
        self.grace
    }
}

/// Keeps or seeks leadership until shutdown: a part of the daemon.
pub enum Elector {
    /// The sole daemon; holds its lock file (if any) until it stops.
    Sole(Option<std::fs::File>),
    /// One of several daemons on PostgreSQL.
    Postgres {
        /// The database.
        url: String,
        /// Publishes the role.
        role: watch::Sender<Role>,
        /// The lock's connection while leading.
        lock: LockSlot,
        /// Timings.
        settings: LeaderSettings,
    },
}

/// Sets up leadership for the store at `url`. On SQLite, fails when another
/// daemon already runs on the same file.
pub fn establish(
    url: &str,
    backend: Backend,
    settings: LeaderSettings,
) -> anyhow::Result<(Leadership, Elector)> {
    match backend {
        Backend::Sqlite => {
            let Some(file) = sqlite_file(url) else {
                return Ok((Leadership::sole(), Elector::Sole(None)));
            };
            let mut name = file.into_os_string();
            name.push("-daemon.lock");
            let path = std::path::PathBuf::from(name);
            let lock = std::fs::File::create(&path)
                .with_context(|| format!("Failed to create {}", path.display()))?;
            match lock.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
                    "another slawatch daemon is running on this SQLite store (it holds {}); \
                     only one daemon may run on SQLite — use PostgreSQL to run several",
                    path.display()
                ),
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(e).with_context(|| format!("Failed to lock {}", path.display()));
                }
            }
            Ok((Leadership::sole(), Elector::Sole(Some(lock))))
        }
        Backend::Postgres => {
            let (tx, rx) = watch::channel(Role::Follower);
            let slot: LockSlot = Arc::new(Mutex::new(None));
            let leadership = Leadership {
                role: rx,
                lock: Some(slot.clone()),
                grace: settings.takeover_grace(),
                check_timeout: settings.heartbeat_timeout,
            };
            let elector = Elector::Postgres {
                url: url.to_string(),
                role: tx,
                lock: slot,
                settings,
            };
            Ok((leadership, elector))
        }
    }
}

impl Elector {
    /// Runs until shutdown; the leader releases its lock on the way out,
    /// once `work_done` says its leader work has stopped (at most
    /// [`RELEASE_WAIT`] later).
    pub async fn run(
        self,
        shutdown: CancellationToken,
        work_done: CancellationToken,
    ) -> anyhow::Result<()> {
        match self {
            Elector::Sole(file) => {
                tracing::info!("leader: the only daemon on this store");
                shutdown.cancelled().await;
                drop(file);
                Ok(())
            }
            Elector::Postgres {
                url,
                role,
                lock,
                settings,
            } => {
                seek(&url, &role, &lock, &settings, &shutdown, &work_done).await;
                Ok(())
            }
        }
    }
}

/// The standby's loop: try the lock, lead while it holds, try again.
async fn seek(
    url: &str,
    role: &watch::Sender<Role>,
    slot: &LockSlot,
    settings: &LeaderSettings,
    shutdown: &CancellationToken,
    work_done: &CancellationToken,
) {
    let mut term = 0;
    let mut conn: Option<LeaderLock> = None;
    let mut said_standby = false;
    let mut last_problem: Option<String> = None;
    while !shutdown.is_cancelled() {
        let attempt = match conn.as_mut() {
            Some(c) => timeout(settings.heartbeat_timeout, c.try_acquire())
                .await
                .map_err(|_| "no answer in time".to_string())
                .and_then(|r| r.map_err(|e| e.to_string())),
            None => match timeout(settings.heartbeat_timeout, LeaderLock::connect(url)).await {
                Ok(Ok(c)) => {
                    conn = Some(c);
                    continue;
                }
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err("no answer in time".to_string()),
            },
        };
        match attempt {
            Ok(true) => {
                term += 1;
                *slot.lock().await = conn.take();
                role.send_replace(Role::Leader(term));
                tracing::info!(
                    term,
                    "became the leader: running sources, issuing and alert delivery"
                );
                lead(term, role, slot, settings, shutdown, work_done).await;
                said_standby = false;
                last_problem = None;
            }
            Ok(false) => {
                if !said_standby {
                    tracing::info!("another daemon is the leader; standing by");
                    said_standby = true;
                }
                last_problem = None;
            }
            Err(e) => {
                conn = None;
                if last_problem.as_deref() != Some(e.as_str()) {
                    tracing::warn!(error = %e, "cannot reach the database to seek leadership; trying again");
                    last_problem = Some(e);
                }
            }
        }
        if !sleep_or_stop(settings.retry, shutdown).await {
            break;
        }
    }
    if let Some(c) = conn {
        c.release().await;
    }
}

/// The leader's loop: check the lock every heartbeat; on shutdown release
/// it; on any doubt, stop leading first and drop the connection after.
async fn lead(
    term: u64,
    role: &watch::Sender<Role>,
    slot: &LockSlot,
    settings: &LeaderSettings,
    shutdown: &CancellationToken,
    work_done: &CancellationToken,
) {
    loop {
        if !sleep_or_stop(settings.heartbeat, shutdown).await {
            // Still the leader while the work winds down (a message being
            // sent is finished); then nobody may think this daemon leads.
            if timeout(RELEASE_WAIT, work_done.cancelled()).await.is_err() {
                tracing::warn!(
                    term,
                    "leader work still running {RELEASE_WAIT:?} after the stop; releasing anyway"
                );
            }
            role.send_replace(Role::Follower);
            if let Some(l) = slot.lock().await.take() {
                l.release().await;
            }
            tracing::info!(term, "stopping: leadership released");
            return;
        }
        let mut guard = slot.lock().await;
        let check = match guard.as_mut() {
            Some(l) => match timeout(settings.heartbeat_timeout, l.holds()).await {
                Ok(Ok(true)) => Ok(()),
                Ok(Ok(false)) => Err("the lock is no longer held".to_string()),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err(format!(
                    "the database did not answer within {:?}",
                    settings.heartbeat_timeout
                )),
            },
            None => Err("the lock's connection is gone".to_string()),
        };
        if let Err(reason) = check {
            // Fence first: leader work stops before anything else happens.
            role.send_replace(Role::Follower);
            // Dropping the session makes sure the server frees the lock.
            guard.take();
            tracing::error!(term, reason = %reason, "leadership lost: leader work stopped; trying to take it again");
            return;
        }
    }
}
