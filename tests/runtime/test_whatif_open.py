"""What-if: a case still open is judged on its lines only when its log is whole.

A changed decision is judged on the recorded ``decision.taken`` line
(``test_whatif_decisions``). An open case's log ends where the case stands; a replay to
the what-if's moment also fires every timer of the case due by then. So an open case is
judged only when none of its timers is pending and due by that moment, else simulated;
either way the answer is the one simulating every case gives.

Three open support cases of normal priority, each at its first work item past the
``priority`` decision, which the draft changes only for high-priority cases:

- case 101, opened ten minutes ago: its SLA timers fall due later;
- case 105, opened three hours ago, its timers fired as they fell due (in its log);
- case 103, opened three hours ago, its timers never fired (the clock did not run):
  pending, due before now.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from whatif_cases import SUPPORT, install_support, record_open_case

from graphs.model import Workflow
from runtime.db import make_engine, session_scope
from runtime.store import migrate
from runtime.store.tables import TimerRow, TimerStatus
from runtime.whatif import WhatIf, what_if

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, str]]:
    """The store, and case 103's run id."""
    folder: Path = tmp_path_factory.mktemp("whatif-open")
    engine = make_engine(f"sqlite:///{folder / 'baton.db'}")
    migrate(engine)
    install_support(engine)
    # Order matters: recording a case lets the clock fire every timer due by its start.
    record_open_case(engine, folder, number=105, start=NOW - timedelta(hours=3))
    record_open_case(engine, folder, number=101, start=NOW - timedelta(minutes=10))
    stale = record_open_case(engine, folder, number=103, start=NOW - timedelta(hours=3))
    yield engine, stale
    engine.dispose()


def _urgent_only() -> Workflow:
    """The ``priority`` decision: urgent only for priority "urgent" (normal cases go on)."""
    document = copy.deepcopy(SUPPORT.model_dump(mode="json"))
    node = next(n for n in document["nodes"] if n["id"] == "priority")
    node["outcomes"][0]["condition"] = {
        "kind": "group",
        "rules": [{"kind": "rule", "field": "case.priority", "op": "eq", "value": "urgent"}],
    }
    return Workflow.model_validate(document)


def _both(engine: Engine) -> tuple[WhatIf, WhatIf]:
    """The what-if judging changed decisions on the lines, and the one simulating."""
    with session_scope(engine) as session:
        judged = what_if(session, workflow_id=SUPPORT.id, draft=_urgent_only(), now=NOW)
        plain = what_if(
            session, workflow_id=SUPPORT.id, draft=_urgent_only(), now=NOW, judge_decisions=False
        )
    return judged, plain


def test_the_cases_are_as_described(recorded: tuple[Engine, str]) -> None:
    engine, stale = recorded
    with session_scope(engine) as session:
        timers = session.exec(select(TimerRow)).all()
    due = {t.run_id for t in timers if t.status == TimerStatus.PENDING and t.due_at <= NOW}
    assert due == {stale}
    fired = {t.run_id for t in timers if t.status == TimerStatus.FIRED}
    assert len(fired) == 1 and stale not in fired  # case 105's


def test_an_open_case_is_simulated_only_when_a_timer_of_it_is_due(
    recorded: tuple[Engine, str],
) -> None:
    engine, _stale = recorded
    judged, plain = _both(engine)
    assert judged.cases == plain.cases == 3
    assert judged.draft.path_changed == 0
    assert (plain.simulated, judged.simulated) == (3, 1)  # case 103 alone
    # The whole answer, SLA figures included, is the one simulating every case gives.
    assert judged.model_dump_json(exclude={"simulated"}) == plain.model_dump_json(
        exclude={"simulated"}
    )
    # Simulated, case 103's clock runs past its warning and target (not in its log): the
    # draft's SLA figures differ from the recorded ones, which judging it would have kept.
    assert judged.draft.sla_attainment != judged.active.sla_attainment
