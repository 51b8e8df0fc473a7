-- Hash chains over the insert-only records, so that an alteration made past
-- slawatch (an administrator drops the insert-only triggers and edits,
-- deletes or adds rows) is detectable: `slawatch verify` recomputes them.
--
-- A chain is one chained table's rows for one contract (the tables are
-- listed in src/store/chain/registry.rs). Each row is sealed, in the
-- transaction that inserts it, by one link: the SHA-256 of the row's key and
-- content, and of the previous link of the same chain. Existing tables need
-- no new column and no UPDATE; the links only ever grow.
CREATE TABLE chain_links (
    table_name TEXT    NOT NULL, -- the chained table
    contract   TEXT    NOT NULL, -- whose chain
    seq        INTEGER NOT NULL, -- 1, 2, 3 … within the chain
    row_key    TEXT    NOT NULL, -- the row's primary key, a JSON array
    row_hash   TEXT    NOT NULL, -- SHA-256 of the row's key and content, lowercase hex
    prev_hash  TEXT    NOT NULL, -- the previous link's hash (64 zeros for the first link)
    hash       TEXT    NOT NULL, -- SHA-256 of this link, lowercase hex
    PRIMARY KEY (table_name, contract, seq)
);
-- A row is sealed once.
CREATE UNIQUE INDEX chain_links_by_row ON chain_links (table_name, row_key);

-- The head of each chain: its last link. Written in the same transaction as
-- the links; a writer locks it first, so two writers on one database take
-- turns instead of forking the chain. It only moves forward.
CREATE TABLE chain_heads (
    table_name TEXT    NOT NULL,
    contract   TEXT    NOT NULL,
    seq        INTEGER NOT NULL, -- the last link's seq (0 before the first)
    hash       TEXT    NOT NULL, -- the last link's hash
    PRIMARY KEY (table_name, contract)
);

-- Tables whose rows stored before chains existed are still to be sealed.
-- slawatch seals them (each contract's rows in key order) when it next opens
-- the store, and empties this table in the same transaction: once only, so
-- a row slipped in later is never sealed by accident.
CREATE TABLE chain_backfill (
    table_name TEXT NOT NULL PRIMARY KEY
);
INSERT INTO chain_backfill (table_name) VALUES ('audit'), ('issued_reports'), ('issued_files');

CREATE TRIGGER chain_links_are_kept_update BEFORE UPDATE ON chain_links
BEGIN SELECT RAISE(ABORT, 'chain links are recorded once and never changed'); END;
CREATE TRIGGER chain_links_are_kept_delete BEFORE DELETE ON chain_links
BEGIN SELECT RAISE(ABORT, 'chain links are recorded once and never changed'); END;
CREATE TRIGGER chain_heads_only_advance BEFORE UPDATE ON chain_heads
WHEN NEW.table_name <> OLD.table_name OR NEW.contract <> OLD.contract
  OR NEW.seq < OLD.seq OR (NEW.seq = OLD.seq AND NEW.hash <> OLD.hash)
BEGIN SELECT RAISE(ABORT, 'a chain head only moves forward'); END;
CREATE TRIGGER chain_heads_are_kept BEFORE DELETE ON chain_heads
BEGIN SELECT RAISE(ABORT, 'a chain head only moves forward'); END;

-- Issued reports were insert-only by convention (0005); now the schema
-- refuses anything else too, as it does for their files (0008).
CREATE TRIGGER issued_reports_are_kept_update BEFORE UPDATE ON issued_reports
BEGIN SELECT RAISE(ABORT, 'issued reports are recorded once and never changed'); END;
CREATE TRIGGER issued_reports_are_kept_delete BEFORE DELETE ON issued_reports
BEGIN SELECT RAISE(ABORT, 'issued reports are recorded once and never changed'); END;
