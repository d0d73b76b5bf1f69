"""Bodies of the API that moves running cases between versions (issue 19's contract)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from designer.api.schemas import VersionNumber, fields_of
from runtime.store.migration_tables import MigrationRow
from runtime.versions.impact import Impact, NodeImpact, UnmappedRun

__all__ = [
    "ImpactBody",
    "InFlightOut",
    "MigrationImpact",
    "MigrationList",
    "MigrationOut",
    "MoveBody",
    "NodeImpactOut",
    "ReasonOut",
    "UnmappedRunOut",
]

_Id = Field(min_length=1, max_length=120)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ImpactBody(_Body):
    """The plan: the two versions and the overrides (``old id -> new id``)."""

    from_version: VersionNumber
    to_version: VersionNumber
    mapping: dict[str, str] = Field(
        default_factory=dict,
        max_length=1000,
        description="Overrides: old node or step id -> new id; ids not named map to themselves",
    )


class MoveBody(ImpactBody):
    """The plan, and why the runs move (kept on each run's log)."""

    reason: str = Field(min_length=1, max_length=2000)


class ReasonOut(_Body):
    """Why some runs at a node cannot move."""

    code: str
    message: str
    runs: int


class NodeImpactOut(_Body):
    """The runs at one source node: where they go, and why some cannot."""

    source_node: str
    target_node: str | None
    runs: int
    movable: int
    unmapped: int
    reasons: list[ReasonOut]


class InFlightOut(_Body):
    """What the move does to work under way."""

    steps_carried: int
    steps_restarted: int
    work_items_carried: int
    work_items_reissued: int
    work_items_cancelled: int
    timers_rescheduled: int


class UnmappedRunOut(UnmappedRun):
    """A run that cannot move, and why."""


class MigrationImpact(_Body):
    """What moving a workflow's unfinished runs would do (nothing moves)."""

    workflow_id: str
    from_version: int
    to_version: int
    mapping: dict[str, str]
    runs: int
    movable: int
    unmapped: int
    nodes: list[NodeImpactOut]
    target_nodes: dict[str, int]
    in_flight: InFlightOut
    unmapped_runs: list[UnmappedRunOut]

    @classmethod
    def of(cls, impact: Impact) -> MigrationImpact:
        data = fields_of(cls, impact.plan, impact)
        data["nodes"] = [_node(n) for n in impact.nodes.values()]
        return cls.model_validate(data, from_attributes=True)


def _node(node: NodeImpact) -> NodeImpactOut:
    reasons = [
        ReasonOut(code=code, message=message, runs=runs)
        for code, (message, runs) in node.reasons.items()
    ]
    return NodeImpactOut.model_validate({**fields_of(NodeImpactOut, node), "reasons": reasons})


class MigrationOut(_Body):
    """A move of running cases: its plan, where it stands and what it did."""

    id: str
    workflow_id: str
    from_version: int
    to_version: int
    mapping: dict[str, str]
    status: Literal["running", "done", "failed"]
    total: int
    moved: int
    unmapped: int
    unmapped_runs: list[UnmappedRunOut]
    started_by: str
    reason: str
    started_at: datetime
    finished_at: datetime | None
    error: str | None

    @classmethod
    def of(cls, row: MigrationRow, *, abandoned: str | None = None) -> MigrationOut:
        """The move; ``abandoned``: why a move recorded as running reads as failed."""
        data = fields_of(cls, row)
        if abandoned is not None:
            data.update(status="failed", error=abandoned)
        return cls.model_validate(data)


class MigrationList(_Body):
    """A workflow's moves, newest first."""

    migrations: list[MigrationOut]
