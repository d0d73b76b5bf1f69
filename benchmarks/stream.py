"""Benchmark: the live stream, commit to client, with 20 connected clients.

Starts the real app (``baton run`` on a fresh SQLite file, its in-process executor
publishing after commit), installs a small workflow (a review stage whose work item
can be sent back for rework, looping) and opens ``--runs`` cases. Then:

1. ``--clients`` python-socketio clients each follow every one of those runs;
2. driver threads drive the runs through the REST API for ``--seconds``, paced so that
   ``--rate`` log events per second commit. ``--workload runs`` (the default) does what
   people and integrations do: each run's turns alternate between its reviewer
   completing the open work item (sent back, so the run loops and gets a new one: six
   events in one commit) and an integration changing a case field (``PATCH``, one
   ``case.updated`` event). ``--workload changes`` only changes fields: one event per
   request, the harder case for the same events per second;
3. every client records, for every event it receives, the time from its publication
   (right after the commit) to its arrival, and from the event's ``at`` (the time the
   transition was computed, before it waited for SQLite's write lock and committed);
4. a run with 10,000 log events is caught up from seq 0 by a fresh client.

Every request commits its events in one transaction, so ``events_per_commit`` is the
log events per request (measured on one turn of each kind of every run before the
clock starts, and over the whole drive).

The job is to measure Baton, not the load generator: the clients run in
``--client-processes`` processes of their own and the driver in this one, so that
Python's one lock per process (the GIL) among 20 clients and 20 driver threads does not
add to the latency measured. The driver uses an API token, as an integration would (20
sign-ins would hash a password each while the clock runs), one kept HTTP/1.1
connection per thread, and ``Prefer: return=minimal`` on its changes (it has no use for
the case it changed). What the server spends is reported apart
(``server_cpu_ms_per_event`` and ``_per_request``: the server processes' CPU time while
driving), and so is the load generator's, from the start of the drive until every
client has every event (``driver_cpu_ms_per_event``, ``clients_cpu_ms_per_event``).

Usage::

    (cd frontend && npm run build)      # baton run serves the canvas
    .venv/bin/python benchmarks/stream.py
    .venv/bin/python benchmarks/stream.py --workload changes
    .venv/bin/python benchmarks/stream.py --rate 250 --seconds 5 --clients 5

The last line printed is one JSON object: ``workload``, ``events_per_s`` (committed and
delivered), ``requests_per_s``, ``events_per_commit``,
``latency_p50_ms``/``latency_p99_ms`` (commit to client, over every delivery),
``event_to_client_p50_ms``/``_p99_ms`` (the transition's time to client),
``deliveries``, ``lost`` (events some client never got: must be 0), the CPU figures
above and ``catchup_10k_s``.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.client import HTTPConnection
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
sys.path.insert(0, str(ROOT / "tests" / "designer"))

from live_server import ApiSession, live_server, server_pid  # noqa: E402
from live_support import review_loop  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from designer.live.follow import LiveClient  # noqa: E402
from runtime.db import make_engine  # noqa: E402
from runtime.store.tables import RunEventRow, RunRow  # noqa: E402

WORKFLOW = "stream-bench"


def _parse(at: str) -> float:
    return datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()


def setup(http: ApiSession, runs: int) -> tuple[list[str], list[str], str]:
    document = review_loop(WORKFLOW)
    document["trigger"] = {"kind": "manual"}
    # The runs workload sends every review back, so each run loops a few hundred times.
    document["max_visits_per_node"] = 10_000
    status, body = http.call("POST", "/api/workflows", {"workflow": document})
    assert status == 201, body
    status, body = http.call(
        "POST", f"/api/workflows/{WORKFLOW}/publish", {"revision": 1, "activate": True}
    )
    assert status in (200, 201), body
    case_ids, run_ids = [], []
    for n in range(runs):
        status, body = http.call(
            "POST", "/api/cases", {"fields": {"subject": f"Stream {n}"}, "workflow_id": WORKFLOW}
        )
        assert status == 201, body
        case_ids.append(body["case"]["id"])
        run_ids.append(next(r["id"] for r in body["runs"] if r["workflow_id"] == WORKFLOW))
    status, body = http.call("POST", "/api/tokens", {"username": "admin", "name": "stream bench"})
    assert status == 201, body
    return case_ids, run_ids, body["token"]


class Workload:
    """What the driver does to each run, one request at a time, and what it expects.

    ``changes``: an integration changes a field of the run's case (``PATCH``, one
    ``case.updated`` event per request). ``runs``: as people and integrations move runs
    along: each run's turns alternate between its reviewer completing the open work item
    (sent back for rework, so the run loops and gets a new one: six log events in one
    commit) and an integration changing a field (one event).
    """

    def __init__(self, name: str, case_ids: list[str], run_ids: list[str]) -> None:
        self.name = name
        self.case_ids = case_ids
        self.run_ids = run_ids
        # Each run's next work item attempt, and how many turns it has had.
        self.attempts = [1] * len(run_ids)
        self.turns = [0] * len(run_ids)

    def request(self, run: int) -> tuple[str, str, dict[str, Any]]:
        """The next request for run number ``run``: method, path and body."""
        turn = self.turns[run]
        self.turns[run] += 1
        if self.name == "runs" and turn % 2 == 0:
            key = f"{self.run_ids[run]}:check:{self.attempts[run]}"
            self.attempts[run] += 1
            return "POST", f"/api/work-items/{key}/complete", {"data": {"verdict": "rework"}}
        note = {"note": f"{run}.{turn}"}
        return "PATCH", f"/api/cases/{self.case_ids[run]}", {"changes": note}


class _Integration:
    """One kept HTTP/1.1 connection to the API, with a token, as an integration holds it.

    ``http.client`` rather than ``requests``: the driver shares the machine with the
    server, and ``requests`` spent about three times as much CPU per call.
    """

    def __init__(self, base: str, token: str) -> None:
        address = urlsplit(base)
        self._connection = HTTPConnection(
            address.hostname or "127.0.0.1", address.port, timeout=30
        )
        self._headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            # An integration that only writes has no use for the case it changed.
            "Prefer": "return=minimal",
        }
        # Open the connection (and check the token) before the clock starts.
        status, body = self.call("GET", "/api/health")
        assert status == 200, body

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        """Send one request; its status and body. Reconnects if the server closed."""
        data = None if body is None else json.dumps(body).encode()
        self._connection.request(method, path, body=data, headers=self._headers)
        response = self._connection.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self._connection.close()


def drive(
    base: str, token: str, workload: Workload, rate: float, seconds: float, threads: int
) -> tuple[int, float]:
    """Send requests at ``rate`` per second in total; how many succeeded, and in how long.

    The time runs from the first request's due time to the last answer (not from the
    connections' opening before it).

    Thread ``i`` drives runs ``i``, ``i + threads``, ... in turn, so that one run's
    requests never overtake each other (a work item is completed before the next one of
    its run is asked for).
    """
    done = [0] * threads
    sessions = [_Integration(base, token) for _ in range(threads)]
    start = time.perf_counter() + 0.2

    def worker(index: int) -> None:
        http = sessions[index]
        mine = list(range(index, len(workload.run_ids), threads))
        interval = threads / rate
        n = 0
        while mine:
            due = start + index / rate + n * interval
            if due - start >= seconds:
                return
            pause = due - time.perf_counter()
            if pause > 0:
                # Pacing a load generator: the wait is the point.
                time.sleep(pause)
            method, path, body = workload.request(mine[n % len(mine)])
            status, answer = http.call(method, path, body)
            if status < 300:
                done[index] += 1
            else:
                print(f"{method} {path}: {status} {answer[:200]!r}")
            n += 1

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - start
    for http in sessions:
        http.close()
    return sum(done), elapsed


def events_per_request(base: str, token: str, workload: Workload, http: ApiSession) -> float:
    """Log events per request of ``workload``: one turn of each kind on every run."""
    before = _seqs(http)
    session = _Integration(base, token)
    requests_sent = 0
    for _ in range(2):
        for run in range(len(workload.run_ids)):
            status, answer = session.call(*workload.request(run))
            assert status < 300, answer
            requests_sent += 1
    session.close()
    after = _seqs(http)
    return (sum(after.values()) - sum(before.values())) / requests_sent


def _seqs(http: ApiSession) -> dict[str, int]:
    _, body = http.call("GET", f"/api/runs?workflow_id={WORKFLOW}&limit=500")
    return {run["id"]: run["seq"] for run in body["items"]}


def clients_process(
    pipe: Connection, base: str, token: str, run_ids: list[str], count: int
) -> None:
    """``count`` clients following every run, in a process of their own.

    Says ``ready`` once every client has caught up, records from ``go`` on, and on the
    final seq of every run waits for them and answers with its figures.
    """
    latencies: list[float] = []
    since_event: list[float] = []
    lock = threading.Lock()

    def record(message: dict[str, Any], arrived: float) -> None:
        with lock:
            for event in message["events"]:
                latencies.append((arrived - message["published_at"]) * 1000)
                since_event.append((arrived - _parse(event["at"])) * 1000)

    clients = []
    for _ in range(count):
        client = LiveClient(base, token=token).connect()
        client.message_hooks.append(record)
        for run_id in run_ids:
            client.follow(run_id)
        clients.append(client)
    for client in clients:
        for follower in client.followers.values():
            follower.wait_for(lambda f: f.last_seq > 0)
    # The load generator's own collector pauses are not Baton's latency: these processes
    # keep every event they got, and a full collection stalls all their clients at once
    # (with it on, the commit-to-client p99 was 200-360 ms; off, about 50). None while
    # measuring.
    gc.collect()
    gc.disable()
    pipe.send("ready")
    pipe.recv()  # go
    with lock:
        latencies.clear()
        since_event.clear()
    at_go = os.times()
    final: dict[str, int] = pipe.recv()
    lost = 0
    for client in clients:
        for run_id, follower in client.followers.items():
            try:
                follower.wait_for_seq(final[run_id], timeout=30)
            except TimeoutError:
                lost += final[run_id] - follower.last_seq
            seqs = [e["seq"] for e in follower.events]
            assert seqs == list(range(1, follower.last_seq + 1)), "gap or duplicate"
    for client in clients:
        client.close()
    times = os.times()
    pipe.send(
        {
            "latencies": latencies,
            "since_event": since_event,
            "lost": lost,
            "cpu_s": times.user + times.system - at_go.user - at_go.system,
        }
    )
    pipe.close()


def _cpu_s(pid: int) -> float:
    """User plus system CPU seconds so far of process ``pid`` and its children (Linux).

    ``baton run`` is gunicorn: an arbiter process and the worker process it forked,
    which serves; both count.
    """
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return own + sum(_cpu_s(int(child)) for child in children)


def seed_long_run(database: Path, run_id: str, events: int) -> int:
    """Append ``events`` log lines to a run straight into the store; its last seq."""
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        run = conn.execute(RunRow.__table__.select().where(RunRow.__table__.c.id == run_id)).one()  # type: ignore[attr-defined]
        first = run.seq + 1
        at = datetime.now(UTC) - timedelta(hours=1)
        rows = [
            {
                "run_id": run_id,
                "seq": first + n,
                "at": at + timedelta(milliseconds=n),
                "actor": "bench",
                "kind": "case.updated",
                "node_id": "review",
                "step_id": None,
                "data": {"changed": ["note"], "reason": "seeded by benchmarks/stream.py"},
            }
            for n in range(events)
        ]
        conn.execute(insert(RunEventRow.__table__), rows)  # type: ignore[attr-defined]
        last = first + events - 1
        conn.execute(
            RunRow.__table__.update().where(RunRow.__table__.c.id == run_id).values(seq=last)  # type: ignore[attr-defined]
        )
    engine.dispose()
    return last


def _percentile(ordered: list[float], share: float) -> float | None:
    return round(ordered[max(int(len(ordered) * share) - 1, 0)], 2) if ordered else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--workload", choices=("runs", "changes"), default="runs",
        help="runs: work items completed and fields changed, in turn; changes: fields only",
    )  # fmt: skip
    parser.add_argument("--rate", type=float, default=500.0, help="log events per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--client-processes", type=int, default=4)
    parser.add_argument("--runs", type=int, default=20, help="runs followed by every client")
    parser.add_argument("--threads", type=int, default=20, help="driver threads")
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory() as folder,
        live_server(Path(folder), load_examples=False) as base,
    ):
        http = ApiSession(base)
        case_ids, run_ids, token = setup(http, args.runs)
        workload = Workload(args.workload, case_ids, run_ids)
        per_request = events_per_request(base, token, workload, http)
        processes = max(1, min(args.client_processes, args.clients))
        spawn = multiprocessing.get_context("spawn")
        pipes: list[Connection] = []
        children = []
        for n in range(processes):
            count = args.clients // processes + (1 if n < args.clients % processes else 0)
            ours, theirs = spawn.Pipe()
            child = spawn.Process(
                target=clients_process, args=(theirs, base, token, run_ids, count)
            )
            child.start()
            pipes.append(ours)
            children.append(child)
        for pipe in pipes:
            if not pipe.poll(120) or pipe.recv() != "ready":
                raise RuntimeError("a client process did not get ready")
        for pipe in pipes:
            pipe.send("go")

        at_go = _seqs(http)
        pid = server_pid(base)
        server_cpu = _cpu_s(pid)
        own = os.times()
        began = time.perf_counter()
        requests_done, driven_s = drive(
            base, token, workload, args.rate / per_request, args.seconds, args.threads
        )
        server_cpu = _cpu_s(pid) - server_cpu
        final = _seqs(http)
        committed = sum(final.values()) - sum(at_go.values())
        for pipe in pipes:
            pipe.send(final)
        latencies: list[float] = []
        since_event: list[float] = []
        lost = 0
        driver_cpu = sum(os.times()[:2]) - sum(own[:2])
        clients_cpu = 0.0
        for pipe in pipes:
            answer = pipe.recv()
            latencies += answer["latencies"]
            since_event += answer["since_event"]
            lost += answer["lost"]
            clients_cpu += answer["cpu_s"]
        delivered_s = time.perf_counter() - began
        for child in children:
            child.join(timeout=30)

        long_run = run_ids[0]
        last = seed_long_run(Path(folder) / "baton.db", long_run, 10_000)
        with LiveClient(base, token=token) as fresh:
            started = time.perf_counter()
            fresh.follow(long_run).wait_for_seq(last, timeout=60)
            catchup_s = time.perf_counter() - started

    ordered = sorted(latencies)
    event_ordered = sorted(since_event)
    figures = {
        "workload": args.workload,
        "clients": args.clients,
        "runs": args.runs,
        "target_rate": args.rate,
        "events_committed": committed,
        "events_per_s": round(committed / driven_s, 1),
        "requests_per_s": round(requests_done / driven_s, 1),
        "events_per_commit": round(committed / max(requests_done, 1), 2),
        "deliveries": len(ordered),
        "deliveries_per_s": round(len(ordered) / delivered_s, 1),
        "latency_p50_ms": round(statistics.median(ordered), 2) if ordered else None,
        "latency_p99_ms": _percentile(ordered, 0.99),
        "latency_max_ms": round(ordered[-1], 2) if ordered else None,
        "event_to_client_p50_ms": round(statistics.median(event_ordered), 2) if ordered else None,
        "event_to_client_p99_ms": _percentile(event_ordered, 0.99),
        "lost": lost,
        "server_cpu_ms_per_event": round(server_cpu * 1000 / max(committed, 1), 2),
        "server_cpu_ms_per_request": round(server_cpu * 1000 / max(requests_done, 1), 2),
        # From the start of driving until every client has every event.
        "load_cpu_ms_per_event": round(
            (driver_cpu + clients_cpu) * 1000 / max(committed, 1), 2
        ),
        "driver_cpu_ms_per_event": round(driver_cpu * 1000 / max(committed, 1), 2),
        "clients_cpu_ms_per_event": round(clients_cpu * 1000 / max(committed, 1), 2),
        "catchup_10k_s": round(catchup_s, 3),
    }
    print(f"{args.workload}: {committed} events ({requests_done} requests) in "
          f"{driven_s:.1f} s to {args.clients} clients: "
          f"p50 {figures['latency_p50_ms']} ms, p99 {figures['latency_p99_ms']} ms; "
          f"10,000-event catch-up {catchup_s:.2f} s")  # fmt: skip
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
