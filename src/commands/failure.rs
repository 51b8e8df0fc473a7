//! How a command fails: an exit code and a message naming what went wrong.

use std::process::ExitCode;

use crate::config::ConfigError;

/// A failed command.
#[derive(Debug)]
pub struct Failure {
    /// 1 for bad input or configuration, 2 for a runtime failure.
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
            message: format!("{:#}", e.into()),
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
