//! The inbox source: a real folder and a real SQLite store, scanned one step
//! at a time. A file is taken on the second scan that sees it unchanged.

mod common;

use std::path::PathBuf;

use chrono::DateTime;
use sha2::{Digest, Sha256};
use slawatch::config::SourceKind;
use slawatch::daemon::Deps;
use slawatch::engine::Evidence;
use slawatch::sources::inbox::{Inbox, ScanSummary};
use slawatch::store::Store;
use tempfile::TempDir;

/// 2026-10-05T09:00:00Z.
const NOW: i64 = 1_791_190_800;

struct Env {
    _dir: TempDir,
    folder: PathBuf,
    deps: Deps,
    inbox: Inbox,
    /// Scans so far, to space their times.
    scans: i64,
}

impl Env {
    async fn new() -> Env {
        Env::with("").await
    }

    /// An inbox under a configuration with `extra` (e.g. a `[limits]` table) added.
    async fn with(extra: &str) -> Env {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().expect("temporary folder");
        let text = format!(
            "[daemon]\ndatabase_url = \"{}\"\n{}\n{extra}\n\
             [[sources]]\nid = \"acme-pack\"\ncontract = \"acme-managed-it\"\nkind = \"inbox\"\npath = \"{}/inbox/acme\"\n",
            slawatch::store::testing::database_url(&dir.path().join("data/slawatch.db")),
            common::CONTRACT,
            dir.path().display(),
        );
        let config = slawatch::config::parse(&text, "test.toml").expect("valid config");
        let store = Store::open(&config.daemon.database_url)
            .await
            .expect("store");
        let source = config.sources[0].clone();
        let SourceKind::Inbox { path, .. } = source.kind.clone() else {
            panic!("an inbox source");
        };
        let deps = Deps::new(config, store).expect("deps");
        Env {
            _dir: dir,
            folder: path.clone(),
            deps,
            inbox: Inbox::new(source, path),
            scans: 0,
        }
    }

    /// The configured inbox source.
    fn inbox_source(&self) -> slawatch::config::SourceConfig {
        self.deps.config.sources[0].clone()
    }

    async fn scan(&mut self) -> ScanSummary {
        self.scans += 1;
        self.inbox
            .scan_once(&self.deps.for_sources(), NOW + 5 * self.scans)
            .await
            .expect("scan")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.folder.join(name)
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        std::fs::create_dir_all(&self.folder).expect("inbox folder");
        let path = self.path(name);
        std::fs::write(&path, bytes).expect("write inbox file");
        path
    }

    fn processed(&self, name: &str) -> PathBuf {
        self.folder.join("processed").join(name)
    }

    async fn evidence(&self) -> Evidence {
        self.deps
            .store
            .month_evidence(
                "acme-managed-it",
                "2026-10".parse().unwrap(),
                chrono_tz::Europe::London,
                DateTime::from_timestamp(NOW + 86_400 * 40, 0).unwrap(),
                None,
            )
            .await
            .expect("evidence")
    }

    async fn incident_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .evidence()
            .await
            .incidents
            .into_iter()
            .map(|i| i.id)
            .collect();
        ids.sort();
        ids
    }
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

const INCIDENTS: &str = "\
id,contract,priority,opened_at,resolved_at
INC1,acme-managed-it,P1,2026-10-05T09:00:00Z,2026-10-05T10:00:00Z
INC2,acme-managed-it,P1,2026-10-05 11:00,2026-10-05 12:00
";

#[tokio::test]
async fn complete_files_are_imported_and_moved_to_processed() {
    let mut env = Env::new().await;
    // The first scan (at NOW + 5) makes the folder and processed/.
    assert!(!env.folder.exists());
    assert_eq!(env.scan().await, ScanSummary::default());
    assert!(env.folder.join("processed").is_dir());

    env.write("incidents.csv", INCIDENTS);
    env.write(
        "work.jsonl",
        r#"{"type":"work_item","id":"W1","contract":"acme-managed-it","kind":"problem","opened_at":"2026-10-02T10:00:00Z"}"#,
    );
    let first = env.scan().await;
    assert_eq!(first.waiting, names(&["incidents.csv", "work.jsonl"]));
    assert!(first.processed.is_empty());

    let second = env.scan().await;
    assert_eq!(second.processed, names(&["incidents.csv", "work.jsonl"]));
    assert_eq!((second.counts.stored, second.rejected), (3, 0));
    assert!(!env.path("incidents.csv").exists());
    assert!(env.processed("incidents.csv").is_file());
    assert!(env.processed("work.jsonl").is_file());
    assert_eq!(env.incident_ids().await, names(&["INC1", "INC2"]));
    assert_eq!(env.evidence().await.work.len(), 1);

    // The health of the third scan (at NOW + 15) is recorded.
    let state = env.deps.store.source_state("acme-pack", "").await.unwrap();
    assert_eq!(state.last_success_at, Some(NOW + 15));
    assert_eq!(state.consecutive_failures, 0);

    // Nothing left: the next scan does nothing.
    assert_eq!(env.scan().await, ScanSummary::default());
}

#[tokio::test]
async fn files_being_written_are_not_taken() {
    let mut env = Env::new().await;
    env.scan().await;

    // Written under a .part name, hidden, or not an interchange file: never taken.
    env.write("incidents.csv.part", INCIDENTS);
    env.write(".incidents.csv", INCIDENTS);
    env.write("notes.txt", "not evidence");
    for _ in 0..3 {
        assert_eq!(env.scan().await, ScanSummary::default());
    }
    assert!(env.path("incidents.csv.part").exists());

    // Renamed in when complete: taken on the second scan that sees it.
    std::fs::rename(env.path("incidents.csv.part"), env.path("incidents.csv")).unwrap();
    assert_eq!(env.scan().await.waiting, names(&["incidents.csv"]));
    let taken = env.scan().await;
    assert_eq!(taken.processed, names(&["incidents.csv"]));
    assert_eq!(taken.counts.stored, 2);
    assert!(env.path(".incidents.csv").exists());
    assert!(env.path("notes.txt").exists());
}

#[tokio::test]
async fn a_file_still_growing_waits_until_it_stops() {
    let mut env = Env::new().await;
    env.scan().await;

    // Half written: the header and one row.
    let (head, rest) = INCIDENTS.split_at(INCIDENTS.find("INC2").unwrap());
    let path = env.write("incidents.csv", head);
    assert_eq!(env.scan().await.waiting, names(&["incidents.csv"]));

    // The rest arrives before the next scan: it changed, so it waits again.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, rest.as_bytes()))
        .unwrap();
    let growing = env.scan().await;
    assert_eq!(growing.waiting, names(&["incidents.csv"]));
    assert!(growing.processed.is_empty());
    assert_eq!(env.incident_ids().await, Vec::<String>::new());

    // Unchanged since: taken whole, both rows in one import.
    let taken = env.scan().await;
    assert_eq!(taken.processed, names(&["incidents.csv"]));
    assert_eq!(taken.counts.stored, 2);
    assert_eq!(env.incident_ids().await, names(&["INC1", "INC2"]));
}

#[tokio::test]
async fn the_same_content_is_never_imported_twice() {
    let mut env = Env::new().await;
    env.write("incidents.csv", INCIDENTS);
    env.scan().await;
    assert_eq!(env.scan().await.processed, names(&["incidents.csv"]));

    // The same content under another name: moved along, not imported.
    env.write("incidents-copy.csv", INCIDENTS);
    env.scan().await;
    let copy = env.scan().await;
    assert_eq!(copy.duplicates, names(&["incidents-copy.csv"]));
    assert!(copy.processed.is_empty());
    assert_eq!(copy.counts, Default::default());
    assert!(env.processed("incidents-copy.csv").is_file());

    // And again under the first name: processed/ keeps both copies.
    env.write("incidents.csv", INCIDENTS);
    env.scan().await;
    assert_eq!(env.scan().await.duplicates, names(&["incidents.csv"]));
    assert!(env.processed("incidents.csv").is_file());
    assert!(env.processed("incidents-2.csv").is_file());
    assert_eq!(env.incident_ids().await, names(&["INC1", "INC2"]));
}

#[tokio::test]
async fn a_bad_row_keeps_the_file_with_its_errors_and_the_good_rows_stored() {
    let mut env = Env::new().await;
    let bad = "\
id,contract,priority,opened_at,resolved_at
INC1,acme-managed-it,P1,2026-10-05T09:00:00Z,2026-10-05T10:00:00Z
INC2,acme-managed-it,P1,2026-10-05T11:00:00Z,2026-10-05T10:00:00Z
INC3,acme-managed-it,P1,2026-10-06T09:00:00Z,
INC4,beta-hosting,P1,2026-10-06T09:00:00Z,
";
    let path = env.write("pack.csv", bad);
    env.scan().await;
    let scan = env.scan().await;
    assert_eq!(scan.kept, names(&["pack.csv"]));
    assert_eq!((scan.counts.stored, scan.rejected), (2, 2));
    assert!(path.exists(), "a file with errors stays where it is");
    assert_eq!(env.incident_ids().await, names(&["INC1", "INC3"]));

    let errors = std::fs::read_to_string(env.path("pack.csv.errors.txt")).unwrap();
    let file = path.display();
    assert!(
        errors.contains(&format!("{file} line 3: resolved_at is before opened_at")),
        "{errors}"
    );
    // An inbox takes its own contract's records only.
    assert!(
        errors.contains(&format!("{file} line 5: unknown contract 'beta-hosting'")),
        "{errors}"
    );

    // Recorded by content, with the import that stored its good rows.
    let hash = hex::encode(Sha256::digest(bad.as_bytes()));
    let record = env
        .deps
        .store
        .inbox_file("acme-pack", &hash)
        .await
        .unwrap()
        .expect("recorded");
    assert_eq!(record.file, file.to_string());
    assert_eq!(record.rejected, 2);
    assert!(record.import_id.is_some());

    // Not taken again while unchanged, even by a new scanner (a restart).
    for _ in 0..2 {
        assert_eq!(env.scan().await, ScanSummary::default());
    }
    let source = env.deps.config.sources[0].clone();
    let mut restarted = Inbox::new(source, env.folder.clone());
    for t in 1..=2 {
        let scan = restarted
            .scan_once(&env.deps.for_sources(), NOW + 100 + t)
            .await
            .unwrap();
        assert!(
            scan.kept.is_empty() && scan.processed.is_empty(),
            "{scan:?}"
        );
        assert!(scan.duplicates.is_empty(), "{scan:?}");
    }
    assert!(path.exists());

    // Corrected and saved again: imported, moved, and the stale list removed.
    let fixed = bad
        .replace(
            "2026-10-05T11:00:00Z,2026-10-05T10:00:00Z",
            "2026-10-05T11:00:00Z,2026-10-05T12:00:00Z",
        )
        .replace("INC4,beta-hosting,P1,2026-10-06T09:00:00Z,\n", "");
    std::fs::write(&path, fixed).unwrap();
    env.scan().await;
    let scan = env.scan().await;
    assert_eq!(scan.processed, names(&["pack.csv"]));
    assert_eq!(
        (scan.counts.stored, scan.counts.unchanged, scan.rejected),
        (1, 2, 0)
    );
    assert!(!env.path("pack.csv.errors.txt").exists());
    assert_eq!(env.incident_ids().await, names(&["INC1", "INC2", "INC3"]));
}

#[tokio::test]
async fn a_file_slawatch_cannot_read_is_kept_with_the_reason() {
    let mut env = Env::new().await;
    let path = env.write("misc.csv", "a,b\n1,2\n");
    env.scan().await;
    let scan = env.scan().await;
    assert_eq!(scan.kept, names(&["misc.csv"]));
    let errors = std::fs::read_to_string(env.path("misc.csv.errors.txt")).unwrap();
    assert!(
        errors.contains(&format!(
            "{}: cannot tell the record kind from the header (a, b)",
            path.display()
        )),
        "{errors}"
    );
    assert!(errors.contains("nothing was stored"), "{errors}");
    assert_eq!(env.scan().await, ScanSummary::default());
}

#[tokio::test]
async fn xlsx_sheets_are_imported_with_their_row_numbers() {
    let mut env = Env::new().await;
    // Dates are Excel serials (days since 1899-12-30): 46304.375 is
    // 2026-10-09 09:00, local (BST) time in the contract's timezone.
    let outages = xlsx(&[
        vec![
            Cell::Text("id"),
            Cell::Text("contract"),
            Cell::Text("service"),
            Cell::Text("start"),
            Cell::Text("end"),
            Cell::Text("impact"),
        ],
        vec![
            Cell::Text("OUT1"),
            Cell::Text("acme-managed-it"),
            Cell::Text("email"),
            Cell::Date(46304.375),
            Cell::Date(46304.5),
            Cell::Text("full"),
        ],
        vec![],
        // Row 4: ends (2026-10-09 21:36) before it starts (2026-10-10 00:00).
        vec![
            Cell::Text("OUT2"),
            Cell::Text("acme-managed-it"),
            Cell::Text("email"),
            Cell::Date(46305.0),
            Cell::Date(46304.9),
            Cell::Text("full"),
        ],
        vec![
            Cell::Text("OUT3"),
            Cell::Text("acme-managed-it"),
            Cell::Text("email"),
            Cell::Text("2026-10-11T01:00:00Z"),
            Cell::Blank,
            Cell::Text("partial"),
        ],
    ]);
    let kpis = xlsx(&[
        vec![
            Cell::Text("contract"),
            Cell::Text("service_level"),
            Cell::Text("period"),
            Cell::Text("attainment_percent"),
        ],
        vec![
            Cell::Text("acme-managed-it"),
            Cell::Text("p1-resolution"),
            Cell::Text("2026-10"),
            Cell::Number(97.5),
        ],
    ]);
    let path = env.write("outages.xlsx", outages);
    env.write("kpis.xlsx", kpis);
    env.scan().await;
    let scan = env.scan().await;
    assert_eq!(scan.processed, names(&["kpis.xlsx"]));
    assert_eq!(scan.kept, names(&["outages.xlsx"]));
    assert_eq!((scan.counts.stored, scan.rejected), (3, 1));

    let errors = std::fs::read_to_string(env.path("outages.xlsx.errors.txt")).unwrap();
    assert!(
        errors.contains(&format!("{} line 4: end is before start", path.display())),
        "{errors}"
    );

    let evidence = env.evidence().await;
    let mut outages: Vec<_> = evidence
        .outages
        .iter()
        .map(|o| {
            (
                o.id.as_str(),
                o.start.timestamp(),
                o.end.map(|e| e.timestamp()),
            )
        })
        .collect();
    outages.sort();
    assert_eq!(
        outages,
        vec![
            // 09:00 and 12:00 BST are 08:00 and 11:00 UTC.
            ("OUT1", 1_791_532_800, Some(1_791_543_600)),
            // 2026-10-11T01:00:00Z, still open.
            ("OUT3", 1_791_680_400, None),
        ]
    );
    assert_eq!(evidence.supplier_kpis.len(), 1);
    assert_eq!(evidence.supplier_kpis[0].attainment.as_f64(), 97.5);
}

/// A spreadsheet cell for [`xlsx`].
enum Cell {
    Text(&'static str),
    Number(f64),
    /// An Excel serial date, shown with a date-time format.
    Date(f64),
    Blank,
}

/// A minimal XLSX workbook with one sheet of `rows` (row 1 first): the
/// OOXML parts calamine reads, in a zip archive with stored entries.
fn xlsx(rows: &[Vec<Cell>]) -> Vec<u8> {
    const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    const RELS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
    const DOC: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let mut sheet = format!("<worksheet xmlns=\"{MAIN}\"><sheetData>");
    for (r, row) in rows.iter().enumerate() {
        let r = r + 1;
        sheet.push_str(&format!("<row r=\"{r}\">"));
        for (c, cell) in row.iter().enumerate() {
            let at = format!("{}{r}", char::from(b'A' + c as u8));
            sheet.push_str(&match cell {
                Cell::Text(t) => format!("<c r=\"{at}\" t=\"inlineStr\"><is><t>{t}</t></is></c>"),
                Cell::Number(n) => format!("<c r=\"{at}\"><v>{n}</v></c>"),
                // Style 1 has number format 22, Excel's built-in "m/d/yy h:mm".
                Cell::Date(d) => format!("<c r=\"{at}\" s=\"1\"><v>{d}</v></c>"),
                Cell::Blank => String::new(),
            });
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let parts = [
        (
            "[Content_Types].xml",
            (
                "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
                 <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
                 <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
                 <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
                 <Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>\
                 <Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>\
                 </Types>"
            )
            .to_string(),
        ),
        (
            "_rels/.rels",
            format!(
                "<Relationships xmlns=\"{RELS}\"><Relationship Id=\"rId1\" Type=\"{DOC}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
            ),
        ),
        (
            "xl/workbook.xml",
            format!(
                "<workbook xmlns=\"{MAIN}\" xmlns:r=\"{DOC}\"><sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                "<Relationships xmlns=\"{RELS}\">\
                 <Relationship Id=\"rId1\" Type=\"{DOC}/worksheet\" Target=\"worksheets/sheet1.xml\"/>\
                 <Relationship Id=\"rId2\" Type=\"{DOC}/styles\" Target=\"styles.xml\"/>\
                 </Relationships>"
            ),
        ),
        (
            "xl/styles.xml",
            format!(
                "<styleSheet xmlns=\"{MAIN}\"><cellXfs count=\"2\"><xf numFmtId=\"0\"/><xf numFmtId=\"22\" applyNumberFormat=\"1\"/></cellXfs></styleSheet>"
            ),
        ),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    zip_stored(&parts)
}

/// A zip archive whose entries are stored uncompressed.
fn zip_stored(parts: &[(&str, String)]) -> Vec<u8> {
    fn u16le(out: &mut Vec<u8>, n: usize) {
        out.extend_from_slice(&u16::try_from(n).unwrap().to_le_bytes());
    }
    fn u32le(out: &mut Vec<u8>, n: u32) {
        out.extend_from_slice(&n.to_le_bytes());
    }
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, text) in parts {
        let data = text.as_bytes();
        let (crc, size) = (crc32(data), u32::try_from(data.len()).unwrap());
        let offset = u32::try_from(out.len()).unwrap();
        // Local file header: version 2.0, no flags, stored, 1980-01-01 00:00.
        u32le(&mut out, 0x0403_4b50);
        for n in [20, 0, 0, 0, 0x21] {
            u16le(&mut out, n);
        }
        for n in [crc, size, size] {
            u32le(&mut out, n);
        }
        u16le(&mut out, name.len());
        u16le(&mut out, 0);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        // Its central directory entry.
        u32le(&mut central, 0x0201_4b50);
        for n in [20, 20, 0, 0, 0, 0x21] {
            u16le(&mut central, n);
        }
        for n in [crc, size, size] {
            u32le(&mut central, n);
        }
        for n in [name.len(), 0, 0, 0, 0] {
            u16le(&mut central, n);
        }
        u32le(&mut central, 0);
        u32le(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
    }
    let (start, size) = (out.len(), central.len());
    out.extend_from_slice(&central);
    u32le(&mut out, 0x0605_4b50);
    for n in [0, 0, parts.len(), parts.len()] {
        u16le(&mut out, n);
    }
    u32le(&mut out, u32::try_from(size).unwrap());
    u32le(&mut out, u32::try_from(start).unwrap());
    u16le(&mut out, 0);
    out
}

/// CRC-32 (IEEE), as zip records it.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn crc32_matches_the_standard_check_value() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
}

#[tokio::test]
async fn xlsx_columns_are_renamed_by_the_source_mapping() {
    let mut env = Env::new().await;
    let mut source = env.inbox_source();
    if let SourceKind::Inbox { columns, .. } = &mut source.kind {
        for (from, to) in [
            ("Ticket", "id"),
            ("Customer contract", "contract"),
            ("Priority", "priority"),
            ("Raised", "opened_at"),
        ] {
            columns.insert(from.to_string(), to.to_string());
        }
    }
    env.inbox = Inbox::new(source, env.folder.clone());
    let sheet = xlsx(&[
        vec![
            Cell::Text("Ticket"),
            Cell::Text("Customer contract"),
            Cell::Text("Priority"),
            Cell::Text("Raised"),
        ],
        vec![
            Cell::Text("XL1"),
            Cell::Text("acme-managed-it"),
            Cell::Text("P1"),
            Cell::Text("2026-10-06T09:00:00Z"),
        ],
    ]);
    env.write("supplier-pack.xlsx", sheet);
    env.scan().await;
    let second = env.scan().await;
    assert_eq!(second.processed, names(&["supplier-pack.xlsx"]));
    assert_eq!(env.incident_ids().await, vec!["XL1".to_string()]);
}

/// Every byte of every regular file under `folder`, as text.
fn everything_in(folder: &std::path::Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.is_dir() {
            text += &everything_in(&path);
        } else if meta.is_file() {
            text += &String::from_utf8_lossy(&std::fs::read(&path).unwrap());
        }
    }
    text
}

#[tokio::test]
async fn a_link_in_the_inbox_is_never_followed_for_reading_or_writing() {
    let mut env = Env::new().await;
    env.scan().await;
    let outside = env._dir.path();
    // A supplier with write access to the inbox plants links: one to the
    // daemon's secrets, one where slawatch writes a file's errors.
    let secrets = outside.join("secrets.env");
    std::fs::write(&secrets, "SLAWATCH_SMTP_PASSWORD=hunter2\n").unwrap();
    std::os::unix::fs::symlink(&secrets, env.path("x.csv")).unwrap();
    let database = outside.join("victim.db");
    std::fs::write(&database, "precious").unwrap();
    std::os::unix::fs::symlink(&database, env.path("bad.csv.errors.txt")).unwrap();
    env.write(
        "bad.csv",
        "id,contract,priority,opened_at,resolved_at\n\
         INC1,acme-managed-it,P1,2026-10-05T09:00:00Z,2026-10-05T08:00:00Z\n",
    );
    // And a folder under a name the inbox takes.
    std::fs::create_dir(env.path("folder.csv")).unwrap();

    env.scan().await;
    let scan = env.scan().await;
    assert_eq!(scan.kept, names(&["bad.csv"]));
    assert_eq!(
        scan.refused,
        names(&[
            "folder.csv is not a regular file",
            "x.csv is a symbolic link, which an inbox never follows: copy the file itself in",
        ])
    );
    // Nothing the link pointed at reached the inbox the supplier reads.
    assert!(
        !everything_in(&env.folder).contains("hunter2"),
        "the secret leaked into the inbox"
    );
    // The planted link was replaced by the errors list, not written through.
    assert_eq!(std::fs::read_to_string(&database).unwrap(), "precious");
    let errors_entry = std::fs::symlink_metadata(env.path("bad.csv.errors.txt")).unwrap();
    assert!(errors_entry.file_type().is_file());
    let errors = std::fs::read_to_string(env.path("bad.csv.errors.txt")).unwrap();
    assert!(
        errors.contains("line 2: resolved_at is before opened_at"),
        "{errors}"
    );
    // The link is told of where the supplier looks, and in the source's health.
    let told = std::fs::read_to_string(env.path("x.csv.errors.txt")).unwrap();
    assert!(told.contains("x.csv is a symbolic link"), "{told}");
    assert!(!told.contains("hunter2"));
    let state = env.deps.store.source_state("acme-pack", "").await.unwrap();
    let health = state.last_error.unwrap_or_default();
    assert!(health.contains("x.csv is a symbolic link"), "{health}");
    assert!(
        std::fs::symlink_metadata(env.path("x.csv"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[tokio::test]
async fn a_processed_folder_planted_as_a_link_is_refused() {
    let mut env = Env::new().await;
    std::fs::create_dir_all(&env.folder).unwrap();
    let elsewhere = env._dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, env.folder.join("processed")).unwrap();
    env.write("incidents.csv", INCIDENTS);
    for t in 1..=3 {
        let scan = env.inbox.scan_once(&env.deps.for_sources(), NOW + t).await;
        let e = scan.expect_err("the scan refuses a linked processed/");
        assert!(format!("{e:#}").contains("is not a folder"), "{e:#}");
    }
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    assert!(env.path("incidents.csv").is_file());
    let state = env.deps.store.source_state("acme-pack", "").await.unwrap();
    assert!(state.last_error.unwrap_or_default().contains("processed"));
}

#[tokio::test]
async fn a_file_changed_while_being_taken_is_left_for_later_then_taken_whole() {
    let mut env = Env::new().await;
    env.scan().await;
    let row = |id: &str| format!("{id},acme-managed-it,P3,2026-10-05T09:00:00Z,\n");
    let mut pack = String::from("id,contract,priority,opened_at,resolved_at\n");
    for n in 0..20_000 {
        pack += &row(&format!("INC{n}"));
    }
    let path = env.write("pack.csv", &pack);
    assert_eq!(env.scan().await.waiting, names(&["pack.csv"]));

    // The writer resumes while slawatch is taking the file: it appends a
    // whole row every few milliseconds.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let appender = {
        let (stop, path) = (stop.clone(), path.clone());
        std::thread::spawn(move || {
            let mut appended = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(std::time::Duration::from_millis(3));
                let Ok(mut f) = std::fs::OpenOptions::new().append(true).open(&path) else {
                    break;
                };
                std::io::Write::write_all(&mut f, row(&format!("LATE{appended}")).as_bytes())
                    .unwrap();
                appended += 1;
            }
            appended
        })
    };
    let during = env.scan().await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let appended: usize = appender.join().unwrap();
    assert!(appended > 0, "the writer appended while the file was taken");
    assert_eq!(during.waiting, names(&["pack.csv"]), "{during:?}");
    assert!(during.processed.is_empty());
    assert!(path.is_file(), "a file that changed stays in the inbox");

    // Once it stops changing it is taken whole: every row, late ones too.
    env.scan().await;
    let taken = env.scan().await;
    assert_eq!(taken.processed, names(&["pack.csv"]));
    let ids = env.incident_ids().await;
    assert_eq!(ids.len(), 20_000 + appended);
    assert!(ids.contains(&format!("LATE{}", appended - 1)));
}

#[tokio::test]
async fn a_csv_ending_in_a_row_without_a_line_end_waits_for_its_writer() {
    let mut env = Env::new().await;
    env.scan().await;
    // Cut short mid-row, what is there still reads as a valid row: INC3
    // open, where the writer was about to give its resolution.
    let cut = "id,contract,priority,opened_at,resolved_at\n\
               INC1,acme-managed-it,P1,2026-10-05T09:00:00Z,2026-10-05T10:00:00Z\n\
               INC3,acme-managed-it,P1,2026-10-05T09:00:00Z,";
    let path = env.write("pack.csv", cut);
    for _ in 0..4 {
        assert_eq!(env.scan().await.waiting, names(&["pack.csv"]));
    }
    assert_eq!(env.incident_ids().await, Vec::<String>::new());

    // Left alone for longer than a writer pauses, it is taken as it is.
    let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(120);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_modified(long_ago))
        .unwrap();
    env.scan().await;
    assert_eq!(env.scan().await.processed, names(&["pack.csv"]));
    assert_eq!(env.incident_ids().await, names(&["INC1", "INC3"]));
}

const LIMITS: &str =
    "[limits]\nmax_file_bytes = 1000\nmax_record_bytes = 200\nmax_unpacked_bytes = 50000\n";

#[tokio::test]
async fn files_and_records_over_the_limits_are_refused_with_the_limit_named() {
    let mut env = Env::with(LIMITS).await;
    env.scan().await;
    let good = "INC1,acme-managed-it,P1,2026-10-05T09:00:00Z,2026-10-05T10:00:00Z\n";
    // 1,000 bytes is the most an inbox takes here.
    let mut big = String::from("id,contract,priority,opened_at,resolved_at\n");
    while big.len() <= 1000 {
        big += good;
    }
    env.write("big.csv", &big);
    // An unclosed quote: the rest of the file would be one field.
    let quote = format!(
        "id,contract,priority,opened_at,resolved_at,title\n{}INC2,acme-managed-it,P1,2026-10-05T09:00:00Z,,\"never closed\n{}\n",
        good.trim_end().to_string() + ",\n",
        "x".repeat(400)
    );
    env.write("quote.csv", &quote);
    // A line far longer than any record, between two good ones.
    let long = format!(
        "{{\"type\":\"work_item\",\"id\":\"W1\",\"contract\":\"acme-managed-it\",\"kind\":\"problem\",\"opened_at\":\"2026-10-02T10:00:00Z\"}}\n{{\"type\":\"work_item\",\"title\":\"{}\"}}\n{{\"type\":\"work_item\",\"id\":\"W3\",\"contract\":\"acme-managed-it\",\"kind\":\"problem\",\"opened_at\":\"2026-10-02T10:00:00Z\"}}\n",
        "y".repeat(300)
    );
    env.write("long.jsonl", &long);

    env.scan().await;
    let scan = env.scan().await;
    assert_eq!(scan.kept, names(&["big.csv", "long.jsonl", "quote.csv"]));

    let errors =
        |name: &str| std::fs::read_to_string(env.path(&format!("{name}.errors.txt"))).unwrap();
    let big_errors = errors("big.csv");
    assert!(
        big_errors.contains(&format!(
            "it is {} bytes, more than the 1000 an inbox takes ([limits] max_file_bytes)",
            big.len()
        )),
        "{big_errors}"
    );
    let quote_errors = errors("quote.csv");
    assert!(
        quote_errors.contains("line 3: the row is longer than 200 bytes, the most a record may hold ([limits] max_record_bytes): an unclosed quote?"),
        "{quote_errors}"
    );
    let long_errors = errors("long.jsonl");
    assert!(
        long_errors.contains("long.jsonl line 2: the line is longer than 200 bytes"),
        "{long_errors}"
    );
    // Every good record before and after is stored; none of the big file.
    assert_eq!(env.incident_ids().await, names(&["INC1"]));
    let work: i64 = env
        .evidence()
        .await
        .work
        .iter()
        .map(|w| w.count as i64)
        .sum();
    assert_eq!(work, 2, "W1 and W3");
    // Refused once, not on every scan.
    assert_eq!(env.scan().await, ScanSummary::default());
}

#[tokio::test]
async fn a_workbook_that_unpacks_past_the_limit_is_refused_unread() {
    let mut env = Env::with("[limits]\nmax_unpacked_bytes = 50000\n").await;
    // 2,000 rows of one incident repeated: a few kilobytes zipped, far
    // more than 50,000 bytes unpacked.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, name) in ["id", "contract", "priority", "opened_at"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, *name).unwrap();
    }
    for row in 1..=2000u32 {
        sheet.write_string(row, 0, format!("INC{row}")).unwrap();
        sheet.write_string(row, 1, "acme-managed-it").unwrap();
        sheet.write_string(row, 2, "P3").unwrap();
        sheet.write_string(row, 3, "2026-10-05T09:00:00Z").unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    assert!(bytes.len() < 50_000, "zipped: {} bytes", bytes.len());
    env.write("pack.xlsx", bytes);
    env.scan().await;
    let scan = env.scan().await;
    assert_eq!(scan.kept, names(&["pack.xlsx"]));
    let errors = std::fs::read_to_string(env.path("pack.xlsx.errors.txt")).unwrap();
    assert!(
        errors.contains("the workbook unpacks to more than 50000 bytes, the most slawatch reads ([limits] max_unpacked_bytes)"),
        "{errors}"
    );
    assert_eq!(env.incident_ids().await, Vec::<String>::new());
}

#[tokio::test]
async fn a_byte_order_mark_before_json_lines_is_skipped() {
    let mut env = Env::new().await;
    env.write(
        "work.jsonl",
        "\u{feff}{\"type\":\"work_item\",\"id\":\"W1\",\"contract\":\"acme-managed-it\",\"kind\":\"problem\",\"opened_at\":\"2026-10-02T10:00:00Z\"}\n",
    );
    env.scan().await;
    let scan = env.scan().await;
    assert_eq!(scan.processed, names(&["work.jsonl"]), "{scan:?}");
    assert_eq!(env.evidence().await.work.len(), 1);
}

#[tokio::test]
async fn a_file_the_daemon_stopped_on_three_times_is_refused() {
    let mut env = Env::new().await;
    env.scan().await;
    // Three daemons began importing this content and never finished (each
    // killed mid-import, as the system kills a process out of memory).
    let hash = hex::encode(Sha256::digest(INCIDENTS.as_bytes()));
    for t in 1..=3 {
        let begun = env
            .deps
            .store
            .begin_inbox_attempt("acme-pack", &hash, NOW + t)
            .await
            .unwrap();
        assert_eq!(begun, t);
    }
    env.write("incidents.csv", INCIDENTS);
    env.scan().await;
    let scan = env.scan().await;
    assert_eq!(scan.kept, names(&["incidents.csv"]));
    assert_eq!(env.incident_ids().await, Vec::<String>::new());
    let errors = std::fs::read_to_string(env.path("incidents.csv.errors.txt")).unwrap();
    assert!(
        errors.contains("slawatch stopped 3 times while importing it"),
        "{errors}"
    );
    // Recorded: not read again, by this daemon or the next.
    assert_eq!(env.scan().await, ScanSummary::default());
    let record = env.deps.store.inbox_file("acme-pack", &hash).await.unwrap();
    assert_eq!(record.map(|r| r.rejected), Some(1));

    // An import that ended, however, clears its count.
    let other = hex::encode(Sha256::digest(b"other"));
    let store = &env.deps.store;
    store
        .begin_inbox_attempt("acme-pack", &other, NOW)
        .await
        .unwrap();
    store.end_inbox_attempt("acme-pack", &other).await.unwrap();
    assert_eq!(
        store
            .begin_inbox_attempt("acme-pack", &other, NOW)
            .await
            .unwrap(),
        1
    );
}
