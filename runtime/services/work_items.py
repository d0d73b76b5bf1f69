"""Work items: list, complete (with form validation) and reassign them.

Functions are keyword-only, take the caller's session and never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from graphs.dataflow import answer_case_fields
from graphs.model import FormField
from runtime.engine.types import WorkItemCompleted
from runtime.errors import Conflict, InvalidInput, NotFound
from runtime.routing import item_closed
from runtime.routing.router import record_assignment
from runtime.services.cases import apply_case_changes
from runtime.services.forms import validate_form
from runtime.services.run_events import append_note, apply_event, definition_for, lock_run
from runtime.store import statements as sql
from runtime.store.dialects import dialect_of
from runtime.store.records import (
    LockedCase,
    LockedRun,
    LockedWorkItem,
    work_item_from,
    written,
)
from runtime.store.tables import WorkItemRow, WorkItemStatus, utcnow

__all__ = [
    "complete_work_item",
    "get_work_item",
    "list_work_items",
    "reassign_work_item",
]

MAX_PAGE = 500


def get_work_item(session: Session, *, key: str) -> WorkItemRow:
    """The work item; :class:`NotFound` if there is none."""
    row = session.get(WorkItemRow, key)
    if row is None:
        raise NotFound("work item", key)
    return row


def list_work_items(
    session: Session,
    *,
    status: str | None = WorkItemStatus.OPEN,
    queue: str | None = None,
    assignee: str | None = None,
    run_id: str | None = None,
    case_id: str | None = None,
    limit: int = 100,
) -> list[WorkItemRow]:
    """Work items matching every given filter, oldest first (``status=None``: any status)."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}")
    if status is not None and status not in {s.value for s in WorkItemStatus}:
        raise InvalidInput(f"unknown work item status {status!r}")
    query = select(WorkItemRow)
    for column, value in (
        (WorkItemRow.status, status),
        (WorkItemRow.queue, queue),
        (WorkItemRow.assignee, assignee),
        (WorkItemRow.run_id, run_id),
        (WorkItemRow.case_id, case_id),
    ):
        if value is not None:
            query = query.where(col(column) == value)
    query = query.order_by(col(WorkItemRow.created_at), col(WorkItemRow.key)).limit(limit)
    return list(session.exec(query).all())


def _lock_open_item(session: Session, key: str) -> tuple[LockedCase, LockedRun, LockedWorkItem]:
    """The item's case, run and the item itself, locked in the order every writer takes
    them (case, run, item), read on the driver; the item must be open."""
    locked = dialect_of(session).lock_work_item(
        session, key, lambda run_id: lock_run(session, run_id)
    )
    if locked is None:
        raise NotFound("work item", key)
    (case, run), found = locked
    item = work_item_from(found)
    if item.status != WorkItemStatus.OPEN:
        raise Conflict(f"work item {key!r} is {item.status}, not open", current=item.status)
    return case, run, item


def _write_item(session: Session, item: LockedWorkItem, values: dict[str, Any]) -> None:
    """UPDATE the locked item; the record and an ORM row of it this session holds follow."""
    sql.write(session, sql.UPDATE_WORK_ITEM, [{"_key": item.key, **values}])
    for name, value in values.items():
        setattr(item, name, value)
    written(session, WorkItemRow, item.key, values)


def complete_work_item(
    session: Session,
    *,
    key: str,
    data: Mapping[str, Any],
    actor: str,
    now: datetime | None = None,
) -> LockedWorkItem:
    """Complete an open work item with its form data and move the run on.

    The data is checked against the step's form fields first; a bad submission raises
    :class:`~runtime.errors.FormValidationError` (field by field) before anything changes.
    Answers to form fields mapped to case fields (by default the case field of the same
    name and type) are written to the case in the same transaction, in its history with
    the actor, and the run learns the new case with the completion, so what comes next
    (a decision on ``case.resolved``) reads it.

    Returns the item as a record (the attributes of a ``WorkItemRow``).
    """
    now = now or utcnow()
    case, run, item = _lock_open_item(session, key)
    form = [FormField.model_validate(field) for field in item.form]
    if not isinstance(data, Mapping):
        raise InvalidInput("work item data must be an object of form field names to values")
    cleaned = validate_form(form, data)
    # Written before the transition, so what it does (routing a next item to the agent
    # whose room this frees) sees the item closed.
    _write_item(
        session,
        item,
        {
            "status": str(WorkItemStatus.COMPLETED),
            "completed_at": now,
            "completed_by": actor,
            "data": cleaned,
        },
    )
    workflow = definition_for(session, run.workflow_id, run.version).workflow
    changes = answer_case_fields(workflow, item.step_id, cleaned)
    new_case: dict[str, Any] | None = None
    if changes:
        # The item's run learns the case with the completion (one transition, as a
        # background step's writes do); every other run of the case gets a CaseUpdated.
        previous = apply_case_changes(
            session, case=case, changes=changes, actor=actor, now=now, skip_run_id=run.id
        )
        if previous is not None:
            new_case = dict(case.fields)
    event = WorkItemCompleted(
        step_id=item.step_id,
        attempt=item.attempt,
        work_item_key=key,
        data=cleaned,
        actor=actor,
        case=new_case,
    )
    apply_event(session, run=run, case=case, event=event, now=now)
    # The agent's freed room goes to the best waiting item at once.
    item_closed(session, key=key, outcome="completed", now=now, actor=actor, holder=item.assignee)
    return item


def reassign_work_item(
    session: Session,
    *,
    key: str,
    assignee: str | None,
    actor: str,
    reason: str = "",
    now: datetime | None = None,
) -> LockedWorkItem:
    """Give an open work item to another agent (``None``: back to its queue), logged on the run.

    Reassignment changes who holds the item, not where the run stands, so it is appended
    to the run's log directly (the engine's state is untouched but for the log's ``seq``).
    Returns the item as a record (the attributes of a ``WorkItemRow``).
    """
    now = now or utcnow()
    _case, run, item = _lock_open_item(session, key)
    if item.assignee == assignee:
        return item
    previous = item.assignee
    _write_item(session, item, {"assignee": assignee})
    append_note(
        session,
        run=run,
        now=now,
        actor=actor,
        kind="work_item.reassigned",
        step_id=item.step_id,
        data={
            "work_item_key": key,
            "from": previous,
            "to": assignee,
            "reason": reason or "reassigned",
        },
    )
    # Every manual move is recorded with its reason and counted for the metrics.
    record_assignment(
        session,
        key=key,
        queue=item.queue,
        agent=assignee,
        previous=previous,
        now=now,
        kind="manual",
        actor=actor,
        reason=reason or "reassigned",
    )
    return item
