"""Graph validation: every problem in a workflow, each located on the canvas.

:func:`validate` runs every rule and returns all problems at once (an empty list for a
valid workflow). Each rule is a small stateless function ``check_*(workflow, graph)``
over the workflow and its :func:`workflow_graph`; they can be run one at a time. The
rules live in modules by topic, as networkx keeps its algorithms:

- :mod:`~graphs.validation.structure`: one start, some end, unique ids;
- :mod:`~graphs.validation.paths`: edges, reachability, loops and go-tos;
- :mod:`~graphs.validation.decisions`: defaults, outcomes and their edges;
- :mod:`~graphs.validation.stages`: steps, ``after`` ties, assignment, SLAs, actions;
- :mod:`~graphs.validation.fields`: case schema, forms, step inputs;
- :mod:`~graphs.validation.conditions`: rules over known fields, of fitting types;
- :mod:`~graphs.validation.triggers`: the trigger and its Salesforce settings;
- :mod:`~graphs.validation.escalation`: escalation rules;
- :mod:`~graphs.validation.dataflow`: mapped answers and outputs, fields read but never
  written, loops that cannot end, outputs read before they exist, action inputs.

What the rules share lives in :mod:`~graphs.validation.graph` (the graph, its lookup
tables, the wording of a problem) and :mod:`~graphs.validation.catalog` (what a field
path names). The package's public names are listed once, in ``__all__`` below.

>>> from graphs.generate import generate_workflow
>>> wf = generate_workflow(30, seed=1)
>>> validate(wf)
[]
>>> wf.edges[0].target = "nowhere"
>>> sorted({p.code.value for p in validate(wf)})
['cannot_reach_end', 'dangling_edge', 'unreachable_node']
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from graphs.action_specs import ActionCatalogue
from graphs.model import Workflow
from graphs.problems import Problem
from graphs.validation.ai_steps import check_ai_steps
from graphs.validation.conditions import check_conditions
from graphs.validation.dataflow import (
    CATALOGUE_RULES,
    check_action_inputs,
    check_form_mappings,
    check_loop_exits,
    check_output_mappings,
    check_step_output_reads,
    check_unwritten_reads,
)
from graphs.validation.decisions import (
    check_decision_defaults,
    check_decision_edges,
    check_outcome_conditions,
    check_outcome_edges_outside_decisions,
    check_outcome_ids_and_labels,
)
from graphs.validation.escalation import check_escalations
from graphs.validation.fields import check_case_schema, check_forms, check_step_inputs
from graphs.validation.graph import Check, workflow_graph
from graphs.validation.paths import (
    check_can_reach_end,
    check_cycles_without_goto,
    check_edge_endpoints,
    check_edges_into_start,
    check_end_edges,
    check_goto_edges,
    check_reachable_from_start,
    check_ways_on,
)
from graphs.validation.stages import (
    check_actions,
    check_after,
    check_slas,
    check_stage_steps,
    check_step_assignment,
    steps_waiting_for_ever,
)
from graphs.validation.structure import (
    check_ends,
    check_starts,
    check_unique_edge_ids,
    check_unique_node_ids,
    check_unique_step_ids,
)
from graphs.validation.triggers import check_salesforce_trigger, check_trigger

__all__ = [
    "CATALOGUE_RULES",
    "RULES",
    "Check",
    "check_action_inputs",
    "check_actions",
    "check_after",
    "check_ai_steps",
    "check_can_reach_end",
    "check_case_schema",
    "check_conditions",
    "check_cycles_without_goto",
    "check_decision_defaults",
    "check_decision_edges",
    "check_edge_endpoints",
    "check_edges_into_start",
    "check_end_edges",
    "check_ends",
    "check_escalations",
    "check_form_mappings",
    "check_forms",
    "check_goto_edges",
    "check_loop_exits",
    "check_outcome_conditions",
    "check_outcome_edges_outside_decisions",
    "check_outcome_ids_and_labels",
    "check_output_mappings",
    "check_reachable_from_start",
    "check_salesforce_trigger",
    "check_slas",
    "check_stage_steps",
    "check_starts",
    "check_step_assignment",
    "check_step_inputs",
    "check_step_output_reads",
    "check_trigger",
    "check_unique_edge_ids",
    "check_unique_node_ids",
    "check_unique_step_ids",
    "check_unwritten_reads",
    "check_ways_on",
    "steps_waiting_for_ever",
    "validate",
    "workflow_graph",
]


RULES: tuple[Check, ...] = (
    check_starts,
    check_ends,
    check_unique_node_ids,
    check_unique_edge_ids,
    check_unique_step_ids,
    check_edge_endpoints,
    check_edges_into_start,
    check_end_edges,
    check_ways_on,
    check_reachable_from_start,
    check_can_reach_end,
    check_cycles_without_goto,
    check_goto_edges,
    check_decision_defaults,
    check_outcome_ids_and_labels,
    check_decision_edges,
    check_outcome_edges_outside_decisions,
    check_outcome_conditions,
    check_stage_steps,
    check_after,
    check_step_assignment,
    check_slas,
    check_case_schema,
    check_forms,
    check_step_inputs,
    check_form_mappings,
    check_step_output_reads,
    check_trigger,
    check_salesforce_trigger,
    check_conditions,
    check_escalations,
    check_ai_steps,
)
"""Every rule, in the order :func:`validate` runs them."""


def validate(
    workflow: Workflow, *, actions: ActionCatalogue | Collection[str] | None = None
) -> list[Problem]:
    """Every problem in ``workflow``, errors and warnings; ``[]`` when it is valid.

    Problems come in rule order (:data:`RULES`), and within a rule in a fixed order, so
    the same workflow always gives the same list. Pass ``actions`` to check steps against
    the installed actions: their names, to check that every background step names one;
    the runtime's catalogue (name -> :class:`~graphs.action_specs.ActionSpec`), to also
    check action inputs and the data flow (:data:`CATALOGUE_RULES`).

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(5)
    >>> wf.nodes[1].steps = []
    >>> [f"{p.code}: {p.message}" for p in validate(wf)]
    ["stage_without_steps: Stage 'stage_1' has no steps; add at least one."]
    """
    graph = workflow_graph(workflow)
    problems: list[Problem] = []
    for rule in RULES:
        problems.extend(rule(workflow, graph))
    if actions is not None:
        problems.extend(check_actions(workflow, graph, actions))
    if isinstance(actions, Mapping):
        for catalogue_rule in CATALOGUE_RULES:
            problems.extend(catalogue_rule(workflow, graph, actions))
    return problems
