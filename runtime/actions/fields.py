"""Built-in actions that change the case itself: ``set_fields`` and ``assign``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from runtime.actions.base import Action, ActionContext, ActionError, ActionResult

__all__ = ["AssignAction", "SetFieldsAction"]


class SetFieldsInput(BaseModel):
    """The fields to write. ``{"fields": {...}}``, or the fields themselves at top level.

    The flat form exists because a workflow's step inputs are one typed input per
    name, so a designer naturally draws ``status = "triaged"`` as an input called
    ``status``.

    >>> SetFieldsInput.model_validate({"status": "triaged"}).fields
    {'status': 'triaged'}
    >>> SetFieldsInput.model_validate({"fields": {"status": "new"}}).fields
    {'status': 'new'}
    """

    model_config = ConfigDict(extra="forbid")

    fields: dict[str, Any] = Field(min_length=1, description="Case field name -> new value")

    @model_validator(mode="before")
    @classmethod
    def _flat_form(cls, data: Any) -> Any:
        if isinstance(data, dict) and "fields" not in data:
            return {"fields": dict(data)}
        return data


class SetFieldsOutput(BaseModel):
    updated: list[str] = Field(description="Names of the fields written, in input order")


class SetFieldsAction(Action[SetFieldsInput, SetFieldsOutput]):
    """Write values to case fields (applied with the step's result, in one transaction)."""

    name = "set_fields"
    description = "Set case fields to the given values."
    runs_in_transaction = True
    writes_inputs = True

    @classmethod
    def input_schema(cls) -> dict[str, Any]:
        # A step names each case field as an input of its own (the flat form).
        return {
            "title": "SetFieldsInput",
            "description": "Each input names a case field and gives the value to write.",
            "type": "object",
            "minProperties": 1,
            "additionalProperties": True,
        }

    def run(self, inputs: SetFieldsInput, ctx: ActionContext) -> ActionResult:
        return ActionResult(
            outputs={"updated": list(inputs.fields)}, case_updates=dict(inputs.fields)
        )


class AssignInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    queue: str | None = Field(default=None, description="The queue that owns the case now")
    agent: str | None = Field(default=None, description="The agent who owns the case now")


class AssignOutput(BaseModel):
    owner: str
    previous_owner: str | None
    queue: str | None
    agent: str | None


class AssignAction(Action[AssignInput, AssignOutput]):
    """Hand the case to an agent or a queue by writing its ``owner`` field.

    An agent is more specific than a queue, so when both are given the agent owns the
    case; a queue alone is recorded as ``queue:<name>`` so owners stay unambiguous.
    """

    name = "assign"
    description = "Change who owns the case: an agent, or a queue."
    runs_in_transaction = True
    writes = ("owner",)

    def run(self, inputs: AssignInput, ctx: ActionContext) -> ActionResult:
        queue = (inputs.queue or "").strip() or None
        agent = (inputs.agent or "").strip() or None
        if queue is None and agent is None:
            raise ActionError("assign needs a queue or an agent", retryable=False)
        owner = agent if agent is not None else f"queue:{queue}"
        previous = ctx.case.get("owner")
        return ActionResult(
            outputs={
                "owner": owner,
                "previous_owner": None if previous is None else str(previous),
                "queue": queue,
                "agent": agent,
            },
            case_updates={"owner": owner},
        )
