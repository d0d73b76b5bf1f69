"""Pure routing: strategies, capacity, skills and availability, waiting lines.

The property tests drive an in-memory board (the store's rules over plain data) with
random arrivals, completions, availability and capacity changes, and check after every
step that nobody is over capacity, unavailable or lacking a skill for what they hold,
and that nothing waits while a fitting agent has room.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from typing import cast

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.routing.board import Board, Queue
from runtime.routing.choose import MAX_LISTED, AgentView, ItemView, WaitingLine, choose, passed_over

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
SKILLS = ("billing", "tech", "german")


def test_round_robin_takes_the_next_fitting_agent_after_the_last_one() -> None:
    agents = [
        AgentView("a"),
        AgentView("b", available=False, why_unavailable="away"),
        AgentView("c"),
    ]
    decision = choose(ItemView("k"), agents, "round_robin", last="a")
    assert decision.agent == "c"
    assert [(c.agent, c.passed_over) for c in decision.candidates] == [("b", "away"), ("c", None)]
    assert "round-robin" in decision.reason


def test_load_balanced_prefers_the_least_loaded_relative_to_capacity() -> None:
    agents = [AgentView("a", max_items=10, open_items=5), AgentView("b", max_items=2, open_items=0)]
    assert choose(ItemView("k"), agents, "load_balanced").agent == "b"
    agents = [AgentView("a", max_items=10, open_items=2), AgentView("b", max_items=2, open_items=1)]
    assert choose(ItemView("k"), agents, "load_balanced").agent == "a"


def test_skills_based_filters_then_best_match_then_least_loaded() -> None:
    agents = [
        AgentView("novice", skills={"tech": 1}),
        AgentView("expert", skills={"tech": 5}, open_items=4, max_items=5),
        AgentView("none", skills={"billing": 5}),
    ]
    decision = choose(ItemView("k", skills=("tech",)), agents, "skills_based")
    assert decision.agent == "expert"
    reasons = {c.agent: c.passed_over for c in decision.candidates}
    assert reasons["none"] == "lacks skill tech"
    assert reasons["novice"] == "a better match or less loaded agent won"
    # Same match: the less loaded wins.
    agents = [AgentView("a", skills={"tech": 3}, open_items=2), AgentView("b", skills={"tech": 3})]
    assert choose(ItemView("k", skills=("tech",)), agents, "skills_based").agent == "b"


def test_a_language_meets_a_required_skill_of_that_name() -> None:
    agent = AgentView("a", languages=frozenset({"english"}))
    assert passed_over(agent, ItemView("k", skills=("english",))) is None


def test_load_points_bound_capacity_by_item_weight() -> None:
    agent = AgentView("a", max_items=10, max_load=5, open_items=1, load=4)
    assert passed_over(agent, ItemView("k", weight=1)) is None
    assert passed_over(agent, ItemView("k", weight=2)) == "at capacity (4 + 2 > 5 load points)"


def test_pull_next_assigns_nobody_and_says_why() -> None:
    decision = choose(ItemView("k"), [AgentView("a")], "pull_next")
    assert decision.agent is None and "pull-next" in decision.reason


def test_nobody_fits_the_item_waits_and_the_reasons_are_counted() -> None:
    agents = [AgentView("a", open_items=5), AgentView("b", available=False), AgentView("c")]
    decision = choose(ItemView("k", skills=("tax",)), agents, "skills_based")
    assert decision.agent is None
    assert decision.passed_over_counts == {"missing_skill": 2, "unavailable": 1}
    assert "waits in its queue" in decision.reason


def test_a_large_queue_lists_a_bounded_number_of_candidates() -> None:
    agents = [AgentView(f"a{k}", open_items=5) for k in range(1000)] + [AgentView("free")]
    decision = choose(ItemView("k"), agents, "load_balanced")
    assert decision.agent == "free"
    assert len(decision.candidates) <= MAX_LISTED
    assert decision.passed_over_counts == {"at_capacity": 1000}
    assert decision.considered == 1001


def test_the_waiting_line_orders_by_priority_then_due_time_then_age() -> None:
    line = WaitingLine()
    line.add(ItemView("late", due_at=T0 + timedelta(hours=2), created_at=T0))
    line.add(ItemView("soon", due_at=T0 + timedelta(hours=1), created_at=T0))
    line.add(ItemView("no-sla", created_at=T0))
    line.add(ItemView("escalated", priority=2, due_at=T0 + timedelta(hours=9), created_at=T0))
    assert [i.key for i in line.ordered()] == ["escalated", "soon", "late", "no-sla"]
    agent = AgentView("a")
    assert line.next_for(agent).key == "escalated"  # type: ignore[union-attr]
    line.remove("escalated")
    line.add(ItemView("tax", skills=("tax",), due_at=T0, created_at=T0))
    assert line.next_for(agent).key == "soon"  # type: ignore[union-attr]
    assert line.next_for(AgentView("t", skills={"tax": 1})).key == "tax"  # type: ignore[union-attr]
    assert line.next_for(replace(agent, available=False)) is None


def test_round_robin_is_fair_among_equal_agents() -> None:
    agents = {f"a{k}": AgentView(f"a{k}", max_items=1000) for k in range(7)}
    board = Board(agents, {"q": Queue("q", list(agents))})
    for n in range(700):
        board.arrive(ItemView(f"k{n}"), "q")
    counts = Counter(board.holder.values())
    assert set(counts.values()) == {100}


# ---------------------------------------------------------------------------- properties

agent_specs = st.lists(
    st.tuples(
        st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), max_size=3),
        st.integers(0, 3),  # max items
        st.booleans(),  # online
    ),
    min_size=1,
    max_size=6,
)
operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("arrive"),
            st.lists(st.sampled_from(SKILLS), max_size=2, unique=True),
            st.integers(0, 600),  # due in minutes
            st.integers(0, 2),  # priority
        ),
        st.tuples(st.just("complete"), st.integers(0, 10_000)),
        st.tuples(st.just("toggle"), st.integers(0, 10_000)),
        st.tuples(st.just("capacity"), st.integers(0, 10_000), st.integers(0, 4)),
    ),
    max_size=60,
)


def _check(board: Board) -> None:
    held = Counter(board.holder.values())
    for key, agent_id in board.holder.items():
        agent = board.agents[agent_id]
        item, _ = board.items[key]
        assert all(agent.level(s) > 0 for s in item.skills), (key, agent_id)
    for agent_id, agent in board.agents.items():
        assert agent.open_items == held.get(agent_id, 0)
        # Capacity may be lowered below what an agent holds; routing never adds to that.
        assert agent.open_items <= max(agent.max_items, _peak[agent_id])
    for queue in board.queues.values():
        for item in queue.waiting.ordered():
            fits = [a.id for a in board._members(queue) if passed_over(a, item) is None]
            assert not fits, f"{item.key} waits while {fits} could take it"


_peak: dict[str, int] = {}


def _given_only_to_fitting(board: Board, assigned: list[tuple[str, str]]) -> None:
    for _key, agent_id in assigned:
        agent = board.agents[agent_id]
        assert agent.available, agent_id
        assert agent.open_items <= agent.max_items, agent_id


@settings(max_examples=150, deadline=None)
@given(agent_specs, operations, st.sampled_from(["round_robin", "load_balanced", "skills_based"]))
def test_routing_never_breaks_capacity_skills_or_availability(
    specs: list[tuple[dict[str, int], int, bool]],
    ops: list[tuple[object, ...]],
    strategy: str,
) -> None:
    agents = {
        f"a{k}": AgentView(
            f"a{k}",
            skills=skills,
            max_items=cap,
            available=online,
            why_unavailable="" if online else "offline",
        )
        for k, (skills, cap, online) in enumerate(specs)
    }
    _peak.clear()
    _peak.update({a: 0 for a in agents})
    board = Board(agents, {"q": Queue("q", list(agents), strategy)})
    ids = list(agents)
    n = 0
    for op in ops:
        kind = op[0]
        if kind == "arrive":
            _, skills, due, priority = op
            n += 1
            item = ItemView(
                f"k{n}",
                skills=tuple(skills),  # type: ignore[arg-type]
                priority=priority,  # type: ignore[arg-type]
                due_at=T0 + timedelta(minutes=due),  # type: ignore[operator]
                created_at=T0 + timedelta(seconds=n),
            )
            before = board.agents.copy()
            agent = board.arrive(item, "q")
            if agent is not None:
                assert before[agent].available and before[agent].has_room(item.weight)
        elif kind == "complete" and board.items:
            keys = sorted(board.items)
            _given_only_to_fitting(board, board.complete(keys[op[1] % len(keys)]))  # type: ignore[operator]
        elif kind == "toggle":
            agent = board.agents[ids[op[1] % len(ids)]]  # type: ignore[operator]
            online = not agent.available
            _given_only_to_fitting(
                board,
                board.update_agent(
                    replace(agent, available=online, why_unavailable="" if online else "offline")
                ),
            )
        elif kind == "capacity":
            agent = board.agents[ids[op[1] % len(ids)]]  # type: ignore[operator]
            _peak[agent.id] = max(_peak[agent.id], agent.open_items)
            _given_only_to_fitting(
                board,
                board.update_agent(replace(agent, max_items=op[2])),  # type: ignore[arg-type]
            )
        _check(board)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 500), st.integers(0, 2)), min_size=1, max_size=30))
def test_freed_capacity_goes_to_waiting_items_in_priority_and_due_order(
    arrivals: list[tuple[int, int]],
) -> None:
    board = Board({"a": AgentView("a", max_items=1)}, {"q": Queue("q", ["a"])})
    board.arrive(ItemView("first"), "q")
    for n, (due, priority) in enumerate(arrivals):
        board.arrive(
            ItemView(
                f"k{n}",
                priority=priority,
                due_at=T0 + timedelta(minutes=due),
                created_at=T0 + timedelta(seconds=n),
            ),
            "q",
        )
    expected = [i.key for i in sorted(board.waiting(), key=ItemView.order)]
    taken = []
    current = "first"
    while True:
        given_out = board.complete(current)
        if not given_out:
            break
        ((current, _agent),) = given_out
        taken.append(current)
    assert taken == expected


@settings(max_examples=100, deadline=None)
@given(agent_specs, operations, st.sampled_from(["round_robin", "load_balanced", "skills_based"]))
def test_a_board_without_records_gives_every_item_to_the_same_agent(
    specs: list[tuple[dict[str, int], int, bool]],
    ops: list[tuple[object, ...]],
    strategy: str,
) -> None:
    agents = {
        f"a{k}": AgentView(f"a{k}", skills=skills, max_items=cap, available=online)
        for k, (skills, cap, online) in enumerate(specs)
    }
    boards = [
        Board(agents, {"q": Queue("q", list(agents), strategy)}, record=r) for r in (True, False)
    ]
    ids = list(agents)
    for n, op in enumerate(ops):
        kind, first, second = op[0], cast(int, op[1]), cast(int, op[-1])
        outcomes: list[object] = []
        for board in boards:
            if kind == "arrive":
                item = ItemView(
                    f"k{n}",
                    skills=tuple(cast(list[str], op[1])),
                    priority=second,
                    due_at=T0 + timedelta(minutes=cast(int, op[2])),
                )
                outcomes.append(board.arrive(item, "q"))
            elif kind == "complete" and board.items:
                keys = sorted(board.items)
                outcomes.append(board.complete(keys[first % len(keys)]))
            elif kind in ("toggle", "capacity"):
                agent = board.agents[ids[first % len(ids)]]
                changed = (
                    replace(agent, available=not agent.available)
                    if kind == "toggle"
                    else replace(agent, max_items=second)
                )
                outcomes.append(board.update_agent(changed))
        if outcomes:
            assert outcomes[0] == outcomes[1], (op, outcomes)
    recorded, quiet = boards
    assert recorded.holder == quiet.holder
    assert len(recorded.decisions) == sum(1 for op in ops if op[0] == "arrive")
    assert quiet.decisions == []


def test_holding_keeps_every_field() -> None:
    # Every field given a value of its own, so one that holding() leaves out (a field
    # added to AgentView and not to it) comes back as its default and fails here.
    values = {f.name: object() for f in fields(AgentView)}
    agent = AgentView(**values)  # type: ignore[arg-type]
    held = agent.holding(7, 9)
    assert (held.open_items, held.load) == (7, 9)
    for name, value in values.items():
        if name not in ("open_items", "load"):
            assert getattr(held, name) is value, name
