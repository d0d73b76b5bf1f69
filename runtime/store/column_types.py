"""Column types of the run tables that bind their values in one step.

**Times** (:class:`UtcTime`): SQLModel's ``UTCDateTime``, converted in one step.

``UTCDateTime`` stores aware datetimes in UTC and gives them back aware in UTC. On SQLite
it does so in two steps per value, each a Python call: its own (refuse a naive value,
move to UTC) and then SQLite's ``DATETIME`` text formatting (a ``%``-format of seven
fields), and on the way back SQLite's parsing and then ``replace(tzinfo=UTC)``. A
transition binds a few dozen times (~330 values a case, ~2 µs each), so here each way is
one function doing both steps with C-level ``isoformat``/``fromisoformat``: the same text
in the file, the same values back. PostgreSQL keeps ``UTCDateTime``'s own conversion (its
driver takes and gives aware datetimes; there is only one step).

A subclass, so what treats ``UTCDateTime`` specially (the migrations' rendering of it as
``sa.DateTime(timezone=True)``) treats this type alike; the stored form is unchanged.

**The run snapshot** (:class:`SnapshotJson`): a JSON column that also takes the snapshot as
its JSON text. A run state is written at every transition; pydantic writes its JSON
directly (~12-19 µs) where dumping it to dicts and then the dicts to JSON took ~49 µs, the
same bytes. A snapshot is always an object, so a ``str`` bound to it can only be that
text, and is bound as it is; a dict is serialised as by any JSON column.

>>> from datetime import UTC, datetime, timedelta, timezone
>>> to_text(datetime(2026, 3, 14, 13, 0, tzinfo=timezone(timedelta(hours=1))))
'2026-03-14 12:00:00.000000'
>>> from_text('2026-03-14 12:00:00.000000')
datetime.datetime(2026, 3, 14, 12, 0, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlmodel.sql.sqltypes import UTCDateTime

__all__ = ["SnapshotJson", "UtcTime", "from_text", "to_text"]

_from_iso = datetime.fromisoformat


#: The last time converted and its text. A transaction binds the same ``now`` dozens of
#: times (every log line, outbox entry and execution of its transitions carries it), so
#: that one is converted once; a tuple, replaced whole, so threads never see half of one.
_last: tuple[datetime | None, str | None] = (None, None)


def to_text(value: datetime | None) -> str | None:
    """An aware datetime as SQLite's ``DATETIME`` text, in UTC (what ``UTCDateTime`` stores).

    A naive value is refused, as ``UTCDateTime`` refuses it.
    """
    global _last
    if value is None:
        return None
    last = _last
    if last[0] is value:  # the same object: datetimes are immutable
        return last[1]
    text = _text(value)
    _last = (value, text)
    return text


def _text(value: datetime) -> str:
    if value.tzinfo is not UTC:
        if value.utcoffset() is None:
            raise ValueError(
                "Datetime values must have timezone information. Use datetime.now(timezone.utc)."
            )
        value = value.astimezone(UTC)
    # "YYYY-MM-DD HH:MM:SS.ffffff+00:00" without its offset: DATETIME's own format.
    return value.isoformat(" ", "microseconds")[:-6]


def from_text(value: str | None) -> datetime | None:
    """SQLite's ``DATETIME`` text (naive UTC, or with an offset) as an aware UTC datetime."""
    if value is None:
        return None
    try:
        return _from_iso(value + "+00:00")  # naive UTC text: what this type writes
    except ValueError:
        found = _from_iso(value)
    return found.replace(tzinfo=UTC) if found.utcoffset() is None else found.astimezone(UTC)


class UtcTime(UTCDateTime):
    """``UTCDateTime`` whose SQLite conversion is one function each way."""

    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name == "sqlite":
            return to_text
        return super().bind_processor(dialect)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        if dialect.name == "sqlite":
            return from_text
        return super().result_processor(dialect, coltype)


class SnapshotJson(TypeDecorator[Any]):
    """A JSON column whose ``str`` values are already its JSON text (see the module)."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        serialise = self.impl_instance.dialect_impl(dialect).bind_processor(dialect)
        if serialise is None:
            return None

        def bind(value: Any) -> Any:
            return value if type(value) is str else serialise(value)

        return bind

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        return self.impl_instance.dialect_impl(dialect).result_processor(dialect, coltype)
