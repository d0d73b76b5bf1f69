"""Property tests: random workflows, random event orders.

For every generated workflow and every order in which the outside world delivers
events (steps finishing or failing, people submitting forms, timers firing late or
twice, case updates, duplicates, admin commands), the engine must:

- never crash, and never hold the run at two nodes (the harness checks after each event);
- rebuild exactly the same state when its input events are replayed;
- stop a loop that never ends with a ``loop_guard`` incident.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from engine_helpers import Harness, bg, stage, ui, with_decision
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from graphs.generate import CASE_SCHEMA, build_workflow
from graphs.model import FieldType
from runtime.engine import compile_workflow, replay
from runtime.engine.types import (
    FINISHED_RUN_STATUSES,
    Event,
    RunState,
    RunStatus,
    ScheduleTimer,
    StepCompleted,
    StepFailed,
    StepStatus,
    TimerFired,
    WorkItemCompleted,
)

EVENTS: TypeAdapter[Event] = TypeAdapter(Event)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _value(rng: random.Random, name: str) -> Any:
    field = next(f for f in CASE_SCHEMA if f.name == name)
    if field.type is FieldType.PICKLIST:
        return rng.choice(field.values)
    if field.type is FieldType.NUMBER:
        return rng.randint(0, 5000)
    if field.type is FieldType.BOOLEAN:
        return rng.random() < 0.5
    if field.type is FieldType.DATETIME:
        return f"2026-0{rng.randint(1, 9)}-15T09:00:00Z"
    return rng.choice(["", "urgent refund", "outage", "hello"])


def _random_case(rng: random.Random) -> dict[str, Any]:
    return {f.name: _value(rng, f.name) for f in CASE_SCHEMA if rng.random() < 0.8}


def _form_data(rng: random.Random, h: Harness, step_id: str) -> dict[str, Any]:
    node = h.d.nodes[h.s.node_id or ""]
    spec = node.step_index[step_id].spec if node.step_index else None
    data: dict[str, Any] = {}
    for field in getattr(spec, "form", []):
        if field.type is FieldType.BOOLEAN:
            data[field.name] = rng.random() < 0.5
        elif field.type is FieldType.PICKLIST:
            data[field.name] = rng.choice(field.values)
        elif field.type is FieldType.NUMBER:
            data[field.name] = rng.randint(0, 40)
        else:
            data[field.name] = "note"
    return data


def _chaos(h: Harness, rng: random.Random, max_events: int) -> None:
    """Deliver a random, plausible-to-hostile sequence of events to the run."""
    scheduled: list[ScheduleTimer] = []
    sent: list[Any] = []
    for _ in range(max_events):
        s = h.s
        if s.status in FINISHED_RUN_STATUSES:
            break
        running = [x for x in s.steps.values() if x.status is StepStatus.RUNNING]
        waiting = [x for x in s.steps.values() if x.status is StepStatus.WAITING]
        scheduled.extend(t for t in h.timers.values() if t not in scheduled)
        choices = ["update", "time"]
        if running:
            choices += ["complete"] * 4 + ["fail"]
        if waiting:
            choices += ["submit"] * 4
        if h.timers:
            choices += ["timer"] * 2
        if scheduled:
            choices.append("stale_timer")
        if sent:
            choices.append("duplicate")
        if s.status is RunStatus.RUNNING:
            choices.append("pause")
        if s.status is RunStatus.PAUSED:
            choices += ["resume"] * 3
        if s.status is RunStatus.INCIDENT:
            choices += ["retry", "skip"] * 3 + ["cancel"]
        pick = rng.choice(choices)
        event: Any = None
        if pick == "complete":
            x = rng.choice(running)
            event = StepCompleted(
                step_id=x.step_id, attempt=x.attempt, outputs={"n": rng.randint(0, 9)}
            )
        elif pick == "fail":
            x = rng.choice(running)
            event = StepFailed(
                step_id=x.step_id, attempt=x.attempt, error="boom", retryable=rng.random() < 0.8
            )
        elif pick == "submit":
            x = rng.choice(waiting)
            assert x.work_item_key is not None
            event = WorkItemCompleted(
                step_id=x.step_id,
                attempt=x.attempt,
                work_item_key=x.work_item_key,
                data=_form_data(rng, h, x.step_id),
            )
        elif pick == "timer":
            key = rng.choice(sorted(h.timers))
            h.fire(h.timers[key].purpose, key)
            continue
        elif pick == "stale_timer":
            t = rng.choice(scheduled)
            event = TimerFired(timer_key=t.timer_key, purpose=t.purpose, data=t.data)
            h.timers.pop(t.timer_key, None)  # delivered: the clock would mark it fired
        elif pick == "duplicate":
            event = rng.choice(sent)
        elif pick == "update":
            name = rng.choice([f.name for f in CASE_SCHEMA])
            h.update(minutes=rng.choice([0, 1, 30]), **{name: _value(rng, name)})
            continue
        elif pick == "time":
            h.now += timedelta(minutes=rng.choice([1, 60, 600]))
            continue
        elif pick in ("pause", "resume", "cancel"):
            h.admin(pick)
            continue
        elif pick in ("retry", "skip"):
            h.admin("retry_step" if pick == "retry" else "skip_step")
            continue
        h.send(event, minutes=rng.choice([0, 0, 1, 5]))
        sent.append(event)


@SETTINGS
@given(
    n_nodes=st.integers(min_value=2, max_value=24),
    seed=st.integers(0, 10_000),
    rng=st.randoms(use_true_random=False),
)
def test_replaying_the_input_events_rebuilds_exactly_the_state(
    n_nodes: int, seed: int, rng: random.Random
) -> None:
    workflow = build_workflow(n_nodes, random.Random(seed))
    h = Harness(compile_workflow(workflow))
    h.start(**_random_case(rng))
    _chaos(h, rng, max_events=60)
    assert h.replayed() == h.s
    # As the store does it: inputs and state go through JSON, and still agree.
    stored = [(EVENTS.validate_json(EVENTS.dump_json(e)), at) for e, at in h.inputs]
    assert replay(h.d, h.identity, stored) == RunState.model_validate_json(h.s.model_dump_json())
    # Replay also gives the very same log, event by event.
    again = Harness(h.d)
    for event, at in h.inputs:
        again.now = at
        again.send(event)
    assert again.log == h.log


@SETTINGS
@given(
    max_visits=st.integers(min_value=1, max_value=8),
    n_steps=st.integers(min_value=0, max_value=3),
    interactive=st.booleans(),
    rng=st.randoms(use_true_random=False),
)
def test_the_visit_guard_always_stops_a_runaway_loop(
    max_visits: int, n_steps: int, interactive: bool, rng: random.Random
) -> None:
    steps = [
        (ui if interactive and k % 2 == 0 else bg)(
            f"s{k}", after=[f"s{k - 1}"] if k and rng.random() < 0.5 else []
        )
        for k in range(n_steps)
    ]
    workflow = with_decision(
        stage("work", *steps),
        [("again", None, "work")],  # no condition: always loops back
        default="end",
        goto=["again"],
        max_visits=max_visits,
    )
    h = Harness(workflow)
    h.start()
    budget = max_visits * (n_steps + 1) + 1
    for _ in range(budget):
        if h.s.status is not RunStatus.RUNNING:
            break
        live = [
            x for x in h.s.steps.values() if x.status in (StepStatus.RUNNING, StepStatus.WAITING)
        ]
        x = rng.choice(live)
        if x.status is StepStatus.RUNNING:
            h.complete(x.step_id)
        else:
            h.submit(x.step_id)
    assert h.s.status is RunStatus.INCIDENT and h.s.incident is not None
    assert h.s.incident.code == "loop_guard"
    assert h.s.visits["work"] == max_visits + 1
    assert f"limit of {max_visits}" in h.s.incident.message
    assert h.replayed() == h.s
