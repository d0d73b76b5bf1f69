"""The engine's errors: a caller handed it something it cannot work with.

Problems *of a run* (a step failing for good, a loop) are never raised: they become an
incident in the run's state and log. These exceptions are for programming errors of the
caller and for definitions the engine cannot walk at all.
"""

from __future__ import annotations

from graphs.errors import BatonError

__all__ = [
    "DefinitionError",
    "EngineError",
    "InvalidEventError",
    "LifecycleError",
    "UnsupportedRunStateVersion",
]


class EngineError(BatonError):
    """Base of every error the engine raises."""

    code = "engine_error"


class DefinitionError(EngineError):
    """The workflow cannot be compiled into something the engine can walk; ``node_id`` and
    ``step_id`` say where, when a node or a step is at fault."""

    code = "definition_error"

    def __init__(self, message: str, *, node_id: str | None = None, step_id: str | None = None):
        super().__init__(message)
        self.node_id, self.step_id = node_id, step_id


class InvalidEventError(EngineError):
    """The event does not fit the call (e.g. no run state and not a ``CaseCreated``)."""

    code = "invalid_event"


class UnsupportedRunStateVersion(EngineError):
    """A stored run snapshot or input event has a format this code cannot read or upgrade."""

    code = "unsupported_run_state_version"

    def __init__(self, version: object, *, what: str, oldest: int, newest: int):
        self.version = version
        if isinstance(version, int) and not isinstance(version, bool) and version > newest:
            reason = (
                f"{what} has format version {version}, newer than this Baton reads "
                f"({oldest} to {newest}); upgrade Baton to load it"
            )
        else:
            reason = (
                f"{what} has format version {version!r}, which this Baton cannot read; "
                f"it reads {oldest} to {newest}"
            )
        super().__init__(reason)


class LifecycleError(EngineError):
    """The engine tried a status change its lifecycle table does not have (a bug)."""

    code = "lifecycle_error"
