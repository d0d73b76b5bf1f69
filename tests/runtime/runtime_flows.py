"""Small workflows and test actions shared by the runtime's store/service/executor tests."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session

from graphs.model import Workflow
from runtime.actions.base import Action, ActionContext, ActionError, ActionResult
from runtime.actions.registry import get_action
from runtime.store.workflow_tables import WorkflowRow, WorkflowVersionRow

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def install_workflow(
    session: Session, definition: dict[str, Any] | Workflow, *, version: int = 1
) -> Workflow:
    """Publish ``definition`` as ``version`` and make it the active version."""
    wf = definition if isinstance(definition, Workflow) else Workflow.model_validate(definition)
    data = wf.model_dump(mode="json")
    row = session.get(WorkflowRow, wf.id)
    if row is None:
        row = WorkflowRow(
            id=wf.id, name=wf.name, draft=data, created_at=T0, updated_at=T0, revision=1
        )
    row.active_version = version
    session.add(row)
    session.flush()
    session.add(
        WorkflowVersionRow(workflow_id=wf.id, version=version, definition=data, published_at=T0)
    )
    session.flush()
    return wf


def _rule(field: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"kind": "group", "rules": [{"kind": "rule", "field": field, "op": op, "value": value}]}


def review_flow(workflow_id: str = "review", **trigger: Any) -> dict[str, Any]:
    """start -> review (one interactive step with a form) -> approved? -> accepted | rejected."""
    return {
        "id": workflow_id,
        "name": "Review",
        "trigger": trigger or {"kind": "manual"},
        "nodes": [
            {"id": "start", "kind": "start"},
            {
                "id": "review",
                "kind": "stage",
                "steps": [
                    {
                        "id": "check",
                        "kind": "interactive",
                        "name": "Check the request",
                        "assignment": {"queue": "reviewers", "agent": "ada"},
                        "form": [
                            {"name": "approved", "type": "boolean", "required": True},
                            {"name": "tier", "type": "picklist", "values": ["gold", "silver"]},
                            {"name": "note", "type": "string"},
                            {"name": "amount", "type": "number"},
                        ],
                    }
                ],
            },
            {
                "id": "approved",
                "kind": "decision",
                "outcomes": [
                    {
                        "id": "yes",
                        "label": "Approved",
                        "condition": _rule("step.check.approved", "eq", True),
                    }
                ],
                "default_outcome": {"id": "no", "label": "Rejected"},
            },
            {"id": "accepted", "kind": "end", "resolution": "accepted"},
            {"id": "rejected", "kind": "end", "resolution": "rejected"},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "review"},
            {"id": "e2", "source": "review", "target": "approved"},
            {"id": "e3", "source": "approved", "target": "accepted", "kind": "outcome",
             "outcome": "yes"},
            {"id": "e4", "source": "approved", "target": "rejected", "kind": "outcome",
             "outcome": "no"},
        ],
    }  # fmt: skip


def gated_flow(workflow_id: str = "gated") -> dict[str, Any]:
    """A stage that waits for ``case.ready`` before its interactive step starts."""
    return {
        "id": workflow_id,
        "name": "Gated",
        "nodes": [
            {"id": "start", "kind": "start"},
            {
                "id": "work",
                "kind": "stage",
                "entry_condition": _rule("case.ready", "eq", True),
                "steps": [{"id": "do", "kind": "interactive", "assignment": {"queue": "q"}}],
            },
            {"id": "end", "kind": "end"},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "work"},
            {"id": "e2", "source": "work", "target": "end"},
        ],
    }


def background_flow(
    workflow_id: str = "auto",
    *,
    action: str = "set_fields",
    inputs: dict[str, Any] | None = None,
    max_attempts: int = 1,
    timeout_seconds: float = 5.0,
    steps: int = 1,
    trigger: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """start -> auto (``steps`` background steps in a chain) -> end."""
    chain = []
    default_inputs = {"done": {"type": "boolean", "value": True}}
    for n in range(steps):
        chain.append(
            {
                "id": f"s{n}",
                "kind": "background",
                "action": action,
                "after": [f"s{n - 1}"] if n else [],
                "inputs": inputs if inputs is not None else default_inputs,
                "retry": {"max_attempts": max_attempts, "initial_backoff_seconds": 1},
                "timeout_seconds": timeout_seconds,
            }
        )  # fmt: skip
    return {
        "id": workflow_id,
        "name": "Automatic",
        "trigger": trigger or {"kind": "manual"},
        "nodes": [
            {"id": "start", "kind": "start"},
            {"id": "auto", "kind": "stage", "steps": chain},
            {"id": "end", "kind": "end"},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "auto"},
            {"id": "e2", "source": "auto", "target": "end"},
        ],
    }


class _AnyInput(BaseModel):
    model_config = ConfigDict(extra="allow")


class _AnyOutput(BaseModel):
    model_config = ConfigDict(extra="allow")


class Flaky(Action):
    """Fails (retryably) while ``failing`` is set; counts calls per idempotency key."""

    name = "flaky"
    Input = _AnyInput
    Output = _AnyOutput

    def __init__(self) -> None:
        self.failing = True
        self.calls: dict[str, int] = {}
        self.sleep = 0.0
        self.lock = threading.Lock()

    def run(self, inputs: Any, ctx: ActionContext) -> ActionResult:
        with self.lock:
            self.calls[ctx.idempotency_key] = self.calls.get(ctx.idempotency_key, 0) + 1
        if self.sleep:
            threading.Event().wait(self.sleep)
        if self.failing:
            raise ActionError("the far side said no", retryable=True)
        return ActionResult(outputs={"ok": True}, case_updates={"flaky_done": True})


class LineLog:
    """An append-only file, one line a write, that survives a SIGKILL of its writer: the
    crash tests' outside side effects (idempotency keys, published updates) read back to
    count them."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def append(self, line: str) -> None:
        os.write(self.fd, f"{line}\n".encode())


def counted(ctx: ActionContext, counter: str) -> dict[str, int]:
    """The case update that counts one more call of a step in the case field ``counter``."""
    return {counter: int(ctx.case.get(counter, 0)) + 1}


def lookup_with(*actions: Action) -> Any:
    """An action lookup that knows ``actions`` besides the registered ones."""
    extra = {action.name: action for action in actions}

    def lookup(name: str) -> Action:
        return extra[name] if name in extra else get_action(name)

    return lookup


def together(*jobs: Callable[[], Any]) -> list[BaseException]:
    """Run ``jobs`` in threads released at the same moment; the exceptions they raised."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            job()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def tutorial_flow(agent: str | None = "ada", **form_field: Any) -> dict[str, Any]:
    """Agent Work with a form, a 'resolved?' decision and a go-to back to Agent Work.

    The work goes to the support queue (and to ``agent`` when given); ``form_field`` adds
    to the form's 'resolved' field (e.g. ``to_case=False``)."""
    assignment: dict[str, Any] = {"queue": "support"}
    if agent is not None:
        assignment["agent"] = agent
    return {
        "id": "tutorial",
        "name": "Tutorial",
        "case_schema": [
            {"name": "subject"},
            {"name": "resolved", "type": "boolean"},
            {"name": "card", "sensitive": True},
        ],
        "nodes": [
            {"id": "start", "kind": "start"},
            {"id": "agent_work", "kind": "stage", "steps": [
                {"id": "work", "kind": "interactive",
                 "assignment": assignment,
                 "form": [{"name": "resolved", "type": "boolean", **form_field},
                          {"name": "card"}, {"name": "note"}]},
            ]},
            {"id": "is_resolved", "kind": "decision",
             "outcomes": [{"id": "yes", "label": "Resolved",
                           "condition": _rule("case.resolved", "eq", True)}],
             "default_outcome": {"id": "no", "label": "Not yet"}},
            {"id": "end", "kind": "end"},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "agent_work"},
            {"id": "e2", "source": "agent_work", "target": "is_resolved"},
            {"id": "e3", "source": "is_resolved", "target": "end", "kind": "outcome",
             "outcome": "yes"},
            {"id": "back", "source": "is_resolved", "target": "agent_work", "kind": "goto",
             "outcome": "no"},
        ],
    }  # fmt: skip
