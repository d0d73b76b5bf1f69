"""Routing end to end: an agent's inbox shows what waits for them, pull-next takes it,
a reassignment reaches the open inbox live, and completing the form closes the item."""

from __future__ import annotations

from typing import Any

from live_server import ApiSession, signed_in_page
from playwright.sync_api import Browser, expect


def desk_workflow() -> dict[str, Any]:
    return {
        "id": "e2e_desk",
        "name": "E2E desk",
        "case_schema": [{"name": "subject"}],
        "nodes": [
            {"id": "start", "kind": "start"},
            {
                "id": "work",
                "kind": "stage",
                "steps": [
                    {
                        "id": "answer",
                        "kind": "interactive",
                        "name": "Answer the customer",
                        "assignment": {"queue": "e2e-desk", "strategy": "pull_next"},
                        "form": [{"name": "reply", "label": "Reply"}],
                        "sla": {"target_minutes": 240, "warning_minutes": 180},
                    }
                ],
            },
            {"id": "end", "kind": "end"},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "work"},
            {"id": "e2", "source": "work", "target": "end"},
        ],
    }


def set_up(admin: ApiSession) -> None:
    status, created = admin.call("POST", "/api/workflows", {"workflow": desk_workflow()})
    assert status == 201, created
    status, body = admin.call(
        "POST", "/api/workflows/e2e_desk/publish", {"revision": created["revision"]}
    )
    assert status in (200, 201), body
    status, body = admin.call("POST", "/api/workflows/e2e_desk/versions/1/activate")
    assert status == 200, body
    status, body = admin.call(
        "PUT",
        "/api/queues/e2e-desk",
        {"name": "e2e-desk", "strategy": "pull_next", "members": ["ada", "ben"]},
    )
    assert status == 200, body


def new_case(admin: ApiSession, subject: str) -> str:
    status, body = admin.call(
        "POST", "/api/cases", {"fields": {"subject": subject}, "workflow_id": "e2e_desk"}
    )
    assert status == 201, body
    (run_id,) = [r["id"] for r in body["runs"] if r["workflow_id"] == "e2e_desk"]
    status, items = admin.call("GET", f"/api/work-items?run_id={run_id}&status=open")
    assert status == 200, items
    (item,) = items["items"]
    return str(item["key"])


def test_the_inbox_shows_waiting_work_and_pull_next_takes_it(
    browser: Browser, server_url: str
) -> None:
    admin = ApiSession(server_url)
    set_up(admin)
    new_case(admin, "Refund for order 1042")

    with signed_in_page(browser, server_url, "ada") as page:
        page.goto("/work")

        expect(page.get_by_test_id("work-next")).to_contain_text("Refund for order 1042")
        before = int(page.get_by_test_id("work-held").inner_text())
        page.get_by_test_id("pull-next").click()
        expect(page.get_by_test_id("work-notice")).to_contain_text("You took the next item")
        expect(page.get_by_test_id("work-held")).to_have_text(str(before + 1))
        detail = page.get_by_test_id("work-detail")
        expect(detail).to_contain_text("Answer the customer")
        expect(detail.locator(".rt-sla")).to_have_attribute("data-state", "on_track")
        expect(page.get_by_test_id("work-reasons")).to_contain_text("pulled by the agent")

        # A supervisor hands Ada another item: her open inbox shows it without a reload.
        key = new_case(admin, "Second contact from ACME")
        status, body = admin.call(
            "POST",
            f"/api/routing/work-items/{key}/reassign",
            {"agent": "ada", "reason": "Ada knows this customer"},
        )
        assert status == 200, body
        expect(page.get_by_test_id(f"work-item-{key}")).to_contain_text("Second contact from ACME")

        page.get_by_test_id(f"work-item-{key}").click()
        page.get_by_test_id("work-field-reply").fill("Refund issued")
        page.get_by_test_id("work-complete").click()
        expect(page.get_by_test_id(f"work-item-{key}")).to_have_count(0)
        expect(page.get_by_test_id("work-notice")).to_contain_text("Completed")


def test_the_metrics_charts_have_legends_axes_and_tooltips(
    browser: Browser, server_url: str
) -> None:
    admin = ApiSession(server_url)
    if admin.call("GET", "/api/workflows/e2e_desk")[0] != 200:
        set_up(admin)
    new_case(admin, "Where is my parcel?")

    with signed_in_page(browser, server_url) as page:
        page.goto("/metrics")
        # Each chart is a figure named for assistive technology.
        volume = page.get_by_role("figure", name="Created and Completed per day")
        expect(volume).to_have_attribute("data-testid", "chart-volume")
        expect(volume.locator(".recharts-legend-wrapper")).to_contain_text("Created")
        expect(volume.locator(".recharts-legend-wrapper")).to_contain_text("Completed")
        expect(volume.locator(".recharts-label")).to_have_text("Work items")  # the y axis
        # Today's bar of created items answers a pointer with its figures.
        volume.locator(".recharts-bar-rectangle path").last.hover()
        tooltip = volume.locator(".recharts-tooltip-wrapper")
        expect(tooltip).to_contain_text("Created")
        expect(page.get_by_test_id("chart-utilisation")).to_contain_text("Utilisation")


def test_a_calendar_keeps_the_public_holidays_of_a_chosen_country_and_region(
    browser: Browser, server_url: str
) -> None:
    with signed_in_page(browser, server_url) as page:
        page.goto("/team")
        page.get_by_test_id("tab-calendars").click()
        page.get_by_test_id("new-calendar").click()
        page.get_by_test_id("calendar-name").fill("munich-office")
        page.get_by_test_id("calendar-timezone").fill("Europe/Berlin")
        page.get_by_test_id("calendar-country").select_option("DE")
        page.get_by_test_id("calendar-region").select_option("BY")
        page.get_by_test_id("calendar-editor-save").click()
        row = (
            page.get_by_test_id("calendars-table")
            .get_by_role("row")
            .filter(has_text="munich-office")
        )
        expect(row).to_contain_text("Germany, Bayern")
        row.click()  # the stored calendar lists the public holidays it keeps this year
        expect(page.get_by_test_id("calendar-public-holidays")).to_contain_text("Epiphany")
