"""The pure engine: a compiled workflow, a run's state and an event in; state, effects, log out.

Nothing in this package reads a clock, touches a database or the network, or draws
random numbers; see ``runtime/README.md``.
"""

from __future__ import annotations

from runtime.engine.definition import CompiledWorkflow, compile_workflow
from runtime.engine.errors import DefinitionError, EngineError, InvalidEventError
from runtime.engine.transition import (
    identity_of,
    replay,
    timer_key,
    transition,
    work_item_key,
)

__all__ = [
    "CompiledWorkflow",
    "DefinitionError",
    "EngineError",
    "InvalidEventError",
    "compile_workflow",
    "identity_of",
    "replay",
    "timer_key",
    "transition",
    "work_item_key",
]
