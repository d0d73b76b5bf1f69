"""What a transaction hands on after its commit: publishes, and news for the worker.

A transaction on the run store collects, in its session's ``info``, what must reach the
outside only once it is committed: the run updates to publish to watchers, the outbox
entries and timers it wrote (so a worker in this process takes them up without a query).
After the commit they go to the *commit watcher* registered for the database in this
process (the worker, :func:`watch_commits`); after a rollback they are dropped.

Publishing never shows what the database does not hold: with a watcher, a publish is
handed to it right after the commit; without one (a web process whose executor runs
elsewhere), :func:`publish_after_commit` writes it to the outbox in the same transaction
and the worker process publishes it.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlmodel import Session

from runtime.store import statements as sql
from runtime.store.tables import OutboxStatus

__all__ = [
    "OUTBOX_WRITTEN",
    "PUBLISHES",
    "TIMERS_WRITTEN",
    "CommitWatcher",
    "publish_after_commit",
    "watch_commits",
    "watched",
]

logger = logging.getLogger("baton.store")

#: Session.info: the ``(id, kind)`` of the outbox entries this transaction wrote, or
#: ``None`` when it wrote some it cannot name.
OUTBOX_WRITTEN = "baton.outbox_written"
#: Session.info: the earliest due time of the timers this transaction wrote.
TIMERS_WRITTEN = "baton.timers_written"
#: Session.info: this transaction's ``(topic, data)`` publishes, for the watcher.
PUBLISHES = "baton.publishes"

#: ``on_commit(publishes, outbox_entries, earliest_timer)`` after each commit: the
#: transaction's publishes, the ``(id, kind)`` of the outbox entries it wrote (``None``
#: when it wrote some it cannot name) and the earliest due time of the timers it wrote.
CommitWatcher = Callable[
    [list[tuple[str, dict[str, Any]]], list[tuple[int, str]] | None, datetime | None], None
]

_watchers_lock = threading.Lock()
# Per database engine; weak, so a forgotten worker stops watching when it is collected.
_watchers: weakref.WeakKeyDictionary[Any, weakref.WeakMethod[CommitWatcher]] = (
    weakref.WeakKeyDictionary()
)


def watch_commits(engine: Any, on_commit: CommitWatcher | None) -> None:
    """Tell ``on_commit`` (a bound method) about every commit on ``engine`` in this process.

    While a watcher is registered, publishes are not written to the outbox: the watcher
    gets them right after the commit that made them. Without one (a web process whose
    executor runs elsewhere) they go through the outbox to the worker process.
    ``None`` stops watching.
    """
    with _watchers_lock:
        if on_commit is None:
            _watchers.pop(engine, None)
        else:
            _watchers[engine] = weakref.WeakMethod(on_commit)


def _engine_of(bind: Any) -> Any:
    return getattr(bind, "engine", bind)


def _watcher(engine: Any) -> CommitWatcher | None:
    ref = _watchers.get(engine)
    return ref() if ref is not None else None


def watched(session: Session) -> bool:
    """Whether a worker in this process watches the commits of ``session``'s database."""
    return _watcher(_engine_of(session.get_bind())) is not None


def publish_after_commit(
    session: Session,
    *,
    run_id: str,
    topic: str,
    data: dict[str, Any],
    idempotency_key: str,
    now: datetime,
) -> None:
    """Publish ``(topic, data)`` once this transaction commits, and only if it does.

    ``run_id`` is the run the message is about (an outbox entry belongs to a run);
    ``idempotency_key`` must be unique among the outbox's entries.
    """
    if watched(session):
        session.info.setdefault(PUBLISHES, []).append((topic, data))
        return
    sql.write(
        session,
        sql.INSERT_OUTBOX,
        [
            {
                "run_id": run_id,
                "kind": "publish",
                "effect": {"topic": topic, "data": data},
                "idempotency_key": idempotency_key,
                "status": str(OutboxStatus.PENDING),
                "attempts": 0,
                "available_at": now,
                "created_at": now,
            }
        ],
    )
    session.info[OUTBOX_WRITTEN] = None  # entries nobody in this process waits for


def _after_commit(session: Session) -> None:
    info = session.info
    publishes = info.pop(PUBLISHES, None) or []
    outbox = info.pop(OUTBOX_WRITTEN, [])
    timers = info.pop(TIMERS_WRITTEN, None)
    if not publishes and outbox == [] and timers is None:
        return
    watcher = _watcher(_engine_of(session.bind))
    if watcher is None:
        return
    try:
        watcher(publishes, outbox, timers)
    except Exception:  # the transaction is committed; a watcher's failure must not undo that
        logger.exception("commit watcher failed")


def _after_rollback(session: Session) -> None:
    for key in (PUBLISHES, OUTBOX_WRITTEN, TIMERS_WRITTEN):
        session.info.pop(key, None)


sa_event.listen(Session, "after_commit", _after_commit)
sa_event.listen(Session, "after_rollback", _after_rollback)
