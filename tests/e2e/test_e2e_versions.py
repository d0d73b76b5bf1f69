"""Versions in flight in Chromium (issue 19): moving the shipped support case's running
cases to a second version, with the impact on the target's canvas first, and testing a
draft with a changed decision against the recorded cases.

This module starts its own server with the development defaults (demo services on, as
``test_e2e_demo.py`` does), so the demo support cases come to rest at Intake and Routing
and the suite's shared server keeps its workflows. With ``BATON_SCREENSHOTS=1`` the
pictures are also saved under ``docs/screenshots/`` (``move-impact.png``,
``move-result.png``, ``case-moved.png``, ``whatif.png``) for the README.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from live_server import ROOT, ApiSession, live_server, signed_in_page
from playwright.sync_api import Browser, Page, expect

WORKFLOW = "support-case"
# Where the demo support runs come to rest (see test_e2e_demo.py).
AT_REST = [
    ("running", "intake"),
    ("running", "routing"),
    ("running", "routing"),
    ("running", "routing"),
]


@pytest.fixture(scope="module")
def url(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # ``browser`` first: it skips the module where Chromium or the canvas build is missing.
    with live_server(tmp_path_factory.mktemp("baton-versions")) as base:
        admin = ApiSession(base)
        deadline = time.monotonic() + 30
        while True:
            _, body = admin.call("GET", f"/api/runs?workflow_id={WORKFLOW}")
            if sorted((r["status"], r["node_id"]) for r in body["items"]) == AT_REST:
                break
            assert time.monotonic() < deadline, body
            time.sleep(0.2)
        yield base


def save(page: Page, name: str, tmp_path: Path) -> None:
    target = tmp_path / name
    page.screenshot(path=str(target))
    if os.environ.get("BATON_SCREENSHOTS") == "1":
        out = ROOT / "docs" / "screenshots"
        out.mkdir(parents=True, exist_ok=True)
        shutil.copy(target, out / name)


def version_document(admin: ApiSession, version: int) -> dict[str, Any]:
    status, body = admin.call("GET", f"/api/workflows/{WORKFLOW}/versions/{version}")
    assert status == 200, body
    return body["workflow"]  # type: ignore[no-any-return]


def put_draft(admin: ApiSession, document: dict[str, Any]) -> int:
    _, detail = admin.call("GET", f"/api/workflows/{WORKFLOW}")
    status, body = admin.call(
        "PUT",
        f"/api/workflows/{WORKFLOW}/draft",
        {"revision": detail["revision"], "workflow": document},
    )
    assert status == 200, body
    return body["revision"]  # type: ignore[no-any-return]


def second_version(document: dict[str, Any]) -> dict[str, Any]:
    """Intake no longer asks for missing fields; Routing becomes Assignment (a new id)."""
    doc = copy.deepcopy(document)
    gone = ("request_missing_fields", "store_missing_fields")
    for node in doc["nodes"]:
        if node["id"] == "intake":
            node["steps"] = [s for s in node["steps"] if s["id"] not in gone]
        if node["id"] == "routing":
            node["id"], node["name"] = "assignment", "Assignment"
    for edge in doc["edges"]:
        edge["source"] = "assignment" if edge["source"] == "routing" else edge["source"]
        edge["target"] = "assignment" if edge["target"] == "routing" else edge["target"]
        edge["id"] = edge["id"].replace("routing", "assignment")
    for rule in doc.get("escalations", []):
        rule["stages"] = ["assignment" if s == "routing" else s for s in rule.get("stages", [])]
    return doc


def urgent_for_normal_too(document: dict[str, Any]) -> dict[str, Any]:
    """The Priority? decision also sends normal-priority cases down the fast lane."""
    doc = copy.deepcopy(document)
    [priority] = [n for n in doc["nodes"] if n["id"] == "priority"]
    priority["outcomes"][0]["condition"]["rules"].append(
        {"kind": "rule", "field": "case.priority", "op": "eq", "value": "normal"}
    )
    return doc


def publish_second_version(admin: ApiSession, note: str) -> None:
    """Publish and activate :func:`second_version` of the shipped version 1."""
    revision = put_draft(admin, second_version(version_document(admin, 1)))
    status, body = admin.call(
        "POST",
        f"/api/workflows/{WORKFLOW}/publish",
        {"revision": revision, "activate": True, "note": note},
    )
    assert status == 201, body


def test_preview_the_impact_then_move_the_running_cases(
    browser: Browser, url: str, tmp_path: Path
) -> None:
    admin = ApiSession(url)
    publish_second_version(admin, "Routing becomes Assignment; Intake stops asking")
    _, runs = admin.call("GET", f"/api/runs?workflow_id={WORKFLOW}&node_id=routing")
    # One that came through Expedite (an urgent case), whose way in is an edge v2 renamed.
    followed = next(
        run["id"]
        for run in runs["items"]
        if admin.call("GET", f"/api/runs/{run['id']}")[1]["case"]["fields"]["priority"] == "urgent"
    )

    with signed_in_page(browser, url) as page:
        # A case page left open on a run that is about to move.
        case_page = page.context.new_page()
        case_page.goto(f"/cases/{followed}")
        expect(case_page.get_by_test_id("run-node-routing")).to_have_attribute(
            "data-current", "true"
        )

        page.goto(f"/workflows/{WORKFLOW}")
        page.get_by_test_id("open-versions").click()
        expect(page.get_by_test_id("version-runs-1")).to_contain_text("4 unfinished runs")
        expect(page.get_by_test_id("version-runs-2")).to_contain_text("0 unfinished runs")
        page.get_by_test_id("open-move").click()
        dialog = page.get_by_test_id("move-dialog")
        expect(dialog.get_by_test_id("move-from")).to_have_value("1")
        expect(dialog.get_by_test_id("move-to")).to_have_value("2")

        # By id alone, nothing can move: Routing is gone (drawn as a red ghost), and the
        # run at Intake waits on a step version 2 dropped.
        dialog.get_by_test_id("move-preview").click()
        expect(dialog.get_by_test_id("impact-movable")).to_have_text("0")
        expect(dialog.get_by_test_id("run-node-routing")).to_have_attribute("data-tone", "unmapped")
        expect(dialog.get_by_test_id("badge-routing")).to_have_text("3")
        expect(dialog.get_by_test_id("run-node-intake")).to_have_attribute("data-tone", "unmapped")
        save(page, "move-ghost.png", tmp_path)

        # Map Routing onto Assignment: its three runs land there; Intake's run stays, in red.
        dialog.get_by_test_id("map-routing").click()
        dialog.get_by_test_id("mapping-to-0").select_option("assignment")
        expect(dialog.get_by_test_id("impact-stale")).to_be_visible()
        dialog.get_by_test_id("move-preview").click()
        expect(dialog.get_by_test_id("impact-movable")).to_have_text("3")
        expect(dialog.get_by_test_id("impact-unmapped")).to_have_text("1")
        expect(dialog.get_by_test_id("badge-assignment")).to_have_text("3")
        expect(dialog.get_by_test_id("run-node-assignment")).to_have_attribute("data-tone", "count")
        expect(dialog.get_by_test_id("run-node-intake")).to_have_attribute("data-tone", "unmapped")
        expect(dialog.get_by_test_id("notes-intake")).to_contain_text("request_missing_fields")
        expect(dialog.get_by_test_id("unmapped-node-intake")).to_contain_text(
            "request_missing_fields"
        )
        expect(dialog.get_by_test_id("unmapped-runs").locator("a")).to_have_count(1)
        expect(dialog.get_by_test_id("in-flight")).to_contain_text("3 open work items carried over")
        expect(dialog.get_by_test_id("move-start")).to_be_disabled()  # a reason is required
        save(page, "move-impact.png", tmp_path)

        dialog.get_by_test_id("move-reason").fill(
            "Routing is now Assignment; move the waiting cases"
        )
        expect(dialog.get_by_test_id("move-start")).to_have_text("Move 3 runs")
        dialog.get_by_test_id("move-start").click()
        result = dialog.get_by_test_id("move-result")
        expect(result).to_have_attribute("data-status", "done", timeout=20_000)
        expect(result.get_by_test_id("moved-count")).to_have_text("3")
        expect(result.get_by_test_id("stayed-count")).to_have_text("1")
        save(page, "move-result.png", tmp_path)

        # The open case page follows its run onto version 2 and says who moved it, and why.
        expect(case_page.get_by_test_id("run-node-assignment")).to_have_attribute(
            "data-current", "true"
        )
        expect(case_page.get_by_test_id("moved-from")).to_contain_text("moved from v1")
        # The way it came, taken on version 1, drawn on version 2's edge into Assignment.
        # The case page opens readable around the current node and mounts only what is on
        # screen: fit the whole path first, as the admin would to follow it.
        case_page.get_by_role("button", name="Fit View").click()
        # The moved run's path and version 2's edges arrive in separate reads; on a busy
        # machine the second can take longer than the default wait (seen once in a full run).
        expect(case_page.get_by_test_id("run-edge-expedite--assignment")).to_have_attribute(
            "data-taken", "true", timeout=15_000
        )
        case_page.get_by_test_id("tab-timeline").click()
        moved = case_page.locator("[data-kind='run.migrated']")
        expect(moved).to_contain_text(
            "Moved from version 1 to 2 by admin: Routing is now Assignment; move the waiting cases"
        )
        # What the run did on version 1 keeps version 1's names.
        expect(case_page.get_by_test_id("timeline")).to_contain_text("Entered Routing")
        save(case_page, "case-moved.png", tmp_path)

    # A supervisor sees the impact but has no move to make.
    with signed_in_page(browser, url, "supervisor") as page:
        page.goto(f"/workflows/{WORKFLOW}")
        page.get_by_test_id("open-versions").click()
        page.get_by_test_id("open-move").click()
        page.get_by_test_id("move-preview").click()
        expect(page.get_by_test_id("impact-side")).to_be_visible()
        expect(page.get_by_test_id("move-admins-only")).to_be_visible()
        expect(page.get_by_test_id("move-start")).to_have_count(0)


def test_a_draft_with_a_changed_decision_against_the_recorded_cases(
    browser: Browser, url: str, tmp_path: Path
) -> None:
    admin = ApiSession(url)
    _, detail = admin.call("GET", f"/api/workflows/{WORKFLOW}")
    put_draft(admin, urgent_for_normal_too(version_document(admin, detail["active_version"])))
    _, before = admin.call("GET", "/api/runs?limit=500")

    with signed_in_page(browser, url) as page:
        page.goto(f"/workflows/{WORKFLOW}")
        page.get_by_test_id("open-whatif").click()
        expect(page.get_by_test_id("whatif-days")).to_have_value("30")
        page.get_by_test_id("whatif-run").click()
        expect(page.get_by_test_id("whatif-nothing-written")).to_contain_text("Nothing is written")
        table = page.get_by_test_id("whatif-table")
        urgent = table.get_by_test_id("row-edge:priority--urgent")
        expect(urgent).to_have_attribute("data-changed", "true")
        expect(urgent.locator("td").nth(1)).to_have_text("50%")
        expect(urgent.locator("td").nth(2)).to_have_text("75%")
        expect(table.get_by_test_id("row-sla")).to_be_visible()
        listed = page.get_by_test_id("whatif-listed").locator("a").first
        expect(listed).to_have_attribute("href", re.compile(r"^/cases/\w+$"))

        # The heat overlay on the draft: the fast lane carries more, the decision is marked.
        canvas = page.get_by_test_id("whatif-canvas")
        edge = canvas.get_by_test_id("run-edge-priority--urgent")
        expect(edge).to_have_attribute("data-share", "0.75")
        expect(edge).to_have_attribute("data-tone", "changed")
        expect(canvas.get_by_test_id("run-node-priority")).to_have_attribute("data-tone", "changed")
        expect(canvas.get_by_test_id("badge-expedite")).to_have_text("3")
        urgent_width = float(edge.get_attribute("data-width") or 0)
        standard_width = float(
            canvas.get_by_test_id("run-edge-priority--standard").get_attribute("data-width") or 0
        )
        assert urgent_width > standard_width
        save(page, "whatif.png", tmp_path)

        page.get_by_test_id("whatif-clear").click()
        expect(page.get_by_test_id("whatif-canvas")).to_have_count(0)
        expect(page.get_by_test_id("canvas")).to_be_visible()

    # A draft with errors is refused with its problems, said in the panel and the Problems list.
    broken = copy.deepcopy(version_document(admin, detail["active_version"]))
    broken["edges"] = [e for e in broken["edges"] if e["id"] != "priority--urgent"]
    put_draft(admin, broken)
    with signed_in_page(browser, url) as page:
        page.goto(f"/workflows/{WORKFLOW}")
        page.get_by_test_id("open-whatif").click()
        page.get_by_test_id("whatif-run").click()
        expect(page.get_by_test_id("whatif-problems")).to_contain_text("has no edge")
        expect(page.get_by_test_id("whatif-canvas")).to_have_count(0)
        expect(
            page.locator("[data-testid=problem][data-code=outcome_without_edge]")
        ).to_be_visible()

    # Nothing was written: the same runs, at the same places.
    _, after = admin.call("GET", "/api/runs?limit=500")
    assert [(r["id"], r["seq"], r["version"]) for r in after["items"]] == [
        (r["id"], r["seq"], r["version"]) for r in before["items"]
    ]
