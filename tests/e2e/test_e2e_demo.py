"""A first start as a user makes it: ``baton run`` in development, the demo cases flowing.

The suite's shared server runs with demo services off (see ``conftest.py``); this module
starts its own with the development defaults, as ``make run`` does, and checks that the
demo support cases get past Triage instead of stopping there as incidents.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from live_server import ApiSession, live_server, signed_in_page
from playwright.sync_api import Browser, expect


@pytest.fixture(scope="module")
def demo_url(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # ``browser`` first: it skips the module where Chromium or the canvas build is missing.
    with live_server(tmp_path_factory.mktemp("baton-demo")) as url:
        yield url


# Where the demo support runs come to rest: the case without a contact e-mail waits at
# Intake for one; the others wait at Routing for an agent to accept them.
AT_REST = [
    ("running", "intake"),
    ("running", "routing"),
    ("running", "routing"),
    ("running", "routing"),
]


def support_runs_at_rest(admin: ApiSession, timeout: float = 30) -> list[tuple[str, str]]:
    """Where the demo support runs stand once they reach ``AT_REST``, or the last positions.

    Triage and Expedite run background steps in the server's executor, so a run passes
    through them on its own; there is no event to wait on here, only the runs' positions.
    """
    deadline = time.monotonic() + timeout
    while True:
        status, body = admin.call("GET", "/api/runs?workflow_id=support-case")
        assert status == 200, body
        runs: list[dict[str, Any]] = body["items"]
        positions = sorted((run["status"], run["node_id"]) for run in runs)
        if positions == AT_REST or time.monotonic() > deadline:
            return positions
        time.sleep(0.2)


def test_the_demo_support_cases_pass_triage_with_no_incidents(
    browser: Browser, demo_url: str, tmp_path: Path
) -> None:
    admin = ApiSession(demo_url)
    assert support_runs_at_rest(admin) == AT_REST
    status, body = admin.call("GET", "/api/runs?status=incident")
    assert (status, body["items"]) == (200, [])

    with signed_in_page(browser, demo_url) as page:
        page.goto("/monitor/support-case")
        expect(page.get_by_test_id("panel-incidents")).to_have_text("Incidents (0)")
        expect(page.get_by_test_id("count-routing")).to_have_text("3")
        expect(page.get_by_test_id("count-intake")).to_have_text("1")
        expect(page.get_by_test_id("count-triage")).to_have_text("0")
        page.screenshot(path=str(tmp_path / "demo-monitor.png"))
