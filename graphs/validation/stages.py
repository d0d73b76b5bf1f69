"""Stages and their steps: steps to do, ``after`` ties that let them start, someone to do
the interactive ones, SLAs that warn before they breach, actions that exist."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping

import networkx as nx

from graphs.model import SLA, Workflow
from graphs.problems import Problem, ProblemCode
from graphs.validation.graph import Index, index_of, problem, workflow_graph  # noqa: F401 (doctests)


def check_stage_steps(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Every stage has at least one step.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(3)
    >>> wf.nodes[1].steps = []
    >>> [(p.code.value, p.node_id) for p in check_stage_steps(wf, workflow_graph(wf))]
    [('stage_without_steps', 'stage_1')]
    """
    return [
        problem(
            ProblemCode.STAGE_WITHOUT_STEPS,
            f"Stage {stage.id!r} has no steps; add at least one.",
            node_id=stage.id,
            path=f"nodes[{index}]",
        )
        for index, stage in index_of(workflow, graph).stages
        if not stage.steps
    ]


def check_after(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """``after`` names other steps of the same stage, and never forms a loop.

    All ``after`` ties of the workflow go into one graph that is checked for cycles at
    once, which keeps large workflows fast.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(3, seed=0)
    >>> first, second = wf.nodes[1].steps[:2]
    >>> first.after, second.after = [second.id], [first.id]
    >>> [(p.code.value, p.step_id) for p in check_after(wf, workflow_graph(wf))]
    [('after_cycle', 'stage_1_s1')]
    """
    index = index_of(workflow, graph)
    problems: list[Problem] = []
    # stage node index -> step id -> the steps of its stage it waits for
    ties: dict[int, dict[str, list[str]]] = defaultdict(dict)
    where: dict[tuple[int, str], str] = {}
    own: dict[int, set[str]] = {}
    for node_index, k, stage, step in index.catalog.waiting:
        if node_index not in own:
            own[node_index] = {s.id for s in stage.steps}
        for a, name in enumerate(step.after):
            if name in own[node_index] and name != step.id:
                ties[node_index].setdefault(step.id, []).append(name)
                where.setdefault((node_index, step.id), f"nodes[{node_index}].steps[{k}]")
                continue
            if name == step.id:
                code = ProblemCode.AFTER_SELF
                message = f"Step {step.id!r} waits for itself, so it would never start."
            else:
                elsewhere = index.catalog.stage_of_step.get(name)
                detail = (
                    f"is in stage {elsewhere!r}; a step waits only for steps of its stage"
                    if elsewhere
                    else "is not a step"
                )
                code = ProblemCode.UNKNOWN_AFTER_STEP
                message = f"Step {step.id!r} waits for {name!r}, which {detail}."
            problems.append(
                problem(
                    code,
                    message,
                    node_id=stage.id,
                    step_id=step.id,
                    path=f"nodes[{node_index}].steps[{k}].after[{a}]",
                )
            )
    for node_index, waits in ties.items():
        if not steps_waiting_for_ever(waits):
            continue
        stage_id = workflow.nodes[node_index].id
        loops = nx.DiGraph([(name, step_id) for step_id, names in waits.items() for name in names])
        for component in nx.strongly_connected_components(loops):
            if len(component) < 2:
                continue
            members = sorted(component)
            problems.append(
                problem(
                    ProblemCode.AFTER_CYCLE,
                    f"Steps {', '.join(members)} of stage {stage_id!r} wait for each other "
                    "through 'after', so none of them would ever start.",
                    node_id=stage_id,
                    step_id=members[0],
                    path=where[(node_index, members[0])],
                    related=members,
                )
            )
    return problems


def steps_waiting_for_ever(waits: Mapping[str, Collection[str]]) -> list[str]:
    """The steps of a stage that would never start, sorted: what remains after peeling,
    round by round, the steps that wait for no remaining step.

    ``waits`` maps a step id to the ids it waits for through ``after``; a step absent
    from it waits for nothing. What remains is every step of an ``after`` cycle and
    every step waiting, however indirectly, for one. The one owner of the rule: the
    engine's definition refuses such a stage with it, :func:`check_after` reports its
    cycles.

    >>> steps_waiting_for_ever({"a": ["b"], "b": ["a"], "c": ["a"], "d": ["e"]})
    ['a', 'b', 'c']
    >>> steps_waiting_for_ever({"a": [], "b": ["a"]})
    []
    """
    pending = {step_id: set(names) for step_id, names in waits.items()}
    while pending:
        free = [step_id for step_id, names in pending.items() if not names & pending.keys()]
        if not free:
            return sorted(pending)
        for step_id in free:
            del pending[step_id]
    return []


def check_step_assignment(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Warning: an interactive step goes to a queue or agent, its own or its stage owner's.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(3, seed=2)
    >>> stage = wf.nodes[1]
    >>> step = next(s for s in stage.steps if s.kind == "interactive")
    >>> stage.owner, step.assignment.queue = None, None
    >>> [(p.code.value, p.step_id) for p in check_step_assignment(wf, workflow_graph(wf))]
    [('unassigned_step', 'stage_1_s1')]
    """
    problems: list[Problem] = []
    for index, k, stage, step in index_of(workflow, graph).catalog.interactive:
        if stage.owner or step.assignment.queue or step.assignment.agent:
            continue
        problems.append(
            problem(
                ProblemCode.UNASSIGNED_STEP,
                f"Interactive step {step.id!r} names no queue or agent and its stage "
                f"{stage.id!r} has no owner, so nobody would see its work item.",
                severity="warning",
                node_id=stage.id,
                step_id=step.id,
                path=f"nodes[{index}].steps[{k}].assignment",
            )
        )
    return problems


def _slas(index: Index) -> Iterator[tuple[SLA, str, str, str | None, str]]:
    """Every SLA: with what it times, its stage, its step (if a step's) and its path."""
    for node_index, stage in index.stages:
        if stage.sla is not None:
            yield stage.sla, f"stage {stage.id!r}", stage.id, None, f"nodes[{node_index}].sla"
    for node_index, k, stage, step in index.catalog.interactive:
        if step.sla is not None:
            path = f"nodes[{node_index}].steps[{k}].sla"
            yield step.sla, f"step {step.id!r}", stage.id, step.id, path


def check_slas(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """An SLA's warning point comes before its target.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(3)
    >>> wf.nodes[1].sla.warning_minutes = wf.nodes[1].sla.target_minutes
    >>> [(p.code.value, p.path) for p in check_slas(wf, workflow_graph(wf))]
    [('sla_warning_not_before_target', 'nodes[1].sla')]
    """
    return [
        problem(
            ProblemCode.SLA_WARNING_NOT_BEFORE_TARGET,
            f"The SLA of {what} warns after {sla.warning_minutes:g} minutes, not before its "
            f"target of {sla.target_minutes:g}; the warning must come first.",
            node_id=node_id,
            step_id=step_id,
            path=path,
        )
        for sla, what, node_id, step_id, path in _slas(index_of(workflow, graph))
        if sla.warning_minutes is not None and sla.warning_minutes >= sla.target_minutes
    ]


def check_actions(workflow: Workflow, graph: nx.DiGraph, actions: Collection[str]) -> list[Problem]:
    """Background steps name actions that exist (given the names the runtime knows).

    ``graphs`` cannot know which actions are registered, so this rule runs only when
    the caller passes their names to :func:`validate`.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(3, seed=1)
    >>> [(p.code.value, p.step_id) for p in check_actions(wf, workflow_graph(wf), {"notify"})]
    [('unknown_action', 'stage_1_s1')]
    """
    problems: list[Problem] = []
    for index, k, stage, step in index_of(workflow, graph).catalog.background:
        if step.action not in actions:
            problems.append(
                problem(
                    ProblemCode.UNKNOWN_ACTION,
                    f"Step {step.id!r} runs action {step.action!r}, which is not installed; "
                    f"known actions: {', '.join(sorted(actions)) or 'none'}.",
                    node_id=stage.id,
                    step_id=step.id,
                    path=f"nodes[{index}].steps[{k}].action",
                )
            )
    return problems
