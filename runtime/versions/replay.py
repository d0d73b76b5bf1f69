"""A run's move as its stored inputs hold it, and its replay: which version applied when.

A moved run's stored inputs hold a ``run_migrated`` event where it moved (this module
writes it and reads it back). Replay starts on the version the run started on and, at
each such event, switches to the target version and applies the same pure move
(:func:`~runtime.versions.move.migrate_state`), so the rebuilt state equals the stored
one. Pure: the caller looks the versions up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from runtime.engine.definition import CompiledWorkflow
from runtime.engine.types import RunState
from runtime.versions.move import migrate_state
from runtime.versions.plan import Plan, make_plan

__all__ = ["MOVE_KIND", "first_version", "is_move", "migrated_data", "replay_move"]

#: ``kind`` of the stored input event of a run's move
MOVE_KIND = "run_migrated"


def migrated_data(plan: Plan, *, by: str, reason: str) -> dict[str, Any]:
    """The stored input event of one run's move (what :func:`replay_move` repeats it from)."""
    return {
        "kind": MOVE_KIND,
        "from_version": plan.from_version,
        "to_version": plan.to_version,
        "mapping": dict(plan.mapping),
        "by": by,
        "reason": reason,
    }


def is_move(stored: Mapping[str, Any]) -> bool:
    """Whether a stored input event is a run's move to another version."""
    return stored.get("kind") == MOVE_KIND


def first_version(events: Iterable[Mapping[str, Any]], current: int) -> int:
    """The version a run started on: the source of its first move, else ``current``.

    >>> first_version([{"kind": "case_created"}, {"kind": MOVE_KIND, "from_version": 1}], 2)
    1
    >>> first_version([{"kind": "case_created"}], 3)
    3
    """
    for event in events:
        if is_move(event):
            return int(event["from_version"])
    return current


def replay_move(
    source: CompiledWorkflow, target: CompiledWorkflow, state: RunState, stored: Mapping[str, Any]
) -> RunState:
    """``state`` after the stored move ``stored`` from ``source`` to ``target``.

    The target's calendars time the moved SLA clocks, as they did when the run moved.
    """
    plan = make_plan(
        workflow_id=state.workflow_id, from_version=int(stored["from_version"]),
        to_version=int(stored["to_version"]), source=source.workflow, target=target.workflow,
        mapping=dict(stored.get("mapping") or {}), calendars=target.calendars,
    )  # fmt: skip
    return migrate_state(plan, state).state
