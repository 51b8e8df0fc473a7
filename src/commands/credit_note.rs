//! `slawatch credit-note add|refuse|list`: what the supplier actually paid
//! back against the issued claims, and what it refused. Recorded
//! insert-only with who; `list` shows the recovery to date (claimed,
//! credited, refused, outstanding and its age, month by month) and every
//! note.

use clap::Subcommand;

use super::Failure;
use super::records::{ListFormat, contract, now, refused, who};
use crate::config::Config;
use crate::domain::money::format_minor;
use crate::domain::{NoteKind, WallClock};
use crate::records::{CreditNoteRequest, Naming, new_credit_note};
use crate::report::json::Wire;
use crate::store::Store;

/// The `credit-note` subcommands.
#[derive(Debug, Subcommand)]
pub enum CreditNoteCommand {
    /// Record a credit note: money the supplier credited against the claims of one or more months.
    Add {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// The supplier's credit note number.
        #[arg(long)]
        reference: String,
        /// The date on the credit note, YYYY-MM-DD.
        #[arg(long)]
        date: String,
        /// The amount credited in the contract's currency, e.g. 1250.00.
        #[arg(long)]
        amount: String,
        /// The months whose claims it pays, YYYY-MM[,YYYY-MM…] (oldest settled first).
        #[arg(long, value_name = "YYYY-MM[,…]")]
        months: String,
        /// Who is recording it (kept in the audit trail).
        #[arg(long, value_name = "NAME")]
        by: String,
        /// Anything worth saying.
        #[arg(long)]
        note: Option<String>,
    },
    /// Record the supplier's refusal (or dispute) of an amount of the claims of one or more months.
    Refuse {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// The reference of the supplier's letter or email.
        #[arg(long)]
        reference: String,
        /// The date of the refusal, YYYY-MM-DD.
        #[arg(long)]
        date: String,
        /// The amount refused in the contract's currency, e.g. 400.00.
        #[arg(long)]
        amount: String,
        /// The months whose claims it refuses, YYYY-MM[,YYYY-MM…].
        #[arg(long, value_name = "YYYY-MM[,…]")]
        months: String,
        /// Who is recording it (kept in the audit trail).
        #[arg(long, value_name = "NAME")]
        by: String,
        /// The supplier's reason.
        #[arg(long)]
        reason: String,
    },
    /// Show the recovery to date (claimed, credited, refused, outstanding) and every note.
    List {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
}

/// Runs a `credit-note` subcommand.
pub async fn run(
    config: &Config,
    store: &Store,
    cmd: CreditNoteCommand,
    clock: &WallClock,
) -> Result<(), Failure> {
    let (id, kind, request, by) = match cmd {
        CreditNoteCommand::List {
            contract: id,
            format,
        } => return list(config, store, &id, format, clock).await,
        CreditNoteCommand::Add {
            contract,
            reference,
            date,
            amount,
            months,
            by,
            note,
        } => (
            contract,
            NoteKind::Credit,
            CreditNoteRequest {
                reference,
                date,
                amount,
                months,
                note,
            },
            by,
        ),
        CreditNoteCommand::Refuse {
            contract,
            reference,
            date,
            amount,
            months,
            by,
            reason,
        } => (
            contract,
            NoteKind::Refusal,
            CreditNoteRequest {
                reference,
                date,
                amount,
                months,
                note: Some(reason),
            },
            by,
        ),
    };
    let c = contract(config, &id)?;
    let by = who(&by)?;
    let note = new_credit_note(c, kind, &request, Naming::Flags).map_err(refused)?;
    let stored = store
        .record_credit_note(&c.id, &c.currency, &note, &by, now(clock))
        .await
        .map_err(refused)?;
    let what = match kind {
        NoteKind::Credit => "credit note",
        NoteKind::Refusal => "refusal",
    };
    println!(
        "recorded {what} {} for {}: {} {} against {}",
        stored.id,
        c.id,
        note.amount,
        stored.reference,
        crate::domain::credit_note::months_text(&stored.months)
    );
    Ok(())
}

async fn list(
    config: &Config,
    store: &Store,
    id: &str,
    format: ListFormat,
    clock: &WallClock,
) -> Result<(), Failure> {
    let c = contract(config, id)?;
    let recovery = crate::report::recovery::load_always(store, c, clock.now())
        .await
        .map_err(Failure::runtime)?;
    if format == ListFormat::Json {
        let text = serde_json::to_string_pretty(&recovery.json()).map_err(Failure::runtime)?;
        println!("{text}");
        return Ok(());
    }
    let money = |minor: i64| {
        format!(
            "{} {}",
            c.currency.code(),
            format_minor(minor, c.currency.exponent())
        )
    };
    let mut rows = vec![
        [
            "MONTH",
            "CLAIMED",
            "CREDITED",
            "REFUSED",
            "OUTSTANDING",
            "AGE",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for m in &recovery.months {
        rows.push(vec![
            m.period.to_string(),
            match &m.issued {
                Some(_) => money(m.claimed_minor),
                None => "not issued".to_string(),
            },
            money(m.credited_minor),
            money(m.refused_minor),
            money(m.outstanding_minor),
            m.outstanding_days
                .map_or(String::new(), |d| format!("{d} days")),
        ]);
    }
    rows.push(vec![
        "total".to_string(),
        money(recovery.claimed_minor),
        money(recovery.credited_minor),
        money(recovery.refused_minor),
        money(recovery.outstanding_minor),
        recovery
            .oldest_outstanding_days
            .map_or(String::new(), |d| format!("oldest {d} days")),
    ]);
    print_rows(&rows);
    if !recovery.notes.is_empty() {
        println!();
        let mut rows = vec![
            [
                "ID",
                "KIND",
                "REFERENCE",
                "DATE",
                "AMOUNT",
                "MONTHS",
                "BY",
                "NOTE",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for n in &recovery.notes {
            rows.push(vec![
                n.id.to_string(),
                n.kind.to_string(),
                n.reference.clone(),
                n.date.to_string(),
                money(n.amount_minor),
                crate::domain::credit_note::months_text(&n.months),
                n.recorded_by.clone(),
                n.note.clone().unwrap_or_default(),
            ]);
        }
        print_rows(&rows);
    }
    Ok(())
}

/// Prints rows as aligned columns.
fn print_rows(rows: &[Vec<String>]) {
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in rows {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", cells.join("  ").trim_end());
    }
}
