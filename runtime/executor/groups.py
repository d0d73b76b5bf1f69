"""Group commit: the steps and timers of many runs settled in a few shared transactions.

A worker that finds several entries due at once does not give each its own commit:

1. **one transaction begins them all**: each entry is claimed (where asked) and its run
   locked; an action that may be called inside it (``Action.runs_inline``: one that only
   computes, or a local ``ai`` step, whose budget and audit rows commit with its result)
   is called there and its result applied to the run in the same transaction; an action
   that reaches outside gets its execution record (the keyed claim) written, nothing more;
2. **the outside calls run after that commit**, side by side on caller threads, so no
   call starts before the claim that names its key is durable;
3. **their results commit together**, a batch at a time as the calls answer, each run
   locked, its event applied and its outbox entry marked done.

Nothing is published before the commit that holds it (the stream is fed by the
commit watch, :mod:`runtime.executor.transactions`), and a commit holds each run's
transition whole: a crash in the middle of a group loses the whole uncommitted group,
never part of a run's transition, and nothing of it was performed, published or
acknowledged. Its entries are due again (unclaimed, or after their leases) and the
next round performs them.

A group that fails for any reason other than the database being busy (which
:class:`~runtime.executor.transactions.Transactions` retries whole) is rolled back
and its entries are done one transaction each, so one bad entry never holds up the
others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TypeVar

from sqlmodel import Session, col, select

from runtime.executor.calls import ActionCalls, Outcome, finish
from runtime.executor.transactions import Transactions
from runtime.services import execution
from runtime.store.dialects import dialect_of
from runtime.store.tables import OutboxRow, RunRow

__all__ = ["GROUP_SIZE", "StepGroups", "chunks"]

logger = logging.getLogger("baton.worker")

#: Entries settled in one transaction at most. Large enough that a commit's fixed cost
#: is shared thinly (a commit on SQLite costs ~200 µs, a group of 64 transitions pages a
#: few hundred pages), small enough that one transaction never holds the write lock for
#: long (~10-20 ms on SQLite for 64 inline steps).
GROUP_SIZE = 64

T = TypeVar("T")


def chunks(items: Sequence[T], size: int = GROUP_SIZE) -> Iterator[list[T]]:
    """``items`` in consecutive lists of at most ``size``."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


class StepGroups:
    """Delivers ``run_step`` outbox entries a group at a time (see the module's docstring).

    ``single(outbox_id, now, claim)`` delivers one entry in transactions of its own:
    the fallback when a group fails.
    """

    def __init__(
        self,
        tx: Transactions,
        calls: ActionCalls,
        *,
        lease_margin_seconds: float,
        owner: Callable[[], str | None],
        clock: Callable[[], datetime],
        single: Callable[[int, datetime | None, bool], None],
        size: int = GROUP_SIZE,
    ) -> None:
        self._tx = tx
        self._calls = calls
        self._margin = lease_margin_seconds
        self._owner = owner
        self._clock = clock
        self._single = single
        self._size = size

    def run(
        self,
        outbox_ids: Sequence[int],
        *,
        now: datetime | None,
        claim: bool,
        side_by_side: bool = True,
    ) -> None:
        """Deliver ``outbox_ids``, ``size`` entries to a group.

        ``side_by_side``: a group's outside calls run at once, each on a caller thread
        (the worker's pool threads bound how many entries it claims, so how many calls
        run together); otherwise one after the other, as :meth:`Worker.drain` does.
        """
        for group in chunks(outbox_ids, self._size):
            if len(group) == 1:
                self._single(group[0], now, claim)
            else:
                self._run_group(group, now, claim, side_by_side)

    def _run_group(
        self, group: list[int], now: datetime | None, claim: bool, side_by_side: bool
    ) -> None:
        start = now or self._clock()
        try:
            jobs = self._tx.write(lambda s: self._begin_all(s, group, start, claim))
        except Exception:
            logger.exception("a group of %d steps failed; delivering them one by one", len(group))
            _each(group, lambda outbox_id: self._single(outbox_id, now, claim))
            return
        if not jobs:
            return
        if not side_by_side:
            self._finish_all([(job, self._calls.call(job, start)) for job in jobs], now)
            return
        # Side by side, their answers commit a batch at a time, as they come.
        for answered in self._calls.call_many(jobs, start):
            self._finish_all(answered, now)

    def _begin_all(
        self, session: Session, group: list[int], start: datetime, claim: bool
    ) -> list[execution.StepJob]:
        """Begin every entry of ``group``: inline ones settled here, outside ones returned."""
        outside: list[execution.StepJob] = []
        owner = self._owner()
        for outbox_id in _in_lock_order(session, group):
            job = execution.begin_step(
                session, outbox_id=outbox_id, now=start, lease_margin_seconds=self._margin,
                claim=claim, inline=self._calls.runs_in_transaction, owner=owner,
            )  # fmt: skip
            if job is None:
                continue
            if job.inline:
                self._calls.settle(session, job, start)
            else:
                outside.append(job)
        return outside

    def _finish_all(
        self, answered: list[tuple[execution.StepJob, Outcome]], now: datetime | None
    ) -> None:
        done = now or self._clock()

        def finish_all(session: Session) -> None:
            # Runs locked in one order by every group: two workers' groups never deadlock.
            for job, outcome in sorted(answered, key=lambda a: (a[0].case_id, a[0].run_id)):
                finish(session, job, outcome, done)

        if len(answered) > 1:
            try:
                self._tx.write(finish_all)
                return
            except Exception:
                logger.exception(
                    "%d step results failed together; recording them one by one", len(answered)
                )
        _each(
            answered,
            lambda answer: self._tx.write(lambda s: finish(s, answer[0], answer[1], done)),
        )


def _in_lock_order(session: Session, group: list[int]) -> list[int]:
    """``group`` ordered by case, then run: the order in which its runs get locked.

    Where writers run side by side (PostgreSQL's row locks), two workers' groups that
    share runs then lock them in the same order and never deadlock. SQLite has one
    writer at a time: the order does not matter there, and the read is spared.
    """
    if dialect_of(session).serial_writes:
        return group
    rows = session.execute(
        select(OutboxRow.id, RunRow.case_id, OutboxRow.run_id)
        .outerjoin(RunRow, col(RunRow.id) == col(OutboxRow.run_id))
        .where(col(OutboxRow.id).in_(group))
    ).all()
    order = {
        outbox_id: (case_id or "", run_id or "", outbox_id) for outbox_id, case_id, run_id in rows
    }
    return sorted(group, key=lambda outbox_id: order.get(outbox_id, ("", "", outbox_id)))


def _each(items: Sequence[T], deliver: Callable[[T], object]) -> None:
    """``deliver`` every item, one failing not costing the others theirs.

    The first failure is raised once all were tried; a failed entry stays due (or under
    its lease) and is delivered again later.
    """
    failure: Exception | None = None
    for item in items:
        try:
            deliver(item)
        except Exception as exc:
            failure = failure or exc
    if failure is not None:
        raise failure


def fire_timers(tx: Transactions, keys: Sequence[str], at: datetime) -> int:
    """Fire ``keys`` (due by ``at``), a group per transaction; how many fired.

    A group that fails other than by a busy database is fired again one timer a
    transaction, so one bad timer never holds up the others.
    """
    fired = 0
    for group in chunks(keys):

        def fire_all(session: Session, group: list[str] = group) -> int:
            return sum(execution.fire_timer(session, key=key, now=at) for key in group)

        try:
            fired += tx.write(fire_all)
        except Exception:
            if len(group) == 1:
                raise
            logger.exception("a group of %d timers failed; firing them one by one", len(group))
            one_by_one: list[bool] = []

            def fire_one(key: str, one_by_one: list[bool] = one_by_one) -> None:
                one_by_one.append(tx.write(lambda s: execution.fire_timer(s, key=key, now=at)))

            _each(group, fire_one)
            fired += sum(one_by_one)
    return fired
