import { describe, expect, it } from "vitest";
import type { LogEvent } from "../api/runs";
import { describe as describeEvent, foldPath } from "./path";

let seq = 0;
const ev = (kind: string, extra: Partial<LogEvent> = {}): LogEvent => ({
  seq: ++seq, at: `2026-01-05T09:00:${String(seq).padStart(2, "0")}Z`, actor: "system", kind,
  node_id: null, step_id: null, data: {}, ...extra,
});
const enter = (node: string, edge: string | null, visit: number) =>
  ev("node.entered", { node_id: node, data: { edge_id: edge, visit } });

function loopLog(): LogEvent[] {
  seq = 0;
  return [
    ev("run.started"),
    enter("start", null, 1),
    enter("review", "start-review", 1),
    ev("step.started", { node_id: "review", step_id: "check", data: { attempt: 1, work_item_key: "r:check:1" } }),
    ev("step.completed", { node_id: "review", step_id: "check", data: { attempt: 1 } }),
    enter("approved", "review-approved", 1),
    ev("decision.taken", { node_id: "approved", data: { outcome: "no", label: "Rework" } }),
    enter("review", "approved-no", 2),
    ev("step.started", { node_id: "review", step_id: "check", data: { attempt: 2, work_item_key: "r:check:2" } }),
  ];
}

describe("foldPath", () => {
  it("counts visits and the edges taken, in order, through a go-to loop", () => {
    const path = foldPath(loopLog(), (node) => (node === "review" ? ["check", "notify"] : []));
    expect(path.current).toBe("review");
    expect(path.visits).toEqual({ start: 1, review: 2, approved: 1 });
    expect(path.edges["approved-no"]).toEqual({ count: 1, hops: [4] });
    expect(path.hops.map((h) => h.nodeId)).toEqual(["start", "review", "approved", "review"]);
    expect(path.steps).toEqual([
      { id: "check", status: "waiting", attempt: 2, error: null, reason: null },
      { id: "notify", status: "pending", attempt: 1, error: null, reason: null },
    ]);
  });

  it("replays the path as it stood at any earlier moment", () => {
    const log = loopLog();
    const before = foldPath(log, () => ["check"], 5);
    expect(before.current).toBe("review");
    expect(before.visits.review).toBe(1);
    expect(before.steps[0].status).toBe("done");
    expect(before.edges["approved-no"]).toBeUndefined();
  });

  it("shows a failed step with its error, and the incident", () => {
    seq = 0;
    const log = [
      ev("run.started"),
      enter("work", null, 1),
      ev("step.started", { node_id: "work", step_id: "call", data: { attempt: 1 } }),
      ev("step.failed", { node_id: "work", step_id: "call", data: { error: "502 from CRM", retry_at: "x" } }),
      ev("step.failed", { node_id: "work", step_id: "call", data: { error: "502 from CRM", reason: "all 3 tries failed" } }),
      ev("run.incident", { node_id: "work", step_id: "call", data: { code: "step_failed", reason: "step failed" } }),
    ];
    const retrying = foldPath(log, () => [], 4);
    expect(retrying.steps[0].status).toBe("retry_wait");
    const path = foldPath(log);
    expect(path.status).toBe("incident");
    expect(path.steps[0]).toMatchObject({ status: "failed", error: "502 from CRM" });
    expect(path.incident).toEqual({ code: "step_failed", message: "step failed", stepId: "call" });
  });
});

describe("a run moved to another version", () => {
  it("stands on the mapped node and steps, and the timeline says who moved it and why", () => {
    seq = 0;
    const events = [
      ev("run.started"),
      enter("start", null, 1),
      enter("review", "start-review", 1),
      ev("step.started", { node_id: "review", step_id: "check", data: { attempt: 1, work_item_key: "r:check:1" } }),
      ev("run.migrated", { actor: "admin", data: { from_version: 1, to_version: 2, mapping: { review: "vetting", check: "vet" }, by: "ada", reason: "v1 loops" } }),
    ];
    const path = foldPath(events);
    expect(path.current).toBe("vetting");
    expect(path.steps.map((s) => [s.id, s.status])).toEqual([["vet", "waiting"]]);
    expect(path.moves).toEqual([{ from: 1, to: 2, seq: 5, mapping: { review: "vetting", check: "vet" } }]);
    expect(describeEvent(events[4])).toBe("Moved from version 1 to 2 by ada: v1 loops");
  });
});
