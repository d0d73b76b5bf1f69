"""Benchmark: the cases list while three 50,000-node workflows are being validated.

Serves the real app (Werkzeug's threaded server, in this process) over a store of N
seeded runs (benchmarks/cases_list.py's seeding) and measures ``GET /api/runs`` (the
cases list's first page) from one client, one request after another:

- ``idle``: nothing else going on;
- ``others``: while a viewer, an agent and a supervisor each keep posting a
  50,000-node workflow to ``POST /api/validate`` (the issue's attack);
- ``designers``: while three admins each keep posting it (designers may send it).

Each validating client posts, waits for the answer, pauses 0.2 s, and posts again, for
the whole window. Reported per phase: the cases list's p50/p99 (ms) and the
validations answered, by status, with their median time.

Usage::

    .venv/bin/python benchmarks/validate_load.py                  # 20,000 runs, 20 s
    .venv/bin/python benchmarks/validate_load.py --runs 5000 --window 10 --nodes 50000

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import requests  # noqa: E402
from cases_list import WORKFLOW, seed  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from designer.app import create_app  # noqa: E402
from designer.extensions import state  # noqa: E402
from graphs.examples import load_example  # noqa: E402
from runtime.accounts import service as accounts  # noqa: E402
from runtime.db import session_scope  # noqa: E402
from runtime.services.workflows import install_examples  # noqa: E402
from runtime.settings import Settings  # noqa: E402


def big_workflow(nodes: int) -> dict[str, Any]:
    """A valid chain: start, ``nodes - 2`` stages of one background step each, an end."""
    stages = [
        {
            "id": f"s{n}", "kind": "stage", "name": f"Stage {n}",
            "steps": [{"id": f"t{n}", "kind": "background", "action": "set_fields",
                       "inputs": {"done": {"type": "boolean", "value": True}}}],
        }
        for n in range(nodes - 2)
    ]  # fmt: skip
    ids = ["start", *(stage["id"] for stage in stages), "end"]
    return {
        "id": "huge",
        "name": "Huge",
        "nodes": [{"id": "start", "kind": "start"}, *stages, {"id": "end", "kind": "end"}],
        "edges": [
            {"id": f"e{n}", "source": a, "target": b}
            for n, (a, b) in enumerate(itertools.pairwise(ids))
        ],
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Validator(threading.Thread):
    """Posts the document again and again until stopped; records status and seconds."""

    def __init__(self, url: str, token: str, body: bytes, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.url, self.token, self.body, self.stop = url, token, body, stop
        self.answers: list[tuple[int, float]] = []

    def run(self) -> None:
        session = requests.Session()
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        while not self.stop.is_set():
            began = time.perf_counter()
            try:
                status = session.post(
                    self.url + "/api/validate", data=self.body, headers=headers, timeout=300
                ).status_code
            except requests.RequestException:
                status = 0  # the server closed the connection on a refused body
                session = requests.Session()
            self.answers.append((status, time.perf_counter() - began))
            self.stop.wait(0.2)


def measure(url: str, token: str, window: float) -> list[float]:
    """Cases-list latencies (ms), one request after another, for ``window`` seconds."""
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}
    took: list[float] = []
    end = time.monotonic() + window
    while time.monotonic() < end:
        began = time.perf_counter()
        response = session.get(url + "/api/runs?limit=50", headers=headers, timeout=60)
        took.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.text
    return took


def phase(
    name: str, url: str, reader: str, validators: list[str], body: bytes, window: float
) -> dict[str, Any]:
    stop = threading.Event()
    threads = [Validator(url, token, body, stop) for token in validators]
    for thread in threads:
        thread.start()
    took = measure(url, reader, window)
    stop.set()
    for thread in threads:
        thread.join(300)
    answers = [answer for thread in threads for answer in thread.answers]
    statuses = Counter(status for status, _ in answers)
    figures = {
        f"{name}_list_p50_ms": round(percentile(took, 50), 1),
        f"{name}_list_p99_ms": round(percentile(took, 99), 1),
        f"{name}_list_requests": len(took),
    }
    if answers:
        figures[f"{name}_validations"] = dict(sorted((str(k), v) for k, v in statuses.items()))
        figures[f"{name}_validation_median_s"] = round(
            statistics.median(seconds for _, seconds in answers), 2
        )
    print(
        f"{name:<10} list p50 {figures[f'{name}_list_p50_ms']:8.1f} ms  "
        f"p99 {figures[f'{name}_list_p99_ms']:8.1f} ms  ({len(took)} requests)  "
        f"validations {dict(statuses)}",
        flush=True,
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--nodes", type=int, default=50_000)
    parser.add_argument("--window", type=float, default=20.0)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None, instance_path=Path(folder), database_url=f"sqlite:///{folder}/b.db",
            load_examples=False,
        )  # type: ignore[call-arg]  # fmt: skip
        app = create_app(settings, BATON_SPA_DIR=folder)
        engine = state(app).engine
        with session_scope(engine) as session:
            install_examples(session=session, workflows=[load_example(WORKFLOW)])
        seed(engine, args.runs, datetime.now(UTC))
        tokens: dict[str, str] = {}
        with session_scope(engine) as session:
            for name, role in [
                ("reader", "viewer"), ("viewer", "viewer"), ("agent", "agent"),
                ("supervisor", "supervisor"), ("admin1", "admin"), ("admin2", "admin"),
                ("admin3", "admin"),
            ]:  # fmt: skip
                accounts.create_account(session, username=name, role=role, actor="bench")
                tokens[name] = accounts.create_token(
                    session, username=name, name="bench", actor="bench"
                ).token
        body = json.dumps({"workflow": big_workflow(args.nodes)}).encode()
        print(f"{args.runs:,} runs; document of {args.nodes:,} nodes, {len(body):,} bytes")

        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.port}"
        measure(url, tokens["reader"], 1.0)  # warm up
        figures: dict[str, Any] = {
            "runs": args.runs, "nodes": args.nodes, "document_bytes": len(body),
            "window_s": args.window,
        }  # fmt: skip
        figures.update(phase("idle", url, tokens["reader"], [], body, args.window))
        others = [tokens["viewer"], tokens["agent"], tokens["supervisor"]]
        figures.update(phase("others", url, tokens["reader"], others, body, args.window))
        designers = [tokens["admin1"], tokens["admin2"], tokens["admin3"]]
        figures.update(phase("designers", url, tokens["reader"], designers, body, args.window))
        server.shutdown()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
