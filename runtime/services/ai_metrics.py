"""How each AI step does: calls, the share handed to people, the share of handed-over
answers the person changed (the step's real accuracy), and what it cost.

Read from the call account (``ai_call``) and, for what the reviewers decided, the runs'
step outputs: a review step is an interactive step of the same stage that waits for the
AI step (``after``). An answer counts as changed when the reviewer's output differs from
the AI's for any key both have.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from graphs.model import InteractiveStep, StageNode
from runtime.errors import NotFound
from runtime.services.run_events import definition_for
from runtime.store.ai_tables import AiCallRow
from runtime.store.tables import RunRow

__all__ = ["AiStepMetrics", "ai_step_metrics", "review_step_of"]

_SENT = ("accepted", "retried", "handed_to_person", "failed", "pending")


class AiStepMetrics(BaseModel):
    """One AI step's figures over the period."""

    workflow_id: str
    step_id: str
    calls: int
    accepted: int
    retried: int
    failed: int
    handed_to_person: int
    refused_by_budget: int
    handed_share: float | None
    reviewed: int
    changed_by_person: int
    changed_share: float | None
    cost: float
    tokens_in: int
    tokens_out: int
    mean_latency_ms: float | None


def review_step_of(session: Session, workflow_id: str, version: int, step_id: str) -> str | None:
    """The interactive step that waits for AI step ``step_id`` in its stage, if any."""
    try:
        workflow = definition_for(session, workflow_id, version).workflow
    except NotFound:
        return None
    for node in workflow.nodes:
        if isinstance(node, StageNode) and any(s.id == step_id for s in node.steps):
            for step in node.steps:
                if isinstance(step, InteractiveStep) and step_id in step.after:
                    return step.id
    return None


def _changed(ai_answer: Any, decided: Any) -> bool | None:
    if not isinstance(ai_answer, dict) or not isinstance(decided, dict):
        return None
    shared = [key for key in ai_answer if key in decided]
    if not shared:
        return None
    return any(ai_answer[key] != decided[key] for key in shared)


def ai_step_metrics(
    session: Session,
    *,
    workflow_id: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[AiStepMetrics]:
    """Figures per (workflow, AI step) for the calls made in [start, end)."""
    query = select(AiCallRow).order_by(col(AiCallRow.id))
    if workflow_id is not None:
        query = query.where(AiCallRow.workflow_id == workflow_id)
    if start is not None:
        query = query.where(col(AiCallRow.at) >= start)
    if end is not None:
        query = query.where(col(AiCallRow.at) < end)
    groups: dict[tuple[str, str], list[AiCallRow]] = defaultdict(list)
    for call in session.exec(query):
        groups[(call.workflow_id, call.step_id)].append(call)
    return [_figures(session, key, calls) for key, calls in sorted(groups.items())]


def _figures(session: Session, key: tuple[str, str], calls: list[AiCallRow]) -> AiStepMetrics:
    count: dict[str, int] = defaultdict(int)
    for call in calls:
        count[call.verdict] += 1
    sent = [call for call in calls if call.verdict in _SENT]
    decisions = count["accepted"] + count["handed_to_person"]
    reviewed = changed = 0
    runs: dict[str, RunRow | None] = {}
    for call in calls:
        if call.verdict != "handed_to_person":
            continue
        run = runs.get(call.run_id) if call.run_id in runs else session.get(RunRow, call.run_id)
        runs[call.run_id] = run
        if run is None:
            continue
        review = review_step_of(session, run.workflow_id, run.version, call.step_id)
        outputs = (run.state or {}).get("step_outputs", {})
        decided = outputs.get(review) if review is not None else None
        verdict = _changed(call.answer, decided)
        if verdict is not None:
            reviewed += 1
            changed += int(verdict)
    latencies = [call.latency_ms for call in sent if call.verdict != "pending"]
    return AiStepMetrics(
        workflow_id=key[0],
        step_id=key[1],
        calls=len(sent),
        accepted=count["accepted"],
        retried=count["retried"],
        failed=count["failed"],
        handed_to_person=count["handed_to_person"],
        refused_by_budget=count["refused_budget"],
        handed_share=round(count["handed_to_person"] / decisions, 4) if decisions else None,
        reviewed=reviewed,
        changed_by_person=changed,
        changed_share=round(changed / reviewed, 4) if reviewed else None,
        cost=round(sum(call.cost for call in sent), 6),
        tokens_in=sum(call.tokens_in for call in sent),
        tokens_out=sum(call.tokens_out for call in sent),
        mean_latency_ms=round(sum(latencies) / len(latencies), 1) if latencies else None,
    )
