import { describe as suite, expect, it } from "vitest";
import type { LogEvent } from "../../api/runs";
import { describe } from "../../live/path";
import { submitted } from "./format";

const event = (kind: string, data: Record<string, unknown>, step_id: string | null = "task_1"): LogEvent =>
  ({ seq: 3, at: "2026-12-06T08:00:00Z", actor: "agent:ana", kind, node_id: "stage_2", step_id, data }) as LogEvent;

suite("the timeline", () => {
  it("names steps and nodes, not their ids", () => {
    const line = describe(event("step.completed", {}), (id) => (id === "stage_2" ? "Agent Work" : id),
      (id) => (id === "task_1" ? "Work the case" : id));
    expect(line).toBe("Step done: Work the case");
  });

  it("shows a form's submitted values, except the sensitive ones", () => {
    const done = event("step.completed", { outputs: { resolved: true, card_number: "4111" } });
    expect(submitted(done, new Set(["card_number"]), new Set(["task_1"]))).toEqual([["resolved", true]]);
    expect(submitted(event("step.started", { outputs: { x: 1 } }), new Set(), new Set(["task_1"]))).toEqual([]);
    // A background step's outputs are not a form's answers.
    expect(submitted(done, new Set(), new Set(["other"]))).toEqual([]);
  });
});
