// What the admin tells a what-if before it runs: which recorded cases (a pasted list of
// case ids), and what the draft's new steps answer. Both are read and checked here, in
// the API's terms (designer/api/whatif.py, runtime/whatif/service.py check_outputs), so a
// value typed wrongly is refused in the panel, naming the field, before any request.
import { readOutputs as aiOutputs } from "./aiInputs";
import { schemaType } from "./catalog";
import type { ActionInfo, JsonSchema, Step, Workflow } from "./types";

/** The API's limits on a chosen set of cases. */
export const MAX_CASE_IDS = 10_000;
export const MAX_CASE_ID_LENGTH = 64;
/** The most simulated minutes a given step may take (ten years, as the API takes). */
export const MAX_MINUTES = 10 * 365 * 24 * 60;

export type CaseIdsRead =
  | { ok: true; ids: string[]; duplicates: number }
  | { ok: false; error: string; read: number };

/** Case ids pasted or typed one per line or separated by commas: trimmed, blanks dropped,
 * a repeated id kept once; refused when none, too many or one too long. */
export function readCaseIds(text: string): CaseIdsRead {
  const all = text.split(/[\n\r,;]+/).map((s) => s.trim()).filter((s) => s.length > 0);
  const ids = [...new Set(all)];
  const read = ids.length;
  if (read === 0) return { ok: false, read, error: "No case ids: paste them one per line, or separated by commas." };
  if (read > MAX_CASE_IDS) {
    return { ok: false, read, error: `${read.toLocaleString("en")} case ids read; one test takes at most ${MAX_CASE_IDS.toLocaleString("en")}.` };
  }
  const long = ids.findIndex((id) => id.length > MAX_CASE_ID_LENGTH);
  if (long >= 0) {
    const id = ids[long];
    return {
      ok: false, read,
      error: `Case id ${long + 1} (“${id.slice(0, 24)}…”) has ${id.length} characters; a case id has at most ${MAX_CASE_ID_LENGTH}.`,
    };
  }
  return { ok: true, ids, duplicates: all.length - ids.length };
}

/** "json": a value typed as JSON (an output whose type the model does not declare). */
export type OutputType = "string" | "number" | "boolean" | "picklist" | "date-time" | "json";

/** An output (or form answer) a step declares. */
export interface OutputField { name: string; label: string; type: OutputType; values: string[] }

/** A step of the draft that the active version does not have. */
export interface NewStep {
  id: string;
  name: string;
  /** The name of the stage it is in. */
  stage: string;
  kind: Step["kind"];
  /** Its declared outputs; empty when the model declares none (then: key/value rows). */
  fields: OutputField[];
}

function fromSchema(properties: Record<string, JsonSchema>): OutputField[] {
  return Object.entries(properties).map(([name, schema]) => {
    const type = schemaType(schema);
    const declared = Array.isArray(schema.type) ? schema.type : [schema.type];
    // Objects and lists have no field of their own: typed as JSON.
    const json = declared.some((t) => t === "object" || t === "array");
    return {
      name, label: schema.title || name, type: json ? "json" : type,
      values: (schema.enum ?? []).map(String),
    };
  });
}

/** The outputs a step declares: its form's fields, an AI step's outputs schema, or its
 * action's output schema; none when the model does not say. */
export function declaredOutputs(step: Step, actions: readonly ActionInfo[]): OutputField[] {
  if (step.kind === "interactive") {
    return (step.form ?? []).map((f) => ({ name: f.name, label: f.label || f.name, type: f.type ?? "string", values: f.values ?? [] }));
  }
  if (step.action === "ai") {
    const properties = aiOutputs(step.inputs ?? {})?.properties;
    return properties && typeof properties === "object" ? fromSchema(properties as Record<string, JsonSchema>) : [];
  }
  return fromSchema(actions.find((a) => a.name === step.action)?.output_schema?.properties ?? {});
}

/** The steps of ``draft`` whose ids ``active`` does not have, in the draft's order. */
export function newSteps(draft: Workflow, active: Workflow, actions: readonly ActionInfo[]): NewStep[] {
  const known = new Set(active.nodes.flatMap((n) => (n.kind === "stage" ? (n.steps ?? []).map((s) => s.id) : [])));
  return draft.nodes.flatMap((node) => node.kind !== "stage" ? [] : (node.steps ?? [])
    .filter((step) => !known.has(step.id))
    .map((step) => ({
      id: step.id, name: step.name || step.id, stage: node.name || node.id, kind: step.kind,
      fields: declaredOutputs(step, actions),
    })));
}

/** What the admin typed for one new step, as text. */
export interface StepAnswers {
  minutes: string;
  /** Per declared output name. */
  fields: Record<string, string>;
  /** Outputs the model does not declare: a name and a JSON value each. */
  rows: { key: string; value: string }[];
}

export const EMPTY_ANSWERS: StepAnswers = { minutes: "", fields: {}, rows: [] };

export type Outputs = Record<string, Record<string, unknown>>;
export type OutputsRead = { ok: true; outputs: Outputs } | { ok: false; errors: string[] };

/** ``$`` keys a row may give besides the outputs (the minutes have their own field). */
const DOLLAR_KEYS: Record<string, (v: unknown) => string | null> = {
  $case: (v) => (v !== null && typeof v === "object" && !Array.isArray(v) ? null : "must be a JSON object of case fields"),
  $fail: (v) => (typeof v === "string" ? null : "must be the failure's message, in quotes"),
};

function parseJson(text: string): { value: unknown } | null {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return null;
  }
}

function readField(field: OutputField, text: string): { value: unknown } | string {
  switch (field.type) {
    case "number": {
      const n = Number(text);
      return Number.isFinite(n) ? { value: n } : `“${text}” is not a number`;
    }
    case "boolean":
      return text === "true" || text === "false" ? { value: text === "true" } : "must be true or false";
    case "picklist":
      return field.values.length === 0 || field.values.includes(text)
        ? { value: text } : `must be one of ${field.values.join(", ")}`;
    case "date-time":
      return Number.isNaN(Date.parse(text)) ? `“${text}” is not a date and time (2026-12-06T09:00:00Z)` : { value: text };
    case "json":
      return parseJson(text) ?? "is not JSON";
    default:
      return { value: text };
  }
}

/** Where in a step's editor a problem is: "minutes", "field:<name>" or "row:<index>". */
export type AnswerPlace = "minutes" | `field:${string}` | `row:${number}`;

interface StepRead {
  outputs: Record<string, unknown>;
  errors: string[];
  /** The places of the errors, for the editor to mark. */
  places: Set<AnswerPlace>;
}

/** One new step's answers as the API's ``outputs[step]``; empty fields are left out (the
 * defaults apply). Errors name the step and the field. */
export function readStep(step: NewStep, answers: StepAnswers): StepRead {
  const where = `${step.name} (${step.stage})`;
  const outputs: Record<string, unknown> = {};
  const errors: string[] = [];
  const places = new Set<AnswerPlace>();
  const refuse = (place: AnswerPlace, message: string) => {
    errors.push(message);
    places.add(place);
  };
  const minutes = answers.minutes.trim();
  if (minutes) {
    const n = Number(minutes);
    if (!Number.isFinite(n) || n < 0 || n > MAX_MINUTES) {
      refuse("minutes", `${where}, takes … minutes: “${minutes}” is not a number of minutes from 0 to ${MAX_MINUTES}.`);
    } else outputs.$after_minutes = n;
  }
  for (const field of step.fields) {
    const text = (answers.fields[field.name] ?? "").trim();
    if (!text) continue;
    const read = readField(field, text);
    if (typeof read === "string") refuse(`field:${field.name}`, `${where}, ${field.label}: ${read}.`);
    else outputs[field.name] = read.value;
  }
  answers.rows.forEach((row, i) => {
    const key = row.key.trim();
    const text = row.value.trim();
    if (!key && !text) return;
    if (!key) {
      refuse(`row:${i}`, `${where}, row ${i + 1}: a value without an output name.`);
      return;
    }
    if (key === "$after_minutes") {
      refuse(`row:${i}`, `${where}, ${key}: give the minutes in “takes … minutes”.`);
      return;
    }
    if (key.startsWith("$") && !(key in DOLLAR_KEYS)) {
      refuse(`row:${i}`, `${where}, ${key}: unknown; the $ names are $case and $fail.`);
      return;
    }
    if (key in outputs) {
      refuse(`row:${i}`, `${where}, ${key}: given twice.`);
      return;
    }
    const parsed = parseJson(text);
    if (!parsed) {
      refuse(`row:${i}`, `${where}, ${key}: “${text}” is not JSON (text goes in quotes: "yes"; numbers and true/false as they are).`);
      return;
    }
    const wrong = DOLLAR_KEYS[key]?.(parsed.value) ?? null;
    if (wrong) refuse(`row:${i}`, `${where}, ${key}: ${wrong}.`);
    else outputs[key] = parsed.value;
  });
  return { outputs, errors, places };
}

/** Every new step's answers as the API's ``outputs`` (steps left empty are not sent: the
 * defaults apply), or every problem found. */
export function readStepOutputs(steps: readonly NewStep[], answers: Record<string, StepAnswers>): OutputsRead {
  const outputs: Outputs = {};
  const errors: string[] = [];
  for (const step of steps) {
    const read = readStep(step, answers[step.id] ?? EMPTY_ANSWERS);
    errors.push(...read.errors);
    if (Object.keys(read.outputs).length > 0) outputs[step.id] = read.outputs;
  }
  return errors.length ? { ok: false, errors } : { ok: true, outputs };
}

/** What the replay will use where the admin gave nothing for a new step (a step no
 * recorded case ran answers with no outputs, at once); null when both were given. */
export function defaultsOf(step: NewStep, answers: StepAnswers): string | null {
  const read = readStep(step, answers).outputs;
  const minutes = "$after_minutes" in read;
  const given = Object.keys(read).some((k) => k !== "$after_minutes");
  if (minutes && given) return null;
  if (minutes) return "defaults: no outputs";
  if (given) return "defaults: done at once";
  return "defaults: no outputs, done at once";
}
