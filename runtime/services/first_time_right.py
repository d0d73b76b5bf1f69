"""First-time right: a case whose work was right the first time.

A case counts when it has a completed work item in the period. It was right the first
time when no item of it was reassigned (each stayed with the first agent routing chose
until it was done), no step was done again (an item of a later attempt), and no run of
it re-entered a node (a go-to loop, rework: the log's ``node.entered``). A case sent back
twice is not first-time right, however faithfully each of its items was handled.
"""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from runtime.store.routing_tables import WorkRoutingRow
from runtime.store.tables import RunEventRow

__all__ = ["first_time_right"]


def _attempt(key: str) -> int:
    tail = key.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 1


def _looped_runs(session: Session, run_ids: list[str]) -> set[str]:
    """The runs that entered some node more than once (a go-to loop, a rework)."""
    looped: set[str] = set()
    for chunk in range(0, len(run_ids), 500):
        looped.update(
            str(run_id)
            for run_id in session.exec(
                select(RunEventRow.run_id)
                .where(
                    col(RunEventRow.run_id).in_(run_ids[chunk : chunk + 500]),
                    col(RunEventRow.kind) == "node.entered",
                )
                .group_by(col(RunEventRow.run_id), col(RunEventRow.node_id))
                .having(func.count() > 1)
            ).all()
        )
    return looped


def first_time_right(
    session: Session, *, items: list[WorkRoutingRow], completed: list[WorkRoutingRow]
) -> tuple[int, int]:
    """``(cases right the first time, cases counted)`` among the cases of ``completed``
    (the period's completed items), judged by all the period's ``items`` and the runs' log."""
    cases = {i.case_id for i in completed}
    if not cases:
        return 0, 0
    wrong: set[str] = set()
    for item in items:
        if item.case_id not in cases:
            continue
        # Right: the first agent routing chose kept the item until it was done (whoever
        # pressed "complete": a supervisor may close an item for its holder), and it is
        # the step's first attempt. Moved, or done again, it was not right the first time.
        kept = item.first_assignee is not None and item.assignee == item.first_assignee
        if (
            item.reassignments > 0
            or _attempt(item.key) > 1
            or (item.outcome == "completed" and not kept)
        ):
            wrong.add(item.case_id)
    runs = sorted({i.run_id for i in items if i.case_id in cases and i.case_id not in wrong})
    looped = _looped_runs(session, runs)
    wrong.update(i.case_id for i in items if i.run_id in looped)
    return len(cases - wrong), len(cases)
