"""Published versions compiled once: the definition cache, per database, and its readers.

Versions are immutable, so a compiled :class:`Definition` is kept per database engine
until :func:`clear_caches` (a saved calendar changes what compiled versions carry).
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from graphs.model import TriggerEvent, Workflow
from runtime.engine.definition import CompiledWorkflow, compile_workflow
from runtime.errors import NotFound
from runtime.routing.calendars import with_calendars
from runtime.store import state_cache
from runtime.store import statements as sql
from runtime.store.workflow_tables import WorkflowVersionRow

__all__ = ["Definition", "clear_caches", "definition_for", "triggered_definitions"]


@dataclass(frozen=True, slots=True)
class Definition:
    """A published version, compiled once: versions are immutable, so this is cacheable."""

    workflow_id: str
    version: int
    workflow: Workflow
    compiled: CompiledWorkflow


_cache_lock = threading.Lock()
# Per database engine, so two databases in one process (tests) never share entries.
_cache: weakref.WeakKeyDictionary[Any, dict[tuple[str, int], Definition]] = (
    weakref.WeakKeyDictionary()
)


def clear_caches() -> None:
    """Forget every compiled definition and kept snapshot (tests that reuse a database
    after wiping it)."""
    with _cache_lock:
        _cache.clear()
    state_cache.clear()


def _bind_key(session: Session) -> Any:
    bind = session.get_bind()
    return getattr(bind, "engine", bind)


def definition_for(session: Session, workflow_id: str, version: int) -> Definition:
    """The compiled definition of one published version; :class:`NotFound` if unknown."""
    key = (workflow_id, version)
    bind = _bind_key(session)
    with _cache_lock:
        found = _cache.get(bind, {}).get(key)
    if found is not None:
        return found
    row = session.exec(
        select(WorkflowVersionRow).where(
            WorkflowVersionRow.workflow_id == workflow_id, WorkflowVersionRow.version == version
        )
    ).first()
    if row is None:
        raise NotFound("workflow version", f"{workflow_id}@{version}")
    workflow = Workflow.model_validate(row.definition)
    compiled = with_calendars(session, compile_workflow(workflow))
    definition = Definition(workflow_id, version, workflow, compiled)
    with _cache_lock:
        _cache.setdefault(bind, {})[key] = definition
    return definition


def triggered_definitions(session: Session, on: TriggerEvent) -> list[Definition]:
    """Active versions of record-triggered workflows whose trigger fires on ``on``."""
    wanted = {on, TriggerEvent.CREATE_OR_UPDATE}
    rows = sql.read_all(session, sql.RECORD_TRIGGERS, {})
    found = []
    for workflow_id, active in rows:
        definition = definition_for(session, workflow_id, int(active))
        trigger = definition.workflow.trigger
        if trigger.kind == "record" and trigger.on in wanted:
            found.append(definition)
    return found
