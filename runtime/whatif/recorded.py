"""A recorded run as the store keeps it: its input events and log lines, read where used.

Pure: rows in, read by pydantic-core and :func:`stored_time`. The rows stay as the
queries gave them (:mod:`runtime.whatif.load`) until the process that plays the case
reads them (:mod:`runtime.whatif.play`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pydantic_core

from runtime.engine.state_migrations import upgrade_event
from runtime.engine.types import LogKind

__all__ = ["LOG_KINDS", "RecordedCase", "StoredLine", "Times", "stored_time"]

#: The log lines a what-if reads of a recorded run (and its ``decision.taken`` lines when
#: the draft changes decisions that may be judged on them: :mod:`runtime.whatif.decisions`).
LOG_KINDS = (
    LogKind.NODE_ENTERED,
    LogKind.STEP_STARTED,
    LogKind.STEP_CANCELLED,
    LogKind.SLA_BREACHED,
    LogKind.RUN_INCIDENT,
)

#: The kinds of input the engine takes; others in a run's inputs (the store's notes, a
#: move to another version) change no step's answer.
_ENGINE_KINDS = frozenset(
    {"case_created", "case_updated", "step_completed", "step_failed",
     "work_item_completed", "timer_fired", "admin"}
)  # fmt: skip


@dataclass(slots=True)  # not frozen: a frozen one's fields are set at 4x the cost
class StoredLine:
    """A stored log line of a recorded run (its data read from JSON); read only."""

    kind: str
    at: datetime
    node_id: str | None
    step_id: str | None
    data: Mapping[str, Any]


def stored_time(value: datetime | str) -> datetime:
    """A stored time as the store's ``UTCDateTime`` reads it: aware, in UTC.

    A what-if reads half a million times raw (SQLite keeps naive UTC text; SQLAlchemy's
    conversion of them took a quarter of the reading) and reads each only where it is
    used, in the process that uses it; this is that column type's rule.

    >>> stored_time("2026-03-14 12:00:00.000000"), stored_time("2026-03-14T13:00:00+01:00")
    (datetime.datetime(2026, 3, 14, 12, 0, tzinfo=datetime.timezone.utc), \
datetime.datetime(2026, 3, 14, 12, 0, tzinfo=datetime.timezone.utc))
    """
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value + "+00:00")  # naive UTC text, the usual
        except ValueError:
            value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class RecordedCase:
    """A recorded run: ids, version, where it stands, and its input events and log lines
    as stored (rows as read: JSON text in the format of the Baton that wrote them, times
    as :func:`stored_time` takes them), read by :meth:`events` and :meth:`lines`."""

    run_id: str
    case_id: str
    version: int
    status: str
    node_id: str | None
    finished_at: datetime | None
    #: (run id, at, event as JSON text), in order
    inputs: Sequence[Sequence[Any]]
    #: (run id, kind, at, node id, step id, data as JSON text), in order, of :data:`LOG_KINDS`
    log: Sequence[Sequence[Any]] = ()

    @property
    def started_at(self) -> datetime:
        """When the run started (its ``case_created``)."""
        return stored_time(self.inputs[0][1])

    def events(self, times: Times | None = None) -> list[tuple[dict[str, Any], datetime]]:
        """The engine's input events, read and upgraded, with their times (``times``: the
        times read so far, shared with :meth:`lines`)."""
        found = []
        texts = _read_all([row[2] for row in self.inputs])
        time = _reader({} if times is None else times)
        for read, row in zip(texts, self.inputs, strict=True):
            stored = upgrade_event(read)
            if stored.get("kind") in _ENGINE_KINDS:
                found.append((stored, time(row[1])))
        return found

    def lines(self, times: Times | None = None) -> list[StoredLine]:
        """The log lines, their data read (``times``: as for :meth:`events`)."""
        data = _read_all([row[5] for row in self.log])
        time = _reader({} if times is None else times)
        return [
            StoredLine(k, time(at), n, s, d)
            for (_, k, at, n, s, _), d in zip(self.log, data, strict=True)
        ]


Times = dict[Any, datetime]
"""Stored times already read, by their stored value: a case's lines and inputs share a
few (a transition's lines and the input that caused it: one time in eight is new), so
each is read once, and its lines hold one object."""


def _reader(times: Times) -> Callable[[Any], datetime]:
    def read(value: Any) -> datetime:
        found = times.get(value)
        if found is None:
            found = times[value] = stored_time(value)
        return found

    return read


def _read_all(texts: Sequence[str]) -> list[Any]:
    """JSON texts read in one call (a what-if reads hundreds of thousands: one call a
    case instead of one a text halves the reading), by pydantic-core as the store reads
    its columns; what it refuses (nesting past its limit, a lone surrogate), as before."""
    if not texts:
        return []
    joined = f"[{','.join(texts)}]"
    try:
        found: list[Any] = pydantic_core.from_json(joined)
    except ValueError:
        found = json.loads(joined)
    return found
