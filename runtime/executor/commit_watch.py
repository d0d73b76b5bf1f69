"""What this process's commits wrote that the worker must look at: outbox entries and timers.

A worker watches the commits made on its engine in its own process
(:func:`runtime.store.after_commit.watch_commits`). What they wrote is noted here, so
that the worker reads the outbox and the timers only when something may be due; work
written by other processes is found by polling.
"""

from __future__ import annotations

import threading
from datetime import datetime

__all__ = ["NewOutbox", "NextTimer"]


class NewOutbox:
    """The ``(id, kind)`` of outbox entries this process's commits wrote since the last look.

    ``None`` stands for entries that cannot be named (or more than ``limit``): whoever
    takes it then reads the outbox.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._entries: list[tuple[int, str]] | None = None
        self._lock = threading.Lock()

    def add(self, written: list[tuple[int, str]] | None) -> None:
        """Note entries a commit wrote (``None``: some it cannot name)."""
        with self._lock:
            if written is None or self._entries is None:
                self._entries = None
            elif len(self._entries) + len(written) > self._limit:
                self._entries = None  # bounded: a worker that never drains reads
            else:
                self._entries.extend(written)

    def take(self) -> list[tuple[int, str]] | None:
        """What was noted since the last take (``None``: read); from now on, note afresh."""
        with self._lock:
            known, self._entries = self._entries, []
        return known

    def forget(self) -> None:
        """More may be waiting than were named: the next take says read."""
        with self._lock:
            self._entries = None


class NextTimer:
    """When the earliest pending timer is due (``None``: none pending), as last read and
    moved earlier by this process's commits that write timers.

    ``generation`` counts those commits: a read that raced one is not trusted.
    """

    def __init__(self, batch: int) -> None:
        self._batch = batch
        self._due: datetime | None = None
        self._known = False
        self.generation = 0
        self._lock = threading.Lock()

    def written(self, due: datetime) -> None:
        """A commit wrote a timer due at ``due`` (the earliest it wrote)."""
        with self._lock:
            self.generation += 1
            if self._due is None or due < self._due:
                self._due = due

    def due_keys(
        self, pending: list[tuple[str, datetime]], at: datetime, generation: int
    ) -> list[str]:
        """The keys of ``pending`` (earliest first) due by ``at``, at most a batch; what
        is left tells when the next is due, if no commit wrote timers since the read."""
        keys = [key for key, due in pending if due <= at][: self._batch]
        later = [due for _key, due in pending if due > at]
        with self._lock:
            if generation == self.generation and len(keys) < self._batch:
                self._due = later[0] if later else None
                self._known = True
            else:  # a commit wrote timers meanwhile, or more are due than one read holds
                self._known = False
        return keys

    def may_be_due(self, at: datetime) -> bool:
        """Whether a timer may be due by ``at`` (or it is not known)."""
        with self._lock:
            if not self._known:
                return True
            return self._due is not None and self._due <= at

    def upcoming(self, unknown: datetime) -> datetime | None:
        """When the next timer is due; ``unknown`` when that is not known."""
        with self._lock:
            return self._due if self._known else unknown
