"""Upgrades of stored run state: snapshots and input events, one named function per version.

A run is stored twice over: its state snapshot (``run.state``) and the input events
that rebuild it by replay (``run_input.event``). Both are plain JSON written in the
format of the code that wrote them, so loading upgrades them first, step by step up
to :data:`RUN_STATE_SCHEMA_VERSION`, as :mod:`graphs.migrations` does for workflow
documents and SpiffWorkflow's serializer migrations do for its workflows. Upgrades
work on plain dicts, never on the models: the models only know today's format.

One version number covers both, because a snapshot holds events too (those deferred
while the run was paused or at an incident).

Version history
---------------
1
    Snapshots carry ``schema_version``; stored input events carry no version.
2
    Stored input events carry the format they were written in as ``schema_version``
    (:func:`stamp_event`), so a later change of an event's shape can upgrade the events
    stored before it. Snapshots and event shapes are otherwise those of version 1.

>>> old = {"schema_version": 1, "run_id": "r", "deferred": [
...     {"event": {"kind": "case_updated", "case": {}}, "at": "2026-01-01T00:00:00Z", "seq": 3}]}
>>> upgrade_snapshot(old)["schema_version"], old["schema_version"]
(2, 1)
>>> upgrade_event({"kind": "timer_fired", "key": "k"})
{'kind': 'timer_fired', 'key': 'k'}
>>> stamp_event({"kind": "timer_fired", "key": "k"})
{'kind': 'timer_fired', 'key': 'k', 'schema_version': 2}
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from runtime.engine.errors import UnsupportedRunStateVersion

__all__ = [
    "EVENT_MIGRATIONS",
    "OLDEST_RUN_STATE_VERSION",
    "RUN_STATE_SCHEMA_VERSION",
    "SNAPSHOT_MIGRATIONS",
    "stamp_event",
    "upgrade_event",
    "upgrade_snapshot",
]

RUN_STATE_SCHEMA_VERSION = 2
"""The format of run snapshots and stored input events this code writes."""

OLDEST_RUN_STATE_VERSION = 1
"""The oldest stored format that can still be loaded."""

_VERSION = "schema_version"
_UNSTAMPED_EVENT_VERSION = 1  # events were first stamped in version 2

Stored = dict[str, Any]
Migration = Callable[[Stored], Stored]


def _checked(version: object, what: str) -> int:
    # bool is an int to Python but never a version to a person.
    if (
        not isinstance(version, int)
        or isinstance(version, bool)
        or not OLDEST_RUN_STATE_VERSION <= version <= RUN_STATE_SCHEMA_VERSION
    ):
        raise UnsupportedRunStateVersion(
            version, what=what, oldest=OLDEST_RUN_STATE_VERSION, newest=RUN_STATE_SCHEMA_VERSION
        )
    return version


def _upgraded(table: Mapping[int, Migration], stored: Stored, version: int) -> Stored:
    while version < RUN_STATE_SCHEMA_VERSION:
        stored = table[version](stored)
        version += 1
    return stored


def upgrade_event(stored: Mapping[str, Any], *, version: int | None = None) -> Stored:
    """A stored input event in today's format, without its version stamp.

    ``version`` is the format of an event kept inside a snapshot (which carries no stamp
    of its own); a stored input event says its own, and says none if written before
    version 2. The input is not changed.

    >>> upgrade_event({"kind": "timer_fired", "schema_version": 9})
    Traceback (most recent call last):
    ...
    runtime.engine.errors.UnsupportedRunStateVersion: stored input event has format \
version 9, newer than this Baton reads (1 to 2); upgrade Baton to load it
    """
    event = dict(stored)
    found = event.pop(_VERSION, _UNSTAMPED_EVENT_VERSION if version is None else version)
    current = _checked(found, "stored input event")
    if current == RUN_STATE_SCHEMA_VERSION:
        return event
    return _upgraded(EVENT_MIGRATIONS, copy.deepcopy(event), current)


def stamp_event(event: Stored) -> Stored:
    """Mark a plain event (``model_dump(mode="json")``) as written in today's format, in place."""
    event[_VERSION] = RUN_STATE_SCHEMA_VERSION
    return event


def upgrade_snapshot(stored: Mapping[str, Any]) -> Stored:
    """A stored run snapshot in today's format, its deferred events too; the input is not changed.

    >>> upgrade_snapshot({"schema_version": 0})
    Traceback (most recent call last):
    ...
    runtime.engine.errors.UnsupportedRunStateVersion: run snapshot has format version 0, \
which this Baton cannot read; it reads 1 to 2
    """
    found = _checked(stored.get(_VERSION, RUN_STATE_SCHEMA_VERSION), "run snapshot")
    if found == RUN_STATE_SCHEMA_VERSION:
        # Nothing to change: spare every load a deep copy.
        return dict(stored)
    snapshot = _upgraded(SNAPSHOT_MIGRATIONS, copy.deepcopy(dict(stored)), found)
    snapshot["deferred"] = [
        {**deferred, "event": upgrade_event(deferred["event"], version=found)}
        for deferred in snapshot.get("deferred", [])
    ]
    snapshot[_VERSION] = RUN_STATE_SCHEMA_VERSION
    return snapshot


# ---------------------------------------------------------------------------- upgrades


def snapshot_1_to_2(snapshot: Stored) -> Stored:
    """Version 2 changed the stored input events only; a snapshot is carried over as it is."""
    return snapshot


def event_1_to_2(event: Stored) -> Stored:
    """Version 2 added the version stamp, which :func:`upgrade_event` has taken off already."""
    return event


SNAPSHOT_MIGRATIONS: Mapping[int, Migration] = {1: snapshot_1_to_2}
"""Snapshot upgrades keyed by the version they upgrade *from*."""

EVENT_MIGRATIONS: Mapping[int, Migration] = {1: event_1_to_2}
"""Input event upgrades keyed by the version they upgrade *from*."""
