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

from graphs.model import Edge, EscalationAction, EscalationRule, StageNode, Workflow
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


def _one(*steps: Any, **kw: Any) -> Harness:
    return Harness(linear(stage("s", *steps, **kw)))


def background_done() -> None:
    h = _one(bg("a"))
    h.start()
    h.complete("a")
    assert h.s.status is RunStatus.COMPLETED


def work_item_done() -> None:
    h = _one(ui("u"))
    h.start()
    h.submit("u")


def retried_then_failed_then_retried_by_admin() -> None:
    h = _one(bg("a", retry={"max_attempts": 2}))
    h.start()
    h.fail("a")
    h.fire("retry")
    h.fail("a")
    assert h.s.status is RunStatus.INCIDENT
    h.admin("retry_step")
    assert h.status("a").value == "running"


def failed_then_skipped_by_admin() -> None:
    h = _one(bg("a"))
    h.start()
    h.fail("a", retryable=False)
    h.admin("skip_step")
    assert h.s.status is RunStatus.COMPLETED


def skipped_by_its_entry_condition() -> None:
    h = _one(bg("a"), bg("b", entry_condition=rule("case.go", "eq", True)))
    h.start(go=False)
    h.complete("a")
    assert h.s.status is RunStatus.COMPLETED


def paused_resumed_paused_cancelled() -> None:
    h = _one(ui("u"), bg("later", after=["u"]))
    h.start()
    h.admin("pause")
    h.admin("resume")
    h.admin("pause")
    h.admin("cancel")


def cancelled_while_running() -> None:
    h = _one(bg("a"))
    h.start()
    h.admin("cancel")


def cancelled_at_an_incident() -> None:
    h = _one(bg("a"))
    h.start()
    h.fail("a", retryable=False)
    h.admin("cancel")


def cancelled_waiting_to_retry() -> None:
    h = _one(bg("a", retry={"max_attempts": 3}))
    h.start()
    h.fail("a")
    h.admin("cancel")


def two_steps_fail_as_they_start() -> None:
    # A wait step without a duration fails as it starts, for good.
    h = _one(bg("w1", action="wait"), bg("w2", action="wait"))
    h.start()
    assert h.s.status is RunStatus.INCIDENT and h.s.incident is not None
    assert h.s.incident.step_id == "w2"


def exited_early() -> None:
    h = _one(ui("u"), exit_condition=rule("case.done", "eq", True))
    h.start(done=False)
    h.update(done=True)
    assert h.s.status is RunStatus.COMPLETED


def _escalating() -> Workflow:
    wf = linear(stage("work", ui("handle"), entry_condition=rule("case.open", "eq", True)))
    jump = EscalationRule(
        id="hot",
        condition=rule("case.hot", "eq", True),
        actions=[EscalationAction.model_validate({"kind": "goto_stage", "node_id": "esc"})],
    )
    return wf.model_copy(
        update={
            "nodes": [*wf.nodes, StageNode(id="esc", steps=[ui("senior")])],
            "edges": [*wf.edges, Edge(id="esc_end", source="esc", target="end")],
            "escalations": [jump],
        }
    )


def escalated_while_waiting() -> None:
    h = Harness(_escalating())
    h.start(open=False, hot=False)
    h.update(hot=True)
    assert h.s.node_id == "esc"


def escalated_while_open() -> None:
    h = Harness(_escalating())
    h.start(open=True, hot=False)
    h.update(hot=True)
    assert h.s.node_id == "esc"


SCENARIOS: list[Callable[[], None]] = [
    background_done,
    work_item_done,
    retried_then_failed_then_retried_by_admin,
    failed_then_skipped_by_admin,
    skipped_by_its_entry_condition,
    paused_resumed_paused_cancelled,
    cancelled_while_running,
    cancelled_at_an_incident,
    cancelled_waiting_to_retry,
    two_steps_fail_as_they_start,
    exited_early,
    escalated_while_waiting,
    escalated_while_open,
]

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
        for scenario in SCENARIOS:
            current[0] = scenario.__name__
            scenario()
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
    running, paused = RunStatus.RUNNING, RunStatus.PAUSED
    with pytest.raises(ValueError, match="two rows"):
        Lifecycle("run", [(running, RunEvent.PAUSE, paused), (running, RunEvent.PAUSE, running)])


# ---------------------------------------------------------------------------- admin commands


def _at(status: RunStatus) -> Harness:
    """A run of one background step, brought to ``status``."""
    h = _one(bg("a"))
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
