// The version diff in words: which fields of a node changed, and for a stage which steps.
import type { Names } from "./names";

export interface StepChange { id: string; status: "added" | "removed" | "changed"; fields: string[] }
export interface ElementChange { id: string; kind: "node" | "edge"; fields: string[]; steps?: StepChange[] }

/** "entry_condition" -> "entry condition". */
export const fieldWords = (field: string) => field.replace(/_/g, " ");

/** The changed fields of one element, with a stage's steps spelled out by name:
 * `["name", "steps: Tag it (timeout seconds), added Log"]`. */
export function changeWords(change: ElementChange, names: Names): string[] {
  return change.fields.map((field) => {
    if (field !== "steps" || !change.steps?.length) return fieldWords(field);
    const steps = change.steps.map((s) =>
      s.status === "changed"
        ? `${names.step(s.id)} (${s.fields.map(fieldWords).join(", ")})`
        : `${s.status} ${names.step(s.id)}`);
    return `steps: ${steps.join(", ")}`;
  });
}
