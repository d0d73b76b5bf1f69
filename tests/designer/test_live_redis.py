"""Several processes share one stream through Redis: a worker process emits with
``SocketIO(message_queue=...)`` and no app; the web process delivers to its clients."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from live_support import api_token, install, serve

from designer.extensions import socketio, state
from designer.live.follow import LiveClient
from runtime import services
from runtime.db import session_scope

REDIS_URL = os.environ.get("BATON_TEST_REDIS_URL")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(not REDIS_URL, reason="needs BATON_TEST_REDIS_URL (with-services.sh)"),
]

# The worker process: no Flask app, an executor publishing through the Redis queue, and
# three case updates (each commits, then publishes its run's new events).
WORKER = textwrap.dedent(
    """
    import sys
    from designer.live import queue_publisher
    from runtime import services
    from runtime.db import make_engine, session_scope
    from runtime.executor import Worker
    from runtime.settings import Settings

    database_url, redis_url, case_id = sys.argv[1:4]
    settings = Settings(_env_file=None, database_url=database_url, redis_url=redis_url)
    engine = make_engine(database_url)
    worker = Worker(settings, engine, publisher=queue_publisher(redis_url))
    for n in range(3):
        with session_scope(engine) as session:
            services.update_case(
                session, case_id=case_id, changes={"note": f"from the worker {n}"},
                actor="worker",
            )
    print("done", flush=True)
    """
)


@pytest.fixture
def redis_app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    application = make_app(redis_url=REDIS_URL)
    yield application
    state(application).engine.dispose()
    # Flask-SocketIO keeps the queue manager among its options; later apps must not reuse it.
    socketio.server_options.pop("client_manager", None)


def test_a_worker_process_publishes_through_redis_to_a_web_process_client(
    redis_app: Flask,
) -> None:
    engine = state(redis_app).engine
    install(engine)
    with session_scope(engine) as session:
        case = services.create_case(session, fields={"subject": "Across processes"})
        run = services.list_runs(session, case_id=case.id).items[0]
        case_id, run_id, started = case.id, run.id, run.seq
    token = api_token(engine)
    with serve(redis_app) as url, LiveClient(url, token=token) as client:
        follower = client.follow(run_id)
        follower.wait_for_seq(started)
        client.watch(workflow="review-loop")
        assert follower.live_messages == 0
        done = subprocess.run(
            [sys.executable, "-c", WORKER, str(engine.url), str(REDIS_URL), case_id],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        follower.wait_for_seq(started + 3)
        change = client.wait_for_change(lambda c: c["run_id"] == run_id)
    assert [e["seq"] for e in follower.events] == list(range(1, started + 4))
    assert [e["actor"] for e in follower.events[-3:]] == ["worker"] * 3
    # Delivered as live messages through the queue, not fetched from the log.
    assert follower.live_messages == 3
    assert change["kinds"] == ["case.updated"]


# Another process moves Ada's work item to Ben: its publisher announces the move on
# Redis (designer.live.recheck_channel) before the news, and the web process holding
# Ada's socket takes it out of the run's room.
MOVER = textwrap.dedent(
    """
    import sys
    from designer.live import queue_publisher
    from runtime import services
    from runtime.db import make_engine, session_scope
    from runtime.executor import Worker
    from runtime.settings import Settings

    database_url, redis_url, key = sys.argv[1:4]
    settings = Settings(_env_file=None, database_url=database_url, redis_url=redis_url)
    engine = make_engine(database_url)
    worker = Worker(settings, engine, publisher=queue_publisher(redis_url))
    with session_scope(engine) as session:
        services.reassign_work_item(session, key=key, assignee="ben", actor="sam")
    print("done", flush=True)
    """
)


def test_a_move_in_another_process_takes_the_socket_out_of_the_room(redis_app: Flask) -> None:
    from runtime.accounts import service as accounts
    from runtime.services.agents import AgentIn, QueueIn, save_agent, save_queue

    engine = state(redis_app).engine
    install(engine)
    with session_scope(engine) as session:
        for agent in ("ada", "ben"):
            save_agent(session, agent=AgentIn(id=agent, name=agent.title(), availability="online"))
        save_queue(session, queue=QueueIn(name="reviewers", members=["ada"]))
        accounts.create_account(session, username="ada", role="agent", actor="t", agent_id="ada")
        token = accounts.create_token(session, username="ada", name="live", actor="t").token
    with session_scope(engine) as session:
        case = services.create_case(session, fields={"subject": "Across processes"})
        item = services.list_work_items(session, case_id=case.id)[0]
        started = services.get_run(session, run_id=item.run_id).seq
    assert item.assignee == "ada"
    left: list[str] = []
    with serve(redis_app) as url, LiveClient(url, token=token) as client:
        client.sio.on("room.left", lambda message: left.append(message["room"]))
        client.follow(item.run_id).wait_for_seq(started)
        done = subprocess.run(
            [sys.executable, "-c", MOVER, str(engine.url), str(REDIS_URL), item.key],
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        for _ in range(100):  # the announcement crosses Redis in milliseconds
            if left:
                break
            threading.Event().wait(0.05)
    assert left == [f"run:{item.run_id}"]
