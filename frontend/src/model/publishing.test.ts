import { describe, expect, it } from "vitest";
import { namesOf } from "./names";
import { publishBlocker } from "./publishing";

describe("publishBlocker", () => {
  const names = namesOf([{ id: "triage", kind: "stage", name: "Triage", steps: [{ id: "auto_2", kind: "background", action: "notify", name: "Notify" }] }]);

  it("names the first error and counts them; warnings do not stop publishing", () => {
    expect(publishBlocker([
      { code: "w", severity: "warning", message: "careful" },
      { code: "action_input_missing", severity: "error", message: "to: is required", node_id: "triage", step_id: "auto_2" },
      { code: "x", severity: "error", message: "another" },
    ], names)).toEqual({ count: 2, message: "to: is required", where: "Triage › Notify" });
    expect(publishBlocker([{ code: "w", severity: "warning", message: "careful" }], names)).toBeNull();
  });
});
