import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import { contentTypeFor, countByKind, importErrorText, needsLayout, sortReport, withPositions, type ReportItem } from "./interop";
import type { Workflow } from "./types";

const workflow = (positions: ({ x: number; y: number } | undefined)[]): Workflow => ({
  id: "w",
  name: "W",
  nodes: positions.map((position, i) =>
    i === 0 ? { id: `n${i}`, kind: "start", position } : { id: `n${i}`, kind: "stage", steps: [], position },
  ) as Workflow["nodes"],
  edges: [],
});

describe("import helpers", () => {
  it("sends JSON as JSON and anything else as XML, whatever the file is called", () => {
    expect(contentTypeFor("a.json", '  {"id": "x"}')).toBe("application/json");
    expect(contentTypeFor("a.bpmn", '<?xml version="1.0"?><definitions/>')).toBe("application/xml");
    expect(contentTypeFor("Case.flow-meta.xml", "\uFEFF<Flow/>")).toBe("application/xml");
    expect(contentTypeFor("notes.json", "hello")).toBe("application/json");
  });

  it("lays out a workflow whose nodes sit on each other, and only then", () => {
    expect(needsLayout(workflow([undefined, undefined, undefined]))).toBe(true);
    expect(needsLayout(workflow([{ x: 0, y: 0 }, { x: 50, y: 10 }]))).toBe(true);
    expect(needsLayout(workflow([{ x: 0, y: 0 }, { x: 320, y: 0 }, { x: 640, y: 0 }]))).toBe(false);
    expect(needsLayout(workflow([{ x: 0, y: 240 }]))).toBe(false);
  });

  it("puts nodes where the layout says and leaves the rest", () => {
    const moved = withPositions(workflow([undefined, { x: 5, y: 5 }]), { n0: { x: 1, y: 2 } });
    expect(moved.nodes.map((n) => n.position)).toEqual([{ x: 1, y: 2 }, { x: 5, y: 5 }]);
  });

  it("orders the report by seriousness and counts each kind", () => {
    const items: ReportItem[] = [
      { element_id: "a", element_type: "t", kind: "approximated", reason: "r" },
      { element_id: "b", element_type: "t", kind: "not_imported", reason: "r" },
      { element_id: "c", element_type: "t", kind: "approximated", reason: "r" },
      { element_id: "d", element_type: "t", kind: "needs_action", reason: "r" },
    ];
    expect(sortReport(items).map((i) => i.element_id)).toEqual(["b", "d", "a", "c"]);
    expect(countByKind(items)).toEqual([
      { kind: "not_imported", label: "Not imported", count: 1 },
      { kind: "needs_action", label: "Needs an action", count: 1 },
      { kind: "approximated", label: "Approximated", count: 2 },
    ]);
  });

  it("names the line and column of a malformed document", () => {
    const error = new ApiError(400, "malformed_xml", "malformed XML", {
      issues: [{ message: "mismatched tag", line: 2, column: 8 }],
    });
    expect(importErrorText(error)).toBe("malformed XML: line 2, column 8: mismatched tag");
    expect(importErrorText(new Error("offline"))).toBe("offline");
  });
});
