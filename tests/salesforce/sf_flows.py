"""A Salesforce-triggered workflow for the tests, and small helpers around the store."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from graphs.model import Workflow
from runtime.db import session_scope
from runtime.store.tables import CaseRow, RunEventRow, RunRow, WorkItemRow, utcnow
from runtime.store.workflow_tables import WorkflowRow, WorkflowVersionRow

ESCALATION_QUEUE = "00G000000000042AAA"


def rule(field: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"kind": "group", "rules": [{"kind": "rule", "field": field, "op": op, "value": value}]}


def sf_flow(
    workflow_id: str = "sf_cases",
    *,
    soql_filter: str | None = "Status != 'Closed'",
    backfill: bool = False,
    on: str = "create",
) -> dict[str, Any]:
    """Cases from Salesforce: triage waits for a person unless the case turns High, in
    which case it escalates and writes the escalation queue back as the Case's owner."""
    return {
        "id": workflow_id,
        "name": "Salesforce cases",
        "case_schema": [
            {"name": "subject"},
            {"name": "priority", "type": "picklist", "values": ["Low", "Medium", "High"]},
            {"name": "status"},
            {"name": "owner"},
            {"name": "contacts", "type": "number"},
            {"name": "salesforce_id"},
        ],
        "trigger": {
            "kind": "record",
            "on": on,
            "source": "salesforce",
            "salesforce": {
                "sobject": "Case",
                "soql_filter": soql_filter,
                "backfill": backfill,
                "field_mapping": [
                    {"sf_field": "Subject", "case_field": "subject"},
                    {"sf_field": "Priority", "case_field": "priority"},
                    {"sf_field": "Status", "case_field": "status"},
                    {"sf_field": "OwnerId", "case_field": "owner"},
                    {"sf_field": "Contacts__c", "case_field": "contacts"},
                ],
            },
        },
        "nodes": [
            {"id": "start", "kind": "start", "position": {"x": 0, "y": 120}},
            {
                "id": "triage",
                "position": {"x": 180, "y": 80},
                "kind": "stage",
                "exit_condition": rule("case.priority", "eq", "High"),
                "steps": [
                    {"id": "review", "kind": "interactive", "assignment": {"queue": "tier1"}}
                ],
            },
            {
                "id": "urgent",
                "position": {"x": 500, "y": 100},
                "kind": "decision",
                "outcomes": [
                    {
                        "id": "yes",
                        "label": "Escalate",
                        "condition": rule("case.priority", "eq", "High"),
                    },
                ],
                "default_outcome": {"id": "no", "label": "Resolved"},
            },
            {
                "id": "escalation",
                "position": {"x": 760, "y": 0},
                "kind": "stage",
                "steps": [
                    {
                        "id": "route_owner",
                        "kind": "background",
                        "action": "salesforce_update",
                        "inputs": {
                            "OwnerId": {"value": ESCALATION_QUEUE},
                            "Escalation_Reason__c": {"value": "Priority raised to High"},
                        },
                        "retry": {"max_attempts": 1},
                    },
                ],
            },
            {"id": "escalated", "kind": "end", "position": {"x": 1080, "y": 40}},
            {"id": "resolved", "kind": "end", "position": {"x": 780, "y": 240}},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "triage"},
            {"id": "e2", "source": "triage", "target": "urgent"},
            {
                "id": "e3",
                "source": "urgent",
                "target": "escalation",
                "kind": "outcome",
                "outcome": "yes",
            },
            {
                "id": "e4",
                "source": "urgent",
                "target": "resolved",
                "kind": "outcome",
                "outcome": "no",
            },
            {"id": "e5", "source": "escalation", "target": "escalated"},
        ],
    }


def install(engine: Engine, definition: dict[str, Any], *, version: int = 1) -> Workflow:
    """Publish ``definition`` as ``version`` and make it active."""
    wf = Workflow.model_validate(definition)
    data = wf.model_dump(mode="json")
    now = utcnow()
    with session_scope(engine) as session:
        row = session.get(WorkflowRow, wf.id)
        if row is None:
            row = WorkflowRow(
                id=wf.id, name=wf.name, draft=data, created_at=now, updated_at=now, revision=1
            )
        row.active_version = version
        session.add(row)
        session.flush()
        session.add(
            WorkflowVersionRow(
                workflow_id=wf.id, version=version, definition=data, published_at=now
            )
        )
    return wf


def cases(engine: Engine) -> dict[str, CaseRow]:
    """Every case by its external (Salesforce) id."""
    with session_scope(engine) as session:
        return {str(c.external_id): c for c in session.exec(select(CaseRow)).all()}


def runs(engine: Engine) -> list[RunRow]:
    with session_scope(engine) as session:
        return list(session.exec(select(RunRow)).all())


def events(engine: Engine, run_id: str) -> list[RunEventRow]:
    with session_scope(engine) as session:
        return list(
            session.exec(
                select(RunEventRow).where(RunEventRow.run_id == run_id).order_by(RunEventRow.seq)
            ).all()  # type: ignore[arg-type]
        )


def work_items(engine: Engine) -> list[WorkItemRow]:
    with session_scope(engine) as session:
        return list(session.exec(select(WorkItemRow)).all())
