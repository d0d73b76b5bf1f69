import { describe, expect, it } from "vitest";
import type { Figures, WhatIf } from "../api/inflight";
import type { Workflow } from "./types";
import { compareSections } from "./whatif";
import { unnamedIds, whatIfNamer } from "./whatifNames";

const doc = (nodes: [string, string][], edges: [string, string, string, string?][]): Workflow => ({
  id: "w", name: "W",
  nodes: nodes.map(([id, name]) => ({ id, kind: "stage", name })),
  edges: edges.map(([id, source, target, label]) => ({ id, kind: "next", source, target, ...(label ? { label } : {}) })),
}) as unknown as Workflow;

const v1 = doc([["triage", "Triage"], ["routing", "Routing"]], [["triage--routing", "triage", "routing"]]);
const v2 = doc([["triage", "Triage"], ["desk", "Desk"]], [["triage--desk", "triage", "desk", "to the desk"]]);
const active = doc([["triage", "Triage"], ["assignment", "Assignment"]], [["triage--assignment", "triage", "assignment"]]);
const draft = doc([["triage", "Triage (new)"], ["assignment", "Assignment"]], [["triage--assignment", "triage", "assignment"]]);

const figures = (edge_share: Record<string, number>, node_visits: Record<string, number> = {}): Figures => ({
  cases: 4, node_visits, edge_share, stage_minutes: {}, sla_attainment: null, sla_clocks: 0, queue_load: {},
  agent_load: {}, unassigned: 0, outcomes: {}, open: 0, incidents: 0, loop_guard: 0, path_changed: 0,
});
const result: WhatIf = {
  workflow_id: "w", active_version: 3, cases: 4, since: null, until: "2026-12-06T09:00:00Z",
  active: figures({ "triage--routing": 0.5, "triage--desk": 0.25, "triage--gone": 0.25 }, { routing: 2, triage: 4 }),
  draft: figures({ "triage--assignment": 1 }, { assignment: 4, triage: 4 }),
  changes: { added_nodes: [], removed_nodes: [], changed_nodes: [], added_edges: [], removed_edges: [], changed_edges: [] },
  listed: [],
  simulated: 4,
};

describe("whatIfNamer", () => {
  it("names edges of older versions from the version that has them, else says they are of an older version", () => {
    const names = whatIfNamer([active, draft], [{ version: 1, workflow: v1 }, { version: 2, workflow: v2 }]);
    expect(names.edge("triage--assignment")).toBe("Triage (new) → Assignment");
    expect(names.edge("triage--routing")).toBe("Triage → Routing (edge of version 1)");
    expect(names.edge("triage--desk")).toBe("Triage → Desk (to the desk) (edge of version 2)");
    expect(names.edge("triage--gone")).toBe("triage--gone (edge of an older version)");
    expect(names.node("routing")).toBe("Routing (version 1)");
    expect(names.node("triage")).toBe("Triage (new)");
  });

  it("gives the compare table no bare edge id", () => {
    const names = whatIfNamer([active, draft], [{ version: 1, workflow: v1 }]);
    const edges = compareSections(result, names).find((s) => s.title.startsWith("Share"))!;
    expect(edges.rows.map((r) => r.label)).toEqual([
      "Triage (new) → Assignment", "triage--desk (edge of an older version)",
      "triage--gone (edge of an older version)", "Triage → Routing (edge of version 1)",
    ]);
  });
});

describe("unnamedIds", () => {
  it("lists the ids neither the active version nor the draft names", () => {
    expect(unnamedIds(result, [active, draft]).sort()).toEqual(["routing", "triage--desk", "triage--gone", "triage--routing"]);
    expect(unnamedIds(result, [active, draft, v1, v2]).sort()).toEqual(["triage--gone"]);
  });
});
