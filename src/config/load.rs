//! Reading and validating the configuration file (placeholder until the
//! loader lands).

use std::fmt;
use std::path::Path;

use super::model::Config;

/// One problem found in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The key path, e.g. `contracts[0].service_levels[2].target`.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

/// Every problem found in one configuration file.
#[derive(Debug, Clone)]
pub struct ConfigError {
    /// The file read.
    pub file: String,
    /// The problems, in file order.
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}: {}: {}", self.file, p.key, p.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Reads and validates a configuration file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: file.clone(),
        problems: vec![Problem {
            key: "(file)".into(),
            message: format!("cannot read: {e}"),
        }],
    })?;
    parse(&text, &file)
}

/// Validates configuration text; `file` names it in errors.
pub fn parse(_text: &str, file: &str) -> Result<Config, ConfigError> {
    Err(ConfigError {
        file: file.to_string(),
        problems: vec![Problem {
            key: "(file)".into(),
            message: "not implemented".into(),
        }],
    })
}
