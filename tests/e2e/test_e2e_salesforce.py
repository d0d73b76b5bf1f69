"""End to end: `baton run` with a Salesforce connection polls the stand-in org, and the
settings page and the trigger's field mapping show it in headless Chromium.

Set BATON_SCREENSHOT_DIR to keep screenshots of both screens.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_server import BUILD_DIR, CHROMIUM, ROOT, ApiSession, live_server, signed_in_page
from playwright.sync_api import Browser, expect

# The stand-in org and the test workflow of the Salesforce tests.
sys.path.insert(0, str(ROOT / "tests" / "salesforce"))
from fake_salesforce import FakeSalesforce
from sf_flows import sf_flow


@pytest.fixture(scope="module")
def org() -> Iterator[FakeSalesforce]:
    fake = FakeSalesforce().start()
    fake.insert("User", Name="Ana Ortiz", Email="ana@acme.com", Id="005000000000007AAA")
    cases = [
        ("Checkout page times out", "High"),
        ("Invoice shows the wrong VAT", "Medium"),
        ("Cannot reset password", "Low"),
    ]
    for subject, priority in cases:
        fake.insert("Case", Subject=subject, Priority=priority, Status="New",
                    OwnerId="005000000000007AAA", Contacts__c=1)  # fmt: skip
    try:
        yield fake
    finally:
        fake.close()


@pytest.fixture(scope="module")
def server(org: FakeSalesforce, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    if not (BUILD_DIR / "index.html").is_file():
        pytest.skip("The canvas is not built (cd frontend && npm ci && npm run build)")
    env = {
        "BATON_SALESFORCE_INSTANCE_URL": "https://acme.my.salesforce.com",
        "BATON_SALESFORCE_USERNAME": org.login.username,
        "BATON_SALESFORCE_PASSWORD": org.login.password,
        "BATON_SALESFORCE_SECURITY_TOKEN": org.login.security_token,
        "BATON_SALESFORCE_ENDPOINT_OVERRIDE": org.url,
        "BATON_SALESFORCE_POLL_INTERVAL_SECONDS": "0.5",
    }
    with live_server(tmp_path_factory.mktemp("baton-sf"), load_examples=False, env=env) as url:
        yield url


def _wait_synced(http: ApiSession, records: int, timeout: float = 20) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        _, body = http.call("GET", "/api/salesforce/connection")
        streams = body["streams"]
        if streams and streams[0]["records_synced"] >= records:
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"the poller did not sync {records} records: {body}")
        # The poller runs in the server process: nothing to await here but its result.
        time.sleep(0.1)


def _shot(page: object, name: str) -> None:
    folder = os.environ.get("BATON_SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=False)  # type: ignore[attr-defined]


def test_the_running_app_polls_salesforce_and_shows_the_connection(
    server: str, org: FakeSalesforce, browser: Browser
) -> None:
    http = ApiSession(server)
    document = sf_flow()
    status, body = http.call("POST", "/api/workflows", {"workflow": document})
    assert status == 201, body
    status, body = http.call(
        "POST", f"/api/workflows/{document['id']}/publish", {"revision": 1, "activate": True}
    )
    assert status in (200, 201), body
    state = _wait_synced(http, 3)
    assert org.login.password not in str(state)

    with signed_in_page(browser, server, width=1360) as page:
        page.goto("/settings/salesforce")
        expect(page.get_by_test_id("sf-stream-sf_cases")).to_contain_text("OK")
        expect(page.get_by_test_id("sf-secret-password")).to_contain_text("Password set")
        page.get_by_test_id("sf-test").click()
        expect(page.get_by_test_id("sf-test-result")).to_contain_text(
            "Connected to acme.my.salesforce.com"
        )
        expect(page.get_by_test_id("sf-state")).to_have_text("Connected")
        page.get_by_test_id("sf-describe").click()
        expect(page.get_by_test_id("sf-fields")).to_contain_text("Escalation_Reason__c")
        assert org.login.password not in page.content()
        _shot(page, "salesforce-settings.png")

        page.goto(f"/workflows/{document['id']}")
        expect(page.get_by_test_id("sf-trigger")).to_be_visible()
        expect(page.get_by_test_id("sf-trigger")).to_contain_text("fields from describe")
        expect(page.get_by_test_id("sf-map-sf-4")).to_have_value("Contacts__c")
        page.get_by_test_id("sf-map-add").click()
        expect(page.get_by_test_id("sf-map-5")).to_be_visible()
        page.get_by_test_id("trigger-source").evaluate("e => e.scrollIntoView({block: 'start'})")
        _shot(page, "salesforce-trigger-mapping.png")
