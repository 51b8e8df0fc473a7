//! `slawatch issue` through the binary: the same once-only issuing as the
//! daemon, by hand, against the example month (tests/october).

mod common;
mod october;

use common::{TestEnv, stderr, stdout};
use october::october;

/// The outbox's issued-report summaries, by dedup key.
async fn summaries(env: &TestEnv) -> Vec<String> {
    let config = slawatch::config::load(&env.config).expect("config");
    let store = slawatch::store::Store::open(&config.daemon.database_url)
        .await
        .expect("store");
    let mut keys: Vec<String> = store
        .due_alerts(i64::MAX, 100)
        .await
        .expect("outbox")
        .into_iter()
        .filter(|a| a.alert.kind == "report_issued")
        .map(|a| a.alert.dedup_key)
        .collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn issue_closes_a_month_once_and_reissues_only_what_changed() {
    let env = TestEnv::new();
    october(&env);
    let issue = |extra: &[&str]| {
        let mut args = vec![
            "issue",
            "--contract",
            "acme-managed-it",
            "--month",
            "2026-10",
        ];
        args.extend_from_slice(extra);
        env.run(&args)
    };

    let out = issue(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let folder = env.dir.path().join("data/reports/acme-managed-it/2026-10");
    assert_eq!(
        stdout(&out).trim(),
        format!(
            "acme-managed-it 2026-10: issued version 1 in {}",
            folder.display()
        )
    );
    for ext in ["json", "csv", "html", "pdf", "xlsx"] {
        assert!(
            folder
                .join(format!("acme-managed-it-2026-10-v1.{ext}"))
                .exists()
        );
    }
    common::report_schema::assert_valid_report_file(
        &folder.join("acme-managed-it-2026-10-v1.json"),
    );
    assert_eq!(
        summaries(&env).await,
        ["report_issued/acme-managed-it/2026-10/v1"]
    );
    let issued_pdf = std::fs::read(folder.join("acme-managed-it-2026-10-v1.pdf")).unwrap();

    // Again: nothing new, the issued files untouched, nothing more to email.
    let out = issue(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("acme-managed-it 2026-10: already issued (version 1)"),
        "{}",
        stdout(&out)
    );
    // --reissue with nothing changed does nothing either.
    let out = issue(&["--reissue"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("nothing changed since version 1; not reissued"),
        "{}",
        stdout(&out)
    );
    assert!(!folder.join("acme-managed-it-2026-10-v2.json").exists());
    assert_eq!(summaries(&env).await.len(), 1);

    // Late evidence: another P1 resolved in 6 hours. 12 of 15 = 80 %, still
    // below 90 % (4 % = £5,000.00) but the attainment changed, so --reissue
    // issues version 2 and queues its summary.
    let late = env.file(
        "late.csv",
        "id,contract,priority,opened_at,service,resolved_at,title\n\
         INC0019999,acme-managed-it,P1,2026-10-28T08:00:00Z,email,2026-10-28T14:00:00Z,Late\n",
    );
    assert!(env.import(&[&late]).status.success());
    let out = issue(&["--reissue"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("acme-managed-it 2026-10: reissued version 2"),
        "{}",
        stdout(&out)
    );
    let v2: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(folder.join("acme-managed-it-2026-10-v2.json")).unwrap(),
    )
    .unwrap();
    common::report_schema::assert_valid_report(&v2);
    let p1 = common::level(&v2, "p1-resolution");
    assert_eq!(p1["met"], 12);
    assert_eq!(p1["assessed"], 15);
    assert_eq!(p1["attainment_percent"], 80.0);
    assert_eq!(
        summaries(&env).await,
        [
            "report_issued/acme-managed-it/2026-10/v1",
            "report_issued/acme-managed-it/2026-10/v2"
        ]
    );
    // Version 1 is immutable.
    assert_eq!(
        std::fs::read(folder.join("acme-managed-it-2026-10-v1.pdf")).unwrap(),
        issued_pdf
    );
}

#[test]
fn a_month_not_yet_ended_or_an_unknown_contract_is_refused() {
    let env = TestEnv::new();
    let out = env.run(&["issue", "--month", "2099-01"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("has not ended yet"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["issue", "--contract", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("unknown contract 'nope'"),
        "{}",
        stderr(&out)
    );
    assert!(!env.dir.path().join("data/reports").exists());
}

#[test]
fn issued_documents_come_back_from_the_store_byte_for_byte() {
    let env = TestEnv::new();
    october(&env);
    let args = ["--contract", "acme-managed-it", "--month", "2026-10"];
    let mut before = vec!["issued"];
    before.extend_from_slice(&args);
    let out = env.run(&before);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("has not been issued"),
        "{}",
        stderr(&out)
    );

    let mut issue = vec!["issue"];
    issue.extend_from_slice(&args);
    let out = env.run(&issue);
    assert!(out.status.success(), "{}", stderr(&out));
    let folder = env.dir.path().join("data/reports/acme-managed-it/2026-10");

    // The listing names the version and its five documents.
    let out = env.run(&before);
    assert!(out.status.success(), "{}", stderr(&out));
    let listing = stdout(&out);
    assert!(
        listing.starts_with("acme-managed-it 2026-10 version 1: issued "),
        "{listing}"
    );
    for ext in ["csv", "html", "json", "pdf", "xlsx"] {
        assert!(
            listing.contains(&format!("  acme-managed-it-2026-10-v1.{ext}\n")),
            "{listing}"
        );
    }
    let json_sha =
        hex_sha256(&std::fs::read(folder.join("acme-managed-it-2026-10-v1.json")).unwrap());
    assert!(
        listing.contains(&format!("SHA-256 {json_sha}")),
        "{listing}"
    );

    // Written out from the store alone (the issuer's folder removed first),
    // every document is the one issued.
    let saved = env.dir.path().join("saved");
    std::fs::rename(&folder, &saved).unwrap();
    let exported = env.dir.path().join("exported");
    let mut get = before.clone();
    let exported_arg = exported.display().to_string();
    get.extend_from_slice(&["--out", &exported_arg]);
    let out = env.run(&get);
    assert!(out.status.success(), "{}", stderr(&out));
    for ext in ["csv", "html", "json", "pdf", "xlsx"] {
        let name = format!("acme-managed-it-2026-10-v1.{ext}");
        assert_eq!(
            std::fs::read(exported.join(&name)).unwrap(),
            std::fs::read(saved.join(&name)).unwrap(),
            "{name}"
        );
    }

    // A version that was never issued is refused.
    get.extend_from_slice(&["--version", "2"]);
    let out = env.run(&get);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--version 2"), "{}", stderr(&out));
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}
