"""Handing run updates to the publisher: what a commit left, and claimed ``publish`` entries.

A lost message loses nothing: watchers catch up from the run's log by ``seq``. So a
failing publisher is logged, and a ``publish`` entry is given back for a few retries only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from sqlmodel import Session

from runtime.executor.transactions import Publishes, Transactions
from runtime.services import execution
from runtime.store.tables import OutboxRow

__all__ = ["Publisher", "log_publisher", "publish_claimed", "publish_now"]

logger = logging.getLogger("baton.worker")

#: A ``publish`` entry whose publisher failed is given back this often, then dropped.
_PUBLISH_ATTEMPTS = 5
_PUBLISH_RETRY_SECONDS = 2.0


class Publisher(Protocol):
    """Where run updates go after commit (the live stream plugs Socket.IO in here)."""

    def __call__(self, topic: str, data: dict[str, Any]) -> None: ...


def log_publisher(topic: str, data: dict[str, Any]) -> None:
    """The default publisher: a debug log line per update."""
    logger.debug("publish %s run=%s seq=%s", topic, data.get("run_id"), data.get("seq"))


def publish_now(publisher: Publisher, publishes: Publishes) -> None:
    """Hand what a commit left to ``publisher``; a failure is logged, not raised."""
    for topic, data in publishes:
        try:
            publisher(topic, data)
        except Exception as exc:
            # Watchers catch up from the log by seq; a lost message loses nothing.
            logger.warning("publisher failed: %r", exc)


def publish_claimed(
    entries: list[tuple[int, dict[str, Any]]],
    *,
    publisher: Publisher,
    tx: Transactions,
    clock: Callable[[], datetime],
) -> None:
    """Hand claimed ``publish`` entries to ``publisher``; mark them done together."""
    if not entries:
        return
    done: list[int] = []
    for outbox_id, effect in entries:
        try:
            publisher(str(effect.get("topic", "run.updated")), dict(effect.get("data", {})))
        except Exception as exc:
            # Watchers catch up from the log by seq; a publish is retried a few times only.
            logger.warning("publisher failed: %r", exc)
            _release(tx, outbox_id, repr(exc), clock())
        else:
            done.append(outbox_id)
    now = clock()
    tx.write(lambda s: execution.finish_outbox_many(s, outbox_ids=done, now=now))


def _release(tx: Transactions, outbox_id: int, error: str, now: datetime) -> None:
    tx.write(
        lambda s: execution.release_outbox(
            s,
            outbox_id=outbox_id,
            now=now,
            error=error,
            retry_in_seconds=(
                _PUBLISH_RETRY_SECONDS if _attempts(s, outbox_id) < _PUBLISH_ATTEMPTS else None
            ),
        )
    )


def _attempts(session: Session, outbox_id: int) -> int:
    row = session.get(OutboxRow, outbox_id)
    return row.attempts if row is not None else 0
