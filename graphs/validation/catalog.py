"""What a workflow declares for rules to refer to: case fields, steps by kind, and what
each field path names (its type and picklist values)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graphs.conditions import SLA_STATES, parse_datetime
from graphs.model import (
    BackgroundStep,
    CaseField,
    FieldType,
    InteractiveStep,
    StageNode,
    Workflow,
)
from graphs.problems import Severity


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """What a field path refers to: its type (None when untyped) and picklist values."""

    type: FieldType | None
    values: tuple[str, ...] = ()


BARE = {type_: FieldInfo(type_) for type_ in FieldType}
_UNTYPED = FieldInfo(None)
_SLA_FIELDS = {
    "state": FieldInfo(FieldType.PICKLIST, SLA_STATES),
    "remaining_minutes": BARE[FieldType.NUMBER],
}
Resolved = tuple[FieldInfo | None, str, Severity]


StepAt = tuple[int, int, StageNode, BackgroundStep | InteractiveStep]
"""A step with the index of its stage node, its own index in the stage, and its stage."""


@dataclass(frozen=True, slots=True)
class Catalog:
    """Every field a condition or a step input may name, and the steps by kind."""

    case: dict[str, CaseField]
    #: step id -> the first step with that id, and the id of its stage
    steps: dict[str, BackgroundStep | InteractiveStep]
    stage_of_step: dict[str, str]
    n_steps: int
    interactive: list[tuple[int, int, StageNode, InteractiveStep]]
    background: list[tuple[int, int, StageNode, BackgroundStep]]
    #: steps with a non-empty ``after``, and steps with an entry condition
    waiting: list[StepAt]
    gated: list[StepAt]
    #: field path -> what it resolves to; workflows name the same few paths many times
    cache: dict[str, Resolved]

    @staticmethod
    def of(workflow: Workflow, stages: Sequence[tuple[int, StageNode]]) -> Catalog:
        case: dict[str, CaseField] = {}
        for case_field in workflow.case_schema:
            case.setdefault(case_field.name, case_field)
        steps: dict[str, BackgroundStep | InteractiveStep] = {}
        stage_of_step: dict[str, str] = {}
        interactive: list[tuple[int, int, StageNode, InteractiveStep]] = []
        background: list[tuple[int, int, StageNode, BackgroundStep]] = []
        waiting: list[StepAt] = []
        gated: list[StepAt] = []
        n_steps = 0
        for node_index, stage in stages:
            n_steps += len(stage.steps)
            for k, step in enumerate(stage.steps):
                step_id = step.id
                if step_id not in steps:
                    steps[step_id] = step
                    stage_of_step[step_id] = stage.id
                if isinstance(step, InteractiveStep):
                    interactive.append((node_index, k, stage, step))
                else:
                    background.append((node_index, k, stage, step))
                if step.after:
                    waiting.append((node_index, k, stage, step))
                if step.entry_condition is not None:
                    gated.append((node_index, k, stage, step))
        return Catalog(
            case, steps, stage_of_step, n_steps, interactive, background, waiting, gated, {}
        )

    def resolve(self, path: str) -> Resolved:
        """The field at ``path``, or None with why it is unknown and how serious that is."""
        found = self.cache.get(path)
        if found is None:
            found = self.cache[path] = self._resolve(path)
        return found

    def _resolve(self, path: str) -> Resolved:
        root, _, rest = path.partition(".")
        if root == "case":
            case_field = self.case.get(rest)
            if case_field is None:
                return None, f"the case schema declares no field {rest!r}", "error"
            return FieldInfo(case_field.type, tuple(case_field.values)), "", "error"
        if root == "step":
            step_id, _, key = rest.partition(".")
            step = self.steps.get(step_id)
            if step is None:
                return None, f"there is no step {step_id!r}", "error"
            if not key:
                return None, "it names a step but not which of its outputs", "error"
            if not isinstance(step, InteractiveStep):
                return _UNTYPED, "", "error"  # an action's outputs are not declared
            form_field = next((f for f in step.form if f.name == key), None)
            if form_field is None:
                # The runtime may record more than the form about a work item, so an
                # unknown key is likely a typo but not certainly one.
                return None, f"step {step_id!r} has no form field {key!r}", "warning"
            return FieldInfo(form_field.type, tuple(form_field.values)), "", "error"
        if root == "sla":
            if rest not in _SLA_FIELDS:
                return None, "SLA fields are sla.state and sla.remaining_minutes", "error"
            return _SLA_FIELDS[rest], "", "error"
        if root == "counter":
            if not rest:
                return None, "it names no counter", "error"
            return BARE[FieldType.NUMBER], "", "error"
        return None, "a field path starts with case., step., sla. or counter.", "error"


def fits(value: Any, info: FieldInfo) -> bool:
    """Whether a literal ``value`` is a valid value of the field."""
    type_ = info.type
    if type_ is None:
        return True
    if type_ is FieldType.NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_ is FieldType.BOOLEAN:
        return isinstance(value, bool)
    if not isinstance(value, str):
        return False
    if type_ is FieldType.DATETIME:
        return parse_datetime(value) is not None
    if type_ is FieldType.PICKLIST and info.values:
        return value in info.values
    return True


def expected(info: FieldInfo) -> str:
    if info.type is FieldType.PICKLIST and info.values:
        return "one of " + ", ".join(repr(v) for v in info.values)
    if info.type is FieldType.DATETIME:
        return "an ISO 8601 date-time such as '2026-03-01T09:00:00Z'"
    return f"a {info.type}"
