"""The what-if's routing played as the cases come in gives the load of playing them at once.

A pooled what-if gets its cases from several workers, each in the cases' order, and plays
their work items on the routing board while the rest are still being predicted
(:class:`runtime.whatif.routing_model.Routing`). Routing is order-dependent across cases,
so these tests drive it with random cases, teams and arrival orders and compare every
load with :func:`runtime.whatif.routing_model.route` over all the items at once.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.whatif.routing_model import AgentSpec, QueueSpec, Routing, RoutingModel, route
from runtime.whatif.trace import ItemSpan

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # a Monday, before the day shift starts
STRATEGIES = ("round_robin", "load_balanced", "skills_based", "pull_next")

#: A case: its start (minutes after T0), then its items: (opens after the start, open for
#: how long or None, queue, strategy of its own or None, priority).
case_specs = st.lists(
    st.tuples(
        st.integers(0, 600),
        st.lists(
            st.tuples(
                st.integers(0, 120),
                st.none() | st.integers(0, 300),
                st.sampled_from(["q", "r", "nowhere"]),
                st.none() | st.sampled_from(STRATEGIES),
                st.sampled_from(["", "high", "low"]),
            ),
            max_size=3,
        ),
    ),
    min_size=1,
    max_size=30,
)


def _model(strategy: str, shift: bool) -> RoutingModel:
    hours = {"mon": [["09:00", "12:00"]]} if shift else {}
    agents = (
        AgentSpec("ada", skills={"tech": 3}, max_items=1),
        AgentSpec("bob", max_items=2, working_hours=hours),
        AgentSpec("cy", skills={"tech": 1}, max_items=1),
    )
    queues = (QueueSpec("q", ("ada", "bob", "cy"), strategy), QueueSpec("r", ("cy",), "pull_next"))
    return RoutingModel(agents=agents, queues=queues)


def _cases(
    specs: list[tuple[int, list[tuple[int, int | None, str, str | None, str]]]],
) -> list[tuple[datetime, list[ItemSpan]]]:
    """The cases in start order (as a what-if reads them), each with its items."""
    cases = []
    for n, (start, items) in enumerate(sorted(specs, key=lambda spec: spec[0])):
        began = T0 + timedelta(minutes=start)
        spans = []
        for k, (after, open_for, queue, strategy, priority) in enumerate(items):
            opened = began + timedelta(minutes=after)
            closed = None if open_for is None else opened + timedelta(minutes=open_for)
            skills = ("tech",) if k % 2 else ()
            spans.append(
                ItemSpan(
                    f"c{n}-{k}", "s", queue, None, skills, None, opened, closed, priority, strategy
                )
            )
        cases.append((began, spans))
    return cases


def _in_parts(
    cases: list[tuple[datetime, list[ItemSpan]]], model: RoutingModel, parts: int, seed: int
) -> Routing:
    """The cases dealt to ``parts`` workers that hand them back in random turns, each in
    order; played up to the earliest start not yet handed back, as a pooled what-if does."""
    dealt = [list(range(w, len(cases), parts)) for w in range(parts)]
    done = [0] * parts
    routing = Routing(model)
    turns = random.Random(seed)
    while any(done[w] < len(dealt[w]) for w in range(parts)):
        w = turns.choice([w for w in range(parts) if done[w] < len(dealt[w])])
        for place in dealt[w][done[w] : done[w] + turns.randint(1, 3)]:
            routing.add(place, cases[place][1])
            done[w] += 1
        waiting = [cases[dealt[w][done[w]]][0] for w in range(parts) if done[w] < len(dealt[w])]
        routing.advance(min(waiting) if waiting else None)
    return routing


@settings(max_examples=150, deadline=None)
@given(
    case_specs,
    st.sampled_from(STRATEGIES),
    st.booleans(),
    st.integers(1, 4),
    st.integers(0, 1000),
)
def test_cases_played_as_they_come_give_the_load_of_all_at_once(
    specs: list[tuple[int, list[tuple[int, int | None, str, str | None, str]]]],
    strategy: str,
    shift: bool,
    parts: int,
    seed: int,
) -> None:
    model = _model(strategy, shift)
    cases = _cases(specs)
    at_once = route(model, [span for _, spans in cases for span in spans])
    assert _in_parts(cases, model, parts, seed).finish() == at_once


def test_an_item_that_comes_in_after_its_moment_was_played_is_routed_all_the_same() -> None:
    model = _model("round_robin", shift=False)
    cases = _cases([(0, [(0, 60, "q", None, "")] * 2), (30, [(0, None, "q", None, "")] * 3)])
    # The second case's items come in after the routing was played past their opening:
    # played again from the start, in order, they get the load of all at once.
    routing = Routing(model)
    routing.add(0, cases[0][1])
    routing.advance(T0 + timedelta(hours=2))
    routing.add(1, cases[1][1])
    load = routing.finish()
    assert load == route(model, cases[0][1] + cases[1][1])
    assert (dict(load.agents), load.unassigned) == ({"ada": 2, "bob": 2, "cy": 1}, 0)
