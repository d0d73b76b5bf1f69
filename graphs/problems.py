"""Problems found in a workflow: what :func:`graphs.validation.validate` returns.

Each problem carries a stable ``code`` (what the canvas, the CLI and the API key on),
a severity, a sentence for a person, and the ids of the node, edge or step it concerns
so the canvas can mark the element. ``path`` locates it in the stored document.

>>> p = Problem(code=ProblemCode.STAGE_WITHOUT_STEPS, message="Stage 'triage' has no steps.",
...             node_id="triage", path="nodes[2]")
>>> p.severity, p.location()
('error', 'node triage (nodes[2])')
>>> has_errors([p]), has_errors([])
(True, False)
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Problem", "ProblemCode", "Severity", "has_errors"]

Severity = Literal["error", "warning"]


class ProblemCode(StrEnum):
    """Every kind of problem validation reports, one code per rule.

    Codes are stable identifiers: clients match on them, so they are never renamed.
    """

    # Structure of the graph.
    NO_START = "no_start"
    MULTIPLE_STARTS = "multiple_starts"
    NO_END = "no_end"
    DUPLICATE_NODE_ID = "duplicate_node_id"
    DUPLICATE_EDGE_ID = "duplicate_edge_id"
    DUPLICATE_STEP_ID = "duplicate_step_id"
    DANGLING_EDGE = "dangling_edge"
    UNREACHABLE_NODE = "unreachable_node"
    CANNOT_REACH_END = "cannot_reach_end"
    CYCLE_WITHOUT_GOTO = "cycle_without_goto"
    GOTO_CLOSES_NO_CYCLE = "goto_closes_no_cycle"
    EDGE_INTO_START = "edge_into_start"
    END_HAS_OUTGOING_EDGE = "end_has_outgoing_edge"
    NO_WAY_ON = "no_way_on"
    SEVERAL_WAYS_ON = "several_ways_on"
    # Decisions and their outcome edges.
    DECISION_WITHOUT_DEFAULT = "decision_without_default"
    DECISION_WITHOUT_OUTCOMES = "decision_without_outcomes"
    DUPLICATE_OUTCOME_ID = "duplicate_outcome_id"
    DUPLICATE_OUTCOME_LABEL = "duplicate_outcome_label"
    OUTCOME_WITHOUT_EDGE = "outcome_without_edge"
    OUTCOME_WITH_SEVERAL_EDGES = "outcome_with_several_edges"
    UNKNOWN_OUTCOME = "unknown_outcome"
    DECISION_EDGE_WITHOUT_OUTCOME = "decision_edge_without_outcome"
    OUTCOME_EDGE_OUTSIDE_DECISION = "outcome_edge_outside_decision"
    OUTCOME_WITHOUT_CONDITION = "outcome_without_condition"
    DEFAULT_CONDITION_IGNORED = "default_condition_ignored"
    # Stages and steps.
    STAGE_WITHOUT_STEPS = "stage_without_steps"
    UNKNOWN_AFTER_STEP = "unknown_after_step"
    AFTER_SELF = "after_self"
    AFTER_CYCLE = "after_cycle"
    UNASSIGNED_STEP = "unassigned_step"
    SLA_WARNING_NOT_BEFORE_TARGET = "sla_warning_not_before_target"
    UNKNOWN_ACTION = "unknown_action"
    # Conditions.
    UNKNOWN_FIELD = "unknown_field"
    BAD_OPERATOR = "bad_operator"
    BAD_CONDITION_VALUE = "bad_condition_value"
    EMPTY_CONDITION = "empty_condition"
    TRIGGER_CONDITION_IGNORED = "trigger_condition_ignored"
    CHANGED_ON_CREATE = "changed_on_create"
    # Case schema, forms and step inputs.
    DUPLICATE_CASE_FIELD = "duplicate_case_field"
    DUPLICATE_FORM_FIELD = "duplicate_form_field"
    PICKLIST_WITHOUT_VALUES = "picklist_without_values"
    DUPLICATE_PICKLIST_VALUE = "duplicate_picklist_value"
    VALUES_ON_NON_PICKLIST = "values_on_non_picklist"
    INPUT_VALUE_AND_REF = "input_value_and_ref"
    INPUT_WITHOUT_VALUE = "input_without_value"
    BAD_INPUT_VALUE = "bad_input_value"
    UNKNOWN_REF = "unknown_ref"
    INPUT_REF_TYPE_MISMATCH = "input_ref_type_mismatch"
    # The Salesforce record trigger.
    SALESFORCE_TRIGGER_MISPLACED = "salesforce_trigger_misplaced"
    SALESFORCE_BAD_NAME = "salesforce_bad_name"
    SALESFORCE_BAD_FILTER = "salesforce_bad_filter"
    SALESFORCE_UNKNOWN_CASE_FIELD = "salesforce_unknown_case_field"
    SALESFORCE_DUPLICATE_MAPPING = "salesforce_duplicate_mapping"
    # Escalation rules.
    DUPLICATE_ESCALATION_ID = "duplicate_escalation_id"
    BAD_ESCALATION_ACTION = "bad_escalation_action"
    UNKNOWN_ESCALATION_STAGE = "unknown_escalation_stage"
    # Data flow: what writes the fields that are read, and action inputs.
    FIELD_NEVER_WRITTEN = "field_never_written"
    LOOP_EXIT_NOT_WRITTEN = "loop_exit_not_written"
    OUTPUT_MAY_NOT_EXIST = "output_may_not_exist"
    MAPPING_TYPE_MISMATCH = "mapping_type_mismatch"
    UNKNOWN_MAPPED_FIELD = "unknown_mapped_field"
    FORM_FIELD_NOT_MAPPED = "form_field_not_mapped"
    MISSING_ACTION_INPUT = "missing_action_input"
    BAD_ACTION_INPUT = "bad_action_input"
    # AI steps: a person takes over when the model is not sure.
    AI_STEP_WITHOUT_REVIEW = "ai_step_without_review"
    AI_REVIEW_OPENS_ALWAYS = "ai_review_opens_always"
    AI_READS_SENSITIVE_FIELD = "ai_reads_sensitive_field"


class Problem(BaseModel):
    """One problem in a workflow, located precisely enough for the canvas to mark it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: ProblemCode
    severity: Severity = "error"
    message: str = Field(description="A sentence for the person fixing the workflow")
    node_id: str | None = None
    edge_id: str | None = None
    step_id: str | None = None
    path: str | None = Field(
        default=None, description="Where in the document, such as nodes[3].steps[1].form[0]"
    )
    related: list[str] = Field(
        default_factory=list,
        description="Other element ids involved, such as the edges of a cycle",
    )
    field: str | None = Field(
        default=None, description="The field path the problem is about, such as case.resolved"
    )

    def location(self) -> str:
        """A short description of where the problem is, for a terminal.

        >>> Problem(code=ProblemCode.DANGLING_EDGE, message="", edge_id="e1").location()
        'edge e1'
        >>> Problem(code=ProblemCode.NO_START, message="").location()
        'workflow'
        """
        parts = []
        if self.node_id is not None:
            parts.append(f"node {self.node_id}")
        if self.step_id is not None:
            parts.append(f"step {self.step_id}")
        if self.edge_id is not None:
            parts.append(f"edge {self.edge_id}")
        where = ", ".join(parts) or "workflow"
        return f"{where} ({self.path})" if self.path else where


def has_errors(problems: Iterable[Problem]) -> bool:
    """Whether any problem is an error (warnings alone do not block publishing).

    >>> has_errors([Problem(code=ProblemCode.EMPTY_CONDITION, severity="warning", message="")])
    False
    """
    return any(problem.severity == "error" for problem in problems)
