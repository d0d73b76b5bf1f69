"""The what-if's answer, as served (``POST /api/workflows/<id>/whatif``, ``baton whatif``)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Changes", "Figures", "Listed", "ListedWhat", "StageMinutes", "WhatIf"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StageMinutes(_Out):
    """Minutes a visit of a stage lasted (visits still under way are left out)."""

    mean: float
    p90: float


class Figures(_Out):
    """What a set of cases did (or would do) on one workflow."""

    cases: int
    node_visits: dict[str, int] = Field(description="Times each node was entered")
    edge_share: dict[str, float] = Field(
        description="Per edge id, the share of cases (0..1) that took it at least once"
    )
    stage_minutes: dict[str, StageMinutes] = Field(description="Per stage id")
    sla_attainment: float | None = Field(
        description="Share (0..1) of SLA clocks started that never breached; null: none started"
    )
    sla_clocks: int = Field(description="SLA clocks started (stage visits and work items)")
    queue_load: dict[str, int] = Field(description="Work items per queue")
    agent_load: dict[str, int] = Field(
        description="Work items the routing model gives each of today's agents"
    )
    unassigned: int = Field(description="Work items no agent was given before they closed")
    outcomes: dict[str, int] = Field(description="Cases that completed, per end node")
    open: int = Field(description="Cases still under way (or paused) at the end")
    incidents: int = Field(description="Cases stopped at an incident other than the loop guard")
    loop_guard: int = Field(description="Cases stopped by the loop guard")
    path_changed: int = Field(description="Cases whose path differs from the recorded one")


class Changes(_Out):
    """What the draft changes from the active version (ids; moving a node is no change)."""

    added_nodes: list[str]
    removed_nodes: list[str]
    changed_nodes: list[str]
    added_edges: list[str]
    removed_edges: list[str]
    changed_edges: list[str] = Field(default_factory=list)


class ListedWhat(StrEnum):
    """Why a case is listed."""

    INCIDENT = "incident"
    LOOP_GUARD = "loop_guard"
    PATH_CHANGED = "path_changed"


class Listed(_Out):
    """A case the draft treats differently, or that stops on it."""

    case_id: str
    run_id: str
    what: ListedWhat
    message: str
    path: list[str] = Field(description="The node ids the draft takes the case through")
    recorded_path: list[str] = Field(description="The node ids the case took when recorded")


class WhatIf(_Out):
    """Recorded cases replayed through a draft, side by side with what they did."""

    workflow_id: str
    active_version: int
    cases: int
    since: datetime | None = Field(description="Start of the period (null: cases chosen by id)")
    until: datetime = Field(description="The moment the replay stops: the what-if's now")
    active: Figures = Field(description="What the recorded cases did, on their versions")
    draft: Figures = Field(description="What the draft predicts for the same cases")
    changes: Changes
    listed: list[Listed] = Field(description="The first 20 cases listed, in recorded order")
    simulated: int = Field(
        default=0,
        description="Cases played through the draft; the others touch no change, or pass "
        "its changed decisions as recorded, so their recorded walk is the draft's",
    )
