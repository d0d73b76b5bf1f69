// What Baton's AI step answered, for the person who reviews it: GET /api/ai/work-items/<key>/suggestion.
import { request } from "../api/client";

export interface AiSuggestion {
  ai_step: string | null;
  needs_review: boolean;
  answer: Record<string, unknown> | null;
  reason: string | null;
  confidence: number | null;
  model: string | null;
}

export const aiApi = {
  suggestion: (key: string) =>
    request<AiSuggestion>("GET", `/api/ai/work-items/${encodeURIComponent(key)}/suggestion`),
};

/** The form values to start from: the AI's answer for the fields the form has and the person has not filled. */
export function prefill(
  suggestion: AiSuggestion | null, fields: readonly { name: string }[], filled: Record<string, unknown>,
): Record<string, unknown> {
  if (!suggestion?.needs_review || !suggestion.answer) return filled;
  const start = { ...filled };
  let added = false;
  for (const { name } of fields) {
    if (name in suggestion.answer && (start[name] === undefined || start[name] === "")) {
      start[name] = suggestion.answer[name];
      added = true;
    }
  }
  // The same object when nothing was added, so a re-run of the effect re-renders nothing.
  return added ? start : filled;
}
