"""The metrics page's figures against a seeded history whose answers are known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from runtime.db import session_scope
from runtime.errors import InvalidInput
from runtime.services.metrics import compute_metrics
from runtime.store.routing_tables import AgentPresenceRow, AgentRow, QueueRow, WorkRoutingRow
from runtime.store.tables import CaseRow, RunEventRow, RunRow
from runtime.store.workflow_tables import WorkflowRow, WorkflowVersionRow

DAY = datetime(2026, 2, 2, tzinfo=UTC)  # a Monday


def at(hours: float) -> datetime:
    return DAY + timedelta(hours=hours)


def _run(
    s: Session, run_id: str, started: float, finished: float | None, wf: str = "support"
) -> None:
    s.add(CaseRow(id=f"c-{run_id}", fields={}))
    s.flush()
    s.add(
        RunRow(
            id=run_id,
            workflow_id=wf,
            version=1,
            case_id=f"c-{run_id}",
            status="completed" if finished is not None else "running",
            started_at=at(started),
            finished_at=at(finished) if finished is not None else None,
        )
    )
    s.flush()
    s.add(
        RunEventRow(
            run_id=run_id, seq=1, at=at(started), actor="s", kind="node.entered", node_id="work"
        )
    )
    if finished is not None:
        s.add(
            RunEventRow(
                run_id=run_id,
                seq=2,
                at=at(finished),
                actor="s",
                kind="stage.exited",
                node_id="work",
            )
        )


def _item(s: Session, key: str, run_id: str, **kw: object) -> None:
    s.add(
        WorkRoutingRow(
            key=key,
            run_id=run_id,
            case_id=f"c-{run_id}",
            workflow_id="support",
            step_id="handle",
            queue="support",
            **kw,
        )
    )  # type: ignore[arg-type]


def seed(s: Session) -> None:
    s.add(AgentRow(id="ada", name="Ada", max_items=2, availability="online"))
    s.add(AgentRow(id="bob", name="Bob", max_items=1, availability="offline"))
    s.add(QueueRow(name="support", members=["ada", "bob"]))
    # Ada online all day; Bob online from 08:00 to 12:00.
    s.add(AgentPresenceRow(agent_id="ada", availability="online", at=DAY - timedelta(days=1)))
    s.add(AgentPresenceRow(agent_id="bob", availability="online", at=at(8)))
    s.add(AgentPresenceRow(agent_id="bob", availability="offline", at=at(12)))
    for run_id, (start, end) in {
        "r1": (9, 11),
        "r2": (9, 13),
        "r3": (10, 14),
        "r4": (10, None),
    }.items():
        _run(s, run_id, start, end)
    _run(s, "other", 9, 10, wf="claims")
    # r1: assigned after 6 minutes to ada, done by ada in time: first-time right.
    _item(
        s,
        "r1:h:1",
        "r1",
        created_at=at(9),
        first_assigned_at=at(9.1),
        first_assignee="ada",
        assignee="ada",
        assigned_at=at(9.1),
        assignments=1,
        due_at=at(10),
        closed_at=at(9.5),
        outcome="completed",
        completed_by="ada",
    )
    # r2: first bob after 30 minutes, reassigned by hand to ada, done late.
    _item(
        s,
        "r2:h:1",
        "r2",
        created_at=at(9),
        first_assigned_at=at(9.5),
        first_assignee="bob",
        assignee="ada",
        assigned_at=at(10),
        assignments=2,
        reassignments=1,
        manual_reassignments=1,
        due_at=at(10),
        closed_at=at(11),
        outcome="completed",
        completed_by="ada",
    )
    # r3: bob, done in time.
    _item(
        s,
        "r3:h:1",
        "r3",
        created_at=at(10),
        first_assigned_at=at(10),
        first_assignee="bob",
        assignee="bob",
        assigned_at=at(10),
        assignments=1,
        due_at=at(12),
        closed_at=at(11),
        outcome="completed",
        completed_by="bob",
    )
    # r4: still waiting, its SLA long gone.
    _item(s, "r4:h:1", "r4", created_at=at(10), due_at=at(11))  # type: ignore[arg-type]
    # Outside the period: ignored.
    _item(s, "old:h:1", "r1", created_at=DAY - timedelta(days=3))  # type: ignore[arg-type]


def test_the_figures_of_a_seeded_day(db: Engine) -> None:
    with session_scope(db) as s:
        seed(s)
    with session_scope(db) as s:
        m = compute_metrics(
            s, start=DAY, end=DAY + timedelta(days=1), workflow_id="support", now=at(16)
        )
    assert (m.items, m.assigned, m.completed) == (4, 3, 3)
    assert m.reassignment_rate == pytest.approx(1 / 3, abs=1e-4)
    assert m.manual_reassignments == 1
    assert m.first_time_right == pytest.approx(2 / 3, abs=1e-4)
    assert m.time_to_first_assignment_minutes.median == 6.0
    assert m.time_to_first_assignment_minutes.count == 3
    assert m.sla_attainment == pytest.approx(2 / 3, abs=1e-4)
    assert m.sla_breached_open == 1
    # Runs of the support workflow: 2, 4 and 4 hours to resolution.
    assert m.time_to_resolution_hours.median == 4.0
    assert m.time_to_resolution_hours.count == 3
    (work,) = m.time_in_stage
    assert (work.node_id, work.minutes.median) == ("work", 240.0)
    use = {u.agent: u for u in m.utilisation}
    # Ada: online 16 hours of the period (to "now"), capacity 2, held 0.4 + 1 hours.
    assert use["ada"].online_minutes == 16 * 60
    assert use["ada"].held_minutes == pytest.approx(84.0)
    assert use["ada"].utilisation == pytest.approx(84 / (2 * 960), abs=1e-4)
    assert use["bob"].online_minutes == 4 * 60 and use["bob"].held_minutes == 60
    assert use["bob"].completed == 1
    (today,) = [d for d in m.days if d.day == "2026-02-02"]
    assert (today.created, today.completed, today.sla_met, today.sla_missed) == (4, 3, 2, 1)


def test_figures_per_queue_and_a_bad_period(db: Engine) -> None:
    with session_scope(db) as s:
        seed(s)
    with session_scope(db) as s:
        m = compute_metrics(s, start=DAY, end=DAY + timedelta(days=2), queue="support", now=at(16))
        assert m.items == 4 and len(m.days) == 2
        empty = compute_metrics(s, start=DAY, end=DAY + timedelta(days=1), queue="nobody")
        assert (empty.items, empty.reassignment_rate, empty.utilisation) == (0, None, [])
        with pytest.raises(InvalidInput, match="after its start"):
            compute_metrics(s, start=DAY, end=DAY)


def test_time_in_stage_is_per_workflow_and_by_name(db: Engine) -> None:
    with session_scope(db) as s:
        seed(s)
        s.add(WorkflowRow(id="support", name="Support", draft={}, created_at=DAY, updated_at=DAY))
        s.flush()
        s.add(
            WorkflowVersionRow(
                workflow_id="support",
                version=1,
                published_at=DAY,
                definition={
                    "id": "support",
                    "name": "Support",
                    "nodes": [{"id": "work", "kind": "stage", "name": "Handle the case"}],
                },
            )
        )
    with session_scope(db) as s:
        m = compute_metrics(s, start=DAY, end=DAY + timedelta(days=1), now=at(16))
    by_workflow = {t.workflow_id: t for t in m.time_in_stage}
    # The same node id in two workflows is two stages, not one mixed figure.
    assert len(m.time_in_stage) == len(by_workflow) >= 2
    support = by_workflow["support"]
    assert (support.workflow_name, support.node_name) == ("Support", "Handle the case")
    # A workflow whose version is not on record keeps its ids rather than failing.
    other = next(t for w, t in by_workflow.items() if w != "support")
    assert (other.workflow_name, other.node_name) == (other.workflow_id, "work")
