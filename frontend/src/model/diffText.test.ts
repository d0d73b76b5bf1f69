import { describe, expect, it } from "vitest";
import { changeWords } from "./diffText";
import { namesOf } from "./names";

describe("changeWords", () => {
  it("says which fields of a node changed, and which steps of a stage by name", () => {
    const names = namesOf([{ id: "t", kind: "stage", steps: [{ id: "tag", kind: "background", action: "x", name: "Tag it" }] }]);
    expect(changeWords({
      id: "t", kind: "node", fields: ["entry_condition", "steps"],
      steps: [{ id: "tag", status: "changed", fields: ["timeout_seconds"] }, { id: "log", status: "added", fields: [] }],
    }, names)).toEqual(["entry condition", "steps: Tag it (timeout seconds), added log"]);
  });
});
