"""Import a BPMN file through the canvas: read the report, save, see it laid out; then export."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

BPMN = Path(__file__).parent / "data" / "claim-intake.bpmn"
ORCHESTRATION = (
    Path(__file__).parents[1]
    / "graphs/interop/corpus/salesforce/Case_Escalation_Orchestration.flow-meta.xml"
)
SHOTS = Path(__file__).parents[2] / "test-results"


def test_import_a_bpmn_file_read_the_report_save_and_see_it_laid_out(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_test_id("workflow-list")).to_be_visible()
    page.get_by_test_id("import-workflow-file").set_input_files(str(BPMN))

    # The report and the problems come before anything is saved.
    dialog = page.get_by_test_id("import-dialog")
    expect(dialog).to_be_visible()
    expect(page.get_by_test_id("import-summary")).to_contain_text("BPMN 2.0")
    expect(page.get_by_test_id("import-summary")).to_contain_text("Claim intake")
    rows = page.get_by_test_id("import-report-row")
    service = rows.filter(has_text="Task_register")
    expect(service).to_contain_text("bpmn:serviceTask")
    expect(service).to_contain_text("Needs an action")
    expect(rows.filter(has_text="Call_payment")).to_contain_text("payment_process")
    expect(page.get_by_test_id("import-problems")).to_contain_text("Task_review")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "import-report.png"))
    assert page.request.get("/api/workflows/claim_intake").status == 404, "saved before confirm"

    page.get_by_test_id("import-confirm").click()
    expect(page).to_have_url(re.compile(r"/workflows/claim_intake$"))
    expect(page.get_by_test_id("editor")).to_be_visible()
    saved = page.request.get("/api/workflows/claim_intake").json()["workflow"]
    count = len(saved["nodes"])
    nodes = page.locator(".react-flow__node")
    expect(nodes).to_have_count(count)

    # Laid out: the file had no diagram, yet no two nodes sit on each other, and the flow
    # runs left to right from the start.
    boxes = [nodes.nth(i).bounding_box() for i in range(count)]
    assert all(box is not None for box in boxes)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a and b
            apart = (
                a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
            )  # fmt: skip
            assert apart, (a, b)
    start = page.locator('.react-flow__node[data-id="StartEvent_1"]').bounding_box()
    paid = page.locator('.react-flow__node[data-id="End_paid"]').bounding_box()
    assert start and paid and start["x"] < paid["x"]
    page.screenshot(path=str(SHOTS / "import-laid-out.png"))

    # The saved draft has the positions, and Export offers the three formats.
    assert len({(n["position"]["x"], n["position"]["y"]) for n in saved["nodes"]}) == count
    page.get_by_test_id("export").locator("summary").click()
    for fmt in ("baton", "bpmn", "salesforce"):
        expect(page.get_by_test_id(f"export-{fmt}")).to_be_visible()
    exported = page.request.get(
        page.get_by_test_id("export-salesforce").get_attribute("href") or ""
    )
    assert exported.status == 200
    assert "<processType>Orchestrator</processType>" in exported.text()


def test_import_a_salesforce_orchestration_through_the_canvas(page: Page) -> None:
    page.goto("/")
    page.get_by_test_id("import-workflow-file").set_input_files(str(ORCHESTRATION))
    expect(page.get_by_test_id("import-summary")).to_contain_text("Salesforce orchestration")
    rows = page.get_by_test_id("import-report-row")
    review = rows.filter(has_text="Review_Case").filter(has_text="Review_Case_Screen_Flow")
    expect(review).to_contain_text("Unresolved reference")
    expect(review).to_contain_text("Triage/Review_Case")
    page.screenshot(path=str(SHOTS / "import-salesforce-report.png"))
    page.get_by_test_id("import-confirm").click()
    expect(page).to_have_url(re.compile(r"/workflows/case-escalation$"))
    # The editor opens readable and draws only the nodes on screen: fitting shows them all.
    page.get_by_test_id("fit-view").click()
    nodes = page.locator(".react-flow__node")
    expect(nodes).to_have_count(6)
    boxes = [nodes.nth(i).bounding_box() for i in range(6)]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a and b
            apart = (
                a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
            )  # fmt: skip
            assert apart, (a, b)
    page.screenshot(path=str(SHOTS / "import-salesforce-laid-out.png"))
