"""Case data typed in the runtime: updates that start runs, stored cases, the Salesforce-style
caller that creates without naming a workflow."""

from __future__ import annotations

from typing import Any

import pytest
from runtime_flows import T0, review_flow
from sqlalchemy.engine import Engine

from runtime import services
from runtime.db import session_scope
from runtime.errors import CaseDataRefused, CaseFieldsInvalid


def escalation_desk() -> dict[str, Any]:
    """Starts when a case update sets ``escalated``; needs a number of contacts."""
    flow = review_flow("escalations", kind="record", on="update", condition={
        "kind": "group",
        "rules": [{"kind": "rule", "field": "case.escalated", "op": "eq", "value": True}],
    })  # fmt: skip
    flow["case_schema"] = [
        {"name": "escalated", "type": "boolean"},
        {"name": "contact_count", "type": "number", "required": True},
    ]
    return flow


def test_an_update_is_typed_by_the_workflow_its_trigger_would_start(
    db: Engine, install: Any
) -> None:
    install(escalation_desk())
    with session_scope(db) as s:
        case_id = services.create_case(s, fields={"subject": "x"}, now=T0).id
    # The trigger fires, so the workflow's schema types the change: "3" is no number.
    with pytest.raises(CaseFieldsInvalid) as refused, session_scope(db) as s:
        changes = {"escalated": True, "contact_count": "3"}
        services.update_case(s, case_id=case_id, changes=changes, actor="t")
    assert refused.value.field == "contact_count"
    assert isinstance(refused.value, CaseDataRefused)  # the Salesforce sync counts these
    # The run would start without its required contact count.
    with pytest.raises(CaseFieldsInvalid) as missing, session_scope(db) as s:
        services.update_case(s, case_id=case_id, changes={"escalated": True}, actor="t")
    assert missing.value.to_dict()["field_errors"] == {
        "contact_count": "required by workflow 'escalations': expected a number"
    }
    with session_scope(db) as s:
        assert services.get_case(s, case_id=case_id).version == 1
        assert services.list_runs(s, case_id=case_id).items == []
        services.update_case(
            s, case_id=case_id, changes={"escalated": True, "contact_count": 3}, actor="t"
        )
    with session_scope(db) as s:
        (run,) = services.list_runs(s, case_id=case_id).items
        assert run.workflow_id == "escalations"


def test_a_case_stored_before_the_checks_keeps_running_and_takes_other_changes(
    db: Engine, install: Any
) -> None:
    flow = review_flow("typed", kind="record")
    flow["case_schema"] = [{"name": "amount", "type": "number"}, {"name": "note"}]
    install(flow)
    with session_scope(db) as s:
        case = services.create_case(s, fields={"note": "x"}, now=T0)
    with session_scope(db) as s:
        # As a case saved before typing was checked: a string where a number belongs.
        services.get_case(s, case_id=case.id).fields = {"note": "x", "amount": "12"}
    with session_scope(db) as s:
        services.update_case(s, case_id=case.id, changes={"note": "y"}, actor="t")
        assert services.get_case(s, case_id=case.id).fields == {"note": "y", "amount": "12"}
        (run,) = services.list_runs(s, case_id=case.id).items
        assert run.status == "running"
    # A change to the mistyped field itself is typed like any other.
    with pytest.raises(CaseFieldsInvalid), session_scope(db) as s:
        services.update_case(s, case_id=case.id, changes={"amount": "13"}, actor="t")
    with session_scope(db) as s:
        services.update_case(s, case_id=case.id, changes={"amount": 13}, actor="t")
        assert services.get_case(s, case_id=case.id).fields["amount"] == 13
