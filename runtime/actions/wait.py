"""The ``wait`` action: registered for validation and the palette, never executed.

The engine turns a ``wait`` step into a durable timer (a row in the store that the
clock fires), so a wait survives restarts and occupies no worker thread. Calling the
action anyway means something routed a wait step to the executor by mistake; it fails
loudly and non-retryably rather than returning at once, which would silently skip the
wait.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from runtime.actions.base import Action, ActionContext, ActionError, ActionResult

__all__ = ["WaitAction"]


class WaitInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    duration_minutes: float = Field(gt=0, le=525_600, description="How long to wait")


class WaitOutput(BaseModel):
    waited_minutes: float


class WaitAction(Action[WaitInput, WaitOutput]):
    """Pause the step for a while (the engine implements this as a durable timer)."""

    name = "wait"
    description = "Wait for a number of minutes before the step completes."

    def run(self, inputs: WaitInput, ctx: ActionContext) -> ActionResult:
        raise ActionError(
            f"step {ctx.step_id!r}: wait steps are durable timers scheduled by the engine "
            "and never run as actions; this step reached the executor by mistake",
            retryable=False,
        )
