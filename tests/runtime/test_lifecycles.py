"""Each lifecycle table against the engine that applies it.

Every row of the run, step and stage tables is driven by a small scenario through the
real transition, with every status change the engine makes recorded: the row must be
among them, and nothing outside the tables may happen. The admin command table is
checked against the engine's answers in every run status.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

import pytest
from engine_helpers import Harness, bg, linear, rule, stage, ui

from graphs.model import Edge, EscalationAction, EscalationRule, StageNode
from runtime.engine.errors import LifecycleError
from runtime.engine.lifecycle import (
    ADMIN_COMMANDS,
    RUN_LIFECYCLE,
    STAGE_LIFECYCLE,
    STEP_LIFECYCLE,
    Lifecycle,
    RunEvent,
    legal_statuses,
)
from runtime.engine.types import AdminCommandKind, RunStatus

Row = tuple[str, str, str, str]  # lifecycle, from, event, to


# ---------------------------------------------------------------------------- scenarios


def _one(*steps: Any, **kw: Any) -> Callable[[], Harness]:
    return lambda: Harness(linear(stage("s", *steps, **kw)))


def _escalating() -> Harness:
    """A stage waiting for ``case.open``, and a rule moving the run on ``case.hot``."""
    wf = linear(stage("work", ui("handle"), entry_condition=rule("case.open", "eq", True)))
    jump = EscalationRule(
        id="hot",
        condition=rule("case.hot", "eq", True),
        actions=[EscalationAction.model_validate({"kind": "goto_stage", "node_id": "esc"})],
    )
    return Harness(
        wf.model_copy(
            update={
                "nodes": [*wf.nodes, StageNode(id="esc", steps=[ui("senior")])],
                "edges": [*wf.edges, Edge(id="esc_end", source="esc", target="end")],
                "escalations": [jump],
            }
        )
    )


def _play(h: Harness, move: str) -> None:
    """One move of a scenario: ``complete a``, ``fail a``, ``fail! a`` (for good),
    ``submit u``, ``fire retry``, ``admin pause``, ``update name=true|false``."""
    verb, _, arg = move.partition(" ")
    if verb == "fail!":
        h.fail(arg, retryable=False)
    elif verb == "update":
        name, _, value = arg.partition("=")
        h.update(**{name: value == "true"})
    else:
        getattr(h, verb)(arg)


# name: (a run, its case, the moves, the status it ends in)
SCENARIOS: dict[str, tuple[Callable[[], Harness], dict[str, Any], list[str], RunStatus]] = {
    "background step done": (_one(bg("a")), {}, ["complete a"], RunStatus.COMPLETED),
    "work item done": (_one(ui("u")), {}, ["submit u"], RunStatus.COMPLETED),
    "retried, failed, retried by an admin": (
        _one(bg("a", retry={"max_attempts": 2})),
        {},
        ["fail a", "fire retry", "fail a", "admin retry_step"],
        RunStatus.RUNNING,
    ),
    "failed, skipped by an admin": (
        _one(bg("a")),
        {},
        ["fail! a", "admin skip_step"],
        RunStatus.COMPLETED,
    ),
    "skipped by its entry condition": (
        _one(bg("a"), bg("b", entry_condition=rule("case.go", "eq", True))),
        {"go": False},
        ["complete a"],
        RunStatus.COMPLETED,
    ),
    "paused, resumed, paused, cancelled": (
        _one(ui("u"), bg("later", after=["u"])),
        {},
        ["admin pause", "admin resume", "admin pause", "admin cancel"],
        RunStatus.CANCELLED,
    ),
    "cancelled while running": (_one(bg("a")), {}, ["admin cancel"], RunStatus.CANCELLED),
    "cancelled at an incident": (
        _one(bg("a")),
        {},
        ["fail! a", "admin cancel"],
        RunStatus.CANCELLED,
    ),
    "cancelled waiting to retry": (
        _one(bg("a", retry={"max_attempts": 3})),
        {},
        ["fail a", "admin cancel"],
        RunStatus.CANCELLED,
    ),
    # A wait step without a duration fails for good as it starts: the second incident
    # of the pass is the one the run shows.
    "two steps fail as they start": (
        _one(bg("w1", action="wait"), bg("w2", action="wait")),
        {},
        [],
        RunStatus.INCIDENT,
    ),
    "exited early": (
        _one(ui("u"), exit_condition=rule("case.done", "eq", True)),
        {"done": False},
        ["update done=true"],
        RunStatus.COMPLETED,
    ),
    "escalated while waiting": (
        _escalating,
        {"open": False, "hot": False},
        ["update hot=true"],
        RunStatus.RUNNING,
    ),
    "escalated while open": (
        _escalating,
        {"open": True, "hot": False},
        ["update hot=true"],
        RunStatus.RUNNING,
    ),
}


ROWS: list[Row] = [
    (lc.name, a.value, e.value, b.value)
    for lc in (RUN_LIFECYCLE, STEP_LIFECYCLE, STAGE_LIFECYCLE)
    for a, e, b in lc.rows
]


# ---------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def applied() -> dict[Row, str]:
    """Each transition the scenarios make, and the first scenario that makes it."""
    found: dict[Row, str] = {}
    with pytest.MonkeyPatch.context() as patch:
        apply = Lifecycle.next
        current = [""]

        def recording(self: Lifecycle[Any, Any], status: StrEnum, event: StrEnum) -> StrEnum:
            moved: StrEnum = apply(self, status, event)
            found.setdefault((self.name, status.value, event.value, moved.value), current[0])
            return moved

        patch.setattr(Lifecycle, "next", recording)
        for name, (make, case, moves, ends) in SCENARIOS.items():
            current[0] = name
            h = make()
            h.start(**case)
            for move in moves:
                _play(h, move)
            assert h.s.status is ends, name
    return found


@pytest.mark.parametrize("row", ROWS, ids=["/".join(row) for row in ROWS])
def test_the_engine_makes_every_transition_of_its_tables(row: Row, applied: dict[Row, str]) -> None:
    assert row in applied, f"no scenario drives {row}: a row the engine never applies"


def test_the_engine_makes_no_transition_outside_its_tables(applied: dict[Row, str]) -> None:
    assert set(applied) <= set(ROWS)


def test_a_transition_outside_the_table_is_refused() -> None:
    with pytest.raises(LifecycleError, match="no transition from 'completed' on 'resume'"):
        RUN_LIFECYCLE.next(RunStatus.COMPLETED, RunEvent.RESUME)


def test_a_table_with_two_rows_from_one_status_on_one_event_is_refused() -> None:
    table = "running --pause--> paused\nrunning | paused --pause--> running"
    with pytest.raises(ValueError, match="two rows from 'running' on 'pause'"):
        Lifecycle("run", RunStatus, RunEvent, table)


def test_a_table_naming_an_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError, match="'sleeping' is not a valid RunStatus"):
        Lifecycle("run", RunStatus, RunEvent, "running --pause--> sleeping")


# ---------------------------------------------------------------------------- admin commands


def _at(status: RunStatus) -> Harness:
    """A run of one background step, brought to ``status``."""
    h = _one(bg("a"))()
    h.start()
    if status is RunStatus.PAUSED:
        h.admin("pause")
    elif status is RunStatus.INCIDENT:
        h.fail("a", retryable=False)
    elif status is RunStatus.COMPLETED:
        h.complete("a")
    elif status is RunStatus.CANCELLED:
        h.admin("cancel")
    assert h.s.status is status
    return h


@pytest.mark.parametrize("command", list(AdminCommandKind))
@pytest.mark.parametrize("status", list(RunStatus))
def test_each_admin_command_is_obeyed_exactly_where_the_table_allows_it(
    command: AdminCommandKind, status: RunStatus
) -> None:
    h = _at(status)
    kinds = h.kinds(h.admin(command.value))
    if status in legal_statuses(command):
        assert _OBEYED[command] in kinds, kinds
        assert "admin.rejected" not in kinds and "event.ignored" not in kinds
    else:
        assert kinds in (["admin.rejected"], ["event.ignored"]), kinds
        assert h.s.status is status


_OBEYED = {
    AdminCommandKind.PAUSE: "run.paused",
    AdminCommandKind.RESUME: "run.resumed",
    AdminCommandKind.CANCEL: "run.cancelled",
    AdminCommandKind.RETRY_STEP: "incident.resolved",
    AdminCommandKind.SKIP_STEP: "incident.resolved",
}


def test_the_admin_table_names_every_command() -> None:
    assert set(ADMIN_COMMANDS) == set(AdminCommandKind)
