"""Runs: start one by hand, read and list them, read their log, and admin commands.

Functions are keyword-only, take the caller's session and never commit.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from runtime.engine import transition as engine_transition
from runtime.engine.lifecycle import legal_statuses
from runtime.engine.state_migrations import upgrade_event
from runtime.engine.types import (
    AdminCommand,
    AdminCommandKind,
    Event,
    RunIdentity,
    RunState,
    RunStatus,
    StepStatus,
)
from runtime.errors import CaseFieldsInvalid, InvalidCommand, InvalidInput, NotFound
from runtime.services.cases import check_case_fields
from runtime.services.run_events import (
    NOTE_KIND,
    apply_event,
    definition_for,
    lock_case,
    lock_run,
    start_run_for,
)
from runtime.store.records import LockedRun
from runtime.store.tables import RunEventRow, RunInputRow, RunRow, utcnow
from runtime.store.workflow_tables import WorkflowRow
from runtime.versions.replay import first_version, is_move, replay_move

__all__ = [
    "RunPage",
    "cancel_run",
    "get_run",
    "list_runs",
    "log_page",
    "pause_run",
    "read_log",
    "replay_run",
    "resume_run",
    "retry_step",
    "run_command",
    "skip_step",
    "start_run",
]

MAX_PAGE = 500
_EVENT: TypeAdapter[Event] = TypeAdapter(Event)


@dataclass(frozen=True, slots=True)
class RunPage:
    """One page of runs, newest first; ``next_cursor`` fetches the next (None at the end)."""

    items: list[RunRow]
    next_cursor: str | None


def start_run(
    session: Session,
    *,
    workflow_id: str,
    case_id: str,
    actor: str,
    version: int | None = None,
    now: datetime | None = None,
) -> LockedRun:
    """Start a run of a workflow for a case by hand, on its active version unless named."""
    now = now or utcnow()
    workflow = session.get(WorkflowRow, workflow_id)
    if workflow is None:
        raise NotFound("workflow", workflow_id)
    chosen = version if version is not None else workflow.active_version
    if chosen is None:
        raise InvalidCommand(f"workflow {workflow_id!r} has no active version to start")
    definition = definition_for(session, workflow_id, chosen)
    case = lock_case(session, case_id)
    # The case must fit the workflow's case schema, as a case created for it must.
    problems = check_case_fields(fields=case.fields, record=case.fields, starting=[definition])
    if problems:
        raise CaseFieldsInvalid(problems)
    return start_run_for(session, definition=definition, case=case, actor=actor, now=now)


def get_run(session: Session, *, run_id: str) -> RunRow:
    """The run; :class:`NotFound` if there is none."""
    row = session.get(RunRow, run_id)
    if row is None:
        raise NotFound("run", run_id)
    return row


def _encode_cursor(row: RunRow) -> str:
    raw = f"{row.started_at.isoformat()}|{row.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, run_id = raw.split("|", 1)
        return datetime.fromisoformat(at), run_id
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput(f"invalid cursor {cursor!r}") from exc


def keyset_page(session: Session, query: Any, *, cursor: str | None, limit: int) -> RunPage:
    """One page of ``query``'s runs, newest first, after ``cursor`` (keyset paging).

    Page 200 costs what page 1 does: the cursor is the last row's (started_at, id), so
    the database seeks in the index instead of counting past an offset.
    """
    if cursor is not None:
        at, last_id = _decode_cursor(cursor)
        query = query.where(
            or_(
                col(RunRow.started_at) < at,
                and_(col(RunRow.started_at) == at, col(RunRow.id) < last_id),
            )
        )
    query = query.order_by(col(RunRow.started_at).desc(), col(RunRow.id).desc()).limit(limit + 1)
    rows = list(session.exec(query).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return RunPage(items=rows, next_cursor=_encode_cursor(rows[-1]) if more and rows else None)


def list_runs(
    session: Session,
    *,
    workflow_id: str | None = None,
    status: str | None = None,
    node_id: str | None = None,
    case_id: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> RunPage:
    """Runs matching every given filter, newest first, a page at a time (keyset paging)."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}")
    if status is not None and status not in {s.value for s in RunStatus}:
        raise InvalidInput(
            f"unknown run status {status!r}; one of: {', '.join(s.value for s in RunStatus)}"
        )
    query = select(RunRow)
    if workflow_id is not None:
        query = query.where(RunRow.workflow_id == workflow_id)
    if status is not None:
        query = query.where(RunRow.status == status)
    if node_id is not None:
        query = query.where(RunRow.node_id == node_id)
    if case_id is not None:
        query = query.where(RunRow.case_id == case_id)
    return keyset_page(session, query, cursor=cursor, limit=limit)


def read_log(
    session: Session, *, run_id: str, after_seq: int = 0, limit: int = 1000
) -> list[RunEventRow]:
    """The run's log events with ``seq > after_seq``, in order (at most ``limit``)."""
    get_run(session, run_id=run_id)
    return log_page(session, run_id=run_id, after_seq=after_seq, limit=limit)


def log_page(session: Session, *, run_id: str, after_seq: int, limit: int) -> list[RunEventRow]:
    """Like :func:`read_log`, for a run known to exist (no check that it does)."""
    return list(
        session.exec(
            select(RunEventRow)
            .where(RunEventRow.run_id == run_id, col(RunEventRow.seq) > after_seq)
            .order_by(col(RunEventRow.seq))
            .limit(limit)
        ).all()
    )


def replay_run(session: Session, *, run_id: str) -> RunState:
    """The run's state rebuilt from its stored input events alone (an audit check).

    Equals the stored snapshot unless something wrote the snapshot behind the engine's
    back. Inputs recorded by the store itself (log-only notes such as a reassignment)
    advance the log's ``seq`` and nothing else.
    """
    run = get_run(session, run_id=run_id)
    rows = session.exec(
        select(RunInputRow).where(RunInputRow.run_id == run_id).order_by(col(RunInputRow.n))
    ).all()
    # A run moved to another version started on the version its first move left.
    version = first_version((row.event for row in rows), run.version)
    definition = definition_for(session, run.workflow_id, version)
    identity = RunIdentity(
        run_id=run.id, workflow_id=run.workflow_id, version=version, case_id=run.case_id
    )
    state: RunState | None = None
    for row in rows:
        stored = upgrade_event(row.event)  # written by an older Baton, perhaps
        if is_move(stored) and state is not None:
            target = definition_for(session, run.workflow_id, int(stored["to_version"]))
            state = replay_move(definition.compiled, target.compiled, state, stored)
            definition = target
            continue
        if stored.get("kind") == NOTE_KIND:
            if state is None:
                raise AssertionError(f"run {run_id}: a note before the run started")
            state = state.model_copy(update={"seq": state.seq + int(stored["log_lines"])})
            continue
        event = _EVENT.validate_python(stored)
        state = engine_transition(
            definition.compiled, state, event, row.at, identity=identity
        ).state
    if state is None:
        raise NotFound("run input", run_id)
    return state


def _incident_step(run: LockedRun, step_id: str | None) -> str:
    incident = run.state.get("incident") or {}
    chosen = step_id or incident.get("step_id")
    if not chosen:
        raise InvalidCommand(
            f"run {run.id} has no failed step to act on", run_id=run.id, status=run.status
        )
    step = run.state.get("steps", {}).get(chosen)
    if step is None or step.get("status") != StepStatus.FAILED:
        raise InvalidCommand(
            f"step {chosen!r} of run {run.id} has not failed", run_id=run.id, status=run.status
        )
    return str(chosen)


_STEP_COMMANDS = frozenset({AdminCommandKind.RETRY_STEP, AdminCommandKind.SKIP_STEP})


def run_command(
    session: Session,
    *,
    run_id: str,
    command: AdminCommandKind,
    actor: str,
    reason: str = "",
    step_id: str | None = None,
    now: datetime | None = None,
) -> LockedRun:
    """Apply an admin command to a run, refused unless the run's status allows it.

    A step command (retry, skip) acts on the incident's failed step unless ``step_id``
    names another failed one; the run commands (pause, resume, cancel) ignore it.
    """
    now = now or utcnow()
    case, run = lock_run(session, run_id)
    on_step = command in _STEP_COMMANDS
    if RunStatus(run.status) not in legal_statuses(command):
        what = command.replace("_", " ")
        refused = (
            f"cannot {what} in run {run_id}: it is {run.status}, not an incident"
            if on_step
            else f"cannot {what} run {run_id}: it is {run.status}"
        )
        raise InvalidCommand(refused, run_id=run_id, status=run.status)
    # The loop guard makes an incident without a failed step: only cancel applies.
    chosen = _incident_step(run, step_id) if on_step else None
    event = AdminCommand(command=command, step_id=chosen, reason=reason, actor=actor)
    apply_event(session, run=run, case=case, event=event, now=now)
    return run


# The commands by name, as callers have always called them.
pause_run = partial(run_command, command=AdminCommandKind.PAUSE)
"""Pause a running run: events are still recorded, nothing new starts until resumed."""
resume_run = partial(run_command, command=AdminCommandKind.RESUME)
"""Resume a paused run; it catches up with what happened while it was paused."""
cancel_run = partial(run_command, command=AdminCommandKind.CANCEL)
"""Cancel an unfinished run: its open work items and timers are withdrawn."""
retry_step = partial(run_command, command=AdminCommandKind.RETRY_STEP)
"""Retry the failed step of an incident (a fresh attempt); default: the incident's step."""
skip_step = partial(run_command, command=AdminCommandKind.SKIP_STEP)
"""Skip the failed step of an incident and carry on as if it were done."""
