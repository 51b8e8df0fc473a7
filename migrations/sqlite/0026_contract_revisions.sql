-- Each contract's revision: a number that moves whenever anything a month's
-- report of the contract rests on is written, so a report assembled earlier
-- can be served again exactly while the number has not moved (the daemon's
-- cache of month reports). The evidence tables (incidents, holds, outages,
-- work items, supplier figures and their versions) are revised by the import
-- that writes them, once per batch; the people's records, registers, issued
-- reports, rewrites and the connectors' marks below, by a trigger on every
-- row written, so no code path that writes them can forget to.
CREATE TABLE contract_revisions (
    contract TEXT    NOT NULL PRIMARY KEY,
    revision INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER recoverable_costs_revise_insert AFTER INSERT ON recoverable_costs BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER recoverable_costs_revise_update AFTER UPDATE ON recoverable_costs BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER recoverable_costs_revise_delete AFTER DELETE ON recoverable_costs BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (OLD.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER credit_notes_revise_insert AFTER INSERT ON credit_notes BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER credit_notes_revise_update AFTER UPDATE ON credit_notes BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER credit_notes_revise_delete AFTER DELETE ON credit_notes BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (OLD.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER cost_gates_revise_insert AFTER INSERT ON cost_gates BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER cost_gates_revise_update AFTER UPDATE ON cost_gates BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER cost_gates_revise_delete AFTER DELETE ON cost_gates BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (OLD.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER alert_sightings_revise_insert AFTER INSERT ON alert_sightings BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER alert_sightings_revise_update AFTER UPDATE ON alert_sightings BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER alert_sightings_revise_delete AFTER DELETE ON alert_sightings BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (OLD.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER supplier_sla_verdicts_revise_insert AFTER INSERT ON supplier_sla_verdicts BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER supplier_sla_verdicts_revise_update AFTER UPDATE ON supplier_sla_verdicts BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER supplier_sla_verdicts_revise_delete AFTER DELETE ON supplier_sla_verdicts BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (OLD.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER clock_gaps_revise_insert AFTER INSERT ON clock_gaps BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER clock_gaps_revise_update AFTER UPDATE ON clock_gaps BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER clock_gaps_revise_delete AFTER DELETE ON clock_gaps BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (OLD.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER excusals_revise_insert AFTER INSERT ON excusals BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER excusals_revise_update AFTER UPDATE ON excusals BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER excusals_revise_delete AFTER DELETE ON excusals BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (OLD.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER disputes_revise_insert AFTER INSERT ON disputes BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER disputes_revise_update AFTER UPDATE ON disputes BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER disputes_revise_delete AFTER DELETE ON disputes BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (OLD.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER audit_revise_insert AFTER INSERT ON audit BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER audit_revise_update AFTER UPDATE ON audit BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER audit_revise_delete AFTER DELETE ON audit BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (OLD.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER commitments_revise_insert AFTER INSERT ON commitments BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER commitments_revise_update AFTER UPDATE ON commitments BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER commitments_revise_delete AFTER DELETE ON commitments BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (OLD.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER commitment_events_revise_insert AFTER INSERT ON commitment_events BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER commitment_events_revise_update AFTER UPDATE ON commitment_events BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER commitment_events_revise_delete AFTER DELETE ON commitment_events BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (OLD.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER dr_tests_revise_insert AFTER INSERT ON dr_tests BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER dr_tests_revise_update AFTER UPDATE ON dr_tests BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER dr_tests_revise_delete AFTER DELETE ON dr_tests BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (OLD.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER dr_test_withdrawals_revise_insert AFTER INSERT ON dr_test_withdrawals BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER dr_test_withdrawals_revise_update AFTER UPDATE ON dr_test_withdrawals BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER dr_test_withdrawals_revise_delete AFTER DELETE ON dr_test_withdrawals BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (OLD.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER evidence_files_revise_insert AFTER INSERT ON evidence_files BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER evidence_files_revise_update AFTER UPDATE ON evidence_files BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER evidence_files_revise_delete AFTER DELETE ON evidence_files BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (OLD.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER issued_reports_revise_insert AFTER INSERT ON issued_reports BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER issued_reports_revise_update AFTER UPDATE ON issued_reports BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER issued_reports_revise_delete AFTER DELETE ON issued_reports BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (OLD.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER issued_files_revise_insert AFTER INSERT ON issued_files BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER issued_files_revise_update AFTER UPDATE ON issued_files BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER issued_files_revise_delete AFTER DELETE ON issued_files BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (OLD.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER report_drafts_revise_insert AFTER INSERT ON report_drafts BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER report_drafts_revise_update AFTER UPDATE ON report_drafts BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER report_drafts_revise_delete AFTER DELETE ON report_drafts BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (OLD.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER report_approvals_revise_insert AFTER INSERT ON report_approvals BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER report_approvals_revise_update AFTER UPDATE ON report_approvals BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER report_approvals_revise_delete AFTER DELETE ON report_approvals BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (OLD.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER evidence_rewrites_revise_insert AFTER INSERT ON evidence_rewrites BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER evidence_rewrites_revise_update AFTER UPDATE ON evidence_rewrites BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER evidence_rewrites_revise_delete AFTER DELETE ON evidence_rewrites BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (OLD.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER evidence_rewrite_months_revise_insert AFTER INSERT ON evidence_rewrite_months BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER evidence_rewrite_months_revise_update AFTER UPDATE ON evidence_rewrite_months BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER evidence_rewrite_months_revise_delete AFTER DELETE ON evidence_rewrite_months BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (OLD.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER actions_revise_insert AFTER INSERT ON actions BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER actions_revise_update AFTER UPDATE ON actions BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER actions_revise_delete AFTER DELETE ON actions BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (OLD.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER action_changes_revise_insert AFTER INSERT ON action_changes BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER action_changes_revise_update AFTER UPDATE ON action_changes BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (NEW.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER action_changes_revise_delete AFTER DELETE ON action_changes BEGIN
    INSERT INTO contract_revisions (contract, revision) VALUES (OLD.contract, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = revision + 1;
END;
