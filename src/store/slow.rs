//! How statements slower than a second are logged. sqlx warns of each by
//! default, which put lines about the store's own reads on a user's terminal
//! during normal work; slawatch logs them at debug level instead, unless an
//! operator looking into the database's speed asks for more with
//! [`SLOW_STATEMENTS_ENV`].

use std::time::Duration;

use log::LevelFilter;

/// The variable an operator sets to see slow statements at another level:
/// `warn`, `info`, `debug` (the default) or `off`.
pub const SLOW_STATEMENTS_ENV: &str = "SLAWATCH_LOG_SLOW_STATEMENTS";

/// How long a statement takes before it counts as slow.
pub const SLOW_AFTER: Duration = Duration::from_secs(1);

/// The level slow statements are logged at, from [`SLOW_STATEMENTS_ENV`]
/// (debug when unset or empty), or why its value is not one.
pub fn level() -> Result<LevelFilter, String> {
    match std::env::var(SLOW_STATEMENTS_ENV) {
        Ok(value) => parse(&value),
        Err(std::env::VarError::NotPresent) => Ok(LevelFilter::Debug),
        Err(std::env::VarError::NotUnicode(_)) => Err(format!(
            "{SLOW_STATEMENTS_ENV}: expected warn, info, debug or off"
        )),
    }
}

/// A level's name as [`SLOW_STATEMENTS_ENV`] takes it.
fn parse(value: &str) -> Result<LevelFilter, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "debug" => Ok(LevelFilter::Debug),
        "warn" => Ok(LevelFilter::Warn),
        "info" => Ok(LevelFilter::Info),
        "off" => Ok(LevelFilter::Off),
        _ => Err(format!(
            "{SLOW_STATEMENTS_ENV}={value:?}: expected warn, info, debug or off"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operator_names_the_level_and_anything_else_is_refused() {
        assert_eq!(parse(""), Ok(LevelFilter::Debug));
        assert_eq!(parse(" WARN "), Ok(LevelFilter::Warn));
        assert_eq!(parse("info"), Ok(LevelFilter::Info));
        assert_eq!(parse("off"), Ok(LevelFilter::Off));
        let refused = parse("loud").unwrap_err();
        assert!(
            refused.contains(SLOW_STATEMENTS_ENV) && refused.contains("\"loud\""),
            "{refused}"
        );
    }
}
