// An AI step comes with its review step: the background step (action "ai") that asks the
// model, and the interactive step after it that opens only when the model was not sure.
// Validation refuses a threshold without a review step; adding them together avoids it.
import type { BackgroundStep, InteractiveStep } from "../model/types";

export const AI_CATEGORIES = ["category_a", "category_b"];

/** The AI step's settings: classify two placeholder categories, hand over below 0.7. */
export function aiStep(id: string): Omit<BackgroundStep, "id"> & { id: string } {
  const outputs = {
    type: "object",
    properties: { category: { type: "string", enum: AI_CATEGORIES } },
    required: ["category"],
  };
  return {
    id, kind: "background", name: "AI: classify", action: "ai", after: [], entry_condition: null,
    inputs: {
      task: { value: "classify" },
      fields: { value: "subject, description" },
      outputs: { value: JSON.stringify(outputs) },
      provider: { value: "local" },
      confidence_threshold: { type: "number", value: 0.7 },
    },
  };
}

/** The review step of AI step ``aiId``: after it, only when it needs review, the same fields. */
export function reviewStep(id: string, aiId: string): InteractiveStep {
  return {
    id, kind: "interactive", name: "Check the AI's answer", after: [aiId],
    entry_condition: { kind: "group", match: "all",
      rules: [{ kind: "rule", field: `step.${aiId}.needs_review`, op: "eq", value: true }] },
    assignment: { queue: null, agent: null, skills: [], strategy: null },
    form: [{ name: "category", label: "Category", type: "picklist", values: AI_CATEGORIES, required: true,
      help: "The AI was not sure: its suggestion is filled in; keep or correct it." }],
  };
}
