//! One poll: each table read page by page, each page mapped and stored as
//! it comes and the table's watermark moved past it, so a first sync of a
//! large instance holds one page at a time, and a poll that fails part way
//! keeps what it stored.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use tracing::{info, warn};

use super::client::{Client, Pager, Record, field};
use super::mapping::{self, WorkTable, raw_time};
use super::{Options, PollError, PollSummary, RejectedRecord};
use crate::config::ResponseFrom;
use crate::config::{ServiceNowSource, SourceConfig};
use crate::domain::ClockUnknown;
use crate::import::fields::RecordKind;
use crate::import::{Incoming, Rejection, ingest};
use crate::sources::SourceDeps;

/// The audit history table.
const AUDIT: &str = "sys_audit";
/// The table of every table's fields.
const DICTIONARY: &str = "sys_dictionary";
/// The journal (work notes and comments) table.
const JOURNAL: &str = "sys_journal_field";

/// Why the audit history cannot be read, from the instance's 403.
fn missing_role(denied: &PollError) -> String {
    format!(
        "{denied}; the API user needs the audit_viewer role (or admin) to read sys_audit: \
         until then response times and holds are marked unknown"
    )
}

/// Why the audit history cannot be read, when access control hides rows.
fn hidden_audit(hidden: u64) -> String {
    format!(
        "access denied reading sys_audit: {hidden} audit rows hidden from the API user by \
         access control; it needs the audit_viewer role (or admin): until then response \
         times and holds are marked unknown"
    )
}

/// Reads every table once; `fingerprint` is the settings' (see
/// `settings_fingerprint`): when the stored one differs, every table is
/// read from the start.
pub(super) async fn poll(
    deps: &SourceDeps,
    source: &SourceConfig,
    cfg: &ServiceNowSource,
    options: &Options,
    now: i64,
    fingerprint: &str,
) -> Result<PollSummary, PollError> {
    let previous = deps.store.source_state(&source.id, "").await?.watermark;
    let reset = previous.is_some_and(|p| p != fingerprint);
    if reset {
        info!(source = %source.id, "ServiceNow settings changed: reading every table from the start");
    }
    let had_gaps = deps.store.clock_gap_count(&source.id).await? > 0;
    let mut poll = Poll {
        deps,
        source,
        cfg,
        options,
        client: Client::new(&deps.http, cfg, options)?,
        now,
        reset,
        reread_incidents: false,
        audit_blocked: None,
        had_gaps,
        labels: None,
        summary: PollSummary::default(),
    };
    poll.check_queries().await?;
    poll.check_audit_access().await?;
    poll.incidents().await?;
    if let Some(reason) = &poll.audit_blocked {
        deps.store
            .source_failed(&source.id, AUDIT, reason, now)
            .await?;
        poll.summary.audit_blocked = Some(reason.clone());
    }
    poll.work("problem", WorkTable::Problem).await?;
    poll.work("change_request", WorkTable::Change).await?;
    poll.task_slas().await?;
    Ok(poll.summary)
}

/// One poll in progress.
struct Poll<'a> {
    deps: &'a SourceDeps,
    source: &'a SourceConfig,
    cfg: &'a ServiceNowSource,
    options: &'a Options,
    client: Client<'a>,
    now: i64,
    /// Read every table from the start (the settings changed).
    reset: bool,
    /// Read `incident` from the start: the audit history became readable
    /// again, so incidents read without it are read again with it.
    reread_incidents: bool,
    /// Why the audit history cannot be read this poll (names the role).
    audit_blocked: Option<String>,
    /// Some of the source's incidents had unknown clocks before this poll.
    had_gaps: bool,
    /// The instance's hold reason labels, once asked for.
    labels: Option<mapping::HoldReasonLabels>,
    summary: PollSummary,
}

impl Poll<'_> {
    async fn since(&self, table: &str) -> Result<Option<String>, PollError> {
        if self.reset || (self.reread_incidents && table == "incident") {
            return Ok(None);
        }
        Ok(self
            .deps
            .store
            .source_state(&self.source.id, table)
            .await?
            .watermark)
    }

    /// A page-by-page read of `table` from its watermark.
    async fn pager(
        &self,
        table: &'static str,
        filters: Vec<String>,
        fields: &[&str],
    ) -> Result<Pager, PollError> {
        let since = self.since(table).await?;
        let overlap = TimeDelta::from_std(self.options.overlap).unwrap_or_default();
        Ok(Pager::new(table, since, overlap, filters, fields))
    }

    /// Counts records read from `table`.
    fn fetched(&mut self, table: &str, n: usize) {
        *self.summary.fetched.entry(table.to_string()).or_default() += n;
    }

    /// The configured query of `table`: its own, else the common one.
    fn query_for(&self, table: &str) -> &str {
        self.cfg
            .queries
            .get(table)
            .or(self.cfg.query.as_ref())
            .map_or("", String::as_str)
    }

    /// The `task_sla` filter: its own query, else the incidents' seen
    /// through `task`.
    fn task_sla_query(&self) -> String {
        match self.cfg.queries.get("task_sla") {
            Some(own) => own.clone(),
            None => mapping::dot_walk(self.query_for("incident"), "task"),
        }
    }

    /// Refuses a query naming a field its table lacks: the instance ignores
    /// such a term (unless `glide.invalid_query.returns_no_rows` is set)
    /// and would read every record the rest allows — other customers'
    /// tickets too. Checked against `sys_dictionary` at every poll; without
    /// read access to it the queries are used unchecked, with a warning.
    async fn check_queries(&self) -> Result<(), PollError> {
        let tables = [
            (
                "incident",
                self.query_for("incident").to_string(),
                "incident,task",
            ),
            (
                "problem",
                self.query_for("problem").to_string(),
                "problem,task",
            ),
            (
                "change_request",
                self.query_for("change_request").to_string(),
                "change_request,task",
            ),
            (
                "task_sla",
                self.cfg
                    .queries
                    .get("task_sla")
                    .cloned()
                    .unwrap_or_default(),
                "task_sla",
            ),
        ];
        for (table, query, defined_on) in tables {
            let fields = mapping::query_fields(&query);
            if fields.is_empty() {
                continue;
            }
            // sys_id, which every table has, tells a dictionary the API user
            // may not see from one without the fields.
            let dictionary = self
                .client
                .fetch_all(
                    DICTIONARY,
                    &format!("nameIN{defined_on}^elementINsys_id,{}", fields.join(",")),
                    &["name", "element"],
                )
                .await;
            let rows = match dictionary {
                Ok(rows) => rows,
                Err(e @ PollError::AccessDenied { .. }) => {
                    warn!(source = %self.source.id, error = %e, "cannot read sys_dictionary: the configured queries are used unchecked");
                    return Ok(());
                }
                Err(e) => return Err(e),
            };
            let known: Vec<&str> = rows.iter().filter_map(|r| field(r, "element")).collect();
            if !known.contains(&"sys_id") {
                warn!(source = %self.source.id, table, "sys_dictionary shows nothing of the table to the API user: its query is used unchecked");
                continue;
            }
            let missing: Vec<&str> = fields
                .iter()
                .map(String::as_str)
                .filter(|f| !known.contains(f))
                .collect();
            if !missing.is_empty() {
                return Err(PollError::InvalidQuery {
                    table: table.to_string(),
                    reason: format!(
                        "{table} has no field {} (per sys_dictionary): ServiceNow ignores such a \
                         term and would read records the query was meant to leave out; fix the \
                         source's query{}",
                        missing.join(", "),
                        if self.cfg.queries.contains_key(table) {
                            format!(" for {table} (queries.{table})")
                        } else {
                            " (query), or give the table its own under queries".to_string()
                        }
                    ),
                });
            }
        }
        Ok(())
    }

    /// Moves a table's watermark to the newest record stored.
    async fn stored(&self, table: &str, newest: Option<String>) -> Result<(), PollError> {
        self.deps
            .store
            .source_succeeded(&self.source.id, table, newest.as_deref(), self.now)
            .await?;
        Ok(())
    }

    async fn incidents(&mut self) -> Result<(), PollError> {
        const TABLE: &str = "incident";
        let fields = mapping::incident_fields(self.cfg);
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        let filters = vec![self.query_for(TABLE).to_string()];
        let mut pager = self.pager(TABLE, filters, &fields).await?;
        self.fetched(TABLE, 0);
        self.fetched(AUDIT, 0);
        while let Some(records) = self.client.next_page(&mut pager).await? {
            self.incident_page(&records).await?;
        }
        Ok(())
    }

    /// Whether the audit history can be read, asked once per poll before
    /// any incident: a 403, or matching rows access control hides (counted
    /// by the instance, not sent), mean the API user lacks the role. The
    /// other tables are polled either way; the incidents' clocks are marked
    /// unknown instead of read wrong.
    async fn check_audit_access(&mut self) -> Result<(), PollError> {
        if !self.needs_audit() {
            return Ok(());
        }
        let before = self.deps.store.source_state(&self.source.id, AUDIT).await?;
        match self.client.probe(AUDIT, "tablename=incident").await {
            Ok((0, Some(total))) if total > 0 => self.audit_blocked = Some(hidden_audit(total)),
            Ok(_) => {}
            Err(e @ PollError::AccessDenied { .. }) => self.audit_blocked = Some(missing_role(&e)),
            Err(e) => return Err(e),
        }
        match &self.audit_blocked {
            Some(reason) => {
                warn!(source = %self.source.id, %reason, "ServiceNow audit history unreadable: response times and holds marked unknown")
            }
            // Only a missing role kept the history out: a server error
            // reading it failed that poll and stored nothing without it.
            None if before.consecutive_failures > 0
                && before
                    .last_error
                    .as_deref()
                    .is_some_and(|e| e.starts_with("access denied reading sys_audit")) =>
            {
                info!(source = %self.source.id, "ServiceNow audit history readable again: reading incidents again from the start");
                self.reread_incidents = true;
            }
            None => {}
        }
        Ok(())
    }

    /// Whether anything read comes from the audit history.
    fn needs_audit(&self) -> bool {
        mapping::response_needs_audit(self.cfg) || !self.cfg.states.hold_states.is_empty()
    }

    /// Stores one page of incidents, with their holds from the audit history.
    async fn incident_page(&mut self, records: &[Record]) -> Result<(), PollError> {
        const TABLE: &str = "incident";
        self.fetched(TABLE, records.len());
        let sys_ids: Vec<&str> = records.iter().filter_map(|r| field(r, "sys_id")).collect();
        let (audit, audit_gap) = self.audit(&sys_ids).await?;
        self.fetched(AUDIT, audit.len());
        let history = mapping::group_changes(&audit);
        let (journal, journal_gap) = self.journal(records, &sys_ids).await?;
        // Labels are needed only for reasons the state model does not name.
        let model = &self.cfg.states;
        if self.labels.is_none()
            && history.values().flatten().any(|c| {
                c.field == "hold_reason"
                    && [&c.old, &c.new]
                        .iter()
                        .any(|v| !v.is_empty() && !model.hold_reasons.contains_key(*v))
            })
        {
            self.labels = Some(self.hold_reason_labels().await?);
        }
        let labels = self.labels.clone().unwrap_or_default();

        let contract = self.source.contract.as_str();
        let mut incoming = Vec::new();
        let mut numbers = Vec::new();
        let mut gaps = Vec::new();
        for (i, r) in records.iter().enumerate() {
            let line = i as i64 + 1;
            let number = field(r, "number");
            numbers.push(number.unwrap_or("(no number)").to_string());
            let sys_id = field(r, "sys_id");
            let changes = sys_id
                .and_then(|id| history.get(id))
                .map_or(&[][..], Vec::as_slice);
            let first_entry = sys_id.and_then(|id| journal.get(id)).copied();
            let responded =
                mapping::response(r, self.cfg, changes, audit_gap.is_none(), first_entry);
            incoming.push(Incoming {
                kind: RecordKind::Incident,
                fields: mapping::incident(r, contract, self.cfg, responded),
                line,
            });
            incoming.push(Incoming {
                kind: RecordKind::WorkItem,
                fields: mapping::work_item(r, contract, WorkTable::Incident),
                line,
            });
            let Some(number) = number else { continue };
            let unknown = self.unknown(responded, audit_gap.as_deref(), journal_gap.as_deref());
            if unknown.any() || self.had_gaps {
                gaps.push((number.to_string(), unknown));
            }
            let opened = field(r, "opened_at").and_then(raw_time);
            for span in mapping::holds(changes, opened, &labels, model) {
                self.summary.holds += 1;
                incoming.push(Incoming {
                    kind: RecordKind::Hold,
                    fields: mapping::hold(number, contract, &span),
                    line,
                });
            }
        }
        self.summary.unknown_clocks += gaps.iter().filter(|(_, g)| g.any()).count();
        // Before the incidents, so no detection sees them without the mark.
        self.deps
            .store
            .set_clock_gaps(contract, &self.source.id, &gaps, self.now)
            .await?;
        self.ingest(TABLE, &numbers, incoming).await?;
        if audit_gap.is_none() && self.needs_audit() {
            self.stored(AUDIT, mapping::newest(&audit, "sys_created_on"))
                .await?;
        }
        self.stored(TABLE, mapping::newest(records, "sys_updated_on"))
            .await?;
        Ok(())
    }

    /// What is not known of an incident read with these gaps.
    fn unknown(
        &self,
        responded: Option<chrono::DateTime<chrono::Utc>>,
        audit_gap: Option<&str>,
        journal_gap: Option<&str>,
    ) -> ClockUnknown {
        let response_gap = if mapping::response_needs_audit(self.cfg) {
            audit_gap
        } else {
            journal_gap
        };
        let holds_gap = audit_gap.filter(|_| !self.cfg.states.hold_states.is_empty());
        ClockUnknown {
            response: response_gap.is_some() && responded.is_none(),
            holds: holds_gap.is_some(),
            reason: response_gap
                .or(holds_gap)
                .map(str::to_string)
                .unwrap_or_default(),
        }
    }

    /// The audited history of these incidents, whole (a hold that ends now
    /// may have started long before the watermark), and, when the API user
    /// cannot read all of it, why.
    async fn audit(
        &mut self,
        sys_ids: &[&str],
    ) -> Result<(Vec<Record>, Option<String>), PollError> {
        if !self.needs_audit() {
            return Ok((Vec::new(), None));
        }
        if let Some(reason) = &self.audit_blocked {
            return Ok((Vec::new(), Some(reason.clone())));
        }
        let fields = mapping::audited_fields(self.cfg).join(",");
        let mut rows = Vec::new();
        for batch in sys_ids.chunks(self.options.audit_batch.max(1)) {
            let query = format!(
                "tablename=incident^fieldnameIN{fields}^documentkeyIN{}^ORDERBYsys_created_on",
                batch.join(",")
            );
            let fetched = self
                .client
                .fetch_all_seen(
                    AUDIT,
                    &query,
                    &[
                        "documentkey",
                        "fieldname",
                        "oldvalue",
                        "newvalue",
                        "sys_created_on",
                        "record_checkpoint",
                    ],
                )
                .await;
            match fetched {
                Ok(f) if f.hidden > 0 => {
                    let reason = hidden_audit(f.hidden);
                    self.audit_blocked = Some(reason.clone());
                    return Ok((Vec::new(), Some(reason)));
                }
                Ok(f) => rows.extend(f.records),
                Err(e @ PollError::AccessDenied { .. }) => {
                    let reason = missing_role(&e);
                    self.audit_blocked = Some(reason.clone());
                    return Ok((Vec::new(), Some(reason)));
                }
                Err(e) => return Err(e),
            }
        }
        Ok((rows, None))
    }

    /// With `response_from = "journal"`: the first `work_notes` or
    /// `comments` entry of each incident not written by its caller, and,
    /// when the API user cannot read the journal, why.
    async fn journal(
        &self,
        records: &[Record],
        sys_ids: &[&str],
    ) -> Result<(HashMap<String, DateTime<Utc>>, Option<String>), PollError> {
        if self.cfg.response_from != ResponseFrom::Journal || sys_ids.is_empty() {
            return Ok((HashMap::new(), None));
        }
        let callers: HashMap<String, String> = records
            .iter()
            .filter_map(|r| {
                Some((
                    field(r, "sys_id")?.to_string(),
                    field(r, "caller_id.user_name")?.to_string(),
                ))
            })
            .collect();
        let mut rows = Vec::new();
        for batch in sys_ids.chunks(self.options.audit_batch.max(1)) {
            let query = format!(
                "name=incident^elementINwork_notes,comments^element_idIN{}^ORDERBYsys_created_on",
                batch.join(",")
            );
            let fetched = self
                .client
                .fetch_all_seen(
                    JOURNAL,
                    &query,
                    &["element_id", "sys_created_on", "sys_created_by"],
                )
                .await;
            match fetched {
                Ok(f) if f.hidden > 0 => {
                    return Ok((
                        HashMap::new(),
                        Some(format!(
                            "access denied reading {JOURNAL}: {} journal entries hidden from the API user by access control (it needs read access to {JOURNAL})",
                            f.hidden
                        )),
                    ));
                }
                Ok(f) => rows.extend(f.records),
                Err(e @ PollError::AccessDenied { .. }) => {
                    return Ok((HashMap::new(), Some(e.to_string())));
                }
                Err(e) => return Err(e),
            }
        }
        Ok((mapping::first_journal(&rows, &callers), None))
    }

    /// The labels of the instance's hold reasons (their numbers differ
    /// between instances). Without read access to `sys_choice` the raw
    /// values are used instead.
    async fn hold_reason_labels(&self) -> Result<mapping::HoldReasonLabels, PollError> {
        let rows = match self
            .client
            .fetch_all(
                "sys_choice",
                "name=incident^element=hold_reason^ORDERBYsequence",
                &["value", "label", "language"],
            )
            .await
        {
            Ok(rows) => rows,
            Err(e @ PollError::Authentication { .. }) => return Err(e),
            Err(e) => {
                warn!(source = %self.source.id, error = %e, "cannot read the hold reason labels; naming hold reasons by value");
                return Ok(mapping::HoldReasonLabels::new());
            }
        };
        let mut labels = mapping::HoldReasonLabels::new();
        for r in &rows {
            if let (Some(value), Some(label)) = (field(r, "value"), field(r, "label")) {
                let english = field(r, "language").is_none_or(|l| l == "en");
                if english || !labels.contains_key(value) {
                    labels.insert(value.to_string(), label.to_string());
                }
            }
        }
        Ok(labels)
    }

    async fn work(&mut self, table: &'static str, kind: WorkTable) -> Result<(), PollError> {
        let mut fields = vec!["sys_id", "number", "opened_at", "sys_updated_on"];
        if kind == WorkTable::Change {
            fields.push("type");
        }
        let filters = vec![self.query_for(table).to_string()];
        let mut pager = self.pager(table, filters, &fields).await?;
        self.fetched(table, 0);
        while let Some(records) = self.client.next_page(&mut pager).await? {
            self.fetched(table, records.len());
            let contract = self.source.contract.as_str();
            let numbers: Vec<String> = records
                .iter()
                .map(|r| field(r, "number").unwrap_or("(no number)").to_string())
                .collect();
            let incoming = records
                .iter()
                .enumerate()
                .map(|(i, r)| Incoming {
                    kind: RecordKind::WorkItem,
                    fields: mapping::work_item(r, contract, kind),
                    line: i as i64 + 1,
                })
                .collect();
            self.ingest(table, &numbers, incoming).await?;
            self.stored(table, mapping::newest(&records, "sys_updated_on"))
                .await?;
        }
        Ok(())
    }

    async fn task_slas(&mut self) -> Result<(), PollError> {
        const TABLE: &str = "task_sla";
        let filters = vec![
            "task.sys_class_name=incident".to_string(),
            self.task_sla_query(),
        ];
        let fields = [
            "sys_id",
            "task",
            "task.number",
            "sla",
            "sla.name",
            "stage",
            "has_breached",
            "start_time",
            "end_time",
            "planned_end_time",
            "business_duration",
            "pause_duration",
            "business_pause_duration",
            "sla.target",
            "sla.type",
            "sys_updated_on",
        ];
        let mut pager = self.pager(TABLE, filters, &fields).await?;
        self.fetched(TABLE, 0);
        while let Some(records) = self.client.next_page(&mut pager).await? {
            self.fetched(TABLE, records.len());
            let slas: Vec<&Record> = records
                .iter()
                .filter(|r| mapping::is_customer_sla(r))
                .collect();
            let verdicts: Vec<_> = slas
                .iter()
                .filter_map(|r| mapping::sla_verdict(r, self.now))
                .collect();
            if verdicts.len() < slas.len() {
                warn!(
                    source = %self.source.id,
                    skipped = slas.len() - verdicts.len(),
                    "task_sla rows without a sys_id or a readable task.number were skipped"
                );
            }
            if !verdicts.is_empty() {
                self.summary.verdicts += self
                    .deps
                    .store
                    .upsert_sla_verdicts(&self.source.contract, &self.source.id, &verdicts)
                    .await?;
                self.deps.notify_ingested();
            }
            self.stored(TABLE, mapping::newest(&records, "sys_updated_on"))
                .await?;
        }
        Ok(())
    }

    /// Stores records through the import path; `numbers[line - 1]` names
    /// the ServiceNow record each line came from, for rejections.
    async fn ingest(
        &mut self,
        table: &str,
        numbers: &[String],
        records: Vec<Incoming>,
    ) -> Result<(), PollError> {
        if records.is_empty() {
            return Ok(());
        }
        let label = format!("{}/api/now/table/{table}", self.client.base_url());
        let mut rejections: Vec<Rejection> = Vec::new();
        let outcome = ingest(
            &self.deps.store,
            &self.deps.config.contracts,
            &self.source.id,
            &label,
            self.now,
            records,
            &mut |r: &Rejection| rejections.push(r.clone()),
        )
        .await?;
        for r in rejections {
            let number = usize::try_from(r.line - 1)
                .ok()
                .and_then(|i| numbers.get(i))
                .cloned()
                .unwrap_or_default();
            warn!(source = %self.source.id, table, record = %number, reason = %r.reason, "ServiceNow record refused");
            self.summary.rejected.push(RejectedRecord {
                table: table.to_string(),
                number,
                reason: r.reason,
            });
        }
        self.summary.counts.add(outcome.counts);
        if outcome.worth_detecting() {
            self.deps.notify_ingested();
        }
        Ok(())
    }
}
