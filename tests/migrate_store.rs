//! `slawatch migrate-store` with the real binary: a store built as a user
//! builds one (the October evidence imported, a cost and a dispute recorded,
//! the month issued) is copied to an empty SQLite file and, when
//! `SLAWATCH_TEST_POSTGRES` holds an admin URL, to a fresh PostgreSQL
//! database; every table is checked, the report is the same on both sides,
//! ids are kept and new ones follow them, and a non-empty target is refused
//! unless `--replace`.

mod common;
mod october;

use std::path::PathBuf;

use common::{TestEnv, stderr, stdout};
use october::{AS_OF, october};
use serde_json::Value;

const C: &str = "acme-managed-it";

fn ok(env: &TestEnv, config: &PathBuf, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_slawatch"))
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .expect("run slawatch");
    assert!(
        out.status.success(),
        "{args:?} failed in {}: {}",
        env.dir.path().display(),
        stderr(&out)
    );
    stdout(&out)
}

/// The store the test copies, built through the binary only: the test
/// run's own backend, or a SQLite file when `sqlite`.
fn source_store(sqlite: bool) -> TestEnv {
    let mut env = TestEnv::new();
    // One DR system, so a DR test and its withdrawal can be recorded.
    let text = std::fs::read_to_string(&env.config).expect("read the configuration");
    let at = text
        .find("\n[[contracts]]\nid = \"beta-hosting\"")
        .expect("the second contract");
    let system = "\n  [[contracts.dr_systems]]\n  id = \"payroll\"\n  name = \"Payroll\"\n  \
                  criticality = \"critical\"\n  rto = \"4h\"\n  rpo = \"15m\"\n  hosted_by = \"supplier\"\n";
    std::fs::write(
        &env.config,
        format!("{}{system}{}", &text[..at], &text[at..]),
    )
    .expect("write the configuration");
    if sqlite {
        let url = format!("sqlite://{}/data/slawatch.db", env.dir.path().display());
        env.config = config_on(&env, "source-sqlite.toml", &url);
        env.database_url = url;
    }
    october(&env);
    let config = env.config.clone();
    ok(
        &env,
        &config,
        &[
            "cost",
            "add",
            "--contract",
            C,
            "--date",
            "2026-10-09",
            "--amount",
            "2400.00",
            "--description",
            "Agency staff during outage",
            "--evidence",
            "PO 88213",
            "--breach-level",
            "email-availability",
            "--by",
            "J. Smith",
        ],
    );
    ok(
        &env,
        &config,
        &[
            "dispute",
            "open",
            "--contract",
            C,
            "--cost",
            "1",
            "--note",
            "booked before the outage",
            "--by",
            "J. Smith",
        ],
    );
    // The agency's invoice behind the cost, kept as an evidence file.
    let invoice = env.file("invoice-88213.pdf", "abc");
    ok(
        &env,
        &config,
        &[
            "evidence",
            "add",
            "--contract",
            C,
            "--cost",
            "1",
            "--file",
            invoice.to_str().expect("a UTF-8 temporary path"),
            "--by",
            "J. Smith",
        ],
    );
    // A DR test recorded with the wrong RTO, then withdrawn.
    ok(
        &env,
        &config,
        &[
            "dr-test",
            "add",
            "--contract",
            C,
            "--system",
            "payroll",
            "--date",
            "2026-09-01",
            "--rto",
            "6h",
            "--by",
            "J. Smith",
        ],
    );
    ok(
        &env,
        &config,
        &[
            "dr-test",
            "withdraw",
            "--contract",
            C,
            "--id",
            "1",
            "--reason",
            "RTO mistyped",
            "--by",
            "J. Smith",
        ],
    );
    // Issues October as version 1 (and queues its summary in the outbox).
    ok(
        &env,
        &config,
        &[
            "report",
            "--contract",
            C,
            "--month",
            "2026-10",
            "--format",
            "json",
            "--as-of",
            AS_OF,
            "--reissue",
        ],
    );
    env
}

/// A configuration like the source's, on another store.
fn config_on(env: &TestEnv, name: &str, database_url: &str) -> PathBuf {
    let text = std::fs::read_to_string(&env.config).expect("read the configuration");
    let (head, rest) = text.split_once("database_url = ").expect("a database_url");
    let rest = rest.split_once('\n').map_or("", |(_, r)| r);
    let path = env.dir.path().join(name);
    std::fs::write(
        &path,
        format!("{head}database_url = \"{database_url}\"\n{rest}"),
    )
    .expect("write the configuration");
    path
}

fn source_url(env: &TestEnv) -> String {
    env.database_url.clone()
}

fn report(env: &TestEnv, config: &PathBuf) -> Value {
    let text = ok(
        env,
        config,
        &[
            "report",
            "--contract",
            C,
            "--month",
            "2026-10",
            "--format",
            "json",
            "--as-of",
            AS_OF,
        ],
    );
    serde_json::from_str(&text).expect("report JSON")
}

/// The rows the summary printed for `table`: (source, target, check).
fn summary_row(out: &str, table: &str) -> (i64, i64, String) {
    let line = out
        .lines()
        .find(|l| l.split_whitespace().next() == Some(table) && l.split_whitespace().count() == 5)
        .unwrap_or_else(|| panic!("no summary line for {table}:\n{out}"));
    let cells: Vec<&str> = line.split_whitespace().collect();
    (
        cells[1].parse().expect("source rows"),
        cells[2].parse().expect("target rows"),
        cells[4].to_string(),
    )
}

/// Migrates the source to `target_url` and checks everything the target
/// should now answer.
fn migrate_and_check(env: &TestEnv, target_url: &str, name: &str) {
    let migrate = |extra: &[&str]| {
        let mut args = vec!["migrate-store", "--from"];
        let from = source_url(env);
        args.push(&from);
        args.extend(["--to", target_url]);
        args.extend(extra);
        env.run(&args)
    };
    let out = migrate(&[]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    assert!(text.contains("every table matches"), "{text}");
    // 15 incidents, 1 outage and 1 supplier figure from three files; the
    // cost, its dispute, its evidence file, three audit entries; a DR test
    // and its withdrawal;
    // October issued once (its five files kept in the store), its summary
    // queued.
    for (table, rows) in [
        ("dr_tests", 1),
        ("dr_test_withdrawals", 1),
        ("incidents", 15),
        ("outages", 1),
        ("supplier_kpis", 1),
        ("imports", 3),
        ("recoverable_costs", 1),
        ("disputes", 1),
        ("evidence_files", 1),
        ("audit", 3),
        ("issued_reports", 1),
        ("issued_files", 5),
        ("outbox", 1),
        ("work_items", 0),
        // Three audit entries, the evidence file, the issued report and its
        // five files: 3 + 1 + 1 + 5 = 10 links in four chains.
        ("chain_links", 10),
        ("chain_heads", 4),
        ("chain_backfill", 0),
    ] {
        assert_eq!(
            summary_row(&text, table),
            (rows, rows, "ok".to_string()),
            "{table} in\n{text}"
        );
    }

    let target_config = config_on(env, name, target_url);
    let before = report(env, &env.config);
    let after = report(env, &target_config);
    assert_eq!(before, after, "the report differs after the migration");
    // The chains came along: the copy verifies, with the source's heads.
    let heads = |config: &PathBuf| {
        let text = ok(env, config, &["verify", "--contract", C]);
        assert!(
            text.contains("audit of acme-managed-it: 3 rows, head 3 "),
            "{text}"
        );
        text
    };
    assert_eq!(heads(&env.config), heads(&target_config));
    // The evidence file came byte for byte: the SHA-256 of "abc" is the
    // FIPS 180-2 test vector, and the target hands the same 3 bytes back.
    let files = &after["evidence_files"];
    assert_eq!(files.as_array().map(Vec::len), Some(1), "{files}");
    assert_eq!(files[0]["subject"], "cost 1");
    assert_eq!(files[0]["name"], "invoice-88213.pdf");
    assert_eq!(files[0]["size"], 3);
    assert_eq!(
        files[0]["sha256"],
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    let copy = env.dir.path().join("copied-invoice.pdf");
    ok(
        env,
        &target_config,
        &[
            "evidence",
            "get",
            "--contract",
            C,
            "--id",
            "1",
            "--out",
            copy.to_str().expect("a UTF-8 temporary path"),
        ],
    );
    assert_eq!(std::fs::read(&copy).expect("the copied file"), b"abc");
    // The example month's figures (see tests/october): credits 875,000 plus the
    // £2,400 cost, which is disputed and so also shown apart.
    assert_eq!(after["total_claim_minor"], 1_115_000);
    assert_eq!(after["recoverable_costs_minor"], 240_000);
    // The withdrawn DR test is withdrawn on the target too: payroll counts
    // as never tested (5 × 3 = 15), and a second withdrawal is refused.
    assert_eq!(after["disaster_recovery"]["score"], 15);
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_slawatch"))
        .arg("--config")
        .arg(&target_config)
        .args([
            "dr-test",
            "withdraw",
            "--contract",
            C,
            "--id",
            "1",
            "--reason",
            "again",
            "--by",
            "J. Smith",
        ])
        .output()
        .expect("run slawatch");
    assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("DR test 1 was already withdrawn by J. Smith on "),
        "{}",
        stderr(&again)
    );

    // A second run is refused: the target is no longer empty.
    let again = migrate(&[]);
    assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("the target store is not empty"),
        "{}",
        stderr(&again)
    );
    // Ids were kept and new ones follow them: the next cost is number 2.
    ok(
        env,
        &target_config,
        &[
            "cost",
            "add",
            "--contract",
            C,
            "--date",
            "2026-10-10",
            "--amount",
            "10.00",
            "--description",
            "Taxi",
            "--evidence",
            "receipt",
            "--by",
            "J. Smith",
        ],
    );
    let costs: Value = serde_json::from_str(&ok(
        env,
        &target_config,
        &["cost", "list", "--contract", C, "--format", "json"],
    ))
    .expect("cost list JSON");
    let ids: Vec<i64> = costs
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    assert_eq!(ids, vec![1, 2]);
    // --replace empties the target and copies again.
    let replaced = migrate(&["--replace"]);
    assert!(replaced.status.success(), "{}", stderr(&replaced));
    assert_eq!(
        summary_row(&stdout(&replaced), "recoverable_costs"),
        (1, 1, "ok".to_string())
    );
}

#[test]
fn a_store_migrates_to_an_empty_sqlite_file_and_reports_the_same() {
    let env = source_store(false);
    let target = format!("sqlite://{}/copy/target.db", env.dir.path().display());
    migrate_and_check(&env, &target, "target-sqlite.toml");
}

#[test]
fn a_store_migrates_from_sqlite_to_postgres_and_reports_the_same() {
    // Runs in the PostgreSQL pass of scripts/test.sh (and so in CI).
    if !slawatch::store::testing::postgres_or_skip("sqlite to postgres") {
        return;
    }
    let env = source_store(true);
    let target = slawatch::store::testing::database_url(&env.dir.path().join("target-pg"));
    migrate_and_check(&env, &target, "target-postgres.toml");
}

#[test]
fn the_same_store_twice_or_a_missing_source_is_refused() {
    let env = TestEnv::new();
    let url = source_url(&env);
    let same = env.run(&["migrate-store", "--from", &url, "--to", &url]);
    assert_eq!(same.status.code(), Some(1));
    assert!(
        stderr(&same).contains("the same store"),
        "{}",
        stderr(&same)
    );
    let missing = env.run(&[
        "migrate-store",
        "--from",
        "sqlite:///nowhere/at/all.db",
        "--to",
        &url,
    ]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("there is no SQLite store"),
        "{}",
        stderr(&missing)
    );
}

/// A target someone alters while the copy runs (here a trigger rewrites
/// every cost as it is copied in): the check sees it, the command exits 2
/// and names the table.
#[tokio::test]
async fn a_target_altered_during_the_copy_exits_2_naming_the_table() {
    let env = source_store(false);
    let target = slawatch::store::testing::database_url(&env.dir.path().join("altered/target.db"));
    if let Some(file) = target.strip_prefix("sqlite://") {
        std::fs::create_dir_all(std::path::Path::new(file).parent().unwrap()).unwrap();
    }
    // The target's tables, as the copy finds them, with a tamperer in place.
    slawatch::store::Store::open(&target)
        .await
        .expect("make the target")
        .close()
        .await;
    if target.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(&target).await.unwrap();
        sqlx::query(
            "CREATE TRIGGER tamper AFTER INSERT ON recoverable_costs BEGIN \
             UPDATE recoverable_costs SET amount_minor = amount_minor + 1 WHERE id = NEW.id; END",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&target).await.unwrap();
        sqlx::query(
            "CREATE FUNCTION tamper() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN NEW.amount_minor := NEW.amount_minor + 1; RETURN NEW; END $$",
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(
            "CREATE TRIGGER tamper BEFORE INSERT ON recoverable_costs \
             FOR EACH ROW EXECUTE FUNCTION tamper()",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }
    let out = env.run(&[
        "migrate-store",
        "--from",
        &env.database_url,
        "--to",
        &target,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the copy differs from the source in recoverable_costs"),
        "{}",
        stderr(&out)
    );
    let row = stdout(&out)
        .lines()
        .find(|l| l.starts_with("recoverable_costs "))
        .map(str::to_string)
        .unwrap_or_default();
    assert!(row.ends_with("MISMATCH"), "{}", stdout(&out));
}

/// The check itself: after a copy every table's digest agrees, and one row
/// more on either side is seen (which makes the command exit 2).
#[tokio::test]
async fn the_check_sees_a_row_added_after_the_copy() {
    let env = source_store(false);
    let source = slawatch::store::Store::open(&env.database_url)
        .await
        .expect("open the source");
    let url = format!("sqlite://{}/check/target.db", env.dir.path().display());
    let target = slawatch::store::Store::open(&url)
        .await
        .expect("open the target");
    let mut copied = Vec::new();
    source
        .copy_into(&target, |table, rows| {
            copied.push((table.to_string(), rows))
        })
        .await
        .expect("copy");
    assert_eq!(copied.len(), slawatch::store::tables::TABLES.len());
    for table in slawatch::store::tables::TABLES {
        let (a, b) = (
            source.table_digest(table).await.expect("source digest"),
            target.table_digest(table).await.expect("target digest"),
        );
        assert_eq!(a, b, "{}", table.name);
    }
    // The issued PDF comes out of the copy byte for byte as it was written.
    let key = slawatch::store::issued::IssuedKey {
        contract: C.to_string(),
        period: "2026-10".to_string(),
        version: 1,
    };
    let name = format!("{C}-2026-10-v1.pdf");
    let pdf = target
        .issued_file(&key, &name)
        .await
        .expect("read the issued PDF")
        .expect("the issued PDF was copied");
    assert_eq!(pdf.content_type, "application/pdf");
    assert_eq!(
        pdf.bytes,
        std::fs::read(
            env.dir
                .path()
                .join("data/reports")
                .join(C)
                .join("2026-10")
                .join(&name)
        )
        .expect("the issued PDF on disk")
    );
    let costs = slawatch::store::tables::TABLES
        .iter()
        .find(|t| t.name == "recoverable_costs")
        .expect("the costs table");
    let before = target.table_digest(costs).await.expect("digest");
    let cost = slawatch::domain::RecoverableCost {
        date: "2026-10-10".parse().expect("a date"),
        amount_minor: 1_000,
        description: "Taxi".into(),
        evidence: "receipt".into(),
        breach: None,
    };
    target
        .add_recoverable_cost(C, &cost, 0)
        .await
        .expect("add a cost");
    let after = target.table_digest(costs).await.expect("digest");
    assert_eq!((before.rows, after.rows), (1, 2));
    assert_ne!(before.digest, after.digest);
    assert_ne!(
        source.table_digest(costs).await.expect("digest"),
        after,
        "the check would pass a target with a row the source lacks"
    );
}
