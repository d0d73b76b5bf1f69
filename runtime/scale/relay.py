"""The relay: sends due outbox rows and due timers to Celery workers, one leader at a time.

Each round, while it leads (:mod:`runtime.scale.leader`), the relay

- claims due ``run_step`` rows under a lease (the step's timeout plus a margin) and
  sends each as a task: a row whose lease runs out undone (its task lost with a
  flushed broker, or its worker gone) is due again and sent again. A worker that takes
  the row renews the lease under its own process;
- publishes due ``publish`` rows itself (transitions committed by Celery workers);
- sends due timers, read from the indexed ``timer.due_at``, when they are due and never
  as a Celery ETA (with Redis an ETA beyond the visibility timeout runs several times).
  A timer still pending ``timer_resend_seconds`` after its task went is sent again;
  firing is idempotent;
- hands back at once the claims of worker processes found gone (a SIGKILLed worker's
  step is sent again within a second or so), as a ``baton worker`` does.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from runtime.executor.leases import LeaseOwner
from runtime.executor.publishing import Publisher, log_publisher, publish_claimed
from runtime.executor.transactions import Publishes, Transactions
from runtime.scale.leader import Leadership
from runtime.services import execution
from runtime.store.tables import utcnow

__all__ = ["Relay", "Send", "celery_send"]

logger = logging.getLogger("baton.relay")

#: Sends task ``name`` with ``args``.
Send = Callable[[str, list[Any]], None]
_BATCH = 500


def celery_send(name: str, args: list[Any]) -> None:
    """Send a task through Baton's Celery app (its broker and queue)."""
    from runtime.scale.celery_app import QUEUE, app

    app.send_task(name, args=args, queue=QUEUE)


def _no_publish(_publishes: Publishes) -> None:
    """The relay commits no transitions: nothing of its own to publish."""


class Relay:
    """Sends what is due; :meth:`round` once, :meth:`run` until ``stop`` is set."""

    def __init__(
        self,
        engine: Engine,
        *,
        send: Send = celery_send,
        publisher: Publisher | None = None,
        clock: Callable[[], datetime] = utcnow,
        poll_seconds: float = 0.5,
        lease_margin_seconds: float = 30.0,
        timer_resend_seconds: float = 60.0,
        reclaim_seconds: float = 1.0,
        leadership: Leadership | None = None,
    ) -> None:
        self.engine = engine
        self.send = send
        self.publisher: Publisher = publisher or log_publisher
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.lease_margin_seconds = lease_margin_seconds
        self.timer_resend_seconds = timer_resend_seconds
        self.reclaim_seconds = reclaim_seconds
        self.leadership = leadership or Leadership(engine, clock=clock)
        self.tx = Transactions(engine, _no_publish)
        #: This relay's process, named in its claims (handed back if it dies).
        self.leases = LeaseOwner(
            self.tx.write, clock=clock, heartbeat_seconds=5.0, dead_after_seconds=60.0
        )
        self._timers_sent: dict[str, float] = {}
        self._next_reclaim = 0.0
        self.leading = False

    def run(self, stop: threading.Event) -> None:
        """Lead and relay until ``stop`` is set, then let go of the lead."""
        self.leases.start()
        try:
            while not stop.is_set():
                try:
                    busy = self.round()
                except Exception:
                    logger.exception("relay round failed; trying again shortly")
                    busy = 0
                if busy < _BATCH:
                    stop.wait(self.poll_seconds)
        finally:
            self.leadership.release()
            try:
                self.leases.stop()
            except Exception:
                logger.warning("could not remove the relay's process record")

    def round(self) -> int:
        """One pass if leading: what was sent or published (0 when not leading)."""
        leading = self.leadership.hold()
        if leading != self.leading:
            logger.info("relay %s", "leads" if leading else "does not lead")
            self.leading = leading
        if not leading:
            return 0
        if self.leases.process_id is None:
            self.leases.start()
        if time.monotonic() >= self._next_reclaim:
            self._next_reclaim = time.monotonic() + self.reclaim_seconds
            if self.leases.due():
                self.leases.heartbeat()  # reclaims too
            else:
                self.leases.reclaim()
        now = self.clock()
        return self._publish(now) + self._send_steps(now) + self._send_timers(now)

    def _claim(self, s: Session, now: datetime, kind: str) -> list[tuple[int, dict[str, Any]]]:
        rows = execution.claim_outbox(
            s, now=now, limit=_BATCH, lease_margin_seconds=self.lease_margin_seconds,
            kinds=(kind,), owner=self.leases.process_id,
        )  # fmt: skip
        return [(int(row.id), row.effect) for row in rows]  # type: ignore[arg-type]

    def _publish(self, now: datetime) -> int:
        entries = self.tx.write(lambda s: self._claim(s, now, "publish"))
        publish_claimed(entries, publisher=self.publisher, tx=self.tx, clock=self.clock)
        return len(entries)

    def _send_steps(self, now: datetime) -> int:
        from runtime.scale.tasks import PERFORM_STEP

        # Claimed (leased) before sending: a send that fails leaves the row to its lease.
        entries = self.tx.write(lambda s: self._claim(s, now, "run_step"))
        for outbox_id, _effect in entries:
            self.send(PERFORM_STEP, [outbox_id])
        return len(entries)

    def _send_timers(self, now: datetime) -> int:
        from runtime.scale.tasks import FIRE_TIMER

        pending = self.tx.read(lambda s: execution.pending_timers(s, limit=_BATCH))
        due = [key for key, due_at in pending if due_at <= now]
        sent_before = time.monotonic() - self.timer_resend_seconds
        # Forget timers no longer pending (fired, cancelled) or due again for a resend.
        pending_keys = set(due)
        self._timers_sent = {
            k: t for k, t in self._timers_sent.items() if k in pending_keys and t > sent_before
        }
        sent = 0
        for key in due:
            if key in self._timers_sent:
                continue
            self.send(FIRE_TIMER, [key, now.isoformat()])
            self._timers_sent[key] = time.monotonic()
            sent += 1
        return sent
