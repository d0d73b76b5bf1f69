"""Drive the real designer in headless Chromium the way an admin would."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Locator, Page, expect

MOD = "Control"


def node(page: Page, node_id: str) -> Locator:
    return page.locator(f'.react-flow__node[data-id="{node_id}"]')


def handle(page: Page, node_id: str, kind: str) -> Locator:
    return node(page, node_id).locator(f".react-flow__handle.{kind}")


def centre(locator: Locator) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def connect(page: Page, source: str, target: str) -> None:
    """Drag from the source node's output handle to the target node's input handle."""
    sx, sy = centre(handle(page, source, "source"))
    tx, ty = centre(handle(page, target, "target"))
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.move((sx + tx) / 2, (sy + ty) / 2 + 20, steps=5)
    page.mouse.move(tx, ty, steps=5)
    page.mouse.up()


def drop_from_palette(page: Page, kind: str, x: float, y: float) -> str:
    """Drag a palette entry onto the canvas at (x, y); returns the new node's id."""
    before = set(
        page.locator(".react-flow__node").evaluate_all("els => els.map(e => e.dataset.id)")
    )
    page.drag_and_drop(
        f"[data-testid=palette-{kind}]", "[data-testid=canvas]", target_position={"x": x, "y": y}
    )
    expect(page.locator(".react-flow__node")).to_have_count(len(before) + 1)
    after = set(page.locator(".react-flow__node").evaluate_all("els => els.map(e => e.dataset.id)"))
    (new_id,) = after - before
    return str(new_id)


def wait_validated(page: Page) -> None:
    expect(page.get_by_test_id("validation-state")).not_to_have_text("Checking…")


def problems(page: Page) -> list[dict[str, Any]]:
    wait_validated(page)
    return page.get_by_test_id("problem").evaluate_all(
        "els => els.map(e => ({code: e.dataset.code, node: e.dataset.node, edge: e.dataset.edge}))"
    )


def create_workflow(page: Page, name: str) -> None:
    page.goto("/")
    page.get_by_test_id("new-workflow").click()
    page.get_by_test_id("new-name").fill(name)
    page.get_by_test_id("create-workflow").click()
    expect(page.get_by_test_id("editor")).to_be_visible()
    expect(node(page, "start")).to_be_visible()


def test_draw_fix_save_reload_publish_activate(page: Page) -> None:
    create_workflow(page, "Refund request")
    expect(page).to_have_url(re.compile(r"/workflows/refund_request$"))

    # Draw: a stage with two steps, a decision with two outcomes, an end, a go-to back.
    stage = drop_from_palette(page, "stage", 380, 250)
    decision = drop_from_palette(page, "decision", 720, 250)
    end = drop_from_palette(page, "end", 1000, 200)
    page.get_by_test_id(f"add-step-interactive-{stage}").click()
    page.get_by_test_id(f"add-step-background-{stage}").click()
    expect(node(page, stage).locator(".wf-step")).to_have_count(2)

    connect(page, "start", stage)
    connect(page, stage, decision)
    expect(page.locator(".react-flow__edge")).to_have_count(2)

    # A decision with two free outcomes asks which one the edge carries.
    connect(page, decision, end)
    page.get_by_test_id("choose-outcome-yes").click()
    expect(page.locator(".react-flow__edge")).to_have_count(3)
    # The last free outcome is taken without asking; back to the stage it closes a loop,
    # so it becomes a go-to, drawn with its own label.
    connect(page, decision, stage)
    expect(page.locator(".react-flow__edge")).to_have_count(4)
    goto_label = page.locator(".wf-edge-label--goto")
    expect(goto_label).to_have_text("go to · Otherwise")
    expect(page.locator(".wf-edge--goto")).to_have_count(1)

    # Validation marks what is wrong on the canvas; fix an unassigned task from its problem.
    found = problems(page)
    codes = {p["code"] for p in found}
    assert "unassigned_step" in codes, found
    task_problem = page.locator('[data-testid=problem][data-code="unassigned_step"]').first
    expect(page.get_by_test_id(f"node-{stage}")).to_have_attribute(
        "data-problem", re.compile("error|warning")
    )
    task_problem.click()
    expect(page.get_by_test_id("step-panel")).to_be_visible()
    page.get_by_test_id("assign-queue").fill("refunds")
    wait_validated(page)
    expect(page.locator('[data-testid=problem][data-code="unassigned_step"]')).to_have_count(0)

    # A background step whose action lacks a required input is an error on the step: make
    # it a notification and give it its recipient.
    page.locator('[data-testid=problem][data-code="missing_action_input"]').first.click()
    expect(page.get_by_test_id("step-panel")).to_be_visible()
    page.get_by_test_id("step-action").select_option("notify")
    page.get_by_test_id("input-mode-to").select_option("value")
    page.get_by_test_id("input-value-to").fill("refunds@example.com")
    wait_validated(page)
    expect(page.locator('[data-testid=problem][data-code="missing_action_input"]')).to_have_count(0)

    # The outcome without a rule is the last error: give it one with the rule builder.
    assert "outcome_without_condition" in {p["code"] for p in problems(page)}
    node(page, decision).click()
    page.get_by_test_id("outcome-cond-yes-add").click()
    expect(page.get_by_test_id("outcome-cond-yes-rule-0-field")).to_be_visible()
    wait_validated(page)
    expect(page.locator(".problem--error")).to_have_count(0)

    # Save with the keyboard, reload, and find the drawing intact.
    page.locator(".react-flow__pane").click(position={"x": 50, "y": 600})
    page.keyboard.press(f"{MOD}+s")
    expect(page.get_by_test_id("save-state")).to_have_text(re.compile("All changes saved"))
    expect(page.get_by_test_id("revision")).to_have_text("Revision 2")
    page.reload()
    expect(page.locator(".react-flow__node")).to_have_count(4)
    expect(page.locator(".react-flow__edge")).to_have_count(4)
    expect(node(page, stage).locator(".wf-step")).to_have_count(2)
    expect(page.locator(".wf-edge-label--goto")).to_have_text("go to · Otherwise")

    # Publish with a note, then activate the new version.
    page.get_by_test_id("publish").click()
    page.get_by_test_id("publish-note").fill("First version")
    page.get_by_test_id("publish-confirm").click()
    page.get_by_test_id("activate-published").click()
    expect(page.get_by_test_id("statusbar")).to_contain_text("Active version 1")


def test_support_case_undo_redo(page: Page) -> None:
    page.goto("/")
    page.get_by_test_id("workflow-row-support-case").click()
    triage = node(page, "triage")
    expect(triage).to_be_visible()
    title = triage.locator(".wf-node__title")
    original = title.inner_text()
    triage.click(position={"x": 30, "y": 12})
    page.get_by_test_id("node-name").fill("Triage and classify")
    expect(title).to_have_text("Triage and classify")
    expect(page.get_by_test_id("save-state")).to_have_text(re.compile("Unsaved"))

    page.locator(".react-flow__pane").click(position={"x": 20, "y": 600})
    page.keyboard.press(f"{MOD}+z")
    expect(title).to_have_text(original)
    expect(page.get_by_test_id("save-state")).to_have_text(re.compile("All changes saved"))
    page.keyboard.press(f"{MOD}+Shift+z")
    expect(title).to_have_text("Triage and classify")
    page.get_by_test_id("undo").click()
    expect(title).to_have_text(original)
    page.keyboard.press(f"{MOD}+y")
    expect(title).to_have_text("Triage and classify")


def test_stale_save_shows_conflict(page: Page, http: Any) -> None:
    page.goto("/workflows/insurance-claim")
    expect(page.get_by_test_id("revision")).to_be_visible()
    status, detail = http.call("GET", "/api/workflows/insurance-claim")
    assert status == 200
    # Someone else saves first.
    other = dict(detail["workflow"], description="Edited elsewhere")
    status, saved = http.call(
        "PUT",
        "/api/workflows/insurance-claim/draft",
        {"revision": detail["revision"], "workflow": other},
    )
    assert status == 200
    page.get_by_test_id("wf-name").fill("Insurance claim (mine)")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("conflict-message")).to_contain_text(
        f"Someone else saved revision {saved['revision']}"
    )
    page.get_by_test_id("conflict-overwrite").click()
    expect(page.get_by_test_id("conflict-dialog")).to_have_count(0)
    expect(page.get_by_test_id("save-state")).to_have_text(re.compile("All changes saved"))
    status, final = http.call("GET", "/api/workflows/insurance-claim")
    assert final["workflow"]["name"] == "Insurance claim (mine)"
    assert final["revision"] == saved["revision"] + 1


def test_auto_layout_moves_nodes_and_undoes_in_one_step(page: Page) -> None:
    page.goto("/workflows/access-request")
    nodes = page.locator(".react-flow__node")
    expect(nodes.first).to_be_visible()
    # The canvas opens readable, on part of a large graph; the whole of it, as the layout
    # fits it, mounts every node to compare.
    page.get_by_test_id("fit-view").click()
    total = re.search(r"(\d+) nodes", page.get_by_test_id("statusbar").inner_text())
    assert total is not None
    expect(nodes).to_have_count(int(total.group(1)))
    read = "els => els.map(e => [e.dataset.id, e.style.transform]).sort()"
    before = nodes.evaluate_all(read)
    page.get_by_test_id("auto-layout").click()
    expect(page.get_by_test_id("save-state")).to_have_text(re.compile("Unsaved"))
    assert nodes.evaluate_all(read) != before
    page.get_by_test_id("undo").click()
    expect(page.get_by_test_id("save-state")).to_have_text(re.compile("All changes saved"))
    assert nodes.evaluate_all(read) == before
