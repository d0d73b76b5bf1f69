"""Test a draft on recorded cases: :func:`what_if`, for the API, the CLI and the benchmark.

Reads the recorded runs (:mod:`runtime.whatif.load`), reads what each did off its log
and predicts what it would do on the draft (:mod:`runtime.whatif.play`), routes both
sides' work items with today's team on the simulated clock
(:mod:`runtime.whatif.routing_model`) and measures both with one rule
(:mod:`runtime.whatif.figures`). Nothing is written, sent or
assigned: no outbox, no routing tables, no runs; the session is only read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from graphs.diff import diff_workflows
from graphs.model import Workflow
from graphs.problems import has_errors
from graphs.validation import validate
from runtime.actions.registry import action_catalogue
from runtime.errors import IdMismatch, InvalidWorkflow
from runtime.whatif import load
from runtime.whatif.collector import collector_paused
from runtime.whatif.decisions import judged_decisions
from runtime.whatif.errors import MAX_DAYS, BadDays, BadOutputs, NoRecordedCases, UnknownCases
from runtime.whatif.figures import figures
from runtime.whatif.parallel import Outcome, play_all
from runtime.whatif.play import Draft
from runtime.whatif.report import Changes, Listed, ListedWhat, WhatIf
from runtime.whatif.trace import Trace

__all__ = [
    "DEFAULT_DAYS",
    "MAX_LISTED",
    "changes_between",
    "check_outputs",
    "touched_nodes",
    "what_if",
]

DEFAULT_DAYS = 30
"""How far back a what-if looks when neither days nor cases are given."""

MAX_LISTED = 20
"""Cases listed by a what-if (incidents, loop guards, changed paths), oldest first."""


def changes_between(active: Workflow, draft: Workflow) -> Changes:
    """What ``draft`` changes from ``active``; a node only moved on the canvas is unchanged.

    >>> from graphs.model import EndNode, Position, StartNode
    >>> a = Workflow(id="w", name="W", nodes=[StartNode(id="s"), EndNode(id="e")])
    >>> b = a.model_copy(update={"nodes": [StartNode(id="s", position=Position(x=9))]})
    >>> c = changes_between(a, b)
    >>> c.removed_nodes, c.changed_nodes
    (['e'], [])
    """
    diff = diff_workflows(active, draft)
    moved_only = {c.id for c in diff.changes if c.kind == "node" and c.fields == ["position"]}
    return Changes(
        added_nodes=diff.nodes.added,
        removed_nodes=diff.nodes.removed,
        changed_nodes=[n for n in diff.nodes.changed if n not in moved_only],
        added_edges=diff.edges.added,
        removed_edges=diff.edges.removed,
        changed_edges=diff.edges.changed,
    )


#: Workflow-level fields the engine does not read: a change to them reaches no case.
_UNREAD_FIELDS = frozenset({"name", "description"})


def touched_nodes(active: Workflow, draft: Workflow) -> frozenset[str] | None:
    """The nodes whose own definition or leaving edges ``draft`` changes (a node only moved
    is unchanged); ``None`` when a workflow-level change reaches every case.

    >>> from graphs.model import Edge, EndNode, StartNode
    >>> a = Workflow(id="w", name="W", nodes=[StartNode(id="s"), EndNode(id="e")],
    ...              edges=[Edge(id="s-e", source="s", target="e")])
    >>> b = a.model_copy(update={"name": "W2", "edges": []})
    >>> sorted(touched_nodes(a, b) or ()), touched_nodes(a, b.model_copy(update={
    ...     "max_visits_per_node": 2}))
    (['s'], None)
    """
    diff = diff_workflows(active, draft)
    if not set(diff.workflow_fields) <= _UNREAD_FIELDS:
        return None
    touched = {c.id for c in diff.changes if c.kind == "node" and c.fields != ["position"]}
    touched.update(diff.nodes.removed)
    sources = {e.id: e.source for e in active.edges} | {e.id: e.source for e in draft.edges}
    for edge_id in (*diff.edges.added, *diff.edges.removed, *diff.edges.changed):
        touched.add(sources[edge_id])
    return frozenset(touched)


def _listed(recorded: Sequence[Trace], predicted: Sequence[Trace]) -> list[Listed]:
    found: list[Listed] = []
    for before, after in zip(recorded, predicted, strict=True):
        if len(found) >= MAX_LISTED:
            break
        if after.loop_guard:
            what, message = ListedWhat.LOOP_GUARD, after.incident_message
        elif after.incident is not None:
            what, message = ListedWhat.INCIDENT, after.incident_message
        elif after.path != before.path:
            what = ListedWhat.PATH_CHANGED
            message = _first_difference(before.path, after.path)
        else:
            continue
        found.append(
            Listed(
                case_id=after.case_id,
                run_id=after.run_id,
                what=what,
                message=message,
                path=after.path,
                recorded_path=before.path,
            )
        )
    return found


def _first_difference(before: Sequence[str], after: Sequence[str]) -> str:
    """Where two paths part, for a person.

    >>> _first_difference(["s", "a", "x"], ["s", "a", "y", "z"])
    "after 'a' the draft goes to 'y' where the case went to 'x'"
    >>> _first_difference(["s", "a"], ["s", "a", "b"])
    "after 'a' the draft goes on to 'b'; the case had got no further"
    """
    n = 0
    while n < min(len(before), len(after)) and before[n] == after[n]:
        n += 1
    where = f"after '{after[n - 1]}'" if n else "at the start"
    if n < len(before) and n < len(after):
        return f"{where} the draft goes to '{after[n]}' where the case went to '{before[n]}'"
    if n < len(after):
        return f"{where} the draft goes on to '{after[n]}'; the case had got no further"
    return f"{where} the draft stops where the case went on to '{before[n]}'"


#: The most simulated minutes a given step may take (ten years).
MAX_MINUTES = 10 * 365 * 24 * 60


def check_outputs(draft: Workflow, outputs: Mapping[str, Any]) -> None:
    """Refuse outputs for steps the draft lacks, or whose ``$`` keys the simulator cannot
    read (``$after_minutes`` a number of minutes, ``$case`` an object, ``$fail`` text).

    >>> from graphs.examples import load_example
    >>> check_outputs(load_example("support-case"), {"nope": {}, "work_case": {
    ...     "$after_minutes": "soon"}})
    Traceback (most recent call last):
    ...
    runtime.whatif.errors.BadOutputs: The outputs given for steps cannot be used: nope: \
the draft has no step 'nope'; work_case: $after_minutes must be a number of minutes \
from 0 to 5256000.
    """
    problems: dict[str, str] = {}
    for step_id, given in outputs.items():
        if draft.step(step_id) is None:
            problems[step_id] = f"the draft has no step '{step_id}'"
            continue
        if not isinstance(given, Mapping):
            problems[step_id] = "must be an object of outputs or form answers"
            continue
        minutes = given.get("$after_minutes", 0)
        if isinstance(minutes, bool) or not isinstance(minutes, int | float):
            minutes = -1
        if not 0 <= minutes <= MAX_MINUTES:
            problems[step_id] = (
                f"$after_minutes must be a number of minutes from 0 to {MAX_MINUTES}"
            )
        elif not isinstance(given.get("$case", {}), Mapping):
            problems[step_id] = "$case must be an object of case fields"
        elif not isinstance(given.get("$fail", ""), str):
            problems[step_id] = "$fail must be the failure's message"
        else:
            unknown = sorted(k for k in given if k.startswith("$") and k not in _DOLLAR_KEYS)
            if unknown:
                problems[step_id] = f"unknown key(s) {', '.join(unknown)}"
    if problems:
        raise BadOutputs(problems)


_DOLLAR_KEYS = frozenset({"$after_minutes", "$case", "$fail"})


def _check_days(days: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise BadDays(days)


def what_if(
    session: Session,
    *,
    workflow_id: str,
    draft: Workflow,
    days: int | None = None,
    case_ids: Sequence[str] | None = None,
    outputs: Mapping[str, Mapping[str, Any]] | None = None,
    now: datetime | None = None,
    processes: int = 1,
    judge_decisions: bool = True,
) -> WhatIf:
    """Replay the workflow's recorded cases through ``draft`` and compare.

    The cases: those started in the last ``days`` (default :data:`DEFAULT_DAYS`), or
    the runs of ``case_ids``. ``outputs`` gives, per step id, the outputs (or form
    answers) of steps the recordings never ran, with ``$after_minutes`` for how long
    they take. Raises :class:`WorkflowNotFound`, :class:`IdMismatch` (a draft of another
    workflow), :class:`InvalidWorkflow` (a draft with validation errors), :class:`BadDays`,
    :class:`BadOutputs`, :class:`UnknownCases` or :class:`NoRecordedCases`; writes
    nothing. ``processes``: how many processes may play the cases
    (:mod:`runtime.whatif.parallel`). ``judge_decisions``: whether a case that meets
    changed decisions only is judged on its recorded lines before being simulated
    (:mod:`runtime.whatif.decisions`; off, every such case is simulated: same answer).
    """
    now = now or datetime.now(UTC)
    version = load.active_version(session, workflow_id)
    if draft.id != workflow_id:
        raise IdMismatch(workflow_id, draft.id)
    problems = validate(draft, actions=action_catalogue())
    if has_errors(problems):
        raise InvalidWorkflow(workflow_id, problems)
    check_outputs(draft, outputs or {})
    since: datetime | None = None
    if case_ids is None:
        days = DEFAULT_DAYS if days is None else days
        _check_days(days)
        since = now - timedelta(days=days)
    if version is None:
        raise NoRecordedCases(workflow_id, days=days if case_ids is None else None)
    compiled = load.compiled_draft(session, draft)
    base = load.versions(session, workflow_id, [version])[version]
    baseline = base.workflow
    touched = touched_nodes(baseline, draft)
    judged = judged_decisions(base.compiled, compiled, touched) if judge_decisions else None
    judging = judged is not None and bool(judged.nodes)
    recorded = load.recorded(
        session, workflow_id=workflow_id, since=since, case_ids=case_ids, decisions=judging
    )
    if case_ids is not None:
        missing = set(case_ids) - {run[1] for run in recorded.runs}
        if missing:
            raise UnknownCases(workflow_id, missing)
    if not recorded.runs:
        raise NoRecordedCases(workflow_id, days=days if case_ids is None else None)
    definitions = load.versions(session, workflow_id, [run[2] for run in recorded.runs])
    model = load.routing_model(session)
    # A running case is judged only when no timer of it would fire in the replay.
    due = load.timers_due(session, workflow_id=workflow_id, until=now) if judging else None
    plan = Draft(
        compiled=compiled, given=outputs or {}, until=now, touched=touched, base=version,
        judged=judged, timers_due=due,
    )  # fmt: skip
    # The collector stays paused until the answer is built and the cases read are freed
    # (by reference counting): back on while they lived, its first pass walked them all
    # (~0.1 s on 10,000 cases, at the end of every what-if).
    with collector_paused():
        played = play_all(
            {n: d.compiled for n, d in definitions.items()}, plan, recorded, model,
            processes=processes,
        )  # fmt: skip
        answer = _answer(workflow_id, version, since, now, baseline, draft, played)
        del played
    if answer is None:  # runs without inputs: no case to play
        raise NoRecordedCases(workflow_id, days=days if case_ids is None else None)
    return answer


def _answer(
    workflow_id: str,
    version: int,
    since: datetime | None,
    now: datetime,
    baseline: Workflow,
    draft: Workflow,
    played: Outcome,
) -> WhatIf | None:
    """The what-if's answer from the cases played; ``None`` when there were none."""
    before, after = played.before, played.after
    if not before:
        return None
    return WhatIf(
        workflow_id=workflow_id,
        active_version=version,
        cases=len(before),
        since=since,
        until=now,
        active=played.active,
        draft=figures(after, played.routed_after, recorded=before),
        changes=changes_between(baseline, draft),
        listed=_listed(before, after),
        simulated=played.simulated,
    )
