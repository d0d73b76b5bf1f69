"""Socket rooms follow ownership: the authorisation matrix after the work moves.

The real server, python-socketio's client and an executor publishing after commit. Ada,
an agent, follows the run of her work item; a supervisor reassigns the item to Ben over
REST. From then on REST refuses Ada that run (403), and so does her open socket: it is
taken out of the run's room (``room.left``) and hears none of the run's later events,
while Ben, whose item it now is, may follow it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from flask import Flask
from live_support import api_token, install, serve
from sqlalchemy.engine import Engine

from designer.auth.policy import POLICY
from designer.auth.sockets import MOVES_WORK, _connections
from designer.extensions import state
from designer.live import app_publisher
from designer.live.follow import LiveClient
from designer.live.rooms import ROOM_LEFT
from runtime import services
from runtime.accounts import service as accounts
from runtime.db import session_scope
from runtime.executor import Worker
from runtime.services.agents import AgentIn, QueueIn, save_agent, save_queue
from runtime.store.after_commit import watch_commits

pytestmark = pytest.mark.timeout(60)


@dataclass
class Served:
    url: str
    engine: Engine
    worker: Worker
    tokens: dict[str, str]

    def rest(self, who: str, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return requests.request(method, self.url + path, headers=headers, timeout=10, **kwargs)


@pytest.fixture
def served(app: Flask) -> Iterator[Served]:
    engine = state(app).engine
    install(engine)  # the review loop: its Review item goes to the "reviewers" queue
    with session_scope(engine) as session:
        for agent in ("ada", "ben"):
            save_agent(session, agent=AgentIn(id=agent, name=agent.title(), availability="online"))
        save_queue(session, queue=QueueIn(name="reviewers", members=["ada"]))
    tokens = {"sam": api_token(engine, "sam", "supervisor")}
    with session_scope(engine) as session:
        for agent in ("ada", "ben"):
            accounts.create_account(
                session, username=agent, role="agent", actor="test", agent_id=agent
            )
            tokens[agent] = accounts.create_token(
                session, username=agent, name="live", actor="test"
            ).token
    # Watching this engine's commits, it publishes each right after it (as `baton run`).
    worker = Worker(state(app).settings, engine, publisher=app_publisher(app))
    with serve(app) as url:
        yield Served(url, engine, worker, tokens)


class Notices:
    """``room.left`` notices a connection got."""

    def __init__(self, client: LiveClient) -> None:
        self.rooms: list[str] = []
        self._cond = threading.Condition()
        client.sio.on(ROOM_LEFT, self._take)

    def _take(self, message: dict[str, Any]) -> None:
        with self._cond:
            self.rooms.append(message["room"])
            self._cond.notify_all()

    def wait_for(self, room: str, timeout: float = 10.0) -> None:
        with self._cond:
            assert self._cond.wait_for(lambda: room in self.rooms, timeout), self.rooms


def test_a_reassigned_agent_socket_leaves_the_run_and_hears_no_more_of_it(
    served: Served,
) -> None:
    with session_scope(served.engine) as session:
        case = services.create_case(session, fields={"subject": "Printer on fire"})
        item = services.list_work_items(session, case_id=case.id)[0]
        run_id, case_id, key = item.run_id, case.id, item.key
        started = services.get_run(session, run_id=run_id).seq
    assert item.assignee == "ada"
    assert served.rest("ada", "GET", f"/api/runs/{run_id}").status_code == 200

    with LiveClient(served.url, token=served.tokens["ada"]) as ada:
        notices = Notices(ada)
        follower = ada.follow(run_id)
        follower.wait_for_seq(started)
        changed = served.rest(
            "sam", "PATCH", f"/api/cases/{case_id}", json={"changes": {"note": "before"}}
        )
        assert changed.status_code in (200, 204), changed.text
        follower.wait_for(lambda f: f.events[-1]["kind"] == "case.updated")
        heard = follower.last_seq

        moved = served.rest(
            "sam", "POST", f"/api/work-items/{key}/reassign",
            json={"assignee": "ben", "reason": "ada is out"},
        )  # fmt: skip
        assert moved.status_code == 200, moved.text
        notices.wait_for(f"run:{run_id}")  # at once: the move's own publish made her leave
        assert served.rest("ada", "GET", f"/api/runs/{run_id}").status_code == 403

        with LiveClient(served.url, token=served.tokens["ben"]) as ben:
            bens = ben.follow(run_id)
            bens.wait_for_kind("work_item.reassigned")
            for n in range(3):
                note = {"changes": {"note": f"after {n}"}}
                served.rest("sam", "PATCH", f"/api/cases/{case_id}", json=note)
            with session_scope(served.engine) as session:
                last = services.get_run(session, run_id=run_id).seq
            bens.wait_for_seq(last)  # Ben hears them ...
            time.sleep(0.3)  # ... and Ada's socket would have by now
        assert [e["seq"] for e in follower.events if e["seq"] > heard] == []  # not even the move
        # Joining again is refused like REST: the room rule asks afresh.
        answer = ada.sio.call("subscribe", {"run": run_id, "after_seq": last}, timeout=10)
        assert answer["error"]["code"] == "forbidden"


def test_the_periodic_check_takes_sockets_out_of_rooms_moved_elsewhere(
    app: Flask, served: Served
) -> None:
    # A move this process never published (another process's, its announcement lost):
    # the check every socket_recheck_seconds finds it.
    with session_scope(served.engine) as session:
        case = services.create_case(session, fields={"subject": "Toner low"})
        item = services.list_work_items(session, case_id=case.id)[0]
        started = services.get_run(session, run_id=item.run_id).seq
    with LiveClient(served.url, token=served.tokens["ada"]) as ada:
        notices = Notices(ada)
        ada.follow(item.run_id).wait_for_seq(started)
        watch_commits(served.engine, None)  # nobody here publishes the move
        with session_scope(served.engine) as session:
            services.reassign_work_item(session, key=item.key, assignee="ben", actor="sam")
        time.sleep(0.2)
        assert notices.rooms == []
        _connections(app).wake()  # what the timer does every socket_recheck_seconds
        notices.wait_for(f"run:{item.run_id}")


def test_a_move_through_this_process_api_is_checked_at_once_without_a_worker_here(
    served: Served,
) -> None:
    # A web process whose executor runs elsewhere: routing's news of the move goes
    # through the outbox to that process, but this one checks its sockets at once.
    with session_scope(served.engine) as session:
        case = services.create_case(session, fields={"subject": "Paper jam"})
        item = services.list_work_items(session, case_id=case.id)[0]
        started = services.get_run(session, run_id=item.run_id).seq
    with LiveClient(served.url, token=served.tokens["ada"]) as ada:
        notices = Notices(ada)
        ada.follow(item.run_id).wait_for_seq(started)
        watch_commits(served.engine, None)
        moved = served.rest(
            "sam", "POST", f"/api/work-items/{item.key}/reassign",
            json={"assignee": "ben", "reason": "ada is out"},
        )  # fmt: skip
        assert moved.status_code == 200, moved.text
        notices.wait_for(f"run:{item.run_id}", timeout=5)


def test_every_endpoint_that_moves_work_is_a_real_one() -> None:
    assert MOVES_WORK.issubset(POLICY)
