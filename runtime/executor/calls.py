"""Calling a step's action for the worker: the threads that call, the timeout, the outcome.

An outcome is the action's :class:`~runtime.actions.base.ActionResult`, or a message
and whether the failure may be retried; :func:`finish` feeds either back to the run.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Future, wait
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime
from typing import NamedTuple, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from runtime.actions.base import Action, ActionContext, ActionError, ActionResult, run_action
from runtime.engine.types import RunStep
from runtime.services import execution
from runtime.settings import Settings

__all__ = ["ActionCalls", "CallerThreads", "Outcome", "finish"]

logger = logging.getLogger("baton.worker")
T = TypeVar("T")

#: What calling an action gave: its result, or ``(message, retryable)``.
Outcome = ActionResult | tuple[str, bool]


class _Timeout(Exception):
    pass


class _Ready(NamedTuple):
    """An action found, and the context to call it with."""

    action: Action
    ctx: ActionContext


class CallerThreads:
    """Daemon threads that call actions, kept between calls (starting one costs ~100 µs).

    Python cannot stop a thread: a call that overruns its timeout keeps its thread until
    it returns (its result is dropped), so a busy pool grows a thread rather than queue a
    call behind a stuck one. Daemon threads never hold up the process's exit.
    """

    def __init__(self) -> None:
        self._idle: list[queue.SimpleQueue[Callable[[], None] | None]] = []
        self._lock = threading.Lock()

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        """Call ``fn`` on an idle thread (or a new one); its future."""
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
        """Let the idle threads end."""
        with self._lock:
            idle, self._idle = self._idle, []
        for inbox in idle:
            inbox.put(None)


class ActionCalls:
    """Calls steps' actions, found by ``get_action``, with ``settings`` and the ``store``."""

    def __init__(
        self, get_action: Callable[[str], Action], settings: Settings, store: Engine
    ) -> None:
        self._get_action = get_action
        self._settings = settings
        self._store = store
        self._callers = CallerThreads()

    def close(self) -> None:
        """Let the idle caller threads end."""
        self._callers.close()

    def runs_in_transaction(self, effect: RunStep) -> bool:
        """Whether ``effect``'s call may be made inside the transaction that records it."""
        try:
            action = self._get_action(effect.action)
        except LookupError:
            return False
        runs_inline = getattr(action, "runs_inline", None)
        if runs_inline is None:  # shaped like an Action without being one
            return bool(getattr(action, "runs_in_transaction", False))
        return bool(runs_inline(effect.inputs, self._settings, self._store))

    def call(
        self, job: execution.StepJob, now: datetime, *, session: Session | None = None
    ) -> Outcome:
        """Call ``job``'s action; how it went.

        ``session``: inside that transaction (the one that records the step), in this
        thread, no timeout; an action that keeps records writes them there.
        """
        found = self._prepare(job, now, session)
        if not isinstance(found, _Ready):
            return found
        action, ctx = found
        try:
            if session is not None:
                return _inline(action, job, ctx, session)
            future = self._callers.submit(lambda: run_action(action, job.effect.inputs, ctx))
            return self._outcome(job, future, job.effect.timeout_seconds)
        except Exception as exc:
            return self._failed(job, exc)

    def settle(self, session: Session, job: execution.StepJob, now: datetime) -> None:
        """Call an inline ``job``'s action in ``session`` and apply its result there."""
        outcome = self.call(job, now, session=session)
        if _keeps_records(self._get_action, job.effect.action):
            # Its records moved the run on (the ai action's audit line): read it again.
            job = execution.relock(session, job)
        finish(session, job, outcome, now, same=True)

    def call_many(
        self, jobs: list[execution.StepJob], now: datetime, *, gather_seconds: float = 0.005
    ) -> Iterator[list[tuple[execution.StepJob, Outcome]]]:
        """Call the jobs' actions side by side; their outcomes a batch at a time.

        A batch is what has answered once one answers, plus what answers within
        ``gather_seconds`` after it, so results that come together commit together. A
        call that overruns its step's timeout is given up (as in :meth:`call`).
        """
        pending: dict[Future[ActionResult], tuple[execution.StepJob, float]] = {}
        ready: list[tuple[execution.StepJob, Outcome]] = []
        for job in jobs:
            found = self._prepare(job, now)
            if not isinstance(found, _Ready):
                ready.append((job, found))
                continue
            action, ctx = found
            future = self._callers.submit(
                lambda action=action, job=job, ctx=ctx: run_action(action, job.effect.inputs, ctx)  # type: ignore[misc]
            )
            pending[future] = (job, time.monotonic() + job.effect.timeout_seconds)
        if ready:
            yield ready
        while pending:
            first = min(deadline for _, deadline in pending.values())
            done, _ = wait(pending, timeout=max(0.0, first - time.monotonic()),
                           return_when=FIRST_COMPLETED)  # fmt: skip
            if done and len(done) < len(pending):
                done, _ = wait(pending, timeout=gather_seconds, return_when=ALL_COMPLETED)
            now_at = time.monotonic()
            batch: list[tuple[execution.StepJob, Outcome]] = []
            for future, (job, deadline) in list(pending.items()):
                if future in done or deadline <= now_at:
                    del pending[future]
                    budget = 0.0 if future in done else None
                    try:
                        batch.append((job, self._outcome(job, future, budget)))
                    except Exception as exc:
                        batch.append((job, self._failed(job, exc)))
            if batch:
                yield batch

    def _prepare(
        self, job: execution.StepJob, now: datetime, session: Session | None = None
    ) -> _Ready | Outcome:
        effect = job.effect
        try:
            action = self._get_action(effect.action)
        except LookupError as exc:
            return str(exc), False
        ctx = ActionContext(
            run_id=job.run_id,
            case_id=job.case_id,
            step_id=effect.step_id,
            attempt=effect.attempt,
            case=job.case,
            settings=self._settings,
            now=now,
            store=self._store,
            session=session,
        )
        return _Ready(action, ctx)

    @staticmethod
    def _outcome(
        job: execution.StepJob, future: Future[ActionResult], timeout: float | None
    ) -> ActionResult:
        """The call's result; a call still running after ``timeout`` (``None``: now) failed."""
        if timeout is None and not future.done():
            timeout = 0.0
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            # Python cannot stop a thread: an overrunning call keeps its pool thread
            # until it returns, and its result is dropped (the step has failed).
            raise _Timeout(f"timed out after {job.effect.timeout_seconds:g} s") from None

    @staticmethod
    def _failed(job: execution.StepJob, exc: Exception) -> Outcome:
        action = job.effect.action
        if isinstance(exc, ActionError):
            return exc.message, exc.retryable
        if isinstance(exc, _Timeout):
            return f"action {action!r} {exc}", True
        logger.error("action %r crashed for %s", action, job.key, exc_info=exc)
        return f"action {action!r} crashed: {exc!r}", True


def _keeps_records(get_action: Callable[[str], Action], name: str) -> bool:
    try:
        return bool(getattr(get_action(name), "keeps_records", False))
    except LookupError:
        return False


def _inline(
    action: Action, job: execution.StepJob, ctx: ActionContext, session: Session
) -> ActionResult:
    """Call ``action`` inside ``session``'s transaction.

    An action that keeps records writes them under a savepoint: an :class:`ActionError`
    keeps them (a refusal or a failed answer is recorded, as a step of its own would
    commit it), a crash undoes them, so nothing half-written commits with the failure.
    """
    if not getattr(action, "keeps_records", False):
        return run_action(action, job.effect.inputs, ctx)
    savepoint = session.begin_nested()
    # The SAVEPOINT goes out when the session next asks for its connection; statements
    # on the driver (runtime.store.statements) do not ask, so ask here.
    session.connection()
    try:
        result = run_action(action, job.effect.inputs, ctx)
    except ActionError:
        savepoint.commit()
        raise
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    return result


def finish(
    session: Session,
    job: execution.StepJob,
    outcome: Outcome,
    now: datetime,
    *,
    same: bool = False,
) -> None:
    """Feed ``outcome`` back to the run (``same``: in the transaction that began the step)."""
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
