//! How a command fails: an exit code and a message naming what went wrong.

use std::process::ExitCode;

use crate::config::ConfigError;

/// A failed command.
#[derive(Debug)]
pub struct Failure {
    /// 1 for bad input or configuration, 2 for a runtime failure, 3 for a
    /// store that `verify` found altered.
    pub code: u8,
    /// What to print (already complete, one problem per line).
    pub message: String,
}

impl Failure {
    /// Bad input from the user: exit 1.
    pub fn input(message: impl Into<String>) -> Failure {
        Failure {
            code: 1,
            message: message.into(),
        }
    }

    /// A bad configuration file: exit 1, every problem on its own line.
    pub fn config(e: ConfigError) -> Failure {
        Failure::input(e.to_string())
    }

    /// A database, network or file-system failure: exit 2, with its causes.
    pub fn runtime(e: impl Into<anyhow::Error>) -> Failure {
        Failure {
            code: 2,
            message: with_causes(&e.into()),
        }
    }

    /// A store whose hash chains do not hold (`slawatch verify`): exit 3,
    /// apart from 1 and 2 so that a script can tell "altered" from "could
    /// not check".
    pub fn broken(message: impl Into<String>) -> Failure {
        Failure {
            code: 3,
            message: message.into(),
        }
    }

    /// Prints the message to standard error and gives the exit code.
    pub fn report(self) -> ExitCode {
        for line in self.message.lines() {
            eprintln!("error: {line}");
        }
        ExitCode::from(self.code)
    }
}

/// The error and each cause its own words do not already say: many errors
/// quote their source in their message, and printing the chain as well
/// would say the same thing twice.
fn with_causes(e: &anyhow::Error) -> String {
    let mut message = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !message.contains(&cause) {
            message.push_str(": ");
            message.push_str(&cause);
        }
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot open the store: {0}")]
    struct Quoting(#[from] std::io::Error);

    #[derive(Debug, thiserror::Error)]
    #[error("cannot open the store")]
    struct Silent(#[source] std::io::Error);

    fn refused() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused")
    }

    #[test]
    fn a_cause_is_said_once() {
        assert_eq!(
            Failure::runtime(Quoting(refused())).message,
            "cannot open the store: connection refused"
        );
        assert_eq!(
            Failure::runtime(Silent(refused())).message,
            "cannot open the store: connection refused"
        );
    }
}
