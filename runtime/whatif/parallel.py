"""Play many recorded cases: read them all here, then predict on several cores.

Reading a recorded case is cheap; its prediction (a simulation through the draft) is
the cost. Cases are independent, so the ones the draft can change split into chunks that
forked processes predict side by side. Then the team's routing of the recorded items and
that of the predicted ones, two independent plays of the routing board, run side by side:
a forked child routes the predicted items while this process routes the recorded ones.
Being forked, the processes inherit what this one holds (the cases read, the compiled
draft, the traces) instead of receiving it pickled; only their traces, or a load, come
back. Reading in the children too would cost more than it saves: what is read must come
back pickled for the medians every prediction needs.

Forking is used only where the platform offers it and only for enough predictions to
repay it (:data:`MIN_CASES`); otherwise, and with ``processes=1``, everything runs here.
The children run pure code only (no database, no logging, no locks of the parent's other
threads), which is what makes forking a threaded web process safe here; while the
children predict, the calling thread waits without holding the interpreter (while its
child routes, it routes too: pure code that lets the server's other threads take turns). Pooled
what-ifs run one at a time in a process (:data:`_LOCK`): the inherited data sit in a
module-level slot while the pool runs.
"""

from __future__ import annotations

import gc
import multiprocessing
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from runtime.engine.definition import CompiledWorkflow
from runtime.whatif.play import Draft, Played, RecordedCase, read_recorded, typical_minutes
from runtime.whatif.routing_model import Load, RoutingModel, route
from runtime.whatif.trace import Trace

__all__ = ["MIN_CASES", "Outcome", "play_all"]

MIN_CASES = 500
"""Below this many predictions (under a second's work) a pool's start-up is not worth it."""

_LOCK = threading.Lock()
#: What the forked children read: set by the parent before the pool starts.
_WORK: dict[str, Any] = {}


def _predict_chunk(bounds: tuple[int, int]) -> list[Trace]:
    draft: Draft = _WORK["draft"]
    cases, played, todo = _WORK["cases"], _WORK["played"], _WORK["todo"]
    return [draft.play(cases[n], played[n], _WORK["typical"]) for n in todo[bounds[0] : bounds[1]]]


def _chunks(total: int, processes: int) -> list[tuple[int, int]]:
    # A few chunks per process, so a slow chunk does not leave a core idle at the end.
    count = min(total, processes * 4)
    edges = [total * k // count for k in range(count + 1)]
    return [(edges[k], edges[k + 1]) for k in range(count)]


@dataclass(slots=True)
class Outcome:
    """Each case's trace as recorded and as predicted (in the cases' order), and the
    team's load with the recorded items and with the predicted ones."""

    before: list[Trace]
    after: list[Trace]
    routed_before: Load
    routed_after: Load


def _route(traces: Sequence[Trace], model: RoutingModel) -> Load:
    return route(model, (item for trace in traces for item in trace.items))


def _read(bounds: tuple[int, int]) -> list[Played]:
    """What the cases ``bounds`` did and how their steps answered (the collector paused)."""
    cases, definitions = _WORK["cases"], _WORK["definitions"]
    with _collector_paused():
        return [read_recorded(definitions[c.version], c) for c in cases[bounds[0] : bounds[1]]]


def play_all(
    definitions: Mapping[int, CompiledWorkflow],
    draft: Draft,
    cases: Sequence[RecordedCase],
    model: RoutingModel,
    *,
    processes: int = 1,
) -> Outcome:
    """Read every case, predict the ones the draft may change, route both sides' items."""
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if processes <= 1 or len(cases) < MIN_CASES or not forkable:
        return _play_here(definitions, draft, cases, model)
    context = multiprocessing.get_context("fork")
    with _LOCK:
        try:
            _WORK.update(cases=cases, definitions=definitions)
            # What comes back is unpickled here (by the pool's result thread): without
            # the collector, as it is read.
            with context.Pool(processes, initializer=gc.freeze) as pool, _collector_paused():
                parts = pool.map(_read, _chunks(len(cases), processes))
            played = [p for part in parts for p in part]
            return _predict_pooled(context, draft, cases, played, model, processes)
        finally:
            _WORK.clear()


def _play_here(
    definitions: Mapping[int, CompiledWorkflow],
    draft: Draft,
    cases: Sequence[RecordedCase],
    model: RoutingModel,
) -> Outcome:
    """Everything in this process."""
    _WORK.update(cases=cases, definitions=definitions)
    try:
        played = _read((0, len(cases)))
    finally:
        _WORK.clear()
    typical = typical_minutes([p.script for p in played])
    before = [p.trace for p in played]
    after = list(before)
    todo = _todo(draft, cases, played)
    for n in todo:
        after[n] = draft.play(cases[n], played[n], typical)
    with _collector_paused():
        routed_before = _route(before, model)
        routed_after = _route(after, model) if todo else routed_before
    return Outcome(before, after, routed_before, routed_after)


def _todo(draft: Draft, cases: Sequence[RecordedCase], played: Sequence[Played]) -> list[int]:
    """The cases the draft may change (by their place)."""
    return [
        n for n, (c, p) in enumerate(zip(cases, played, strict=True)) if not draft.unaffected(c, p)
    ]


def _predict_pooled(
    context: Any,
    draft: Draft,
    cases: Sequence[RecordedCase],
    played: list[Played],
    model: RoutingModel,
    processes: int,
) -> Outcome:
    """Predict in forked processes (they inherit the cases read), then route both sides
    side by side; called holding :data:`_LOCK`."""
    typical = typical_minutes([p.script for p in played])
    before = [p.trace for p in played]
    after = list(before)
    todo = _todo(draft, cases, played)
    if not todo:  # nothing changes: one routing answers for both
        with _collector_paused():
            load = _route(before, model)
        return Outcome(before, after, load, load)
    if len(todo) < MIN_CASES:
        for n in todo:
            after[n] = draft.play(cases[n], played[n], typical)
    else:
        _WORK.update(played=played, typical=typical, draft=draft, todo=todo)
        with context.Pool(processes, initializer=gc.freeze) as pool, _collector_paused():
            parts = pool.map(_predict_chunk, _chunks(len(todo), processes))
        for n, trace in zip(todo, (t for part in parts for t in part), strict=True):
            after[n] = trace
    # Routing here while the pool predicts measured slower (the pool's result thread
    # waits for the interpreter, and the children for it). Once the predictions are
    # back, a child forked now routes them while this process routes the recorded
    # items; only its small load comes back.
    _WORK.update(after=after, model=model)
    with context.Pool(1, initializer=gc.freeze) as pool, _collector_paused():
        pending = pool.apply_async(_route_after, (0,))
        routed_before = _route(before, model)
        routed_after = pending.get()
    return Outcome(before, after, routed_before, routed_after)


def _route_after(_: int) -> Load:
    return _route(_WORK["after"], _WORK["model"])


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off for a while (back on after, if it was on).

    Reading ten thousand cases makes a million small objects that live to the answer and
    hold no cycles, and routing makes many short-lived ones over that heap: each full pass
    of the collector walked it all and found nothing to free (a third of the reading's
    CPU). Reference counting still frees what is dropped; a cycle made meanwhile waits for
    the next pass. The forked children instead freeze what they inherit
    (:func:`gc.freeze`, their pools' initializer), and predict with the collector on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
