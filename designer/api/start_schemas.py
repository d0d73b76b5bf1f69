"""Response bodies that say which workflows start: the start preview and trigger overlaps."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from designer.api.schemas import ActiveVersion, QueryModel, VersionNumber
from graphs.case_types import FieldProblem
from graphs.model import FieldType
from runtime.services.cases import StartPlan
from runtime.services.triggers import TriggerOverlaps
from runtime.services.workflows import PublishResult

__all__ = [
    "Activation",
    "FieldProblemOut",
    "Published",
    "StartField",
    "StartPreview",
    "StartingWorkflow",
    "TriggerOverlapList",
    "TriggerOverlapOut",
    "TriggerOverlapQuery",
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StartingWorkflow(_Body):
    """A workflow a new case would start: ``named`` by ``workflow_id``, or by its ``trigger``."""

    workflow_id: str
    name: str
    version: int
    why: Literal["named", "trigger"]


class StartField(_Body):
    """A case field the starting workflows declare (the first declaration's label and type;
    ``required`` if any of ``workflows`` requires it)."""

    name: str
    label: str
    type: FieldType
    values: list[str]
    required: bool
    description: str
    workflows: list[str]


class FieldProblemOut(_Body):
    """Why ``POST /api/cases`` would refuse a field: ``problem`` is ``type``, ``picklist``
    or ``required``; ``expected`` says what the field takes."""

    field: str
    problem: str
    message: str
    expected: str
    workflow_id: str | None

    @classmethod
    def of(cls, problem: FieldProblem) -> FieldProblemOut:
        return cls(**problem.as_dict())


class StartPreview(_Body):
    """What creating this case would do, with nothing stored."""

    starts: list[StartingWorkflow]
    fields: list[StartField]
    problems: list[FieldProblemOut]

    @classmethod
    def of(cls, plan: StartPlan) -> StartPreview:
        merged: dict[str, dict[str, Any]] = {}
        for starting in plan.starts:
            definition = starting.definition
            for field in definition.workflow.case_schema:
                known = merged.get(field.name)
                if known is None:
                    merged[field.name] = {
                        "name": field.name, "label": field.label, "type": field.type,
                        "values": list(field.values), "required": field.required,
                        "description": field.description, "workflows": [definition.workflow_id],
                    }  # fmt: skip
                else:
                    known["required"] = known["required"] or field.required
                    known["workflows"].append(definition.workflow_id)
        return cls(
            starts=[
                StartingWorkflow(
                    workflow_id=s.definition.workflow_id,
                    name=s.definition.workflow.name,
                    version=s.definition.version,
                    why=s.why,
                )
                for s in plan.starts
            ],
            fields=[StartField(**values) for values in merged.values()],
            problems=[FieldProblemOut.of(p) for p in plan.problems],
        )


class TriggerOverlapOut(_Body):
    """An active workflow whose record trigger can fire on the same records, and why."""

    workflow_id: str
    name: str
    version: int
    reason: str


class TriggerOverlapList(_Body):
    """The trigger checked (``version`` ``null``: the draft) and the workflows it overlaps."""

    workflow_id: str
    version: int | None
    overlaps: list[TriggerOverlapOut]

    @classmethod
    def of(cls, found: TriggerOverlaps) -> TriggerOverlapList:
        return cls(
            workflow_id=found.workflow_id,
            version=found.version,
            overlaps=[
                TriggerOverlapOut(
                    workflow_id=o.workflow_id, name=o.name, version=o.version, reason=o.reason
                )
                for o in found.overlaps
            ],
        )


class TriggerOverlapQuery(QueryModel):
    """Which trigger of the workflow to check."""

    version: VersionNumber | Literal["draft"] | None = Field(
        default=None,
        description="A published version, or `draft`; default: the active version, else the draft",
    )


class Activation(ActiveVersion):
    """The version new cases start on, and the other active workflows whose record
    triggers can fire on the same records (a case matching both starts both)."""

    trigger_overlaps: list[TriggerOverlapOut]

    @classmethod
    def of(cls, active: int, found: TriggerOverlaps) -> Activation:
        return cls(active_version=active, trigger_overlaps=TriggerOverlapList.of(found).overlaps)


class Published(PublishResult):
    """What publishing created; when it also activated the version, the other active
    workflows whose record triggers can fire on the same records (else empty)."""

    trigger_overlaps: list[TriggerOverlapOut] = Field(default_factory=list)

    @classmethod
    def of(cls, result: PublishResult, found: TriggerOverlaps | None) -> Published:
        overlaps = TriggerOverlapList.of(found).overlaps if found is not None else []
        return cls(**result.model_dump(), trigger_overlaps=overlaps)
