// The inputs of an AI step (action "ai"), read and written in the shapes the action
// parses (runtime/actions/ai.py): fields as "a, b", outputs as JSON Schema text, into as
// "key->field, ...". The text is written as Python's json.dumps would, so a schema saved
// from the canvas matches the stored examples byte for byte.
import type { Step, StepInput } from "./types";

export const AI_TASKS = ["classify", "extract", "summarise", "draft"] as const;
export type AiTask = (typeof AI_TASKS)[number];
export const EXTRACT_TYPES = ["string", "number", "integer", "boolean"] as const;

type Inputs = Record<string, StepInput | undefined>;
export type OutputRow = { name: string; type: string };
type Schema = Record<string, unknown>;

function raw(inputs: Inputs, name: string): unknown {
  return inputs[name]?.value;
}

export function readTask(inputs: Inputs): AiTask {
  const task = raw(inputs, "task");
  return AI_TASKS.includes(task as AiTask) ? (task as AiTask) : "classify";
}

/** The readable fields: a comma-separated text or a list. */
export function readFields(inputs: Inputs): string[] {
  const value = raw(inputs, "fields");
  const list = Array.isArray(value) ? value.map(String) : typeof value === "string" ? value.split(",") : [];
  return list.map((s) => s.trim()).filter(Boolean);
}

export function writeFields(fields: string[]): StepInput {
  return { value: fields.join(", ") } as StepInput;
}

/** The outputs schema, from JSON text or an object; null when absent or not JSON. */
export function readOutputs(inputs: Inputs): Schema | null {
  const value = raw(inputs, "outputs");
  if (value && typeof value === "object" && !Array.isArray(value)) return value as Schema;
  if (typeof value !== "string") return null;
  try {
    const parsed: unknown = JSON.parse(value);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Schema) : null;
  } catch {
    return null;
  }
}

/** JSON text with Python's default separators and ASCII escapes. */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(", ")}]`;
  if (value && typeof value === "object") {
    return `{${Object.entries(value).map(([k, v]) => `${pythonJson(k)}: ${pythonJson(v)}`).join(", ")}}`;
  }
  if (typeof value === "string") {
    return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  }
  return JSON.stringify(value ?? null);
}

export function writeOutputs(schema: Schema): StepInput {
  return { value: pythonJson(schema) } as StepInput;
}

function properties(schema: Schema | null): Record<string, Schema> {
  const props = schema?.properties;
  return props && typeof props === "object" ? (props as Record<string, Schema>) : {};
}

/** Classify: one string property whose enum are the classes. */
export function classifySchema(name: string, classes: string[]): Schema {
  return { type: "object", properties: { [name]: { type: "string", enum: classes } }, required: [name] };
}

/** The classify output: its name and classes, or null when the schema is not that shape. */
export function readClassify(schema: Schema | null): { name: string; classes: string[] } | null {
  const entries = Object.entries(properties(schema));
  if (entries.length !== 1) return null;
  const [name, prop] = entries[0];
  return Array.isArray(prop.enum) ? { name, classes: prop.enum.map(String) } : null;
}

/** Extract: named, typed values, all required. */
export function extractSchema(rows: OutputRow[]): Schema {
  const named = rows.filter((r) => r.name.trim());
  return {
    type: "object",
    properties: Object.fromEntries(named.map((r) => [r.name.trim(), { type: r.type }])),
    required: named.map((r) => r.name.trim()),
  };
}

export function readRows(schema: Schema | null): OutputRow[] {
  return Object.entries(properties(schema)).map(([name, prop]) => ({
    name, type: typeof prop.type === "string" ? prop.type : "string",
  }));
}

/** Summarise and draft: one text. */
export function textSchema(name: string): Schema {
  return { type: "object", properties: { [name]: { type: "string" } }, required: [name] };
}

export function readInto(inputs: Inputs): Record<string, string> {
  const value = raw(inputs, "into");
  if (value && typeof value === "object" && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
  }
  const pairs: Record<string, string> = {};
  for (const part of String(value ?? "").split(",")) {
    const [key, field] = part.split("->").map((s) => s.trim());
    if (key && field) pairs[key] = field;
  }
  return pairs;
}

/** "key->field, ..."; null (remove the input) when nothing is written. */
export function writeInto(pairs: Record<string, string>): StepInput | null {
  const text = Object.entries(pairs).filter(([k, f]) => k && f).map(([k, f]) => `${k}->${f}`).join(", ");
  return text ? ({ value: text } as StepInput) : null;
}

/** The interactive step that reviews AI step `aiId`: the one its review_step input names,
 *  else one after it whose entry condition reads its needs_review. */
export function findReviewStep(steps: readonly Step[], aiId: string, named: unknown): Step | undefined {
  const interactive = steps.filter((s) => s.kind === "interactive" && s.id !== aiId);
  if (typeof named === "string" && named) {
    const byName = interactive.find((s) => s.id === named);
    if (byName) return byName;
  }
  return interactive.find((s) => (s.after ?? []).includes(aiId)
    && JSON.stringify(s.entry_condition ?? null).includes(`step.${aiId}.needs_review`));
}
