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

Each database step is its own short transaction, retried with tenacity when the
database says "busy" or "deadlock" (SQLite's lock timeout, PostgreSQL's deadlock
detector). An action that only computes (``runs_in_transaction``) is called inside
the transaction that claims its step and records its result: one commit per step.
"""

from __future__ import annotations

import logging
import queue
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from runtime.actions.base import Action, ActionContext, ActionError, ActionResult, run_action
from runtime.db import session_scope
from runtime.executor.leases import LeaseOwner
from runtime.services import execution
from runtime.settings import Settings
from runtime.store.after_commit import watch_commits
from runtime.store.dialects import dialect_of
from runtime.store.tables import OutboxRow, utcnow

__all__ = ["ActionLookup", "Publisher", "Worker", "log_publisher"]

logger = logging.getLogger("baton.worker")
T = TypeVar("T")
_TIMER_BATCH = 100
_OUTBOX_BATCH = 100


class Publisher(Protocol):
    """Where run updates go after commit (the live stream plugs Socket.IO in here)."""

    def __call__(self, topic: str, data: dict[str, Any]) -> None: ...


ActionLookup = Callable[[str], Action]


def log_publisher(topic: str, data: dict[str, Any]) -> None:
    """The default publisher: a debug log line per update."""
    logger.debug("publish %s run=%s seq=%s", topic, data.get("run_id"), data.get("seq"))


def _default_lookup(name: str) -> Action:
    from runtime.actions.registry import get_action

    return get_action(name)


class _Timeout(Exception):
    pass


class _CallerThreads:
    """Daemon threads that call actions, kept between calls (starting one costs ~100 µs).

    Python cannot stop a thread: a call that overruns its timeout keeps its thread until
    it returns (its result is dropped), so a busy pool grows a thread rather than queue a
    call behind a stuck one. Daemon threads never hold up the process's exit.
    """

    def __init__(self) -> None:
        self._idle: list[queue.SimpleQueue[Callable[[], None] | None]] = []
        self._lock = threading.Lock()

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()

        def task() -> None:
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn())
                except BaseException as exc:
                    future.set_exception(exc)

        with self._lock:
            inbox = self._idle.pop() if self._idle else None
        if inbox is None:
            inbox = queue.SimpleQueue()
            threading.Thread(
                target=self._serve, args=(inbox,), name="baton-action", daemon=True
            ).start()
        inbox.put(task)
        return future

    def _serve(self, inbox: queue.SimpleQueue[Callable[[], None] | None]) -> None:
        while (task := inbox.get()) is not None:
            task()
            with self._lock:
                self._idle.append(inbox)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for inbox in idle:
            inbox.put(None)


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
        # SQLite has one writer at a time anyway; queueing this worker's own threads on a
        # Python lock spares them SQLite's busy-wait sleeps (up to 100 ms a round).
        self._write_lock: AbstractContextManager[Any] = (
            threading.Lock() if dialect_of(engine).serial_writes else nullcontext()
        )
        # When the earliest pending timer is due (None: none pending), as last read and
        # moved earlier by this process's commits that write timers; drain() skips the
        # timer query until then. The generation tells a read that raced a commit.
        self._next_timer: datetime | None = None
        self._next_timer_known = False
        self._timer_generation = 0
        self._timer_lock = threading.Lock()
        # The ``(id, kind)`` of outbox entries this process's commits wrote since drain()
        # last looked; None: some it cannot name (or too many), so drain() reads.
        self._outbox_new: list[tuple[int, str]] | None = None
        self._outbox_lock = threading.Lock()
        self._callers = _CallerThreads()
        # A worker used only for drain() is never stopped: its idle threads end with it.
        weakref.finalize(self, self._callers.close)
        self._local = threading.local()
        watch_commits(engine, self._on_commit)
        #: The process this worker's claims name while it is started.
        self.leases = LeaseOwner(
            self._db, clock=clock, heartbeat_seconds=heartbeat_seconds,
            dead_after_seconds=dead_after_seconds, on_reclaimed=self._dispatch_wake.set,
        )  # fmt: skip
        self._retrying = Retrying(
            retry=retry_if_exception_type(OperationalError),
            stop=stop_after_attempt(8),
            wait=wait_exponential(multiplier=0.02, max=1.0),
            reraise=True,
        )

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
        self._callers.close()
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
        publishes: list[tuple[str, dict[str, Any]]],
        outbox: list[tuple[int, str]] | None,
        timers: datetime | None,
    ) -> None:
        # Called right after a commit on our engine in this process (any thread). Our
        # own threads publish once they let go of the write lock (see _db).
        held = getattr(self._local, "held", None)
        if held is not None:
            held.extend(publishes)
        else:
            self._publish_now(publishes)
        if outbox != []:
            with self._outbox_lock:
                if outbox is None or self._outbox_new is None:
                    self._outbox_new = None
                elif len(self._outbox_new) + len(outbox) > _OUTBOX_BATCH:
                    self._outbox_new = None  # bounded: a worker that never drains reads
                else:
                    self._outbox_new.extend(outbox)
            self._dispatch_wake.set()
        if timers is not None:
            with self._timer_lock:
                self._timer_generation += 1
                if self._next_timer is None or timers < self._next_timer:
                    self._next_timer = timers
            self._clock_wake.set()

    # ------------------------------------------------------------------ database

    def _publish_now(self, publishes: list[tuple[str, dict[str, Any]]]) -> None:
        for topic, data in publishes:
            try:
                self.publisher(topic, data)
            except Exception as exc:
                # Watchers catch up from the log by seq; a lost message loses nothing.
                logger.warning("publisher failed: %r", exc)

    def _db(self, fn: Callable[[Session], T]) -> T:
        held: list[tuple[str, dict[str, Any]]] = []
        outer = getattr(self._local, "held", None)
        self._local.held = held
        try:
            return self._retried(fn, read_only=False)
        finally:
            self._local.held = outer
            # After the commit and outside the write lock: a slow publisher (a message
            # queue far away) must not hold up the other threads' transactions.
            self._publish_now(held)

    def _read(self, fn: Callable[[Session], T]) -> T:
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
                with self._timer_lock:
                    upcoming = (
                        self._next_timer
                        if self._next_timer_known
                        else self.clock() + timedelta(milliseconds=10)
                    )
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
        margin = self.lease_margin_seconds
        published = self._db(
            lambda s: [
                (int(row.id), row.effect)  # type: ignore[arg-type]
                for row in execution.claim_outbox(
                    s,
                    now=now,
                    limit=100,
                    lease_margin_seconds=margin,
                    kinds=("publish",),
                    owner=self.leases.process_id,
                )
            ]
        )
        self._publish_batch(published)
        with self._inflight_lock:
            free = self._threads - self._inflight
        steps: list[int] = []
        if free > 0 and self._pool is not None:
            steps = self._db(
                lambda s: [
                    int(row.id)  # type: ignore[arg-type]
                    for row in execution.claim_outbox(
                        s,
                        now=now,
                        limit=free,
                        lease_margin_seconds=margin,
                        kinds=("run_step",),
                        owner=self.leases.process_id,
                    )
                ]
            )
            for outbox_id in steps:
                with self._inflight_lock:
                    self._inflight += 1
                future = self._pool.submit(self.run_step, outbox_id)
                future.add_done_callback(self._step_done)
        return len(published) + len(steps)

    def _step_done(self, future: Any) -> None:
        with self._inflight_lock:
            self._inflight -= 1
        error = future.exception()
        if error is not None:
            logger.error("step delivery failed: %r", error)
        self._dispatch_wake.set()

    def fire_due_timers(self, now: datetime | None = None) -> int:
        """Fire every timer due by ``now`` into its run; how many fired."""
        at = now or self.clock()
        generation = self._timer_generation
        pending = self._read(self._pending_timers)
        return self._fire(self._due_timer_keys(pending, at, generation), at)

    @staticmethod
    def _pending_timers(session: Session) -> list[tuple[str, datetime]]:
        # One read gives both the due timers and, after them, when the next one is due.
        return execution.pending_timers(session, limit=_TIMER_BATCH + 1)

    def _due_timer_keys(
        self, pending: list[tuple[str, datetime]], at: datetime, generation: int
    ) -> list[str]:
        keys = [key for key, due in pending if due <= at][:_TIMER_BATCH]
        later = [due for _key, due in pending if due > at]
        with self._timer_lock:
            if generation == self._timer_generation and len(keys) < _TIMER_BATCH:
                self._next_timer = later[0] if later else None
                self._next_timer_known = True
            else:  # a commit wrote timers meanwhile, or more are due than one read holds
                self._next_timer_known = False
        return keys

    def _fire(self, keys: list[str], at: datetime) -> int:
        fired = 0
        for key in keys:
            if self._db(lambda s, key=key: execution.fire_timer(s, key=key, now=at)):  # type: ignore[misc]
                fired += 1
        return fired

    def _timers_may_be_due(self, at: datetime) -> bool:
        # Only timers written by other processes (or by hand) escape the commit watcher:
        # the clock loop polls for those, and drain() reads once per call.
        with self._timer_lock:
            if not self._next_timer_known:
                return True
            return self._next_timer is not None and self._next_timer <= at

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
            with self._outbox_lock:
                # Entries this process wrote since are in _outbox_new from now on.
                known, self._outbox_new = self._outbox_new, []
            read_outbox = fresh or known is None
            read_timers = fresh or self._timers_may_be_due(at)
            due: list[tuple[int, str]] = [] if read_outbox else sorted(known or [])
            pending: list[tuple[str, datetime]] | None = None
            generation = self._timer_generation
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

                read_due, pending = self._read(read)
                if read_outbox:
                    due = read_due
                    if len(due) == _OUTBOX_BATCH:
                        with self._outbox_lock:
                            self._outbox_new = None  # more may be waiting
            publishes = [outbox_id for outbox_id, kind in due if kind == "publish"]
            if publishes:
                rows = self._db(
                    lambda s, at=at, publishes=publishes: [  # type: ignore[misc]
                        (int(row.id), row.effect)  # type: ignore[arg-type]
                        for row in execution.claim_outbox(
                            s,
                            now=at,
                            limit=len(publishes),
                            lease_margin_seconds=self.lease_margin_seconds,
                            kinds=("publish",),
                            owner=self.leases.process_id,
                        )
                    ]
                )
                self._publish_batch(rows)
            for outbox_id, kind in due:
                if kind != "publish":
                    self.run_step(outbox_id, now=now, claim=True)
            fired = (
                self._fire(self._due_timer_keys(pending, at, generation), at)
                if pending is not None
                else 0
            )
            handled += len(due) + fired
            if not due and not fired:
                return handled
        raise RuntimeError(f"drain did not settle within {max_rounds} rounds")

    # ------------------------------------------------------------------ effects

    def _publish_batch(self, entries: list[tuple[int, dict[str, Any]]]) -> None:
        """Hand claimed ``publish`` entries to the publisher; mark them done together."""
        if not entries:
            return
        done: list[int] = []
        for outbox_id, effect in entries:
            try:
                self.publisher(
                    str(effect.get("topic", "run.updated")), dict(effect.get("data", {}))
                )
            except Exception as exc:
                # Watchers catch up from the log by seq; a publish is retried a few times only.
                logger.warning("publisher failed: %r", exc)
                self._release_publish(outbox_id, repr(exc))
            else:
                done.append(outbox_id)
        now = self.clock()
        self._db(lambda s: execution.finish_outbox_many(s, outbox_ids=done, now=now))

    def _release_publish(self, outbox_id: int, error: str) -> None:
        now = self.clock()
        self._db(
            lambda s: execution.release_outbox(
                s,
                outbox_id=outbox_id,
                now=now,
                error=error,
                retry_in_seconds=2.0 if self._attempts(s, outbox_id) < 5 else None,
            )
        )

    @staticmethod
    def _attempts(session: Session, outbox_id: int) -> int:
        row = session.get(OutboxRow, outbox_id)
        return row.attempts if row is not None else 0

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
                inline=self._runs_in_transaction, owner=self.leases.process_id,
            )  # fmt: skip
            if job is None or not job.inline:
                return job
            self._finish(s, job, self._call(job, start, inline=True), start, same=True)
            return None

        job = self._db(begin)
        if job is None:
            return
        outcome = self._call(job, start)
        done = now or self.clock()
        self._db(lambda s: self._finish(s, job, outcome, done))

    @staticmethod
    def _finish(
        session: Session,
        job: execution.StepJob,
        outcome: ActionResult | tuple[str, bool],
        now: datetime,
        *,
        same: bool = False,
    ) -> None:
        if isinstance(outcome, ActionResult):
            execution.finish_step(
                session,
                job=job,
                now=now,
                outputs=outcome.outputs,
                case_updates=outcome.case_updates,
                same_transaction=same,
            )
        else:
            message, retryable = outcome
            execution.finish_step(
                session, job=job, now=now, error=message, retryable=retryable,
                same_transaction=same,
            )  # fmt: skip

    def _runs_in_transaction(self, name: str) -> bool:
        try:
            action = self.get_action(name)
        except LookupError:
            return False
        return bool(getattr(action, "runs_in_transaction", False))

    def _call(
        self, job: execution.StepJob, now: datetime, *, inline: bool = False
    ) -> ActionResult | tuple[str, bool]:
        effect = job.effect
        try:
            action = self.get_action(effect.action)
        except LookupError as exc:
            return str(exc), False
        ctx = ActionContext(
            run_id=job.run_id,
            case_id=job.case_id,
            step_id=effect.step_id,
            attempt=effect.attempt,
            case=job.case,
            settings=self.settings,
            now=now,
            store=self.engine,
        )
        try:
            if inline:
                return run_action(action, effect.inputs, ctx)
            future = self._callers.submit(lambda: run_action(action, effect.inputs, ctx))
            try:
                return future.result(timeout=effect.timeout_seconds)
            except FutureTimeout:
                # Python cannot stop a thread: an overrunning call keeps its pool thread
                # until it returns, and its result is dropped (the step has failed).
                raise _Timeout(f"timed out after {effect.timeout_seconds:g} s") from None
        except ActionError as exc:
            return exc.message, exc.retryable
        except _Timeout as exc:
            return f"action {effect.action!r} {exc}", True
        except Exception as exc:
            logger.exception("action %r crashed for %s", effect.action, job.key)
            return f"action {effect.action!r} crashed: {exc!r}", True
