"""Who would have worked the items: today's agents and queues on the simulated clock.

Pure. The items of every case, recorded or predicted, open and close at their
(simulated) times; they are played in time order on the routing board
(:class:`runtime.routing.board.Board`, the store's own choosing rules over plain data):
an item goes to the agent its queue's strategy picks among the members who are
available, have the skills and have room, or waits in line until room frees up. An agent
counts as available inside their working hours and outside their time off, whatever
their live status says now (a what-if asks what the team would do, not who happens to be
signed in). A pull-next queue's items wait for agents, and an agent with room pulls the
best one at once. An item whose step names an agent goes to that agent; one whose queue
is not set up waits, unassigned.

The answer: items per queue, and items each agent was given.

>>> from datetime import UTC, datetime
>>> from runtime.whatif.trace import ItemSpan
>>> t = datetime(2026, 1, 5, 9, tzinfo=UTC)
>>> model = RoutingModel(agents=(AgentSpec("ada", max_items=1), AgentSpec("bob")),
...                      queues=(QueueSpec("q", ("ada", "bob"), "load_balanced"),))
>>> items = [ItemSpan(f"k{n}", "s", "q", None, (), None, t) for n in range(3)]
>>> load = route(model, items)
>>> dict(load.queues), dict(load.agents), load.unassigned
({'q': 3}, {'ada': 1, 'bob': 2}, 0)
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from runtime.routing.board import Board, Queue
from runtime.routing.choose import AgentView, ItemView
from runtime.routing.presence import agent_view
from runtime.routing.router import PRIORITY_OF_CASE
from runtime.whatif.trace import ItemSpan

__all__ = ["AgentSpec", "Load", "QueueSpec", "Routing", "RoutingModel", "route"]


@dataclass(frozen=True, slots=True)
class AgentSpec:
    """An agent's standing settings: skills, capacity, hours and time off."""

    id: str
    skills: Mapping[str, int] = field(default_factory=dict)
    languages: frozenset[str] = frozenset()
    max_items: int = 5
    max_load: int | None = None
    timezone: str = "UTC"
    working_hours: Mapping[str, Any] = field(default_factory=dict)
    out_of_office_from: datetime | None = None
    out_of_office_until: datetime | None = None

    def view(self, now: datetime) -> AgentView:
        """The agent as routing sees them at ``now`` (holding nothing yet)."""
        return agent_view(self, "online", now)

    @property
    def varies(self) -> bool:
        """Whether the agent's availability changes with the clock."""
        return bool(self.working_hours) or self.out_of_office_until is not None


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """A queue: members in round-robin order and its strategy."""

    name: str
    members: tuple[str, ...]
    strategy: str = "round_robin"


@dataclass(frozen=True, slots=True)
class RoutingModel:
    """The agents and queues a what-if routes with."""

    agents: tuple[AgentSpec, ...] = ()
    queues: tuple[QueueSpec, ...] = ()


@dataclass(slots=True)
class Load:
    """Items per queue and items given to each agent."""

    queues: Counter[str] = field(default_factory=Counter)
    agents: Counter[str] = field(default_factory=Counter)
    unassigned: int = 0  #: items no agent was given while they were open


def _slot(moment: datetime) -> tuple[int, int, int, int]:
    # Availability is looked at again when the clock enters a new hour: working hours
    # are set in hours and minutes, and a what-if's figures are per item, not per minute.
    return (moment.year, moment.month, moment.day, moment.hour)


def route(model: RoutingModel, items: Iterable[ItemSpan]) -> Load:
    """Play ``items`` on the routing board in time order; the load it gives."""
    routing = Routing(model)
    routing.add(0, list(items))
    return routing.finish()


#: An item's opening (1) or closing (0, before an opening at the same moment), in play
#: order: time, closing first, the case's place, the item's place in it, then the order
#: added (a tie-break only for places given twice).
_Entry = tuple[datetime, int, int, int, int, ItemSpan]


class Routing:
    """The items of many cases played on one routing board as they come in.

    :func:`route` plays a list in one go. A pooled what-if gets its cases part by part and
    plays them meanwhile: :meth:`add` a case's items with its place among the cases,
    :meth:`advance` to a moment to play every opening and closing before it, and
    :meth:`finish` for the rest and the load. The order of play is the same whatever the
    order things are added in (time, closings first, then the cases' places and the
    items' places in them), so the load is :func:`route`'s of all the items in the
    cases' order, as long as the caller advances only to a moment before which nothing
    it adds later opens or closes. Should it still (an item opening before its case
    started), the routing is played again from the start at :meth:`finish`: the same
    answer, later.
    """

    def __init__(self, model: RoutingModel) -> None:
        self._model = model
        self._added: list[tuple[int, int, ItemSpan]] = []  #: place, place in case, item
        self._pending: list[_Entry] = []  #: not played yet (sorted when played)
        self._played_to: datetime | None = None  #: all before it played
        self._late = False  #: an item came in before ``_played_to``
        self._board: _Play | None = None  #: made when the first entry is played

    def add(self, place: int, items: Sequence[ItemSpan]) -> None:
        """The items of the case at ``place`` (its order among the cases)."""
        played_to = self._played_to
        for k, span in enumerate(items):
            seq = len(self._added)
            self._added.append((place, k, span))
            self._pending.append((span.opened_at, 1, place, k, seq, span))
            if span.closed_at is not None:
                self._pending.append((span.closed_at, 0, place, k, seq, span))
            if played_to is not None and (
                span.opened_at < played_to
                or (span.closed_at is not None and span.closed_at < played_to)
            ):
                self._late = True

    def advance(self, moment: datetime | None) -> None:
        """Play every opening and closing before ``moment`` (``None``: all of them)."""
        if self._late or not self._pending:
            return
        pending = self._pending
        pending.sort()  # what is left was sorted: this merges in what came since
        cut = len(pending) if moment is None else bisect_left(pending, (moment,))
        if cut:
            if self._board is None:
                first = min(span.opened_at for _, _, span in self._added)
                self._board = _Play(self._model, first)
            play = self._board.play
            for at, opening, _, _, _, span in pending[:cut]:
                play(at, opening, span)
            del pending[:cut]
        if moment is not None and (self._played_to is None or moment > self._played_to):
            self._played_to = moment

    def finish(self) -> Load:
        """Play the rest; the load of all the items added."""
        spans = [span for _, _, span in sorted(self._added, key=lambda a: a[:2])]
        if self._late:  # played too early: again, in one go and in order
            self._late, self._board, self._played_to = False, None, None
            self._pending = []
            self._added = []
            self.add(0, spans)
        self.advance(None)
        if self._board is None:
            return Load()
        load = self._board.load
        assigned = self._board.assigned
        load.unassigned = sum(1 for span in spans if span.key not in assigned)
        return load


class _Play:
    """The routing board and what it has given out, played one entry at a time."""

    def __init__(self, model: RoutingModel, first: datetime) -> None:
        self.load = Load()
        self.assigned: set[str] = set()
        self.board = Board(
            {agent.id: agent.view(first) for agent in model.agents},
            {q.name: Queue(q.name, list(q.members), q.strategy) for q in model.queues},
            record=False,  # only who got each item counts here, not why
        )
        self.varying = [agent for agent in model.agents if agent.varies]
        self.slot = _slot(first)

    def _took(self, pairs: Iterable[tuple[str, str]]) -> None:
        for key, given in pairs:
            self.load.agents[given] += 1
            self.assigned.add(key)

    def _pull(self, agent_ids: Iterable[str]) -> None:
        # Pull-next queues wait for agents: one with room takes the best item at once. An
        # agent without room (or off shift) takes nothing: asking the board would read
        # every waiting line to the end, for each member, at each item that had to wait.
        board = self.board
        for agent_id in agent_ids:
            agent = board.agents.get(agent_id)
            while agent is not None and agent.available and agent.has_room(0):
                key = board.pull(agent_id)
                if key is None:
                    break
                self._took([(key, agent_id)])
                agent = board.agents[agent_id]

    def play(self, at: datetime, opening: int, span: ItemSpan) -> None:
        """An item opens (``opening``) or closes at ``at``."""
        board = self.board
        if self.varying and _slot(at) != self.slot:
            self.slot = _slot(at)
            for agent in self.varying:
                view = agent.view(at)
                if view.available != board.agents[agent.id].available:
                    self._took(board.update_agent(view))
                    self._pull([agent.id])
        if opening:
            if _open(board, self.load, span):
                self.assigned.add(span.key)
            elif span.queue in board.queues:
                self._pull(board.queues[span.queue].members)
        elif span.key in board.items:
            holder = board.holder.get(span.key)
            self._took(board.complete(span.key))
            if holder is not None:
                self._pull([holder])


def _line(board: Board, queue: str, strategy: str | None) -> str:
    """The board's queue for items of ``queue`` that a step routes by ``strategy``.

    A step's own strategy overrides its queue's (as in the store). Such items wait in a
    line of their own with the same members: an agent with room takes the best waiting
    item over all their lines, so this is one line with a strategy per item.
    """
    found = board.queues[queue]
    if strategy is None or strategy == found.strategy:
        return queue
    name = f"{queue} ({strategy})"
    if name not in board.queues:
        board.queues[name] = Queue(name, list(found.members), strategy)
    return name


def _open(board: Board, load: Load, span: ItemSpan) -> bool:
    """Route a new item; whether an agent got it at once."""
    if span.queue:
        load.queues[span.queue] += 1
    if span.agent:
        load.agents[span.agent] += 1
        return True
    if not span.queue or span.queue not in board.queues:
        return False
    line = _line(board, span.queue, span.strategy)
    item = ItemView(
        key=span.key,
        skills=span.skills,
        priority=PRIORITY_OF_CASE.get(span.priority.lower(), 0),
        due_at=span.due_at,
        created_at=span.opened_at,
    )
    given = board.arrive(item, line)
    if given is None:
        return False
    load.agents[given] += 1
    return True
