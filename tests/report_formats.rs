//! The report's binary formats need a file to write to. What they carry,
//! section by section and figure by figure, is compared with every other
//! format in `tests/claim_document.rs`.

mod common;

use common::{TestEnv, stderr, stdout};

#[test]
fn binary_formats_need_an_out_file() {
    let env = TestEnv::new();
    for format in ["pdf", "xlsx"] {
        let out = env.run(&[
            "report",
            "--contract",
            "acme-managed-it",
            "--month",
            "2026-10",
            "--format",
            format,
        ]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            stderr(&out).contains(&format!(
                "--format {format}: a binary format needs --out FILE"
            )),
            "{}",
            stderr(&out)
        );
        assert!(stdout(&out).is_empty());
    }
}
