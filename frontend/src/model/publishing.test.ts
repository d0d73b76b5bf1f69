import { describe, expect, it } from "vitest";
import { namesOf } from "./names";
import { publishBlocker } from "./publishing";
import type { Problem } from "./types";

/** A problem as the API sends it: the fields a test leaves out are empty. */
function problem(given: Pick<Problem, "code" | "severity" | "message"> & Partial<Problem>): Problem {
  return { node_id: null, edge_id: null, step_id: null, path: null, related: [], field: null, ...given };
}

describe("publishBlocker", () => {
  const names = namesOf([{ id: "triage", kind: "stage", name: "Triage", steps: [{ id: "auto_2", kind: "background", action: "notify", name: "Notify" }] }]);

  it("names the first error and counts them; warnings do not stop publishing", () => {
    expect(publishBlocker([
      problem({ code: "unreachable_node", severity: "warning", message: "careful" }),
      problem({ code: "missing_action_input", severity: "error", message: "to: is required", node_id: "triage", step_id: "auto_2" }),
      problem({ code: "no_end", severity: "error", message: "another" }),
    ], names)).toEqual({ count: 2, message: "to: is required", where: "Triage › Notify" });
    expect(publishBlocker([problem({ code: "unreachable_node", severity: "warning", message: "careful" })], names)).toBeNull();
  });
});
