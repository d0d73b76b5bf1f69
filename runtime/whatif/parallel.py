"""Play many recorded cases on several cores: reading them, then the prediction.

Each case is replayed and predicted on its own, so the cases split into chunks that
processes play side by side. The processes are forked, so they inherit what the parent
loaded (the cases, the compiled versions and draft) instead of receiving it pickled;
only their answers come back. The two rounds are two pools: the prediction needs the
median step times over *all* replayed cases, known only once the first round is in.

Forking is used only where the platform offers it and only for sets large enough to
repay it (:data:`MIN_CASES`); otherwise, and with ``processes=1``, everything runs here.
The children run pure code only (no database, no logging, no locks of the parent's other
threads), which is what makes forking a threaded web process safe here; meanwhile the
calling thread waits without holding the interpreter, so a large what-if does not stall
the server's other requests.
Pooled what-ifs run one at a time in a process (:data:`_LOCK`): the inherited data sit
in a module-level slot while the pools run.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from runtime.engine.definition import CompiledWorkflow
from runtime.whatif.play import Draft, Played, RecordedCase, read_recorded, typical_minutes
from runtime.whatif.trace import Trace

__all__ = ["MIN_CASES", "play_all"]

MIN_CASES = 500
"""Below this many cases (under a second's work) the pools' start-up is not worth it."""

_LOCK = threading.Lock()
#: What the forked children read: set by the parent before each pool starts.
_WORK: dict[str, Any] = {}


def _read_chunk(bounds: tuple[int, int]) -> list[Played]:
    cases: Sequence[RecordedCase] = _WORK["cases"]
    definitions: Mapping[int, CompiledWorkflow] = _WORK["definitions"]
    return [read_recorded(definitions[c.version], c) for c in cases[bounds[0] : bounds[1]]]


def _predict_chunk(bounds: tuple[int, int]) -> list[Trace]:
    cases: Sequence[RecordedCase] = _WORK["cases"]
    played: Sequence[Played] = _WORK["played"]
    draft: Draft = _WORK["draft"]
    return [draft.play(cases[n], played[n], _WORK["typical"]) for n in range(*bounds)]


def _chunks(total: int, processes: int) -> list[tuple[int, int]]:
    # A few chunks per process, so a slow chunk does not leave a core idle at the end.
    count = min(total, processes * 4)
    edges = [total * k // count for k in range(count + 1)]
    return [(edges[k], edges[k + 1]) for k in range(count)]


def play_all(
    definitions: Mapping[int, CompiledWorkflow],
    draft: Draft,
    cases: Sequence[RecordedCase],
    *,
    processes: int = 1,
) -> tuple[list[Trace], list[Trace]]:
    """Each case's trace as recorded and as the draft predicts it, in the cases' order."""
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if processes <= 1 or len(cases) < MIN_CASES or not forkable:
        played = [read_recorded(definitions[c.version], c) for c in cases]
        typical = typical_minutes([p.script for p in played])
        after = [draft.play(c, p, typical) for c, p in zip(cases, played, strict=True)]
        return [p.trace for p in played], after
    context = multiprocessing.get_context("fork")
    chunks = _chunks(len(cases), processes)
    with _LOCK:
        try:
            _WORK.update(cases=cases, definitions=definitions)
            with context.Pool(processes) as pool:
                played = [p for part in pool.map(_read_chunk, chunks) for p in part]
            _WORK.update(
                played=played, typical=typical_minutes([p.script for p in played]), draft=draft
            )
            with context.Pool(processes) as pool:
                after = [t for part in pool.map(_predict_chunk, chunks) for t in part]
        finally:
            _WORK.clear()
    return [p.trace for p in played], after
