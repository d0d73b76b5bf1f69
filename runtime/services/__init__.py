"""The service layer the designer (and the CLI, and the executor) call.

Every function is keyword-only, takes the caller's :class:`~sqlmodel.Session` and never
commits: the caller owns the transaction (:func:`runtime.db.session_scope`), so a
refused call (a :class:`~runtime.errors.BatonRuntimeError`) changes nothing. Queries
live here, never in routes.
"""

from __future__ import annotations

from runtime.services.cases import (
    StartPlan,
    create_case,
    get_case,
    list_case_changes,
    plan_start,
    preview_start,
    update_case,
)
from runtime.services.run_events import clear_caches
from runtime.services.runs import (
    RunPage,
    cancel_run,
    get_run,
    list_runs,
    pause_run,
    read_log,
    replay_run,
    resume_run,
    retry_step,
    skip_step,
    start_run,
)
from runtime.services.work_items import (
    complete_work_item,
    get_work_item,
    list_work_items,
    reassign_work_item,
)

__all__ = [
    "RunPage",
    "StartPlan",
    "cancel_run",
    "clear_caches",
    "complete_work_item",
    "create_case",
    "get_case",
    "get_run",
    "get_work_item",
    "list_case_changes",
    "list_runs",
    "list_work_items",
    "pause_run",
    "plan_start",
    "preview_start",
    "read_log",
    "reassign_work_item",
    "replay_run",
    "resume_run",
    "retry_step",
    "skip_step",
    "start_run",
    "update_case",
]
