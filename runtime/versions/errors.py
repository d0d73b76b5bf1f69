"""Errors of moving running cases between versions, under the runtime's error tree.

The designer's one error handler gives their status by class: a same-version or cross-
workflow pair is malformed input (400), a mapping naming unknown ids is refused (422),
a move already under way is a conflict (409), an unknown move is not found (404).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from runtime.errors import Conflict, InvalidCommand, InvalidInput, NotFound

__all__ = [
    "MappingInvalid",
    "MigrationNotFound",
    "MigrationRunning",
    "VersionPairInvalid",
]


class VersionPairInvalid(InvalidInput):
    """The two versions cannot be a move: the same version, or versions of two workflows."""

    code = "version_pair_invalid"


class MappingInvalid(InvalidCommand):
    """The mapping names ids neither version has, or maps a node to a step (or back)."""

    code = "mapping_invalid"

    def __init__(self, problems: Sequence[str], unknown: Sequence[str]) -> None:
        super().__init__("the mapping cannot apply: " + "; ".join(problems))
        self.problems = list(problems)
        self.unknown = list(unknown)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "problems": self.problems,
                "unknown": self.unknown}  # fmt: skip


class MigrationRunning(Conflict):
    """A move of this workflow's runs is already under way; one at a time."""

    code = "migration_running"

    def __init__(self, workflow_id: str, migration_id: str) -> None:
        super().__init__(
            f"a move of the runs of workflow {workflow_id!r} is already under way "
            f"(migration {migration_id}); wait for it to finish",
            current=migration_id,
        )
        self.workflow_id = workflow_id
        self.migration_id = migration_id


class MigrationNotFound(NotFound):
    """No move has this id."""

    code = "migration_not_found"

    def __init__(self, migration_id: str) -> None:
        super().__init__("migration", migration_id)
