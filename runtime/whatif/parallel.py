"""Play many recorded cases on several cores: read, predict and route side by side.

A what-if reads its cases' rows, reads what each case did off its log, predicts what the
draft would make of it (a simulation: the cost) and routes both sides' work items. Cases
are independent but for one thing: a step a recording never ran takes the median time
it took in all the others (:func:`~runtime.whatif.play.typical_minutes`).

So the runs are read here in a few parts (the queries only: the rows stay as stored), and
after each part a forked worker takes it over; while this process reads the next part,
the worker reads its cases off their logs, sends back each step's minutes, then their
traces, and waits. Once all minutes are in, each gets the medians and predicts its own
cases, which it still holds (nothing but traces and minutes crosses between processes);
meanwhile this process takes in the recorded traces and routes their items, then the
predicted ones when they are back. The workers never touch the database (SQLite's
locks do not survive a fork: a connection opened after one would share the parent's
lock state) and run pure code only, which is what makes forking a threaded web process
safe here.

Forking is used only where the platform offers it and only for enough cases to repay it
(:data:`MIN_CASES`); otherwise, and with ``processes=1``, the same steps run here in
turn. Pooled what-ifs run one at a time in a process (:data:`_LOCK`).
"""

from __future__ import annotations

import gc
import multiprocessing
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Protocol

from runtime.engine.definition import CompiledWorkflow
from runtime.whatif.figures import figures
from runtime.whatif.play import Draft, Played, RecordedCase, read_recorded, typical_minutes
from runtime.whatif.report import Figures
from runtime.whatif.routing_model import Load, RoutingModel, route
from runtime.whatif.trace import Trace

__all__ = ["MIN_CASES", "Outcome", "Reading", "collector_paused", "play_all"]

MIN_CASES = 500
"""Below this many cases (under a second's work) forking workers is not worth it."""

_PARTS_PER_PROCESS = 2
"""Parts the runs are read in, per process: the first worker starts early, and the last
part, read off its log after all the queries, is small."""

_LOCK = threading.Lock()


class Reading(Protocol):
    """The recorded runs to play (oldest first) and how to read their cases."""

    @property
    def runs(self) -> Sequence[Any]: ...

    def read(self, part: Sequence[Any] | None = None) -> list[RecordedCase]:
        """The cases of ``part`` (a slice of :attr:`runs`), else of all the runs; a run
        without inputs has none."""
        ...


@dataclass(slots=True)
class Outcome:
    """Each case's trace as recorded and as predicted (in the cases' order), the team's
    load with the recorded items and with the predicted ones, and the recorded side's
    figures (pooled, worked out while the workers predict)."""

    before: list[Trace]
    after: list[Trace]
    routed_before: Load
    routed_after: Load
    active: Figures
    simulated: int = 0  #: cases the draft was played through (the others as recorded)


def play_all(
    definitions: Mapping[int, CompiledWorkflow],
    draft: Draft,
    reading: Reading,
    model: RoutingModel,
    *,
    processes: int = 1,
) -> Outcome:
    """Read every case, predict the ones the draft may change, route both sides' items."""
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if processes <= 1 or len(reading.runs) < MIN_CASES or not forkable:
        return _play_here(definitions, draft, reading, model)
    # Here, it reads, waits and routes: all of it without the collector (each time it
    # came back on, its first pass walked every case read, for nothing).
    with _LOCK, collector_paused():
        return _play_forked(definitions, draft, reading, model, processes)


def _read_off(
    definitions: Mapping[int, CompiledWorkflow], cases: Sequence[RecordedCase]
) -> list[Played]:
    """What each case did and how its steps answered (the collector paused)."""
    with collector_paused():
        return [read_recorded(definitions[case.version], case) for case in cases]


def _predict(
    draft: Draft,
    cases: Sequence[RecordedCase],
    played: Sequence[Played],
    typical: Mapping[str, float],
) -> list[tuple[int, Trace]]:
    """The draft's trace of each case it may change, by the case's place."""
    return [
        (n, draft.play(case, done, typical))
        for n, (case, done) in enumerate(zip(cases, played, strict=True))
        if not draft.unaffected(case, done)
    ]


def _minutes(played: Iterable[Played]) -> list[dict[str, list[float]]]:
    return [done.script.minutes for done in played]


def _play_here(
    definitions: Mapping[int, CompiledWorkflow],
    draft: Draft,
    reading: Reading,
    model: RoutingModel,
) -> Outcome:
    """Every step in this process, in turn."""
    with collector_paused():
        cases = reading.read()
    played = _read_off(definitions, cases)
    typical = typical_minutes(_minutes(played))
    before = [done.trace for done in played]
    after = list(before)
    with _collector_on():  # the predictions make cycles; nothing else here does
        predicted = _predict(draft, cases, played, typical)
    for n, trace in predicted:
        after[n] = trace
    with collector_paused():
        routed_before = _route(before, model)
        routed_after = _route(after, model) if predicted else routed_before
    active = figures(before, routed_before)
    return Outcome(before, after, routed_before, routed_after, active, len(predicted))


def _route(traces: Sequence[Trace], model: RoutingModel) -> Load:
    return route(model, (item for trace in traces for item in trace.items))


def _parts(total: int, count: int) -> list[tuple[int, int]]:
    count = max(1, min(total, count))
    edges = [total * k // count for k in range(count + 1)]
    return [(edges[k], edges[k + 1]) for k in range(count)]


def _play_forked(
    definitions: Mapping[int, CompiledWorkflow],
    draft: Draft,
    reading: Reading,
    model: RoutingModel,
    processes: int,
) -> Outcome:
    """The pooled what-if of the module's docstring; called holding :data:`_LOCK`."""
    context = multiprocessing.get_context("fork")
    runs = reading.runs
    workers: list[_Worker] = []
    try:
        for first, end in _parts(len(runs), processes * _PARTS_PER_PROCESS):
            workers.append(_Worker(context, definitions, draft, reading.read(runs[first:end])))
        # The minutes first: each worker predicts as soon as it has the medians, and the
        # recorded traces are taken in (unpickled here) while the workers predict.
        minutes = [worker.receive() for worker in workers]
        typical = typical_minutes(m for part in minutes for m in part)
        for worker in workers:
            worker.send(typical)
        parts: list[list[Trace]] = [worker.receive() for worker in workers]
        before = [trace for traces in parts for trace in traces]
        routed_before = _route(before, model)  # while the workers predict
        active = figures(before, routed_before)
        for worker in workers:  # freed while the workers predict, not at the end
            worker.forget()
        predicted = [worker.receive() for worker in workers]
    finally:
        for worker in workers:
            worker.close()
    # Places in each part, made places in the whole.
    after = list(before)
    start = 0
    for traces, part in zip(parts, predicted, strict=True):
        for n, trace in part:
            after[start + n] = trace
        start += len(traces)
    routed_after = _route(after, model) if any(predicted) else routed_before
    simulated = sum(map(len, predicted))
    return Outcome(before, after, routed_before, routed_after, active, simulated)


class _Failed:
    """A worker's error, sent back to be raised here."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Worker:
    """A forked process that holds one part's cases: it reads them off their logs, then
    predicts them with the medians it is sent."""

    def __init__(
        self,
        context: Any,
        definitions: Mapping[int, CompiledWorkflow],
        draft: Draft,
        cases: Sequence[RecordedCase],
    ) -> None:
        here, there = context.Pipe()
        self._connection: Connection = here
        # The cases reach the worker inside a list this process empties once it no longer
        # needs them (the process object keeps its arguments to its end).
        self._cases = [cases]
        self._process: BaseProcess = context.Process(
            target=_work, args=(there, definitions, draft, self._cases), daemon=True
        )
        self._process.start()
        there.close()

    def forget(self) -> None:
        """Drop this process's reference to the worker's cases (its own copy stays)."""
        self._cases.clear()

    def send(self, value: Any) -> None:
        self._connection.send(value)

    def receive(self) -> Any:
        try:
            found = self._connection.recv()
        except EOFError:
            raise RuntimeError("a what-if worker process ended without answering") from None
        if isinstance(found, _Failed):
            raise found.error
        return found

    def close(self) -> None:
        self._connection.close()
        self._process.join(timeout=5)
        if self._process.is_alive():  # only when the what-if failed: it waits for nothing
            self._process.terminate()
            self._process.join()


def _work(
    connection: Connection,
    definitions: Mapping[int, CompiledWorkflow],
    draft: Draft,
    held: list[Sequence[RecordedCase]],
) -> None:
    """A worker's life (in the forked process)."""
    gc.freeze()  # what it inherits lives to its end: no collector passes over it
    (cases,) = held
    try:
        played = _read_off(definitions, cases)
        connection.send(_minutes(played))
        # Its traces while the other parts are read (the parent takes them after sending
        # the medians: the medians, small, never wait behind them).
        connection.send([done.trace for done in played])
        gc.freeze()  # and what it has read: the predictions' passes need not walk it
        typical = connection.recv()
        connection.send(_predict(draft, cases, played, typical))
    except BaseException as error:  # raised in the parent, which waits for an answer
        try:
            connection.send(_Failed(error))
        except Exception:  # an error that does not pickle: its words at least
            connection.send(_Failed(RuntimeError(repr(error))))
    finally:
        connection.close()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for a while (back on after, if it was on).

    Reading ten thousand cases makes a million small objects that live to the answer and
    hold no cycles, and routing makes many short-lived ones over that heap: each full pass
    of the collector walked it all and found nothing to free (a third of the reading's
    CPU). Reference counting still frees what is dropped; a cycle made meanwhile waits for
    the next pass. The forked workers instead freeze what they inherit
    (:func:`gc.freeze`), and predict with the collector on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _collector_on() -> Iterator[None]:
    """The cycle collector on for a while (paused again after, if it was paused)."""
    enabled = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not enabled:
            gc.disable()
