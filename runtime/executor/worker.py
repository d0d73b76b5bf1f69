"""The worker: performs outbox effects after commit and fires due timers.

Three kinds of thread:

- the **dispatcher** claims due outbox entries: ``publish`` entries are handed to the
  publisher at once; ``run_step`` entries go to a thread pool, never more than it has
  free threads (a claim is a lease, and a lease must not tick away in a queue);
- the **pool** threads call actions (see :mod:`runtime.services.execution` for the
  at-least-once, keyed delivery) and feed the result back to the run;
- the **clock** polls the indexed ``timer.due_at`` column and fires due timers, and
  every ``heartbeat_seconds`` says this process is alive and looks for gone ones.

A started worker names its process in every claim (:mod:`runtime.executor.leases`) and
hands back at once the claims of worker processes it finds gone, so a worker restarted
after a crash delivers the cut-off steps again within a dispatch round, not after their
leases.

A worker watches the commits made on its engine in its own process
(:func:`runtime.store.after_commit.watch_commits`): a transition committed there is
published right after its commit, with no outbox row (the stream never shows what the
database does not hold, and a watcher that misses a message reads the log by ``seq``);
only transitions committed by processes without a worker go through ``publish``
outbox entries. The same watch wakes the threads at once when a commit wrote outbox
entries or timers; work written by other processes is found by polling every
``settings.clock_interval_seconds``.

Steps due together are delivered a group at a time (:mod:`runtime.executor.groups`):
one transaction claims them and settles those whose action may run inside it
(``Action.runs_inline``), the outside calls follow its commit, their results commit
together (:mod:`runtime.executor.calls`, :mod:`runtime.executor.transactions`). What
this process's commits wrote is noted in :mod:`runtime.executor.commit_watch`.
"""

from __future__ import annotations

import functools
import logging
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from runtime.actions.base import Action
from runtime.executor.calls import ActionCalls, finish
from runtime.executor.commit_watch import NewOutbox, NextTimer
from runtime.executor.groups import StepGroups, chunks, fire_timers
from runtime.executor.leases import LeaseOwner
from runtime.executor.publishing import Publisher, log_publisher, publish_claimed, publish_now
from runtime.executor.transactions import Publishes, Transactions
from runtime.services import execution
from runtime.settings import Settings
from runtime.store.after_commit import watch_commits
from runtime.store.tables import OutboxRow, utcnow

__all__ = ["ActionLookup", "Publisher", "Worker", "log_publisher"]

logger = logging.getLogger("baton.worker")
_TIMER_BATCH = 100
_OUTBOX_BATCH = 100


ActionLookup = Callable[[str], Action]


def _default_lookup(name: str) -> Action:
    from runtime.actions.registry import get_action

    return get_action(name)


class Worker:
    """Runs the outbox dispatcher, the step thread pool and the timer clock.

    Parameters
    ----------
    settings
        ``worker_threads`` sizes the pool; ``clock_interval_seconds`` is the poll interval.
    engine
        The database to work on.
    publisher
        Receives every ``publish`` effect after commit; default: a debug log line.
    get_action
        Finds an action by name; default: :func:`runtime.actions.registry.get_action`.
    lease_margin_seconds
        How long past a step's timeout a claim stays with its worker before another
        worker may take it over (a crashed worker's work comes back after this, unless a
        worker finds the crashed process gone first).
    heartbeat_seconds
        How often a started worker says it is alive and looks for gone workers.
    dead_after_seconds
        A worker on another machine whose heartbeat is this old is taken for gone.
    """

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        publisher: Publisher | None = None,
        get_action: ActionLookup | None = None,
        lease_margin_seconds: float = 30.0,
        heartbeat_seconds: float = 5.0,
        dead_after_seconds: float = 60.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.publisher: Publisher = publisher or log_publisher
        self.get_action = get_action or _default_lookup
        self.lease_margin_seconds = lease_margin_seconds
        self.clock = clock
        self._threads = settings.worker_threads
        self._stop = threading.Event()
        self._dispatch_wake = threading.Event()
        self._clock_wake = threading.Event()
        self._inflight = 0
        self._inflight_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._loops: list[threading.Thread] = []
        self._tx = Transactions(engine, self._publish_now)
        # drain() skips the timer query until the next timer is due, and reads the
        # outbox only when this process's commits wrote entries it cannot name.
        self._next_timer = NextTimer(_TIMER_BATCH)
        self._outbox_new = NewOutbox(_OUTBOX_BATCH)
        self._calls = ActionCalls(self.get_action, settings, engine)
        self._groups = StepGroups(
            self._tx, self._calls, lease_margin_seconds=lease_margin_seconds,
            owner=lambda: self.leases.process_id, clock=clock,
            single=lambda outbox_id, now, claim: self.run_step(outbox_id, now=now, claim=claim),
        )  # fmt: skip
        # A worker used only for drain() is never stopped: its idle threads end with it.
        weakref.finalize(self, self._calls.close)
        watch_commits(engine, self._on_commit)
        #: The process this worker's claims name while it is started.
        self.leases = LeaseOwner(
            self._tx.write, clock=clock, heartbeat_seconds=heartbeat_seconds,
            dead_after_seconds=dead_after_seconds, on_reclaimed=self._dispatch_wake.set,
        )  # fmt: skip

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start the dispatcher, the pool and the clock in background threads."""
        if self._loops:
            raise RuntimeError("worker already started")
        self._stop.clear()
        self.leases.start()
        self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="baton-step")
        watch_commits(self.engine, self._on_commit)
        for name, loop in (
            ("baton-dispatch", self._dispatch_loop),
            ("baton-clock", self._clock_loop),
        ):
            thread = threading.Thread(target=loop, name=name, daemon=True)
            thread.start()
            self._loops.append(thread)
        logger.info("worker started with %d step threads", self._threads)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop claiming work, let running actions finish (up to ``timeout``), and return."""
        self._stop.set()
        self._dispatch_wake.set()
        self._clock_wake.set()
        for thread in self._loops:
            thread.join(timeout)
        self._loops.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=False)
            self._pool = None
        watch_commits(self.engine, None)
        self._calls.close()
        try:
            self.leases.stop()
        except OperationalError:  # its row goes when another worker finds it gone
            logger.warning("could not remove this worker's process record")
        logger.info("worker stopped")

    def __enter__(self) -> Worker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wake(self) -> None:
        """Look for new work now instead of at the next poll."""
        self._dispatch_wake.set()
        self._clock_wake.set()

    def _on_commit(
        self,
        publishes: Publishes,
        outbox: list[tuple[int, str]] | None,
        timers: datetime | None,
    ) -> None:
        # Called right after a commit on our engine in this process (any thread). Our
        # own threads publish once they let go of the write lock (see Transactions).
        held = self._tx.held()
        if held is not None:
            held.extend(publishes)
        else:
            self._publish_now(publishes)
        if outbox != []:
            self._outbox_new.add(outbox)
            self._dispatch_wake.set()
        if timers is not None:
            self._next_timer.written(timers)
            self._clock_wake.set()

    def _publish_now(self, publishes: Publishes) -> None:
        publish_now(self.publisher, publishes)

    # ------------------------------------------------------------------ loops

    def _dispatch_loop(self) -> None:
        interval = self.settings.clock_interval_seconds
        while not self._stop.is_set():
            try:
                done = self.dispatch_once()
            except Exception:
                logger.exception("dispatcher round failed; trying again shortly")
                done = 0
            if not done:
                self._dispatch_wake.wait(interval)
                self._dispatch_wake.clear()

    def _clock_loop(self) -> None:
        interval = self.settings.clock_interval_seconds
        while not self._stop.is_set():
            wait = interval
            try:
                self.fire_due_timers()  # reads afresh: other processes write timers too
                upcoming = self._next_timer.upcoming(self.clock() + timedelta(milliseconds=10))
                if upcoming is not None:
                    wait = max(0.0, min(interval, (upcoming - self.clock()).total_seconds()))
            except Exception:
                logger.exception("clock round failed; trying again shortly")
            if self.leases.due():
                try:
                    self.leases.heartbeat()
                except Exception:
                    logger.exception("heartbeat failed; trying again at the next")
            if wait > 0:
                self._clock_wake.wait(wait)
                self._clock_wake.clear()

    def dispatch_once(self) -> int:
        """Claim and hand out what is due now; the number of entries claimed."""
        now = self.clock()
        published = self._claim_publishes(now, limit=100)
        self._publish_batch(published)
        with self._inflight_lock:
            free = self._threads - self._inflight
        steps: list[int] = []
        if free > 0 and self._pool is not None:
            steps = self._tx.write(
                lambda s: [int(row.id) for row in self._claim(s, now, free, "run_step")]  # type: ignore[arg-type]
            )
            # A group of steps is one pool task: it begins them in one transaction and
            # commits their results together (runtime.executor.groups).
            for group in chunks(steps):
                with self._inflight_lock:
                    self._inflight += len(group)
                future = self._pool.submit(self._groups.run, group, now=None, claim=False)
                future.add_done_callback(functools.partial(self._step_done, count=len(group)))
        return len(published) + len(steps)

    def _claim(self, session: Session, at: datetime, limit: int, kind: str) -> list[OutboxRow]:
        return execution.claim_outbox(
            session, now=at, limit=limit, lease_margin_seconds=self.lease_margin_seconds,
            kinds=(kind,), owner=self.leases.process_id,
        )  # fmt: skip

    def _claim_publishes(self, at: datetime, limit: int) -> list[tuple[int, dict[str, Any]]]:
        return self._tx.write(
            lambda s: [
                (int(row.id), row.effect)  # type: ignore[arg-type]
                for row in self._claim(s, at, limit, "publish")
            ]
        )

    def _step_done(self, future: Any, count: int = 1) -> None:
        with self._inflight_lock:
            self._inflight -= count
        error = future.exception()
        if error is not None:
            logger.error("step delivery failed: %r", error)
        self._dispatch_wake.set()

    def fire_due_timers(self, now: datetime | None = None) -> int:
        """Fire every timer due by ``now`` into its run; how many fired."""
        at = now or self.clock()
        generation = self._next_timer.generation
        pending = self._tx.read(self._pending_timers)
        return self._fire(self._next_timer.due_keys(pending, at, generation), at)

    @staticmethod
    def _pending_timers(session: Session) -> list[tuple[str, datetime]]:
        # One read gives both the due timers and, after them, when the next one is due.
        return execution.pending_timers(session, limit=_TIMER_BATCH + 1)

    def _fire(self, keys: list[str], at: datetime) -> int:
        return fire_timers(self._tx, keys, at)

    def drain(self, *, now: datetime | None = None, max_rounds: int = 10_000) -> int:
        """Perform everything due, in this thread, until nothing is left (tests, benchmarks).

        Steps run inline; timers fire if due by ``now`` (default: the clock). Returns how
        many outbox entries and timers were handled.
        """
        handled = 0
        for round_ in range(max_rounds):
            at = now or self.clock()
            # The first round reads everything; later ones (at a fixed ``now``) only what
            # this process's commits may have added since.
            fresh = round_ == 0 or now is None
            # Entries this process writes from now on are noted afresh.
            known = self._outbox_new.take()
            read_outbox = fresh or known is None
            read_timers = fresh or self._next_timer.may_be_due(at)
            due: list[tuple[int, str]] = [] if read_outbox else sorted(known or [])
            pending: list[tuple[str, datetime]] | None = None
            generation = self._next_timer.generation
            if read_outbox or read_timers:

                def read(
                    s: Session,
                    at: datetime = at,
                    outbox: bool = read_outbox,
                    timers: bool = read_timers,
                ) -> tuple[list[tuple[int, str]], list[tuple[str, datetime]] | None]:
                    # One transaction reads both what is due in the outbox and the timers.
                    return (
                        execution.due_outbox(s, now=at, limit=_OUTBOX_BATCH) if outbox else [],
                        self._pending_timers(s) if timers else None,
                    )

                read_due, pending = self._tx.read(read)
                if read_outbox:
                    due = read_due
                    if len(due) == _OUTBOX_BATCH:
                        self._outbox_new.forget()  # more may be waiting
            publishes = [outbox_id for outbox_id, kind in due if kind == "publish"]
            if publishes:
                self._publish_batch(self._claim_publishes(at, limit=len(publishes)))
            steps = [outbox_id for outbox_id, kind in due if kind != "publish"]
            self._groups.run(steps, now=now, claim=True, side_by_side=False)
            fired = (
                self._fire(self._next_timer.due_keys(pending, at, generation), at)
                if pending is not None
                else 0
            )
            handled += len(due) + fired
            if not due and not fired:
                return handled
        raise RuntimeError(f"drain did not settle within {max_rounds} rounds")

    # ------------------------------------------------------------------ effects

    def _publish_batch(self, entries: list[tuple[int, dict[str, Any]]]) -> None:
        publish_claimed(entries, publisher=self.publisher, tx=self._tx, clock=self.clock)

    def run_step(self, outbox_id: int, now: datetime | None = None, claim: bool = False) -> None:
        """Deliver one ``run_step`` entry: record, call the action, feed the result back.

        An action that only computes (``runs_in_transaction``: no outside effect, so a
        repeated call is harmless) is called inside the transaction that records it and
        feeds its result back: one commit for the whole step. Any other action is
        recorded and committed first, then called, then its result committed.
        """
        start = now or self.clock()
        margin = self.lease_margin_seconds

        def begin(s: Session) -> execution.StepJob | None:
            job = execution.begin_step(
                s, outbox_id=outbox_id, now=start, lease_margin_seconds=margin, claim=claim,
                inline=self._calls.runs_in_transaction, owner=self.leases.process_id,
            )  # fmt: skip
            if job is None or not job.inline:
                return job
            self._calls.settle(s, job, start)
            return None

        job = self._tx.write(begin)
        if job is None:
            return
        outcome = self._calls.call(job, start)
        done = now or self.clock()
        self._tx.write(lambda s: finish(s, job, outcome, done))
