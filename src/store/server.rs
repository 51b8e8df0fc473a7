//! Databases of their own on a PostgreSQL server, for test runs and the
//! benchmark: each wants a fresh, empty store without touching anyone
//! else's data. The URL given is an administrator's (a role allowed to
//! create databases); the new database gets the same role, host and options.

use sqlx::{AnyConnection, AssertSqlSafe, Connection, Executor};

use super::{StoreError, redact};

/// Creates the empty database `name` on the server `admin_url` names and
/// returns a URL for it. `name` must be a plain lowercase identifier
/// (`[a-z][a-z0-9_]*`, at most 63 bytes): `CREATE DATABASE` takes no bound
/// parameters, so only such names are ever put into the statement.
pub async fn create_postgres_database(admin_url: &str, name: &str) -> Result<String, StoreError> {
    check_name(admin_url, name)?;
    let mut conn = admin(admin_url).await?;
    conn.execute(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .map_err(super::failed("creating a database"))?;
    let _ = conn.close().await;
    Ok(with_database(admin_url, name))
}

/// Drops the database `name` (made by [`create_postgres_database`]),
/// disconnecting anyone still on it.
pub async fn drop_postgres_database(admin_url: &str, name: &str) -> Result<(), StoreError> {
    check_name(admin_url, name)?;
    let mut conn = admin(admin_url).await?;
    conn.execute(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .await
    .map_err(super::failed("dropping a database"))?;
    let _ = conn.close().await;
    Ok(())
}

async fn admin(admin_url: &str) -> Result<AnyConnection, StoreError> {
    sqlx::any::install_default_drivers();
    AnyConnection::connect(admin_url)
        .await
        .map_err(|source| StoreError::Open {
            url: redact(admin_url),
            source,
        })
}

fn check_name(admin_url: &str, name: &str) -> Result<(), StoreError> {
    let plain = name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        Ok(())
    } else {
        Err(StoreError::Open {
            url: redact(admin_url),
            source: sqlx::Error::Configuration(
                format!("'{name}' is not a plain database name ([a-z][a-z0-9_]*)").into(),
            ),
        })
    }
}

/// `url` with its database (the path after the host) replaced by `name`,
/// keeping the user, host, port and any `?options`.
pub fn with_database(url: &str, name: &str) -> String {
    let authority_start = url.find("://").map_or(0, |i| i + 3);
    let (base, query) = match url.find('?') {
        Some(q) => url.split_at(q),
        None => (url, ""),
    };
    let host_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    format!("{}/{name}{query}", &base[..host_end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_is_swapped_and_the_rest_kept() {
        assert_eq!(
            with_database(
                "postgres://u:p@127.0.0.1:5433/postgres?sslmode=disable",
                "t1"
            ),
            "postgres://u:p@127.0.0.1:5433/t1?sslmode=disable"
        );
        assert_eq!(
            with_database("postgresql://localhost", "t2"),
            "postgresql://localhost/t2"
        );
        assert_eq!(
            with_database("postgres://h:1/?sslmode=disable", "t3"),
            "postgres://h:1/t3?sslmode=disable"
        );
    }

    #[test]
    fn only_plain_names_are_accepted() {
        for bad in ["", "A", "1a", "a-b", "a;drop", "a b", &"a".repeat(64)] {
            assert!(check_name("postgres://x", bad).is_err(), "{bad}");
        }
        assert!(check_name("postgres://x", "slawatch_t1_2").is_ok());
    }
}
