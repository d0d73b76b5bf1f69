"""Play many recorded cases on several cores: read, predict and route side by side.

A what-if reads its cases' rows, reads what each case did off its log, predicts what the
draft would make of it (a simulation: the cost) and routes both sides' work items. Cases
are independent but for one thing: a step a recording never ran takes the median time
it took in all the others (:func:`~runtime.whatif.play.typical_minutes`).

So the runs are read here in a few parts (the queries only: the rows stay as stored),
dealt out in turn so that each part spans the whole period, and after each part a forked
worker takes it over. While this process queries the next part, the worker reads its
cases off their logs, in their order, and sends back their traces and each step's
minutes a chunk at a time; once all minutes are in, each worker gets the medians and
predicts its own cases, which it still holds, again in order and a chunk at a time
(nothing but traces and minutes crosses between processes). Meanwhile this process takes
in the traces and plays both sides' work items on the routing board as far as they are
known: every case that starts before the earliest start a worker has yet to send is in
(:class:`~runtime.whatif.routing_model.Routing`). So when the last predictions come
back, little is left to route. The workers never touch the database (SQLite's locks do
not survive a fork: a connection opened after one would share the parent's lock state)
and run pure code only, which is what makes forking a threaded web process safe here.

Forking is used only where the platform offers it and only for enough cases to repay it
(:data:`MIN_CASES`); otherwise, and with ``processes=1``, the same steps run here in
turn. Pooled what-ifs run one at a time in a process (:data:`_LOCK`).
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import wait
from typing import Any, Protocol

from runtime.engine.definition import CompiledWorkflow
from runtime.whatif.collector import collector_on, collector_paused
from runtime.whatif.figures import figures
from runtime.whatif.play import Draft, typical_minutes
from runtime.whatif.recorded import RecordedCase
from runtime.whatif.report import Figures
from runtime.whatif.routing_model import Load, Routing, RoutingModel, route
from runtime.whatif.trace import Trace
from runtime.whatif.worker import READ, Worker, minutes_of, predict_changed, read_off

__all__ = ["MIN_CASES", "Outcome", "Reading", "play_all"]

MIN_CASES = 500
"""Below this many cases (under a second's work) forking workers is not worth it."""

_PARTS_PER_PROCESS = 2
"""Parts the runs are read in, per process, after a small first one: the last part, read
off its log after all the queries, is small too."""

_FIRST_EVERY = 8
"""The first part holds every so many runs: its query is short, so the first worker
starts reading while this process queries the rest."""

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


def _play_here(
    definitions: Mapping[int, CompiledWorkflow],
    draft: Draft,
    reading: Reading,
    model: RoutingModel,
) -> Outcome:
    """Every step in this process, in turn."""
    with collector_paused():
        cases = reading.read()
    played = read_off(definitions, cases)
    typical = typical_minutes(minutes_of(played))
    before = [done.trace for done in played]
    after = list(before)
    with collector_on():  # the predictions make cycles; nothing else here does
        predicted = predict_changed(draft, cases, played, typical)
    for n, trace in predicted:
        after[n] = trace
    with collector_paused():
        routed_before = _route(before, model)
        routed_after = _route(after, model) if predicted else routed_before
    active = figures(before, routed_before)
    return Outcome(before, after, routed_before, routed_after, active, len(predicted))


def _route(traces: Sequence[Trace], model: RoutingModel) -> Load:
    return route(model, (item for trace in traces for item in trace.items))


def _dealt(total: int, count: int) -> list[Sequence[int]]:
    """The places ``0 .. total - 1`` dealt out in turn: first a small part (every
    :data:`_FIRST_EVERY`-th place, so that the first worker starts early), then the rest
    into ``count`` parts.

    >>> _dealt(20, 2)
    [range(0, 20, 8), [1, 3, 5, 7, 10, 12, 14, 17, 19], [2, 4, 6, 9, 11, 13, 15, 18]]
    """
    first = range(0, total, _FIRST_EVERY)
    rest = [n for n in range(total) if n % _FIRST_EVERY]
    count = max(1, min(len(rest), count))
    return [first, *(rest[k::count] for k in range(count))] if rest else [first]


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
    places = {run[0]: n for n, run in enumerate(runs)}  # run id -> its place
    workers: list[Worker] = []
    try:
        for part in _dealt(len(runs), processes * _PARTS_PER_PROCESS):
            cases = reading.read([runs[n] for n in part])
            found = [places[case.run_id] for case in cases]
            workers.append(Worker(context, definitions, draft, cases, found))
        del cases  # else the last part would live here to the end, past its forget()
        return _gather(workers, model)
    finally:
        for worker in workers:
            worker.close()


def _gather(workers: Sequence[Worker], model: RoutingModel) -> Outcome:
    """Take in what the workers send, as it comes, and route both sides meanwhile.

    Each worker goes through its cases in their order, so every case that starts before
    the earliest start a worker has not sent yet is in; the routings are played to that
    moment after each message (:class:`~runtime.whatif.routing_model.Routing`).
    """
    before: dict[int, Trace] = {}
    changed: dict[int, Trace] = {}
    minutes: list[dict[str, list[float]]] = []
    routing_before, routing_after = Routing(model), Routing(model)
    reading, predicting = set(workers), set(workers)
    active: Figures | None = None
    routed_before = Load()
    while predicting:
        for worker in _ready(reading | predicting):
            kind, payload = worker.receive()
            if kind == READ:
                traces, taken = payload
                for place, trace in zip(worker.next(len(traces)), traces, strict=True):
                    before[place] = trace
                    routing_before.add(place, trace.items)
                minutes.extend(taken)
                if worker.read == len(worker.places):
                    reading.discard(worker)
                    if not reading:  # the medians: every worker predicts from here on
                        typical = typical_minutes(minutes)
                        for each in workers:
                            each.send(typical)
                    # Its cases, no longer needed here, freed while this process waits
                    # for the others' (their pages are shared with the workers: freeing
                    # them copies each, ~0.07 s a part, better done before the predictions).
                    worker.forget()
                routing_before.advance(_frontier(workers, predicted=False))
                if not reading:  # while the workers predict
                    routed_before = routing_before.finish()
                    active = figures([before[n] for n in sorted(before)], routed_before)
            else:
                count, predicted = payload
                changed.update((worker.places[n], trace) for n, trace in predicted)
                for place in worker.next(count, predicting=True):
                    routing_after.add(place, changed.get(place, before[place]).items)
                if worker.predicted == len(worker.places):
                    predicting.discard(worker)
                if changed:  # else the draft's side is so far the recorded one
                    routing_after.advance(_frontier(workers, predicted=True))
    assert active is not None  # every worker read its part before predicting it
    order = sorted(before)
    recorded = [before[n] for n in order]
    routed_after = routing_after.finish() if changed else routed_before
    after = [changed.get(n, before[n]) for n in order]
    return Outcome(recorded, after, routed_before, routed_after, active, len(changed))


def _frontier(workers: Sequence[Worker], *, predicted: bool) -> datetime | None:
    """The earliest start of a case some worker has not sent back yet (read, else
    predicted); ``None`` when all are in."""
    starts = [w.earliest[w.predicted if predicted else w.read] for w in workers]
    waiting = [start for start in starts if start is not None]
    return min(waiting) if waiting else None


def _ready(workers: Iterable[Worker]) -> list[Worker]:
    """The workers with a message waiting (blocks until there is one)."""
    by_connection = {worker.connection: worker for worker in workers}
    ready = wait(list(by_connection))
    return [worker for connection, worker in by_connection.items() if connection in ready]
