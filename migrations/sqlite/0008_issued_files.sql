-- The files of each issued report (JSON, CSV, HTML, PDF, XLSX), byte for
-- byte as written under data_dir/reports/ when the version was issued, in
-- the same transaction as its issued_reports row. Kept in the store so any
-- daemon on it can send the emailed attachments, whichever machine issued
-- them, and the issued documents can be had from the database alone.
-- Insert-only: the triggers refuse anything else.
CREATE TABLE issued_files (
    contract     TEXT    NOT NULL,
    period       TEXT    NOT NULL, -- YYYY-MM
    version      INTEGER NOT NULL, -- the issued_reports version
    filename     TEXT    NOT NULL, -- e.g. acme-2026-10-v1.pdf
    content_type TEXT    NOT NULL, -- its MIME type
    sha256       TEXT    NOT NULL, -- of bytes, lowercase hex
    bytes        BLOB    NOT NULL,
    PRIMARY KEY (contract, period, version, filename)
);

CREATE TRIGGER issued_files_are_kept_update BEFORE UPDATE ON issued_files
BEGIN SELECT RAISE(ABORT, 'issued files are recorded once and never changed'); END;
CREATE TRIGGER issued_files_are_kept_delete BEFORE DELETE ON issued_files
BEGIN SELECT RAISE(ABORT, 'issued files are recorded once and never changed'); END;
