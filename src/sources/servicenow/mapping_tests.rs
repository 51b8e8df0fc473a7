use std::collections::BTreeMap;

use chrono::TimeZone;

use super::*;
use crate::config::{ResponseFrom, StateModel};
use crate::domain::Priority;

fn t(text: &str) -> DateTime<Utc> {
    raw_time(text).unwrap()
}

fn record(json: &str) -> Record {
    serde_json::from_str(json).unwrap()
}

fn change(at: &str, field: &str, old: &str, new: &str) -> AuditChange {
    AuditChange {
        at: t(at),
        checkpoint: 0,
        field: field.into(),
        old: old.into(),
        new: new.into(),
    }
}

fn cfg() -> ServiceNowSource {
    ServiceNowSource {
        base_url: "https://acme.service-now.com".into(),
        username: Some("slawatch".into()),
        password_env: Some("X".into()),
        token_env: None,
        oauth: None,
        schedule: "0 */5 * * * *".into(),
        query: Some("assignment_group.name=Acme Service Desk".into()),
        queries: BTreeMap::new(),
        priority_map: BTreeMap::from([("1".into(), Priority::P1), ("2".into(), Priority::P2)]),
        service_field: Some("business_service".into()),
        service_map: BTreeMap::from([
            ("Email".into(), "email".into()),
            ("a1b2".into(), "network".into()),
        ]),
        stale_after_seconds: None,
        response_from: ResponseFrom::StateChange,
        states: StateModel::default(),
    }
}

#[test]
fn raw_times_are_utc() {
    assert_eq!(
        t("2026-10-05 09:00:00"),
        Utc.with_ymd_and_hms(2026, 10, 5, 9, 0, 0).unwrap()
    );
    assert_eq!(
        interchange_time("2026-10-05 09:00:00"),
        "2026-10-05T09:00:00Z"
    );
    // Never handed on as a naive time the interchange would read locally.
    assert_eq!(
        interchange_time("05/10/2026 09:00"),
        "05/10/2026 09:00 (not a ServiceNow date-time)"
    );
    assert_eq!(duration_seconds("1970-01-01 00:02:17"), Some(137));
    assert_eq!(duration_seconds("1970-01-02 01:00:00"), Some(90_000));
}

#[test]
fn incremental_queries_overlap_the_watermark() {
    let overlap = TimeDelta::seconds(60);
    assert_eq!(
        incremental_query(
            Some("2026-10-05 09:00:30"),
            overlap,
            None,
            &["assignment_group.name=Acme Service Desk"],
            "sys_updated_on"
        ),
        "sys_updated_on>=2026-10-05 08:59:30^assignment_group.name=Acme Service Desk\
         ^ORDERBYsys_updated_on^ORDERBYsys_id"
    );
    assert_eq!(
        incremental_query(
            None,
            overlap,
            None,
            &["", "^active=true^"],
            "sys_updated_on"
        ),
        "active=true^ORDERBYsys_updated_on^ORDERBYsys_id"
    );
    assert_eq!(
        incremental_query(None, overlap, None, &[""], "sys_updated_on"),
        "ORDERBYsys_updated_on^ORDERBYsys_id"
    );
}

#[test]
fn later_pages_start_after_the_last_record_received() {
    // Everything updated after it, or at the same second with a later sys_id.
    assert_eq!(
        incremental_query(
            Some("2026-10-05 09:00:30"),
            TimeDelta::seconds(60),
            Some(("2026-10-06 10:00:00", "abc123")),
            &["active=true"],
            "sys_updated_on"
        ),
        "sys_updated_on>2026-10-06 10:00:00^active=true\
         ^NQsys_updated_on=2026-10-06 10:00:00^sys_id>abc123^active=true\
         ^ORDERBYsys_updated_on^ORDERBYsys_id"
    );
}

#[test]
fn a_new_query_in_the_filter_cannot_escape_the_watermark() {
    // `a^NQb` is (a) OR (b): each group gets the watermark, or b would
    // read every record of the instance on every poll.
    assert_eq!(
        incremental_query(
            Some("2026-10-05 09:01:00"),
            TimeDelta::seconds(60),
            None,
            &[
                "task.sys_class_name=incident",
                "assignment_group.name=Acme^NQpriority=1^ORDERBYnumber"
            ],
            "sys_updated_on"
        ),
        "sys_updated_on>=2026-10-05 09:00:00^task.sys_class_name=incident^assignment_group.name=Acme\
         ^NQsys_updated_on>=2026-10-05 09:00:00^task.sys_class_name=incident^priority=1\
         ^ORDERBYsys_updated_on^ORDERBYsys_id"
    );
}

#[test]
fn a_page_key_must_be_a_time_and_a_plain_sys_id() {
    let good = record(
        r#"{"sys_updated_on":"2026-10-06 10:00:00","sys_id":"9d385017c611228701d22104cc95c371"}"#,
    );
    assert_eq!(
        page_key(&good, "sys_updated_on"),
        Ok((
            "2026-10-06 10:00:00".into(),
            "9d385017c611228701d22104cc95c371".into()
        ))
    );
    // A hostile instance cannot add conditions to the next page's query.
    for bad in [
        r#"{"sys_updated_on":"2026-10-06 10:00:00^NQactive=true","sys_id":"a1"}"#,
        r#"{"sys_updated_on":"2026-10-06 10:00:00","sys_id":"a1^NQactive=true"}"#,
        r#"{"sys_id":"a1"}"#,
    ] {
        assert!(page_key(&record(bad), "sys_updated_on").is_err(), "{bad}");
    }
}

#[test]
fn dot_walks_every_condition() {
    assert_eq!(
        dot_walk(
            "assignment_group.name=Acme^ORpriority=1^NQcompany=X^ORDERBYnumber",
            "task"
        ),
        "task.assignment_group.name=Acme^ORtask.priority=1^NQtask.company=X"
    );
    assert_eq!(dot_walk("", "task"), "");
}

#[test]
fn the_response_is_the_first_move_away_from_new() {
    let changes = [
        change("2026-10-05 09:00:00", "state", "", "1"),
        change("2026-10-05 09:40:00", "state", "2", "3"),
        change("2026-10-05 09:12:00", "state", "1", "2"),
    ];
    assert_eq!(
        responded_at(&changes, &StateModel::default()),
        Some(t("2026-10-05 09:12:00"))
    );
    assert_eq!(responded_at(&changes[..1], &StateModel::default()), None);
}

#[test]
fn holds_follow_state_and_reason() {
    let labels = HoldReasonLabels::from([("5".into(), "Awaiting Vendor".into())]);
    let changes = [
        change("2026-10-05 09:00:00", "state", "", "1"),
        change("2026-10-05 09:10:00", "state", "1", "2"),
        // On hold for the caller, state and reason in one update.
        change("2026-10-05 10:00:00", "hold_reason", "", "1"),
        change("2026-10-05 10:00:00", "state", "2", "3"),
        // Still on hold, now for the vendor: a new span.
        change("2026-10-05 11:00:00", "hold_reason", "1", "5"),
        change("2026-10-05 12:30:00", "state", "3", "2"),
        change("2026-10-05 12:30:00", "hold_reason", "5", ""),
        // On hold again with a reason the instance has no label for, still open.
        change("2026-10-05 14:00:00", "state", "2", "3"),
        change("2026-10-05 14:00:00", "hold_reason", "", "7"),
    ];
    let spans = holds(
        &changes,
        Some(t("2026-10-05 09:00:00")),
        &labels,
        &StateModel::default(),
    );
    assert_eq!(
        spans,
        vec![
            HoldSpan {
                start: t("2026-10-05 10:00:00"),
                end: Some(t("2026-10-05 11:00:00")),
                reason: "awaiting_customer".into()
            },
            HoldSpan {
                start: t("2026-10-05 11:00:00"),
                end: Some(t("2026-10-05 12:30:00")),
                reason: "awaiting_vendor".into()
            },
            HoldSpan {
                start: t("2026-10-05 14:00:00"),
                end: None,
                reason: "hold_reason_7".into()
            },
        ]
    );
}

#[test]
fn an_incident_opened_on_hold_is_on_hold_from_its_opening() {
    let changes = [
        change("2026-10-05 11:00:00", "state", "3", "2"),
        change("2026-10-05 11:00:00", "hold_reason", "1", ""),
    ];
    let spans = holds(
        &changes,
        Some(t("2026-10-05 09:00:00")),
        &HoldReasonLabels::new(),
        &StateModel::default(),
    );
    assert_eq!(
        spans,
        vec![HoldSpan {
            start: t("2026-10-05 09:00:00"),
            end: Some(t("2026-10-05 11:00:00")),
            reason: "awaiting_customer".into()
        }]
    );
}

#[test]
fn hold_reasons_are_named() {
    let labels = HoldReasonLabels::from([
        ("1".into(), "Awaiting Caller".into()),
        ("4".into(), "Awaiting Change".into()),
        ("9".into(), "Awaiting Caller".into()),
    ]);
    assert_eq!(
        hold_reason_name("1", &labels, &StateModel::default()),
        "awaiting_customer"
    );
    assert_eq!(
        hold_reason_name("9", &labels, &StateModel::default()),
        "awaiting_customer"
    );
    assert_eq!(
        hold_reason_name("4", &labels, &StateModel::default()),
        "awaiting_change"
    );
    assert_eq!(
        hold_reason_name("6", &labels, &StateModel::default()),
        "hold_reason_6"
    );
    assert_eq!(
        hold_reason_name("", &labels, &StateModel::default()),
        "unspecified"
    );
}

#[test]
fn maps_an_incident() {
    let r = record(
        r#"{"sys_id":"s1","number":"INC0010001","priority":"1","state":"6",
            "opened_at":"2026-10-05 09:00:00","resolved_at":"2026-10-05 12:00:00","closed_at":"",
            "short_description":"Mail down","business_service":"e9f0","business_service.name":"Email",
            "sys_updated_on":"2026-10-05 12:00:01"}"#,
    );
    // The audit dates the response a second before the opening: taken as the opening.
    let changes = [change("2026-10-05 08:59:59", "state", "", "2")];
    let f = incident(
        &r,
        "acme",
        &cfg(),
        responded_at(&changes, &StateModel::default()),
    );
    let get = |k: &str| f.get(k).map(String::as_str);
    assert_eq!(get("id"), Some("INC0010001"));
    assert_eq!(get("contract"), Some("acme"));
    assert_eq!(get("priority"), Some("P1"));
    assert_eq!(get("opened_at"), Some("2026-10-05T09:00:00Z"));
    assert_eq!(get("responded_at"), Some("2026-10-05T09:00:00Z"));
    assert_eq!(get("resolved_at"), Some("2026-10-05T12:00:00Z"));
    assert_eq!(get("title"), Some("Mail down"));
    assert_eq!(get("service"), Some("email"));
}

#[test]
fn unmapped_values_are_named() {
    let r = record(
        r#"{"number":"INC2","priority":"5","opened_at":"2026-10-05 09:00:00",
            "closed_at":"2026-10-06 10:00:00","business_service":"a1b2"}"#,
    );
    let f = incident(&r, "acme", &cfg(), None);
    assert_eq!(f["priority"], "5 (not in priority_map)");
    assert_eq!(f.get("responded_at"), None);
    // Cancelled without a resolution time: stopped when closed.
    assert_eq!(f["resolved_at"], "2026-10-06T10:00:00Z");
    // No name readable: mapped by sys_id.
    assert_eq!(f["service"], "network");
    let r =
        record(r#"{"number":"INC3","business_service":"zz","business_service.name":"Payroll"}"#);
    assert_eq!(incident(&r, "acme", &cfg(), None)["service"], "Payroll");
}

#[test]
fn maps_work_items() {
    let change =
        record(r#"{"number":"CHG1","type":"Emergency","opened_at":"2026-10-02 10:00:00"}"#);
    let f = work_item(&change, "acme", WorkTable::Change);
    assert_eq!(f["kind"], "change");
    assert_eq!(f["change_type"], "emergency");
    assert_eq!(f["opened_at"], "2026-10-02T10:00:00Z");
    let problem = record(r#"{"number":"PRB1","type":"x","opened_at":"2026-10-02 10:00:00"}"#);
    let f = work_item(&problem, "acme", WorkTable::Problem);
    assert_eq!(f["kind"], "problem");
    assert_eq!(f.get("change_type"), None);
}

#[test]
fn maps_a_task_sla() {
    let r = record(
        r#"{"sys_id":"t1","task":"s1","task.number":"INC1","sla":"d1","sla.name":"P1 resolution",
            "stage":"completed","has_breached":"true","start_time":"2026-10-05 09:00:00",
            "end_time":"2026-10-05 14:00:00","planned_end_time":"2026-10-05 13:00:00",
            "business_duration":"1970-01-01 05:00:00","pause_duration":"1970-01-01 00:00:00",
            "sys_updated_on":"2026-10-05 14:00:02"}"#,
    );
    let v = sla_verdict(&r, 0).unwrap();
    assert_eq!(v.incident_id, "INC1");
    assert_eq!(v.sla_name.as_deref(), Some("P1 resolution"));
    assert_eq!(v.has_breached, Some(true));
    assert_eq!(v.start_at, Some(t("2026-10-05 09:00:00").timestamp()));
    assert_eq!(v.business_duration_seconds, Some(18_000));
    assert_eq!(v.pause_duration_seconds, Some(0));
    assert_eq!(v.updated_at, t("2026-10-05 14:00:02").timestamp());
    assert!(sla_verdict(&record(r#"{"sys_id":"t2"}"#), 0).is_none());
}

#[test]
fn names_the_fields_a_query_uses() {
    assert_eq!(
        query_fields(
            "assignment_group.name=Acme^ORpriorityIN1,2^NQcompany.nameSTARTSWITHAc^ORDERBYDESCnumber^EQ"
        ),
        ["assignment_group", "priority", "company", "number"]
    );
    assert_eq!(
        query_fields("active=true^short_descriptionLIKEmail"),
        ["active", "short_description"]
    );
    assert!(query_fields("").is_empty());
}
