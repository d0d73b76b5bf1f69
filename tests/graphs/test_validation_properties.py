"""Property-based tests: random valid workflows validate clean, single mistakes are caught."""

from __future__ import annotations

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphs.model import Workflow
from graphs.validation import steps_waiting_for_ever, validate

from .strategies import Mutation, mutations, valid_workflows

_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much]
)


@_SETTINGS
@given(valid_workflows())
def test_random_valid_workflows_validate_clean(workflow: Workflow) -> None:
    assert validate(workflow) == []


@settings(max_examples=20, deadline=None)
@given(valid_workflows(max_nodes=25))
def test_validation_survives_a_round_trip_through_json(workflow: Workflow) -> None:
    # What the designer stores is JSON; it must validate exactly as the model did.
    again = Workflow.model_validate_json(workflow.model_dump_json())
    assert validate(again) == validate(workflow) == []


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(mutations())
def test_a_single_mistake_is_caught_with_its_code_and_element(mutation: Mutation) -> None:
    problems = validate(mutation.workflow)
    assert any(mutation.caught_by(p) for p in problems), (
        f"{mutation.name}: expected {mutation.code} on {mutation.element_id!r}, got "
        f"{[(p.code.value, p.location()) for p in problems]}"
    )


@settings(max_examples=20, deadline=None)
@given(mutations(names=("dangling_edge", "removed_default", "cycle_without_goto")))
def test_the_issue_s_named_mutations_are_errors(mutation: Mutation) -> None:
    problems = validate(mutation.workflow)
    assert [p for p in problems if mutation.caught_by(p) and p.severity == "error"]


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from("abcdef"), st.lists(st.sampled_from("abcdefg"), max_size=3), max_size=6
    )
)
def test_the_steps_waiting_for_ever_are_those_that_reach_an_after_cycle(
    waits: dict[str, list[str]],
) -> None:
    # The one rule the engine's definition and check_after share, against networkx: a
    # step never starts when, following what it waits for, it meets a cycle.
    ties = nx.DiGraph([(step_id, name) for step_id, names in waits.items() for name in names])
    in_cycle = {
        step_id
        for component in nx.strongly_connected_components(ties)
        for step_id in component
        if len(component) > 1 or ties.has_edge(step_id, step_id)
    }
    blocked = in_cycle | {step_id for c in in_cycle for step_id in nx.ancestors(ties, c)}
    assert steps_waiting_for_ever(waits) == sorted(blocked)
