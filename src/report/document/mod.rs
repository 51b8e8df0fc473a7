//! The claim document: the monthly report laid out as a Performance
//! Monitoring Report, once, as sections of fields, tables and paragraphs
//! whose every figure is already written out. HTML, PDF, XLSX and the CSV's
//! document rows render these sections and nothing else, so they carry the
//! same sections, the same rounding and the same words by construction.
//!
//! - [`mod@format`]: how figures are written (money, attainment, durations,
//!   local times with their offset).
//! - [`control`]: the control data and the summary of both remedies.
//! - [`terms`]: each service level's definition and the credits worked out
//!   step by step.
//! - [`levels`]: the service levels and their breaches.
//! - [`records`]: costs, disputes, excusals, commitments, escalations,
//!   recovery, the amendment since issue and the audit trail.
//! - [`quality`]: the DR register, data quality, clock stops and records
//!   changed after the fact.
//! - [`appendix`]: every incident counted, every outage, every hold.

pub mod appendix;
pub mod control;
pub mod format;
pub mod levels;
pub mod quality;
pub mod records;
pub mod terms;

use serde::Serialize;

use self::format::Style;
use super::MonthReport;
use super::chart::Chart;
use super::json::{ReportJson, to_json};

/// A figure a spreadsheet can compute with, beside its written form.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Number {
    /// Money in minor units.
    Money(i64),
    /// A whole count.
    Count(i64),
    /// Attainment in percent, written to three decimals.
    Attainment(f64),
}

/// How a cell should catch the eye.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Tone {
    /// Plain.
    #[default]
    Plain,
    /// A failure, a breach, money owed.
    Bad,
    /// Met, accepted.
    Good,
}

/// One written value.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Cell {
    /// The value as every format shows it.
    pub text: String,
    /// The same value as a number, for the spreadsheet.
    pub number: Option<Number>,
    /// How it is marked.
    pub tone: Tone,
}

impl Cell {
    /// Plain text.
    pub fn text(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            ..Cell::default()
        }
    }

    /// Money, written in the contract's currency.
    pub fn money(style: &Style, minor: i64) -> Cell {
        Cell {
            text: style.money(minor),
            number: Some(Number::Money(minor)),
            tone: Tone::Plain,
        }
    }

    /// A count.
    pub fn count(n: impl Into<i64>) -> Cell {
        let n = n.into();
        Cell {
            text: n.to_string(),
            number: Some(Number::Count(n)),
            tone: Tone::Plain,
        }
    }

    /// An attainment; `—` with nothing measured.
    pub fn attainment(percent: Option<f64>) -> Cell {
        match percent {
            Some(p) => Cell {
                text: format::attainment(p),
                number: Some(Number::Attainment(p)),
                tone: Tone::Plain,
            },
            None => Cell::text("—"),
        }
    }

    /// The same cell, marked.
    pub fn tone(mut self, tone: Tone) -> Cell {
        self.tone = tone;
        self
    }
}

/// A column of a table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    /// Its heading.
    pub header: String,
    /// True for figures, set right.
    pub numeric: bool,
    /// Its share of the page's width, for the PDF.
    pub weight: f32,
}

/// A table: its columns and rows of cells, one per column.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Table {
    /// The columns.
    pub columns: Vec<Column>,
    /// The rows.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// A table with these columns: `(header, numeric, weight)`.
    pub fn new(columns: &[(&str, bool, f32)]) -> Table {
        Table {
            columns: columns
                .iter()
                .map(|(header, numeric, weight)| Column {
                    header: (*header).to_string(),
                    numeric: *numeric,
                    weight: *weight,
                })
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }
}

/// One labelled value of a list of fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    /// The label.
    pub label: String,
    /// The value.
    pub value: Cell,
    /// True for a total, set in bold.
    pub total: bool,
}

/// A part of a section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Block {
    /// A sub-heading.
    Heading(String),
    /// A paragraph.
    Text(String),
    /// A paragraph that explains (a rule, a caveat), set smaller.
    Note(String),
    /// Labelled values.
    Fields(Vec<Field>),
    /// A table.
    Table(Table),
    /// Trend charts (drawn in HTML and PDF; the spreadsheet charts the
    /// monthly report's from its trends table).
    Charts(Vec<Chart>),
}

/// One section of the document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    /// A stable key: the CSV's row type and the test's handle.
    pub key: &'static str,
    /// The heading.
    pub title: String,
    /// The XLSX sheet's name (at most 31 characters).
    pub sheet: &'static str,
    /// True for an appendix, which starts a new page.
    pub appendix: bool,
    /// What it holds, in order.
    pub blocks: Vec<Block>,
}

impl Section {
    /// An empty section.
    pub fn new(key: &'static str, title: impl Into<String>, sheet: &'static str) -> Section {
        Section {
            key,
            title: title.into(),
            sheet,
            appendix: false,
            blocks: Vec::new(),
        }
    }

    /// Adds a block.
    pub fn push(&mut self, block: Block) {
        self.blocks.push(block);
    }

    /// Adds labelled values.
    pub fn fields(&mut self, fields: Vec<(String, Cell)>) {
        self.push(Block::Fields(
            fields
                .into_iter()
                .map(|(label, value)| Field {
                    label,
                    value,
                    total: false,
                })
                .collect(),
        ));
    }
}

/// The whole document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    /// The title on its first page.
    pub title: String,
    /// `DRAFT`, `PROVISIONAL`, `ISSUED` or `AMENDED`.
    pub status: &'static str,
    /// The word across every page of a document that is not an issued
    /// version (`DRAFT`, `PROVISIONAL`); `None` once issued.
    pub watermark: Option<&'static str>,
    /// The line at the foot of every page.
    pub footer: String,
    /// The sections in order.
    pub sections: Vec<Section>,
}

impl Document {
    /// The section with this key, if the document has it.
    pub fn section(&self, key: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.key == key)
    }
}

/// Lays the report out as its claim document.
pub fn build(r: &MonthReport<'_>) -> Document {
    let json = to_json(r);
    build_from(r, &json)
}

/// [`build`] from the report's JSON already built.
pub fn build_from(r: &MonthReport<'_>, json: &ReportJson<'_>) -> Document {
    let style = Style {
        currency: r.contract.currency.clone(),
        tz: r.contract.timezone,
    };
    let status = r.status();
    let mut sections = vec![
        control::control(r, json, &style),
        control::summary(r, json, &style),
    ];
    sections.extend(records::amendment(json, &style));
    sections.push(levels::service_levels(json, &style));
    sections.push(terms::definitions(r));
    sections.push(terms::credits(r, json, &style));
    sections.extend(records::escalations(json));
    sections.push(levels::breaches(r, json, &style));
    sections.push(levels::trends(r));
    sections.push(records::costs(json, &style));
    sections.extend(records::recovery(json, &style));
    sections.push(records::disputes(json, &style));
    sections.push(records::commitments(json, &style));
    sections.push(quality::disaster_recovery(json));
    sections.push(records::excused(json, &style));
    sections.push(quality::data_quality(json, &style));
    sections.extend(quality::clock_stops(json));
    sections.push(quality::rewrites(json, &style));
    sections.push(terms::method());
    sections.push(records::audit(json, &style));
    sections.extend(appendix::sections(r, &style));
    sections.push(records::evidence_files(json, &style));
    Document {
        title: format!(
            "Performance Monitoring Report: {}",
            r.contract
                .particulars
                .name
                .as_deref()
                .unwrap_or(&r.contract.id)
        ),
        status: status.word(),
        watermark: status.watermark(),
        footer: format!(
            "{} · {} · {}",
            r.contract
                .particulars
                .reference
                .as_deref()
                .unwrap_or(&r.contract.id),
            format::period_words(r.evaluation.period),
            status.label()
        ),
        sections,
    }
}
