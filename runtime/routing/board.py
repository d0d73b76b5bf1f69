"""An in-memory routing board: the store's routing rules over plain data.

Used by the routing benchmark's simulated day and by the property tests: the same pure
choices (:mod:`runtime.routing.choose`) as the store, with arrivals, completions,
availability and capacity changes applied in memory.

>>> board = Board({"ada": AgentView("ada", max_items=1)}, {"q": Queue("q", ["ada"])})
>>> board.arrive(ItemView("k1"), "q"), board.arrive(ItemView("k2"), "q")
('ada', None)
>>> board.complete("k1")
[('k2', 'ada')]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from runtime.routing.choose import AgentView, Decision, ItemView, WaitingLine, choose

__all__ = ["Board", "Queue"]


@dataclass
class Queue:
    """A queue on the board: members in round-robin order and a strategy."""

    name: str
    members: list[str]
    strategy: str = "round_robin"
    last: str | None = None
    waiting: WaitingLine = field(default_factory=WaitingLine)


class Board:
    """Agents, queues, who holds what, and what waits.

    ``record=False`` keeps no decisions and has :func:`choose` skip building their
    records: the same assignments, for a caller that reads only who got what.
    """

    def __init__(
        self,
        agents: Mapping[str, AgentView],
        queues: Mapping[str, Queue],
        *,
        record: bool = True,
    ) -> None:
        self.record = record
        self.agents: dict[str, AgentView] = dict(agents)
        self.queues: dict[str, Queue] = dict(queues)
        self.holder: dict[str, str] = {}  #: item key -> agent
        self.items: dict[str, tuple[ItemView, str]] = {}  #: open items and their queue
        self.decisions: list[tuple[str, Decision]] = []

    def _take(self, key: str, agent_id: str) -> None:
        item, _ = self.items[key]
        agent = self.agents[agent_id]
        self.agents[agent_id] = agent.holding(agent.open_items + 1, agent.load + item.weight)
        self.holder[key] = agent_id

    def _members(self, queue: Queue) -> list[AgentView]:
        return [self.agents[m] for m in queue.members if m in self.agents]

    def arrive(self, item: ItemView, queue_name: str) -> str | None:
        """Route a new item; the agent it went to, or ``None`` when it waits."""
        queue = self.queues[queue_name]
        self.items[item.key] = (item, queue_name)
        decision = choose(
            item, self._members(queue), queue.strategy, last=queue.last, record=self.record
        )
        if self.record:
            self.decisions.append((item.key, decision))
        if decision.agent is None:
            queue.waiting.add(item)
            return None
        queue.last = decision.agent
        self._take(item.key, decision.agent)
        return decision.agent

    def complete(self, key: str) -> list[tuple[str, str]]:
        """Close an item; freed room goes to waiting items. Returns new assignments."""
        item, queue_name = self.items.pop(key)
        self.queues[queue_name].waiting.remove(key)
        agent_id = self.holder.pop(key, None)
        if agent_id is None:
            return []
        agent = self.agents[agent_id]
        self.agents[agent_id] = agent.holding(agent.open_items - 1, agent.load - item.weight)
        return self.drain(agent_id)

    def update_agent(self, agent: AgentView) -> list[tuple[str, str]]:
        """Change an agent's availability, skills or capacity; returns new assignments."""
        held = self.agents.get(agent.id)
        self.agents[agent.id] = agent.holding(
            held.open_items if held else 0, held.load if held else 0
        )
        return self.drain(agent.id)

    def drain(self, agent_id: str) -> list[tuple[str, str]]:
        """Give waiting items of ``agent_id``'s queues out, best first, by each queue's rule."""
        assigned: list[tuple[str, str]] = []
        queues = [q for q in self.queues.values() if agent_id in q.members]
        while True:
            best: tuple[tuple[object, ...], Queue, ItemView, str] | None = None
            for queue in queues:
                if queue.strategy == "pull_next" or not queue.waiting:
                    continue
                # Nobody with room, nobody to give to: skip reading the whole line.
                members = self._members(queue)
                if not any(a.available and a.has_room(0) for a in members):
                    continue
                for item in queue.waiting.ordered():
                    decision = choose(
                        item, members, queue.strategy, last=queue.last, record=self.record
                    )
                    if decision.agent is not None:
                        if best is None or item.order() < best[0]:
                            best = (item.order(), queue, item, decision.agent)
                        break
            if best is None:
                return assigned
            _, queue, item, winner = best
            queue.waiting.remove(item.key)
            queue.last = winner
            self._take(item.key, winner)
            assigned.append((item.key, winner))

    def pull(self, agent_id: str) -> str | None:
        """The agent takes the best waiting item they fit from their queues, if any."""
        agent = self.agents[agent_id]
        best: tuple[tuple[object, ...], Queue, ItemView] | None = None
        for queue in self.queues.values():
            if agent_id not in queue.members:
                continue
            item = queue.waiting.next_for(agent)
            if item is not None and (best is None or item.order() < best[0]):
                best = (item.order(), queue, item)
        if best is None:
            return None
        _, queue, item = best
        queue.waiting.remove(item.key)
        self._take(item.key, agent_id)
        return item.key

    def waiting(self) -> list[ItemView]:
        """Every waiting item, across queues."""
        return [item for q in self.queues.values() for item in q.waiting.ordered()]
