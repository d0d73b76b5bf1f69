"""An agent's inbox hears of every assignment at once: the real server, the real client.

Routing assigns work in the transaction that creates it (and when capacity frees up);
the agent's "My work" page watches ``agent:<id>`` and refreshes on ``inbox.changed``
instead of waiting for its next poll.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from live_support import api_token, install, serve
from sqlalchemy.engine import Engine

from designer.extensions import state
from designer.live import app_publisher
from designer.live.follow import LiveClient
from runtime import services
from runtime.db import session_scope
from runtime.executor import Worker
from runtime.live import INBOX_CHANGED
from runtime.services.agents import AgentIn, QueueIn, save_agent, save_queue
from runtime.store.after_commit import watch_commits

pytestmark = pytest.mark.timeout(60)


class Inbox:
    """``inbox.changed`` messages a connected client got, however the server sent them."""

    def __init__(self, client: LiveClient, *watching: str) -> None:
        self.agents: list[str] = []
        self._cond = threading.Condition()
        client.sio.on(INBOX_CHANGED, self._take)
        for agent in watching:
            client.watch(agent=agent)

    def _take(self, message: dict[str, Any]) -> None:
        with self._cond:
            self.agents.append(message["agent_id"])
            self._cond.notify_all()

    def wait_for(self, agent: str, count: int = 1, timeout: float = 10.0) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: self.agents.count(agent) >= count, timeout):
                raise TimeoutError(f"{agent}'s inbox heard {self.agents.count(agent)} times")


def _new_case(engine: Engine) -> str:
    """A case of the review loop; the agent routing gave its work item to."""
    with session_scope(engine) as session:
        case = services.create_case(session, fields={"subject": "Printer on fire"})
        return str(services.list_work_items(session, case_id=case.id)[0].assignee)


@pytest.fixture
def served(app: Flask) -> Iterator[tuple[str, Worker]]:
    engine = state(app).engine
    install(engine)  # its Review step goes to the "reviewers" queue
    with session_scope(engine) as session:
        for agent in ("ada", "ben"):
            save_agent(
                session,
                agent=AgentIn(id=agent, name=agent.title(), availability="online", max_items=1),
            )
        save_queue(session, queue=QueueIn(name="reviewers", members=["ada", "ben"]))
    worker = Worker(state(app).settings, engine, publisher=app_publisher(app))
    with serve(app) as url:
        yield url, worker


def test_routing_tells_the_assigned_agent_and_only_them(
    app: Flask, served: tuple[str, Worker]
) -> None:
    url, worker = served
    engine = state(app).engine
    with LiveClient(url, token=api_token(engine)) as client:
        inbox = Inbox(client, "ada", "ben")
        assignee = _new_case(engine)
        worker.drain()
        assert assignee in ("ada", "ben")
        inbox.wait_for(assignee)
        assert inbox.agents == [assignee]


def test_completing_an_item_hands_the_freed_room_on_and_says_so(
    app: Flask, served: tuple[str, Worker]
) -> None:
    url, worker = served
    engine = state(app).engine
    with session_scope(engine) as session:
        # Three cases for two agents who hold one item each: the third waits.
        cases = [
            services.create_case(session, fields={"subject": f"Case {n}"}).id for n in range(3)
        ]
    with session_scope(engine) as session:
        held = [services.list_work_items(session, case_id=c)[0] for c in cases]
    waiting = [item for item in held if item.assignee is None]
    assert len(waiting) == 1
    first = next(item for item in held if item.assignee is not None)
    with LiveClient(url, token=api_token(engine)) as client:
        inbox = Inbox(client, str(first.assignee))
        with session_scope(engine) as session:
            services.complete_work_item(
                session, key=first.key, data={"verdict": "approve"}, actor=str(first.assignee)
            )
        worker.drain()
        inbox.wait_for(str(first.assignee))
    with session_scope(engine) as session:
        handed_on = services.list_work_items(session, case_id=waiting[0].case_id)[0]
    assert handed_on.assignee == first.assignee


def test_without_a_worker_in_the_process_the_news_goes_through_the_outbox(
    app: Flask, served: tuple[str, Worker]
) -> None:
    # A web process whose executor runs elsewhere (Procfile: web and worker apart).
    url, _ = served
    engine = state(app).engine
    with LiveClient(url, token=api_token(engine)) as client:
        inbox = Inbox(client, "ada", "ben")
        watch_commits(engine, None)
        assignee = _new_case(engine)
        time.sleep(0.2)  # nothing may arrive before the worker performs the outbox
        assert inbox.agents == []
        # The worker process performs the outbox, as `baton worker` does.
        Worker(state(app).settings, engine, publisher=app_publisher(app)).drain()
        inbox.wait_for(assignee)
        assert inbox.agents == [assignee]
