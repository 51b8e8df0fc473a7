//! `slawatch issued`: the issued versions of a contract-month's report as
//! the store keeps them, and their documents written out byte for byte —
//! for an auditor, or a machine that never saw the files under `data_dir`.

use std::path::Path;

use super::Failure;
use crate::config::Config;
use crate::domain::time::format_utc;
use crate::store::Store;
use crate::store::issued::IssuedKey;

/// Lists every issued version of `month` for `contract` with its files;
/// with `out`, writes the files of `version` (default: the latest) there.
pub async fn run(
    config: &Config,
    store: &Store,
    contract: &str,
    month: &str,
    version: Option<i64>,
    out: Option<&Path>,
) -> Result<(), Failure> {
    let (c, period) = super::month::arguments(config, contract, month)?;
    let versions = store
        .issued_versions(&c.id, period)
        .await
        .map_err(Failure::runtime)?;
    let Some(latest) = versions.last().map(|v| v.0) else {
        return Err(Failure::input(format!(
            "{} {period} has not been issued (see `slawatch issue`)",
            c.id
        )));
    };
    let key = |version: i64| IssuedKey {
        contract: c.id.clone(),
        period: period.to_string(),
        version,
    };
    let Some(out) = out else {
        for (v, issued_at, sha256) in &versions {
            let at = chrono::DateTime::from_timestamp(*issued_at, 0)
                .map_or_else(|| issued_at.to_string(), format_utc);
            println!(
                "{} {period} version {v}: issued {at}, report JSON SHA-256 {sha256}",
                c.id
            );
            for name in store
                .issued_filenames(&key(*v))
                .await
                .map_err(Failure::runtime)?
            {
                println!("  {name}");
            }
        }
        return Ok(());
    };
    let version = version.unwrap_or(latest);
    if !versions.iter().any(|v| v.0 == version) {
        return Err(Failure::input(format!(
            "--version {version}: {} {period} has versions 1 to {latest}",
            c.id
        )));
    }
    std::fs::create_dir_all(out)
        .map_err(|e| Failure::runtime(anyhow::anyhow!("cannot create {}: {e}", out.display())))?;
    let key = key(version);
    let names = store
        .issued_filenames(&key)
        .await
        .map_err(Failure::runtime)?;
    for name in names {
        // The store checks the bytes against their recorded SHA-256.
        let file = store
            .issued_file(&key, &name)
            .await
            .map_err(Failure::runtime)?
            .ok_or_else(|| Failure::runtime(anyhow::anyhow!("{name} vanished from the store")))?;
        // Names were made by slawatch, but never write outside `out`.
        let Some(base) = Path::new(&file.filename).file_name() else {
            return Err(Failure::runtime(anyhow::anyhow!(
                "stored file name {:?} is not a plain name",
                file.filename
            )));
        };
        let path = out.join(base);
        std::fs::write(&path, &file.bytes).map_err(|e| {
            Failure::runtime(anyhow::anyhow!("cannot write {}: {e}", path.display()))
        })?;
        println!("{}", path.display());
    }
    Ok(())
}
