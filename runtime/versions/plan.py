"""The plan of a move: which node and step of the source version becomes which of the target.

Ids map to the same id by default; the caller's overrides (``old=new``) cover renamed or
split parts. The plan is worked out once per move, from the two versions alone: what
each source node and step becomes, and whether an open work item's form still fits.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from graphs.model import SLA, BackgroundStep, FormField, InteractiveStep, StageNode, Workflow
from runtime.versions.errors import MappingInvalid, VersionPairInvalid

__all__ = ["FormFit", "NodeMove", "Plan", "StepMove", "Unmapped", "make_plan"]


class Unmapped(StrEnum):
    """Why a run cannot move; it stays on its version and is listed."""

    NODE_GONE = "node_gone"  #: the run's node is not in the target (and no override names it)
    NODE_KIND_CHANGED = "node_kind_changed"  #: the target node is not the same kind of node
    STEP_GONE = "step_gone"  #: a step under way (or failed) is not in the target stage
    FORM_CHANGED = "form_changed"  #: an open work item's form lost or retyped a field
    MISSING_REQUIRED_FIELD = "missing_required_field"  #: the case lacks a field the target requires
    DEFERRED_EVENTS = "deferred_events"  #: events held for a paused run name moved steps


class FormFit(StrEnum):
    """How an interactive step's form in the target compares with the source's."""

    SAME = "same"
    COMPATIBLE = "compatible"  #: labels, help or new optional fields: the open item is kept
    INCOMPATIBLE = "incompatible"  #: a field removed or retyped, or a new required field


@dataclass(frozen=True, slots=True)
class StepMove:
    """What one step of a source stage becomes in the target stage (``target`` None: gone)."""

    source_id: str
    target_id: str
    source: BackgroundStep | InteractiveStep
    target: BackgroundStep | InteractiveStep | None

    @property
    def same(self) -> bool:
        """Same id and same work: a step under way carries on untouched."""
        t, s = self.target, self.source
        if t is None or t.id != s.id or t.kind != s.kind:
            return False
        return not isinstance(t, BackgroundStep) or t.action == getattr(s, "action", None)

    @property
    def form_fit(self) -> FormFit:
        """The fit of the target's form for an open work item of the source step."""
        t, s = self.target, self.source
        if not isinstance(t, InteractiveStep) or not isinstance(s, InteractiveStep):
            return FormFit.INCOMPATIBLE
        return form_fit(s.form, t.form)

    @property
    def sla(self) -> tuple[SLA | None, SLA | None]:
        """The step's SLA in the source and in the target (interactive steps only)."""
        return _sla(self.source), (None if self.target is None else _sla(self.target))


def _sla(step: BackgroundStep | InteractiveStep) -> SLA | None:
    return step.sla if isinstance(step, InteractiveStep) else None


@dataclass(frozen=True, slots=True)
class NodeMove:
    """What one source node becomes: a target node, or why runs there cannot move."""

    source_id: str
    target_id: str | None
    problem: Unmapped | None
    steps: Mapping[str, StepMove] = field(default_factory=dict)
    #: target steps no source step becomes: they start fresh in a moved run
    added: tuple[str, ...] = ()
    source_sla: SLA | None = None
    target_sla: SLA | None = None
    is_stage: bool = False


@dataclass(frozen=True, slots=True)
class Plan:
    """A move of runs from one version of a workflow to another."""

    workflow_id: str
    from_version: int
    to_version: int
    source: Workflow
    target: Workflow
    mapping: Mapping[str, str]  #: the effective overrides; unnamed ids map to themselves
    nodes: Mapping[str, NodeMove]
    steps: Mapping[str, str]  #: every source step id -> its target id (for outputs, attempts)
    #: required case fields of the target: a run whose case lacks one cannot move
    required: tuple[str, ...] = ()
    calendars: Mapping[str, Any] = field(default_factory=dict)

    def node_of(self, node_id: str) -> str:
        """The target id a source node maps to (itself unless overridden)."""
        return self.mapping.get(node_id, node_id)

    def step_of(self, step_id: str) -> str:
        """The target id a source step maps to (itself unless overridden)."""
        return self.steps.get(step_id, self.mapping.get(step_id, step_id))


def form_fit(source: list[FormField], target: list[FormField]) -> FormFit:
    """How ``target`` compares with ``source`` for a work item already open.

    >>> a = FormField(name="ok", type="boolean", required=True)
    >>> b = FormField(name="note")
    >>> form_fit([a], [a]), form_fit([a], [a, b])
    (<FormFit.SAME: 'same'>, <FormFit.COMPATIBLE: 'compatible'>)
    >>> form_fit([a, b], [a]), form_fit([a], [a, b.model_copy(update={"required": True})])
    (<FormFit.INCOMPATIBLE: 'incompatible'>, <FormFit.INCOMPATIBLE: 'incompatible'>)
    """
    if source == target:
        return FormFit.SAME
    before = {f.name: f for f in source}
    after = {f.name: f for f in target}
    for name, old in before.items():
        new = after.get(name)
        if new is None or new.type != old.type or not set(new.values) >= set(old.values):
            return FormFit.INCOMPATIBLE
        if new.required and not old.required:
            return FormFit.INCOMPATIBLE
    if any(f.required for name, f in after.items() if name not in before):
        return FormFit.INCOMPATIBLE
    return FormFit.COMPATIBLE


def _stage_steps(workflow: Workflow) -> dict[str, tuple[str, BackgroundStep | InteractiveStep]]:
    return {
        step.id: (node.id, step)
        for node in workflow.nodes
        if isinstance(node, StageNode)
        for step in node.steps
    }


def _check_mapping(
    source: Workflow, target: Workflow, mapping: Mapping[str, str], versions: tuple[int, int]
) -> None:
    source_nodes = {n.id for n in source.nodes}
    target_nodes = {n.id for n in target.nodes}
    source_steps, target_steps = _stage_steps(source), _stage_steps(target)
    problems: list[str] = []
    unknown: list[str] = []
    for old, new in mapping.items():
        old_is = "node" if old in source_nodes else "step" if old in source_steps else None
        new_is = "node" if new in target_nodes else "step" if new in target_steps else None
        if old_is is None:
            unknown.append(old)
            problems.append(
                f"{old!r} is no node or step of version {versions[0]}"
                + (
                    " (it is in the target version)"
                    if old in target_nodes | set(target_steps)
                    else ""
                )
            )
        if new_is is None:
            unknown.append(new)
            problems.append(f"{new!r} (for {old!r}) is no node or step of version {versions[1]}")
        if old_is and new_is and old_is != new_is:
            problems.append(f"{old!r} is a {old_is} but {new!r} is a {new_is}")
    if problems:
        raise MappingInvalid(problems, sorted(set(unknown)))


def make_plan(
    *,
    workflow_id: str,
    from_version: int,
    to_version: int,
    source: Workflow,
    target: Workflow,
    mapping: Mapping[str, str],
    calendars: Mapping[str, Any] | None = None,
) -> Plan:
    """The plan of moving runs of ``source`` to ``target`` with the overrides ``mapping``.

    Refuses a pair that cannot be a move (:class:`VersionPairInvalid`) and a mapping that
    names ids neither version has (:class:`MappingInvalid`, listing them).
    """
    if from_version == to_version:
        raise VersionPairInvalid(
            f"from_version and to_version are both {from_version}: a move needs two versions"
        )
    if source.id != workflow_id or target.id != workflow_id:
        raise VersionPairInvalid(
            f"versions {from_version} and {to_version} are not both versions of "
            f"workflow {workflow_id!r}"
        )
    _check_mapping(source, target, mapping, (from_version, to_version))
    effective = {old: new for old, new in mapping.items() if old != new}
    target_nodes = {n.id: n for n in target.nodes}
    source_steps = _stage_steps(source)
    steps = {sid: effective.get(sid, sid) for sid in source_steps}
    nodes: dict[str, NodeMove] = {}
    for node in source.nodes:
        tid = effective.get(node.id, node.id)
        found = target_nodes.get(tid)
        if found is None:
            nodes[node.id] = NodeMove(node.id, None, Unmapped.NODE_GONE)
            continue
        if found.kind != node.kind:
            nodes[node.id] = NodeMove(node.id, tid, Unmapped.NODE_KIND_CHANGED)
            continue
        if not isinstance(node, StageNode) or not isinstance(found, StageNode):
            nodes[node.id] = NodeMove(node.id, tid, None)
            continue
        in_target = {s.id: s for s in found.steps}
        moves = {
            s.id: StepMove(s.id, steps[s.id], s, in_target.get(steps[s.id])) for s in node.steps
        }
        reached = {m.target_id for m in moves.values() if m.target is not None}
        added = tuple(s.id for s in found.steps if s.id not in reached)
        nodes[node.id] = NodeMove(
            node.id, tid, None, moves, added, node.sla, found.sla, is_stage=True
        )
    required = tuple(f.name for f in target.case_schema if f.required)
    return Plan(
        workflow_id, from_version, to_version, source, target, effective, nodes, steps,
        required, dict(calendars or {}),
    )  # fmt: skip
