-- The files of each issued report (PostgreSQL twin of
-- migrations/sqlite/0008_issued_files.sql): JSON, CSV, HTML, PDF and XLSX,
-- byte for byte as written under data_dir/reports/ when the version was
-- issued, in the same transaction as its issued_reports row. Kept in the
-- store so any daemon on it can send the emailed attachments, whichever
-- machine issued them, and the issued documents can be had from the
-- database alone. Insert-only: the trigger refuses anything else.
CREATE TABLE issued_files (
    contract     TEXT COLLATE "C" NOT NULL,
    period       TEXT COLLATE "C" NOT NULL, -- YYYY-MM
    version      BIGINT NOT NULL, -- the issued_reports version
    filename     TEXT COLLATE "C" NOT NULL, -- e.g. acme-2026-10-v1.pdf
    content_type TEXT   NOT NULL, -- its MIME type
    sha256       TEXT   NOT NULL, -- of bytes, lowercase hex
    bytes        BYTEA  NOT NULL,
    PRIMARY KEY (contract, period, version, filename)
);

CREATE TRIGGER issued_files_are_kept BEFORE UPDATE OR DELETE ON issued_files
FOR EACH ROW EXECUTE FUNCTION slawatch_refuse('issued files are recorded once and never changed');
