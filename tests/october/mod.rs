//! The example month of the book (October 2026 for acme-managed-it) rebuilt from
//! evidence, shared by the report tests; every figure is worked out by hand
//! in the doc comment of [`october`].

#![allow(dead_code)]

use crate::common::{TestEnv, stderr};

/// October 2026 for acme-managed-it:
/// - 14 P1 incidents: 12 resolved in 3 h (met); INC0012345 opened 09:02Z and
///   resolved 14:38Z (5 h 36 m = 20,160 s against 14,400 s, deadline 13:02Z);
///   INC0012346 resolved after 6 h. 12/14 = 85.714 %: below 90 → 4 % of
///   £125,000 = £5,000.00 (500,000 pence). Not under the 80 % critical line.
/// - One more P1, excused (power cut): listed, not assessed.
/// - Email outage 09 Oct 08:00–12:30Z: 16,200 s of 2,682,000 s (745 h: BST
///   ends 25 Oct) → 99.396 %: below 99.5 but not 99.0 → 3 % = £3,750.00.
/// - Credits 875,000 under the 12 % cap of 1,500,000; plus a recoverable cost
///   of £2,400.00 → total claim 1,115,000.
pub fn october(env: &TestEnv) {
    let mut incidents =
        String::from("id,contract,priority,opened_at,service,resolved_at,title,excused_reason\n");
    for day in 1..=12 {
        incidents.push_str(&format!(
            "INC00100{day:02},acme-managed-it,P1,2026-10-{:02}T09:00:00Z,email,2026-10-{:02}T12:00:00Z,Routine fault,\n",
            day + 1,
            day + 1
        ));
    }
    incidents.push_str("INC0012345,acme-managed-it,P1,2026-10-07T09:02:00Z,email,2026-10-07T14:38:00Z,\"=HYPERLINK(\"\"http://x\"\")\",\n");
    incidents.push_str("INC0012346,acme-managed-it,P1,2026-10-20T08:00:00Z,email,2026-10-20T14:00:00Z,<script>alert(1)</script> & co,\n");
    incidents.push_str("INC0012399,acme-managed-it,P1,2026-10-21T08:00:00Z,email,2026-10-21T18:00:00Z,Site down,power cut at customer site\n");
    let outages = "id,contract,service,start,end,impact,planned,source\nOUT1,acme-managed-it,email,2026-10-09T08:00:00Z,2026-10-09T12:30:00Z,full,false,noc\n";
    let kpis = "contract,service_level,period,attainment_percent\nacme-managed-it,p1-resolution,2026-10,97.0\n";
    let files = [
        env.file("incidents.csv", &incidents),
        env.file("outages.csv", outages),
        env.file("kpis.csv", kpis),
    ];
    let paths: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
    let out = env.import(&paths);
    assert!(out.status.success(), "{}", stderr(&out));
}

pub async fn add_cost(env: &TestEnv) {
    let config = slawatch::config::load(&env.config).expect("config");
    let store = slawatch::store::Store::open(&config.daemon.database_url)
        .await
        .expect("store");
    let cost = slawatch::domain::RecoverableCost {
        date: "2026-10-09".parse().unwrap(),
        amount_minor: 240_000,
        description: "Agency staff during outage".into(),
        evidence: "PO 88213".into(),
        breach: Some("email-availability".into()),
    };
    store
        .add_recoverable_cost("acme-managed-it", &cost, 0)
        .await
        .expect("cost");
    // A cost in another month does not belong to October.
    let november = slawatch::domain::RecoverableCost {
        date: "2026-11-01".parse().unwrap(),
        ..cost
    };
    store
        .add_recoverable_cost("acme-managed-it", &november, 0)
        .await
        .expect("cost");
    store.close().await;
}

pub const AS_OF: &str = "2026-11-05T00:00:00Z";
