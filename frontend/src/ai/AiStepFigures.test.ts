import { describe, expect, it } from "vitest";
import { aiMetricsUrl } from "./AiStepFigures";

describe("the AI figures", () => {
  it("ask for the page's period and workflow", () => {
    const url = aiMetricsUrl({ start: "2026-12-01T00:00:00.000Z", end: "2026-12-06T00:00:00.000Z" }, "support-case");
    expect(url).toBe("/api/ai/metrics?start=2026-12-01T00%3A00%3A00.000Z&end=2026-12-06T00%3A00%3A00.000Z&workflow_id=support-case");
  });
});
