"""Take the README's screenshots of the canvas against the real app.

Usage::

    (cd frontend && npm ci && npm run build)
    .venv/bin/python tests/e2e/take_screenshots.py

Writes ``docs/screenshots/canvas.png`` (support-case open), ``property-panel.png`` (a
decision's outcomes in the rule builder) and ``version-diff.png`` (version 1 against a
version 2 with an added stage, a renamed stage, a moved end and a rerouted edge).
"""

from __future__ import annotations

import copy
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live_server import CHROMIUM, CHROMIUM_ARGS, DEMO_PASSWORD, ROOT, ApiSession, live_server
from playwright.sync_api import expect, sync_playwright

OUT = ROOT / "docs" / "screenshots"


_sessions: dict[str, ApiSession] = {}


def call(base: str, method: str, path: str, body: Any = None) -> Any:
    """One API call as the demo admin (signed in on first use)."""
    session = _sessions.get(base) or _sessions.setdefault(base, ApiSession(base))
    status, answer = session.call(method, path, body)
    if status >= 400:
        raise RuntimeError(f"{method} {path}: {status} {answer}")
    return answer


def publish_second_version(base: str) -> None:
    """Version 2 of support-case: a quality check before the end, resolution renamed."""
    detail = call(base, "GET", "/api/workflows/support-case")
    workflow = copy.deepcopy(detail["workflow"])
    for node in workflow["nodes"]:
        if node["id"] == "resolution":
            node["name"] = "Resolve and confirm"
        if node["id"] == "resolved":
            node["position"] = {"x": 3840, "y": 240}
    workflow["nodes"].append(
        {
            "id": "quality_check",
            "kind": "stage",
            "name": "Quality check",
            "position": {"x": 3520, "y": 240},
            "owner": "qa",
            "steps": [
                {
                    "id": "review_answer",
                    "kind": "interactive",
                    "name": "Review the answer",
                    "assignment": {"queue": "qa"},
                }
            ],
        }
    )
    workflow["edges"] = [e for e in workflow["edges"] if e["id"] != "resolution--resolved"]
    workflow["edges"] += [
        {"id": "resolution--quality_check", "source": "resolution", "target": "quality_check"},
        {"id": "quality_check--resolved", "source": "quality_check", "target": "resolved"},
    ]
    saved = call(
        base,
        "PUT",
        "/api/workflows/support-case/draft",
        {"revision": detail["revision"], "workflow": workflow},
    )
    call(
        base,
        "POST",
        "/api/workflows/support-case/publish",
        {"revision": saved["revision"], "note": "Quality check before closing"},
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as instance,
        live_server(Path(instance)) as base,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080}, device_scale_factor=1)
        csrf = page.request.get(f"{base}/api/session").json()["csrf_token"]
        page.request.post(
            f"{base}/api/session", data={"username": "admin", "password": DEMO_PASSWORD},
            headers={"X-CSRF-Token": csrf},
        )
        page.goto(f"{base}/workflows/support-case")
        triage = page.locator('.react-flow__node[data-id="triage"]')
        expect(triage).to_be_visible()
        page.wait_for_timeout(400)  # let the fitted view settle before the picture
        page.keyboard.press("=")  # one step closer than the whole graph, to read it
        page.wait_for_timeout(300)
        page.screenshot(path=str(OUT / "canvas.png"))

        # Find the decision with the search box, which selects and centres it.
        page.keyboard.press("Control+f")
        page.get_by_test_id("search-input").fill("Priority?")
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("node-panel")).to_be_visible()
        page.wait_for_timeout(400)
        page.screenshot(path=str(OUT / "property-panel.png"))

        publish_second_version(base)
        page.reload()
        expect(triage).to_be_visible()
        page.get_by_test_id("open-versions").click()
        page.get_by_test_id("diff-from").select_option("1")
        page.get_by_test_id("diff-to").select_option("2")
        page.get_by_test_id("diff-show").click()
        expect(page.get_by_test_id("diff-summary")).to_be_visible()
        page.wait_for_timeout(700)
        page.screenshot(path=str(OUT / "version-diff.png"))
        browser.close()
    print(f"Screenshots written to {OUT}")


if __name__ == "__main__":
    main()
