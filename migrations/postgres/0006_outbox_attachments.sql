-- Files an alert carries (the issued report's PDF and XLSX): a JSON list of
-- {"filename", "content_type", "path"}, path relative to data_dir. The files
-- are referenced, not copied: an issued report is never rewritten, so the
-- message sent on any attempt carries the bytes that were issued.
ALTER TABLE outbox ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
