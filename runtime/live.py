"""The live stream's one way out: every run update is published through :func:`publish`.

The executor hands each committed ``publish`` outbox entry to a publisher after commit
(:class:`runtime.executor.Worker`'s ``publisher``); :class:`LivePublisher` is that
publisher. It turns one update into Socket.IO messages for three kinds of room:

- ``run:<run id>``: ``run.events`` with the run's new log events (numbered by ``seq``),
  the stream a case page follows;
- ``workflow:<workflow id>``: ``run.changed``, a short summary (status, node, seq, the
  kinds of event), what the monitor and the cases list need to refresh;
- ``agent:<name>``: ``run.changed`` for events that name an agent (a work item offered
  to them, reassigned to or from them), and ``inbox.changed`` whenever routing gives
  them an item or takes one away (published by ``runtime.routing.record_assignment``).

Nothing here knows Flask or Socket.IO: the designer passes an ``emit`` function (its
bound ``SocketIO.emit``, or a write-only Redis emitter in a worker process). Readers
never depend on a message arriving: each run event carries its ``seq``, and a client
that sees a gap reads the missing events from the log (``services.read_log``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

__all__ = [
    "INBOX_CHANGED",
    "RUN_CHANGED",
    "RUN_EVENTS",
    "Emit",
    "LivePublisher",
    "RoomKind",
    "agent_room",
    "agents_named",
    "parse_room",
    "publish",
    "room_name",
    "run_room",
    "workflow_room",
]

logger = logging.getLogger("baton.live")

RUN_EVENTS = "run.events"
"""Message with a run's new log events, sent to ``run:<id>``."""
RUN_CHANGED = "run.changed"
"""Summary of a run's change, sent to ``workflow:<id>`` and ``agent:<name>``."""

INBOX_CHANGED = "inbox.changed"
"""Sent to ``agent:<name>`` when an item is assigned to or taken from that agent."""

RoomKind = Literal["run", "workflow", "agent"]
ROOM_KINDS: tuple[RoomKind, ...] = ("run", "workflow", "agent")

Emit = Callable[[str, dict[str, Any], str], None]
"""``emit(event, payload, room)``: send one Socket.IO message to a room."""


def room_name(kind: RoomKind, key: str) -> str:
    """The room a watcher of one run, workflow or agent joins.

    >>> room_name("run", "r1")
    'run:r1'
    """
    if kind not in ROOM_KINDS:
        raise ValueError(f"unknown room kind {kind!r}")
    return f"{kind}:{key}"


def run_room(run_id: str) -> str:
    """``run:<id>``."""
    return room_name("run", run_id)


def workflow_room(workflow_id: str) -> str:
    """``workflow:<id>``."""
    return room_name("workflow", workflow_id)


def agent_room(agent: str) -> str:
    """``agent:<name>``."""
    return room_name("agent", agent)


def parse_room(room: str) -> tuple[RoomKind, str]:
    """Split a room name into kind and key; ``ValueError`` if it is not one of ours.

    >>> parse_room("workflow:support-case")
    ('workflow', 'support-case')
    """
    kind, sep, key = room.partition(":")
    if not sep or not key or kind not in ROOM_KINDS:
        raise ValueError(f"not a Baton room: {room!r}")
    return kind, key


# Log data keys that name an agent: the agent a work item is offered to, and both sides
# of a reassignment.
_AGENT_KEYS = ("agent", "assignee", "to", "from")


def agents_named(events: Iterable[Mapping[str, Any]]) -> list[str]:
    """Agents the log events name, each once (per event: agent, assignee, to, from).

    >>> agents_named([{"kind": "work_item.reassigned", "data": {"from": "ann", "to": "bo"}}])
    ['bo', 'ann']
    """
    seen: dict[str, None] = {}
    for event in events:
        data = event.get("data") or {}
        for key in _AGENT_KEYS:
            value = data.get(key)
            if isinstance(value, str) and value:
                seen.setdefault(value, None)
    return list(seen)


def _summary(
    topic: str, data: Mapping[str, Any], events: list[Mapping[str, Any]]
) -> dict[str, Any]:
    return {
        "topic": topic,
        "run_id": data.get("run_id"),
        "workflow_id": data.get("workflow_id"),
        "case_id": data.get("case_id"),
        "status": data.get("status"),
        "node_id": data.get("node_id"),
        "seq": data.get("seq"),
        "kinds": [event.get("kind") for event in events],
    }


def publish(emit: Emit, topic: str, data: Mapping[str, Any]) -> None:
    """Send one committed run update to everyone watching the run, its workflow or agents.

    ``data`` is what the engine's ``Publish`` effect carried, with the store's additions
    (``run_id``, ``workflow_id``, ``case_id``, ``status``, ``node_id``, ``seq`` and the
    ``events`` the transition logged).
    """
    if topic == INBOX_CHANGED:
        agent = data.get("agent_id")
        if agent:
            emit(INBOX_CHANGED, {"agent_id": agent}, agent_room(str(agent)))
        return
    run_id = data.get("run_id")
    if not run_id:
        logger.warning("publish without a run id on %s; dropped", topic)
        return
    events = list(data.get("events") or [])
    if events:
        emit(
            RUN_EVENTS,
            {
                "topic": topic,
                "run_id": run_id,
                "status": data.get("status"),
                "node_id": data.get("node_id"),
                "seq": data.get("seq"),
                "events": events,
                # After the commit, in seconds since the epoch: clients can tell how late
                # a message reached them (benchmarks/stream.py measures with it).
                "published_at": time.time(),
            },
            run_room(str(run_id)),
        )
    summary = _summary(topic, data, events)
    workflow_id = data.get("workflow_id")
    if workflow_id:
        emit(RUN_CHANGED, summary, workflow_room(str(workflow_id)))
    for agent in agents_named(events):
        emit(RUN_CHANGED, summary, agent_room(agent))


class LivePublisher:
    """The executor's publisher (:class:`runtime.executor.worker.Publisher`) for the stream."""

    def __init__(self, emit: Emit) -> None:
        self.emit = emit

    def __call__(self, topic: str, data: dict[str, Any]) -> None:
        publish(self.emit, topic, data)
