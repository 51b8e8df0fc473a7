-- Third-party DR assurance: for a system a SaaS vendor or cloud provider
-- runs, the vendor's SOC 2 Type II report, ISO 22301 certificate or DR test
-- summary, recorded like a DR test (insert-only, withdrawable) with its kind
-- and the date it expires. Every earlier row is a test.
ALTER TABLE dr_tests ADD COLUMN kind TEXT NOT NULL DEFAULT 'test'
    CHECK (kind IN ('test', 'soc2', 'iso22301', 'vendor_test_report', 'other'));
ALTER TABLE dr_tests ADD COLUMN expires_on TEXT; -- YYYY-MM-DD: the last day an assurance counts
