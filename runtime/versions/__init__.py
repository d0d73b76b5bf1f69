"""Moving running cases from one version of a workflow to another: the pure rules.

:mod:`~runtime.versions.plan` resolves the mapping (ids by default, ``old=new``
overrides), :mod:`~runtime.versions.decide` says per run whether it can move and what
becomes of each step under way, :mod:`~runtime.versions.move` moves its state (the move
and replay share it), :mod:`~runtime.versions.clocks` re-keys SLA clocks and timers, and
:mod:`~runtime.versions.impact` counts it all before anything moves. No I/O here: the
store side is :mod:`runtime.services.migrations`.
"""

from __future__ import annotations

from runtime.versions.decide import Fate, InFlight, Problem, RunDecision, decide
from runtime.versions.errors import (
    MappingInvalid,
    MigrationNotFound,
    MigrationRunning,
    VersionPairInvalid,
)
from runtime.versions.move import ItemMove, Moved, TimerMove, in_flight, migrate_state
from runtime.versions.plan import Plan, Unmapped, make_plan

__all__ = [
    "Fate",
    "InFlight",
    "ItemMove",
    "MappingInvalid",
    "MigrationNotFound",
    "MigrationRunning",
    "Moved",
    "Plan",
    "Problem",
    "RunDecision",
    "TimerMove",
    "Unmapped",
    "VersionPairInvalid",
    "decide",
    "in_flight",
    "make_plan",
    "migrate_state",
]
