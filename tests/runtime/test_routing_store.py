"""Routing against the store: assignment with reasons, waiting and draining, pull-next,
manual reassignment, and escalation actions performed in the transition's transaction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from runtime_flows import T0
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from runtime.db import session_scope
from runtime.errors import Conflict, InvalidInput, NotFound
from runtime.services import agents as svc
from runtime.services import (
    complete_work_item,
    create_case,
    list_work_items,
    start_run,
    update_case,
)
from runtime.services.agents import AgentIn, QueueIn, SkillIn
from runtime.store.routing_tables import AssignmentRow, NoticeRow, WorkRoutingRow
from runtime.store.tables import RunEventRow


def flow(
    strategy: str = "skills_based", skills: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "id": "support",
        "name": "Support",
        "nodes": [
            {"id": "start", "kind": "start"},
            {
                "id": "work",
                "kind": "stage",
                "owner": "support",
                "steps": [
                    {
                        "id": "handle",
                        "kind": "interactive",
                        "assignment": {
                            "queue": "support",
                            "skills": skills if skills is not None else ["tech"],
                            "strategy": strategy,
                        },
                        "form": [{"name": "note"}],
                        "sla": {"target_minutes": 60, "warning_minutes": 45},
                    }
                ],
            },
            {"id": "end", "kind": "end"},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "work"},
            {"id": "e2", "source": "work", "target": "end"},
        ],
        **extra,
    }


def setup_team(session: Session, *, ada_online: bool = True, ada_items: int = 1) -> None:
    for name in ("tech", "billing"):
        svc.save_skill(session, skill=SkillIn(name=name))
    svc.save_agent(
        session,
        agent=AgentIn(
            id="ada",
            name="Ada",
            skills={"tech": 5},
            max_items=ada_items,
            availability="online" if ada_online else "offline",
        ),
        now=T0,
    )
    svc.save_agent(
        session,
        agent=AgentIn(id="bob", name="Bob", skills={"billing": 4}, availability="online"),
        now=T0,
    )
    svc.save_queue(session, queue=QueueIn(name="support", members=["ada", "bob"]), now=T0)


def new_run(session: Session, minutes: float = 0, **fields: Any) -> str:
    at = T0 + timedelta(minutes=minutes)
    case = create_case(session, fields={"subject": "s", **fields}, now=at)
    return start_run(session, workflow_id="support", case_id=case.id, actor="t", now=at).id


def item_of(session: Session, run_id: str) -> Any:
    (item,) = list_work_items(session, run_id=run_id, status=None)
    return item


def test_an_item_goes_to_the_fitting_agent_and_the_decision_says_why(
    db: Engine, install: Any
) -> None:
    install(flow())
    with session_scope(db) as s:
        setup_team(s)
        run_id = new_run(s)
    with session_scope(db) as s:
        item = item_of(s, run_id)
        assert item.assignee == "ada"
        (row,) = s.exec(select(AssignmentRow).where(AssignmentRow.work_item_key == item.key)).all()
        assert row.kind == "route" and row.agent == "ada" and row.strategy == "skills_based"
        reasons = {c["agent"]: c["passed_over"] for c in row.decision["candidates"]}
        assert reasons == {"ada": None, "bob": "lacks skill tech"}
        routing = s.get(WorkRoutingRow, item.key)
        assert routing is not None and routing.first_assigned_at == T0
        assert routing.first_assignee == "ada" and routing.workflow_id == "support"


def test_nobody_fits_so_items_wait_and_freed_capacity_takes_them_in_due_order(
    db: Engine, install: Any
) -> None:
    install(flow())
    with session_scope(db) as s:
        setup_team(s)
        first = new_run(s)
        later = new_run(s, minutes=2)
        sooner = new_run(s, minutes=1)
    with session_scope(db) as s:
        assert item_of(s, first).assignee == "ada"
        assert item_of(s, later).assignee is None and item_of(s, sooner).assignee is None
        waiting = s.exec(
            select(AssignmentRow).where(AssignmentRow.agent.is_(None))  # type: ignore[union-attr]
        ).all()
        assert all("waits in its queue" in w.reason for w in waiting)
        assert all(
            w.decision["passed_over"] == {"at_capacity": 1, "missing_skill": 1} for w in waiting
        )
    with session_scope(db) as s:
        complete_work_item(
            s, key=item_of(s, first).key, data={}, actor="ada", now=T0 + timedelta(minutes=5)
        )
    with session_scope(db) as s:
        assert item_of(s, sooner).assignee == "ada", "the item due first goes first"
        assert item_of(s, later).assignee is None
        drained = s.exec(select(AssignmentRow).where(AssignmentRow.kind == "drain")).one()
        assert drained.reason.startswith("capacity freed")


def test_an_agent_coming_online_takes_waiting_work_at_once(db: Engine, install: Any) -> None:
    install(flow())
    with session_scope(db) as s:
        setup_team(s, ada_online=False)
        run_id = new_run(s)
    with session_scope(db) as s:
        assert item_of(s, run_id).assignee is None
        agent = svc.set_availability(s, agent_id="ada", availability="online", now=T0)
        assert agent.open_items == 1 and agent.available
    with session_scope(db) as s:
        assert item_of(s, run_id).assignee == "ada"


def test_pull_next_gives_the_most_urgent_item_the_agent_fits(db: Engine, install: Any) -> None:
    install(flow(strategy="pull_next", skills=[]))
    with session_scope(db) as s:
        setup_team(s, ada_items=5)
        normal = new_run(s, priority="normal")
        urgent = new_run(s, minutes=3, priority="urgent")
    with session_scope(db) as s:
        assert item_of(s, normal).assignee is None
        inbox = svc.inbox(s, agent_id="ada", now=T0)
        assert inbox.can_pull == 2 and inbox.next_pull is not None
        assert inbox.next_pull.run_id == urgent
        taken = svc.pull_next(s, agent_id="ada", now=T0 + timedelta(minutes=4))
        assert taken.run_id == urgent and taken.assignee == "ada"
        assert taken.sla is not None and taken.sla.state == "on_track"
    with session_scope(db) as s:
        assert [i.run_id for i in svc.inbox(s, agent_id="ada", now=T0).items] == [urgent]
        svc.set_availability(s, agent_id="bob", availability="away")
        with pytest.raises(Conflict, match="away"):
            svc.pull_next(s, agent_id="bob")
    with session_scope(db) as s:
        svc.pull_next(s, agent_id="ada")
        with pytest.raises(NotFound):
            svc.pull_next(s, agent_id="ada")


def test_manual_reassignment_needs_a_reason_is_logged_and_counted(db: Engine, install: Any) -> None:
    install(flow(skills=[], strategy="round_robin"))
    with session_scope(db) as s:
        setup_team(s, ada_items=3)
        run_id = new_run(s)
    with session_scope(db) as s:
        key = item_of(s, run_id).key
        holder = item_of(s, run_id).assignee
        other = "bob" if holder == "ada" else "ada"
        with pytest.raises(InvalidInput, match="reason"):
            svc.reassign(s, key=key, agent=other, reason=" ", actor="lead")
        moved = svc.reassign(s, key=key, agent=other, reason="customer asked", actor="lead")
        assert moved.assignee == other
    with session_scope(db) as s:
        routing = s.get(WorkRoutingRow, key)
        assert routing is not None
        assert (routing.reassignments, routing.manual_reassignments) == (1, 1)
        line = s.exec(
            select(RunEventRow).where(
                RunEventRow.run_id == run_id, RunEventRow.kind == "work_item.reassigned"
            )
        ).one()
        assert line.data["reason"] == "customer asked" and line.actor == "lead"
        svc.set_availability(s, agent_id=holder, availability="offline")
        with pytest.raises(Conflict, match="offline"):
            svc.reassign(s, key=key, agent=holder, reason="back", actor="lead")


def test_an_escalation_reassigns_raises_priority_and_notifies(db: Engine, install: Any) -> None:
    escalation = {
        "id": "second_contact",
        "condition": {
            "rules": [{"kind": "rule", "field": "counter.contacts", "op": "gte", "value": 2}]
        },
        "actions": [
            {"kind": "raise_priority", "by": 2},
            {"kind": "reassign", "queue": "tier2"},
            {"kind": "notify", "to": "lead@example.com", "message": "{subject} came back"},
        ],
    }
    install(flow(skills=[], escalations=[escalation]))
    with session_scope(db) as s:
        setup_team(s)
        svc.save_agent(
            s, agent=AgentIn(id="cy", name="Cy", skills={"tech": 5}, availability="online"), now=T0
        )
        svc.save_queue(s, queue=QueueIn(name="tier2", members=["cy"]), now=T0)
        run_id = new_run(s, contact_count=1)
    with session_scope(db) as s:
        case_id = item_of(s, run_id).case_id
        update_case(
            s,
            case_id=case_id,
            changes={"contact_count": 2},
            actor="crm",
            now=T0 + timedelta(minutes=3),
        )
    with session_scope(db) as s:
        item = item_of(s, run_id)
        assert (item.queue, item.assignee) == ("tier2", "cy")
        routing = s.get(WorkRoutingRow, item.key)
        assert routing is not None and routing.priority == 2 and routing.reassignments == 1
        notice = s.exec(select(NoticeRow)).one()
        assert (notice.to, notice.message) == ("lead@example.com", "s came back")
        fired = s.exec(select(RunEventRow).where(col(RunEventRow.kind) == "escalation.fired")).one()
        assert fired.data["rule_id"] == "second_contact"
