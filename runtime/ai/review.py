"""What a reviewer sees: the AI answer their work item was opened for.

A review step is an interactive step that waits (``after``) for an ``ai`` step; its work
item is pre-filled from that step's ``ai_answer`` with the AI's reason and confidence.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from graphs.model import BackgroundStep, InteractiveStep, StageNode
from runtime.errors import NotFound
from runtime.services.run_events import definition_for
from runtime.store.tables import RunRow, WorkItemRow

__all__ = ["suggestion_for_item"]


def suggestion_for_item(session: Session, *, key: str) -> dict[str, Any] | None:
    """The AI suggestion behind work item ``key``, or None when it reviews no AI step."""
    item = session.get(WorkItemRow, key)
    if item is None:
        raise NotFound("work item", key)
    run = session.get(RunRow, item.run_id)
    if run is None:
        raise NotFound("run", item.run_id)
    workflow = definition_for(session, run.workflow_id, run.version).workflow
    for node in workflow.nodes:
        if not isinstance(node, StageNode):
            continue
        steps = {step.id: step for step in node.steps}
        review = steps.get(item.step_id)
        if not isinstance(review, InteractiveStep):
            continue
        for waited in review.after:
            step = steps.get(waited)
            if isinstance(step, BackgroundStep) and step.action == "ai":
                outputs = (run.state or {}).get("step_outputs", {}).get(waited)
                if not isinstance(outputs, dict):
                    return None
                return {
                    "ai_step": waited,
                    "needs_review": bool(outputs.get("needs_review")),
                    "answer": outputs.get("ai_answer"),
                    "reason": outputs.get("reason"),
                    "confidence": outputs.get("confidence"),
                    "model": (outputs.get("ai") or {}).get("model"),
                }
    return None
