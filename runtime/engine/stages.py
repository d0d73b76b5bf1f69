"""Stages: prepare a visit, open it on its entry condition, start its steps, exit it.

A stage waits for its entry condition, then starts every step whose ``after`` steps are
finished and whose own entry condition holds. Steps whose entry condition is false stay
pending and are re-checked whenever something changes; when nothing else in the stage
is under way and such a step's condition still does not hold, it is *skipped*, with the
reason and the values seen in the log, so the stage can complete (Salesforce
Orchestrator does the same). The exit condition is checked whenever anything changes
while the stage is open; when it holds the stage exits at once, cancelling its
unfinished steps.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphs.conditions import Facts
from runtime.engine.clocks import start_clock, stop_stage_clock
from runtime.engine.definition import CompiledNode, CompiledStep
from runtime.engine.lifecycle import STAGE_LIFECYCLE, StageEvent, StageStatus
from runtime.engine.steps import cancel_step, launch, skip_step
from runtime.engine.types import (
    FINISHED_STEP_STATUSES,
    STARTED_STEP_STATUSES,
    LogKind,
    StepState,
)
from runtime.engine.working import WorkingRun

__all__ = ["exit_early", "move_stage", "prepare_stage", "settle_stage"]


#: a visit's status as ``RunState.stage_open`` stores it (exited is not stored: the token
#: moves on, and entering a node resets the flag)
_STORED = {False: StageStatus.WAITING, True: StageStatus.OPEN}


def move_stage(run: WorkingRun, event: StageEvent) -> StageStatus:
    """Move the visit of the run's stage along the stage lifecycle."""
    moved = STAGE_LIFECYCLE.next(_STORED[run.s.stage_open], event)
    if not run.s.stage_open and moved is StageStatus.OPEN:
        run.s.stage_open = True
    return moved


def prepare_stage(run: WorkingRun, node: CompiledNode, visit: int) -> None:
    """Fresh attempts of every step of a stage just entered, and its SLA clock."""
    s = run.s
    for cs in node.steps:
        # Fresh attempts: the old ones stay in the log, their outputs are not read.
        s.step_outputs.pop(cs.id, None)
        s.steps[cs.id] = StepState(cs.id, s.attempts.get(cs.id, 0) + 1)  # id, attempt
    s.sla = None if node.sla is None else start_clock(run, node.sla, node.id, visit)


def settle_stage(run: WorkingRun, node: CompiledNode) -> bool:
    """Start what can start; ``True`` when the stage is finished and left."""
    if not run.s.stage_open and not _open(run, node):
        return False
    if node.exit is not None:
        facts = run.facts()
        if node.exit.test(facts):
            why = node.exit.describe(facts, True)
            cancelled = exit_early(run, node, f"stage {node.title!r} exit condition held: {why}")
            run.note(
                LogKind.STAGE_EXITED,
                node_id=node.id,
                early=True,
                reason=f"exit condition held: {why}",
                cancelled=cancelled,
            )
            return True
    while True:
        facts_now: Facts | None = None
        all_done = True
        active = False
        blocked: tuple[CompiledStep, ...] = ()  # a tuple: mostly empty, and free when so
        steps = run.s.steps
        for cs in node.steps:
            status = steps[cs.id].status
            if status in FINISHED_STEP_STATUSES:
                continue
            all_done = False
            if status in STARTED_STEP_STATUSES:
                active = True
                continue
            if cs.after and not _all_finished(steps, cs.after):
                continue
            if cs.entry is not None:
                if facts_now is None:
                    facts_now = run.facts()
                if not cs.entry.test(facts_now):
                    blocked += (cs,)
                    continue
            launch(run, cs, retry_of=None)
            active = True
        if all_done:
            _exit(run, node)
            return True
        if active or not blocked:
            return False
        # Nothing is under way and these steps' entry conditions do not hold: skip
        # them so the stage can finish (their dependents may start next round).
        facts_now = facts_now or run.facts()
        for cs in blocked:
            st = run.own(cs.id)
            skip_step(run, st)
            assert cs.entry is not None
            explained = cs.entry.explain(facts_now)
            run.note_step(
                LogKind.STEP_SKIPPED,
                cs,
                st,
                {
                    "reason": "entry condition did not hold when the rest of the stage was "
                    "done: " + cs.entry.summarize(explained, False),
                    "rules": explained,
                },
            )


def _all_finished(steps: Mapping[str, StepState], step_ids: tuple[str, ...]) -> bool:
    """Whether every one of the steps is finished (a loop: ``all()`` over a generator
    costs three times as much, and the stage asks on every event)."""
    for step_id in step_ids:  # noqa: SIM110 (see above)
        if steps[step_id].status not in FINISHED_STEP_STATUSES:
            return False
    return True


def _open(run: WorkingRun, node: CompiledNode) -> bool:
    """Open the stage when its entry condition holds; ``False`` while it waits."""
    entry = node.entry
    if entry is not None:
        facts = run.facts()
        if node.id not in run.entered and not entry.test(facts):
            return False  # still waiting: the log said why when the stage was entered
        # Judged once: whether it holds and why (testing first and then explaining
        # evaluated every rule twice).
        held, explained = entry.judge(facts)
        if not held:
            run.note(
                LogKind.STAGE_WAITING,
                node_id=node.id,
                reason="entry condition does not hold: " + entry.summarize(explained, False),
                rules=explained,
            )
            return False
        run.note(
            LogKind.STAGE_OPENED,
            node_id=node.id,
            reason="entry condition holds: " + entry.summarize(explained, True),
        )
    move_stage(run, StageEvent.OPEN)
    return True


def _exit(run: WorkingRun, node: CompiledNode) -> None:
    move_stage(run, StageEvent.FINISH)
    stop_stage_clock(run, node)
    run.note_data(
        LogKind.STAGE_EXITED,
        node.id,
        None,
        {"early": False, "reason": "every step finished", "cancelled": []},
    )


def exit_early(
    run: WorkingRun, node: CompiledNode, why: str, *, event: StageEvent = StageEvent.EXIT_EARLY
) -> list[str]:
    """Leave the stage before its steps are done, cancelling them; the ids cancelled."""
    move_stage(run, event)
    cancelled: list[str] = []
    for cs in node.steps:
        st = run.s.steps.get(cs.id)
        if st is not None and not st.status.finished:
            cancel_step(run, cs, run.own(cs.id), why)
            cancelled.append(cs.id)
    stop_stage_clock(run, node)
    return cancelled
