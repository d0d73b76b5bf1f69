"""The worker: performs outbox effects after commit and fires due timers.

Three kinds of thread:

- the **dispatcher** claims due outbox entries: ``publish`` entries are handed to the
  publisher at once; ``run_step`` entries go to a thread pool, never more than it has
  free threads (a claim is a lease, and a lease must not tick away in a queue);
- the **pool** threads call actions (see :mod:`runtime.services.execution` for the
  at-least-once, keyed delivery) and feed the result back to the run;
- the **clock** polls the indexed ``timer.due_at`` column and fires due timers.

Each database step is its own short transaction, retried with tenacity when the
database says "busy" or "deadlock" (SQLite's lock timeout, PostgreSQL's deadlock
detector). Commits made through sessions on the same engine in this process wake the
threads at once; otherwise they poll every ``settings.clock_interval_seconds``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from runtime.actions.base import Action, ActionContext, ActionError, ActionResult, run_action
from runtime.db import session_scope
from runtime.services import execution
from runtime.services.core import OUTBOX_WRITTEN, TIMERS_WRITTEN
from runtime.settings import Settings
from runtime.store.tables import OutboxRow, utcnow

__all__ = ["ActionLookup", "Publisher", "Worker", "log_publisher"]

logger = logging.getLogger("baton.worker")
T = TypeVar("T")


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


def _call_with_timeout(fn: Callable[[], T], seconds: float) -> T:
    """``fn()``, or :class:`_Timeout` after ``seconds``.

    Python cannot stop a thread; a call that overruns keeps running in its daemon
    thread and its eventual result is dropped (the step has failed by then).
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, name="baton-action", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise _Timeout(f"timed out after {seconds:g} s")
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


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
        worker may take it over (a crashed worker's work comes back after this).
    """

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        publisher: Publisher | None = None,
        get_action: ActionLookup | None = None,
        lease_margin_seconds: float = 30.0,
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
            threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()
        )
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
        self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="baton-step")
        event.listen(Session, "after_commit", self._after_commit)
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
        if event.contains(Session, "after_commit", self._after_commit):
            event.remove(Session, "after_commit", self._after_commit)
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

    def _after_commit(self, session: Session) -> None:
        bind = session.bind
        if getattr(bind, "engine", bind) is not self.engine:
            return
        if session.info.pop(OUTBOX_WRITTEN, False):
            self._dispatch_wake.set()
        if session.info.pop(TIMERS_WRITTEN, False):
            self._clock_wake.set()

    # ------------------------------------------------------------------ database

    def _db(self, fn: Callable[[Session], T]) -> T:
        for attempt in self._retrying:
            with attempt, self._write_lock, session_scope(self.engine) as session:
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
                self.fire_due_timers()
                upcoming = self._db(execution.next_timer_due)
                if upcoming is not None:
                    wait = max(0.0, min(interval, (upcoming - self.clock()).total_seconds()))
            except Exception:
                logger.exception("clock round failed; trying again shortly")
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
                    s, now=now, limit=100, lease_margin_seconds=margin, kinds=("publish",)
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
                        s, now=now, limit=free, lease_margin_seconds=margin, kinds=("run_step",)
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
        fired = 0
        for key in self._db(lambda s: execution.due_timers(s, now=at)):
            if self._db(lambda s, key=key: execution.fire_timer(s, key=key, now=at)):  # type: ignore[misc]
                fired += 1
        return fired

    def drain(self, *, now: datetime | None = None, max_rounds: int = 10_000) -> int:
        """Perform everything due, in this thread, until nothing is left (tests, benchmarks).

        Steps run inline; timers fire if due by ``now`` (default: the clock). Returns how
        many outbox entries and timers were handled.
        """
        handled = 0
        for _ in range(max_rounds):
            at = now or self.clock()
            rows = self._db(
                lambda s, at=at: [  # type: ignore[misc]
                    (int(row.id), row.kind, row.effect)  # type: ignore[arg-type]
                    for row in execution.claim_outbox(
                        s, now=at, limit=100, lease_margin_seconds=self.lease_margin_seconds
                    )
                ]
            )
            self._publish_batch([(i, effect) for i, kind, effect in rows if kind == "publish"])
            for outbox_id, kind, _effect in rows:
                if kind != "publish":
                    self.run_step(outbox_id, now=now)
            fired = self.fire_due_timers(at)
            handled += len(rows) + fired
            if not rows and not fired:
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

    def run_step(self, outbox_id: int, now: datetime | None = None) -> None:
        """Deliver one ``run_step`` entry: record, call the action, feed the result back."""
        start = now or self.clock()
        job = self._db(
            lambda s: execution.begin_step(
                s, outbox_id=outbox_id, now=start, lease_margin_seconds=self.lease_margin_seconds
            )
        )
        if job is None:
            return
        outcome = self._call(job, start)
        done = now or self.clock()
        if isinstance(outcome, ActionResult):
            self._db(
                lambda s: execution.finish_step(
                    s,
                    job=job,
                    now=done,
                    outputs=outcome.outputs,
                    case_updates=outcome.case_updates,
                )
            )
        else:
            message, retryable = outcome
            self._db(
                lambda s: execution.finish_step(
                    s, job=job, now=done, error=message, retryable=retryable
                )
            )

    def _call(self, job: execution.StepJob, now: datetime) -> ActionResult | tuple[str, bool]:
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
        )
        try:
            return _call_with_timeout(
                lambda: run_action(action, effect.inputs, ctx), effect.timeout_seconds
            )
        except ActionError as exc:
            return exc.message, exc.retryable
        except _Timeout as exc:
            return f"action {effect.action!r} {exc}", True
        except Exception as exc:
            logger.exception("action %r crashed for %s", effect.action, job.key)
            return f"action {effect.action!r} crashed: {exc!r}", True
