"""Nothing silent (issue 15): the tutorial orchestration built on the canvas, run to its
end by an agent in a second browser, and the canvas saying what would fail before it
does: a decision and a loop that read a field nothing writes, a notify step without a
recipient (and publishing refused), the other workflows activation would also start.

The tedious part of the drawing (stages and decisions the canvas test already draws
with the mouse) comes as a saved draft; the mapping of the form's answer to
``case.resolved``, the second Triage step and its notify inputs are set in the UI.
Screenshots go to test-results/ (ignored by git)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from live_server import ApiSession, signed_in_page
from playwright.sync_api import Browser, Page, expect

SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "nothing-silent"
WORKFLOW = "tutorial"
INSIDE = "\u203a"  # the angle quote between a stage's name and its step's in the canvas's words


def _rule(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"kind": "rule", "field": field, "op": op, "value": value}


def _all(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "group", "match": "all", "rules": list(rules)}


def _set(step_id: str, name: str, **values: str) -> dict[str, Any]:
    return {
        "id": step_id,
        "kind": "background",
        "name": name,
        "action": "set_fields",
        "inputs": {k: {"type": "string", "value": v} for k, v in values.items()},
    }


def tutorial() -> dict[str, Any]:
    """Salesforce's tutorial orchestration, as a draft: the form's answer not yet mapped."""
    return {
        "id": WORKFLOW,
        "name": "Tutorial orchestration",
        "case_schema": [
            {"name": "subject", "label": "Subject", "type": "string", "required": True},
            {"name": "case_type", "type": "string"},
            {"name": "channel", "type": "string"},
            {"name": "status", "type": "string"},
            {"name": "priority", "type": "string"},
            {"name": "resolved", "label": "Resolved", "type": "boolean"},
        ],
        # Record-triggered on creation; it can fire on the records support-case takes.
        "trigger": {
            "kind": "record",
            "on": "create",
            "condition": _all(
                _rule("case.case_type", "eq", "support"), _rule("case.channel", "eq", "tutorial")
            ),
        },
        "nodes": [
            {"id": "start", "kind": "start", "name": "Start", "position": {"x": 0, "y": 160}},
            {"id": "intake", "kind": "stage", "name": "Intake", "position": {"x": 150, "y": 120},
             "steps": [_set("open", "Open the case", status="new")]},
            {"id": "triage", "kind": "stage", "name": "Triage", "position": {"x": 450, "y": 120},
             "steps": [_set("classify", "Classify", priority="high")]},
            {"id": "priority", "kind": "decision", "name": "Priority?",
             "position": {"x": 760, "y": 140},
             "outcomes": [{"id": "high", "label": "High",
                           "condition": _all(_rule("case.priority", "eq", "high"))}],
             "default_outcome": {"id": "otherwise", "label": "Otherwise"}},
            {"id": "agent_work", "kind": "stage", "name": "Agent Work",
             "position": {"x": 1030, "y": 120},
             "steps": [{"id": "handle", "kind": "interactive", "name": "Work the case",
                        "assignment": {"agent": "ada"},
                        "form": [{"name": "done", "label": "Resolved", "type": "boolean"}]}]},
            {"id": "resolved_check", "kind": "decision", "name": "Resolved?",
             "position": {"x": 1340, "y": 140},
             "outcomes": [{"id": "yes", "label": "Resolved",
                           "condition": _all(_rule("case.resolved", "eq", True))}],
             "default_outcome": {"id": "no", "label": "Not yet"}},
            {"id": "resolution", "kind": "stage", "name": "Resolution",
             "position": {"x": 1610, "y": 120},
             "steps": [_set("close", "Close the case", status="resolved")]},
            {"id": "end", "kind": "end", "name": "Done", "position": {"x": 1910, "y": 160}},
        ],
        "edges": [
            {"id": "e_start", "source": "start", "target": "intake"},
            {"id": "e_intake", "source": "intake", "target": "triage"},
            {"id": "e_triage", "source": "triage", "target": "priority"},
            {"id": "e_high", "source": "priority", "target": "agent_work", "kind": "outcome",
             "outcome": "high"},
            {"id": "e_low", "source": "priority", "target": "resolution", "kind": "outcome",
             "outcome": "otherwise"},
            {"id": "e_work", "source": "agent_work", "target": "resolved_check"},
            {"id": "e_yes", "source": "resolved_check", "target": "resolution", "kind": "outcome",
             "outcome": "yes"},
            {"id": "e_again", "source": "resolved_check", "target": "agent_work", "kind": "goto",
             "outcome": "no"},
            {"id": "e_end", "source": "resolution", "target": "end"},
        ],
    }  # fmt: skip


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def node(page: Page, node_id: str) -> Any:
    return page.locator(f'.react-flow__node[data-id="{node_id}"]')


def wait_validated(page: Page) -> None:
    expect(page.get_by_test_id("validation-state")).not_to_have_text("Checking…")


def problem(page: Page, code: str, **where: str) -> Any:
    attrs = "".join(f'[data-{key}="{value}"]' for key, value in where.items())
    return page.locator(f'[data-testid=problem][data-code="{code}"]{attrs}')


def open_step(page: Page, step_id: str) -> None:
    page.get_by_test_id(f"step-{step_id}").click()
    expect(page.get_by_test_id("step-panel")).to_be_visible()


def the_loop_is_named(page: Page) -> None:
    """The decision that reads case.resolved and the go-to loop nothing inside ends."""
    wait_validated(page)
    never = problem(page, "field_never_written", node="resolved_check")
    expect(never.first).to_be_visible()
    expect(never.first.locator(".problem__where")).to_contain_text("Resolved?")
    loop = problem(page, "loop_exit_not_written", node="resolved_check", edge="e_again")
    expect(loop).to_have_count(1)
    expect(loop.locator(".problem__msg")).to_contain_text("resolved")
    expect(page.get_by_test_id("node-resolved_check")).to_have_attribute(
        "data-problem", re.compile("warning|error")
    )


def test_the_tutorial_says_what_would_fail_and_runs_once(browser: Browser, server_url: str) -> None:
    admin = ApiSession(server_url)
    status, created = admin.call("POST", "/api/workflows", {"workflow": tutorial()})
    assert status == 201, created

    with signed_in_page(browser, server_url, width=1800) as page:
        page.goto(f"/workflows/{WORKFLOW}")
        expect(node(page, "agent_work")).to_be_visible()
        # The draft as it came: the form's answer stays in the step, so the decision can
        # never see the case resolved and the loop can only end by an outside change.
        the_loop_is_named(page)
        shot(page, "1-unmapped-loop-named")

        # Map the form's "Resolved" answer to case.resolved in the side panel.
        open_step(page, "handle")
        target = page.get_by_test_id("form-target-0")
        expect(target).to_contain_text("Writes no case field")
        page.get_by_test_id("form-case-field-0").select_option("resolved")
        expect(target).to_have_attribute("data-target", "resolved")
        wait_validated(page)
        expect(problem(page, "loop_exit_not_written")).to_have_count(0)
        expect(problem(page, "field_never_written", node="resolved_check")).to_have_count(0)
        # The rule builder says what writes the field the decision reads.
        node(page, "resolved_check").click(position={"x": 40, "y": 14})
        writers = page.get_by_test_id("outcome-cond-yes-rule-0-writers")
        expect(writers).to_contain_text(f"Agent Work {INSIDE} Work the case (form)")

        # A second Triage step starts beside the first, not after it.
        node(page, "triage").click(position={"x": 40, "y": 14})
        page.get_by_test_id("add-step-background-triage").click()
        expect(node(page, "triage").locator(".wf-step")).to_have_count(2)
        expect(page.get_by_test_id("step-panel")).to_be_visible()
        expect(page.get_by_test_id("after-classify")).not_to_be_checked()
        expect(node(page, "triage").locator(".wf-step__after")).to_have_count(0)
        page.get_by_test_id("step-name").fill("Tell the customer")
        page.get_by_test_id("step-action").select_option("notify")
        step_id = page.get_by_test_id("step-panel").locator(".panel-kind__id").inner_text()

        # Its recipient left empty: the problem is on the step, publishing is refused.
        expect(page.get_by_test_id("input-to")).to_have_attribute("data-required", "true")
        expect(page.get_by_test_id("input-missing-to")).to_be_visible()
        wait_validated(page)
        missing = problem(page, "missing_action_input", step=step_id)
        expect(missing).to_have_count(1)
        expect(missing.locator(".problem__where")).to_contain_text(
            f"Triage {INSIDE} Tell the customer"
        )
        expect(page.get_by_test_id("publish")).to_be_disabled()
        expect(page.get_by_test_id("publish-blocked")).to_contain_text("Cannot publish")
        shot(page, "2-notify-without-recipient")

        # Fill it in: an enum as a select, the recipient typed.
        page.get_by_test_id("input-mode-channel").select_option("value")
        page.get_by_test_id("input-value-channel").select_option("log")
        page.get_by_test_id("input-mode-to").select_option("value")
        page.get_by_test_id("input-value-to").fill("customer@example.com")
        wait_validated(page)
        expect(page.locator(".problem--error")).to_have_count(0)
        expect(page.get_by_test_id("publish-blocked")).to_have_count(0)

        # Save with the keyboard, publish, activate: activation names the overlap.
        page.locator(".react-flow__pane").click(position={"x": 30, "y": 700})
        page.keyboard.press("Control+s")
        expect(page.get_by_test_id("save-state")).to_have_text(re.compile("All changes saved"))
        page.get_by_test_id("publish").click()
        page.get_by_test_id("publish-note").fill("The tutorial")
        page.get_by_test_id("publish-confirm").click()
        page.get_by_test_id("activate-published").click()
        check = page.get_by_test_id("activation-check")
        expect(check).to_be_visible()
        expect(page.get_by_test_id("overlap-support-case")).to_be_visible()
        shot(page, "3-activation-overlap")
        page.get_by_test_id("activation-confirm").click()
        expect(page.get_by_test_id("statusbar")).to_contain_text("Active version 1")

        # Start a case from the Cases page: the dialog says it starts this workflow only.
        page.goto("/cases")
        page.get_by_test_id("start-case").click()
        page.get_by_test_id("start-workflow").select_option(WORKFLOW)
        page.get_by_test_id("start-field-subject").fill("Printer on fire")
        page.get_by_test_id("start-field-case_type").fill("support")
        preview = page.get_by_test_id("start-preview")
        expect(preview).to_have_attribute("data-starts", WORKFLOW)
        expect(preview).to_contain_text("Tutorial orchestration")
        shot(page, "4-start-dialog")
        page.get_by_test_id("start-case-submit").click()
        expect(page).to_have_url(re.compile(r"/cases/[^/]+$"))
        run_id = page.url.rsplit("/", 1)[1]
        status, detail = admin.call("GET", f"/api/runs/{run_id}")
        assert status == 200, detail
        case_id = detail["case"]["id"]
        # Named at the start, the case starts this workflow only (not support-case too).
        assert detail["runs_of_case"] == [run_id], detail["runs_of_case"]
        expect(page.get_by_test_id("run-node-agent_work")).to_have_attribute(
            "data-current", "true", timeout=20_000
        )
        shot(page, "5-case-at-agent-work")

        # The agent completes the item in a second browser.
        with signed_in_page(browser, server_url, "ada") as agent:
            agent.goto("/work")
            item = agent.locator("[data-testid^=work-item-]", has_text="Work the case").first
            expect(item).to_be_visible(timeout=15_000)
            item.click()
            agent.get_by_test_id("work-field-done").check()
            agent.get_by_test_id("work-complete").click()
            expect(agent.get_by_test_id("work-notice")).to_contain_text("Completed")

        # The run ends without a second visit to Agent Work.
        expect(page.get_by_test_id("run-node-end")).to_have_attribute(
            "data-current", "true", timeout=20_000
        )
        expect(page.get_by_test_id("run-node-agent_work")).to_have_attribute("data-visits", "1")
        page.get_by_test_id("tab-timeline").click()
        values = page.locator("[data-testid^=timeline-values-]")
        expect(values.first).to_contain_text("done")
        expect(page.get_by_test_id("timeline")).to_contain_text("Step done: Work the case")
        shot(page, "6-case-done-once")
        status, case = admin.call("GET", f"/api/cases/{case_id}")
        assert status == 200 and case["case"]["fields"]["resolved"] is True, case

        # Remove the mapping: the Problems panel names the decision and the loop.
        page.goto(f"/workflows/{WORKFLOW}")
        expect(node(page, "agent_work")).to_be_visible()
        open_step(page, "handle")
        page.get_by_test_id("form-case-field-0").select_option("-")
        the_loop_is_named(page)
        shot(page, "7-mapping-removed-loop-named")

        # Empty notify's recipient again: shown on the step, publishing refused.
        open_step(page, step_id)
        page.get_by_test_id("input-mode-to").select_option("unset")
        wait_validated(page)
        expect(problem(page, "missing_action_input", step=step_id)).to_have_count(1)
        expect(page.get_by_test_id("node-triage")).to_have_attribute("data-problem", "error")
        expect(page.get_by_test_id("publish")).to_be_disabled()
        expect(page.get_by_test_id("publish-blocked")).to_contain_text("Tell the customer")
        shot(page, "8-recipient-emptied-publish-refused")
