"""Cases: create and update them, with field-level history, triggers and run wake-ups.

Functions are keyword-only, take the caller's session and never commit: the caller owns
the transaction, so a refused call changes nothing.

Which workflows a case starts: the one named (``workflow_id``), only that one; without
a name, the active record-triggered workflows whose trigger matches. Case data is
checked against the case schemas of the workflows it runs or is about to start
(:mod:`graphs.case_types`: no conversions, required means present when a run starts)
before anything is written, in :func:`check_case_fields`, the one place that does it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from graphs.case_limits import record_problem
from graphs.case_types import FieldProblem, missing_required, record_type_problems
from graphs.model import CaseField, TriggerEvent
from runtime.engine.types import CaseUpdated
from runtime.errors import (
    CaseDataRefused,
    CaseFieldsInvalid,
    Conflict,
    InvalidCommand,
    InvalidInput,
    NotFound,
)
from runtime.services.run_events import (
    Definition,
    active_runs_of_case,
    apply_event,
    definition_for,
    lock_case,
    new_id,
    start_run_for,
    triggered_definitions,
)
from runtime.store import statements as sql
from runtime.store.records import LockedCase, written
from runtime.store.tables import CaseChangeRow, CaseRow, utcnow
from runtime.store.workflow_tables import WorkflowRow

__all__ = [
    "StartPlan",
    "Starting",
    "active_definition",
    "apply_case_changes",
    "check_case_fields",
    "create_case",
    "get_case",
    "list_case_changes",
    "plan_start",
    "preview_start",
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


def _schemas(definitions: Iterable[Definition]) -> dict[str, Sequence[CaseField]]:
    return {d.workflow_id: d.workflow.case_schema for d in definitions}


def check_case_fields(
    *,
    fields: Mapping[str, Any],
    record: Mapping[str, Any],
    running: Iterable[Definition] = (),
    starting: Iterable[Definition] = (),
) -> list[FieldProblem]:
    """The problems of ``fields`` (a new case, or a change making ``record``) against the
    case schemas of the workflows the case runs (``running``) and is about to start
    (``starting``): types and picklists of the given fields; required fields of a workflow
    that starts must be set in ``record``, those of a running one may not be cleared."""
    running_schemas = _schemas(running)
    starting_schemas = _schemas(starting)
    problems = record_type_problems({**running_schemas, **starting_schemas}, fields)
    problems += missing_required(starting_schemas, record)
    problems += missing_required(running_schemas, record, only=fields)
    return problems


#: A workflow's active version, without loading its row (and its draft, tens of KB of
#: JSON parsed at every case created by name), read on the driver like the rest of a
#: case's creation.
_ACTIVE_VERSION = select(WorkflowRow.active_version).where(
    WorkflowRow.id == bindparam("_workflow_id")
)


def active_definition(session: Session, workflow_id: str) -> Definition:
    """The active version of ``workflow_id``: :class:`NotFound` if there is no such
    workflow, :class:`InvalidCommand` if none of its versions is active."""
    found = sql.read_first(session, _ACTIVE_VERSION, {"_workflow_id": workflow_id})
    if found is None:
        raise NotFound("workflow", workflow_id)
    if found[0] is None:
        raise InvalidCommand(f"workflow {workflow_id!r} has no active version to start")
    return definition_for(session, workflow_id, found[0])


@dataclass(frozen=True, slots=True)
class Starting:
    """A workflow a new case would start, and why: ``named`` or by its ``trigger``."""

    definition: Definition
    why: Literal["named", "trigger"]


@dataclass(frozen=True, slots=True)
class StartPlan:
    """What creating a case would do: the runs it starts and what refuses its fields."""

    starts: list[Starting] = field(default_factory=list)
    problems: list[FieldProblem] = field(default_factory=list)


def plan_start(
    session: Session,
    *,
    fields: Mapping[str, Any],
    workflow_id: str | None = None,
    source: str = "baton",
) -> StartPlan:
    """Which workflows a case with ``fields`` would start, and its fields' problems.

    A named workflow starts alone; otherwise the active record-triggered workflows of
    ``source`` whose create trigger matches. Writes nothing: the start dialog asks
    before it creates, and :func:`create_case` acts on the same answer.
    """
    if workflow_id is not None:
        starts = [Starting(active_definition(session, workflow_id), "named")]
    else:
        starts = [
            Starting(definition, "trigger")
            for definition in triggered_definitions(session, TriggerEvent.CREATE)
            if definition.workflow.trigger.source == source
            and definition.compiled.matches_trigger(fields)
        ]
    problems = check_case_fields(
        fields=fields, record=fields, starting=[s.definition for s in starts]
    )
    return StartPlan(starts, problems)


def preview_start(
    session: Session, *, fields: Mapping[str, Any], workflow_id: str | None = None
) -> StartPlan:
    """:func:`plan_start` for fields not yet checked against the limits on case data
    (:class:`CaseDataRefused` past one), as :func:`create_case` checks them first."""
    return plan_start(session, fields=_check_fields(fields), workflow_id=workflow_id)


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
    workflow_id: str | None = None,
    now: datetime | None = None,
) -> LockedCase:
    """Create a case and start workflows for it: the one named by ``workflow_id`` only,
    or, without one, the record-triggered workflows whose trigger it matches.

    The fields are checked against the limits on case data and then against the case
    schemas of the workflows it starts (:class:`CaseFieldsInvalid` names each field and
    what it expects); a refusal writes nothing. The creation is recorded as version 1 in
    the change history (one row per field, from nothing to its value). Returns the case
    as a record (the attributes of a ``CaseRow``), as :func:`update_case` does.
    """
    now = now or utcnow()
    checked = _check_fields(fields)
    case_id = case_id or new_id()
    # The reads below are statements, which do not flush the session as ORM queries do:
    # a caller's pending changes (a case, a workflow made active) must be in the database
    # for them to see, as they were when this call flushed to insert the case.
    session.flush()
    plan = plan_start(session, fields=checked, workflow_id=workflow_id, source=source)
    if plan.problems:
        raise CaseFieldsInvalid(plan.problems)
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
    for starting in plan.starts:
        start_run_for(session, definition=starting.definition, case=case, actor=actor, now=now)
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
    The changed fields are checked against the case schemas of the workflows the case
    runs and those the change's triggers would start (:func:`check_case_fields`).
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
    apply_case_changes(session, case=case, changes=changes, actor=actor, now=now, typed=True)
    return case


def apply_case_changes(
    session: Session,
    *,
    case: CaseRow | LockedCase,
    changes: Mapping[str, Any],
    actor: str,
    now: datetime,
    skip_run_id: str | None = None,
    typed: bool = False,
) -> dict[str, Any] | None:
    """Apply ``changes`` to the locked ``case``: history, CaseUpdated to its runs, triggers.

    Returns the previous record, or ``None`` when nothing changed. ``skip_run_id`` names
    a run that learns of the change another way (the step whose action made it).
    Raises :class:`CaseDataRefused` before writing anything if the changed fields, or the
    record they make, break a limit of :mod:`graphs.case_limits`; with ``typed``, also
    :class:`CaseFieldsInvalid` if they break a case schema (:func:`check_case_fields`).
    """
    previous = dict(case.fields)
    changed = {
        name: value for name, value in changes.items() if previous.get(name, _MISSING) != value
    }
    if not changed:
        return None
    _check_fields(changed, previous)
    current = {**previous, **changed}
    runs = active_runs_of_case(session, case.id)
    running_workflows = {run.workflow_id for run in runs}
    # One run per workflow and case at a time: an update storm must not fan out runs.
    starting = [
        definition
        for definition in triggered_definitions(session, TriggerEvent.UPDATE)
        if definition.workflow.trigger.source == case.source
        and definition.workflow_id not in running_workflows
        and definition.compiled.matches_trigger(current, previous)
    ]
    if typed:
        running = {
            run.workflow_id: definition_for(session, run.workflow_id, run.version) for run in runs
        }
        problems = check_case_fields(
            fields=changed, record=current, running=running.values(), starting=starting
        )
        if problems:
            raise CaseFieldsInvalid(problems)
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
    event = CaseUpdated(case=current, previous=previous, actor=actor)
    for run in runs:
        if run.id != skip_run_id:
            apply_event(session, run=run, case=case, event=event, now=now)
    for definition in starting:
        start_run_for(session, definition=definition, case=case, actor=actor, now=now)
    return previous
