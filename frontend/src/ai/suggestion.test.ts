import { describe, expect, it } from "vitest";
import { prefill, type AiSuggestion } from "./suggestion";

const handed: AiSuggestion = {
  ai_step: "classify", needs_review: true, answer: { category: "billing", extra: 1 },
  reason: "confidence 0.42 is below the threshold 0.7", confidence: 0.42, model: "local",
};

describe("a review form", () => {
  it("starts from the AI's answer for its own fields", () => {
    expect(prefill(handed, [{ name: "category" }, { name: "note" }], {})).toEqual({ category: "billing" });
  });

  it("never overwrites what the person typed, nor fills a form the AI was sure about", () => {
    const typed = { category: "outage" };
    expect(prefill(handed, [{ name: "category" }], typed)).toBe(typed);
    expect(prefill({ ...handed, needs_review: false }, [{ name: "category" }], {})).toEqual({});
  });
});
