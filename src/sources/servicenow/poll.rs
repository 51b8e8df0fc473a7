//! One poll: each table read page by page, each page mapped and stored as
//! it comes and the table's watermark moved past it, so a first sync of a
//! large instance holds one page at a time, and a poll that fails part way
//! keeps what it stored.

use chrono::TimeDelta;
use tracing::{info, warn};

use super::client::{Client, Pager, Record, field};
use super::mapping::{self, WorkTable, raw_time};
use super::{Options, PollError, PollSummary, RejectedRecord};
use crate::config::{ServiceNowSource, SourceConfig};
use crate::import::fields::RecordKind;
use crate::import::{Incoming, Rejection, ingest};
use crate::sources::SourceDeps;

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
    let mut poll = Poll {
        deps,
        source,
        cfg,
        options,
        client: Client::new(&deps.http, cfg, options)?,
        now,
        reset,
        labels: None,
        summary: PollSummary::default(),
    };
    poll.incidents().await?;
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
    /// The instance's hold reason labels, once asked for.
    labels: Option<mapping::HoldReasonLabels>,
    summary: PollSummary,
}

impl Poll<'_> {
    async fn since(&self, table: &str) -> Result<Option<String>, PollError> {
        if self.reset {
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

    fn configured_query(&self) -> &str {
        self.cfg.query.as_deref().unwrap_or("")
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
        let filters = vec![self.configured_query().to_string()];
        let mut pager = self.pager(TABLE, filters, &fields).await?;
        self.fetched(TABLE, 0);
        self.fetched("sys_audit", 0);
        while let Some(records) = self.client.next_page(&mut pager).await? {
            self.incident_page(&records).await?;
        }
        Ok(())
    }

    /// Stores one page of incidents, with their holds from the audit history.
    async fn incident_page(&mut self, records: &[Record]) -> Result<(), PollError> {
        const TABLE: &str = "incident";
        self.fetched(TABLE, records.len());
        let sys_ids: Vec<&str> = records.iter().filter_map(|r| field(r, "sys_id")).collect();
        let audit = self.audit(&sys_ids).await?;
        self.fetched("sys_audit", audit.len());
        let history = mapping::group_changes(&audit);
        // Labels are needed only for reasons other than Awaiting Caller.
        if self.labels.is_none()
            && history.values().flatten().any(|c| {
                c.field == "hold_reason"
                    && [&c.old, &c.new].iter().any(|v| !v.is_empty() && *v != "1")
            })
        {
            self.labels = Some(self.hold_reason_labels().await?);
        }
        let labels = self.labels.clone().unwrap_or_default();

        let contract = self.source.contract.as_str();
        let mut incoming = Vec::new();
        let mut numbers = Vec::new();
        for (i, r) in records.iter().enumerate() {
            let line = i as i64 + 1;
            let number = field(r, "number");
            numbers.push(number.unwrap_or("(no number)").to_string());
            let changes = field(r, "sys_id")
                .and_then(|id| history.get(id))
                .map_or(&[][..], Vec::as_slice);
            incoming.push(Incoming {
                kind: RecordKind::Incident,
                fields: mapping::incident(r, contract, self.cfg, changes),
                line,
            });
            incoming.push(Incoming {
                kind: RecordKind::WorkItem,
                fields: mapping::work_item(r, contract, WorkTable::Incident),
                line,
            });
            let Some(number) = number else { continue };
            let opened = field(r, "opened_at").and_then(raw_time);
            for span in mapping::holds(changes, opened, &labels) {
                self.summary.holds += 1;
                incoming.push(Incoming {
                    kind: RecordKind::Hold,
                    fields: mapping::hold(number, contract, &span),
                    line,
                });
            }
        }
        self.ingest(TABLE, &numbers, incoming).await?;
        self.stored("sys_audit", mapping::newest(&audit, "sys_created_on"))
            .await?;
        self.stored(TABLE, mapping::newest(records, "sys_updated_on"))
            .await?;
        Ok(())
    }

    /// The `state` and `hold_reason` history of these incidents, whole:
    /// a hold that ends now may have started long before the watermark.
    async fn audit(&self, sys_ids: &[&str]) -> Result<Vec<Record>, PollError> {
        let mut rows = Vec::new();
        for batch in sys_ids.chunks(self.options.audit_batch.max(1)) {
            let query = format!(
                "tablename=incident^fieldnameINstate,hold_reason^documentkeyIN{}^ORDERBYsys_created_on",
                batch.join(",")
            );
            rows.extend(
                self.client
                    .fetch_all(
                        "sys_audit",
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
                    .await?,
            );
        }
        Ok(rows)
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
        let filters = vec![self.configured_query().to_string()];
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
            mapping::dot_walk(self.configured_query(), "task"),
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
            "sys_updated_on",
        ];
        let mut pager = self.pager(TABLE, filters, &fields).await?;
        self.fetched(TABLE, 0);
        while let Some(records) = self.client.next_page(&mut pager).await? {
            self.fetched(TABLE, records.len());
            let verdicts: Vec<_> = records
                .iter()
                .filter_map(|r| mapping::sla_verdict(r, self.now))
                .collect();
            if verdicts.len() < records.len() {
                warn!(
                    source = %self.source.id,
                    skipped = records.len() - verdicts.len(),
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
