"""What-if on recorded support cases: new steps, the loop guard, open cases, the team.

The cases are recorded once per database kind (through the real runtime, see
``whatif_cases``): into a SQLite file of the module's own, then into the session's
PostgreSQL database, emptied first; every test only reads them.
"""

from __future__ import annotations

import copy
import gc
import multiprocessing
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from whatif_cases import (
    SUPPORT,
    install_support,
    record_cases,
    record_open_case,
    record_support_cases,
)

from graphs.examples import load_example
from graphs.model import Workflow
from runtime.db import make_engine, session_scope
from runtime.store import migrate
from runtime.store.routing_tables import AgentRow, QueueRow
from runtime.whatif import WhatIf, parallel, what_if, worker
from runtime.whatif.play import read_recorded
from runtime.whatif.routing_model import AgentSpec, QueueSpec, RoutingModel, route
from runtime.whatif.trace import ItemSpan
from tests.db_fixtures import wipe

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
CASES = 8


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def recorded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    folder = tmp_path_factory.mktemp("whatif")
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{folder / 'baton.db'}")
        migrate(engine)
    else:
        engine = make_engine(request.getfixturevalue("postgres_url"))
        wipe(engine)
    install_support(engine)
    record_support_cases(engine, folder, count=CASES, start=NOW - timedelta(days=10))
    # Case 100 is still at its first work item: started ten minutes ago.
    record_open_case(engine, folder, number=100, start=NOW - timedelta(minutes=10))
    with session_scope(engine) as session:
        session.add(AgentRow(id="ada", name="Ada", skills={"technical-support": 3},
                             languages=["english"], max_items=10))  # fmt: skip
        session.add(QueueRow(name="support", members=["ada"], strategy="load_balanced"))
    yield engine
    engine.dispose()


def _draft(change: Any = None) -> Workflow:
    document = copy.deepcopy(SUPPORT.model_dump(mode="json"))
    if change is not None:
        change(document)
    return Workflow.model_validate(document)


def _what_if(engine: Engine, draft: Workflow, **kwargs: Any) -> WhatIf:
    with session_scope(engine) as session:
        return what_if(session, workflow_id=SUPPORT.id, draft=draft, now=NOW, **kwargs)


def _node(document: dict[str, Any], node_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(n for n in document["nodes"] if n["id"] == node_id)
    return found


def test_an_open_case_stays_where_it_is_and_the_team_takes_the_items(recorded: Engine) -> None:
    result = _what_if(recorded, _draft())
    assert result.cases == CASES + 1
    assert result.draft == result.active
    assert (result.active.open, result.draft.path_changed) == (1, 0)
    assert result.active.outcomes == {"resolved": CASES}
    # Every item went to the queue's one agent, who has room for them all.
    assert result.active.agent_load == {"ada": result.active.queue_load["support"]}
    assert result.active.unassigned == 0


def test_a_new_step_answers_as_told_after_the_minutes_given(recorded: Engine) -> None:
    def add_callback(document: dict[str, Any]) -> None:
        _node(document, "routing")["steps"].append(
            {"id": "call_back", "kind": "interactive", "name": "Call the customer back",
             "assignment": {"queue": "callbacks"}, "form": [{"name": "reached",
                                                             "type": "boolean"}]}
        )  # fmt: skip

    before = _what_if(recorded, _draft())
    given = {"call_back": {"reached": True, "$after_minutes": 45}}
    result = _what_if(recorded, _draft(add_callback), outputs=given)
    assert result.changes.changed_nodes == ["routing"]
    assert result.draft.queue_load["callbacks"] == CASES + 1
    # The routing stage now waits for the call back: 45 minutes at least, per visit.
    assert result.draft.stage_minutes["routing"].mean >= 45
    assert before.draft.stage_minutes["routing"].mean < 45
    assert result.draft.path_changed == 0


def test_the_loop_guard_stops_the_reworked_cases_and_lists_them(recorded: Engine) -> None:
    def no_second_visit(document: dict[str, Any]) -> None:
        document["max_visits_per_node"] = 1

    result = _what_if(recorded, _draft(no_second_visit))
    reworked = [f"case-{n}" for n in range(CASES) if n % 4 == 1]
    assert result.draft.loop_guard == len(reworked) == 2
    assert result.active.loop_guard == 0
    listed = [(item.case_id, item.what.value) for item in result.listed]
    assert listed == [(case_id, "loop_guard") for case_id in reworked]
    assert "execution" in result.listed[0].message


def test_chosen_cases_only(recorded: Engine) -> None:
    result = _what_if(recorded, _draft(), case_ids=["case-0", "case-1"])
    assert (result.cases, result.since) == (2, None)
    assert result.active.node_visits["execution"] == 3  # case 1 went round once more


def test_routing_waits_for_room_and_for_working_hours() -> None:
    t = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)  # a Monday, before Ada's hours
    model = RoutingModel(
        agents=(AgentSpec("ada", max_items=1, working_hours={"mon": [["09:00", "17:00"]]}),),
        queues=(QueueSpec("q", ("ada",)),),
    )
    items = [
        ItemSpan("k1", "s", "q", None, (), None, t, closed_at=t + timedelta(hours=3)),
        ItemSpan("k2", "s", "q", None, (), None, t + timedelta(minutes=5)),
        ItemSpan("k3", "s", "elsewhere", None, (), None, t),
    ]
    load = route(model, items)
    # k1 waits until nine, then goes to Ada; k2 waits for her room, which k1's close at
    # ten frees; k3's queue is not set up.
    assert (dict(load.queues), dict(load.agents), load.unassigned) == (
        {"q": 2, "elsewhere": 1}, {"ada": 2}, 1,
    )  # fmt: skip


def test_processes_side_by_side_give_the_same_answer(
    recorded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def urgent_only(document: dict[str, Any]) -> None:
        urgent = _node(document, "priority")["outcomes"][0]["condition"]
        urgent["rules"] = urgent["rules"][:1]

    gc.freeze()  # as a server freezes its start-up heap (designer/serving.py)
    frozen = gc.get_freeze_count()
    try:
        alone = _what_if(recorded, _draft(urgent_only))
        monkeypatch.setattr(parallel, "MIN_CASES", 1)
        together = _what_if(recorded, _draft(urgent_only), processes=2)
        # The cycle collector, paused while reading and routing, is back on afterwards,
        # and what the process had frozen is still frozen (less what was freed meanwhile:
        # a frozen object whose last reference goes is freed all the same), nothing more.
        assert gc.isenabled() and 0.99 * frozen <= gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()
    assert together == alone
    # The even cases were urgent, the open case 100 among them.
    assert together.draft.path_changed == CASES // 2 + 1


def test_a_worker_process_that_fails_fails_the_what_if_with_its_error(
    recorded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(definition: Any, case: Any) -> Any:
        if case.case_id.endswith("3"):
            raise ValueError(f"cannot read the log of {case.case_id}")
        return read_recorded(definition, case)

    monkeypatch.setattr(worker, "read_recorded", broken)  # the workers are forked after
    monkeypatch.setattr(parallel, "MIN_CASES", 1)
    with pytest.raises(ValueError, match="cannot read the log of"):
        _what_if(recorded, _draft(), processes=2)
    # No worker is left behind, and the next what-if runs.
    assert multiprocessing.active_children() == []
    monkeypatch.setattr(worker, "read_recorded", read_recorded)
    assert _what_if(recorded, _draft(), processes=2).cases == CASES + 1


def test_a_worker_whose_answer_does_not_pickle_fails_the_what_if_with_the_reason(
    recorded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unpicklable(definition: Any, case: Any) -> Any:
        played = read_recorded(definition, case)
        played.trace.path.append(lambda: None)  # nothing a pipe can carry
        return played

    monkeypatch.setattr(worker, "read_recorded", unpicklable)
    monkeypatch.setattr(parallel, "MIN_CASES", 1)
    with pytest.raises(RuntimeError, match="pickle"):
        _what_if(recorded, _draft(), processes=2)
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("name", ["access-request", "insurance-claim"])
def test_each_shipped_example_predicts_what_its_cases_did(
    name: str, sqlite_db: Engine, tmp_path: Path
) -> None:
    workflow = load_example(name)
    record_cases(sqlite_db, tmp_path, workflow, count=6, start=NOW - timedelta(days=20), until=NOW)
    # A looser loop guard reaches every case: each is simulated through the draft.
    document = workflow.model_dump(mode="json")
    document["max_visits_per_node"] += 5
    with session_scope(sqlite_db) as session:
        result = what_if(
            session, workflow_id=name, draft=Workflow.model_validate(document), now=NOW
        )
    assert result.cases == 6
    assert len(result.active.outcomes) + result.active.open >= 2  # more than one way through
    assert (result.draft.path_changed, result.listed) == (0, [])
    assert result.draft == result.active


def test_a_steps_own_strategy_overrides_its_queues_and_agents_pull() -> None:
    t = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    ada = AgentSpec("ada", max_items=1)
    model = RoutingModel(agents=(ada,), queues=(QueueSpec("q", ("ada",), "load_balanced"),))
    # The step routes pull-next: its item waits for Ada, who pulls it once she has room.
    first = ItemSpan("k1", "s", "q", None, (), None, t, closed_at=t + timedelta(hours=1))
    pulled = ItemSpan("k2", "s", "q", None, (), None, t, strategy="pull_next")
    load = route(model, [first, pulled])
    assert (dict(load.queues), dict(load.agents), load.unassigned) == ({"q": 2}, {"ada": 2}, 0)
    # Closed before Ada had room: nobody had it.
    early = ItemSpan("k2", "s", "q", None, (), None, t, t + timedelta(minutes=5), "", "pull_next")
    assert route(model, [first, early]).unassigned == 1
