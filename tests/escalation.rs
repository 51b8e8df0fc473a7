//! The escalation ladder end to end through the real binary: five months of
//! late P1 responses imported as CSV climb from rectification plans to a
//! material breach and the right to terminate; the report lists the
//! triggers, and the notice letter names the clause and the deadline.

mod common;

use common::{TestEnv, stderr, stdout};

/// Appended to the test configuration, so it belongs to its last contract,
/// beta-hosting (P1 response within 30 minutes, 90 % target).
const LADDER: &str = r#"
  [[contracts.escalations]]
  id = "repeat-failure"
  when = "failure"
  count = 2
  within_months = 3
  then = "rectification_plan"
  clause = "Clause 12.1: two failures of one service level within three months"
  respond_within = "10 working days"
  calendar = "office"

  [[contracts.escalations]]
  id = "plans"
  when = "rectification_plan"
  count = 3
  within_months = 12
  then = "material_breach"
  clause = "Clause 12.4: three rectification plans within a year"

  [[contracts.escalations]]
  id = "breaches"
  when = "material_breach"
  count = 2
  within_months = 12
  then = "termination_right"
  clause = "Clause 20.2 <script>alert(1)</script> & the right to terminate"
  respond_within = "20 working days"
  calendar = "office"
"#;

/// Seen after November 2026 has closed.
const AS_OF: &str = "2026-12-05T00:00:00Z";

/// One P1 incident a month from July to November 2026, each responded to
/// two hours after it opened: 0 % against the 90 % target, every month.
fn history() -> String {
    let mut csv = String::from(
        "id,contract,priority,opened_at,service,responded_at,resolved_at,title,excused_reason\n",
    );
    for m in 7..=11 {
        csv.push_str(&format!(
            "INC-{m:02},beta-hosting,P1,2026-{m:02}-10T14:00:00Z,web,2026-{m:02}-10T16:00:00Z,2026-{m:02}-10T18:00:00Z,Site down,\n"
        ));
    }
    csv
}

fn env() -> TestEnv {
    let env = TestEnv::new();
    let mut config = std::fs::read_to_string(&env.config).unwrap();
    config.push_str(LADDER);
    std::fs::write(&env.config, config).unwrap();
    let file = env.file("incidents.csv", &history());
    let out = env.import(&[file.as_path()]);
    assert!(out.status.success(), "import: {}", stderr(&out));
    env
}

fn rules(report: &serde_json::Value) -> Vec<String> {
    report["escalations"]
        .as_array()
        .expect("escalations listed")
        .iter()
        .map(|e| e["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn an_escalation_climbs_to_the_right_to_terminate() {
    let env = env();
    // July: one failure, nothing yet. August: the second failure in three
    // months, a rectification plan. October: the third plan in a year, a
    // material breach. November: the second material breach, the right to
    // terminate.
    let july = env.report_json("beta-hosting", "2026-07", AS_OF);
    assert_eq!(rules(&july), Vec::<String>::new());
    let aug = env.report_json("beta-hosting", "2026-08", AS_OF);
    assert_eq!(rules(&aug), ["repeat-failure"]);
    let oct = env.report_json("beta-hosting", "2026-10", AS_OF);
    assert_eq!(rules(&oct), ["repeat-failure", "plans"]);
    let nov = env.report_json("beta-hosting", "2026-11", AS_OF);
    assert_eq!(rules(&nov), ["repeat-failure", "plans", "breaches"]);

    let termination = &nov["escalations"][2];
    assert_eq!(termination["then"], "termination_right");
    // The two material breaches counted: October's and November's.
    assert_eq!(termination["counted"][0]["period"], "2026-10");
    assert_eq!(termination["counted"][1]["period"], "2026-11");
    // November closes on Monday 30 November; the notice goes on Tuesday
    // 1 December. Twenty office days: 2–4 (3), 7–11 (8), 14–18 (13),
    // 21–24 (17), then Christmas (25th) and the 28th are holidays, so
    // 29, 30, 31 December: Thursday 31 December.
    assert_eq!(termination["notice_date"], "2026-12-01");
    assert_eq!(termination["respond_by"], "2026-12-31");
    let line = &termination["lines"][0];
    assert_eq!(line["service_level"], "p1-response");
    assert_eq!(line["attainment_percent"], 0.0);
    assert_eq!(line["target_percent"], 90.0);

    // A contract without a ladder has no escalations key at all.
    let acme = env.report_json("acme-managed-it", "2026-11", AS_OF);
    assert!(acme.get("escalations").is_none());
}

#[test]
fn the_notice_names_the_clause_and_the_deadline_and_escapes_contract_text() {
    let env = env();
    let pdf = env.dir.path().join("notice.pdf");
    let pdf_text = pdf.display().to_string();
    let args = [
        "--now",
        AS_OF,
        "notice",
        "--contract",
        "beta-hosting",
        "--trigger",
        "breaches",
        "--month",
        "2026-11",
        "--format",
        "pdf",
        "--out",
        &pdf_text,
    ];
    let out = env.run(&args);
    assert!(out.status.success(), "notice: {}", stderr(&out));
    let text = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout).replace('\n', " ");
    assert!(text.contains("Notice of termination right"), "{text}");
    assert!(text.contains("Clause 20.2"), "{text}");
    assert!(text.contains("2026-12-31"), "{text}");
    assert!(
        text.contains("20 working days on the office calendar"),
        "{text}"
    );

    let out = env.run(&[
        "--now",
        AS_OF,
        "notice",
        "--contract",
        "beta-hosting",
        "--trigger",
        "breaches",
        "--month",
        "2026-11",
        "--format",
        "html",
    ]);
    assert!(out.status.success(), "notice: {}", stderr(&out));
    let html = stdout(&out);
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(html.contains("You must respond by 2026-12-31"), "{html}");

    // A rule the month did not trigger is refused with a message.
    let out = env.run(&[
        "--now",
        AS_OF,
        "notice",
        "--contract",
        "beta-hosting",
        "--trigger",
        "breaches",
        "--month",
        "2026-08",
        "--format",
        "html",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("was not triggered in 2026-08"));
}

#[test]
fn a_rectification_plan_notice_adds_the_plan_to_the_register_once() {
    let env = env();
    for _ in 0..2 {
        let out = env.run(&[
            "--now",
            AS_OF,
            "notice",
            "--contract",
            "beta-hosting",
            "--trigger",
            "repeat-failure",
            "--month",
            "2026-11",
            "--format",
            "html",
        ]);
        assert!(out.status.success(), "notice: {}", stderr(&out));
    }
    let out = env.run(&[
        "--now",
        AS_OF,
        "commitment",
        "list",
        "--contract",
        "beta-hosting",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list = stdout(&out);
    // Due ten office days after Tuesday 1 December: Tuesday 15 December.
    assert_eq!(
        list.matches("rectification-plan-repeat-failure-2026-11")
            .count(),
        1,
        "{list}"
    );
    assert!(list.contains("2026-12-15"), "{list}");
}

#[test]
fn every_format_lists_the_triggers_and_escapes_the_clause() {
    let env = env();
    let report = |format: &str| {
        let out = env.run(&[
            "report",
            "--contract",
            "beta-hosting",
            "--month",
            "2026-11",
            "--format",
            format,
            "--as-of",
            AS_OF,
        ]);
        assert!(out.status.success(), "{format}: {}", stderr(&out));
        out.stdout
    };
    let csv = String::from_utf8(report("csv")).unwrap();
    assert!(
        csv.contains("escalation_rule,then,period,months,grounds,clause,notice_date,respond_by"),
        "{csv}"
    );
    assert!(csv.contains("breaches,termination_right,2026-11,"), "{csv}");
    assert!(
        csv.contains("triggered plans in 2026-10, plans in 2026-11"),
        "{csv}"
    );
    assert!(csv.contains(",2026-12-01,2026-12-31"), "{csv}");

    let html = String::from_utf8(report("html")).unwrap();
    assert!(html.contains("Escalations triggered this month"), "{html}");
    assert!(
        html.contains(
            "Clause 20.2 &lt;script&gt;alert(1)&lt;&#x2f;script&gt; &amp; the right to terminate"
        ),
        "{html}"
    );
    assert!(!html.contains("<script>alert(1)"), "{html}");
    // p1-response failed every month at 0 % against 90 %.
    assert!(
        html.contains("p1-response failed in 2026-10: 0.000 % against 90.0 %"),
        "{html}"
    );

    let pdf = env.dir.path().join("nov.pdf");
    let out = env.run(&[
        "report",
        "--contract",
        "beta-hosting",
        "--month",
        "2026-11",
        "--format",
        "pdf",
        "--as-of",
        AS_OF,
        "--out",
        &pdf.display().to_string(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::process::Command::new("pdftotext")
        .args(["-layout", &pdf.display().to_string(), "-"])
        .output()
        .expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Escalations triggered this month"), "{text}");
    let row = text
        .lines()
        .find(|l| l.trim_start().starts_with("breaches"))
        .unwrap_or_else(|| panic!("no breaches row in:\n{text}"));
    assert!(row.contains("termination right"), "{row}");
    assert!(row.contains("2026-12-31"), "{row}");

    let xlsx = env.dir.path().join("nov.xlsx");
    let out = env.run(&[
        "report",
        "--contract",
        "beta-hosting",
        "--month",
        "2026-11",
        "--format",
        "xlsx",
        "--as-of",
        AS_OF,
        "--out",
        &xlsx.display().to_string(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(&xlsx).expect("workbook");
    let rows: Vec<Vec<Data>> = book
        .worksheet_range("Escalations")
        .expect("Escalations sheet")
        .rows()
        .map(|r| r.to_vec())
        .collect();
    let top = rows
        .iter()
        .position(|r| r[0] == "Rule")
        .expect("the table's heading row");
    let table: Vec<&Vec<Data>> = rows[top + 1..]
        .iter()
        .take_while(|r| r[0] != Data::Empty)
        .collect();
    let rules: Vec<String> = table.iter().map(|r| r[0].to_string()).collect();
    assert_eq!(rules, ["repeat-failure", "plans", "breaches"]);
    assert_eq!(table[2][4].to_string(), "2026-12-31");
}

/// The daemon, once November has closed: each trigger alerted once, the
/// metric set for the last closed month, the rectification plan added to
/// the commitments register.
#[tokio::test]
async fn the_daemon_alerts_each_trigger_once_and_exports_it() {
    let dir = tempfile::tempdir().unwrap();
    let deps = common::daemon_deps(&dir, &format!("{}{LADDER}", common::CONTRACT)).await;
    common::push(&deps, &history(), "incidents.csv", &dir).await;
    let now = chrono::DateTime::parse_from_rfc3339("2026-12-05T09:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    slawatch::daemon::live::detect_once(&deps, now)
        .await
        .unwrap();
    let escalations = |subjects: Vec<String>| -> Vec<String> {
        subjects
            .into_iter()
            .filter(|s| s.contains(" triggers "))
            .collect()
    };
    let subjects = |deps: &slawatch::daemon::Deps| {
        let store = deps.store.clone();
        async move {
            store
                .due_alerts(i64::MAX, 100)
                .await
                .unwrap()
                .into_iter()
                .map(|a| a.alert.subject)
                .collect::<Vec<String>>()
        }
    };
    let first = escalations(subjects(&deps).await);
    // November triggered repeat-failure, plans and breaches: one alert each.
    assert_eq!(first.len(), 3, "{first:?}");
    assert!(first.iter().any(|s| s.contains("termination")), "{first:?}");
    // The plan's alert says what the contract lets the council do, with the
    // clause and the deadline: ten office days from Tuesday 1 December is
    // Tuesday 15 December.
    let plan = deps
        .store
        .due_alerts(i64::MAX, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.alert.kind == "escalation" && a.alert.subject.contains("rectification plan"))
        .expect("the rectification plan's alert");
    assert!(
        plan.alert.body_text.contains(
            "What to do next: demand a rectification plan from the supplier under Clause 12.1: \
             two failures of one service level within three months; the supplier must respond \
             by 2026-12-15."
        ),
        "{}",
        plan.alert.body_text
    );
    assert!(
        !plan.alert.body_text.contains("slawatch "),
        "{}",
        plan.alert.body_text
    );
    // And where to read the month that triggered it: without a public_url,
    // the daemon's own address (the default listen address here).
    assert!(
        plan.alert
            .body_text
            .contains("Open: http://127.0.0.1:9187/api/v1/contracts/beta-hosting/months/2026-11"),
        "{}",
        plan.alert.body_text
    );
    // An hour later: nothing new.
    slawatch::daemon::live::detect_once(&deps, now + chrono::Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(escalations(subjects(&deps).await).len(), 3);
    // The rectification plan demanded is in the register once, due ten
    // office days after the notice of Tuesday 1 December: 15 December.
    let contract = deps.config.contract("beta-hosting").unwrap();
    let register = deps
        .store
        .commitment_register(contract, &deps.config.calendars)
        .await
        .unwrap();
    let plans: Vec<_> = register
        .commitments
        .iter()
        .filter(|c| c.id == "rectification-plan-repeat-failure-2026-11")
        .collect();
    assert_eq!(plans.len(), 1);
    assert!(
        format!("{:?}", plans[0].schedule).contains("2026-12-15"),
        "{:?}",
        plans[0].schedule
    );

    let text = deps
        .metrics
        .render(&deps.config, &deps.store, true, now)
        .await;
    for rule in [
        r#"slawatch_escalation_triggered_last_month{contract="beta-hosting",rule="repeat-failure",then="rectification_plan"} 1"#,
        r#"slawatch_escalation_triggered_last_month{contract="beta-hosting",rule="breaches",then="termination_right"} 1"#,
    ] {
        assert!(text.contains(rule), "no {rule} in:\n{text}");
    }
}
