import { describe, expect, it } from "vitest";
import { writtenBy, type DataFlow } from "./dataflow";
import { namesOf } from "./names";

const names = namesOf([{ id: "work", kind: "stage", name: "Agent Work", steps: [{ id: "handle", kind: "interactive", name: "Work the case" }] }]);

describe("writtenBy", () => {
  it("names what writes a field", () => {
    const flow: DataFlow = { complete: true, fields: [{ field: "case.resolved", readers: [], writers: [
      { field: "case.resolved", kind: "form", what: "form field 'done' of step 'handle'", node_id: "work", step_id: "handle" },
      { field: "case.resolved", kind: "creation", what: "the case" },
    ] }] };
    expect(writtenBy(flow, "case.resolved", names)).toEqual({
      text: "Written by Agent Work › Work the case (form); the case at creation (required)", none: false,
    });
  });

  it("says plainly when nothing writes it, and stays quiet when it cannot know", () => {
    expect(writtenBy({ complete: true, fields: [] }, "case.resolved", names)?.none).toBe(true);
    expect(writtenBy({ complete: false, fields: [] }, "case.resolved", names)).toBeNull();
    expect(writtenBy({ complete: true, fields: [] }, "sla.state", names)).toBeNull();
    expect(writtenBy(null, "case.resolved", names)).toBeNull();
  });
});
