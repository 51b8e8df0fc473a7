//! Turning one input record into a row for the store, or a reason it is
//! rejected (see docs/book/src/integrators/formats.md): a missing required field,
//! an unknown contract or priority, a time that cannot be read or does not
//! exist, a stop before its start.

use crate::contract::Contract;
use crate::domain::evidence::parse_bool;
use crate::domain::time::parse_instant;
use crate::domain::{ChangeType, Impact, Percent, Period, Priority, WorkKind};
use crate::store::write::{Param, Row};

use super::fields::{Fields, RecordKind};

/// Why a record was refused.
pub type Reason = String;

/// Looks up contracts by id.
pub trait Contracts {
    /// The contract with this id.
    fn find(&self, id: &str) -> Option<&Contract>;
}

impl Contracts for [Contract] {
    fn find(&self, id: &str) -> Option<&Contract> {
        self.iter().find(|c| c.id == id)
    }
}

/// A record parsed into its store row, with the contract it belongs to.
#[derive(Debug)]
pub struct Parsed {
    /// The contract id.
    pub contract: String,
    /// The row to upsert.
    pub row: Row,
}

struct Reader<'a, F: Fields + ?Sized> {
    fields: &'a F,
    contract: &'a Contract,
}

impl<F: Fields + ?Sized> Reader<'_, F> {
    fn required(&self, name: &str) -> Result<String, Reason> {
        self.fields
            .get(name)
            .ok_or_else(|| format!("{name} is missing"))
    }

    fn text(&self, name: &str) -> Param {
        Param::Text(self.fields.get(name))
    }

    fn instant(&self, name: &str) -> Result<Option<i64>, Reason> {
        self.fields
            .get(name)
            .map(|v| {
                parse_instant(&v, self.contract.timezone)
                    .map(|t| t.timestamp())
                    .map_err(|e| format!("{name}: {e}"))
            })
            .transpose()
    }

    fn required_instant(&self, name: &str) -> Result<i64, Reason> {
        self.instant(name)?
            .ok_or_else(|| format!("{name} is missing"))
    }

    fn not_before(
        &self,
        later: Option<i64>,
        later_name: &str,
        earlier: i64,
        earlier_name: &str,
    ) -> Result<(), Reason> {
        match later {
            Some(l) if l < earlier => Err(format!("{later_name} is before {earlier_name}")),
            _ => Ok(()),
        }
    }
}

/// Parses one record of `kind` against the configured `contracts`.
pub fn parse<F: Fields + ?Sized>(
    kind: RecordKind,
    fields: &F,
    contracts: &[Contract],
    line: i64,
) -> Result<Parsed, Reason> {
    let contract_id = fields
        .get("contract")
        .ok_or_else(|| "contract is missing".to_string())?;
    let contract = contracts
        .find(&contract_id)
        .ok_or_else(|| format!("unknown contract '{contract_id}'"))?;
    let r = Reader { fields, contract };
    let contract_param = Param::Text(Some(contract_id.clone()));
    let (key, values) = match kind {
        RecordKind::Incident => {
            let id = r.required("id")?;
            let priority: Priority = r.required("priority")?.parse()?;
            let opened = r.required_instant("opened_at")?;
            let responded = r.instant("responded_at")?;
            let resolved = r.instant("resolved_at")?;
            r.not_before(responded, "responded_at", opened, "opened_at")?;
            r.not_before(resolved, "resolved_at", opened, "opened_at")?;
            // No clock of the incident can stop after this instant.
            let settled = resolved.map(|res| responded.map_or(res, |resp| resp.max(res)));
            (
                vec![contract_param, Param::Text(Some(id))],
                vec![
                    Param::Text(Some(priority.as_str().to_string())),
                    r.text("service"),
                    Param::Int(Some(opened)),
                    Param::Int(responded),
                    Param::Int(resolved),
                    Param::Int(settled),
                    r.text("title"),
                    r.text("excused_reason"),
                ],
            )
        }
        RecordKind::Hold => {
            let incident = r.required("incident_id")?;
            let start = r.required_instant("start")?;
            let end = r.instant("end")?;
            r.not_before(end, "end", start, "start")?;
            let reason = r
                .fields
                .get("reason")
                .unwrap_or_else(|| "unspecified".to_string());
            (
                vec![
                    contract_param,
                    Param::Text(Some(incident)),
                    Param::Int(Some(start)),
                ],
                vec![Param::Int(end), Param::Text(Some(reason))],
            )
        }
        RecordKind::Outage => {
            let id = r.required("id")?;
            let service = r.required("service")?;
            let start = r.required_instant("start")?;
            let end = r.instant("end")?;
            r.not_before(end, "end", start, "start")?;
            let impact: Impact = r.fields.get("impact").unwrap_or_default().parse()?;
            let planned = r
                .fields
                .get("planned")
                .map(|p| parse_bool(&p))
                .transpose()
                .map_err(|e| format!("planned: {e}"))?;
            (
                vec![contract_param, Param::Text(Some(id))],
                vec![
                    Param::Text(Some(service)),
                    Param::Int(Some(start)),
                    Param::Int(end),
                    Param::Text(Some(impact.as_str().to_string())),
                    Param::Int(Some(planned.unwrap_or(false) as i64)),
                    r.text("source"),
                ],
            )
        }
        RecordKind::WorkItem => {
            let id = r.required("id")?;
            let work_kind: WorkKind = r.required("kind")?.parse()?;
            let opened = r.required_instant("opened_at")?;
            let change_type = r
                .fields
                .get("change_type")
                .map(|c| c.parse::<ChangeType>())
                .transpose()?;
            let proactive = r
                .fields
                .get("proactive")
                .map(|p| parse_bool(&p))
                .transpose()
                .map_err(|e| format!("proactive: {e}"))?;
            (
                vec![contract_param, Param::Text(Some(id))],
                vec![
                    Param::Text(Some(work_kind.as_str().to_string())),
                    Param::Int(Some(opened)),
                    Param::Text(change_type.map(|c| c.as_str().to_string())),
                    Param::Int(proactive.map(i64::from)),
                ],
            )
        }
        RecordKind::SupplierKpi => {
            let level = r.required("service_level")?;
            if contract.service_level(&level).is_none() {
                return Err(format!(
                    "unknown service_level '{level}' for contract '{contract_id}'"
                ));
            }
            let period: Period = r
                .required("period")?
                .parse()
                .map_err(|e| format!("period: {e}"))?;
            let attainment = Percent::parse(&r.required("attainment_percent")?)
                .map_err(|e| format!("attainment_percent: {e}"))?;
            if !(0..=100 * crate::domain::percent::PERCENT_SCALE).contains(&attainment.units()) {
                return Err(format!(
                    "attainment_percent: {attainment} is not between 0 and 100"
                ));
            }
            (
                vec![
                    contract_param,
                    Param::Text(Some(level)),
                    Param::Text(Some(period.to_string())),
                ],
                vec![Param::Int(Some(attainment.units()))],
            )
        }
    };
    // A NUL is no character of any text a supplier means to send, and
    // PostgreSQL's text cannot hold one: the row is refused on both
    // backends alike rather than failing the whole import on one.
    let holds_nul = |p: &Param| matches!(p, Param::Text(Some(t)) if t.contains('\0'));
    if key.iter().chain(&values).any(holds_nul) {
        return Err(
            "a text field holds a NUL character (byte 0), which no text may contain".into(),
        );
    }
    Ok(Parsed {
        contract: contract_id,
        row: Row { key, values, line },
    })
}
