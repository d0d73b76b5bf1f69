"""What an agent owns: the work items assigned to them and the cases and runs behind them.

The designer's policy asks these questions before an agent reaches a resource; they are
queries, so they live here rather than in the designer.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from runtime.store.tables import RunRow, WorkItemRow

__all__ = ["is_agent", "owns_case", "owns_run", "owns_work_item"]


def _mine(agent_id: str | None, username: str) -> ColumnElement[bool]:
    # An item is the agent's while assigned to their routing agent, and stays theirs
    # once they completed it (the case they worked on remains visible to them).
    conditions = [col(WorkItemRow.completed_by) == username]
    if agent_id is not None:
        conditions.append(col(WorkItemRow.assignee) == agent_id)
    return or_(*conditions)


def owns_work_item(session: Session, *, agent_id: str | None, username: str, key: str) -> bool:
    """Whether the work item ``key`` is assigned to (or was completed by) this agent."""
    found = session.exec(
        select(WorkItemRow.key).where(WorkItemRow.key == key, _mine(agent_id, username))
    ).first()
    return found is not None


def owns_case(session: Session, *, agent_id: str | None, username: str, key: str) -> bool:
    """Whether some work item of the case with id ``key`` is this agent's."""
    found = session.exec(
        select(WorkItemRow.key).where(WorkItemRow.case_id == key, _mine(agent_id, username))
    ).first()
    return found is not None


def owns_run(session: Session, *, agent_id: str | None, username: str, key: str) -> bool:
    """Whether the case behind the run with id ``key`` is this agent's."""
    case_id = session.exec(select(RunRow.case_id).where(RunRow.id == key)).first()
    if case_id is None:
        return False
    return owns_case(session, agent_id=agent_id, username=username, key=case_id)


def is_agent(session: Session, *, agent_id: str | None, username: str, key: str) -> bool:
    """Whether ``key`` names the agent record the account works as (asks no table)."""
    return agent_id is not None and key == agent_id
