//! Evidence files: kept byte for byte with their SHA-256 behind a cost, an
//! excusal, a dispute or a delivery; listed in the report of the month their
//! record bears on; audited; refused clearly when too large or naming
//! nothing; never changed or deleted, even past slawatch.

use super::common::sha256_hex;
use super::*;

/// `evidence add --contract C SUBJECT --file PATH --by J. Smith`.
fn add(env: &TestEnv, subject: &[&str], name: &str, bytes: &[u8]) -> String {
    let path = env.dir.path().join(name);
    std::fs::write(&path, bytes).expect("write the evidence file");
    let file = path.to_str().expect("a UTF-8 temporary path").to_string();
    let mut args = vec!["evidence", "add", "--contract", C, "--file", &file];
    args.extend(subject);
    args.extend(["--by", "J. Smith"]);
    ok(env, &args)
}

#[test]
fn evidence_files_are_kept_byte_for_byte_and_listed_in_their_month() {
    let env = TestEnv::new();
    october(&env);
    add_cost(&env, "2026-10-09", "2400.00", &[]); // cost 1, October
    add_cost(&env, "2026-11-03", "100.00", &[]); // cost 2, November
    ok(
        &env,
        &[
            "excuse",
            "--contract",
            C,
            "--outage",
            "OUT1",
            "--reason",
            "power cut",
            "--by",
            "J. Smith",
        ],
    ); // excusal 1: OUT1 started 9 October
    dispute_open(
        &env,
        &[
            "--service-level",
            "email-availability",
            "--month",
            "2026-10",
        ],
        "our monitoring shows 99.7 %",
    ); // dispute 1

    let out = add(&env, &["--cost", "1"], "invoice 88213.pdf", b"abc");
    // The SHA-256 of "abc" is the FIPS 180-2 test vector.
    assert!(
        out.contains(
            "stored evidence file 1 for cost 1 of acme-managed-it: invoice 88213.pdf (3 bytes, \
             SHA-256 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad)"
        ),
        "{out}"
    );
    add(&env, &["--excusal", "1"], "site.JPG", b"photo of the flood");
    add(&env, &["--cost", "2"], "november.pdf", b"later");
    add(
        &env,
        &["--dispute", "1"],
        "reply.eml",
        b"From: supplier\r\n\r\nNo.",
    );

    let r = report(&env);
    let files = r["evidence_files"].as_array().expect("evidence_files");
    // Files 1, 2 and 4 bear on October; file 3 is for November's cost.
    let ids: Vec<i64> = files.iter().map(|f| f["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [1, 2, 4], "{files:?}");
    assert_eq!(files[0]["subject"], "cost 1");
    assert_eq!(files[0]["subject_kind"], "cost");
    assert_eq!(files[0]["media_type"], "application/pdf");
    assert_eq!(files[0]["added_by"], "J. Smith");
    assert_eq!(files[1]["subject"], "excusal 1");
    assert_eq!(files[1]["name"], "site.JPG");
    assert_eq!(files[1]["media_type"], "image/jpeg");
    // "photo of the flood" is 18 bytes.
    assert_eq!(files[1]["size"], 18);
    assert_eq!(files[1]["sha256"], sha256_hex("photo of the flood"));
    assert_eq!(files[2]["subject"], "dispute 1");
    assert_eq!(files[2]["media_type"], "message/rfc822");
    // "From: supplier\r\n\r\nNo." is 14 + 2 + 2 + 3 = 21 bytes.
    assert_eq!(files[2]["size"], 21);
    let november = env.report_json(C, "2026-11", "2026-12-05T00:00:00Z");
    assert_eq!(november["evidence_files"][0]["name"], "november.pdf");

    // Written back byte for byte.
    let out_path = env.dir.path().join("back.bin");
    let out = out_path.to_str().unwrap();
    ok(
        &env,
        &[
            "evidence",
            "get",
            "--contract",
            C,
            "--id",
            "4",
            "--out",
            out,
        ],
    );
    assert_eq!(
        std::fs::read(&out_path).unwrap(),
        b"From: supplier\r\n\r\nNo."
    );
    // One record's files.
    let listed: Value = serde_json::from_str(&ok(
        &env,
        &[
            "evidence",
            "list",
            "--contract",
            C,
            "--cost",
            "2",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["id"], 3);

    // Each addition is in the audit trail, with the month it bears on.
    let added: Vec<Value> = audit(&env)
        .into_iter()
        .filter(|a| a["action"] == "evidence.add")
        .collect();
    assert_eq!(added.len(), 4);
    assert_eq!(added[0]["kind"], "evidence_file");
    assert_eq!(added[0]["subject"], "1");
    assert_eq!(added[0]["period"], "2026-10");
    assert!(
        added[0]["detail"]
            .as_str()
            .unwrap()
            .contains("added evidence file 1 to cost 1: invoice 88213.pdf"),
        "{}",
        added[0]
    );
    // The chain covers them: verify passes.
    let verified = ok(&env, &["verify", "--contract", C]);
    assert!(
        verified.contains("evidence_files of acme-managed-it: 4 rows"),
        "{verified}"
    );

    // The HTML appendix lists them, names escaped.
    add(&env, &["--cost", "1"], "<b>x<b> & co.pdf", b"x");
    let html = std::fs::read_to_string(env.october_report_file("html", AS_OF)).unwrap();
    assert!(
        html.contains("<h2>Appendix E: evidence files</h2>"),
        "no appendix"
    );
    assert!(html.contains("invoice 88213.pdf"));
    assert!(
        html.contains("&lt;b&gt;x&lt;b&gt; &amp; co.pdf"),
        "name not escaped"
    );
    assert!(!html.contains("<b>x<b>"));
}

#[test]
fn evidence_files_are_refused_with_a_clear_reason() {
    let env = TestEnv::new();
    october(&env);
    add_cost(&env, "2026-10-09", "2400.00", &[]);
    // 10 MiB is 10 × 1024 × 1024 = 10,485,760 bytes; one more is refused.
    let big = env.dir.path().join("scan.pdf");
    std::fs::write(&big, vec![b'x'; 10_485_761]).unwrap();
    let big = big.to_str().unwrap();
    let err = refused(
        &env,
        &[
            "evidence",
            "add",
            "--contract",
            C,
            "--cost",
            "1",
            "--file",
            big,
            "--by",
            "J. Smith",
        ],
    );
    assert!(
        err.contains("scan.pdf is 10485761 bytes, over the limit of 10485760 bytes (10 MiB)"),
        "{err}"
    );
    let small = env.file("receipt.pdf", "abc");
    let small = small.to_str().unwrap();
    let err = refused(
        &env,
        &[
            "evidence",
            "add",
            "--contract",
            C,
            "--cost",
            "7",
            "--file",
            small,
            "--by",
            "J. Smith",
        ],
    );
    assert!(
        err.contains("no cost 7 for contract 'acme-managed-it'"),
        "{err}"
    );
    let err = refused(
        &env,
        &[
            "evidence",
            "add",
            "--contract",
            C,
            "--file",
            small,
            "--by",
            "J. Smith",
        ],
    );
    assert!(
        err.contains("--cost, --excusal, --dispute, --delivery or --dr-test"),
        "{err}"
    );
    let err = refused(
        &env,
        &[
            "evidence",
            "add",
            "--contract",
            C,
            "--delivery",
            "1",
            "--file",
            small,
            "--by",
            "J. Smith",
        ],
    );
    assert!(err.contains("no delivery 1"), "{err}");
    let err = refused(
        &env,
        &[
            "evidence",
            "add",
            "--contract",
            C,
            "--cost",
            "1",
            "--file",
            small,
            "--media-type",
            "pdf",
            "--by",
            "J. Smith",
        ],
    );
    assert!(
        err.contains("the media type 'pdf' is not a type/subtype"),
        "{err}"
    );
    // Nothing was stored by the refusals.
    let listed = ok(
        &env,
        &["evidence", "list", "--contract", C, "--format", "json"],
    );
    assert_eq!(listed.trim(), "[]");
}

#[test]
fn a_delivery_carries_its_document() {
    let env = TestEnv::new();
    let out = ok(
        &env,
        &[
            "commitment",
            "deliver",
            "--contract",
            C,
            "--id",
            "dr-test",
            "--evidence",
            "DR report v1",
            "--on",
            "2026-11-27",
        ],
    );
    assert!(out.contains("delivery 1"), "{out}");
    add(&env, &["--delivery", "1"], "dr-report.pdf", b"%PDF-1.7");
    // Delivered 27 November: the file bears on November.
    let november = env.report_json(C, "2026-11", "2026-12-05T00:00:00Z");
    assert_eq!(november["evidence_files"][0]["subject"], "delivery 1");
    assert_eq!(november["evidence_files"][0]["period"], "2026-11");
}

#[tokio::test]
async fn evidence_files_cannot_be_changed_or_deleted_past_slawatch() {
    let env = TestEnv::new();
    october(&env);
    add_cost(&env, "2026-10-09", "10.00", &[]);
    add(&env, &["--cost", "1"], "invoice.pdf", b"abc");
    let url = match env.database_url.strip_prefix("sqlite://") {
        Some(file) => format!("sqlite://{file}?mode=rw"),
        None => env.database_url.clone(),
    };
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    for sql in [
        "DELETE FROM evidence_files",
        "UPDATE evidence_files SET filename = 'other.pdf'",
    ] {
        let err = sqlx::query(sql)
            .execute(&pool)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("never changed"), "{sql}: {err}");
    }
    pool.close().await;
    let listed: Value = serde_json::from_str(&ok(
        &env,
        &["evidence", "list", "--contract", C, "--format", "json"],
    ))
    .unwrap();
    assert_eq!(listed[0]["name"], "invoice.pdf");
}

#[test]
fn a_dr_test_carries_its_report() {
    let env = TestEnv::new();
    // One DR system, so a DR test can be recorded.
    let text = std::fs::read_to_string(&env.config).unwrap();
    let at = text
        .find("\n[[contracts]]\nid = \"beta-hosting\"")
        .expect("the second contract");
    let system = "\n  [[contracts.dr_systems]]\n  id = \"payroll\"\n  name = \"Payroll\"\n  \
                  criticality = \"critical\"\n  rto = \"4h\"\n  rpo = \"15m\"\n  hosted_by = \"supplier\"\n";
    std::fs::write(
        &env.config,
        format!("{}{system}{}", &text[..at], &text[at..]),
    )
    .unwrap();
    ok(
        &env,
        &[
            "dr-test",
            "add",
            "--contract",
            C,
            "--system",
            "payroll",
            "--date",
            "2026-10-15",
            "--rto",
            "3h",
            "--by",
            "J. Smith",
        ],
    );
    add(&env, &["--dr-test", "1"], "dr-report.pdf", b"%PDF-1.7");
    // Tested 15 October: the file bears on October.
    let files = &report(&env)["evidence_files"];
    assert_eq!(files[0]["subject"], "DR test 1");
    assert_eq!(files[0]["subject_kind"], "dr_test");
    assert_eq!(files[0]["period"], "2026-10");
    // "%PDF-1.7" is 8 bytes.
    assert_eq!(files[0]["size"], 8);
}
