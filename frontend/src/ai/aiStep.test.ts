import { describe, expect, it } from "vitest";
import { aiStep, reviewStep } from "./aiStep";

describe("an AI step from the canvas", () => {
  it("asks the local classifier with a threshold, its outputs a JSON schema", () => {
    const step = aiStep("auto_3");
    expect(step.action).toBe("ai");
    expect(step.inputs?.confidence_threshold?.value).toBe(0.7);
    expect(JSON.parse(String(step.inputs?.outputs?.value)).required).toEqual(["category"]);
  });

  it("comes with a review step that waits for it and opens only when it needs review", () => {
    const review = reviewStep("task_4", "auto_3");
    expect(review.after).toEqual(["auto_3"]);
    expect(review.entry_condition?.rules).toEqual([
      { kind: "rule", field: "step.auto_3.needs_review", op: "eq", value: true },
    ]);
    expect(review.form?.map((f) => f.name)).toEqual(["category"]);
  });
});
