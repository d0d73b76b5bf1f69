"""Cases: create and update them, with field-level history, triggers and run wake-ups.

Functions are keyword-only, take the caller's session and never commit: the caller owns
the transaction, so a refused call changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from graphs.case_limits import record_problem
from graphs.model import TriggerEvent
from runtime.engine.types import CaseUpdated
from runtime.errors import CaseDataRefused, Conflict, InvalidInput, NotFound
from runtime.services.core import (
    active_runs_of_case,
    apply_event,
    lock_case,
    new_id,
    start_run_for,
    triggered_definitions,
)
from runtime.store import statements as sql
from runtime.store.records import LockedCase, written
from runtime.store.tables import CaseChangeRow, CaseRow, utcnow

__all__ = [
    "apply_case_changes",
    "create_case",
    "get_case",
    "list_case_changes",
    "update_case",
]

_MISSING = object()


def _check_fields(
    fields: Mapping[str, Any], current: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    # Before anything is written: the store never holds what Baton cannot read back.
    problem = record_problem(fields, current)
    if problem is not None:
        raise CaseDataRefused(problem)
    return dict(fields)


def get_case(session: Session, *, case_id: str) -> CaseRow:
    """The case; :class:`NotFound` if there is none."""
    row = session.get(CaseRow, case_id)
    if row is None:
        raise NotFound("case", case_id)
    return row


def list_case_changes(session: Session, *, case_id: str) -> list[CaseChangeRow]:
    """The case's field changes, oldest first."""
    get_case(session, case_id=case_id)
    return list(
        session.exec(
            select(CaseChangeRow)
            .where(CaseChangeRow.case_id == case_id)
            .order_by(col(CaseChangeRow.seq), col(CaseChangeRow.id))
        ).all()
    )


def create_case(
    session: Session,
    *,
    fields: Mapping[str, Any],
    actor: str = "system",
    source: str = "baton",
    external_id: str | None = None,
    case_id: str | None = None,
    now: datetime | None = None,
) -> LockedCase:
    """Create a case and start the record-triggered workflows whose trigger it matches.

    The creation is recorded as version 1 in the change history (one row per field,
    from nothing to its value). Returns the case as a record (the attributes of a
    ``CaseRow``), as :func:`update_case` does.
    """
    now = now or utcnow()
    checked = _check_fields(fields)
    case_id = case_id or new_id()
    # The reads below are statements, which do not flush the session as ORM queries do:
    # a caller's pending changes (a case, a workflow made active) must be in the database
    # for them to see, as they were when this call flushed to insert the case.
    session.flush()
    if sql.read_first(session, sql.CASE_EXISTS, {"_case_id": case_id}) is not None:
        raise Conflict(f"case {case_id!r} exists already")
    if external_id is not None:
        clash = sql.read_first(
            session, sql.CASE_OF_EXTERNAL_ID, {"_source": source, "_external_id": external_id}
        )
        if clash is not None:
            raise Conflict(
                f"a case from {source!r} with external id {external_id!r} exists already",
                current=clash[0],
            )
    case = LockedCase(
        id=case_id,
        fields=checked,
        source=source,
        external_id=external_id,
        version=1,
        created_at=now,
        updated_at=now,
        created_by=actor,
        updated_by=actor,
    )
    # A statement, at once: the history and run rows written next point at the case.
    sql.write(
        session,
        sql.INSERT_CASE,
        [
            {
                "id": case.id, "fields": case.fields, "source": case.source,
                "external_id": case.external_id, "version": case.version,
                "created_at": case.created_at, "updated_at": case.updated_at,
                "created_by": case.created_by, "updated_by": case.updated_by,
            }
        ],
    )  # fmt: skip
    if checked:
        sql.write(
            session,
            sql.INSERT_CASE_CHANGES,
            [
                {
                    "case_id": case_id, "seq": 1, "at": now, "actor": actor, "field": name,
                    "old": None, "new": value,
                }
                for name, value in checked.items()
            ],
        )  # fmt: skip
    for definition in triggered_definitions(session, TriggerEvent.CREATE):
        trigger = definition.workflow.trigger
        if trigger.source == source and definition.compiled.matches_trigger(checked):
            start_run_for(session, definition=definition, case=case, actor=actor, now=now)
    return case


def update_case(
    session: Session,
    *,
    case_id: str,
    changes: Mapping[str, Any],
    actor: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> LockedCase:
    """Change some fields of a case; every active run of the case sees the change at once.

    The case row is locked for the transaction, so concurrent updates serialise and none
    is lost. ``expected_version`` (optimistic concurrency for a form that showed version
    N) refuses the update with :class:`Conflict` if the case moved on meanwhile.
    A change that changes nothing is a no-op: no version, no history, no events.
    """
    now = now or utcnow()
    if not isinstance(changes, Mapping):
        raise InvalidInput("case fields must be an object of field names to values")
    case = lock_case(session, case_id)
    if expected_version is not None and case.version != expected_version:
        raise Conflict(
            f"case {case_id!r} is at version {case.version}, not {expected_version}",
            current=case.version,
        )
    apply_case_changes(session, case=case, changes=changes, actor=actor, now=now)
    return case


def apply_case_changes(
    session: Session,
    *,
    case: CaseRow | LockedCase,
    changes: Mapping[str, Any],
    actor: str,
    now: datetime,
    skip_run_id: str | None = None,
) -> dict[str, Any] | None:
    """Apply ``changes`` to the locked ``case``: history, CaseUpdated to its runs, triggers.

    Returns the previous record, or ``None`` when nothing changed. ``skip_run_id`` names
    a run that learns of the change another way (the step whose action made it).
    Raises :class:`CaseDataRefused` before writing anything if the changed fields, or the
    record they make, break a limit of :mod:`graphs.case_limits`.
    """
    previous = dict(case.fields)
    changed = {
        name: value for name, value in changes.items() if previous.get(name, _MISSING) != value
    }
    if not changed:
        return None
    _check_fields(changed, previous)
    current = {**previous, **changed}
    values = {
        "version": case.version + 1,
        "fields": current,
        "updated_at": now,
        "updated_by": actor,
    }
    # Statements for the locked row and its history: the unit of work's bookkeeping
    # would cost more than the writes. The record (and an ORM row of the case this
    # session may hold) is told the new values.
    sql.write(session, sql.UPDATE_CASE, [{"_id": case.id, **values}])
    for name, value in values.items():
        setattr(case, name, value)
    written(session, CaseRow, case.id, values)
    sql.write(
        session,
        sql.INSERT_CASE_CHANGES,
        [
            {
                "case_id": case.id,
                "seq": case.version,
                "at": now,
                "actor": actor,
                "field": name,
                "old": previous.get(name),
                "new": value,
            }
            for name, value in changed.items()
        ],
    )
    runs = active_runs_of_case(session, case.id)
    event = CaseUpdated(case=current, previous=previous, actor=actor)
    for run in runs:
        if run.id != skip_run_id:
            apply_event(session, run=run, case=case, event=event, now=now)
    running_workflows = {run.workflow_id for run in runs}
    for definition in triggered_definitions(session, TriggerEvent.UPDATE):
        trigger = definition.workflow.trigger
        # One run per workflow and case at a time: an update storm must not fan out runs.
        if (
            trigger.source == case.source
            and definition.workflow_id not in running_workflows
            and definition.compiled.matches_trigger(current, previous)
        ):
            start_run_for(session, definition=definition, case=case, actor=actor, now=now)
    return previous
