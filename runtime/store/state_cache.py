"""The run snapshots this process committed, kept so the next transition need not parse them.

A run's snapshot (``run.state``, a few KB of JSON) is read and validated into a
:class:`~runtime.engine.types.RunState` before every transition, and written after it.
The process that wrote it already holds the object, so the run store keeps the last
snapshot of each run it committed, keyed by the run's input count (``run.inputs``, which
every change of the run moves on by one, in every process). A lock read compares the
row's count with the kept one: equal, the kept snapshot is the row's; different (another
process moved the run on), the row's JSON is read as before.

Only committed snapshots are kept: a transaction names what it wrote in its session's
``info``, and they are kept after its commit and dropped after any rollback (a
savepoint's too). Snapshots are
never mutated (the engine returns a new state and leaves its input alone), so one object
may be shared by the cache and the transition that reads it.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Any

from sqlalchemy import event as sa_event
from sqlmodel import Session

from runtime.engine.types import RunState

__all__ = ["MAX_RUNS", "clear", "keep_after_commit", "kept"]

#: Runs kept per database; the least recently used go first. A run's transitions come
#: in bursts (a step's result, the next step's), so a few recently moved runs give the
#: hits; parked runs belong in the store, not in RAM (a snapshot is ~12 KB of objects
#: against ~3 KB of JSON), so this stays small: ~12 MB at most.
MAX_RUNS = 1_024

_WRITTEN = "baton.states_written"

_lock = threading.Lock()
# Per database, so two databases in one process (tests) never share entries. Keyed by
# the engine's connection pool, which the engine's read-only variant shares with it.
_kept: weakref.WeakKeyDictionary[Any, OrderedDict[str, tuple[int, RunState]]] = (
    weakref.WeakKeyDictionary()
)


def _database_of(session: Session) -> Any:
    bind = session.get_bind()
    return getattr(bind, "pool", None) or bind.engine.pool


def kept(session: Session, run_id: str, inputs: int) -> RunState | None:
    """The snapshot of ``run_id`` after ``inputs`` inputs, if this process committed it.

    A snapshot this transaction wrote counts too: a group commit applies several events
    of one run in one transaction (:mod:`runtime.executor.groups`).
    """
    ours = session.info.get(_WRITTEN)
    if ours:
        written = ours.get(run_id)
        if written is not None and written[0] == inputs:
            return written[1]  # type: ignore[no-any-return]
    with _lock:
        runs = _kept.get(_database_of(session))
        found = runs.get(run_id) if runs is not None else None
        if found is None or found[0] != inputs:
            return None
        runs.move_to_end(run_id)  # type: ignore[union-attr]
        return found[1]


def keep_after_commit(session: Session, run_id: str, inputs: int, state: RunState) -> None:
    """Keep ``state`` as ``run_id``'s snapshot after ``inputs`` inputs once this commits."""
    session.info.setdefault(_WRITTEN, {})[run_id] = (inputs, state)


def clear() -> None:
    """Forget every kept snapshot (tests that rewrite runs behind the store's back)."""
    with _lock:
        _kept.clear()


def _after_commit(session: Session) -> None:
    written = session.info.pop(_WRITTEN, None)
    if not written:
        return
    database = _database_of(session)
    with _lock:
        runs = _kept.get(database)
        if runs is None:
            runs = _kept[database] = OrderedDict()
        for run_id, entry in written.items():
            runs[run_id] = entry
            runs.move_to_end(run_id)
        while len(runs) > MAX_RUNS:
            runs.popitem(last=False)


def _after_soft_rollback(session: Session, _previous: Any) -> None:
    # Any rollback, a savepoint's too (bulk commands run each run in one): what the
    # transaction wrote may not commit as written, so none of it is kept.
    session.info.pop(_WRITTEN, None)


sa_event.listen(Session, "after_commit", _after_commit)
sa_event.listen(Session, "after_soft_rollback", _after_soft_rollback)
