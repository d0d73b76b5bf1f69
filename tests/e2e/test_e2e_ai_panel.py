"""The AI step's own side panel: task and readable fields shown as an admin reads them."""

from __future__ import annotations

from live_server import ROOT, signed_in_page
from playwright.sync_api import Browser, expect


def test_the_ai_panel_shows_task_and_readable_fields(browser: Browser, server_url: str) -> None:
    with signed_in_page(browser, server_url, width=1600) as page:
        page.goto("/workflows/support-case")
        page.get_by_test_id("step-classify").click()
        panel = page.get_by_test_id("ai-step-panel")
        expect(panel).to_be_visible()
        expect(page.get_by_test_id("ai-task")).to_have_value("classify")
        expect(page.get_by_test_id("ai-field-subject")).to_be_checked()
        expect(page.get_by_test_id("ai-field-description")).to_be_checked()
        expect(page.get_by_test_id("ai-classes")).to_have_value("category")
        expect(page.get_by_test_id("ai-review-link")).to_be_visible()
        (ROOT / "test-results").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "test-results" / "ai-panel.png"))
