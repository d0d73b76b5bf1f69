"""What-if: test a draft on recorded cases before publishing it (admins only)."""

from __future__ import annotations

import os
from typing import Annotated, Any

from flask import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from designer.api.http import RouteDoc, documented, json_body, respond
from designer.extensions import state
from graphs.model import Workflow
from runtime.db import session_scope
from runtime.whatif import WhatIf, what_if
from runtime.whatif.errors import MAX_DAYS

__all__ = ["WhatIfBody", "bp"]

bp = Blueprint("whatif", __name__)

MAX_CASE_IDS = 10_000
"""Cases one what-if may name."""

CaseId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class WhatIfBody(BaseModel):
    """A draft, and which recorded cases to replay through it."""

    model_config = ConfigDict(extra="forbid")

    draft: Workflow = Field(description="The workflow document to test (its id: the workflow's)")
    days: int | None = Field(
        default=None,
        ge=1,
        le=MAX_DAYS,
        description="Replay the cases started in the last N days (default 30)",
    )
    case_ids: list[CaseId] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_CASE_IDS,
        description="Replay the recorded runs of these cases instead",
    )
    outputs: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description=(
            "Per step id, the outputs (or form answers) of a step the recorded cases never "
            "ran, such as a new one; `$after_minutes` says how long it takes"
        ),
    )

    @model_validator(mode="after")
    def _one_choice(self) -> WhatIfBody:
        if self.days is not None and self.case_ids is not None:
            raise ValueError("give either days or case_ids, not both")
        return self


@bp.post("/workflows/<workflow_id>/whatif")
@documented(
    RouteDoc(
        "Test a draft on recorded cases",
        "workflows",
        {200: WhatIf},
        body=WhatIfBody,
        errors=(400, 404, 413, 415, 422),
        description=(
            "Replays the workflow's recorded cases (started in the last `days`, or the runs "
            "of `case_ids`) in memory twice: on the versions they ran on, and through the "
            "draft, each step answering with its recorded outputs or form answers after as "
            "long as it took then (steps the cases never ran: `outputs`, else nothing, after "
            "their median time). SLA clocks run on the simulated clock, and today's agents "
            "and queues take the work items. Answers both sides' figures, what the draft "
            "changes and the first cases it treats differently. Nothing is written, sent or "
            "assigned. A draft with validation errors is refused with 422 "
            "`invalid_workflow` and `details.problems` (as `POST /api/validate` lists them); "
            "no recorded cases, or case ids without a run of this workflow, answer 404. "
            "Sets of 500 cases or more are played in processes of their own, one per core."
        ),
        path_params={"workflow_id": "The workflow's id"},
    )
)
def run_whatif(workflow_id: str) -> Response:
    body = json_body(WhatIfBody)
    # A read-only session: on SQLite an ordinary one would hold the write lock for the
    # whole what-if (seconds for a large set) and keep every change waiting.
    with session_scope(state().engine, read_only=True) as session:
        result = what_if(
            session,
            workflow_id=workflow_id,
            draft=body.draft,
            days=body.days,
            case_ids=body.case_ids,
            outputs=body.outputs,
            # A large set predicts in forked processes, one per core.
            processes=os.cpu_count() or 1,
        )
    return respond(result)
