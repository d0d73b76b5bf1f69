import { describe, expect, it } from "vitest";
import { namesOf, placeOf, withNames } from "./names";
import type { WfEdge, WfNode } from "./types";

const nodes: WfNode[] = [
  { id: "stage_2", kind: "stage", name: "Agent Work", steps: [{ id: "task_1", kind: "interactive", name: "Work the case" }] },
  { id: "decision_1", kind: "decision", name: "Resolved?", outcomes: [{ id: "no", label: "Not yet" }], default_outcome: null },
];
const edges: WfEdge[] = [{ id: "e9", source: "decision_1", target: "stage_2", kind: "goto", outcome: "no" }];

describe("names", () => {
  it("says where a problem is by name", () => {
    const names = namesOf(nodes, edges);
    expect(placeOf({ node_id: "stage_2", step_id: "task_1" }, names)).toBe("Agent Work › Work the case");
    expect(placeOf({ edge_id: "e9" }, names)).toBe("Resolved? → Agent Work (Not yet)");
    // An edge names its source: the node is not said twice.
    expect(placeOf({ node_id: "decision_1", edge_id: "e9" }, names)).toBe("Resolved? → Agent Work (Not yet)");
    expect(placeOf({}, names)).toBe("workflow");
  });

  it("puts names in place of the ids a message quotes, and leaves other quotes", () => {
    expect(withNames("decision 'decision_1' reads it; step 'task_1' of 'stage_2'; 'x'", namesOf(nodes, edges)))
      .toBe("decision “Resolved?” reads it; step “Work the case” of “Agent Work”; 'x'");
  });

  it("shows an id it does not know as itself", () => {
    expect(namesOf([]).node("gone")).toBe("gone");
  });
});
