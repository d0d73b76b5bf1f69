"""The live stream against the real server: the Flask-SocketIO app served on a socket,
python-socketio's client, and the executor publishing after commit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from live_support import api_token, install, serve
from sqlalchemy import text
from sqlalchemy.engine import Engine

from designer.extensions import state
from designer.live import app_publisher, set_room_authorizer
from designer.live.follow import LiveClient
from runtime import services
from runtime.db import session_scope
from runtime.executor import Worker

pytestmark = pytest.mark.timeout(60)


@dataclass
class Live:
    app: Flask
    engine: Engine
    url: str
    worker: Worker
    published: list[tuple[str, dict[str, Any]]]
    drop_next: bool = False

    def new_case(self, subject: str = "Printer on fire", **fields: Any) -> tuple[str, str]:
        """Create a case (which starts a review-loop run); (case id, run id)."""
        with session_scope(self.engine) as session:
            case = services.create_case(session, fields={"subject": subject, **fields})
            run = services.list_runs(session, case_id=case.id).items[0]
            return case.id, run.id

    def update(self, case_id: str, **changes: Any) -> None:
        with session_scope(self.engine) as session:
            services.update_case(session, case_id=case_id, changes=changes, actor="tester")

    def complete(self, run_id: str, verdict: str) -> None:
        with session_scope(self.engine) as session:
            item = services.list_work_items(session, run_id=run_id)[0]
            services.complete_work_item(
                session, key=item.key, data={"verdict": verdict}, actor="ann"
            )

    def seq(self, run_id: str) -> int:
        with session_scope(self.engine) as session:
            return services.get_run(session, run_id=run_id).seq

    def publish_now(self) -> None:
        """Perform the outbox (publish after commit), as the executor does."""
        self.worker.drain()


@pytest.fixture
def live(app: Flask) -> Iterator[Live]:
    engine = state(app).engine
    install(engine)
    published: list[tuple[str, dict[str, Any]]] = []
    publisher = app_publisher(app)

    def recording(topic: str, data: dict[str, Any]) -> None:
        if fixture.drop_next:
            fixture.drop_next = False
            return
        published.append((topic, data))
        publisher(topic, data)

    # The executor publishes each transaction's events right after its commit.
    worker = Worker(state(app).settings, engine, publisher=recording)
    with serve(app) as url:
        fixture = Live(app, engine, url, worker, published)
        yield fixture


@pytest.fixture
def client(live: Live) -> Iterator[LiveClient]:
    with LiveClient(live.url, token=api_token(live.engine)) as connected:
        yield connected


def seqs(events: list[dict[str, Any]]) -> list[int]:
    return [event["seq"] for event in events]


def test_subscribe_catches_up_then_streams_live_in_order(live: Live, client: LiveClient) -> None:
    case_id, run_id = live.new_case()
    live.publish_now()
    before = live.seq(run_id)
    follower = client.follow(run_id)
    follower.wait_for_seq(before)
    assert seqs(follower.events) == list(range(1, before + 1))
    assert follower.events[0]["kind"] == "run.started"

    for n in range(5):
        live.update(case_id, note=f"call {n}")
    live.publish_now()
    after = live.seq(run_id)
    follower.wait_for_seq(after)
    assert seqs(follower.events) == list(range(1, after + 1))
    assert [e["kind"] for e in follower.events[before:]] == ["case.updated"] * 5
    assert follower.events[-1]["data"]["changed"] == ["note"]


def test_subscribe_from_a_sequence_number_gets_only_what_follows(
    live: Live, client: LiveClient
) -> None:
    case_id, run_id = live.new_case()
    live.update(case_id, note="one")
    live.update(case_id, note="two")
    live.publish_now()
    last = live.seq(run_id)
    answer = client.sio.call("subscribe", {"run": run_id, "after_seq": last - 2}, timeout=10)
    assert seqs(answer["events"]) == [last - 1, last]
    assert answer["last_seq"] == last
    assert answer["more"] is False
    assert answer["status"] == "running" and answer["node_id"] == "review"

    follower = client.follow(run_id, after_seq=last)
    live.update(case_id, note="three")
    live.publish_now()
    follower.wait_for_seq(last + 1)
    assert seqs(follower.events) == [last + 1]


def test_reconnect_resumes_from_the_last_seq_with_no_gap_and_no_duplicate(
    live: Live, client: LiveClient
) -> None:
    case_id, run_id = live.new_case()
    follower = client.follow(run_id)
    live.update(case_id, note="before the drop")
    live.publish_now()
    follower.wait_for_seq(live.seq(run_id))
    seen_before_drop = len(follower.events)

    client.close()
    # Events published while the client is away reach nobody: it must catch up from the log.
    for n in range(3):
        live.update(case_id, note=f"while away {n}")
    live.publish_now()
    missed = live.seq(run_id)
    assert len(follower.events) == seen_before_drop

    client.connect()
    follower.wait_for_seq(missed)
    live.complete(run_id, "rework")  # a loop back to Review, published live
    live.publish_now()
    final = live.seq(run_id)
    follower.wait_for_seq(final)
    assert seqs(follower.events) == list(range(1, final + 1))
    entered = [e["node_id"] for e in follower.events if e["kind"] == "node.entered"]
    assert entered == ["start", "review", "approved", "review"]


def test_a_lost_publish_is_filled_from_the_log(live: Live, client: LiveClient) -> None:
    case_id, run_id = live.new_case()
    follower = client.follow(run_id)
    live.publish_now()
    follower.wait_for_seq(live.seq(run_id))
    # Two updates commit; the first one's message is lost on the way (a crashed emitter).
    live.drop_next = True
    live.update(case_id, note="lost")
    live.update(case_id, note="delivered")
    live.publish_now()
    final = live.seq(run_id)
    follower.wait_for_seq(final)
    assert seqs(follower.events) == list(range(1, final + 1))
    assert [e["data"].get("changed") for e in follower.events[-2:]] == [["note"], ["note"]]


def test_a_rolled_back_transition_never_reaches_the_stream(live: Live, client: LiveClient) -> None:
    case_id, run_id = live.new_case()
    follower = client.follow(run_id)
    live.publish_now()
    follower.wait_for_seq(live.seq(run_id))
    committed = live.seq(run_id)
    with pytest.raises(RuntimeError), session_scope(live.engine) as session:
        services.update_case(session, case_id=case_id, changes={"note": "ghost"}, actor="t")
        raise RuntimeError("the request failed after the transition")
    live.update(case_id, note="real")
    live.publish_now()
    follower.wait_for_seq(committed + 1)
    notes = [e for e in follower.events if e["kind"] == "case.updated"]
    assert len(notes) == 1 and live.seq(run_id) == committed + 1
    streamed = [d for _, d in live.published if d["run_id"] == run_id]
    assert all(e["seq"] <= committed + 1 for d in streamed for e in d["events"]), (
        "only committed events are published"
    )


def test_workflow_and_agent_rooms_get_change_summaries(live: Live, client: LiveClient) -> None:
    assert client.watch(workflow="review-loop") == {"room": "workflow:review-loop"}
    _case_id, run_id = live.new_case()
    live.publish_now()
    change = client.wait_for_change(lambda c: c["run_id"] == run_id)
    assert change["workflow_id"] == "review-loop"
    assert change["node_id"] == "review"
    assert "run.started" in change["kinds"]

    assert client.watch(agent="bo") == {"room": "agent:bo"}
    with session_scope(live.engine) as session:
        item = services.list_work_items(session, run_id=run_id)[0]
        services.reassign_work_item(session, key=item.key, assignee="bo", actor="lead")
    # A reassignment is a log note without a publish; the next update carries the run on.
    assert (
        client.sio.call("fetch", {"run": run_id, "after_seq": 0}, timeout=10)["events"][-1]["kind"]
        == "work_item.reassigned"
    )


@pytest.mark.parametrize(
    ("event", "message", "code"),
    [
        ("subscribe", {"run": "nope"}, "not_found"),
        ("subscribe", {"after_seq": 3}, "invalid_message"),
        ("subscribe", {"run": "x", "after_seq": -1}, "invalid_message"),
        ("subscribe", "run-1", "invalid_message"),
        ("fetch", {"run": "x", "extra": 1}, "invalid_message"),
        ("watch", {}, "invalid_message"),
        ("watch", {"workflow": "a", "agent": "b"}, "invalid_message"),
        ("unsubscribe", {}, "invalid_message"),
    ],
)
def test_bad_messages_are_answered_with_an_error(
    client: LiveClient, event: str, message: Any, code: str
) -> None:
    answer = client.sio.call(event, message, timeout=10)
    assert answer["error"]["code"] == code
    assert answer["error"]["message"]


def test_room_joins_go_through_the_authorizer(live: Live, client: LiveClient) -> None:
    _case_id, run_id = live.new_case()
    asked: list[tuple[str, str]] = []

    def only_workflows(kind: str, key: str) -> bool:
        asked.append((kind, key))
        return kind == "workflow"

    set_room_authorizer(live.app, only_workflows)
    refused = client.sio.call("subscribe", {"run": run_id}, timeout=10)
    assert refused["error"]["code"] == "forbidden"
    assert client.sio.call("fetch", {"run": run_id}, timeout=10)["error"]["code"] == "forbidden"
    assert client.watch(agent="ann")["error"]["code"] == "forbidden"
    assert client.watch(workflow="review-loop") == {"room": "workflow:review-loop"}
    assert asked == [
        ("run", run_id), ("run", run_id), ("agent", "ann"), ("workflow", "review-loop")
    ]  # fmt: skip
    set_room_authorizer(live.app, None)
    assert "events" in client.sio.call("subscribe", {"run": run_id}, timeout=10)


def test_catch_up_pages_through_a_long_log(
    live: Live, client: LiveClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from designer.live import events

    monkeypatch.setattr(events, "PAGE_SIZE", 4)
    case_id, run_id = live.new_case()
    for n in range(9):
        live.update(case_id, note=str(n))
    live.publish_now()
    final = live.seq(run_id)
    follower = client.follow(run_id)
    follower.wait_for_seq(final)
    assert seqs(follower.events) == list(range(1, final + 1))


def test_following_a_run_does_not_wait_for_a_long_write(live: Live, client: LiveClient) -> None:
    case_id, run_id = live.new_case()
    live.update(case_id, note="before")
    live.publish_now()
    last = live.seq(run_id)
    # Another writer holds SQLite's write lock (an import, a bulk retry) for a while:
    # a case page opened meanwhile still gets the run's log at once.
    with live.engine.begin() as writing:
        writing.execute(text("UPDATE cases SET updated_by = updated_by WHERE id = :id"),
                        {"id": case_id})  # fmt: skip
        follower = client.follow(run_id)
        follower.wait_for_seq(last, timeout=5)
    assert seqs(follower.events) == list(range(1, last + 1))
