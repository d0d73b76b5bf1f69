import { describe as suite, expect, it } from "vitest";
import type { LogEvent } from "../api/runs";
import { describe } from "./path";

const call = (data: Record<string, unknown>): LogEvent =>
  ({ seq: 7, at: "2026-12-06T08:00:00Z", actor: "ai:classify", kind: "ai.call", node_id: "triage",
     step_id: "classify", data }) as LogEvent;

suite("an AI call on the timeline", () => {
  it("says the verdict, the model, how sure it was and what it cost", () => {
    const line = describe(call({ verdict: "handed_to_person", model: "gpt-4o-mini", confidence: 0.42,
      tokens_in: 120, tokens_out: 30, latency_ms: 840, cost: 0.00018 }), (id) => id,
      (id) => (id === "classify" ? "Classify" : id));
    expect(line).toBe("AI handed to a person: Classify (gpt-4o-mini, confidence 0.42, 120+30 tokens, 840 ms, cost 0.0002)");
  });

  it("says a call the budget stopped was never sent", () => {
    expect(describe(call({ verdict: "refused_budget" }), (id) => id, () => "Classify"))
      .toBe("AI not sent: budget spent: Classify");
  });
});
