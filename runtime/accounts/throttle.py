"""Login throttling arithmetic, free of I/O: the service stores the state per key.

Each key (an account name, a client address) counts failures in a sliding window. Past
a free allowance, every further failure locks the key for a doubling delay, capped, so
guessing becomes hopeless while a person who mistypes twice is never held up.

>>> from datetime import UTC, datetime, timedelta
>>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
>>> state = ThrottleState(failures=0, window_start=t0, locked_until=None)
>>> for _ in range(5):
...     state = after_failure(state, ACCOUNT_LIMITS, t0)
>>> retry_after(state, t0)
30
>>> retry_after(state, t0 + timedelta(seconds=31)) is None
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = [
    "ACCOUNT_LIMITS",
    "ADDRESS_LIMITS",
    "Limits",
    "ThrottleState",
    "after_failure",
    "retry_after",
]


@dataclass(frozen=True, slots=True)
class Limits:
    """How many failures a key gets free within ``window``, then how long it waits."""

    free_failures: int
    window: timedelta
    first_lock: timedelta
    max_lock: timedelta


ACCOUNT_LIMITS = Limits(
    free_failures=4, window=timedelta(minutes=15),
    first_lock=timedelta(seconds=30), max_lock=timedelta(minutes=15),
)
"""Per account: a fifth wrong password in 15 minutes locks it for 30 s, then 60 s, ..."""

# One address may be an office behind one NAT, so it gets more room than one account.
ADDRESS_LIMITS = Limits(
    free_failures=19, window=timedelta(minutes=15),
    first_lock=timedelta(seconds=30), max_lock=timedelta(minutes=15),
)
"""Per client address: twenty failures in 15 minutes, across accounts, lock it."""


@dataclass(frozen=True, slots=True)
class ThrottleState:
    """Failures counted since ``window_start``, and the end of the current lock if any."""

    failures: int
    window_start: datetime
    locked_until: datetime | None


def after_failure(state: ThrottleState, limits: Limits, now: datetime) -> ThrottleState:
    """The state after one more failure at ``now``."""
    if now - state.window_start > limits.window and not _locked(state, now):
        state = ThrottleState(failures=0, window_start=now, locked_until=None)
    failures = state.failures + 1
    over = failures - limits.free_failures
    if over <= 0:
        return ThrottleState(failures, state.window_start, state.locked_until)
    delay = min(limits.first_lock * (2 ** min(over - 1, 20)), limits.max_lock)
    # The window stays open while locked, so the next failure doubles the delay.
    return ThrottleState(failures, now, now + delay)


def retry_after(state: ThrottleState, now: datetime) -> int | None:
    """Whole seconds until the key may try again, or ``None`` when it may try now."""
    if not _locked(state, now):
        return None
    assert state.locked_until is not None
    return max(1, math.ceil((state.locked_until - now).total_seconds()))


def _locked(state: ThrottleState, now: datetime) -> bool:
    return state.locked_until is not None and state.locked_until > now
