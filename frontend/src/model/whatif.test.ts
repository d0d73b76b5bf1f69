import { describe, expect, it } from "vitest";
import type { Figures, WhatIf } from "../api/inflight";
import { heat, percent } from "./overlay";
import { compareSections, heatOverlay, validDays } from "./whatif";
import type { Workflow } from "./types";

const figures = (over: Partial<Figures> = {}): Figures => ({
  cases: 10, node_visits: {}, edge_share: {}, stage_minutes: {}, sla_attainment: null, sla_clocks: 0,
  queue_load: {}, agent_load: {}, unassigned: 0, outcomes: {}, open: 0, incidents: 0, loop_guard: 0, path_changed: 0, ...over,
});

const result: WhatIf = {
  workflow_id: "w", active_version: 1, cases: 10, since: null, until: "2026-12-06T09:00:00Z",
  active: figures({
    node_visits: { start: 10, check: 10, auto: 6, manual: 4 },
    edge_share: { "e-auto": 0.6, "e-manual": 0.4, "e-start": 1 },
    stage_minutes: { manual: { mean: 30, p90: 95 } }, sla_attainment: 0.9,
    queue_load: { support: 4 }, outcomes: { done: 10 },
  }),
  draft: figures({
    node_visits: { start: 10, check: 10, auto: 2, manual: 8, extra: 3 },
    edge_share: { "e-auto": 0.2, "e-manual": 0.8, "e-start": 1, "e-extra": 0.3 },
    stage_minutes: { manual: { mean: 30, p90: 95 } }, sla_attainment: 0.75,
    queue_load: { support: 8 }, outcomes: { done: 10 }, path_changed: 4, unassigned: 2,
  }),
  changes: { added_nodes: ["extra"], removed_nodes: [], changed_nodes: ["check"], added_edges: ["e-extra"], removed_edges: [], changed_edges: ["e-start"] },
  listed: [],
  simulated: 4,
};

const draft = {
  id: "w", name: "W",
  nodes: ["start", "check", "auto", "manual", "extra"].map((id) => ({ id, kind: "stage", name: id })),
  edges: [
    { id: "e-start", source: "start", target: "check" }, { id: "e-auto", source: "check", target: "auto" },
    { id: "e-manual", source: "check", target: "manual" }, { id: "e-extra", source: "manual", target: "extra" },
  ],
} as unknown as Workflow;
const names = { node: (id: string) => id.toUpperCase(), edge: (id: string) => `edge ${id}` };

describe("percent and heat", () => {
  it("reads shares for people and weighs edges by them", () => {
    expect(percent(0.424)).toBe("42%");
    expect(percent(0.001)).toBe("<1%");
    expect(percent(null)).toBe("–");
    expect(heat(0).width).toBeLessThan(heat(0.5).width);
    expect(heat(0.5).width).toBeLessThan(heat(1).width);
    expect(heat(1).color).not.toBe(heat(0.2).color);
  });
});

describe("compareSections", () => {
  it("lists only edges whose share moved, and every other figure side by side", () => {
    const sections = compareSections(result, names);
    const edges = sections.find((s) => s.title.startsWith("Share"))!;
    expect(edges.rows.map((r) => [r.label, r.active, r.draft])).toEqual([
      ["edge e-auto", "60%", "20%"], ["edge e-extra", "–", "30%"], ["edge e-manual", "40%", "80%"],
    ]);
    const sla = sections.find((s) => s.title === "SLA")!.rows[0];
    expect(sla).toMatchObject({ active: "90%", draft: "75%", changed: true });
    const stage = sections.find((s) => s.title.startsWith("Time"))!.rows[0];
    expect(stage).toMatchObject({ label: "MANUAL", active: "30 min · 1.6 h", changed: false });
    expect(sections.find((s) => s.title.startsWith("Load per queue"))!.rows[0]).toMatchObject({ active: "4", draft: "8" });
    expect(sections.find((s) => s.title.startsWith("Load per agent"))!.rows).toEqual([
      { key: "unassigned", label: "Waiting unassigned", active: "0", draft: "2", changed: true },
    ]);
  });
});

describe("heatOverlay", () => {
  it("weighs edges by the draft's shares and marks what the draft adds or changes", () => {
    const overlay = heatOverlay(result, draft);
    expect(overlay.edges["e-manual"]).toMatchObject({ share: 0.8, tone: "changed", label: "80% (was 40%)" });
    expect(overlay.edges["e-start"]).toMatchObject({ tone: "changed", label: "100%" });
    expect(overlay.edges["e-extra"].tone).toBe("added");
    expect(overlay.edges["e-manual"].width).toBeGreaterThan(overlay.edges["e-auto"].width);
    expect(overlay.nodes.extra).toMatchObject({ tone: "added", badge: "3" });
    expect(overlay.nodes.check.tone).toBe("changed");
    expect(overlay.nodes.manual).toMatchObject({ tone: "count", badge: "8", notes: ["was 4 visits"] });
    expect(overlay.focus).toEqual(["start", "check", "auto", "manual", "extra"]);
  });
});

describe("validDays", () => {
  it("takes whole days from 1 to 365", () => {
    expect(validDays("30")).toBe(30);
    expect(validDays("0")).toBeNull();
    expect(validDays("400")).toBeNull();
    expect(validDays("2.5")).toBeNull();
    expect(validDays("")).toBeNull();
  });
});

