"""Live cases in Chromium: the case page follows its run without reloads, the work item
is completed from the page, a go-to loop counts its visits, and the monitor shows where
cases are held.

With ``BATON_SCREENSHOTS=1`` the case page and the monitor are also saved under
``docs/screenshots/`` (``case-page.png``, ``monitor.png``) for the README.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from live_server import ROOT, Http
from playwright.sync_api import Page, expect

# The same looping workflow the socket tests drive.
sys.path.insert(0, str(ROOT / "tests" / "designer"))
from live_support import review_loop

WORKFLOW = "live-review"


@pytest.fixture(scope="module")
def workflow(server_url: str) -> str:
    http = Http(server_url)
    document = review_loop(WORKFLOW)
    document["name"] = "Content review"
    # Started by hand only, so the shipped examples' triggers decide nothing here.
    document["trigger"] = {"kind": "manual"}
    status, body = http.call("POST", "/api/workflows", {"workflow": document})
    assert status == 201, body
    status, body = http.call(
        "POST", f"/api/workflows/{WORKFLOW}/publish", {"revision": 1, "activate": True}
    )
    assert status in (200, 201), body
    return WORKFLOW


def start_case(http: Http, subject: str) -> str:
    status, body = http.call(
        "POST", "/api/cases", {"fields": {"subject": subject}, "workflow_id": WORKFLOW}
    )
    assert status == 201, body
    return next(run["id"] for run in body["runs"] if run["workflow_id"] == WORKFLOW)  # type: ignore[no-any-return]


def open_item(http: Http, run_id: str) -> dict[str, Any]:
    _, body = http.call("GET", f"/api/work-items?run_id={run_id}")
    [item] = body["items"]
    return item  # type: ignore[no-any-return]


def screenshot(page: Page, name: str, tmp_path: Path) -> None:
    target = tmp_path / name
    page.screenshot(path=str(target))
    if os.environ.get("BATON_SCREENSHOTS") == "1":
        out = ROOT / "docs" / "screenshots"
        out.mkdir(parents=True, exist_ok=True)
        shutil.copy(target, out / name)


def test_the_case_page_follows_the_run_live(
    page: Page, http: Http, workflow: str, tmp_path: Path
) -> None:
    run_id = start_case(http, "Review the spring catalogue")
    page.goto(f"/cases/{run_id}")
    expect(page.get_by_test_id("case-title")).to_have_text("Review the spring catalogue")
    expect(page.get_by_test_id("live-indicator")).to_have_text("Live")
    review = page.get_by_test_id("run-node-review")
    expect(review).to_have_attribute("data-current", "true")
    expect(page.get_by_test_id("run-node-review")).to_have_attribute("data-visits", "1")
    expect(page.get_by_test_id("step-check")).to_have_attribute("data-status", "waiting")
    expect(page.get_by_test_id("run-edge-start-review")).to_have_attribute("data-taken", "true")
    expect(page.get_by_test_id("run-edge-approved-no")).to_have_attribute("data-taken", "false")

    # The reviewer sends it back twice from the page: the go-to loops, visits count up.
    for visit in (2, 3):
        page.get_by_test_id("tab-work").click()
        page.get_by_test_id("form-verdict").select_option("rework")
        page.get_by_test_id("complete-work-item").click()
        expect(review).to_have_attribute("data-visits", str(visit))
        expect(page.get_by_test_id("run-edge-approved-no")).to_have_attribute(
            "data-count", str(visit - 1)
        )
    expect(page.get_by_test_id("run-node-approved")).to_have_attribute("data-visits", "2")
    expect(page.get_by_test_id("form-verdict")).to_be_visible()
    screenshot(page, "case-page.png", tmp_path)

    # Someone else approves through the API: the canvas moves on, without a reload.
    item = open_item(http, run_id)
    status, _ = http.call(
        "POST", f"/api/work-items/{item['key']}/complete", {"data": {"verdict": "approve"}}
    )
    assert status == 200
    expect(page.get_by_test_id("run-node-publish")).to_have_attribute("data-current", "true")
    expect(page.get_by_test_id("run-edge-approved-yes")).to_have_attribute("data-taken", "true")
    expect(review).to_have_attribute("data-current", "false")

    # A field change opens the waiting stage; its step runs and the case completes.
    page.get_by_test_id("tab-data").click()
    page.get_by_test_id("change-ready").click()
    page.get_by_test_id("edit-ready").check()
    page.get_by_test_id("save-ready").click()
    expect(page.get_by_test_id("run-node-done")).to_have_attribute("data-current", "true")
    expect(page.get_by_test_id("run-status")).to_have_text("completed")
    expect(page.get_by_test_id("case-history")).to_contain_text("ready")

    # The scrubber replays the path as it stood: back at the first visit of Review.
    page.get_by_test_id("tab-timeline").click()
    first_wait = page.locator('[data-kind="step.started"]').first
    first_wait.click()
    expect(page.get_by_test_id("run-node-review")).to_have_attribute("data-visits", "1")
    expect(page.get_by_test_id("run-node-review")).to_have_attribute("data-current", "true")
    page.get_by_test_id("scrubber-live").click()
    expect(page.get_by_test_id("run-node-done")).to_have_attribute("data-current", "true")


def test_the_monitor_shows_where_cases_are_held(
    page: Page, http: Http, workflow: str, tmp_path: Path
) -> None:
    runs = [start_case(http, f"Monitor case {n}") for n in range(4)]
    item = open_item(http, runs[0])
    http.call("POST", f"/api/work-items/{item['key']}/complete", {"data": {"verdict": "approve"}})
    page.goto(f"/monitor/{WORKFLOW}")
    count = page.get_by_test_id("count-review")
    expect(count).to_be_visible()
    expect(count).not_to_have_text("0")
    held = int(count.text_content() or "0")
    expect(page.get_by_test_id("count-publish")).not_to_have_text("0")

    # A new case arrives while the monitor is open: the count goes up by itself.
    start_case(http, "Arrived while watching")
    expect(count).to_have_text(str(held + 1))

    page.get_by_test_id("run-node-review").click()
    expect(page.get_by_test_id("node-runs")).to_contain_text("Arrived while watching")
    page.get_by_test_id("stuck-minutes").fill("0")
    page.get_by_test_id("panel-stuck").click()
    expect(page.get_by_test_id("bulk-list")).to_contain_text("Monitor case 1")
    screenshot(page, "monitor.png", tmp_path)

    # Bulk cancel from the stuck list.
    row = page.get_by_test_id(f"bulk-list-{runs[3]}")
    row.get_by_role("checkbox").check()
    page.get_by_test_id("bulk-cancel").click()
    expect(page.get_by_test_id("bulk-list")).not_to_contain_text("Monitor case 3")
    _, body = http.call("GET", f"/api/runs/{runs[3]}")
    assert body["run"]["status"] == "cancelled"
