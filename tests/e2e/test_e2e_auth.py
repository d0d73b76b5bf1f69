"""Accounts in the browser: signing in, an agent's own work, a viewer's read-only canvas,
and a Content-Security-Policy that every page of the build satisfies."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from live_server import DEMO_PASSWORD, ApiSession, close_context
from playwright.sync_api import Browser, BrowserContext, Page, expect


def _workflow(agent: str) -> dict[str, Any]:
    """start -> one stage whose only step is a work item for ``agent`` -> end."""
    return {
        "id": f"desk-{agent}",
        "name": f"Desk of {agent}",
        # Not "subject": the shipped support-case workflow starts for any case with one,
        # and its Intake work may go to any demo agent, which would let them see it.
        "case_schema": [{"name": "summary", "type": "string", "required": True}],
        "nodes": [
            {"id": "start", "kind": "start", "position": {"x": 0, "y": 0}},
            {
                "id": "review",
                "kind": "stage",
                "name": "Review",
                "position": {"x": 200, "y": 0},
                "steps": [
                    {
                        "id": "check",
                        "kind": "interactive",
                        "name": f"Check for {agent}",
                        "assignment": {"agent": agent},
                    }
                ],
            },
            {"id": "done", "kind": "end", "position": {"x": 400, "y": 0}},
        ],
        "edges": [
            {"id": "start-review", "source": "start", "target": "review"},
            {"id": "review-done", "source": "review", "target": "done"},
        ],
    }


def _case_for(http: ApiSession, agent: str, subject: str) -> dict[str, Any]:
    """A running case whose open work item is ``agent``'s; the item."""
    status, detail = http.call("POST", "/api/workflows", {"workflow": _workflow(agent)})
    assert status == 201, detail
    status, published = http.call(
        "POST", f"/api/workflows/desk-{agent}/publish",
        {"revision": detail["revision"], "activate": True},
    )
    assert status == 201, published
    status, case = http.call(
        "POST", "/api/cases", {"workflow_id": f"desk-{agent}", "fields": {"summary": subject}}
    )
    assert status == 201, case
    status, items = http.call("GET", f"/api/work-items?assignee={agent}")
    assert status == 200, items
    mine = [item for item in items["items"]
            if item["case_id"] == case["case"]["id"] and item["step_id"] == "check"]
    assert mine, items
    return mine[0]


@pytest.fixture
def fresh(browser: Browser, server_url: str) -> Iterator[tuple[BrowserContext, list[str]]]:
    """A browser context nobody has signed in to, and the CSP violations it reports."""
    context = browser.new_context(base_url=server_url, viewport={"width": 1440, "height": 900})
    context.set_default_timeout(10_000)
    violations: list[str] = []
    context.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )

    def watch(page: Page) -> None:
        page.on("console", lambda m: violations.append(m.text)
                if "Content Security Policy" in m.text or "CSP violation" in m.text else None)

    context.on("page", watch)
    yield context, violations
    close_context(context)


def _sign_in(page: Page, username: str) -> None:
    expect(page.get_by_test_id("login-page")).to_be_visible()
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-page")).to_have_count(0)


def test_an_agent_signs_in_sees_only_their_work_and_completes_it(
    fresh: tuple[BrowserContext, list[str]], server_url: str
) -> None:
    http = ApiSession(server_url)
    mine = _case_for(http, "ada", "Printer on fire")
    theirs = _case_for(http, "ben", "Lost password")
    context, _ = fresh
    page = context.new_page()
    page.goto("/work")
    _sign_in(page, "ada")
    expect(page.get_by_test_id("current-user")).to_have_text("ada")
    items = page.get_by_test_id("work-items")
    expect(items.get_by_test_id(f"work-item-{mine['key']}")).to_be_visible()
    expect(page.get_by_test_id(f"work-item-{theirs['key']}")).to_have_count(0)
    # The API agrees: another agent's case and item are refused, not merely hidden.
    assert page.request.get(f"/api/cases/{theirs['case_id']}").status == 403
    assert page.request.get(f"/api/work-items/{theirs['key']}").status == 403
    assert page.request.get(f"/api/cases/{mine['case_id']}").status == 200
    items.get_by_test_id(f"work-item-{mine['key']}").click()
    page.get_by_test_id("work-complete").click()
    expect(page.get_by_test_id(f"work-item-{mine['key']}")).to_have_count(0)
    status, item = http.call("GET", f"/api/work-items/{mine['key']}")
    assert status == 200 and item["status"] == "completed" and item["completed_by"] == "ada"


def test_a_viewer_cannot_save_a_workflow(
    fresh: tuple[BrowserContext, list[str]]
) -> None:
    context, _ = fresh
    page = context.new_page()
    page.goto("/workflows/support-case")
    _sign_in(page, "viewer")
    expect(page.get_by_test_id("workflow-name")).to_be_visible()
    expect(page.get_by_test_id("read-only")).to_be_visible()
    expect(page.get_by_test_id("save")).to_have_count(0)
    expect(page.get_by_test_id("publish")).to_have_count(0)
    # The properties are there to read, not to type into.
    panel = page.get_by_test_id("property-panel")
    expect(panel).to_contain_text("Read only")
    expect(panel.locator("input, textarea, select").first).to_be_disabled()
    # ...and to get around in: a stage's steps open, and lead back to their stage.
    # The stage's title selects the stage; a click on its middle would select a step.
    page.get_by_test_id("node-triage").click(position={"x": 60, "y": 12})
    page.get_by_test_id("panel-step-classify").click()
    expect(page.get_by_test_id("step-panel")).to_be_visible()
    expect(page.get_by_test_id("step-name")).to_be_disabled()
    expect(panel.get_by_role("button", name="Remove")).to_have_count(0)
    detail = page.request.get("/api/workflows/support-case").json()
    csrf = page.request.get("/api/session").json()["csrf_token"]
    refused = page.request.put(
        "/api/workflows/support-case/draft",
        data={"revision": detail["revision"], "workflow": detail["workflow"]},
        headers={"X-CSRF-Token": csrf},
    )
    assert refused.status == 403
    assert "viewer" in refused.json()["error"]["message"]
    page.get_by_test_id("back-to-list").click()
    expect(page.get_by_test_id("workflow-list")).to_be_visible()
    expect(page.get_by_test_id("new-workflow")).to_have_count(0)


def test_wrong_password_then_sign_out(fresh: tuple[BrowserContext, list[str]]) -> None:
    context, _ = fresh
    page = context.new_page()
    page.goto("/")
    page.get_by_test_id("login-username").fill("supervisor")
    page.get_by_test_id("login-password").fill("not the password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_contain_text("wrong")
    _sign_in(page, "supervisor")
    expect(page.get_by_test_id("current-role")).to_have_text("Supervisor")
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("sign-out").click()
    # Sign-out loads /login afresh; a page closed while that load is under way can leave
    # Chromium never answering the close (a clean clone's run hung there for 300 s).
    page.wait_for_url("**/login", wait_until="load")
    expect(page.get_by_test_id("login-page")).to_be_visible()
    assert page.request.get("/api/workflows").status == 401


PAGES = ["/", "/workflows/support-case", "/cases", "/monitor", "/work", "/team", "/metrics",
         "/settings/salesforce", "/settings/accounts"]


def test_no_page_breaks_the_content_security_policy(
    fresh: tuple[BrowserContext, list[str]]
) -> None:
    context, violations = fresh
    page = context.new_page()
    page.goto("/login")
    _sign_in(page, "admin")
    for path in PAGES:
        page.goto(path)
        expect(page.get_by_test_id("current-user").or_(page.get_by_test_id("toolbar"))).to_be_visible()
        page.wait_for_load_state("networkidle")
        if path.startswith("/workflows/"):  # the layout engine runs too
            page.get_by_test_id("auto-layout").click()
            expect(page.get_by_test_id("undo")).to_be_enabled()
    assert violations == []


def test_an_admin_mints_a_token_once_and_revokes_it(
    fresh: tuple[BrowserContext, list[str]], server_url: str
) -> None:
    context, _ = fresh
    page = context.new_page()
    page.goto("/settings/accounts")
    _sign_in(page, "admin")
    expect(page.get_by_test_id("account-ada")).to_contain_text("Ada Lovelace")
    page.get_by_test_id("token-name").fill("nightly export")
    page.get_by_test_id("token-role").select_option("viewer")
    page.get_by_test_id("create-token-submit").click()
    token = page.get_by_test_id("new-token-value").inner_text()
    assert token.startswith("baton_")
    request = urllib.request.Request(
        server_url + "/api/workflows", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    page.reload()
    expect(page.get_by_test_id("tokens-table")).to_contain_text("nightly export")
    expect(page.get_by_test_id("new-token")).to_have_count(0)  # shown once, never again
    assert token not in page.content()
    page.on("dialog", lambda dialog: dialog.accept())
    row = page.get_by_test_id("tokens-table").locator("tr", has_text="nightly export")
    row.get_by_role("button", name="Revoke").click()
    expect(row).to_contain_text("revoked")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
    refused.value.close()


def test_signing_in_again_elsewhere_does_not_break_an_open_page(
    fresh: tuple[BrowserContext, list[str]]
) -> None:
    context, _ = fresh
    page = context.new_page()
    page.goto("/")
    _sign_in(page, "admin")
    expect(page.get_by_test_id("workflow-list")).to_be_visible()
    # Another tab of the same browser signs in again: the session gets a new CSRF token.
    other = context.new_page()
    other.goto("/login")
    _sign_in(other, "admin")
    other.close()
    page.get_by_test_id("new-workflow").click()
    page.get_by_test_id("new-name").fill("Second tab")
    page.get_by_test_id("create-workflow").click()
    expect(page.get_by_test_id("editor")).to_be_visible()
    expect(page.get_by_test_id("workflow-name")).to_have_text("Second tab")
