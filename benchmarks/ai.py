"""AI steps: the local classifier's training and decision times, and what Baton adds
around a provider call.

Usage::

    .venv/bin/python benchmarks/ai.py             # 10,000 training cases
    .venv/bin/python benchmarks/ai.py --cases 2000 --calls 100   # quicker

1. **Training**: :func:`runtime.ai.local.train` on ``--cases`` generated support cases
   (:mod:`runtime.demo.ai_training`, 3% wrong labels, so ~97% is the ceiling): a fit on
   80% to measure accuracy on the 20% held back, then the kept fit on every case.
2. **Local decision**: :meth:`Classifier.predict` per case (median), and the whole governed
   step with provider ``local`` (:func:`runtime.ai.step.run_ai_step`: case schema, budget
   reservation, prediction, verdict, audit row and ``ai.call`` line; SQLite file).
3. **Provider overhead**: a loopback stand-in of an OpenAI-compatible API answers at once.
   ``raw``: a bare ``requests`` POST of the same body; ``client``: Baton's client and the
   answer checks (:func:`chat_json` + :func:`judge`); ``step``: the whole governed step.
   The overhead is the median difference from ``raw``: what Baton adds to a model's own time.

The last line printed is one JSON object with ``train_10k_s``, ``local_decision_ms``,
``local_accuracy``, ``provider_overhead_ms`` and the other figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from runtime import services  # noqa: E402
from runtime.ai import training  # noqa: E402
from runtime.ai.config import AiSettings  # noqa: E402
from runtime.ai.governance import judge, request_schema  # noqa: E402
from runtime.ai.local import Classifier, train  # noqa: E402
from runtime.ai.provider import chat_json  # noqa: E402
from runtime.ai.step import AiStep, run_ai_step  # noqa: E402
from runtime.db import make_engine, session_scope  # noqa: E402
from runtime.demo.ai_training import support_history  # noqa: E402
from runtime.store import migrate  # noqa: E402
from tests.ai_standin import StandIn, running_standin  # noqa: E402
from tests.runtime.runtime_flows import install_workflow  # noqa: E402

CATEGORIES = ["account_access", "billing", "data", "outage"]
OUTPUTS = {"type": "object", "properties": {"category": {"enum": CATEGORIES}},
           "required": ["category"]}  # fmt: skip
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def _median_ms(fn: Callable[[], Any], n: int) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _store(directory: Path) -> tuple[Any, str]:
    engine = make_engine(f"sqlite:///{directory / 'ai.db'}")
    migrate(engine)
    flow = {
        "id": "bench", "name": "bench",
        "case_schema": [{"name": "subject"}, {"name": "description"},
                        {"name": "category", "type": "picklist", "values": CATEGORIES}],
        "nodes": [{"id": "start", "kind": "start"},
                  {"id": "s", "kind": "stage", "steps": [
                      {"id": "t", "kind": "interactive", "form": []}]},
                  {"id": "end", "kind": "end"}],
        "edges": [{"id": "e1", "source": "start", "target": "s"},
                  {"id": "e2", "source": "s", "target": "end"}],
    }  # fmt: skip
    with session_scope(engine) as s:
        install_workflow(s, flow)
        case = services.create_case(s, fields={"subject": "x"}, actor="bench", now=NOW)
        run = services.start_run(s, workflow_id="bench", case_id=case.id, actor="b", now=NOW)
    return engine, run.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()

    texts, labels = support_history(args.cases, seed=7)
    started = time.perf_counter()
    trained = train(texts, labels)
    train_s = time.perf_counter() - started
    print(
        f"training on {args.cases:,} cases: {train_s:.2f} s (held-back accuracy "
        f"{trained.accuracy:.1%} on {trained.held_out:,}; model {len(trained.blob):,} bytes)"
    )

    classifier = Classifier.load(trained.blob)
    probes, _ = support_history(args.calls, seed=99)
    cursor = iter(probes * 3)
    decision_ms = _median_ms(lambda: classifier.predict(next(cursor)), args.calls)
    print(f"local decision: {decision_ms:.3f} ms a case (median of {args.calls})")

    with tempfile.TemporaryDirectory() as tmp:
        engine, run_id = _store(Path(tmp))
        with session_scope(engine) as s:
            training.save_model(
                s, workflow_id="bench", field="category",
                text_fields=["subject", "description"], trained=trained,
            )  # fmt: skip
        attempt = iter(range(1, 10**6))
        settings = AiSettings()

        def step(provider: str, ai: AiSettings) -> None:
            governed = AiStep(task="classify", fields=["subject", "description"],
                              outputs=OUTPUTS, confidence_threshold=0.5, provider=provider,  # type: ignore[arg-type]
                              model=None, label_field=None, instructions="",
                              sensitive_prompt=False)  # fmt: skip
            n = next(attempt)
            run_ai_step(engine, ai, governed, run_id=run_id, step_id="t", attempt=n,
                        case={"subject": probes[n % len(probes)], "description": ""},
                        now=NOW, idempotency_key=f"{run_id}:t:{n}")  # fmt: skip

        local_step_ms = _median_ms(lambda: step("local", settings), args.calls)
        print(f"local governed step (budget, prediction, verdict, audit): {local_step_ms:.2f} ms")

        with running_standin(StandIn(answer={"category": "billing", "confidence": 0.9})) as standin:
            remote = AiSettings(base_url=standin.base_url, api_key="sk-bench")
            schema = {"name": "b", "schema": OUTPUTS}
            body: dict[str, Any] = {
                "model": "m",
                "messages": [{"role": "user", "content": "VAT wrong"}],
                "response_format": {"type": "json_schema", "json_schema": schema},
            }
            http = requests.Session()
            url = standin.base_url + "/chat/completions"
            for _ in range(20):  # warm the server's threads and the connection pool
                http.post(url, json=body, timeout=5).json()
            raw_ms = _median_ms(lambda: http.post(url, json=body, timeout=5).json(), args.calls)

            def client() -> None:
                answer = chat_json(remote, model="m", messages=body["messages"],
                                   schema=request_schema(OUTPUTS), idempotency_key="k",
                                   session=http)  # fmt: skip
                judge(answer.content, OUTPUTS, threshold=0.5)

            client_ms = _median_ms(client, args.calls)
            step_ms = _median_ms(lambda: step("openai", remote), args.calls)
    overhead = client_ms - raw_ms
    print(
        f"provider call: raw {raw_ms:.2f} ms, Baton's client + checks {client_ms:.2f} ms "
        f"(+{overhead:.2f}), governed step {step_ms:.2f} ms (+{step_ms - raw_ms:.2f})"
    )
    print(json.dumps({
        "cases": args.cases,
        "train_10k_s": round(train_s, 3),
        "local_accuracy": trained.accuracy,
        "local_decision_ms": round(decision_ms, 3),
        "local_step_ms": round(local_step_ms, 2),
        "provider_raw_ms": round(raw_ms, 3),
        "provider_overhead_ms": round(overhead, 3),
        "provider_step_overhead_ms": round(step_ms - raw_ms, 2),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
