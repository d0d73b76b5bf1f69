"""Rework goes back to the agent who did the work.

When a run comes back to an interactive step (a go-to loop), the new attempt's item goes
first to the agent who held the previous attempt when it was completed (or, with no
holder, who completed it), while that agent is available, has the step's skills and has
room. :func:`previous_attempt` reads who that was; :func:`back_to` is the pure choice,
with the reason the assignment records either way. The step's
``assignment.prefer_previous_agent`` turns it off (the store passes it to the router).

>>> from runtime.routing.choose import AgentView, ItemView
>>> item = ItemView("r:fix:2")
>>> back_to(AgentView("ada"), item, attempt=1)[0].reason
'rework: back to ada, who completed attempt 1 of this step (available, 0% of capacity)'
>>> back_to(AgentView("ada", available=False, why_unavailable="away"), item, attempt=1)
(None, 'rework: ada, who completed attempt 1, is passed over (away); ')
"""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from runtime.routing.choose import AgentView, Candidate, Decision, ItemView, passed_over
from runtime.store import statements as sql
from runtime.store.tables import WorkItemRow, WorkItemStatus

__all__ = ["PREVIOUS_AGENT", "back_to", "previous_attempt"]

#: ``Decision.strategy`` of an item given back to the agent who did the step before.
PREVIOUS_AGENT = "previous_agent"

#: The latest completed earlier attempt of a step in a run: its holder, who pressed
#: "complete" (a supervisor may close an item for its holder) and its number.
_PREVIOUS_ATTEMPT = (
    select(WorkItemRow.assignee, WorkItemRow.completed_by, WorkItemRow.attempt)
    .where(
        col(WorkItemRow.run_id) == bindparam("_run_id"),
        col(WorkItemRow.step_id) == bindparam("_step_id"),
        col(WorkItemRow.attempt) < bindparam("_attempt"),
        col(WorkItemRow.status) == str(WorkItemStatus.COMPLETED),
    )
    .order_by(col(WorkItemRow.attempt).desc())
    .limit(1)
)


def previous_attempt(
    session: Session, *, run_id: str, step_id: str, attempt: int
) -> tuple[str, int] | None:
    """Who did the latest completed attempt before ``attempt`` of the step, and its number.

    The agent who held the item did the work; with none (taken from the queue and
    completed at once), the one who completed it. ``None``: no earlier attempt was done.
    """
    found = sql.read_first(
        session,
        _PREVIOUS_ATTEMPT,
        {"_run_id": run_id, "_step_id": step_id, "_attempt": attempt},
    )
    if found is None or not (found[0] or found[1]):
        return None
    return str(found[0] or found[1]), int(found[2])


def back_to(agent: AgentView, item: ItemView, *, attempt: int) -> tuple[Decision | None, str]:
    """The decision giving ``item`` back to ``agent`` (who did ``attempt``), or ``None``
    and why not: a prefix for the reason of the routing that chooses instead."""
    why_not = passed_over(agent, item)
    if why_not is not None:
        return (
            None,
            f"rework: {agent.id}, who completed attempt {attempt}, is passed over ({why_not}); ",
        )
    reason = (
        f"rework: back to {agent.id}, who completed attempt {attempt} of this step "
        f"(available, {agent.ratio():.0%} of capacity)"
    )
    candidate = Candidate(agent.id, None, agent.ratio())
    return Decision(agent.id, PREVIOUS_AGENT, reason, (candidate,), considered=1), ""
