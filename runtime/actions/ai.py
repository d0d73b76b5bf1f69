"""The ``ai`` action: content interpretation (classify, extract, summarise, draft) under
governance. The work is :func:`runtime.ai.step.run_ai_step`; this module is its contract.

Outputs, readable by later conditions as ``step.<id>.<key>``:

- ``needs_review``: true when the answer goes to a person (below ``confidence_threshold``,
  or the model declined). The workflow's review step, an interactive step ``after`` this
  one with the entry condition ``step.<id>.needs_review is true``, then opens (it is
  skipped otherwise); its form fields map to the case fields the answer would have set;
- ``ai_answer``: the model's answer (always, as the reviewer's suggestion), ``reason``,
  ``confidence`` and ``ai`` (the audit summary: provider, model, tokens, latency, cost,
  verdict, prompt hash);
- the answer's own keys (``category``...), only when it was accepted; ``into`` names the
  case fields an accepted answer writes (``category->category``), in the transaction of
  the step's completion; an answer a person has still to check writes nothing (the review
  step's form maps the person's decision to the case).

An answer that breaks the declared ``outputs`` fails the step (retryable, so its retry
policy tries again; an incident naming the problem when attempts run out); a spent budget
fails it at once (not retryable), with the budget named.

>>> AiInput.model_validate({"task": "classify", "fields": "subject, description",
...     "outputs": {"type": "object", "properties": {"category": {"enum": ["a", "b"]}}}}).fields
['subject', 'description']
>>> AiInput.model_validate({"task": "draft", "fields": "subject", "outputs": '{"type": "object"}'})
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for AiInput
  Value error, the local provider only classifies; 'draft' needs provider 'openai' ...
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy.engine import Engine

from runtime.actions.base import Action, ActionContext, ActionError, ActionResult
from runtime.ai.governance import check_schema
from runtime.settings import Settings

__all__ = ["AiAction", "AiInput", "AiOutput"]

RESERVED = frozenset({"needs_review", "ai_answer", "reason", "confidence", "ai"})


class AiInput(BaseModel):
    """An AI step's inputs."""

    model_config = ConfigDict(extra="forbid")

    task: Literal["classify", "extract", "summarise", "draft"] = Field(
        description="What the model does with the case"
    )
    fields: list[str] = Field(
        min_length=1,
        description="The case fields it may read (comma-separated or a list); fields the "
        "case schema marks sensitive are never sent",
    )
    outputs: dict[str, Any] = Field(
        description="The JSON Schema (an object) every answer must satisfy"
    )
    confidence_threshold: float | None = Field(
        default=None, ge=0, le=1, description="Below it, the answer goes to a person"
    )
    provider: Literal["local", "openai"] = Field(
        default="local",
        description="local: Baton's classifier trained from resolved cases (classify only); "
        "openai: the OpenAI-compatible endpoint of BATON_AI_BASE_URL",
    )
    model: str | None = Field(default=None, description="openai: the model (default: settings)")
    label_field: str | None = Field(
        default=None,
        description="local: the output (and trained case field) the label goes to; "
        "default: the outputs' first required property",
    )
    instructions: str = Field(default="", max_length=4000, description="Added to the prompt")
    sensitive_prompt: bool = Field(
        default=False, description="Keep only the prompt's SHA-256 in the log, not its text"
    )
    review_step: str | None = Field(
        default=None, description="The interactive step that takes over below the threshold"
    )
    into: dict[str, str] = Field(
        default_factory=dict,
        description="Answer key -> case field, written only when the answer is accepted; or "
        "'category->category, ...'",
    )

    @field_validator("fields", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("outputs", mode="before")
    @classmethod
    def _json_text(cls, value: Any) -> Any:
        # A step input holds one scalar: the canvas gives the schema as JSON text.
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as exc:
                raise ValueError(f"is not JSON: {exc}") from None
        return value

    @field_validator("into", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        pairs = {}
        for part in filter(None, (p.strip() for p in value.split(","))):
            key, arrow, field = part.partition("->")
            if not arrow or not key.strip() or not field.strip():
                raise ValueError(f"{part!r} is not 'answer_key->case_field'")
            pairs[key.strip()] = field.strip()
        return pairs

    @model_validator(mode="after")
    def _local_classifies(self) -> AiInput:
        if self.provider == "local" and self.task != "classify":
            raise ValueError(
                f"the local provider only classifies; {self.task!r} needs provider 'openai'"
            )
        return self

    @model_validator(mode="after")
    def _into_declared(self) -> AiInput:
        unknown = set(self.into) - set(self.outputs.get("properties") or {})
        if unknown:
            raise ValueError(f"into names {', '.join(sorted(unknown))}, not declared in outputs")
        return self

    @field_validator("outputs")
    @classmethod
    def _object_schema(cls, value: dict[str, Any]) -> dict[str, Any]:
        problem = check_schema(value)
        if problem is not None:
            raise ValueError(problem)
        taken = RESERVED & set(value.get("properties") or {})
        if taken:
            raise ValueError(f"outputs may not be named {', '.join(sorted(taken))}: Baton's own")
        return value


class AiOutput(BaseModel):
    """The verdict and the answer; the answer's keys join these when it was accepted."""

    model_config = ConfigDict(extra="allow")

    needs_review: bool
    ai_answer: dict[str, Any] | None = None
    reason: str
    confidence: float | None = None
    ai: dict[str, Any] = Field(default_factory=dict)


class AiAction(Action):
    """Ask a model, check its answer, and hand it to a person when it is not sure."""

    name = "ai"
    description = (
        "Interpret the case (classify, extract, summarise, draft) under governance: declared "
        "outputs, a confidence threshold that hands over to a person, a daily budget, and "
        "every call audited."
    )
    Input = AiInput
    Output = AiOutput
    writes_named_by = "into"
    keeps_records = True

    def runs_inline(
        self, inputs: Mapping[str, Any], settings: Settings, store: Engine | None
    ) -> bool:
        # A local classifier, in the step's transaction; a remote model between commits.
        from runtime.ai.step import answers_in_process

        return store is not None and answers_in_process(str(inputs.get("provider", "local")))

    @classmethod
    def input_schema(cls) -> dict[str, Any]:
        # Each step input is one scalar: the list and the schema may be given as text.
        schema = cls.Input.model_json_schema()
        properties = schema["properties"]
        for name, alternative in (("fields", "comma-separated"), ("outputs", "JSON text"),
                                  ("into", "'key->field, ...'")):  # fmt: skip
            given = dict(properties[name])
            given.pop("type", None)
            shape = {k: given.pop(k) for k in ("items", "additionalProperties", "minItems")
                     if k in given}  # fmt: skip
            kind = "array" if name == "fields" else "object"
            given["anyOf"] = [{"type": kind, **shape}, {"type": "string",
                              "description": alternative}]  # fmt: skip
            properties[name] = given
        return schema

    def run(self, inputs: AiInput, ctx: ActionContext) -> ActionResult:
        # Imported here: runtime.ai.step reads the store through runtime.services, which
        # imports the action registry this module belongs to.
        from runtime.ai.errors import AiError
        from runtime.ai.step import AiStep, run_ai_step

        if ctx.store is None:
            raise ActionError("the ai action needs the store (it runs in a worker)")
        step = AiStep(
            task=inputs.task, fields=inputs.fields, outputs=inputs.outputs,
            confidence_threshold=inputs.confidence_threshold, provider=inputs.provider,
            model=inputs.model, label_field=inputs.label_field,
            instructions=inputs.instructions, sensitive_prompt=inputs.sensitive_prompt,
        )  # fmt: skip
        try:
            answer = run_ai_step(
                ctx.store, ctx.settings.ai, step, run_id=ctx.run_id, step_id=ctx.step_id,
                attempt=ctx.attempt, case=ctx.case, now=ctx.now,
                idempotency_key=ctx.idempotency_key,
                demo=ctx.settings.demo_services_enabled(), session=ctx.session,
            )  # fmt: skip
        except AiError as exc:
            raise ActionError(f"AI step: {exc.message}", retryable=exc.retryable) from exc
        verdict = answer.verdict
        accepted = verdict.verdict == "accepted"
        outputs: dict[str, Any] = {
            "needs_review": not accepted,
            "ai_answer": verdict.answer,
            "reason": verdict.reason,
            "confidence": verdict.confidence,
            "ai": answer.audit,
        }
        updates: dict[str, Any] = {}
        if accepted and verdict.answer is not None:
            outputs.update(verdict.answer)
            updates = {
                field: verdict.answer[key]
                for key, field in inputs.into.items()
                if key in verdict.answer
            }
        return ActionResult(outputs=outputs, case_updates=updates)
