"""The worker's short transactions: retried when the database says busy, publishing after.

Each database step of the worker is its own transaction, retried with tenacity when
the database says "busy" or "deadlock" (SQLite's lock timeout, PostgreSQL's deadlock
detector). On SQLite, which has one writer at a time anyway, the worker's own threads
queue on a Python lock instead of SQLite's busy-wait sleeps. What a write commits for
the live stream is published once the lock is let go, never under it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from runtime.db import session_scope
from runtime.store.dialects import dialect_of

__all__ = ["Publishes", "Transactions"]

T = TypeVar("T")

#: ``(topic, data)`` pairs a commit leaves for the live stream.
Publishes = list[tuple[str, dict[str, Any]]]


class Transactions:
    """Runs functions of a session in transactions of their own on ``engine``.

    ``publish`` gets what a write's commit left for the live stream, after the write
    lock is let go.
    """

    def __init__(self, engine: Engine, publish: Callable[[Publishes], None]) -> None:
        self.engine = engine
        self._publish = publish
        # SQLite has one writer at a time anyway; queueing this worker's own threads on a
        # Python lock spares them SQLite's busy-wait sleeps (up to 100 ms a round).
        self._write_lock: AbstractContextManager[Any] = (
            threading.Lock() if dialect_of(engine).serial_writes else nullcontext()
        )
        self._local = threading.local()
        self._retrying = Retrying(
            retry=retry_if_exception_type(OperationalError),
            stop=stop_after_attempt(8),
            wait=wait_exponential(multiplier=0.02, max=1.0),
            reraise=True,
        )

    def held(self) -> Publishes | None:
        """Where this thread's write keeps what its commit publishes; ``None``: no write."""
        held: Publishes | None = getattr(self._local, "held", None)
        return held

    def write(self, fn: Callable[[Session], T]) -> T:
        """``fn`` in a transaction that may write; its publishes go out after the lock."""
        held: Publishes = []
        outer = getattr(self._local, "held", None)
        self._local.held = held
        try:
            return self._retried(fn, read_only=False)
        finally:
            self._local.held = outer
            # After the commit and outside the write lock: a slow publisher (a message
            # queue far away) must not hold up the other threads' transactions.
            self._publish(held)

    def read(self, fn: Callable[[Session], T]) -> T:
        """``fn`` in a transaction that only reads: no write lock, nothing to publish."""
        return self._retried(fn, read_only=True)

    def _retried(self, fn: Callable[[Session], T], *, read_only: bool) -> T:
        lock = nullcontext() if read_only else self._write_lock
        try:
            # Most transactions pass the first time: tenacity's bookkeeping (~15 µs a
            # transaction) is only set up for the ones the database turned away.
            with lock, session_scope(self.engine, read_only=read_only) as session:
                return fn(session)
        except OperationalError:
            pass
        for attempt in self._retrying:
            with attempt, lock, session_scope(self.engine, read_only=read_only) as session:
                return fn(session)
        raise AssertionError("unreachable")  # pragma: no cover
