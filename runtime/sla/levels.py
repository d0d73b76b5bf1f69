"""The one rule for an SLA's level (on track, at risk, breached) and the minutes left.

The engine's conditions (``sla.state``, ``sla.remaining_minutes``), the cases list, the
work inbox and :func:`runtime.sla.calendar.sla_status` all read an SLA through these two
functions, so they never disagree. Pure: the moment to judge at is an argument.

The level vocabulary lives here, below the engine, because the engine's definitions
already read business calendars from :mod:`runtime.sla`; :mod:`runtime.engine.types`
re-exports it with the rest of the engine's vocabulary.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

__all__ = ["SLA_LEVELS", "SlaLevel", "level_at", "minutes", "remaining_minutes", "worse"]


class SlaLevel(StrEnum):
    """An SLA's level, in increasing severity; conditions read it as ``sla.state``."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"  #: past the warning point
    BREACHED = "breached"  #: past the due time

    @property
    def severity(self) -> int:
        """0 on track, 1 at risk, 2 breached."""
        return _SEVERITY[self]


SLA_LEVELS: tuple[SlaLevel, ...] = tuple(SlaLevel)
_SEVERITY: dict[str, int] = {level.value: n for n, level in enumerate(SLA_LEVELS)}


def worse(a: SlaLevel | str, b: SlaLevel | str) -> SlaLevel:
    """The more severe of two levels (an unknown name counts as on track).

    >>> worse("at_risk", SlaLevel.ON_TRACK)
    <SlaLevel.AT_RISK: 'at_risk'>
    """
    return SLA_LEVELS[max(_SEVERITY.get(a, 0), _SEVERITY.get(b, 0))]


def level_at(
    due_at: datetime,
    at: datetime,
    *,
    warning_at: datetime | None = None,
    marked: SlaLevel | str = SlaLevel.ON_TRACK,
) -> SlaLevel:
    """The level at ``at``: the worse of what the time implies and what timers ``marked``.

    A late timer never hides a breach, and a marked level never goes back.

    >>> from datetime import UTC
    >>> due = datetime(2026, 1, 5, 10, tzinfo=UTC)
    >>> warn = datetime(2026, 1, 5, 9, 45, tzinfo=UTC)
    >>> [level_at(due, datetime(2026, 1, 5, h, m, tzinfo=UTC), warning_at=warn).value
    ...  for h, m in ((9, 0), (9, 50), (10, 0))]
    ['on_track', 'at_risk', 'breached']
    >>> level_at(due, datetime(2026, 1, 5, 9, tzinfo=UTC), marked="at_risk").value
    'at_risk'
    """
    if at >= due_at:
        by_time = SlaLevel.BREACHED
    elif warning_at is not None and at >= warning_at:
        by_time = SlaLevel.AT_RISK
    else:
        by_time = SlaLevel.ON_TRACK
    return worse(marked, by_time)


def remaining_minutes(due_at: datetime, at: datetime) -> float:
    """Minutes from ``at`` to ``due_at`` (negative: late), to a thousandth of a minute.

    >>> from datetime import UTC
    >>> due = datetime(2026, 1, 5, 10, tzinfo=UTC)
    >>> remaining_minutes(due, due - timedelta(seconds=90)), remaining_minutes(due, due)
    (1.5, 0.0)
    """
    return minutes(due_at - at)


def minutes(delta: timedelta) -> float:
    """A duration in minutes, rounded as every SLA figure is (a thousandth of a minute)."""
    return round(delta.total_seconds() / 60.0, 3)
