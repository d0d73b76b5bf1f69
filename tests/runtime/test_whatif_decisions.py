"""What-if: a changed decision simulates only the cases it may send elsewhere.

A case whose path meets changed decisions only is judged on the values its
``decision.taken`` lines recorded; where the draft picks the same outcome along the same
edge at every pass it is not simulated, and the answer is the one simulating it gives.
Recorded support cases as in ``test_whatif`` (even cases are high priority and
enterprise, odd ones normal; cases 1 and 5 are sent back for rework once).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from whatif_cases import SUPPORT, install_support, record_open_case, record_support_cases

from graphs.model import Workflow
from runtime.db import make_engine, session_scope
from runtime.engine.definition import compile_workflow
from runtime.store import migrate
from runtime.whatif import WhatIf, what_if
from runtime.whatif.decisions import judged_decisions, passes_as_recorded
from runtime.whatif.recorded import StoredLine
from runtime.whatif.service import touched_nodes

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
CASES = 8
REWORKED = (1, 5)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    folder: Path = tmp_path_factory.mktemp("whatif-decisions")
    engine = make_engine(f"sqlite:///{folder / 'baton.db'}")
    migrate(engine)
    install_support(engine)
    record_support_cases(engine, folder, count=CASES, start=NOW - timedelta(days=10))
    # Case 100 (high priority) is still open, started ten minutes ago.
    record_open_case(engine, folder, number=100, start=NOW - timedelta(minutes=10))
    yield engine
    engine.dispose()


def _draft(node_id: str, change: Any) -> Workflow:
    document = copy.deepcopy(SUPPORT.model_dump(mode="json"))
    change(next(n for n in document["nodes"] if n["id"] == node_id))
    return Workflow.model_validate(document)


def _rule(field: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"kind": "group", "rules": [{"kind": "rule", "field": field, "op": op, "value": value}]}


def _both(engine: Engine, draft: Workflow) -> tuple[WhatIf, WhatIf]:
    """The what-if judging changed decisions on the recorded lines, and the one not."""
    with session_scope(engine) as session:
        judged = what_if(session, workflow_id=SUPPORT.id, draft=draft, now=NOW)
        plain = what_if(
            session, workflow_id=SUPPORT.id, draft=draft, now=NOW, judge_decisions=False
        )
    assert judged.model_dump_json(exclude={"simulated"}) == plain.model_dump_json(
        exclude={"simulated"}
    )
    return judged, plain


def _urgent_when(condition: dict[str, Any]) -> Workflow:
    return _draft("priority", lambda node: node["outcomes"][0].update(condition=condition))


def test_a_changed_decision_simulates_only_the_cases_it_sends_elsewhere(
    recorded: Engine,
) -> None:
    # Urgent only for priority "urgent" (no longer high and enterprise): the even cases
    # (and the open one) leave the expedite stage out, the odd ones go on as they went.
    judged, plain = _both(recorded, _urgent_when(_rule("case.priority", "eq", "urgent")))
    assert judged.draft.path_changed == CASES // 2 + 1
    assert judged.active.node_visits["expedite"] == CASES // 2 + 1  # and case 100
    assert judged.draft.node_visits.get("expedite", 0) == 0
    # Every case met the decision; the even ones and the open case are simulated.
    assert plain.simulated == CASES + 1
    assert judged.simulated == CASES // 2 + 1


def test_outcomes_reordered_on_recorded_values_simulate_no_finished_case(
    recorded: Engine,
) -> None:
    def resolved_first(node: dict[str, Any]) -> None:
        node["outcomes"].reverse()

    judged, plain = _both(recorded, _draft("is_resolved", resolved_first))
    assert judged.draft.path_changed == 0
    # The open case has not reached the decision; every finished one passed it.
    assert (plain.simulated, judged.simulated) == (CASES, 0)


@pytest.mark.parametrize(
    "condition",
    [
        _rule("case.product", "eq", "billing"),  # a field the old rules never read
        _rule("sla.state", "eq", "breached"),  # the clock, never trusted
        _rule("case.priority", "changed"),  # the record before, not recorded
        _rule("counter.loops", "gte", 0),
    ],
    ids=["other-field", "sla", "changed", "counter"],
)
def test_a_draft_reading_what_the_lines_did_not_record_simulates_every_case(
    recorded: Engine, condition: dict[str, Any]
) -> None:
    judged, plain = _both(recorded, _urgent_when(condition))
    assert judged.simulated == plain.simulated == CASES + 1


def test_rework_loops_are_judged_at_every_pass(recorded: Engine) -> None:
    def resolved_when(codes: list[str]) -> Workflow:
        return _draft(
            "is_resolved",
            lambda node: node["outcomes"][1].update(
                condition=_rule("case.resolution_code", "in", codes)
            ),
        )

    # Only "fixed" resolves now: every pass (the reworked cases' "needs_more_work" first,
    # "fixed" second) still goes where it went.
    judged, plain = _both(recorded, resolved_when(["fixed"]))
    assert (plain.simulated, judged.simulated) == (CASES, 0)
    assert judged.draft.node_visits["execution"] == CASES + len(REWORKED)
    # "needs_more_work" resolves too: the reworked cases' first pass now resolves them,
    # so they, and only they, are simulated; their second pass is gone.
    judged, plain = _both(recorded, resolved_when(["fixed", "needs_more_work"]))
    assert judged.simulated == len(REWORKED)
    assert judged.draft.path_changed == len(REWORKED)
    assert judged.draft.node_visits["execution"] == CASES


# Pure: the judgement on hand-made lines.

_OLD = compile_workflow(SUPPORT)


def _judged(draft: Workflow) -> Any:
    return judged_decisions(_OLD, compile_workflow(draft), touched_nodes(SUPPORT, draft))


def _passes(
    seen: list[tuple[str, str, str]], *, entries: int | None = None
) -> tuple[list[str], list[tuple[StoredLine, StoredLine | None]]]:
    """A case passing ``is_resolved`` once per (resolution code, outcome, edge) seen."""
    at = NOW
    choices: list[tuple[StoredLine, StoredLine | None]] = []
    escalate = [
        {"field": "case.escalated", "seen": None},
        {"field": "case.customer_sentiment", "seen": "neutral"},
        {"field": "case.contact_count", "seen": 1},
    ]
    for code, outcome, edge in seen:
        resolved = [{"field": "case.resolution_code", "seen": code}]
        not_taken = [{"outcome": "escalate", "rules": escalate}]
        if outcome == "rework":
            not_taken.append({"outcome": "resolved", "rules": resolved})
        data = {"outcome": outcome, "rules": [] if outcome == "rework" else resolved,
                "not_taken": not_taken}  # fmt: skip
        target = "execution" if outcome == "rework" else "resolution"
        entered = {"edge_id": edge, "from_node": "is_resolved"}
        choices.append(
            (
                StoredLine("decision.taken", at, "is_resolved", None, data),
                StoredLine("node.entered", at, target, None, entered),
            )
        )
    path = ["execution", "is_resolved"] * (len(seen) if entries is None else entries)
    return path, choices


REWORK_THEN_FIXED = [
    ("needs_more_work", "rework", "is_resolved--rework"),
    ("fixed", "resolved", "is_resolved--resolved"),
]


def _resolved_when(condition: dict[str, Any]) -> Workflow:
    return _draft("is_resolved", lambda node: node["outcomes"][1].update(condition=condition))


def test_each_pass_of_a_rework_loop_must_go_where_it_went() -> None:
    path, choices = _passes(REWORK_THEN_FIXED)
    fixed_only = _judged(_resolved_when(_rule("case.resolution_code", "eq", "fixed")))
    assert passes_as_recorded(fixed_only, {"is_resolved"}, path, choices)
    # The first pass agrees (rework), the second would now rework again: simulated.
    workaround = _judged(_resolved_when(_rule("case.resolution_code", "eq", "workaround")))
    assert not passes_as_recorded(workaround, {"is_resolved"}, path, choices)
    # An entry of the decision without its line (it stopped there): simulated.
    path, choices = _passes(REWORK_THEN_FIXED, entries=3)
    assert not passes_as_recorded(fixed_only, {"is_resolved"}, path, choices)


def test_a_recorded_none_is_trusted_only_where_absent_and_null_agree() -> None:
    path, choices = _passes([("fixed", "resolved", "is_resolved--resolved")])

    def escalate_when(condition: dict[str, Any]) -> Workflow:
        return _draft("is_resolved", lambda node: node["outcomes"][0].update(condition=condition))

    # case.escalated was seen as None: "is set" fails whether it was absent or null.
    unset = _judged(escalate_when(_rule("case.escalated", "is_set")))
    assert passes_as_recorded(unset, {"is_resolved"}, path, choices)
    # "eq null" tells an absent field from a null one: the line cannot say which.
    null = _judged(escalate_when(_rule("case.escalated", "eq", None)))
    assert not passes_as_recorded(null, {"is_resolved"}, path, choices)


def test_a_decision_changed_beyond_its_outcomes_is_never_judged() -> None:
    renamed = _draft("is_resolved", lambda node: node.update(name="Resolved at last?"))
    assert _judged(renamed).nodes == {}
    path, choices = _passes(REWORK_THEN_FIXED)
    assert not passes_as_recorded(_judged(renamed), {"is_resolved"}, path, choices)
    # An edge the case took that now leads elsewhere: not the same edge.
    document = copy.deepcopy(SUPPORT.model_dump(mode="json"))
    edge = next(e for e in document["edges"] if e["id"] == "is_resolved--resolved")
    edge["target"] = "escalation"
    moved = Workflow.model_validate(document)
    assert not passes_as_recorded(_judged(moved), {"is_resolved"}, *_passes(REWORK_THEN_FIXED))
