import { describe, expect, it } from "vitest";
import type { Workflow } from "../model/types";
import { carryPath } from "./carry";
import type { PathState } from "./path";

const doc = (edges: [string, string, string, string?][]) => ({
  id: "w", name: "W", nodes: [],
  edges: edges.map(([id, source, target, outcome]) => ({ id, source, target, ...(outcome ? { outcome } : {}) })),
}) as unknown as Workflow;

const before = doc([["a--routing", "a", "routing"], ["p--routing", "p", "routing", "standard"], ["routing--x", "routing", "x"]]);
const after = doc([["a--assignment", "a", "assignment"], ["p--assignment", "p", "assignment", "standard"], ["assignment--x", "assignment", "x"]]);

const path = (moves: PathState["moves"]): PathState => ({
  seq: 9, at: null, status: "running", current: "assignment", hops: [], steps: [], stageWaiting: false,
  incident: null, resolution: null, moves,
  visits: { a: 1, p: 1, routing: 1 },
  edges: { "a--routing": { count: 1, hops: [2] }, "p--routing": { count: 1, hops: [3] } },
});

describe("carryPath", () => {
  it("draws a moved run's old path with the new version's ids", () => {
    const carried = carryPath(path([{ from: 1, to: 2, seq: 8, mapping: { routing: "assignment" } }]), before, after);
    expect(carried.edges).toEqual({ "a--assignment": { count: 1, hops: [2] }, "p--assignment": { count: 1, hops: [3] } });
    expect(carried.visits).toEqual({ a: 1, p: 1, assignment: 1 });
  });

  it("leaves a run that never moved, or whose versions are not loaded, as it is", () => {
    const never = path([]);
    expect(carryPath(never, before, after)).toBe(never);
    const moved = path([{ from: 1, to: 2, seq: 8, mapping: {} }]);
    expect(carryPath(moved, null, after)).toBe(moved);
  });
});
