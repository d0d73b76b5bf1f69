"""The shipped support case, a version 2 of it, and many runs spread over its nodes.

Version 2 renames the stage ``routing`` to ``assignment``, removes the step
``page_duty_manager`` from ``expedite`` and adds a decision ``vip`` after triage.

Runs are seeded fast: a template run is driven through the real store to each place
(every stage, with work under way, waiting for a person, waiting on a timer, paused, at
an incident), then cloned row for row under fresh run and case ids.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict
from run_clones import clone_runs
from runtime_flows import T0, install_workflow
from sqlalchemy import update
from sqlalchemy.engine import Engine

from runtime import services
from runtime.actions.base import Action, ActionContext, ActionResult
from runtime.db import session_scope
from runtime.engine.types import RunState, RunStatus, StepCompleted, StepFailed, StepStatus
from runtime.services.run_events import apply_event, lock_run
from runtime.store.routing_tables import WorkRoutingRow
from runtime.store.tables import (
    OutboxRow,
    OutboxStatus,
    RunEventRow,
    RunInputRow,
    RunRow,
    TimerRow,
    WorkItemRow,
)

WF = "support-case"
EXAMPLE = Path(__file__).resolve().parents[2] / "graphs" / "examples" / "support-case.json"
MAPPING = {"routing": "assignment"}

ANSWERS: dict[str, dict[str, Any]] = {
    "request_missing_fields": {"contact_email": "a@example.com", "product": "api"},
    "review_classification": {"category": "billing"},
    "accept_case": {"first_response": "on it"},
    "work_case": {
        "resolution_summary": "done",
        "resolution_code": "fixed",
        "customer_contacted": True,
    },
    "tier2_resolution": {"resolution_summary": "done", "resolution_code": "fixed"},
}
CASE = {
    "subject": "Cannot sign in", "priority": "normal", "created_at": "2026-01-05T09:00:00Z",
    "contact_email": "c@example.com", "product": "web_portal", "account_tier": "standard",
}  # fmt: skip


class _Any(BaseModel):
    model_config = ConfigDict(extra="allow")


class StandIn(Action):
    """Every action, answered at once with nothing to say (the executor's side of a test)."""

    name = "stand_in"
    Input = _Any
    Output = _Any

    def run(self, inputs: Any, ctx: ActionContext) -> ActionResult:
        return ActionResult(outputs={})


def stand_in(name: str) -> Action:
    """An action lookup answering every name with :class:`StandIn`."""
    return StandIn()


def version_1() -> dict[str, Any]:
    """The shipped support case."""
    return json.loads(EXAMPLE.read_text())  # type: ignore[no-any-return]


def version_2() -> dict[str, Any]:
    """Stage ``routing`` renamed ``assignment``, ``page_duty_manager`` removed, decision added."""
    doc = copy.deepcopy(version_1())
    for node in doc["nodes"]:
        if node["id"] == "routing":
            node["id"] = "assignment"
        if node["id"] == "expedite":
            node["steps"] = [s for s in node["steps"] if s["id"] != "page_duty_manager"]
    for edge in doc["edges"]:
        for end in ("source", "target"):
            if edge[end] == "routing":
                edge[end] = "assignment"
        edge["id"] = edge["id"].replace("routing", "assignment")
    for rule in doc["escalations"]:
        rule["stages"] = ["assignment" if s == "routing" else s for s in rule.get("stages", [])]
    doc["nodes"].append({
        "id": "vip", "kind": "decision", "name": "VIP?",
        "outcomes": [{"id": "enterprise", "label": "Enterprise", "condition": {
            "kind": "group", "rules": [{"kind": "rule", "field": "case.account_tier",
                                        "op": "eq", "value": "enterprise"}]}}],
        "default_outcome": {"id": "other", "label": "Other"},
    })  # fmt: skip
    doc["edges"] = [e for e in doc["edges"] if e["id"] != "triage--priority"]
    doc["edges"] += [
        {"id": "triage--vip", "kind": "next", "source": "triage", "target": "vip"},
        {"id": "vip--enterprise", "kind": "outcome", "source": "vip", "target": "expedite",
         "outcome": "enterprise"},
        {"id": "vip--other", "kind": "outcome", "source": "vip", "target": "priority",
         "outcome": "other"},
    ]  # fmt: skip
    return doc


def install_both(engine: Engine) -> None:
    """Version 1 (active while runs start) and version 2."""
    with session_scope(engine) as session:
        install_workflow(session, version_1(), version=1)
    with session_scope(engine) as session:
        install_workflow(session, version_2(), version=2)


# ---------------------------------------------------------------------------- templates

Stop = Callable[[RunState], bool]


def _at(node: str, step: str | None = None, status: StepStatus | None = None) -> Stop:
    def stop(state: RunState) -> bool:
        if state.node_id != node:
            return False
        if step is None:
            return True
        found = state.steps.get(step)
        return found is not None and found.status == status

    return stop


#: (name, case fields over CASE, where to stop, steps to finish first)
TEMPLATES: list[tuple[str, dict[str, Any], Stop, tuple[str, ...]]] = [
    ("intake, steps running", {}, _at("intake"), ()),
    ("intake, asking for fields", {"contact_email": None},
     _at("intake", "request_missing_fields", StepStatus.WAITING), ()),
    ("triage, steps running", {}, _at("triage"), ()),
    ("triage, waiting for a review", {},
     _at("triage", "review_classification", StepStatus.WAITING), ()),
    ("expedite, paging (removed step under way)", {"priority": "urgent"}, _at("expedite"), ()),
    ("expedite, paged", {"priority": "urgent"},
     _at("expedite", "page_duty_manager", StepStatus.DONE), ("page_duty_manager",)),
    ("routing, waiting to be accepted", {}, _at("routing", "accept_case", StepStatus.WAITING),
     ()),
    ("execution, being worked", {}, _at("execution", "work_case", StepStatus.WAITING), ()),
    ("escalation, with tier 2", {"customer_sentiment": "negative", "contact_count": 3,
                                 "escalated": True},
     _at("escalation", "tier2_resolution", StepStatus.WAITING), ()),
    ("resolution, reopen window", {},
     _at("resolution", "reopen_window", StepStatus.RUNNING), ()),
]  # fmt: skip

_OUTPUTS = {"classify": {"needs_review": True, "category": "billing"}}


def _step_once(engine: Engine, run_id: str, first: tuple[str, ...]) -> None:
    """Finish one open step of the run, as the executor or a person would."""
    with session_scope(engine) as s:
        case, run = lock_run(s, run_id)
        state = run.run_state
        order = sorted(state.steps.items(), key=lambda kv: kv[0] not in first)
        for sid, st in order:
            if st.status is StepStatus.WAITING and st.work_item_key:
                services.complete_work_item(s, key=st.work_item_key, data=ANSWERS[sid],
                                            actor="ada")  # fmt: skip
                return
            if st.status is StepStatus.RUNNING and sid != "reopen_window":
                key = f"{run_id}:{sid}:{st.attempt}"
                event = StepCompleted(step_id=sid, attempt=st.attempt,
                                      outputs=_OUTPUTS.get(sid, {}))  # fmt: skip
                apply_event(s, run=run, case=case, event=event, now=T0)
                s.execute(
                    update(OutboxRow).where(OutboxRow.idempotency_key == key)  # type: ignore[arg-type]
                    .values(status=str(OutboxStatus.DONE))
                )  # fmt: skip
                return
        raise AssertionError(f"nothing to finish at {state.node_id}: {state.steps}")


def _drive(engine: Engine, fields: dict[str, Any], stop: Stop, first: tuple[str, ...]) -> str:
    with session_scope(engine) as s:
        case = services.create_case(s, fields={**CASE, **fields}, actor="ada", now=T0)
        run_id = services.start_run(s, workflow_id=WF, case_id=case.id, actor="ada",
                                    version=1, now=T0).id  # fmt: skip
    for _ in range(60):
        with session_scope(engine) as s:
            state = RunState.model_validate(services.get_run(s, run_id=run_id).state)
        if stop(state):
            return run_id
        assert state.status is RunStatus.RUNNING, (state.status, state.incident)
        _step_once(engine, run_id, first)
    raise AssertionError("the template never got there")


def templates(engine: Engine) -> list[str]:
    """One run per template, plus one paused and one at an incident."""
    runs = [_drive(engine, fields, stop, first) for _, fields, stop, first in TEMPLATES]
    with session_scope(engine) as s:
        services.pause_run(s, run_id=runs[7], actor="ada", reason="customer away")
    failing = _drive(engine, {}, _at("triage"), ())
    with session_scope(engine) as s:
        case, run = lock_run(s, failing)
        st = run.run_state.steps["check_entitlement"]
        event = StepFailed(step_id="check_entitlement", attempt=st.attempt, error="down",
                           retryable=False)  # fmt: skip
        apply_event(s, run=run, case=case, event=event, now=T0 + timedelta(minutes=1))
    return [*runs, failing]


# ---------------------------------------------------------------------------- clones

_BY_RUN = (RunRow, RunInputRow, RunEventRow, WorkItemRow, WorkRoutingRow, TimerRow, OutboxRow)


def _pending_outbox(model: Any, row: dict[str, Any]) -> bool:
    """The outbox rows a clone needs: work still to do (not a publish, not done)."""
    return model is not OutboxRow or (
        row["kind"] != "publish" and row["status"] != str(OutboxStatus.DONE)
    )


def clone(engine: Engine, run_ids: list[str], copies: int) -> list[str]:
    """``copies`` clones of each run (and its case), row for row; the clones' ids."""
    return clone_runs(engine, run_ids, copies, tables=_BY_RUN, keep=_pending_outbox)


def seed(engine: Engine, runs: int) -> int:
    """Versions 1 and 2 and at least ``runs`` unfinished runs of version 1 over every stage
    (for benchmarks: 10,000 in about 15 s); how many there are."""
    install_both(engine)
    made = templates(engine)
    copies = max(0, -(-runs // len(made)) - 1)
    return len(made) + len(clone(engine, made, copies))
