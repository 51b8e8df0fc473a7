//! `[[contracts.dr_systems]]`: the systems the contract covers, for the
//! disaster-recovery register ([`crate::engine::dr`]).

use toml::Value;

use super::load::check_id;
use super::reader::{Problems, Section, all, report, report_duplicates, type_name};
use crate::contract::dr::{Criticality, DrSystem, Host};
use crate::domain::duration::parse_duration_seconds;

const DR_SYSTEM_KEYS: [&str; 8] = [
    "id",
    "name",
    "criticality",
    "rto",
    "rpo",
    "hosted_by",
    "vendor",
    "third_party_evidence",
];

/// Reads a contract's `dr_systems`; `None` when any is invalid (each
/// problem reported with its key path).
pub(super) fn dr_systems(s: &Section<'_>, p: &mut Problems) -> Option<Vec<DrSystem>> {
    let items = s.items("dr_systems", p);
    report_duplicates(&items, "id", "DR system id", p);
    all(items.into_iter().map(|(path, v)| dr_system(v, path, p)))
}

fn dr_system(value: &Value, path: String, p: &mut Problems) -> Option<DrSystem> {
    let s = Section::open(value, path, &DR_SYSTEM_KEYS, p)?;
    let id = s.req_parsed("id", p, check_id);
    let name = s.req_string("name", p);
    let criticality = s.req_parsed("criticality", p, Criticality::parse);
    let rto = objective(&s, "rto", p);
    let rpo = objective(&s, "rpo", p);
    let hosted_by = s.req_parsed("hosted_by", p, Host::parse);
    let vendor = s.string("vendor", p).map(|v| v.trim().to_string());
    if let (Some(Host::Saas | Host::Cloud), None) = (hosted_by, &vendor) {
        p.push(
            s.key("vendor"),
            "required when hosted_by is saas or cloud: the vendor's name, so the register \
             says whom to ask for DR evidence",
        );
    }
    let evidence = match s.value("third_party_evidence") {
        None | Some(Value::Boolean(false)) => Some(None),
        Some(Value::Boolean(true)) => Some(Some(String::new())),
        Some(Value::String(t)) if !t.trim().is_empty() => Some(Some(t.trim().to_string())),
        Some(other) => {
            p.push(
                s.key("third_party_evidence"),
                format!(
                    "expected true, false or the evidence's reference (e.g. \"SOC 2 report \
                     2026\"), found {}",
                    type_name(other)
                ),
            );
            None
        }
    };
    if hosted_by == Some(Host::Supplier) && matches!(evidence, Some(Some(_))) {
        p.push(
            s.key("third_party_evidence"),
            "applies only to a system hosted by a third party (hosted_by = \"saas\" or \
             \"cloud\"); record the supplier's own DR tests with `slawatch dr-test add`",
        );
    }
    Some(DrSystem {
        id: id?,
        name: name?.trim().to_string(),
        criticality: criticality?,
        rto_seconds: rto?,
        rpo_seconds: rpo?,
        hosted_by: hosted_by?,
        vendor,
        third_party_evidence: evidence?,
    })
}

/// An optional duration (`"4h"`, `"15m"`, `"0s"` for no data loss).
fn objective(s: &Section<'_>, key: &str, p: &mut Problems) -> Option<Option<i64>> {
    if !s.has(key) {
        return Some(None);
    }
    let text = s.string(key, p)?;
    report(parse_duration_seconds(text), &s.key(key), p).map(Some)
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::super::tests::{CONTRACT, assert_problem, problems};
    use crate::contract::dr::{Criticality, Host};

    #[test]
    fn reads_systems_with_their_objectives_and_hosts() {
        let text = format!(
            "{CONTRACT}
  [[contracts.dr_systems]]
  id = \"payroll\"
  name = \"Payroll\"
  criticality = \"critical\"
  rto = \"4h\"
  rpo = \"15m\"
  hosted_by = \"supplier\"

  [[contracts.dr_systems]]
  id = \"crm\"
  name = \"CRM\"
  criticality = \"medium\"
  hosted_by = \"saas\"
  vendor = \"CloudCRM Inc\"
  third_party_evidence = \"SOC 2 Type II 2026\"

  [[contracts.dr_systems]]
  id = \"files\"
  name = \"File shares\"
  criticality = \"low\"
  rpo = \"0s\"
  hosted_by = \"cloud\"
  vendor = \"Azure\"
  third_party_evidence = true
"
        );
        let config = parse(&text, "t.toml").unwrap();
        let s = &config.contracts[0].dr_systems;
        assert_eq!(s.len(), 3);
        assert_eq!(
            (s[0].criticality, s[0].rto_seconds, s[0].rpo_seconds),
            (Criticality::Critical, Some(14_400), Some(900))
        );
        assert_eq!(s[1].hosted_by, Host::Saas);
        assert_eq!(s[1].vendor.as_deref(), Some("CloudCRM Inc"));
        assert_eq!(
            s[1].third_party_evidence.as_deref(),
            Some("SOC 2 Type II 2026")
        );
        assert_eq!((s[2].rto_seconds, s[2].rpo_seconds), (None, Some(0)));
        assert_eq!(s[2].third_party_evidence.as_deref(), Some(""));
    }

    #[test]
    fn reports_bad_values_by_key() {
        let text = format!(
            "{CONTRACT}
  [[contracts.dr_systems]]
  id = \"bad id\"
  name = \"Payroll\"
  criticality = \"vital\"
  rto = \"4 hours\"
  hosted_by = \"moon\"
  third_party_evidence = 3

  [[contracts.dr_systems]]
  id = \"crm\"
  name = \"CRM\"
  criticality = \"high\"
  hosted_by = \"saas\"
  rpo = 15

  [[contracts.dr_systems]]
  id = \"crm\"
  criticality = \"low\"
  hosted_by = \"supplier\"
  third_party_evidence = \"ISO cert\"
  rtoo = \"1h\"
"
        );
        let all = problems(&text);
        let k = "contracts[0].dr_systems";
        assert_problem(&all, &format!("{k}[0].id"), "not a valid id");
        assert_problem(
            &all,
            &format!("{k}[0].criticality"),
            "expected critical, high",
        );
        assert_problem(&all, &format!("{k}[0].rto"), "not a duration");
        assert_problem(
            &all,
            &format!("{k}[0].hosted_by"),
            "expected supplier, saas or cloud",
        );
        assert_problem(
            &all,
            &format!("{k}[0].third_party_evidence"),
            "found a whole number",
        );
        assert_problem(
            &all,
            &format!("{k}[1].vendor"),
            "required when hosted_by is saas",
        );
        assert_problem(&all, &format!("{k}[1].rpo"), "expected a string");
        assert_problem(&all, &format!("{k}[2].id"), "duplicate DR system id 'crm'");
        assert_problem(&all, &format!("{k}[2].name"), "required key is missing");
        assert_problem(
            &all,
            &format!("{k}[2].third_party_evidence"),
            "only to a system hosted by a third party",
        );
        assert_problem(&all, &format!("{k}[2].rtoo"), "did you mean 'rto'");
    }
}
