//! The web desk's people, their sessions and failed sign-ins. Kept in the
//! store so that a second daemon on the same database honours a session
//! and counts a failure as the first does.

use super::{Store, StoreError, failed};

/// A person who may sign in to the web desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUser {
    /// The name they sign in with, kept as who made a change.
    pub name: String,
    /// `viewer` or `manager`.
    pub role: String,
    /// The contracts they may see; `None`: every contract.
    pub contracts: Option<Vec<String>>,
    /// The argon2 hash of their password; `None`: proxy sign-in only.
    pub password_hash: Option<String>,
    /// When the account was added (Unix time).
    pub created_at: i64,
    /// When it was disabled, if it was.
    pub disabled_at: Option<i64>,
}

/// A session as stored (its id is known only by its digest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    /// The person signed in.
    pub user_name: String,
    /// The CSRF token its forms carry.
    pub csrf: String,
    /// When it was opened (Unix time).
    pub created_at: i64,
    /// When it was last used (Unix time).
    pub last_seen_at: i64,
}

type UserRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    Option<i64>,
);

fn user(row: UserRow) -> Result<WebUser, StoreError> {
    let (name, role, contracts, password_hash, created_at, disabled_at) = row;
    let contracts = contracts
        .map(|text| {
            serde_json::from_str::<Vec<String>>(&text)
                .map_err(|e| StoreError::Corrupt(format!("web user {name}'s contracts: {e}")))
        })
        .transpose()?;
    Ok(WebUser {
        name,
        role,
        contracts,
        password_hash,
        created_at,
        disabled_at,
    })
}

impl Store {
    /// Adds a person; `false` when the name is taken (nothing changed).
    pub async fn add_web_user(&self, u: &WebUser) -> Result<bool, StoreError> {
        let contracts = u
            .contracts
            .as_ref()
            .map(|c| serde_json::to_string(c).unwrap_or_else(|_| "[]".into()));
        let done = sqlx::query(
            "INSERT INTO web_users (name, role, contracts, password_hash, created_at, disabled_at)
             VALUES ($1, $2, $3, $4, $5, NULL) ON CONFLICT (name) DO NOTHING",
        )
        .bind(&u.name)
        .bind(&u.role)
        .bind(contracts)
        .bind(&u.password_hash)
        .bind(u.created_at)
        .execute(self.pool())
        .await
        .map_err(failed("adding a web user"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Disables a person and ends their sessions at once; `false` when no
    /// such person.
    pub async fn disable_web_user(&self, name: &str, now: i64) -> Result<bool, StoreError> {
        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(failed("disabling a web user"))?;
        let done = sqlx::query(
            "UPDATE web_users SET disabled_at = COALESCE(disabled_at, $2) WHERE name = $1",
        )
        .bind(name)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(failed("disabling a web user"))?;
        sqlx::query("DELETE FROM web_sessions WHERE user_name = $1")
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(failed("ending a disabled user's sessions"))?;
        tx.commit().await.map_err(failed("disabling a web user"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Every person, by name.
    pub async fn web_users(&self) -> Result<Vec<WebUser>, StoreError> {
        let rows: Vec<UserRow> = sqlx::query_as(
            "SELECT name, role, contracts, password_hash, created_at, disabled_at FROM web_users ORDER BY name",
        )
            .fetch_all(self.pool())
            .await
            .map_err(failed("listing web users"))?;
        rows.into_iter().map(user).collect()
    }

    /// The person of this name, disabled or not.
    pub async fn web_user(&self, name: &str) -> Result<Option<WebUser>, StoreError> {
        let row: Option<UserRow> =
            sqlx::query_as(
                "SELECT name, role, contracts, password_hash, created_at, disabled_at FROM web_users WHERE name = $1",
            )
                .bind(name)
                .fetch_optional(self.pool())
                .await
                .map_err(failed("reading a web user"))?;
        row.map(user).transpose()
    }

    /// Opens a session known by `id_sha256` for `user`.
    pub async fn open_web_session(
        &self,
        id_sha256: &str,
        user: &str,
        csrf: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO web_sessions (id_sha256, user_name, csrf, created_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(id_sha256)
        .bind(user)
        .bind(csrf)
        .bind(now)
        .execute(self.pool())
        .await
        .map_err(failed("opening a web session"))?;
        Ok(())
    }

    /// Ends every session unused since `idle_before` or opened before
    /// `opened_before`: ones never presented again would otherwise stay.
    pub async fn close_expired_web_sessions(
        &self,
        idle_before: i64,
        opened_before: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM web_sessions WHERE last_seen_at < $1 OR created_at < $2")
            .bind(idle_before)
            .bind(opened_before)
            .execute(self.pool())
            .await
            .map_err(failed("ending expired web sessions"))?;
        Ok(())
    }

    /// The session known by `id_sha256`, if it is open.
    pub async fn web_session(&self, id_sha256: &str) -> Result<Option<WebSession>, StoreError> {
        let row: Option<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT user_name, csrf, created_at, last_seen_at FROM web_sessions WHERE id_sha256 = $1",
        )
        .bind(id_sha256)
        .fetch_optional(self.pool())
        .await
        .map_err(failed("reading a web session"))?;
        Ok(
            row.map(|(user_name, csrf, created_at, last_seen_at)| WebSession {
                user_name,
                csrf,
                created_at,
                last_seen_at,
            }),
        )
    }

    /// Notes that the session was used at `now`.
    pub async fn touch_web_session(&self, id_sha256: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE web_sessions SET last_seen_at = $2 WHERE id_sha256 = $1")
            .bind(id_sha256)
            .bind(now)
            .execute(self.pool())
            .await
            .map_err(failed("noting a web session's use"))?;
        Ok(())
    }

    /// Ends the session (sign-out, or found expired).
    pub async fn close_web_session(&self, id_sha256: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM web_sessions WHERE id_sha256 = $1")
            .bind(id_sha256)
            .execute(self.pool())
            .await
            .map_err(failed("ending a web session"))?;
        Ok(())
    }

    /// Failed sign-ins in a row for `subject` and when the last was.
    pub async fn sign_in_failures(&self, subject: &str) -> Result<Option<(i64, i64)>, StoreError> {
        sqlx::query_as(
            "SELECT failures, last_failed_at FROM web_sign_in_failures WHERE subject = $1",
        )
        .bind(subject)
        .fetch_optional(self.pool())
        .await
        .map_err(failed("reading failed sign-ins"))
    }

    /// Counts one more failed sign-in for `subject` at `now`.
    pub async fn sign_in_failed(&self, subject: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO web_sign_in_failures (subject, failures, last_failed_at) VALUES ($1, 1, $2)
             ON CONFLICT (subject) DO UPDATE SET
                 failures = web_sign_in_failures.failures + 1,
                 last_failed_at = excluded.last_failed_at",
        )
        .bind(subject)
        .bind(now)
        .execute(self.pool())
        .await
        .map_err(failed("counting a failed sign-in"))?;
        Ok(())
    }

    /// Forgets `subject`'s failed sign-ins (it signed in).
    pub async fn sign_in_succeeded(&self, subject: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM web_sign_in_failures WHERE subject = $1")
            .bind(subject)
            .execute(self.pool())
            .await
            .map_err(failed("clearing failed sign-ins"))?;
        Ok(())
    }
}
