//! `slawatch import`: every record type, every rejection reason, and
//! idempotent re-import, through the real binary and a real SQLite file.

mod common;

use common::{TestEnv, level, stderr, stdout};

const INCIDENTS: &str = "\
id,contract,priority,opened_at,service,responded_at,resolved_at,title,excused_reason
INC001,acme-managed-it,P1,2026-10-05T09:00:00Z,email,2026-10-05T09:05:00Z,2026-10-05T11:00:00Z,Mail down,
INC002,acme-managed-it,P1,2026-10-06 10:00,email,,2026-10-06 16:00,\"Outlook <crash> & \"\"sync\"\"\",
INC003,acme-managed-it,P3,2026-10-07T09:00:00+01:00,network,,,Switch flapping,
";

#[test]
fn imports_every_record_type_and_reimports_idempotently() {
    let env = TestEnv::new();
    // Columns in another order and an unknown column are fine.
    let holds = env.file(
        "holds.csv",
        "reason,contract,incident_id,start,end,ignored\nawaiting_customer,acme-managed-it,INC002,2026-10-06 11:00,2026-10-06 13:00,x\n",
    );
    let outages = env.file(
        "outages.csv",
        "id,contract,service,start,end,impact,planned,source\n\
         OUT1,acme-managed-it,email,2026-10-09T08:00:00Z,2026-10-09T12:30:00Z,full,false,noc\n\
         OUT2,acme-managed-it,email,2026-10-10T01:00:00Z,2026-10-10T03:00:00Z,,true,supplier-pack\n",
    );
    let work = env.file(
        "work.jsonl",
        r#"{"type":"work_item","id":"W1","contract":"acme-managed-it","kind":"problem","opened_at":"2026-10-02T10:00:00Z"}
{"type":"work_item","id":"W2","contract":"acme-managed-it","kind":"change","change_type":"emergency","opened_at":"2026-10-03T10:00:00Z"}

{"type":"supplier_kpi","contract":"acme-managed-it","service_level":"p1-resolution","period":"2026-10","attainment_percent":97.0}
"#,
    );
    let incidents = env.file("incidents.csv", INCIDENTS);
    let all = [
        incidents.as_path(),
        holds.as_path(),
        outages.as_path(),
        work.as_path(),
    ];

    let first = env.import(&all);
    assert!(first.status.success(), "{}", stderr(&first));
    let out = stdout(&first);
    assert!(
        out.contains("incidents.csv: 3 stored, 0 updated, 0 unchanged, 0 rejected"),
        "{out}"
    );
    assert!(out.contains("holds.csv: 1 stored"), "{out}");
    assert!(out.contains("outages.csv: 2 stored"), "{out}");
    assert!(out.contains("work.jsonl: 3 stored"), "{out}");
    assert!(
        out.contains("total: 9 stored, 0 updated, 0 unchanged, 0 rejected"),
        "{out}"
    );

    // The same files again: nothing new, nothing changed.
    let again = env.import(&all);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("total: 0 stored, 0 updated, 9 unchanged, 0 rejected"),
        "{}",
        stdout(&again)
    );

    // A corrected row updates in place.
    let fixed = env.file(
        "incidents-fixed.csv",
        "id,contract,priority,opened_at,resolved_at\nINC003,acme-managed-it,P3,2026-10-07T09:00:00+01:00,2026-10-07T12:00:00+01:00\n",
    );
    let update = env.import(&[fixed.as_path()]);
    assert!(
        stdout(&update).contains("0 stored, 1 updated, 0 unchanged"),
        "{}",
        stdout(&update)
    );

    // What was stored is what the report sees.
    let r = env.report_json("acme-managed-it", "2026-10", "2026-11-05T00:00:00Z");
    let p1 = level(&r, "p1-resolution");
    // INC001: 2 h (met). INC002: 10:00-16:00 BST with a 2 h customer hold: 4 h
    // on the clock, exactly the target: met.
    assert_eq!(p1["assessed"], 2);
    assert_eq!(p1["met"], 2);
    assert_eq!(p1["supplier_reported_percent"], 97.0);
    let p3 = level(&r, "p3-resolution");
    assert_eq!(
        (p3["assessed"].as_u64(), p3["met"].as_u64()),
        (Some(1), Some(1))
    );
    // Only the unplanned outage counts: 4 h 30 m.
    assert_eq!(level(&r, "email-availability")["downtime_seconds"], 16_200);
    let share = level(&r, "proactive-share");
    assert_eq!(
        (share["proactive"].as_u64(), share["reactive"].as_u64()),
        (Some(1), Some(1))
    );
}

#[test]
fn every_bad_row_is_rejected_with_file_line_and_reason_and_good_rows_are_kept() {
    let env = TestEnv::new();
    let incidents = env.file(
        "incidents.csv",
        "id,contract,priority,opened_at,responded_at,resolved_at\n\
         GOOD1,acme-managed-it,P1,2026-10-05T09:00:00Z,,2026-10-05T10:00:00Z\n\
         ,acme-managed-it,P1,2026-10-05T09:00:00Z,,\n\
         BAD2,nobody,P1,2026-10-05T09:00:00Z,,\n\
         BAD3,acme-managed-it,P9,2026-10-05T09:00:00Z,,\n\
         BAD4,acme-managed-it,P1,05/10/2026 09:00,,\n\
         BAD5,acme-managed-it,P1,2026-03-29 01:30,,\n\
         BAD6,acme-managed-it,P1,2026-10-05T09:00:00Z,2026-10-05T08:00:00Z,\n\
         BAD7,acme-managed-it,P1,2026-10-05T09:00:00Z,,2026-10-05T08:59:59Z\n\
         GOOD2,acme-managed-it,P1,2026-10-06T09:00:00Z,,\n",
    );
    let holds = env.file(
        "holds.csv",
        "incident_id,contract,start,end,reason\nGOOD2,acme-managed-it,2026-10-06T10:00:00Z,2026-10-06T09:00:00Z,awaiting_customer\n",
    );
    let outages = env.file(
        "outages.csv",
        "id,contract,service,start,end\nO1,acme-managed-it,email,2026-10-06T10:00:00Z,2026-10-06T09:00:00Z\nO2,acme-managed-it,email,2026-10-06T10:00:00Z,\n",
    );
    let out = env.import(&[incidents.as_path(), holds.as_path(), outages.as_path()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "rejections must fail the command"
    );
    let err = stderr(&out);
    let f = incidents.display().to_string();
    for expected in [
        format!("{f} line 3: id is missing"),
        format!("{f} line 4: unknown contract 'nobody'"),
        format!("{f} line 5: unknown priority 'P9'"),
        format!("{f} line 6: opened_at: '05/10/2026 09:00' is not a time"),
        format!("{f} line 7: opened_at: '2026-03-29 01:30' does not exist in Europe/London"),
        format!("{f} line 8: responded_at is before opened_at"),
        format!("{f} line 9: resolved_at is before opened_at"),
        format!("{} line 2: end is before start", holds.display()),
        format!("{} line 2: end is before start", outages.display()),
    ] {
        assert!(err.contains(&expected), "missing «{expected}» in:\n{err}");
    }
    let out_text = stdout(&out);
    assert!(
        out_text.contains("incidents.csv: 2 stored, 0 updated, 0 unchanged, 7 rejected"),
        "{out_text}"
    );
    assert!(
        out_text.contains("outages.csv: 1 stored, 0 updated, 0 unchanged, 1 rejected"),
        "{out_text}"
    );
    // The good incident is in the store.
    let r = env.report_json("acme-managed-it", "2026-10", "2026-11-05T00:00:00Z");
    assert_eq!(
        level(&r, "p1-resolution")["assessed"],
        2,
        "GOOD1 met, GOOD2 breached (never resolved)"
    );
}

#[test]
fn a_row_holding_a_nul_is_refused_and_the_others_kept_on_either_backend() {
    let env = TestEnv::new();
    let incidents = env.file(
        "incidents.csv",
        "id,contract,priority,opened_at,resolved_at,title\n\
         NUL1,acme-managed-it,P1,2026-10-05T09:00:00Z,2026-10-05T10:00:00Z,Pay\0roll down\n\
         GOOD1,acme-managed-it,P1,2026-10-06T09:00:00Z,2026-10-06T10:00:00Z,Email slow\n",
    );
    let out = env.import(&[incidents.as_path()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let expected = format!(
        "{} line 2: a text field holds a NUL character (byte 0)",
        incidents.display()
    );
    assert!(stderr(&out).contains(&expected), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("incidents.csv: 1 stored, 0 updated, 0 unchanged, 1 rejected"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_key_repeated_in_one_file_is_one_record_and_reimports_unchanged() {
    let env = TestEnv::new();
    let f = env.file(
        "incidents.csv",
        "id,contract,priority,opened_at,resolved_at\n\
         D1,acme-managed-it,P1,2026-10-05T09:00:00Z,2026-10-05T10:00:00Z\n\
         D1,acme-managed-it,P1,2026-10-05T09:00:00Z,2026-10-05T15:00:00Z\n",
    );
    let first = env.import(&[f.as_path()]);
    assert!(
        stdout(&first).contains("1 stored, 0 updated, 0 unchanged"),
        "{}",
        stdout(&first)
    );
    let again = env.import(&[f.as_path()]);
    assert!(
        stdout(&again).contains("0 stored, 0 updated, 1 unchanged"),
        "{}",
        stdout(&again)
    );
    // The later row won: resolved after 6 h, a breach of the 4 h target.
    let r = env.report_json("acme-managed-it", "2026-10", "2026-11-05T00:00:00Z");
    assert_eq!(level(&r, "p1-resolution")["met"], 0);
}

#[test]
fn json_lines_rejections_name_the_line() {
    let env = TestEnv::new();
    let f = env.file(
        "mixed.jsonl",
        "{\"type\":\"incident\",\"id\":\"I1\",\"contract\":\"acme-managed-it\",\"priority\":\"P1\",\"opened_at\":\"2026-10-05T09:00:00Z\"}\n\
         not json\n\
         {\"type\":\"ticket\",\"contract\":\"acme-managed-it\"}\n\
         {\"id\":\"I2\"}\n\
         {\"type\":\"supplier_kpi\",\"contract\":\"acme-managed-it\",\"service_level\":\"p9\",\"period\":\"2026-10\",\"attainment_percent\":\"99\"}\n",
    );
    let out = env.import(&[f.as_path()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let name = f.display().to_string();
    assert!(
        err.contains(&format!("{name} line 2: not valid JSON")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{name} line 3: unknown type 'ticket'")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{name} line 4: type is missing")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{name} line 5: unknown service_level 'p9'")),
        "{err}"
    );
    assert!(stdout(&out).contains("1 stored"), "{}", stdout(&out));
}

#[test]
fn a_file_of_unknown_shape_is_refused_whole() {
    let env = TestEnv::new();
    let f = env.file("pack.csv", "foo,bar\n1,2\n");
    let out = env.import(&[f.as_path()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot tell the record kind from the header (foo, bar)"),
        "{}",
        stderr(&out)
    );
    let g = env.file(
        "incidents.csv",
        "id,contract,priority\nI1,acme-managed-it,P1\n",
    );
    let out = env.import(&[g.as_path()]);
    assert!(
        stderr(&out)
            .contains("the name says incident but the header lacks the column(s) opened_at"),
        "{}",
        stderr(&out)
    );
}
