"""The case, run and work item rows a transition locks, as plain records.

A transition reads its case and run, locked, and writes them back with statements of
its own (:mod:`runtime.store.statements`): ORM objects would cost more to load than the
rest of the read (their identity map, attribute instrumentation and events), and nothing
on this path needs the unit of work. The records carry the same attribute names as
:class:`~runtime.store.tables.CaseRow`, :class:`~runtime.store.tables.RunRow` and
:class:`~runtime.store.tables.WorkItemRow`, so code that reads rows reads these alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session

from runtime.engine.types import RunState
from runtime.store.column_types import SnapshotJson
from runtime.store.readable_json import read_json
from runtime.store.statements import CASE_COLUMNS, RUN_COLUMNS, WORK_ITEM_COLUMNS

__all__ = [
    "LockedCase",
    "LockedRun",
    "LockedWorkItem",
    "case_from",
    "run_from",
    "work_item_from",
    "written",
]


@dataclass(slots=True, eq=False)
class LockedCase:
    """A case row read under lock; the writer keeps it current as it writes."""

    id: str
    fields: dict[str, Any]
    source: str
    external_id: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str


@dataclass(slots=True, eq=False)
class LockedRun:
    """A run row read under lock, with its snapshot validated (``run_state``)."""

    id: str
    workflow_id: str
    version: int
    case_id: str
    status: str
    node_id: str | None
    node_entered_at: datetime | None
    sla_state: str | None
    sla_due_at: datetime | None
    sla_warning_at: datetime | None
    seq: int
    inputs: int
    started_at: datetime
    finished_at: datetime | None
    updated_at: datetime
    run_state: RunState

    @property
    def state(self) -> dict[str, Any]:
        """The snapshot as the ``state`` column holds it (JSON)."""
        return self.run_state.model_dump(mode="json")


@dataclass(slots=True, eq=False)
class LockedWorkItem:
    """A work item row read under lock; the writer keeps it current as it writes."""

    key: str
    run_id: str
    case_id: str
    step_id: str
    attempt: int
    title: str
    queue: str | None
    assignee: str | None
    skills: list[str]
    strategy: str | None
    form: list[dict[str, Any]]
    status: str
    due_at: datetime | None
    created_at: datetime
    completed_at: datetime | None
    completed_by: str | None
    data: dict[str, Any]
    cancel_reason: str | None


# The records list their fields in the columns' order, so a row's tuple fills them
# positionally; checked here once rather than trusted.
if tuple(LockedCase.__dataclass_fields__) != CASE_COLUMNS:
    raise AssertionError(f"LockedCase's fields are not the columns {CASE_COLUMNS}")
if tuple(LockedRun.__dataclass_fields__)[:-1] != RUN_COLUMNS:
    raise AssertionError(f"LockedRun's fields are not the columns {RUN_COLUMNS}")
if tuple(LockedWorkItem.__dataclass_fields__) != WORK_ITEM_COLUMNS:
    raise AssertionError(f"LockedWorkItem's fields are not the columns {WORK_ITEM_COLUMNS}")


def case_from(values: tuple[Any, ...]) -> LockedCase:
    """A case record from a row of :data:`~runtime.store.statements.CASE_COLUMNS`."""
    return LockedCase(*values)


def run_from(values: tuple[Any, ...], state: RunState) -> LockedRun:
    """A run record from a row of :data:`~runtime.store.statements.RUN_COLUMNS`."""
    columns: list[Any] = [*values, state]
    return LockedRun(*columns)


def work_item_from(values: tuple[Any, ...]) -> LockedWorkItem:
    """A work item record from a row of :data:`~runtime.store.statements.WORK_ITEM_COLUMNS`."""
    return LockedWorkItem(*values)


def written(session: Session, model: type[Any], key: str, values: dict[str, Any]) -> None:
    """Tell an ORM row of ``model`` that this session holds, if any, the values just written.

    A caller may have loaded the case, run or work item through the ORM earlier in the
    transaction (a sync finds its case, then updates it); that object must not go on
    showing what the row held before the statement.
    """
    if not session.identity_map:  # the hot paths load no ORM rows: nothing to tell
        return
    loaded = session.identity_map.get(identity_key(model, key))
    if loaded is not None:
        columns = model.__table__.c
        for name, value in values.items():
            if type(value) is str and isinstance(columns[name].type, SnapshotJson):
                value = read_json(value)  # written as its JSON text; the row holds data
            set_committed_value(loaded, name, value)
