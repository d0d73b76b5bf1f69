"""The shipped workflows with their demo cases, run by the executor as ``baton run`` runs them.

With demo services on, the cases get past their ``http_request`` steps (Triage, Assessment,
Payment, Provisioning, Revocation) to the next work item or end; with them off, those
steps fail as they always have and the run becomes an incident.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from graphs.examples import example_names, load_example
from runtime import services
from runtime.db import session_scope
from runtime.demo.cases import DEMO_CASES
from runtime.executor import Worker
from runtime.services.workflows import install_examples
from runtime.settings import Settings

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def install(db: Engine) -> None:
    with session_scope(db) as session:
        install_examples(session=session, workflows=[load_example(n) for n in example_names()])


def worker(db: Engine, *, demo: bool) -> Worker:
    return Worker(Settings(demo_services=demo, worker_threads=2), db)


def new_case(db: Engine, fields: dict[str, Any]) -> str:
    """Create a case (its record trigger starts the run); the run's id."""
    with session_scope(db) as s:
        case = services.create_case(s, fields=fields, actor="tester", now=T0)
        (run,) = services.list_runs(s, case_id=case.id).items
        return run.id


def run_of(db: Engine, run_id: str) -> Any:
    with session_scope(db) as s:
        run = services.get_run(s, run_id=run_id)
        s.expunge(run)
        return run


def open_steps(db: Engine, run_id: str) -> list[str]:
    with session_scope(db) as s:
        return sorted(i.step_id for i in services.list_work_items(s, run_id=run_id))


def complete(db: Engine, run_id: str, step_id: str, data: dict[str, Any], at: datetime) -> None:
    with session_scope(db) as s:
        (item,) = [i for i in services.list_work_items(s, run_id=run_id) if i.step_id == step_id]
        services.complete_work_item(s, key=item.key, data=data, actor="tester", now=at)


def outputs(db: Engine, run_id: str, step_id: str) -> Any:
    return run_of(db, run_id).state["step_outputs"][step_id]["json"]


def classified(db: Engine, run_id: str) -> Any:
    """The category the AI step gave, sure enough to need no reviewer (and on the case)."""
    run = run_of(db, run_id)
    outputs = run.state["step_outputs"]["classify"]
    assert outputs["needs_review"] is False, outputs["reason"]
    with session_scope(db) as s:
        assert services.get_case(s, case_id=run.case_id).fields["category"] == outputs["category"]
    return outputs["category"]


def test_demo_support_cases_get_past_triage_to_a_work_item(db: Engine) -> None:
    install(db)
    cases = DEMO_CASES["support-case"]
    runs = {fields["subject"]: new_case(db, fields) for fields in cases}
    worker(db, demo=True).drain(now=T0)

    for fields in cases:
        run_id = runs[fields["subject"]]
        run = run_of(db, run_id)
        assert run.status == "running", (fields["subject"], run.state.get("incident"))
        if "contact_email" not in fields:
            # No e-mail yet: the case waits at Intake for someone to add it.
            assert (run.node_id, open_steps(db, run_id)) == ("intake", ["request_missing_fields"])
            continue
        assert run.state["visits"].get("triage") == 1
        assert (run.node_id, open_steps(db, run_id)) == ("routing", ["accept_case"])
        with session_scope(db) as s:
            assert services.get_case(s, case_id=run.case_id).fields["status"] == "triaged"

    vat = runs["Invoice shows the wrong VAT rate"]
    assert classified(db, vat) == "billing"
    assert outputs(db, vat, "check_entitlement")["plan"] == "enterprise"
    assert outputs(db, vat, "enrich_from_account")["account"]["name"] == "Northwind"
    assert run_of(db, vat).state["visits"].get("expedite") == 1  # high + enterprise
    export = runs["API returns 502 on bulk export"]
    assert classified(db, export) == "outage"


def test_a_support_case_given_its_missing_email_then_flows_through_triage(db: Engine) -> None:
    install(db)
    (fields,) = [f for f in DEMO_CASES["support-case"] if "contact_email" not in f]
    run_id = new_case(db, fields)
    work = worker(db, demo=True)
    work.drain(now=T0)
    complete(
        db, run_id, "request_missing_fields",
        {"contact_email": "pat@fabrikam.example", "product": "web_portal"}, T0,
    )  # fmt: skip
    work.drain(now=T0)
    assert (run_of(db, run_id).node_id, open_steps(db, run_id)) == ("routing", ["accept_case"])
    assert outputs(db, run_id, "check_entitlement")["plan"] == "standard"
    # No description: Baton's classifier reads the subject ("Portal shows last month's usage").
    assert classified(db, run_id) == "data"


def test_a_demo_claim_is_screened_then_paid(db: Engine) -> None:
    install(db)
    run_id = new_case(db, DEMO_CASES["insurance-claim"][0])
    work = worker(db, demo=True)
    work.drain(now=T0)
    assert open_steps(db, run_id) == ["verify_documents"]

    complete(db, run_id, "verify_documents", {"documents_complete": True}, T0)
    work.drain(now=T0)
    run = run_of(db, run_id)
    assert (run.status, run.node_id) == ("running", "assessment")
    assert open_steps(db, run_id) == ["adjuster_assessment"]
    assert outputs(db, run_id, "fraud_screening")["band"] == "low"
    assert outputs(db, run_id, "coverage_check")["status"] == "active"

    assessment = {"coverage_confirmed": True, "fraud_suspected": False, "assessed_amount": 2400}
    complete(db, run_id, "adjuster_assessment", assessment, T0)
    work.drain(now=T0)
    complete(db, run_id, "approve_settlement", {"approved": True, "approved_amount": 2400}, T0)
    work.drain(now=T0)
    run = run_of(db, run_id)
    assert (run.status, run.node_id) == ("completed", "paid"), run.state.get("incident")
    payout = outputs(db, run_id, "issue_payment")
    assert (payout["amount"], payout["status"]) == (2400, "scheduled")
    with session_scope(db) as s:
        assert services.get_case(s, case_id=run.case_id).fields["status"] == "paid"


def test_a_demo_access_request_is_provisioned_then_revoked(db: Engine) -> None:
    install(db)
    run_id = new_case(db, DEMO_CASES["access-request"][0])
    work = worker(db, demo=True)
    work.drain(now=T0)
    assert open_steps(db, run_id) == ["manager_approval", "owner_approval"]
    complete(db, run_id, "manager_approval", {"approved": True}, T0)
    complete(db, run_id, "owner_approval", {"approved": True}, T0)
    work.drain(now=T0)
    run = run_of(db, run_id)
    assert (run.status, run.node_id) == ("running", "active_access"), run.state.get("incident")
    assert outputs(db, run_id, "grant_access")["subject"] == "jamie.chen@example.com"
    with session_scope(db) as s:
        assert services.get_case(s, case_id=run.case_id).fields["status"] == "provisioned"
        services.update_case(
            s, case_id=run.case_id, changes={"status": "revocation_requested"},
            actor="tester", now=T0 + timedelta(days=1),
        )  # fmt: skip
    work.drain(now=T0 + timedelta(days=1))
    run = run_of(db, run_id)
    assert (run.status, run.node_id) == ("completed", "revoked"), run.state.get("incident")
    assert outputs(db, run_id, "revoke_access")["status"] == "revoked"


def test_with_demo_services_off_triage_fails_as_before(db: Engine) -> None:
    install(db)
    run_id = new_case(db, DEMO_CASES["support-case"][0])
    work = worker(db, demo=False)
    # The retry policies' back-offs are seconds to minutes: an hour lets every one run out.
    for minutes in (0, 1, 2, 5, 10, 30, 60):
        work.drain(now=T0 + timedelta(minutes=minutes))
    run = run_of(db, run_id)
    assert (run.status, run.node_id) == ("incident", "triage")
    incident = run.state["incident"]
    assert incident["step_id"] in ("check_entitlement", "enrich_from_account")
    assert ".example.internal" in incident["message"] and "failed: " in incident["message"]
    # No demo classifier either: classification went to a person, who can still do it.
    assert open_steps(db, run_id) == ["review_classification"]
