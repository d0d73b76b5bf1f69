"""Admin commands on a run: pause, resume, cancel, and retry or skip an incident's step.

Where each command is legal is read off the run lifecycle
(:func:`runtime.engine.lifecycle.legal_statuses`), the same table the services check
before they send one; a command the run's status does not allow is logged as
``admin.rejected`` and changes nothing.
"""

from __future__ import annotations

from runtime.engine.clocks import stop_stage_clock
from runtime.engine.events import drain
from runtime.engine.lifecycle import RunEvent, legal_statuses
from runtime.engine.steps import cancel_step, launch, skip_step
from runtime.engine.types import AdminCommand, AdminCommandKind, LogKind, StepStatus
from runtime.engine.walk import advance
from runtime.engine.working import WorkingRun

__all__ = ["admin"]

#: what a run must be for each command, as the rejection says it
_NEEDS = {
    AdminCommandKind.PAUSE: "only a running run can be paused",
    AdminCommandKind.RESUME: "only a paused run can be resumed",
    AdminCommandKind.CANCEL: "only an unfinished run can be cancelled",
    AdminCommandKind.RETRY_STEP: "retry_step needs a run at an incident",
    AdminCommandKind.SKIP_STEP: "skip_step needs a run at an incident",
}


def admin(run: WorkingRun, event: AdminCommand) -> None:
    """Apply an admin's command to a run that is not over."""
    s = run.s
    command = event.command
    reason = event.reason or f"{command.value} by {event.actor}"
    if s.status not in legal_statuses(command):
        _reject(run, event, f"{_NEEDS[command]}; this one is {s.status.value}")
        return
    if command is AdminCommandKind.PAUSE:
        run.move_run(RunEvent.PAUSE)
        run.note(LogKind.RUN_PAUSED, node_id=s.node_id, reason=reason)
    elif command is AdminCommandKind.RESUME:
        run.move_run(RunEvent.RESUME)
        run.note(LogKind.RUN_RESUMED, node_id=s.node_id, reason=reason, held=len(s.deferred))
        drain(run)
        advance(run)
    elif command is AdminCommandKind.CANCEL:
        _cancel(run, reason)
    else:
        _resolve_incident(run, event, reason)


def _reject(run: WorkingRun, event: AdminCommand, reason: str) -> None:
    run.note(
        LogKind.ADMIN_REJECTED,
        node_id=run.s.node_id,
        step_id=event.step_id,
        command=event.command,
        reason=reason,
    )


def _resolve_incident(run: WorkingRun, event: AdminCommand, reason: str) -> None:
    s = run.s
    incident = s.incident
    if incident is None:
        _reject(
            run,
            event,
            f"{event.command.value} needs a run at an incident; this one is {s.status.value}",
        )
        return
    if incident.step_id is None:
        _reject(
            run,
            event,
            f"the incident ({incident.code.value}) is not about a step; the run can only be "
            "cancelled",
        )
        return
    if event.step_id is not None and event.step_id != incident.step_id:
        _reject(
            run, event, f"the incident is about step {incident.step_id!r}, not {event.step_id!r}"
        )
        return
    step_id = incident.step_id
    run.move_run(RunEvent.RESOLVE)
    s.incident = None
    run.note(
        LogKind.INCIDENT_RESOLVED,
        node_id=s.node_id,
        step_id=step_id,
        command=event.command,
        code=incident.code,
        reason=reason,
    )
    cs = run.d.step(s.node_id or "", step_id)
    assert cs is not None and step_id in s.steps
    if event.command is AdminCommandKind.SKIP_STEP:
        st = run.own(step_id)
        skip_step(run, st)
        run.note_step(LogKind.STEP_SKIPPED, cs, st, {"reason": reason})
        drain(run)
    else:
        # Held events first, so the retry reads the latest case.
        drain(run)
        found = s.steps.get(step_id)
        if found is None or found.status is not StepStatus.FAILED:
            run.note(
                LogKind.STEP_RETRY_DROPPED,
                node_id=s.node_id,
                step_id=step_id,
                reason="the step is no longer failed: held events moved the run on",
            )
        else:
            st = run.own(step_id)
            st.tries = 0
            launch(run, cs, retry_of=st.attempt)
    advance(run)


def _cancel(run: WorkingRun, reason: str) -> None:
    s = run.s
    node = run.d.nodes.get(s.node_id or "")
    if node is not None and node.kind == "stage":
        for cs in node.steps:
            st = s.steps.get(cs.id)
            if st is not None and not st.status.finished:
                cancel_step(run, cs, run.own(cs.id), "the run was cancelled")
        stop_stage_clock(run, node)
    dropped = len(s.deferred)
    s.deferred = []
    run.move_run(RunEvent.CANCEL)
    s.incident = None
    s.finished_at = run.now
    run.note(LogKind.RUN_CANCELLED, node_id=s.node_id, reason=reason, dropped_events=dropped)
