"""The figures of a what-if: one rule for the recorded side and for the draft's.

>>> from datetime import UTC, datetime, timedelta
>>> from runtime.engine.types import RunStatus
>>> from runtime.whatif.trace import StageVisit, Trace
>>> t = datetime(2026, 1, 5, 9, tzinfo=UTC)
>>> a = Trace("r1", "c1", path=["s", "work", "done"], edges=["s-work", "work-done"],
...           stages=[StageVisit("work", t, t + timedelta(minutes=30))],
...           status=RunStatus.COMPLETED, node_id="done", sla_clocks=1)
>>> b = Trace("r2", "c2", path=["s", "work"], edges=["s-work"],
...           stages=[StageVisit("work", t)], sla_clocks=1, sla_breaches=1)
>>> f = figures([a, b], Load())
>>> f.edge_share, f.outcomes, f.open, f.sla_attainment
({'s-work': 1.0, 'work-done': 0.5}, {'done': 1}, 1, 0.5)
>>> f.stage_minutes["work"].mean
30.0
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from runtime.engine.types import RunStatus
from runtime.whatif.report import Figures, StageMinutes
from runtime.whatif.routing_model import Load
from runtime.whatif.trace import Trace

__all__ = ["figures", "p90"]


def p90(values: Sequence[float]) -> float:
    """The 90th percentile by nearest rank.

    >>> p90([float(n) for n in range(1, 11)]), p90([4.0])
    (9.0, 4.0)
    """
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def _stage_minutes(traces: Sequence[Trace]) -> dict[str, StageMinutes]:
    spent: dict[str, list[float]] = {}
    for trace in traces:
        for visit in trace.stages:
            if visit.left is not None:
                minutes = (visit.left - visit.entered).total_seconds() / 60
                spent.setdefault(visit.node_id, []).append(minutes)
    return {
        node_id: StageMinutes(mean=round(sum(v) / len(v), 2), p90=round(p90(v), 2))
        for node_id, v in sorted(spent.items())
    }


def figures(
    traces: Sequence[Trace], load: Load, *, recorded: Sequence[Trace] | None = None
) -> Figures:
    """The figures of ``traces``; ``recorded`` (same order) to count changed paths."""
    visits: Counter[str] = Counter()
    taken: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    clocks = breaches = incidents = loop_guard = still_open = 0
    for trace in traces:
        visits.update(trace.path)
        taken.update(set(trace.edges))
        clocks += trace.sla_clocks
        breaches += trace.sla_breaches
        if trace.status is RunStatus.COMPLETED and trace.node_id:
            outcomes[trace.node_id] += 1
        elif trace.loop_guard:
            loop_guard += 1
        elif trace.incident is not None:
            incidents += 1
        elif trace.status.open:
            still_open += 1
    changed = 0
    if recorded is not None:
        changed = sum(1 for a, b in zip(recorded, traces, strict=True) if a.path != b.path)
    cases = len(traces)
    return Figures(
        cases=cases,
        node_visits=dict(sorted(visits.items())),
        edge_share={e: round(n / cases, 4) for e, n in sorted(taken.items())} if cases else {},
        stage_minutes=_stage_minutes(traces),
        sla_attainment=round(1 - min(breaches, clocks) / clocks, 4) if clocks else None,
        sla_clocks=clocks,
        queue_load=dict(sorted(load.queues.items())),
        agent_load=dict(sorted(load.agents.items())),
        unassigned=load.unassigned,
        outcomes=dict(sorted(outcomes.items())),
        open=still_open,
        incidents=incidents,
        loop_guard=loop_guard,
        path_changed=changed,
    )
