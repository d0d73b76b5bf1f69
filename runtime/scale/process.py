"""What one Celery worker process keeps: its database engine, its claim identity, its callers.

A Celery worker does for one outbox row what a ``baton worker`` step thread does
(:meth:`runtime.executor.Worker.run_step`): record the delivery under the row's
idempotency key (:func:`runtime.services.execution.begin_step`), take the row under a
lease naming this process, call the action, feed its result back as an event and mark
the row done in the same transaction. Its process is on record like a worker's
(:class:`runtime.executor.leases.LeaseOwner`: heartbeats every 5 s, and the claims of
processes found gone are handed back), so a worker killed mid-call has its step sent
again within seconds by the relay, not after the lease.

A key whose calls keep killing their worker is not delivered forever: past
``max_deliveries`` the step fails (retryable), so the step's retry policy and then an
incident take over.

Transitions committed here are not published from this process: without a commit
watcher they leave ``publish`` outbox rows, which the relay publishes after commit.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from runtime.actions.base import Action
from runtime.db import make_engine
from runtime.executor.calls import ActionCalls, finish
from runtime.executor.leases import LeaseOwner
from runtime.executor.transactions import Publishes, Transactions
from runtime.services import execution
from runtime.settings import Settings
from runtime.store.tables import OutboxRow, OutboxStatus, utcnow

__all__ = ["WorkerProcess", "current", "forget", "use_actions"]

logger = logging.getLogger("baton.scale")
ActionLookup = Callable[[str], Action]


def _registry_lookup(name: str) -> Action:
    from runtime.actions.registry import get_action

    return get_action(name)


_lookup: ActionLookup = _registry_lookup


def use_actions(lookup: ActionLookup) -> None:
    """Find actions with ``lookup`` in worker processes made from now on (embedding, tests)."""
    global _lookup
    _lookup = lookup


def _drop(_publishes: Publishes) -> None:
    """No commit watcher here: transitions went out as ``publish`` rows for the relay."""


class WorkerProcess:
    """The per-process state of a Celery worker (built on first use in each process)."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        get_action: ActionLookup,
        lease_margin_seconds: float = 30.0,
        max_deliveries: int = 3,
        heartbeat_seconds: float = 5.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.lease_margin_seconds = lease_margin_seconds
        self.max_deliveries = max_deliveries
        self.clock = clock
        self.tx = Transactions(engine, _drop)
        self.calls = ActionCalls(get_action, settings, engine)
        self.leases = LeaseOwner(
            self.tx.write, clock=clock, heartbeat_seconds=heartbeat_seconds,
            dead_after_seconds=60.0,
        )  # fmt: skip
        self.leases.start()
        self._beats = threading.Thread(target=self._beat, name="baton-heartbeat", daemon=True)
        self._beats.start()

    def _beat(self) -> None:
        while True:
            threading.Event().wait(1.0)
            if self.leases.due():
                try:
                    self.leases.heartbeat()
                except Exception:
                    logger.exception("heartbeat failed; trying again at the next")

    def run_step(self, outbox_id: int) -> str:
        """Deliver one ``run_step`` row; what became of it (for the task's log line)."""
        start = self.clock()
        margin = self.lease_margin_seconds
        owner = self.leases.process_id

        def begin(s: Session) -> execution.StepJob | str:
            job = execution.begin_step(
                s, outbox_id=outbox_id, now=start, lease_margin_seconds=margin,
                inline=self.calls.runs_in_transaction, owner=owner,
            )  # fmt: skip
            if job is None:
                return "nothing to do (done, under way elsewhere, or no longer wanted)"
            if job.delivery > self.max_deliveries:
                lost = job.delivery - 1
                message = f"the worker process died during the call {lost} times in a row"
                finish(s, job, (message, True), start, same=True)
                return "failed: " + message
            if job.inline:
                self.calls.settle(s, job, start)
                return "done in one transaction"
            lease = start + timedelta(seconds=job.effect.timeout_seconds + margin)
            _take(s, outbox_id, lease=lease, owner=owner)
            return job

        job = self.tx.write(begin)
        if isinstance(job, str):
            return job
        outcome = self.calls.call(job, start)
        done = self.clock()
        self.tx.write(lambda s: finish(s, job, outcome, done))
        return "performed"

    def fire_timer(self, key: str, due_by: datetime) -> bool:
        """Fire timer ``key`` as of the later of now and ``due_by`` (the relay's clock)."""
        at = max(self.clock(), due_by)
        return self.tx.write(lambda s: execution.fire_timer(s, key=key, now=at))


def _take(session: Session, outbox_id: int, *, lease: datetime, owner: str | None) -> None:
    """Hold the row under this process's lease while its action runs (relay: hands off)."""
    session.execute(
        update(OutboxRow)
        .where(col(OutboxRow.id) == outbox_id, col(OutboxRow.status) != OutboxStatus.DONE)
        .values(status=OutboxStatus.CLAIMED, available_at=lease, claimed_by=owner)
    )


_current: tuple[int, WorkerProcess] | None = None
_current_lock = threading.Lock()


def forget() -> None:
    """Take this process off the record when it stops cleanly (it holds no claims then)."""
    with _current_lock:
        if _current is not None and _current[0] == os.getpid():
            try:
                _current[1].leases.stop()
            except Exception:
                logger.warning("could not remove this worker process's record")


def current() -> WorkerProcess:
    """This process's state, made on first use (again after a fork: pids differ)."""
    global _current
    with _current_lock:
        if _current is None or _current[0] != os.getpid():
            settings = Settings()
            engine = make_engine(settings.resolved_database_url())
            made = WorkerProcess(
                settings, engine, get_action=_lookup,
                lease_margin_seconds=float(os.environ.get("BATON_LEASE_MARGIN_SECONDS", 30)),
                max_deliveries=int(os.environ.get("BATON_MAX_DELIVERIES", 3)),
            )  # fmt: skip
            _current = (os.getpid(), made)
        return _current[1]
