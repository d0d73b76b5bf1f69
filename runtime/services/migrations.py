"""Moving a workflow's running cases to another version: the impact, and the move.

The move goes in batches, each run in its own transaction (locked as every writer locks
it), and is idempotent and resumable: a run already on the target version is skipped, so
a move cut off mid-way (a crash) leaves each run moved or not, and running it again
finishes the rest. One move per workflow at a time (``run_migration.running``); a move
whose process is certainly gone may be taken up again. Runs the plan cannot move stay on
their version and are listed with why.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Text, bindparam, cast, func, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from runtime.db import session_scope
from runtime.engine.state_migrations import RUN_STATE_SCHEMA_VERSION, upgrade_snapshot
from runtime.engine.types import RunState, RunStatus
from runtime.errors import InvalidInput, NotFound, VersionNotFound, WorkflowNotFound
from runtime.executor.processes import ProcessIdentity, is_gone, this_process
from runtime.services.migration_writes import write_moved
from runtime.services.run_events import ACTIVE_STATUS_VALUES, definition_for, lock_run
from runtime.store import statements as sql
from runtime.store.migration_tables import MigrationRow, MigrationStatus
from runtime.store.readable_json import read_json
from runtime.store.tables import RunRow, utcnow
from runtime.store.workflow_tables import WorkflowRow
from runtime.versions import (
    MigrationNotFound,
    MigrationRunning,
    Plan,
    decide,
    make_plan,
    migrate_state,
)
from runtime.versions.impact import MAX_LISTED, Impact, UnmappedRun, impact_of, unmapped_run

__all__ = [
    "ABANDONED",
    "BATCH",
    "Outcome",
    "get_migration",
    "is_abandoned",
    "list_migrations",
    "migration_impact",
    "move_run",
    "move_runs",
    "plan_for",
    "run_migration",
    "start_migration",
]

logger = logging.getLogger("baton.migrations")

#: runs per batch: one read of ids, then one transaction per run
BATCH = 200
#: a running move whose heartbeat is older than this is abandoned (another machine)
STALE_AFTER = timedelta(seconds=120)


def plan_for(
    session: Session,
    *,
    workflow_id: str,
    from_version: int,
    to_version: int,
    mapping: Mapping[str, str],
) -> Plan:
    """The plan of a move, from the two stored versions (404 for unknown ones)."""
    if session.get(WorkflowRow, workflow_id) is None:
        raise WorkflowNotFound(workflow_id)
    definitions = []
    for version in (from_version, to_version):
        try:
            definitions.append(definition_for(session, workflow_id, version))
        except NotFound as exc:
            raise VersionNotFound(workflow_id, version) from exc
    source, target = definitions
    return make_plan(
        workflow_id=workflow_id, from_version=from_version, to_version=to_version,
        source=source.workflow, target=target.workflow, mapping=mapping,
        calendars=target.compiled.calendars,
    )  # fmt: skip


def _state_of(text: str) -> RunState:
    """A stored snapshot: parsed and validated at once when it is in today's format."""
    try:
        state = RunState.model_validate_json(text)
    except ValidationError:
        state = None
    if state is None or state.schema_version != RUN_STATE_SCHEMA_VERSION:
        state = RunState.model_validate(upgrade_snapshot(read_json(text)))
    return state


def _open_runs(session: Session, plan: Plan, *, chunk: int = 1000) -> Iterator[RunState]:
    """The unfinished runs on the plan's source version, oldest first, read in chunks."""
    after: tuple[datetime, str] | None = None
    while True:
        query = select(RunRow.started_at, RunRow.id, cast(RunRow.state, Text)).where(*_open(plan))
        if after is not None:
            query = query.where(
                (col(RunRow.started_at) > after[0])
                | ((col(RunRow.started_at) == after[0]) & (col(RunRow.id) > after[1]))
            )
        rows = session.exec(
            query.order_by(col(RunRow.started_at), col(RunRow.id)).limit(chunk)
        ).all()
        for _, _, text in rows:
            yield _state_of(text)
        if len(rows) < chunk:
            return
        after = (rows[-1][0], rows[-1][1])


def migration_impact(
    session: Session,
    *,
    workflow_id: str,
    from_version: int,
    to_version: int,
    mapping: Mapping[str, str],
) -> Impact:
    """What moving the unfinished runs of ``from_version`` to ``to_version`` would do."""
    plan = plan_for(
        session, workflow_id=workflow_id, from_version=from_version, to_version=to_version,
        mapping=mapping,
    )  # fmt: skip
    return impact_of(plan, _open_runs(session, plan))


# ---------------------------------------------------------------------------- the job


def _identity(row: MigrationRow) -> ProcessIdentity:
    return ProcessIdentity(row.host, row.boot_id, row.pid, row.pid_started)


#: what a reader is told of a move whose process ended before the move did
ABANDONED = (
    "the process moving the runs ended before the move did; runs moved so far stay "
    "moved: start the same move again to finish it"
)


def is_abandoned(row: MigrationRow, now: datetime | None = None) -> bool:
    """Whether a move recorded as running has lost its process (a reader shows it failed)."""
    return row.status == MigrationStatus.RUNNING and _abandoned(row, now or utcnow())


def _abandoned(row: MigrationRow, now: datetime) -> bool:
    here = this_process()
    if row.host == here.host and row.pid == here.pid and row.pid_started == here.pid_started:
        return False  # this process's own move (a thread still at it)
    return is_gone(_identity(row), here) or now - row.heartbeat_at > STALE_AFTER


def _claim(row: MigrationRow, now: datetime) -> None:
    here = this_process()
    row.host, row.boot_id, row.pid, row.pid_started = (
        here.host, here.boot_id, here.pid, here.pid_started,
    )  # fmt: skip
    row.heartbeat_at = now


def start_migration(
    session: Session,
    *,
    workflow_id: str,
    from_version: int,
    to_version: int,
    mapping: Mapping[str, str],
    by: str,
    reason: str,
    now: datetime | None = None,
) -> MigrationRow:
    """Record a move (status running) for :func:`run_migration` to perform.

    Refuses a second move of the workflow while one runs (:class:`MigrationRunning`). A
    move whose process is gone is taken up again when it is the same plan (its runs moved
    so far stay moved), or else marked failed first.
    """
    now = now or utcnow()
    if not reason.strip():
        raise InvalidInput("a move needs a reason: say why the runs move")
    plan = plan_for(
        session, workflow_id=workflow_id, from_version=from_version, to_version=to_version,
        mapping=mapping,
    )  # fmt: skip
    current = session.exec(select(MigrationRow).where(MigrationRow.running == workflow_id)).first()
    if current is not None:
        if not _abandoned(current, now):
            raise MigrationRunning(workflow_id, current.id)
        same = (current.from_version, current.to_version, current.mapping) == (
            from_version, to_version, dict(plan.mapping),
        )  # fmt: skip
        if same:  # the same move, taken up again: who started it and why stay its own
            _claim(current, now)
            session.add(current)
            session.flush()
            return current
        current.status, current.running = MigrationStatus.FAILED, None
        current.error, current.finished_at = ABANDONED, now
        session.add(current)
        session.flush()
    total = session.exec(select(func.count()).select_from(RunRow).where(*_open(plan))).one()
    row = MigrationRow(
        id=uuid.uuid4().hex, workflow_id=workflow_id, from_version=from_version,
        to_version=to_version, mapping=dict(plan.mapping), status=MigrationStatus.RUNNING,
        running=workflow_id, total=total, started_by=by, reason=reason, started_at=now,
    )  # fmt: skip
    _claim(row, now)
    try:
        # Added inside the savepoint: begin_nested() flushes what is pending before it
        # opens, so a row added earlier would fail outside it and doom the transaction.
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:  # another process started one in between
        other = session.exec(select(MigrationRow.id).where(MigrationRow.running == workflow_id))
        raise MigrationRunning(workflow_id, other.first() or "another") from exc
    return row


def _open(plan: Plan) -> tuple[Any, ...]:
    """Where the runs a plan moves are: unfinished, on its workflow's source version."""
    return (
        RunRow.workflow_id == plan.workflow_id,
        RunRow.version == plan.from_version,
        col(RunRow.status).in_(ACTIVE_STATUS_VALUES),
    )


def _open_run_ids(session: Session, plan: Plan, after: str, limit: int) -> list[str]:
    query = select(RunRow.id).where(*_open(plan), col(RunRow.id) > after)
    return list(session.exec(query.order_by(col(RunRow.id)).limit(limit)).all())


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one run: moved, listed as unmapped, or skipped (moved or finished)."""

    moved: bool
    unmapped: UnmappedRun | None = None
    started_at: datetime | None = None


def move_run(
    session: Session, *, plan: Plan, run_id: str, by: str, reason: str, now: datetime
) -> Outcome:
    """Move one run in the caller's transaction, if it is still on the source version."""
    case, run = lock_run(session, run_id)
    if run.version != plan.from_version or not RunStatus(run.status).open:
        return Outcome(False)  # moved already (a move resumed), or finished meanwhile
    state = run.run_state
    decision = decide(plan, state)
    if decision.problem is not None:
        return Outcome(False, unmapped_run(state, decision), run.started_at)
    moved = migrate_state(plan, state)
    write_moved(session, plan=plan, run=run, case=case, moved=moved, by=by, reason=reason,
                now=now)  # fmt: skip
    return Outcome(True)


_migration = MigrationRow.__table__  # type: ignore[attr-defined]
#: one more run moved, counted in the run's own transaction (true across a crash)
_COUNT_MOVED = (
    update(_migration)
    .where(_migration.c.id == bindparam("_id"))
    .values(moved=_migration.c.moved + 1)
)


def run_migration(
    engine: Engine,
    *,
    migration_id: str,
    batch: int = BATCH,
    now: datetime | None = None,
) -> MigrationRow:
    """Perform a recorded move to its end: every run moved or listed; the record updated.

    Each run is its own transaction, which also counts it on the record, so the counts
    stay true across a crash. The unmapped runs are listed afresh by every pass.
    """
    with session_scope(engine) as session:
        job = get_migration(session, migration_id=migration_id)
        plan = plan_for(
            session, workflow_id=job.workflow_id, from_version=job.from_version,
            to_version=job.to_version, mapping=job.mapping,
        )  # fmt: skip
        by, reason = job.started_by, job.reason
    unmapped: list[tuple[datetime, UnmappedRun]] = []
    after = ""
    try:
        while True:
            with session_scope(engine, read_only=True) as session:
                ids = _open_run_ids(session, plan, after, batch)
            for run_id in ids:
                at = now or utcnow()
                with session_scope(engine) as session:
                    outcome = move_run(
                        session, plan=plan, run_id=run_id, by=by, reason=reason, now=at
                    )
                    if outcome.moved:
                        sql.write(session, _COUNT_MOVED, [{"_id": migration_id}])
                if outcome.unmapped is not None and outcome.started_at is not None:
                    unmapped.append((outcome.started_at, outcome.unmapped))
            if len(ids) < batch:
                break
            after = ids[-1]
            _beat(engine, migration_id, unmapped, now)
    except Exception as exc:
        _finish(engine, migration_id, unmapped, now, error=f"{type(exc).__name__}: {exc}")
        raise
    job = _finish(engine, migration_id, unmapped, now)
    logger.info(
        "migration %s: %d run(s) of %s moved from version %d to %d, %d stay",
        job.id, job.moved, job.workflow_id, job.from_version, job.to_version, job.unmapped,
    )  # fmt: skip
    return job


def move_runs(
    engine: Engine,
    *,
    workflow_id: str,
    from_version: int,
    to_version: int,
    mapping: Mapping[str, str],
    by: str,
    reason: str,
    batch: int = BATCH,
) -> MigrationRow:
    """Record a move and perform it here to its end (or take up an abandoned one)."""
    with session_scope(engine) as session:
        row = start_migration(
            session, workflow_id=workflow_id, from_version=from_version,
            to_version=to_version, mapping=mapping, by=by, reason=reason,
        )  # fmt: skip
    return run_migration(engine, migration_id=row.id, batch=batch)


def _listed(unmapped: list[tuple[datetime, UnmappedRun]]) -> list[dict[str, object]]:
    return [run.model_dump() for _, run in sorted(unmapped, key=lambda u: u[0])[:MAX_LISTED]]


def _beat(
    engine: Engine,
    migration_id: str,
    unmapped: list[tuple[datetime, UnmappedRun]],
    now: datetime | None,
) -> None:
    with session_scope(engine) as session:
        job = get_migration(session, migration_id=migration_id)
        job.heartbeat_at = now or utcnow()
        job.unmapped, job.unmapped_runs = len(unmapped), _listed(unmapped)
        session.add(job)


def _finish(
    engine: Engine,
    migration_id: str,
    unmapped: list[tuple[datetime, UnmappedRun]],
    now: datetime | None,
    *,
    error: str | None = None,
) -> MigrationRow:
    with session_scope(engine) as session:
        job = get_migration(session, migration_id=migration_id)
        at = now or utcnow()
        job.heartbeat_at = job.finished_at = at
        job.unmapped, job.unmapped_runs = len(unmapped), _listed(unmapped)
        job.total = job.moved + job.unmapped
        job.status = MigrationStatus.FAILED if error else MigrationStatus.DONE
        job.error, job.running = error, None
        session.add(job)
        return job


# ---------------------------------------------------------------------------- reading


def get_migration(session: Session, *, migration_id: str) -> MigrationRow:
    """The recorded move; :class:`MigrationNotFound` if there is none."""
    row = session.get(MigrationRow, migration_id)
    if row is None:
        raise MigrationNotFound(migration_id)
    return row


def list_migrations(session: Session, *, workflow_id: str) -> list[MigrationRow]:
    """The workflow's moves, newest first."""
    if session.get(WorkflowRow, workflow_id) is None:
        raise WorkflowNotFound(workflow_id)
    return list(
        session.exec(
            select(MigrationRow)
            .where(MigrationRow.workflow_id == workflow_id)
            .order_by(col(MigrationRow.started_at).desc(), col(MigrationRow.id).desc())
        ).all()
    )
