//! `slawatch check`: a good file passes; a broken one prints every problem
//! with its key path and exits 1.

mod common;

use common::{TestEnv, stderr, stdout};

#[test]
fn the_shipped_example_configuration_is_valid() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_slawatch"))
        .args([
            "check",
            "--config",
            concat!(env!("CARGO_MANIFEST_DIR"), "/config/slawatch.toml"),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("ok (1 contract(s), 8 service level(s)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_broken_configuration_lists_every_problem_with_its_key() {
    let env = TestEnv::new();
    let broken = env.file(
        "broken.toml",
        r#"
[daemon]
database_url = "mysql://x"

[calendars.office]
timezone = "Europe/Londres"
monday = ["08:00-18:00"]

[calendars.lunch]
timezone = "Europe/London"
monday = ["08:00-12:00", "11:00-13:00"]

[[contracts]]
id = "acme"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "12,5"
managers = ["contracts@council.example"]

  [[contracts.service_levels]]
  id = "p1"
  kind = "resolution_time"
  priorities = ["P9"]
  target = "4x"
  calendar = "nine-to-five"
  target_percnt = 95.0
  service_credits = [ { below = 90.0, percent = 4.0 }, { below = 95.0, percent = 2.0 } ]

  [[contracts.service_levels]]
  id = "p1"
  kind = "availability"
  target_percent = 99.5
"#,
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_slawatch"))
        .args(["check", "--config", broken.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for key in [
        "daemon.database_url",
        "calendars.office.timezone",
        "calendars.lunch",
        "contracts[0].supplier",
        "contracts[0].monthly_charge",
        "contracts[0].service_levels[0].priorities[0]",
        "contracts[0].service_levels[0].target",
        "contracts[0].service_levels[0].calendar",
        "contracts[0].service_levels[0].target_percnt",
        "contracts[0].service_levels[0].service_credits[1].below",
        "contracts[0].service_levels[1].id",
        "contracts[0].service_levels[1].services",
    ] {
        let needle = format!("{}: {key}:", broken.display());
        assert!(
            err.contains(&needle),
            "no problem reported for {key}:\n{err}"
        );
    }
    assert!(err.contains("did you mean 'target_percent'"), "{err}");
    assert!(err.contains("duplicate"), "{err}");
}

#[test]
fn a_token_scoped_to_an_unknown_contract_is_refused() {
    let env = TestEnv::new();
    let text = std::fs::read_to_string(&env.config).unwrap();
    let scoped = env.file(
        "scoped.toml",
        &format!(
            "{text}\n[[api_tokens]]\nname = \"beta-viewer\"\nrole = \"viewer\"\ntoken_env = \"BETA_VIEWER_TOKEN\"\ncontracts = [\"beta-hosting\"]\n\n[[api_tokens]]\nname = \"typo\"\nrole = \"manager\"\ntoken_env = \"TYPO_TOKEN\"\ncontracts = [\"beta-hosting\", \"acme-manged-it\"]\n\n[[api_tokens]]\nname = \"nothing\"\nrole = \"viewer\"\ntoken_env = \"NOTHING_TOKEN\"\ncontracts = []\n"
        ),
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_slawatch"))
        .args(["check", "--config", scoped.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("api_tokens[1].contracts[1]: unknown contract 'acme-manged-it'"),
        "{err}"
    );
    assert!(
        err.contains("api_tokens[2].contracts: an empty list"),
        "{err}"
    );
    assert!(!err.contains("api_tokens[0]"), "{err}");
}
