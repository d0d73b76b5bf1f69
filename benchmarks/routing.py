"""Routing speed and outcome: one decision at scale, and a simulated day per strategy.

Usage::

    .venv/bin/python benchmarks/routing.py            # full: 10,000 cases, 50 agents
    .venv/bin/python benchmarks/routing.py --cases 2000   # quicker

1. **One decision**: ``choose`` for an item needing two skills among 1,000 agents
   (skills-based: filter, best match, least loaded), and ``WaitingLine.next_for`` (what
   pull-next and freed capacity use) over 10,000 waiting items. Median of many runs.
2. **A simulated day**: 10,000 cases arrive over 24 hours (a daytime peak), with mixed
   skills and priorities (SLA targets 30/60/120/240 minutes for urgent/high/normal/low),
   handled by 50 agents in five 8-hour shifts. Service time depends on the agent's level
   in the case's skills. Each strategy runs the same arrivals:

   - ``round_robin``: *plain* round-robin, as without a routing engine: the next agent
     on shift gets the case whatever their skills or backlog; an agent who lacks a skill
     spends a minute and sends it on (a reassignment); backlogs are worked in arrival
     order;
   - ``load_balanced``, ``skills_based``, ``pull_next``: Baton's routing
     (:mod:`runtime.routing.choose`): never an agent without the skills or beyond 3 open
     items; what does not fit waits in one line ordered by priority and SLA due time and
     goes out the moment someone has room; at a shift's end, items not yet started go
     back to the line (counted as reassignments).

The last line printed is one JSON object: ``decision_ms``, ``pull_ms`` and, per strategy,
``sla_attainment``, ``reassignments``, ``median_resolution_h`` and ``utilisation``.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import random
import statistics
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from runtime.routing.choose import AgentView, ItemView, WaitingLine, choose

T0 = datetime(2026, 3, 2, tzinfo=UTC)
SKILLS = ("billing", "tech", "api", "mobile", "german", "french")
PRIORITIES = (
    ("urgent", 3, 30, 0.10),
    ("high", 2, 60, 0.20),
    ("normal", 1, 120, 0.50),
    ("low", 0, 240, 0.20),
)
SHIFTS = (0, 6, 9, 12, 16)  # start hours; 10 agents each, 8 hours long
MAX_ITEMS = 3


# ---------------------------------------------------------------------------- decision


def bench_decision(rng: random.Random) -> tuple[float, float]:
    agents = [
        AgentView(
            f"a{k}",
            skills={s: rng.randint(1, 5) for s in rng.sample(SKILLS, 3)},
            max_items=5,
            open_items=rng.randint(0, 5),
            available=rng.random() > 0.2,
        )
        for k in range(1000)
    ]
    line = WaitingLine()
    for n in range(10_000):
        line.add(
            ItemView(
                f"w{n}",
                skills=tuple(rng.sample(SKILLS, rng.choice((0, 1, 1, 2)))),
                priority=rng.randint(0, 3),
                due_at=T0 + timedelta(minutes=rng.randint(0, 2000)),
                created_at=T0 + timedelta(seconds=n),
            )
        )
    item = ItemView("new", skills=("tech", "api"), due_at=T0 + timedelta(hours=1))
    decision_times = []
    for _ in range(300):
        start = time.perf_counter()
        choose(item, agents, "skills_based", last="a10")
        decision_times.append(time.perf_counter() - start)
    pull_times = []
    free = AgentView("free", skills={"tech": 4, "billing": 2}, max_items=5)
    for _ in range(300):
        start = time.perf_counter()
        line.next_for(free)
        pull_times.append(time.perf_counter() - start)
    return statistics.median(decision_times) * 1000, statistics.median(pull_times) * 1000


# ---------------------------------------------------------------------------- the day


@dataclass
class Case:
    key: str
    arrival: float  # minutes since midnight
    skills: tuple[str, ...]
    priority: int
    due: float
    work: float  # minutes for a level-3 agent
    done: float | None = None


@dataclass
class Agent:
    id: str
    skills: dict[str, int]
    shift: tuple[float, float]
    busy_until: float = 0.0
    working: str | None = None
    held: list[str] = field(default_factory=list)  # assigned, not yet started
    busy: float = 0.0


def _draw_priority(roll: float) -> tuple[int, int]:
    cum = 0.0
    for _, prio, sla, share in PRIORITIES:
        cum += share
        if roll <= cum:
            return prio, sla
    return PRIORITIES[-1][1], PRIORITIES[-1][2]


def make_day(rng: random.Random, n_cases: int) -> tuple[list[Case], list[Agent]]:
    def rate(minute: float) -> float:
        hour = minute / 60
        return 0.25 + math.exp(-(((hour - 12.5) / 3.5) ** 2))  # a daytime peak

    peak = 1.25
    arrivals: list[float] = []
    while len(arrivals) < n_cases:
        t = rng.uniform(0, 1440)
        if rng.uniform(0, peak) < rate(t):
            arrivals.append(t)
    arrivals.sort()
    cases = []
    for n, t in enumerate(arrivals):
        prio, sla = _draw_priority(rng.random())
        count = rng.choices((0, 1, 2), weights=(15, 60, 25))[0]
        cases.append(
            Case(
                key=f"c{n}",
                arrival=t,
                skills=tuple(rng.sample(SKILLS, count)),
                priority=prio,
                due=t + sla,
                work=rng.lognormvariate(math.log(1.8), 0.5),
            )
        )
    agents = []
    for k in range(50):
        start = SHIFTS[k % len(SHIFTS)] * 60
        agents.append(
            Agent(
                f"agent{k:02d}",
                skills={s: rng.randint(1, 5) for s in rng.sample(SKILLS, 3)},
                shift=(start, start + 480),
            )
        )
    # Every skill is held by someone on every shift, as a real roster would ensure.
    for shift_start in SHIFTS:
        crew = [a for a in agents if a.shift[0] == shift_start * 60]
        for s, a in zip(SKILLS, crew, strict=False):
            a.skills.setdefault(s, 3)
    return cases, agents


def on_shift(agent: Agent, t: float) -> bool:
    # Shifts repeat daily; a night shift runs past midnight.
    start, end = agent.shift
    minute = t % 1440
    return start <= minute < end or start <= minute + 1440 < end


def service_minutes(case: Case, agent: Agent) -> float:
    if not case.skills:
        return case.work
    level = sum(agent.skills.get(s, 0) for s in case.skills) / len(case.skills)
    return case.work * (1.45 - 0.15 * level) / 1.0


def simulate(strategy: str, cases: list[Case], roster: list[Agent]) -> dict[str, Any]:
    agents = {a.id: replace(a, held=[], busy=0.0, busy_until=0.0, working=None) for a in roster}
    by_key = {c.key: replace(c, done=None) for c in cases}
    events: list[tuple[float, int, str, str]] = []
    seq = 0

    def push(t: float, kind: str, ref: str) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (t, seq, kind, ref))

    for c in by_key.values():
        push(c.arrival, "arrive", c.key)
    for day in (0, 1440):  # the day, then a second one to finish what is left
        for a in agents.values():
            push(day + a.shift[0], "shift_start", a.id)
            push(day + a.shift[1], "shift_end", a.id)
    line = WaitingLine()
    order = list(agents)
    last: str | None = None
    reassignments = 0

    def view(a: Agent, t: float) -> AgentView:
        return AgentView(
            a.id,
            skills=a.skills,
            max_items=MAX_ITEMS,
            open_items=len(a.held) + (1 if a.working else 0),
            available=on_shift(a, t),
        )

    def item_of(c: Case) -> ItemView:
        return ItemView(
            c.key,
            skills=c.skills,
            priority=c.priority,
            due_at=T0 + timedelta(minutes=c.due),
            created_at=T0 + timedelta(minutes=c.arrival),
        )

    def start_next(a: Agent, t: float) -> None:
        nonlocal reassignments
        while a.working is None and a.held and on_shift(a, t):
            if strategy == "round_robin":
                key = a.held.pop(0)  # a personal backlog, worked in arrival order
            else:
                a.held.sort(key=lambda k: item_of(by_key[k]).order())
                key = a.held.pop(0)
            c = by_key[key]
            if any(s not in a.skills for s in c.skills):
                # Plain round-robin only: the agent cannot do it and sends it on.
                reassignments += 1
                a.busy += 1.0
                a.working = key
                a.busy_until = t + 1.0
                push(t + 1.0, "bounce", a.id)
                return
            minutes = service_minutes(c, a)
            a.working = key
            a.busy_until = t + minutes
            a.busy += minutes
            push(t + minutes, "done", a.id)

    def plain_round_robin(c: Case, t: float) -> None:
        nonlocal last
        start = order.index(last) + 1 if last in order else 0
        for k in range(len(order)):
            a = agents[order[(start + k) % len(order)]]
            if on_shift(a, t):
                last = a.id
                a.held.append(c.key)
                start_next(a, t)
                return
        line.add(item_of(c))  # nobody on shift at all

    def route(c: Case, t: float) -> None:
        nonlocal last
        if strategy == "round_robin":
            plain_round_robin(c, t)
            return
        if strategy == "pull_next":
            line.add(item_of(c))
            give_out(t)
            return
        views = [view(agents[i], t) for i in order]
        decision = choose(item_of(c), views, strategy, last=last)
        if decision.agent is None:
            line.add(item_of(c))
            return
        last = decision.agent
        agents[decision.agent].held.append(c.key)
        start_next(agents[decision.agent], t)

    def give_out(t: float, only: Agent | None = None) -> None:
        # Freed room goes to the best waiting item each agent with room may take.
        for a in [only] if only else agents.values():
            if not on_shift(a, t):
                continue
            while True:
                v = view(a, t)
                if not v.has_room():
                    break
                nxt = line.next_for(v)
                if nxt is None:
                    break
                line.remove(nxt.key)
                a.held.append(nxt.key)
                start_next(a, t)

    while events:
        t, _, kind, ref = heapq.heappop(events)
        if kind == "arrive":
            route(by_key[ref], t)
        elif kind == "done":
            a = agents[ref]
            by_key[a.working].done = t  # type: ignore[index]
            a.working = None
            start_next(a, t)
            if strategy != "round_robin":
                give_out(t, a)
        elif kind == "bounce":
            a = agents[ref]
            key = a.working
            a.working = None
            assert key is not None
            plain_round_robin(by_key[key], t)
            start_next(a, t)
        elif kind == "shift_start":
            a = agents[ref]
            start_next(a, t)
            if strategy == "round_robin":
                # Cases that arrived while nobody was on shift.
                for item in line.ordered():
                    line.remove(item.key)
                    plain_round_robin(by_key[item.key], t)
            else:
                give_out(t, a)
        elif kind == "shift_end":
            a = agents[ref]
            if strategy != "round_robin" and a.held:
                for key in a.held:
                    line.add(item_of(by_key[key]))
                    reassignments += 1
                a.held = []
                give_out(t)
            elif strategy == "round_robin" and a.held:
                pass  # a plain backlog waits for its owner's next shift

    horizon = 2880.0
    done = [c for c in by_key.values() if c.done is not None]
    in_time = sum(1 for c in by_key.values() if c.done is not None and c.done <= c.due)
    resolution = [(c.done - c.arrival) / 60 for c in done if c.done is not None]
    # Utilisation over the first day's shifts (the second day only finishes leftovers).
    shift_minutes = sum(480 for _ in agents.values())
    return {
        "sla_attainment": round(in_time / len(by_key), 4),
        "completed": len(done),
        "reassignments": reassignments,
        "median_resolution_h": round(statistics.median(resolution), 3) if resolution else None,
        "utilisation": round(min(1.0, sum(a.busy for a in agents.values()) / shift_minutes), 4),
        "horizon_h": horizon / 60,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    decision_ms, pull_ms = bench_decision(rng)
    print(f"one decision, 1,000 agents (skills-based): {decision_ms:.3f} ms")
    print(f"next waiting item for an agent, 10,000 waiting: {pull_ms:.4f} ms")
    cases, roster = make_day(random.Random(args.seed), args.cases)
    results: dict[str, dict[str, Any]] = {}
    for strategy in ("round_robin", "load_balanced", "skills_based", "pull_next"):
        start = time.perf_counter()
        results[strategy] = simulate(strategy, cases, roster)
        elapsed = time.perf_counter() - start
        r = results[strategy]
        print(
            f"{strategy:>14}: SLA {r['sla_attainment']:.1%}  "
            f"reassignments {r['reassignments']:>5}  "
            f"median resolution {r['median_resolution_h']} h  utilisation {r['utilisation']:.1%}  "
            f"({elapsed:.1f} s)"
        )
    gain = results["skills_based"]["sla_attainment"] - results["round_robin"]["sla_attainment"]
    print(f"skills-based vs plain round-robin: {gain * 100:+.1f} SLA points")
    print(
        json.dumps(
            {
                "decision_ms": round(decision_ms, 4),
                "pull_ms": round(pull_ms, 4),
                "agents": 1000,
                "waiting": 10_000,
                "cases": args.cases,
                "strategies": results,
                "skills_based_minus_round_robin_sla": round(gain, 4),
            }
        )
    )


if __name__ == "__main__":
    main()
