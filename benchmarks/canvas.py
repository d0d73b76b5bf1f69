"""Benchmark: how fast the canvas opens and drags generated workflows of 100-2,000 nodes.

Starts the real app (``baton run`` on a temporary SQLite database, like the end-to-end
tests), stores ``graphs.generate.generate_workflow(n, seed)`` for each size, and opens
each in Debian's headless Chromium at 1440x900:

- ``first_render_ms``: from navigation start (``/workflows/<id>`` typed into the address
  bar) until the nodes are measured and visible: page load, API fetch, conversion,
  layout of the fitted view and paint;
- ``drag_frame_ms_p95``: the 95th percentile of frame-to-frame intervals (from
  ``requestAnimationFrame``) while a node is dragged across the fitted view in 60 mouse
  moves. 16.7 ms is a perfectly smooth 60 Hz frame;
- ``api_get_ms``: of the first render, the time spent waiting for
  ``GET /api/workflows/<id>`` (the server validates the draft to return its problems);
- ``nodes_in_dom``: how many nodes React Flow rendered (only visible ones are).

Usage::

    (cd frontend && npm ci && npm run build)
    .venv/bin/python benchmarks/canvas.py [--sizes 100 500 2000] [--seed 1]

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from live_server import CHROMIUM, CHROMIUM_ARGS, DEMO_PASSWORD, ApiSession, live_server  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402

from graphs.generate import generate_workflow  # noqa: E402

# Rendered: nodes are visible and the view has been fitted to the workflow (React Flow
# starts at translate(0, 0) scale(1) and fits once the first nodes are measured).
_RENDERED = """() => {
  const nodes = document.querySelectorAll('.react-flow__node');
  if (!nodes.length || getComputedStyle(nodes[0]).visibility === 'hidden') return false;
  const viewport = document.querySelector('.react-flow__viewport');
  return viewport.style.transform !== 'translate(0px, 0px) scale(1)';
}"""

_START_FRAMES = """() => {
  window.__frames = [];
  window.__recording = true;
  const tick = (t) => {
    window.__frames.push(t);
    if (window.__recording) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""

_STOP_FRAMES = """() => { window.__recording = false; return window.__frames; }"""


def _store(admin: ApiSession, workflow: dict[str, Any]) -> None:
    status, answer = admin.call("POST", "/api/workflows", {"workflow": workflow})
    assert status == 201, (status, answer)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _measure(page: Page, base: str, workflow_id: str) -> dict[str, float]:
    page.goto(f"{base}/workflows/{workflow_id}")
    page.wait_for_function(_RENDERED, timeout=120_000)
    first_render = float(page.evaluate("() => performance.now()"))
    api_ms = float(
        page.evaluate(
            """() => performance.getEntriesByType('resource')
                 .filter(e => /\\/api\\/workflows\\//.test(e.name))
                 .reduce((t, e) => t + e.duration, 0)"""
        )
    )
    # Count after the frame that follows the fit, when the fitted view's nodes are mounted.
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    nodes_in_dom = int(page.evaluate("() => document.querySelectorAll('.react-flow__node').length"))
    # Let the fit-view settle before dragging.
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")

    # Drag a stage near the middle of the view.
    box = page.evaluate(
        """() => {
          const canvas = document.querySelector('.canvas').getBoundingClientRect();
          const cx = canvas.left + canvas.width / 2, cy = canvas.top + canvas.height / 2;
          let best = null, bestD = Infinity;
          for (const el of document.querySelectorAll('.react-flow__node-stage')) {
            const r = el.getBoundingClientRect();
            const d = Math.hypot(r.left + r.width / 2 - cx, r.top + r.height / 2 - cy);
            if (d < bestD) { bestD = d; best = r; }
          }
          return best && {x: best.left + Math.min(best.width / 2, 20), y: best.top + 4};
        }"""
    )
    x, y = box["x"], box["y"]
    page.mouse.move(x, y)
    page.mouse.down()
    page.evaluate(_START_FRAMES)
    for i in range(1, 61):
        page.mouse.move(x + i * 4, y + (i % 10) * 2)
    page.mouse.up()
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    frames: list[float] = page.evaluate(_STOP_FRAMES)
    intervals = [b - a for a, b in itertools.pairwise(frames)]
    return {
        "first_render_ms": round(first_render, 1),
        "api_get_ms": round(api_ms, 1),
        "drag_frame_ms_p95": round(_percentile(intervals, 0.95), 1) if intervals else 0.0,
        "drag_frame_ms_median": round(statistics.median(intervals), 1) if intervals else 0.0,
        "nodes_in_dom": nodes_in_dom,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 2000])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    results: dict[str, Any] = {}
    with (
        tempfile.TemporaryDirectory() as instance,
        live_server(
            Path(instance),
            load_examples=False,
            # A 2,000-node workflow is a few MB of JSON, more than the default upload cap.
            env={"BATON_MAX_UPLOAD_BYTES": str(64 * 1024 * 1024)},
        ) as base,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        admin = ApiSession(base)
        for size in args.sizes:
            workflow = generate_workflow(size, seed=args.seed).model_dump(mode="json")
            workflow["id"] = f"bench_{size}"
            _store(admin, workflow)
            # A fresh page per size: nothing cached from the previous run but the assets.
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            csrf = context.request.get(f"{base}/api/session").json()["csrf_token"]
            context.request.post(
                f"{base}/api/session", data={"username": "admin", "password": DEMO_PASSWORD},
                headers={"X-CSRF-Token": csrf},
            )
            page = context.new_page()
            page.goto(f"{base}/")  # warm the asset cache, as a returning user has it
            page.wait_for_selector("[data-testid=workflow-list]")
            results[str(size)] = _measure(page, base, workflow["id"])
            print(f"{size} nodes: {results[str(size)]}", file=sys.stderr)
            context.close()
        browser.close()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
