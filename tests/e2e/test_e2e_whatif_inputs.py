"""What-if inputs in Chromium (issue 19): a draft with a new step tested on a chosen set of
recorded cases, the admin giving the new step's answer and how long it takes.

The server and its resting demo support cases are those of ``test_e2e_versions.py`` (its
``url`` fixture, a server of this module's own). A second version, where Routing became
Assignment, is made active first, so the recorded cases (which ran on version 1) took edges
the active version and the draft lack: the table names them from version 1.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from live_server import ApiSession, signed_in_page
from playwright.sync_api import Browser, Request, expect
from test_e2e_versions import (
    WORKFLOW,
    publish_second_version,
    put_draft,
    save,
    url,
    version_document,
)

__all__ = ["url"]  # the server fixture, used by name

CALL_BACK = {
    "id": "call_back",
    "kind": "interactive",
    "name": "Call the customer back",
    "assignment": {"queue": "triage", "strategy": "load_balanced"},
    "form": [
        {"name": "reached", "label": "Reached", "type": "boolean"},
        {
            "name": "priority",
            "label": "Priority",
            "type": "picklist",
            "values": ["low", "normal", "high", "urgent"],
        },
    ],
}
TELL_TEAM = {
    "id": "tell_team",
    "kind": "background",
    "name": "Tell the team",
    "action": "notify",
    "inputs": {
        "to": {"value": "team@example.com"},
        "subject": {"value": "New case: {subject}"},
        "body": {"value": "A case is in triage."},
    },
}


def with_new_steps(document: dict[str, Any]) -> dict[str, Any]:
    """Triage also calls the customer back, whose answer may set the priority, and tells the
    team: two steps no recorded case ran."""
    doc = copy.deepcopy(document)
    [triage] = [n for n in doc["nodes"] if n["id"] == "triage"]
    triage["steps"] += [CALL_BACK, TELL_TEAM]
    return doc


def test_a_chosen_set_of_cases_with_the_answer_of_a_new_step(
    browser: Browser, url: str, tmp_path: Path
) -> None:
    admin = ApiSession(url)
    publish_second_version(admin, "Routing becomes Assignment")
    put_draft(admin, with_new_steps(version_document(admin, 2)))
    _, runs = admin.call("GET", f"/api/runs?workflow_id={WORKFLOW}&node_id=routing")
    # An urgent case (in through Expedite, by an edge only version 1 has) and another.
    urgent = {
        run["case_id"]: admin.call("GET", f"/api/runs/{run['id']}")[1]["case"]["fields"]["priority"]
        == "urgent"
        for run in runs["items"]
    }
    chosen = [next(c for c, u in urgent.items() if u), next(c for c, u in urgent.items() if not u)]

    with signed_in_page(browser, url) as page:
        asked: list[Request] = []
        page.on("request", lambda r: asked.append(r) if r.url.endswith("/whatif") else None)
        page.goto(f"/workflows/{WORKFLOW}")
        page.get_by_test_id("open-whatif").click()
        page.get_by_test_id("whatif-mode-ids").click()
        ids = page.get_by_test_id("whatif-case-ids")
        ids.fill(f"{chosen[0]}\n{chosen[1]}, no-such-case\n{chosen[0]}")
        expect(page.get_by_test_id("whatif-case-count")).to_have_text(
            "3 case ids read (1 repeated, kept once)."
        )

        # The new steps, each with an editor; left empty, the defaults are said.
        new = page.get_by_test_id("whatif-new-steps")
        expect(new.get_by_test_id("whatif-step-call_back")).to_contain_text("in Triage")
        expect(page.get_by_test_id("whatif-defaults-call_back")).to_have_text(
            "defaults: no outputs, done at once"
        )
        expect(page.get_by_test_id("whatif-defaults-tell_team")).to_have_text(
            "defaults: no outputs, done at once"
        )
        expect(new.get_by_test_id("whatif-step-record_context")).to_have_count(0)

        # Wrong minutes are refused in the panel, naming the step and field; nothing is asked.
        page.get_by_test_id("whatif-output-call_back-reached").select_option("true")
        page.get_by_test_id("whatif-minutes-call_back").fill("-5")
        page.get_by_test_id("whatif-run").click()
        expect(page.get_by_test_id("whatif-input-errors")).to_contain_text(
            "Call the customer back (Triage), takes … minutes: “-5” is not a number of minutes"
        )
        expect(page.get_by_test_id("whatif-minutes-call_back")).to_have_class(
            re.compile(r"\bis-invalid\b")
        )
        assert asked == []

        # A case the server has no run for: its answer, by the list, and a way to drop it.
        # (The cases were recorded moments ago: a call back taking longer would still be
        # under way at the what-if's now, and the cases would stay in Triage.)
        page.get_by_test_id("whatif-minutes-call_back").fill("0")
        page.get_by_test_id("whatif-output-call_back-priority").select_option("urgent")
        expect(page.get_by_test_id("whatif-defaults-call_back")).to_have_count(0)
        page.get_by_test_id("whatif-run").click()
        unknown = page.get_by_test_id("whatif-unknown-cases")
        expect(unknown).to_contain_text("has no recorded run for case(s) 'no-such-case'")
        expect(unknown).to_contain_text("Not found (1): no-such-case")
        expect(page.get_by_test_id("whatif-input-errors")).to_have_count(0)
        save(page, "whatif-unknown-cases.png", tmp_path)
        page.get_by_test_id("whatif-drop-unknown").click()
        expect(page.get_by_test_id("whatif-case-count")).to_have_text("2 case ids read.")

        page.get_by_test_id("whatif-run").click()
        summary = page.get_by_test_id("whatif-summary")
        expect(summary).to_contain_text("2 recorded cases (the cases chosen), active version v2")
        expect(page.get_by_test_id("whatif-given")).to_have_text(
            'New steps answered: Call the customer back: reached true, priority "urgent", 0 min;'
            " Tell the team: defaults"
        )
        sent = asked[-1].post_data_json
        assert sent is not None
        assert sent["case_ids"] == chosen
        assert sent["outputs"] == {
            "call_back": {"$after_minutes": 0, "reached": True, "priority": "urgent"}
        }
        assert "days" not in sent

        table = page.get_by_test_id("whatif-table")
        # The call back's answer makes the normal case urgent: both go down the fast lane.
        fast = table.get_by_test_id("row-edge:priority--urgent")
        expect(fast).to_have_attribute("data-changed", "true")
        expect(fast.locator("td")).to_have_text(["Priority? → Expedite (Urgent)", "50%", "100%"])
        expect(table.get_by_test_id("row-queue:triage")).to_have_attribute("data-changed", "true")
        # The urgent case went from Expedite into Routing, which only version 1 has.
        old = table.get_by_test_id("row-edge:expedite--routing")
        expect(old.locator("td").first).to_have_text("Expedite → Routing (edge of version 1)")
        expect(table.locator("td", has_text=re.compile(r"^[a-z_]+--[a-z_]+$"))).to_have_count(0)
        save(page, "whatif-inputs.png", tmp_path)
        old.scroll_into_view_if_needed()
        save(page, "whatif-inputs-table.png", tmp_path)
