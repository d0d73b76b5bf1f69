"""First-time right counts cases: one that looped or was reassigned was not right the first time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from runtime.db import session_scope
from runtime.services.metrics import compute_metrics
from runtime.store.routing_tables import WorkRoutingRow
from runtime.store.tables import CaseRow, RunEventRow, RunRow

DAY = datetime(2026, 3, 2, tzinfo=UTC)


def at(hours: float) -> datetime:
    return DAY + timedelta(hours=hours)


def case_with_run(s: Session, name: str, entered: list[str]) -> None:
    """Case ``c-<name>`` and run ``<name>``, which entered the ``entered`` nodes in order."""
    s.add(CaseRow(id=f"c-{name}", fields={}))
    s.flush()
    s.add(RunRow(id=name, workflow_id="support", version=1, case_id=f"c-{name}",
                 status="running", started_at=at(9)))  # fmt: skip
    s.flush()
    for seq, node in enumerate(entered, start=1):
        s.add(RunEventRow(run_id=name, seq=seq, at=at(9 + seq / 10), actor="s",
                          kind="node.entered", node_id=node))  # fmt: skip


def done(s: Session, run: str, attempt: int, *, first: str, last: str, moved: int = 0) -> None:
    """A completed item of step ``handle``, first routed to ``first``, completed as ``last``'s."""
    s.add(
        WorkRoutingRow(
            key=f"{run}:handle:{attempt}", run_id=run, case_id=f"c-{run}", workflow_id="support",
            step_id="handle", queue="support", created_at=at(10 + attempt),
            first_assigned_at=at(10 + attempt), first_assignee=first, assignee=last,
            assigned_at=at(10 + attempt), assignments=1 + moved, reassignments=moved,
            closed_at=at(10.5 + attempt), outcome="completed", completed_by=last,
        )
    )  # fmt: skip


def test_a_case_sent_back_or_reassigned_is_not_first_time_right(db: Engine) -> None:
    with session_scope(db) as s:
        # Right: one visit, one item, kept by Ada.
        case_with_run(s, "clean", ["start", "work", "check", "end"])
        done(s, "clean", 1, first="ada", last="ada")
        # Sent back twice: each item stayed with Ada, but the case looped.
        case_with_run(s, "rework", ["start", "work", "check", "work", "check", "work"])
        for attempt in (1, 2, 3):
            done(s, "rework", attempt, first="ada", last="ada")
        # Looped through a stage with no work item of its own: the log shows it.
        case_with_run(s, "loop", ["start", "work", "check", "fix", "check", "end"])
        done(s, "loop", 1, first="ada", last="ada")
        # Reassigned to Bob before it was done.
        case_with_run(s, "moved", ["start", "work"])
        done(s, "moved", 1, first="ada", last="bob", moved=1)
    with session_scope(db) as s:
        m = compute_metrics(s, start=DAY, end=DAY + timedelta(days=1), now=at(20))
    assert m.completed == 6
    assert m.first_time_right_cases == 4
    assert m.first_time_right == pytest.approx(1 / 4)


def test_no_completed_work_means_no_figure(db: Engine) -> None:
    with session_scope(db) as s:
        m = compute_metrics(s, start=DAY, end=DAY + timedelta(days=1), now=at(20))
    assert (m.first_time_right, m.first_time_right_cases) == (None, 0)
