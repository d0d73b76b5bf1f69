"""Helpers for the engine tests: small workflow builders and a run harness.

The :class:`Harness` plays store, executor and clock around the pure transition and
checks, after every event, what must always hold: the input state is not mutated, log
numbers continue without a gap, the last effect is one ``Publish``, and the run is at
exactly one node whose steps (and only those) it holds.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from graphs.conditions import Group, Rule
from graphs.model import (
    SLA,
    Assignment,
    BackgroundStep,
    DecisionNode,
    Edge,
    EdgeKind,
    EndNode,
    FormField,
    InteractiveStep,
    Outcome,
    RetryPolicy,
    StageNode,
    StartNode,
    Step,
    StepInput,
    Workflow,
)
from runtime.engine import compile_workflow, replay, transition
from runtime.engine.definition import CompiledWorkflow
from runtime.engine.types import (
    FINISHED_RUN_STATUSES,
    AdminCommand,
    CancelTimer,
    CancelWorkItem,
    CaseCreated,
    CaseUpdated,
    CreateWorkItem,
    Event,
    LogEvent,
    Publish,
    RunIdentity,
    RunState,
    RunStatus,
    RunStep,
    ScheduleTimer,
    StepCompleted,
    StepFailed,
    StepStatus,
    TimerFired,
    Transition,
    WorkItemCompleted,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


# ---------------------------------------------------------------------------- builders


def rule(field: str, op: str, value: Any = None) -> Group:
    """A one-rule condition."""
    return Group(rules=[Rule(field=field, op=op, value=value)])


def bg(step_id: str, action: str = "notify", **kw: Any) -> BackgroundStep:
    """A background step."""
    if "inputs" in kw:
        kw["inputs"] = {k: StepInput(**v) for k, v in kw["inputs"].items()}
    if "retry" in kw:
        kw["retry"] = RetryPolicy(**kw["retry"])
    return BackgroundStep(id=step_id, action=action, **kw)


def ui(step_id: str, queue: str | None = "support", **kw: Any) -> InteractiveStep:
    """An interactive step."""
    if "sla" in kw:
        kw["sla"] = SLA(**kw["sla"])
    kw.setdefault("form", [FormField(name="answer")])
    return InteractiveStep(id=step_id, assignment=Assignment(queue=queue), **kw)


def stage(stage_id: str, *steps: Step, **kw: Any) -> StageNode:
    """A stage holding ``steps``."""
    if "sla" in kw:
        kw["sla"] = SLA(**kw["sla"])
    return StageNode(id=stage_id, steps=list(steps), **kw)


def linear(*stages: StageNode, max_visits: int = 25, resolution: str = "resolved") -> Workflow:
    """start -> each stage in turn -> end."""
    ids = ["start", *(s.id for s in stages), "end"]
    return Workflow(
        id="wf",
        name="Test workflow",
        max_visits_per_node=max_visits,
        nodes=[StartNode(id="start"), *stages, EndNode(id="end", resolution=resolution)],
        edges=[
            Edge(id=f"e{k}", source=a, target=b) for k, (a, b) in enumerate(itertools.pairwise(ids))
        ],
    )


def with_decision(
    before: StageNode,
    outcomes: list[tuple[str, Group | None, str]],
    default: str | None,
    extra_nodes: Iterable[StageNode | EndNode] = (),
    *,
    goto: Iterable[str] = (),
    max_visits: int = 25,
) -> Workflow:
    """start -> ``before`` -> decision; each outcome (id, condition, target) leads on.

    Outcome ids in ``goto`` are drawn as go-to edges; ``default`` names the target of
    the default outcome. Nodes named as targets must be ``before``, an extra node, or
    one of the ends ``end``/``other_end``.
    """
    goto = set(goto)
    decision = DecisionNode(
        id="decide",
        outcomes=[Outcome(id=oid, label=oid.title(), condition=c) for oid, c, _ in outcomes],
        default_outcome=None if default is None else Outcome(id="otherwise", label="Otherwise"),
    )
    edges = [
        Edge(id="e_start", source="start", target=before.id),
        Edge(id="e_before", source=before.id, target="decide"),
    ]
    for oid, _, target in outcomes:
        kind = EdgeKind.GOTO if oid in goto else EdgeKind.OUTCOME
        edges.append(Edge(id=f"e_{oid}", source="decide", target=target, kind=kind, outcome=oid))
    if default is not None:
        edges.append(
            Edge(
                id="e_otherwise",
                source="decide",
                target=default,
                kind=EdgeKind.OUTCOME,
                outcome="otherwise",
            )
        )
    extra = list(extra_nodes)
    for node in extra:
        if isinstance(node, StageNode):
            edges.append(Edge(id=f"e_{node.id}_end", source=node.id, target="end"))
    return Workflow(
        id="wf",
        name="Decision workflow",
        max_visits_per_node=max_visits,
        nodes=[
            StartNode(id="start"),
            before,
            decision,
            *extra,
            EndNode(id="end", resolution="resolved"),
            EndNode(id="other_end", resolution="rejected"),
        ],
        edges=edges,
    )


# ---------------------------------------------------------------------------- harness


class Harness:
    """Drives one run through the pure transition, keeping what a store would keep."""

    def __init__(self, workflow: Workflow | CompiledWorkflow, *, run_id: str = "run1") -> None:
        self.d = workflow if isinstance(workflow, CompiledWorkflow) else compile_workflow(workflow)
        self.identity = RunIdentity(
            run_id=run_id, workflow_id=self.d.id, version=1, case_id="case1"
        )
        self.state: RunState | None = None
        self.now = T0
        self.inputs: list[tuple[Event, datetime]] = []
        self.log: list[LogEvent] = []
        self.effects: list[Any] = []
        self.last: Transition | None = None
        self.timers: dict[str, ScheduleTimer] = {}  # scheduled, not yet fired or cancelled
        self.work_items: dict[str, CreateWorkItem] = {}
        self.running: dict[str, RunStep] = {}  # by step id, the latest dispatched attempt

    # -------------------------------------------------------------- sending

    def send(self, event: Event, *, minutes: float = 0.0) -> Transition:
        """Apply ``event`` ``minutes`` after the previous one and check the invariants."""
        self.now += timedelta(minutes=minutes)
        before = None if self.state is None else self.state.model_dump()
        result = transition(self.d, self.state, event, self.now, identity=self.identity)
        if self.state is not None:
            assert self.state.model_dump() == before, "the transition mutated its input state"
        self.check(result)
        self.state = result.state
        self.inputs.append((event, self.now))
        self.log.extend(result.log)
        self.effects.extend(result.effects)
        self.last = result
        for effect in result.effects:
            if isinstance(effect, ScheduleTimer):
                self.timers[effect.timer_key] = effect
            elif isinstance(effect, CancelTimer):
                self.timers.pop(effect.timer_key, None)
            elif isinstance(effect, CreateWorkItem):
                self.work_items[effect.work_item_key] = effect
            elif isinstance(effect, CancelWorkItem):
                self.work_items.pop(effect.work_item_key, None)
            elif isinstance(effect, RunStep):
                self.running[effect.step_id] = effect
        return result

    def check(self, result: Transition) -> None:
        first = 1 if self.state is None else self.state.seq + 1
        assert [e.seq for e in result.log] == list(range(first, first + len(result.log)))
        assert result.log, "every event leaves a trace in the log"
        assert all(e.at == self.now for e in result.log)
        assert result.state.seq == (result.log[-1].seq if result.log else first - 1)
        assert isinstance(result.effects[-1], Publish)
        assert sum(isinstance(e, Publish) for e in result.effects) == 1
        check_one_node(self.d, result.state)

    def start(self, **case: Any) -> Transition:
        return self.send(CaseCreated(case=case))

    def update(self, minutes: float = 0.0, **changes: Any) -> Transition:
        assert self.state is not None
        new = {**self.state.case, **changes}
        return self.send(CaseUpdated(case=new, previous=dict(self.state.case)), minutes=minutes)

    def attempt(self, step_id: str) -> int:
        assert self.state is not None
        return self.state.steps[step_id].attempt

    def complete(self, step_id: str, minutes: float = 0.0, **outputs: Any) -> Transition:
        return self.send(
            StepCompleted(step_id=step_id, attempt=self.attempt(step_id), outputs=outputs),
            minutes=minutes,
        )

    def fail(self, step_id: str, error: str = "boom", retryable: bool = True) -> Transition:
        return self.send(
            StepFailed(
                step_id=step_id, attempt=self.attempt(step_id), error=error, retryable=retryable
            )
        )

    def submit(self, step_id: str, minutes: float = 0.0, **data: Any) -> Transition:
        assert self.state is not None
        st = self.state.steps[step_id]
        assert st.work_item_key is not None
        return self.send(
            WorkItemCompleted(
                step_id=step_id,
                attempt=st.attempt,
                work_item_key=st.work_item_key,
                data=data,
                actor="agent-7",
            ),
            minutes=minutes,
        )

    def fire(self, purpose: str, target: str | None = None) -> Transition:
        """Fire the pending timer with this purpose (and target or key), at its due time."""
        found = [
            t
            for k, t in self.timers.items()
            if t.purpose == purpose and (target is None or f":{target}:" in k or k == target)
        ]
        assert len(found) == 1, f"expected one {purpose} timer for {target}, have {found}"
        timer = found[0]
        del self.timers[timer.timer_key]
        self.now = max(self.now, timer.due_at)
        return self.send(TimerFired(timer_key=timer.timer_key, purpose=purpose, data=timer.data))

    def admin(self, command: str, step_id: str | None = None, reason: str = "") -> Transition:
        return self.send(
            AdminCommand(command=command, step_id=step_id, reason=reason, actor="admin")  # type: ignore[arg-type]
        )

    # -------------------------------------------------------------- reading

    @property
    def s(self) -> RunState:
        assert self.state is not None
        return self.state

    def kinds(self, result: Transition | None = None) -> list[str]:
        found = result if result is not None else self.last
        return [] if found is None else [e.kind for e in found.log]

    def entries(self, kind: str) -> list[LogEvent]:
        return [e for e in self.log if e.kind == kind]

    def status(self, step_id: str) -> StepStatus:
        return self.s.steps[step_id].status

    def started(self) -> list[str]:
        """Step ids started by the last event, in order."""
        return [
            e.step_id or ""
            for e in (self.last.log if self.last else [])
            if e.kind == "step.started"
        ]

    def path(self) -> list[str]:
        return [e.node_id or "" for e in self.log if e.kind == "node.entered"]

    def replayed(self) -> RunState:
        return replay(self.d, self.identity, self.inputs)


def check_one_node(d: CompiledWorkflow, state: RunState) -> None:
    """The run is at exactly one node, and holds the step states of that node only."""
    assert state.node_id is not None and state.node_id in d.nodes
    node = d.nodes[state.node_id]
    if node.kind == "stage" and state.status is not RunStatus.INCIDENT:
        assert set(state.steps) <= {s.id for s in node.steps}
    elif node.kind != "stage":
        assert state.steps == {}, f"the run holds steps while at {node.kind} {node.id}"
        assert state.status in FINISHED_RUN_STATUSES | {RunStatus.INCIDENT, RunStatus.CANCELLED}
    if state.status is RunStatus.COMPLETED:
        assert node.kind == "end"
    if state.status is RunStatus.RUNNING:
        assert node.kind == "stage", "a running run rests only at stages"


def by_kind(log: Iterable[LogEvent], kind: str) -> list[Mapping[str, Any]]:
    """The data of the log events of one kind."""
    return [e.data for e in log if e.kind == kind]
