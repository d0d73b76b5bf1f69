"""Pure routing choices: which agent gets a work item, and which item an agent takes next.

No database and no clock: the store builds :class:`AgentView` and :class:`ItemView`
snapshots (availability already decided against its clock) and acts on the
:class:`Decision`. The rules, whatever the strategy:

- never an agent who is unavailable (offline, away, out of office, outside working
  hours), who lacks a required skill, or who has no room left (open items, or load
  points when the agent counts by item weight);
- ``round_robin`` takes the first fitting agent after the one last given an item, in the
  queue's member order; ``load_balanced`` the least loaded relative to capacity (ties by
  round-robin order); ``skills_based`` the best match on the required skills' levels, then
  the least loaded, then round-robin order; ``pull_next`` assigns nobody: agents pull.

A required skill is met by an agent's skill of that name or by a language of that name
(the shipped workflows ask for ``english`` as a skill).

>>> ada = AgentView("ada", skills={"billing": 3}, max_items=2)
>>> bob = AgentView("bob", skills={"billing": 5}, max_items=2, open_items=1)
>>> item = ItemView("r:s:1", skills=("billing",))
>>> choose(item, [ada, bob], "skills_based").agent
'bob'
>>> choose(item, [ada, bob], "load_balanced").agent
'ada'
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "STRATEGIES",
    "AgentView",
    "Candidate",
    "Decision",
    "ItemView",
    "WaitingLine",
    "choose",
    "passed_over",
    "queue_order",
]

STRATEGIES = ("round_robin", "load_balanced", "skills_based", "pull_next")

#: Candidates listed one by one in a decision's record; the rest are counted by reason,
#: so a queue of a thousand agents does not write a thousand lines per assignment.
MAX_LISTED = 25

_FAR = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class AgentView:
    """An agent as routing sees them at one moment."""

    id: str
    skills: dict[str, int] = field(default_factory=dict)  #: skill -> level (1-5)
    languages: frozenset[str] = frozenset()
    max_items: int = 5
    max_load: int | None = None  #: when set, capacity counts item weights (load points)
    open_items: int = 0
    load: int = 0
    available: bool = True
    why_unavailable: str = ""

    def holding(self, open_items: int, load: int) -> AgentView:
        """The same agent holding ``open_items`` items of ``load`` points."""
        return replace(self, open_items=open_items, load=load)

    def has_room(self, weight: int = 1) -> bool:
        """Whether one more item of ``weight`` fits under both capacity limits."""
        if self.open_items >= self.max_items:
            return False
        return self.max_load is None or self.load + weight <= self.max_load

    def ratio(self) -> float:
        """How full the agent is, 0 (idle) to 1 (at capacity)."""
        if self.max_load:
            return self.load / self.max_load
        return self.open_items / self.max_items if self.max_items > 0 else 1.0

    def level(self, skill: str) -> int:
        """The agent's level in ``skill`` (a language counts as level 1; missing: 0)."""
        found = self.skills.get(skill)
        if found is not None:
            return found
        return 1 if skill in self.languages else 0


@dataclass(frozen=True, slots=True)
class ItemView:
    """A work item as routing sees it."""

    key: str
    skills: tuple[str, ...] = ()
    weight: int = 1
    priority: int = 0  #: higher goes first; escalation raises it
    due_at: datetime | None = None
    created_at: datetime = _FAR

    def order(self) -> tuple[int, datetime, datetime, str]:
        """Sort key of a waiting line: priority class, then SLA due time, then age."""
        return (-self.priority, self.due_at or _FAR, self.created_at, self.key)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One agent considered for an item, and why they were passed over (``None``: fit)."""

    agent: str
    passed_over: str | None
    ratio: float = 0.0
    match: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the assignment record."""
        return {
            "agent": self.agent,
            "passed_over": self.passed_over,
            "load": round(self.ratio, 3),
            "match": self.match,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one routing decision, with the reasons a person can read."""

    agent: str | None
    strategy: str
    reason: str
    candidates: tuple[Candidate, ...] = ()
    considered: int = 0
    passed_over_counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the run log and the assignment table."""
        return {
            "agent": self.agent,
            "strategy": self.strategy,
            "reason": self.reason,
            "considered": self.considered,
            "candidates": [c.as_dict() for c in self.candidates],
            "passed_over": dict(self.passed_over_counts),
        }


def passed_over(agent: AgentView, item: ItemView) -> str | None:
    """Why ``agent`` may not take ``item``, or ``None`` when they may.

    >>> passed_over(AgentView("a", available=False, why_unavailable="offline"), ItemView("k"))
    'offline'
    >>> passed_over(AgentView("a"), ItemView("k", skills=("tax",)))
    'lacks skill tax'
    """
    if not agent.available:
        return agent.why_unavailable or "not available"
    skills = agent.skills
    languages = agent.languages
    for skill in item.skills:
        if skill not in skills and skill not in languages:
            missing = [s for s in item.skills if s not in skills and s not in languages]
            return "lacks skill " + ", ".join(missing)
    if not agent.has_room(item.weight):
        if agent.open_items >= agent.max_items:
            return f"at capacity ({agent.open_items} of {agent.max_items} items)"
        return f"at capacity ({agent.load} + {item.weight} > {agent.max_load} load points)"
    return None


def queue_order(members: Sequence[str], last: str | None) -> dict[str, int]:
    """Round-robin rank of each member: the one after ``last`` is 0.

    >>> queue_order(["a", "b", "c"], "b")
    {'c': 0, 'a': 1, 'b': 2}
    """
    n = len(members)
    start = 0
    if last is not None:
        try:
            start = members.index(last) + 1
        except ValueError:
            start = 0
    return {members[(start + k) % n]: k for k in range(n)}


def choose(
    item: ItemView,
    agents: Sequence[AgentView],
    strategy: str,
    *,
    last: str | None = None,
    record: bool = True,
) -> Decision:
    """Pick the agent for ``item`` among ``agents`` (in queue member order).

    ``last`` is the agent the queue gave its previous item to (round-robin's pointer).
    Returns a :class:`Decision` whose ``agent`` is ``None`` when the item must wait.
    With ``record=False`` the decision holds the choice alone (the same agent): no
    candidates, counts or reason, for a caller that reads only who got the item.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown routing strategy {strategy!r}")
    if strategy == "pull_next":
        if not record:
            return Decision(agent=None, strategy=strategy, reason="", considered=len(agents))
        return Decision(
            agent=None,
            strategy=strategy,
            reason="pull-next: the item waits in its queue until an agent takes it",
            considered=len(agents),
        )
    n = len(agents)
    start = 0
    if last is not None:
        for k in range(n):
            if agents[k].id == last:
                start = k + 1
                break
    listed: list[Candidate] = []
    # Without a record nothing is listed: the cap is 0 (the choice does not depend on it).
    cap = MAX_LISTED if record else 0
    counts = [0, 0, 0]  # unavailable, missing skill, at capacity
    best_agent: AgentView | None = None
    best_match = 0
    best_ratio = 0.0
    required = item.skills
    weight = item.weight
    rotation = strategy == "round_robin"
    by_skill = strategy == "skills_based" and bool(required)
    # The hot loop of every assignment: checks inlined, reasons only built for the
    # candidates listed in the record (the rest are counted).
    in_turn = list(agents[start:]) + list(agents[:start]) if start else agents
    for agent in in_turn:
        code = 0
        if not agent.available:
            code = 1
        else:
            skills = agent.skills
            languages = agent.languages
            for skill in required:
                if skill not in skills and skill not in languages:
                    code = 2
                    break
            else:
                max_load = agent.max_load
                if agent.open_items >= agent.max_items or (
                    max_load is not None and agent.load + weight > max_load
                ):
                    code = 3
        if code:
            counts[code - 1] += 1
            if record and len(listed) < cap:
                listed.append(Candidate(agent.id, passed_over(agent, item)))
            continue
        if rotation:
            best_agent = agent
            if record and len(listed) < cap:
                listed.append(Candidate(agent.id, None, agent.ratio()))
            break
        max_load = agent.max_load
        if max_load:
            ratio = agent.load / max_load
        else:
            ratio = agent.open_items / agent.max_items if agent.max_items > 0 else 1.0
        match = 0
        if by_skill:
            skills = agent.skills
            for skill in required:
                level = skills.get(skill)
                match += level if level is not None else 1
        # The best: the highest match (always 0 but skills-based), then the least loaded,
        # then the first in turn (a later agent must be strictly better).
        if best_agent is None or match > best_match or (match == best_match and ratio < best_ratio):
            best_agent, best_match, best_ratio = agent, match, ratio
        if record and len(listed) < cap:
            listed.append(Candidate(agent.id, None, ratio, match))
    if not record:
        return Decision(
            agent=None if best_agent is None else best_agent.id,
            strategy=strategy,
            reason="",
            considered=n,
        )
    named = ("unavailable", "missing_skill", "at_capacity")
    counts_by_name = {named[i]: c for i, c in enumerate(counts) if c}
    if best_agent is None:
        summary = ", ".join(
            f"{count} {name.replace('_', ' ')}" for name, count in counts_by_name.items()
        )
        return Decision(
            agent=None,
            strategy=strategy,
            reason=(
                "no agent fits; the item waits in its queue"
                + (f" ({summary})" if summary else " (the queue has no members)")
            ),
            candidates=tuple(listed),
            considered=n,
            passed_over_counts=counts_by_name,
        )
    winner = best_agent.id
    marked = tuple(
        c
        if c.agent != winner and c.passed_over is not None
        else (c if c.agent == winner else Candidate(c.agent, _beaten(strategy), c.ratio, c.match))
        for c in listed
    )
    if strategy == "round_robin":
        why = f"round-robin: next fitting agent after {last or 'the start of the queue'}"
    elif strategy == "load_balanced":
        why = f"load-balanced: least loaded fitting agent ({best_agent.ratio():.0%} of capacity)"
    elif required:
        why = (
            f"skills-based: best match on {', '.join(required)} (level sum {best_match}), "
            f"then least loaded ({best_agent.ratio():.0%})"
        )
    else:
        why = f"skills-based, no skills required: least loaded ({best_agent.ratio():.0%})"
    return Decision(
        agent=winner,
        strategy=strategy,
        reason=why,
        candidates=marked,
        considered=n,
        passed_over_counts=counts_by_name,
    )


def _beaten(strategy: str) -> str:
    if strategy == "skills_based":
        return "a better match or less loaded agent won"
    if strategy == "load_balanced":
        return "a less loaded agent won"
    return "later in the rotation"


class WaitingLine:
    """Items waiting in a queue, best first: priority class, SLA due time, age.

    Items are kept in one sorted list per required skill set, so the next item an agent
    can take is found by looking at the head of each set the agent covers, not by
    scanning every waiting item.

    >>> line = WaitingLine()
    >>> line.add(ItemView("late", due_at=datetime(2026, 1, 2, tzinfo=UTC)))
    >>> line.add(ItemView("soon", due_at=datetime(2026, 1, 1, tzinfo=UTC)))
    >>> line.add(ItemView("tax", skills=("tax",), due_at=datetime(2025, 1, 1, tzinfo=UTC)))
    >>> line.next_for(AgentView("a")).key
    'soon'
    """

    def __init__(self, items: Iterable[ItemView] = ()) -> None:
        self._lines: dict[tuple[str, ...], list[tuple[Any, ItemView]]] = {}
        self._where: dict[str, tuple[str, ...]] = {}
        for item in items:
            self.add(item)

    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, key: object) -> bool:
        return key in self._where

    def add(self, item: ItemView) -> None:
        """Put ``item`` in line (replacing an earlier entry with its key)."""
        if item.key in self._where:
            self.remove(item.key)
        skills = tuple(sorted(set(item.skills)))
        bisect.insort(self._lines.setdefault(skills, []), (item.order(), item))
        self._where[item.key] = skills

    def remove(self, key: str) -> ItemView | None:
        """Take the item with ``key`` out of line, if it is there."""
        skills = self._where.pop(key, None)
        if skills is None:
            return None
        line = self._lines[skills]
        for k, (_, item) in enumerate(line):
            if item.key == key:
                del line[k]
                if not line:
                    del self._lines[skills]
                return item
        return None  # pragma: no cover - _where and _lines are kept in step

    def ordered(self) -> list[ItemView]:
        """Every waiting item, best first."""
        merged = [entry for line in self._lines.values() for entry in line]
        merged.sort(key=lambda entry: entry[0])
        return [item for _, item in merged]

    def next_for(self, agent: AgentView) -> ItemView | None:
        """The best waiting item ``agent`` may take now, or ``None``."""
        if not agent.available:
            return None
        best: tuple[Any, ItemView] | None = None
        for skills, line in self._lines.items():
            if any(agent.level(s) == 0 for s in skills):
                continue
            for entry in line:
                if best is not None and entry[0] >= best[0]:
                    break
                if agent.has_room(entry[1].weight):
                    best = entry
                    break
        return None if best is None else best[1]
