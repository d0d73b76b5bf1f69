"""Scale-out on Celery: cases per second with one worker process, then two, on PostgreSQL.

Each case runs a workflow of two background steps in sequence, each an HTTP call to a
local server that answers in 50 ms. The relay runs in this process (polling every
``--poll`` s); the workers are ``celery -A runtime.scale.celery_app worker`` nodes with a
prefork pool of ``--concurrency`` processes (one by default: "one worker process").

Figures per worker count: cases/s with all cases fed at once (the backlog drains at
the workers' pace), then commit-to-action-start (the outbox row's commit time to the
HTTP server receiving the call) with cases fed at about half the measured rate. The
ratio of two workers' throughput to one's is the scale-out figure (target >= 1.7).

Needs PostgreSQL and Redis: ``tests/services/with-services.sh .venv/bin/python
benchmarks/scale.py`` (or ``--database-url`` / ``--broker-url``). Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
from celery import Celery  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402
from sqlmodel import col, func, select  # noqa: E402

from runtime import services  # noqa: E402
from runtime.db import make_engine, session_scope  # noqa: E402
from runtime.scale.celery_app import QUEUE, configure  # noqa: E402
from runtime.scale.relay import Relay  # noqa: E402
from runtime.store import migrate  # noqa: E402
from runtime.store.tables import OutboxRow, RunRow  # noqa: E402
from runtime.store.workflow_tables import WorkflowRow, WorkflowVersionRow  # noqa: E402

ANSWER_S = 0.05
_TICK = os.sysconf("SC_CLK_TCK")


def _stat(path: str) -> list[str]:
    try:
        with open(path) as f:
            return f.read().rpartition(")")[2].split()
    except OSError:
        return []


def _cpu(pid: int, *, reaped: bool = True) -> float:
    """CPU seconds of ``pid`` (and of its children already reaped, if ``reaped``)."""
    fields = _stat(f"/proc/{pid}/stat")
    if not fields:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if reaped:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / _TICK


def _tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid``, its reaped children and its live children."""
    total = _cpu(pid)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(f"/proc/{entry}/stat")
            if fields and int(fields[1]) == pid:
                total += _cpu(int(entry), reaped=False)
    return total


def _thread_cpu(tid: int) -> float:
    fields = _stat(f"/proc/self/task/{tid}/stat")
    return (int(fields[11]) + int(fields[12])) / _TICK if fields else 0.0


def _postmaster(engine: Engine) -> int | None:
    """The PostgreSQL server's pid, if it runs on this machine and its files are readable."""
    try:
        with engine.connect() as conn:
            folder = conn.execute(text("SHOW data_directory")).scalar()
        return int(Path(str(folder), "postmaster.pid").read_text().split()[0])
    except Exception:
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    started: dict[str, datetime]  #: Idempotency-Key -> when its first call arrived


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.server.started.setdefault(str(self.headers["Idempotency-Key"]), datetime.now(UTC))
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        time.sleep(ANSWER_S)
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _workflow(url: str) -> dict[str, Any]:
    def step(step_id: str, **kw: Any) -> dict[str, Any]:
        inputs = {"method": {"value": "POST"}, "url": {"value": url}}
        return {"id": step_id, "kind": "background", "action": "http_request",
                "inputs": inputs, **kw}  # fmt: skip

    return {
        "id": "calls", "name": "Two calls", "trigger": {"kind": "record", "on": "create"},
        "nodes": [
            {"id": "start", "kind": "start"},
            {"id": "work", "kind": "stage", "steps": [step("a"), step("b", after=["a"])]},
            {"id": "end", "kind": "end"},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "work"},
            {"id": "e2", "source": "work", "target": "end"},
        ],
    }  # fmt: skip


def _install(engine: Engine, definition: dict[str, Any]) -> None:
    from graphs.model import Workflow

    data = Workflow.model_validate(definition).model_dump(mode="json")
    now = datetime.now(UTC)
    with session_scope(engine) as s:
        s.add(WorkflowRow(id="calls", name="Two calls", draft=data, created_at=now,
                          updated_at=now, revision=1, active_version=1))  # fmt: skip
        s.flush()
        s.add(WorkflowVersionRow(workflow_id="calls", version=1, definition=data,
                                 published_at=now))  # fmt: skip


@contextmanager
def _database(base_url: str) -> Iterator[str]:
    base = make_url(base_url)
    name = f"baton_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _start_workers(n: int, concurrency: int, db: str, broker: str) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BATON_DATABASE_URL": db,
           "BATON_BROKER_URL": broker, "BATON_DEMO_SERVICES": "false"}  # fmt: skip
    env.pop("DATABASE_URL", None)
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "runtime.scale.celery_app",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                str(concurrency),
                "-Q",
                QUEUE,
                "--hostname",
                f"bench{k}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for k in range(n)
    ]


def _stop(nodes: list[subprocess.Popen[bytes]]) -> None:
    for node in nodes:
        node.terminate()
    for node in nodes:
        try:
            node.wait(15)
        except subprocess.TimeoutExpired:
            node.kill()
            node.wait()


def _finished(engine: Engine, prefix: str) -> int:
    with session_scope(engine, read_only=True) as s:
        return int(
            s.exec(
                select(func.count())
                .select_from(RunRow)
                .where(col(RunRow.case_id).startswith(prefix), col(RunRow.status) == "completed")
            ).one()
        )


def _wait(engine: Engine, prefix: str, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while _finished(engine, prefix) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {_finished(engine, prefix)} of {count} {prefix} runs finished")
        time.sleep(0.05)


def _create(engine: Engine, case_id: str) -> None:
    with session_scope(engine) as s:
        services.create_case(s, fields={}, actor="bench", case_id=case_id)


def _start_latencies(engine: Engine, server: _Server, prefix: str) -> list[float]:
    with session_scope(engine, read_only=True) as s:
        rows = s.exec(
            select(OutboxRow.idempotency_key, OutboxRow.created_at)
            .join(RunRow, col(RunRow.id) == col(OutboxRow.run_id))
            .where(col(OutboxRow.kind) == "run_step", col(RunRow.case_id).startswith(prefix))
        ).all()
    out = []
    for key, created in rows:
        began = server.started.get(key)
        if began is not None:
            committed = created if created.tzinfo else created.replace(tzinfo=UTC)
            out.append((began - committed).total_seconds() * 1000)
    return out


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class _Cpu:
    """CPU seconds used so far by the database server, the worker nodes, the relay thread."""

    def __init__(self, postmaster: int | None, nodes: list[int], relay_tid: int) -> None:
        self.postmaster, self.nodes, self.relay_tid = postmaster, nodes, relay_tid

    def read(self) -> dict[str, float]:
        relay = _thread_cpu(self.relay_tid)
        return {
            "database": _tree_cpu(self.postmaster) if self.postmaster else float("nan"),
            "workers": sum(_tree_cpu(pid) for pid in self.nodes),
            "relay": relay,
            "feeder": time.process_time() - relay,
        }


def _measure(
    engine: Engine, server: _Server, workers: int, cases: int, tag: str, cpu: _Cpu
) -> dict[str, float]:
    _create(engine, f"{tag}-warm")
    _wait(engine, f"{tag}-warm", 1, 60)
    began = time.perf_counter()
    cpu_before = cpu.read()
    for k in range(cases):
        _create(engine, f"{tag}-t{k:05d}")
    _wait(engine, f"{tag}-t", cases, 600)
    elapsed = time.perf_counter() - began
    rate = cases / elapsed
    used = {k: (v - cpu_before[k]) * 1000 / cases for k, v in cpu.read().items()}
    # Latency at about half the measured rate: no backlog, the relay's poll and Celery.
    gap = 2.0 / rate
    light = max(20, cases // 2)
    for k in range(light):
        _create(engine, f"{tag}-l{k:05d}")
        time.sleep(gap)
    _wait(engine, f"{tag}-l", light, 600)
    latencies = _start_latencies(engine, server, f"{tag}-l")
    figures = {
        "workers": workers, "cases": cases, "cases_per_s": round(rate, 2),
        "start_p50_ms": round(_pct(latencies, 0.5), 1),
        "start_p99_ms": round(_pct(latencies, 0.99), 1),
        **{f"cpu_ms_per_case_{k}": round(v, 2) for k, v in used.items()},
    }  # fmt: skip
    print(
        f"{workers} worker process(es): {rate:.2f} cases/s ({cases} cases, 2 x 50 ms calls each);"
        f" commit-to-action-start at ~half load p50 {figures['start_p50_ms']} ms,"
        f" p99 {figures['start_p99_ms']} ms ({len(latencies)} steps)",
        flush=True,
    )
    print(
        "  CPU per case (ms): "
        + ", ".join(f"{k} {v:.1f}" for k, v in used.items())
        + f"; the machine's load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=60, help="cases per worker process")
    parser.add_argument("--concurrency", type=int, default=1, help="pool processes per node")
    parser.add_argument("--poll", type=float, default=0.05, help="relay poll interval, s")
    parser.add_argument("--database-url", default=os.environ.get("BATON_TEST_POSTGRES_URL"))
    parser.add_argument("--broker-url", default=os.environ.get("BATON_TEST_REDIS_URL"))
    args = parser.parse_args()
    if not args.database_url or not args.broker_url:
        raise SystemExit("needs PostgreSQL and Redis: run under tests/services/with-services.sh")

    server = _Server(("127.0.0.1", 0), _Handler)
    server.started = {}
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/work"
    app = Celery("baton-bench")
    configure(app, args.broker_url)
    redis.Redis.from_url(args.broker_url).flushdb()

    results: dict[int, dict[str, float]] = {}
    with _database(args.database_url) as db:
        engine = make_engine(db)
        migrate(engine)
        _install(engine, _workflow(url))
        stop = threading.Event()
        relay = Relay(
            engine, poll_seconds=args.poll, lease_margin_seconds=30.0,
            send=lambda name, task_args: app.send_task(name, args=task_args, queue=QUEUE),
        )  # fmt: skip
        relay_tid: list[int] = []

        def run_relay() -> None:
            relay_tid.append(threading.get_native_id())
            relay.run(stop)

        runner = threading.Thread(target=run_relay, daemon=True)
        runner.start()
        postmaster = _postmaster(engine)
        try:
            for n in (1, 2):
                nodes = _start_workers(n, args.concurrency, db, args.broker_url)
                try:
                    cpu = _Cpu(postmaster, [node.pid for node in nodes], relay_tid[0])
                    results[n] = _measure(engine, server, n, args.cases * n, f"w{n}", cpu)
                finally:
                    _stop(nodes)
        finally:
            stop.set()
            runner.join(10)
            engine.dispose()
            app.close()
            server.shutdown()
    ratio = results[2]["cases_per_s"] / results[1]["cases_per_s"]
    print(f"ratio two workers / one: {ratio:.2f} (target >= 1.7); {os.cpu_count()} cores")
    print(
        json.dumps(
            {
                "cases_per_s_1": results[1]["cases_per_s"],
                "cases_per_s_2": results[2]["cases_per_s"],
                "ratio_2_over_1": round(ratio, 2),
                "start_p50_ms": results[2]["start_p50_ms"],
                "start_p99_ms": results[2]["start_p99_ms"],
                "start_p50_ms_1": results[1]["start_p50_ms"],
                "start_p99_ms_1": results[1]["start_p99_ms"],
                **{k: v for k, v in results[2].items() if k.startswith("cpu_ms")},
                "concurrency": args.concurrency,
                "relay_poll_s": args.poll,
                "cores": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
