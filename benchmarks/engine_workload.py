"""The engine benchmark's workload: the support-case workflow, its canned background
outputs and the scenarios (cases and how their people answer) both engines run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from graphs.model import (
    BackgroundStep,
    FieldType,
    FormField,
    InteractiveStep,
    StageNode,
    Workflow,
)

# Imported by engine.py, which puts the repository on the path when run as a script.
EXAMPLE = Path(__file__).resolve().parent.parent / "graphs" / "examples" / "support-case.json"
BPMN_FILE = Path(__file__).with_name("support_case.bpmn")
EPOCH = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

#: The step whose work item decides the "resolved?" decision, and its form field:
#: ``needs_more_work`` sends the case back through rework, ``fixed`` resolves it.
REWORK_STEP = "work_case"
REWORK_FIELD = "resolution_code"

#: What each kind of background action returns in the benchmark (no network, no SMTP:
#: this measures the engines, not the outside world).
CANNED_OUTPUTS: dict[str, dict[str, Any]] = {
    "set_fields": {"updated": []},
    "notify": {
        "to": "customer@example.com",
        "subject": "Update on your case",
        "channel": "email",
        "sent": True,
        "detail": "sent",
        "missing_fields": [],
    },
    "http_request": {
        "status": 200,
        "json": {"entitled": True, "tier": "gold"},
        "text": None,
        "truncated": False,
        "elapsed_ms": 12,
    },
    "assign": {"owner": "queue:tier1", "previous_owner": None, "queue": "tier1", "agent": None},
    "wait": {},
}


def load_support_case(path: Path = EXAMPLE) -> Workflow:
    """The shipped support-case workflow."""
    return Workflow.model_validate_json(path.read_text())


_Step = TypeVar("_Step", BackgroundStep, InteractiveStep)


def steps_of_kind(workflow: Workflow, kind: type[_Step]) -> dict[str, _Step]:
    """The workflow's steps of one kind, by id."""
    return {
        step.id: step
        for node in workflow.nodes
        if isinstance(node, StageNode)
        for step in node.steps
        if isinstance(step, kind)
    }


def background_steps(workflow: Workflow) -> dict[str, BackgroundStep]:
    return steps_of_kind(workflow, BackgroundStep)


def interactive_steps(workflow: Workflow) -> dict[str, InteractiveStep]:
    return steps_of_kind(workflow, InteractiveStep)


def background_outputs(workflow: Workflow) -> dict[str, dict[str, Any]]:
    """The canned outputs of every background step of ``workflow``."""
    outputs = {}
    for step_id, step in background_steps(workflow).items():
        canned = dict(CANNED_OUTPUTS.get(step.action, {}))
        if step.action == "set_fields":
            canned["updated"] = sorted(step.inputs)
        outputs[step_id] = canned
    return outputs


def case_updates(action: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The case changes a ``set_fields``/``assign`` step makes, from its resolved inputs."""
    if action == "set_fields":
        fields = inputs.get("fields")
        return dict(fields) if isinstance(fields, dict) else dict(inputs)
    if action == "assign":
        agent, queue = inputs.get("agent"), inputs.get("queue")
        return {"owner": agent if agent else f"queue:{queue}"}
    return {}


# ---------------------------------------------------------------------------- scenario


@dataclass(frozen=True, slots=True)
class Scenario:
    """One benchmark case: its record and how its people answer."""

    number: int
    high: bool
    rework: bool
    case: dict[str, Any]

    def form_data(self, step: InteractiveStep, visit: int) -> dict[str, Any]:
        data = {field.name: _sample(field, self.number) for field in step.form}
        if step.id == REWORK_STEP:
            data[REWORK_FIELD] = "needs_more_work" if self.rework and visit == 1 else "fixed"
        return data


def _sample(field: FormField, number: int) -> Any:
    if field.type is FieldType.BOOLEAN:
        return True
    if field.type is FieldType.NUMBER:
        return 1
    if field.type is FieldType.PICKLIST:
        return field.values[0] if field.values else None
    if field.type is FieldType.DATETIME:
        return EPOCH.isoformat()
    return f"{field.name} of case {number}"


def scenarios(count: int) -> list[Scenario]:
    """``count`` cases: even numbers high priority, numbers 1 and 4 mod 8 reworked once.

    A high-priority case comes from an enterprise account, which the ``priority``
    decision sends through the ``expedite`` stage.
    """
    found: list[Scenario] = []
    for number in range(count):
        high = number % 2 == 0
        case: dict[str, Any] = {
            "subject": f"Cannot export invoices ({number})",
            "description": "The export button spins forever since this morning.",
            "priority": "high" if high else "normal",
            "product": "billing",
            "account_tier": "enterprise" if high else "standard",
            "contact_email": f"customer{number}@example.com",
            "contact_count": 1,
            "customer_sentiment": "neutral",
            "status": "new",
            "owner": None,
            "escalated": False,
            "resolution_code": None,
            "resolved": False,
            "created_at": (EPOCH + timedelta(seconds=number)).isoformat(),
        }
        found.append(Scenario(number, high, number % 8 in (1, 4), case))
    return found
