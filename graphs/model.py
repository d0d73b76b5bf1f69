"""The workflow model: what an admin draws and what the runtime walks.

Every model forbids unknown fields so that a typo in a stored or imported workflow is
reported by path instead of silently dropped. The model checks shape only; the graph
rules (reachability, cycles, outcome edges, field references) live in
:mod:`graphs.validation`, which reports every problem at once.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from graphs.case_limits import storable_value
from graphs.conditions import Condition
from graphs.salesforce import SalesforceTrigger

__all__ = [
    "SCHEMA_VERSION",
    "SLA",
    "Assignment",
    "BackgroundStep",
    "CaseField",
    "DecisionNode",
    "Edge",
    "EdgeKind",
    "EndNode",
    "EscalationAction",
    "EscalationActionKind",
    "EscalationRule",
    "FieldType",
    "FormField",
    "InteractiveStep",
    "Node",
    "Outcome",
    "Position",
    "RetryPolicy",
    "RoutingStrategy",
    "StageNode",
    "StartNode",
    "Step",
    "StepInput",
    "Trigger",
    "TriggerEvent",
    "Workflow",
]

SCHEMA_VERSION = 1
"""The version of the stored format written by this code; older ones upgrade on load."""

Identifier = Annotated[
    str,
    Field(
        min_length=1,
        max_length=120,
        pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$",
        description="Letters, digits, '_' and '-', starting with a letter or '_'",
    ),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class FieldType(StrEnum):
    """The types a case field, form field or step input may have."""

    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATETIME = "date-time"
    PICKLIST = "picklist"


class _TypedField(_Model):
    """What a case field and a form field both are: a named, typed, perhaps required value."""

    name: Identifier
    label: str = ""
    type: FieldType = FieldType.STRING
    values: list[str] = Field(default_factory=list, description="Allowed values of a picklist")
    required: bool = False


class CaseField(_TypedField):
    """A typed field of the case record."""

    description: str = ""
    sensitive: bool = Field(
        default=False,
        description="Kept out of the timeline: a form's submitted value is logged without it",
    )


class FormField(_TypedField):
    """A field the assignee of an interactive step fills in."""

    help: str = ""
    case_field: Identifier | None = Field(
        default=None,
        description=(
            "The case field this answer writes when the item is completed; unset: the case "
            "field of the same name, when it has the same type"
        ),
    )
    to_case: bool = Field(
        default=True, description="False: the answer stays in the step's outputs only"
    )


class TriggerEvent(StrEnum):
    """Which record changes start a run of a record-triggered workflow."""

    CREATE = "create"
    UPDATE = "update"
    CREATE_OR_UPDATE = "create_or_update"


class Trigger(_Model):
    """How runs of a workflow start: by hand, or when a matching case record changes."""

    kind: Literal["manual", "record"] = "manual"
    on: TriggerEvent = TriggerEvent.CREATE
    condition: Condition | None = None
    source: str = Field(default="baton", description="Where case records come from")
    salesforce: SalesforceTrigger | None = Field(
        default=None, description="Poll this sObject for the cases (source 'salesforce')"
    )


class Position(_Model):
    """Where a node sits on the canvas."""

    x: float = 0.0
    y: float = 0.0


class SLA(_Model):
    """A service-level target: breached after ``target_minutes``, at risk after ``warning``."""

    target_minutes: float = Field(gt=0)
    warning_minutes: float | None = Field(
        default=None, gt=0, description="Elapsed minutes after which the SLA is at risk"
    )
    calendar: str | None = Field(default=None, description="Business calendar for the clock")


class RetryPolicy(_Model):
    """How often and how patiently a failing background step is retried."""

    max_attempts: int = Field(default=3, ge=1, le=100)
    initial_backoff_seconds: float = Field(default=1.0, ge=0)
    backoff_multiplier: float = Field(default=2.0, ge=1)
    max_backoff_seconds: float = Field(default=300.0, ge=0)

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based).

        >>> [RetryPolicy().backoff(n) for n in (1, 2, 3)]
        [1.0, 2.0, 4.0]
        """
        delay = self.initial_backoff_seconds * self.backoff_multiplier ** (attempt - 1)
        return float(min(delay, self.max_backoff_seconds))


class StepInput(_Model):
    """A typed input of a background step: a literal value or a reference to a field."""

    type: FieldType = FieldType.STRING
    value: Any = None
    ref: str | None = Field(default=None, description="A field path such as case.email")

    @field_validator("value")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        # A literal may be written to the case (set_fields): the case's limits apply.
        return storable_value(value, what="step input")


class _StepBase(_Model):
    id: Identifier
    name: str = ""
    after: list[str] = Field(
        default_factory=list, description="Steps of the same stage this step waits for"
    )
    entry_condition: Condition | None = None


class BackgroundStep(_StepBase):
    """A step that runs by itself: an action with inputs."""

    kind: Literal["background"] = "background"
    action: str = Field(min_length=1, description="A registered action name, such as notify")
    inputs: dict[str, StepInput] = Field(default_factory=dict)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    timeout_seconds: float = Field(default=60.0, gt=0)
    outputs_to_case: dict[str, Identifier] = Field(
        default_factory=dict,
        description=(
            "Output name -> the case field it writes when the step completes. Only what is "
            "named here is written: action outputs such as notify's 'subject' share names "
            "with common case fields"
        ),
    )


class RoutingStrategy(StrEnum):
    """How a work item finds its agent."""

    ROUND_ROBIN = "round_robin"
    LOAD_BALANCED = "load_balanced"
    SKILLS_BASED = "skills_based"
    PULL_NEXT = "pull_next"


class Assignment(_Model):
    """Where an interactive step's work item goes."""

    queue: str | None = None
    agent: str | None = Field(default=None, description="A named agent, bypassing routing")
    skills: list[str] = Field(default_factory=list)
    strategy: RoutingStrategy | None = Field(
        default=None, description="Overrides the queue's strategy for this step"
    )
    prefer_previous_agent: bool = Field(
        default=True,
        description=(
            "Rework: when the run comes back to this step, its new item goes first to the "
            "agent who completed the previous attempt, while available and with room"
        ),
    )


class InteractiveStep(_StepBase):
    """A step a person completes: a work item with a form."""

    kind: Literal["interactive"] = "interactive"
    assignment: Assignment = Field(default_factory=Assignment)
    form: list[FormField] = Field(default_factory=list)
    sla: SLA | None = None


Step = Annotated[BackgroundStep | InteractiveStep, Field(discriminator="kind")]


class _NodeBase(_Model):
    id: Identifier
    name: str = ""
    description: str = ""
    position: Position = Field(default_factory=Position)


class StartNode(_NodeBase):
    """Where every run begins."""

    kind: Literal["start"] = "start"


class EndNode(_NodeBase):
    """Where a run finishes, with its resolution."""

    kind: Literal["end"] = "end"
    resolution: str = Field(default="resolved", min_length=1)


class StageNode(_NodeBase):
    """A stage: a parallel group of steps with entry/exit conditions, an owner and an SLA."""

    kind: Literal["stage"] = "stage"
    steps: list[Step] = Field(default_factory=list)
    entry_condition: Condition | None = None
    exit_condition: Condition | None = Field(
        default=None, description="Leave early when true; otherwise when every step is done"
    )
    owner: str | None = Field(default=None, description="The queue or team that owns the stage")
    sla: SLA | None = None


class Outcome(_Model):
    """One outcome of a decision: taken when its condition holds (first true wins)."""

    id: Identifier
    label: str = Field(min_length=1)
    condition: Condition | None = None


class DecisionNode(_NodeBase):
    """A decision: ordered outcomes, first true wins, else the default outcome."""

    kind: Literal["decision"] = "decision"
    outcomes: list[Outcome] = Field(default_factory=list)
    default_outcome: Outcome | None = Field(
        default=None, description="Taken when no outcome's condition holds"
    )

    def all_outcomes(self) -> list[Outcome]:
        """The ordered outcomes followed by the default, if any."""
        return [*self.outcomes, *([self.default_outcome] if self.default_outcome else [])]


Node = Annotated[StartNode | StageNode | DecisionNode | EndNode, Field(discriminator="kind")]


class EdgeKind(StrEnum):
    """``next`` moves on, ``outcome`` leaves a decision, ``goto`` jumps back."""

    NEXT = "next"
    OUTCOME = "outcome"
    GOTO = "goto"


class Edge(_Model):
    """A directed edge between two nodes."""

    id: Identifier
    source: str
    target: str
    kind: EdgeKind = EdgeKind.NEXT
    outcome: str | None = Field(
        default=None, description="The decision outcome id this edge carries (outcome or goto)"
    )
    label: str = ""


class EscalationActionKind(StrEnum):
    """What an escalation rule does when it fires."""

    RAISE_PRIORITY = "raise_priority"  #: the run's open work items go up a priority class
    REASSIGN = "reassign"  #: the run's open work items move to a queue and/or need skills
    NOTIFY = "notify"  #: a notice to people (in the app, and by e-mail when configured)
    GOTO_STAGE = "goto_stage"  #: leave the current stage for an escalation stage


class EscalationAction(_Model):
    """One action of an escalation rule; which fields matter depends on ``kind``."""

    kind: EscalationActionKind
    queue: str | None = Field(default=None, description="reassign: the queue to move to")
    skills: list[str] = Field(default_factory=list, description="reassign: skills required")
    by: int = Field(default=1, ge=1, le=10, description="raise_priority: classes to raise by")
    to: str | None = Field(default=None, description="notify: recipients, comma-separated")
    message: str = Field(default="", description="notify: may use {field} placeholders")
    node_id: str | None = Field(default=None, description="goto_stage: the stage to jump to")


class EscalationRule(_Model):
    """Fires its actions when its condition becomes true while the run is at a stage.

    Evaluated at once whenever anything about the run changes (a case update, an SLA
    timer, a step finishing). A rule fires at most once per stage visit, unless its
    condition turns false and then true again.
    """

    id: Identifier
    name: str = ""
    condition: Condition
    actions: list[EscalationAction] = Field(min_length=1)
    stages: list[str] = Field(
        default_factory=list, description="Only while the run is at these stages (empty: any)"
    )


class Workflow(_Model):
    """A workflow: a directed graph of stages, decisions and ends over a typed case."""

    id: Identifier
    name: str = Field(min_length=1)
    description: str = ""
    schema_version: int = SCHEMA_VERSION
    case_schema: list[CaseField] = Field(default_factory=list)
    trigger: Trigger = Field(default_factory=Trigger)
    max_visits_per_node: int = Field(
        default=25, ge=1, le=10_000, description="Loop guard: visits of one node per run"
    )
    nodes: list[Node] = Field(default_factory=list)
    edges: list[Edge] = Field(default_factory=list)
    escalations: list[EscalationRule] = Field(
        default_factory=list, description="Rules that escalate a run before (or at) a breach"
    )

    def node(self, node_id: str) -> StartNode | StageNode | DecisionNode | EndNode:
        """The node with this id; ``KeyError`` if there is none."""
        for candidate in self.nodes:
            if candidate.id == node_id:
                return candidate
        raise KeyError(node_id)

    def field(self, name: str) -> CaseField | None:
        """The case field with this name, if declared."""
        return next((f for f in self.case_schema if f.name == name), None)

    def step(self, step_id: str) -> BackgroundStep | InteractiveStep | None:
        """The first step with this id in any stage, if there is one."""
        for node in self.nodes:
            if isinstance(node, StageNode):
                for candidate in node.steps:
                    if candidate.id == step_id:
                        return candidate
        return None
