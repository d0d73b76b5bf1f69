import { describe, expect, it } from "vitest";
import type { MigrationImpact } from "../api/inflight";
import {
  clearSpot, idOptions, impactOverlay, inFlightLines, mappingOf, missingIds, refusalText, sameMapping, unfinishedByVersion,
} from "./impact";
import type { Workflow } from "./types";

const stage = (id: string, steps: string[], x = 0) => ({
  id, kind: "stage" as const, name: id.toUpperCase(), position: { x, y: 0 },
  steps: steps.map((s) => ({ id: s, kind: "background" as const, name: s, action: "set_fields" })),
});
const doc = (nodes: unknown[]): Workflow => ({ id: "w", name: "W", nodes, edges: [] } as unknown as Workflow);

const source = doc([{ id: "start", kind: "start" }, stage("triage", ["classify", "notify"]), stage("review", ["check"], 300)]);
const target = doc([{ id: "start", kind: "start" }, stage("triage", ["classify"]), stage("work", ["check"], 300)]);

const impact = (over: Partial<MigrationImpact> = {}): MigrationImpact => ({
  workflow_id: "w", from_version: 1, to_version: 2, mapping: {}, runs: 9, movable: 5, unmapped: 4,
  nodes: [
    { source_node: "triage", target_node: "triage", runs: 6, movable: 5, unmapped: 1,
      reasons: [{ code: "step_gone", message: "Step 'notify' is gone", runs: 1 }] },
    { source_node: "review", target_node: null, runs: 3, movable: 0, unmapped: 3,
      reasons: [{ code: "node_gone", message: "Node 'review' is gone", runs: 3 }] },
  ],
  target_nodes: { triage: 5 },
  in_flight: { steps_carried: 2, steps_restarted: 0, work_items_carried: 3, work_items_reissued: 0, work_items_cancelled: 1, timers_rescheduled: 0 },
  unmapped_runs: [],
  ...over,
});

describe("mappingOf", () => {
  it("keeps real overrides only, the last row for an id winning", () => {
    expect(mappingOf([
      { from: "review", to: "work" }, { from: "", to: "x" }, { from: "triage", to: "triage" },
      { from: " a ", to: "b" }, { from: "a", to: "c" },
    ])).toEqual({ review: "work", a: "c" });
  });
});

describe("sameMapping", () => {
  it("ignores the order of the keys", () => {
    expect(sameMapping({ a: "x", b: "y" }, { b: "y", a: "x" })).toBe(true);
    expect(sameMapping({ a: "x" }, { a: "x", b: "y" })).toBe(false);
    expect(sameMapping({ a: "x" }, { a: "z" })).toBe(false);
  });
});

describe("idOptions and missingIds", () => {
  it("names nodes and steps and finds what the target lacks", () => {
    expect(idOptions(source).map((o) => o.label)).toContain("TRIAGE › notify");
    expect(missingIds(source, target)).toEqual(["notify", "review"]);
    expect(idOptions(null)).toEqual([]);
  });
});

describe("unfinishedByVersion", () => {
  it("counts running, paused and incident runs per version", () => {
    expect(unfinishedByVersion([
      { version: 1, status: "running" }, { version: 1, status: "incident" }, { version: 1, status: "completed" },
      { version: 2, status: "paused" }, { version: 3, status: "cancelled" },
    ])).toEqual({ 1: 2, 2: 1 });
  });
});

describe("impactOverlay", () => {
  it("counts runs per target node and marks unmapped nodes red, gone ones as ghosts", () => {
    const { overlay, workflow } = impactOverlay(impact(), target, source);
    expect(overlay.nodes.triage).toMatchObject({ badge: "5", tone: "unmapped" });
    expect(overlay.nodes.triage.notes).toEqual(["1 · Step 'notify' is gone"]);
    expect(overlay.nodes.work).toMatchObject({ badge: "0", tone: "quiet" });
    expect(overlay.nodes.review).toMatchObject({ badge: "3", tone: "unmapped" });
    expect(overlay.nodes.review.notes[0]).toBe("not in version 2");
    expect(workflow.nodes.map((n) => n.id)).toEqual(["start", "triage", "work", "review"]);
    expect(overlay.ghosts.map((n) => n.id)).toEqual(["review"]);
    expect(overlay.focus).toEqual(["triage", "review"]);
  });

  it("marks a mapped target node red when its runs cannot move there", () => {
    const mapped = impact({
      nodes: [{ source_node: "review", target_node: "work", runs: 3, movable: 1, unmapped: 2,
        reasons: [{ code: "missing_required_field", message: "The case lacks 'amount'", runs: 2 }] }],
      target_nodes: { work: 1 },
    });
    const { overlay, workflow } = impactOverlay(mapped, target, source);
    expect(overlay.nodes.work).toMatchObject({ badge: "1", tone: "unmapped" });
    expect(overlay.ghosts).toEqual([]);
    expect(workflow.nodes).toHaveLength(3);
  });
});

describe("inFlightLines", () => {
  it("says what happens to in-flight work, leaving zeros out", () => {
    expect(inFlightLines(impact().in_flight)).toEqual([
      "2 running steps carried over", "3 open work items carried over", "1 work items cancelled",
    ]);
  });
});

describe("refusalText", () => {
  it("adds the lists the refusal's details carry", () => {
    const error = Object.assign(new Error("The mapping names unknown ids"), { details: { unknown_ids: ["x", "y"], status: 422 } });
    expect(refusalText(error)).toBe("The mapping names unknown ids — unknown ids: x, y");
    expect(refusalText(new Error("plain"))).toBe("plain");
    const said = Object.assign(new Error("the mapping cannot apply: 'x' is unknown"), { details: { problems: ["'x' is unknown"] } });
    expect(refusalText(said)).toBe("the mapping cannot apply: 'x' is unknown");
    expect(refusalText("text")).toBe("text");
  });
});

describe("clearSpot", () => {
  it("keeps a ghost's place when free, else moves it below what stands there", () => {
    const at = (x: number, y: number) => ({ id: `n${x}-${y}`, kind: "end", position: { x, y } }) as unknown as Workflow["nodes"][number];
    expect(clearSpot({ x: 0, y: 0 }, [at(400, 0)])).toEqual({ x: 0, y: 0 });
    expect(clearSpot({ x: 0, y: 0 }, [at(0, 0), at(10, 110)])).toEqual({ x: 0, y: 220 });
  });
});
