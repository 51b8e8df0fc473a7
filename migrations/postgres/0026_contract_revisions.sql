-- Each contract's revision (PostgreSQL form, the twin of
-- migrations/sqlite/0026): a number that moves whenever anything a month's
-- report of the contract rests on is written, so a report assembled earlier
-- can be served again exactly while the number has not moved (the daemon's
-- cache of month reports). The evidence tables (incidents, holds, outages,
-- work items, supplier figures and their versions) are revised by the import
-- that writes them, once per batch; the people's records, registers, issued
-- reports, rewrites and the connectors' marks below, by a trigger on every
-- row written, so no code path that writes them can forget to.
CREATE TABLE contract_revisions (
    contract TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    revision BIGINT NOT NULL
);

CREATE FUNCTION slawatch_revise_contract() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    revised TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        revised := OLD.contract;
    ELSE
        revised := NEW.contract;
    END IF;
    INSERT INTO contract_revisions (contract, revision) VALUES (revised, 1)
    ON CONFLICT (contract) DO UPDATE SET revision = contract_revisions.revision + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER recoverable_costs_revise AFTER INSERT OR UPDATE OR DELETE ON recoverable_costs
FOR EACH ROW EXECUTE FUNCTION slawatch_revise_contract();
CREATE TRIGGER credit_notes_revise AFTER INSERT OR UPDATE OR DELETE ON credit_notes
FOR EACH ROW EXECUTE FUNCTION slawatch_revise_contract();
CREATE TRIGGER cost_gates_revise AFTER INSERT OR UPDATE OR DELETE ON cost_gates
FOR EACH ROW EXECUTE FUNCTION slawatch_revise_contract();
CREATE TRIGGER alert_sightings_revise AFTER INSERT OR UPDATE OR DELETE ON alert_sightings
FOR EACH ROW EXECUTE FUNCTION slawatch_revise_contract();
CREATE TRIGGER supplier_sla_verdicts_revise AFTER INSERT OR UPDATE OR DELETE ON supplier_sla_verdicts
FOR EACH ROW EXECUTE FUNCTION slawatch_revise_contract();
CREATE TRIGGER clock_gaps_revise AFTER INSERT OR UPDATE OR DELETE ON clock_gaps
FOR EACH ROW EXECUTE FUNCTION slawatch_revise_contract();
CREATE TRIGGER excusals_revise AFTER INSERT OR UPDATE OR DELETE ON excusals
FOR EACH ROW EXECUTE FUNCTION slawatch_revise_contract();
CREATE TRIGGER disputes_revise AFTER INSERT OR UPDATE OR DELETE ON disputes
FOR EACH ROW EXECUTE FUNCTION slawatch_revise_contract();
CREATE TRIGGER audit_revise AFTER INSERT OR UPDATE OR DELETE ON audit
FOR EACH ROW EXECUTE FUNCTION slawatch_revise_contract();
CREATE TRIGGER commitments_revise AFTER INSERT OR UPDATE OR DELETE ON commitments
FOR EACH ROW EXECUTE FUNCTION slawatch_revise_contract();
CREATE TRIGGER commitment_events_revise AFTER INSERT OR UPDATE OR DELETE ON commitment_events
FOR EACH ROW EXECUTE FUNCTION slawatch_revise_contract();
CREATE TRIGGER dr_tests_revise AFTER INSERT OR UPDATE OR DELETE ON dr_tests
FOR EACH ROW EXECUTE FUNCTION slawatch_revise_contract();
CREATE TRIGGER dr_test_withdrawals_revise AFTER INSERT OR UPDATE OR DELETE ON dr_test_withdrawals
FOR EACH ROW EXECUTE FUNCTION slawatch_revise_contract();
CREATE TRIGGER evidence_files_revise AFTER INSERT OR UPDATE OR DELETE ON evidence_files
FOR EACH ROW EXECUTE FUNCTION slawatch_revise_contract();
CREATE TRIGGER issued_reports_revise AFTER INSERT OR UPDATE OR DELETE ON issued_reports
FOR EACH ROW EXECUTE FUNCTION slawatch_revise_contract();
CREATE TRIGGER issued_files_revise AFTER INSERT OR UPDATE OR DELETE ON issued_files
FOR EACH ROW EXECUTE FUNCTION slawatch_revise_contract();
CREATE TRIGGER report_drafts_revise AFTER INSERT OR UPDATE OR DELETE ON report_drafts
FOR EACH ROW EXECUTE FUNCTION slawatch_revise_contract();
CREATE TRIGGER report_approvals_revise AFTER INSERT OR UPDATE OR DELETE ON report_approvals
FOR EACH ROW EXECUTE FUNCTION slawatch_revise_contract();
CREATE TRIGGER evidence_rewrites_revise AFTER INSERT OR UPDATE OR DELETE ON evidence_rewrites
FOR EACH ROW EXECUTE FUNCTION slawatch_revise_contract();
CREATE TRIGGER evidence_rewrite_months_revise AFTER INSERT OR UPDATE OR DELETE ON evidence_rewrite_months
FOR EACH ROW EXECUTE FUNCTION slawatch_revise_contract();
CREATE TRIGGER actions_revise AFTER INSERT OR UPDATE OR DELETE ON actions
FOR EACH ROW EXECUTE FUNCTION slawatch_revise_contract();
CREATE TRIGGER action_changes_revise AFTER INSERT OR UPDATE OR DELETE ON action_changes
FOR EACH ROW EXECUTE FUNCTION slawatch_revise_contract();
