"""The shipped workflows are all record-triggered: a case starts only the one it is for."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from graphs.examples import example_names, load_example
from runtime import services
from runtime.db import session_scope
from runtime.workflows import install_examples

CASES = {
    "support-case": {
        "subject": "Invoice shows the wrong VAT",
        "priority": "high",
        "product": "billing",
        "created_at": "2026-11-21T09:00:00Z",
    },
    "insurance-claim": {
        "claim_number": "CLM-1001",
        "policy_number": "POL-77",
        "claimant_email": "sam@example.com",
    },
    "access-request": {
        "requester_email": "kim@example.com",
        "employment_type": "employee",
        "resource": "crm",
        "access_level": "read",
    },
}


def test_each_kind_of_case_starts_only_its_own_workflow(sqlite_db: Engine) -> None:
    with session_scope(sqlite_db) as session:
        install_examples(session=session, workflows=[load_example(n) for n in example_names()])
    for workflow_id, fields in CASES.items():
        with session_scope(sqlite_db) as session:
            case = services.create_case(session, fields=fields, actor="tester")
            runs = services.list_runs(session, case_id=case.id).items
            assert [run.workflow_id for run in runs] == [workflow_id]
