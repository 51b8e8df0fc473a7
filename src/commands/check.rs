//! `slawatch check`: validate the configuration.

use std::path::Path;

use super::Failure;

/// Loads the configuration and says what it holds, or fails with every problem.
pub fn run(path: &Path) -> Result<(), Failure> {
    let config = crate::config::load(path).map_err(Failure::config)?;
    let levels: usize = config
        .contracts
        .iter()
        .map(|c| c.service_levels.len())
        .sum();
    println!(
        "{}: ok ({} contract(s), {} service level(s), {} source(s))",
        path.display(),
        config.contracts.len(),
        levels,
        config.sources.len()
    );
    Ok(())
}
