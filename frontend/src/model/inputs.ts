// Which control edits a step input's literal value, from the action's JSON Schema and the
// input's name: a select for an enum, team pickers for queues, agents, skills and owners.
import type { JsonSchema } from "./types";

export type InputControl =
  | "enum" | "queue" | "agent" | "skills" | "recipients" | "url" | "number" | "boolean" | "json" | "text";

/** The schema's non-null alternatives: `anyOf: [{type: string}, {type: null}]` is a string. */
export function plainSchema(schema: JsonSchema | undefined): JsonSchema | undefined {
  const options = schema?.anyOf;
  if (!options) return schema;
  const real = options.filter((o) => o.type !== "null");
  return real.length === 1 ? { ...real[0], description: schema?.description, title: schema?.title } : schema;
}

export function inputControl(name: string, raw: JsonSchema | undefined): InputControl {
  const schema = plainSchema(raw);
  if (schema?.enum?.length) return "enum";
  const type = Array.isArray(schema?.type) ? schema?.type.find((t) => t !== "null") : schema?.type;
  const key = name.toLowerCase();
  if (type === "array" && /skill/.test(key)) return "skills";
  if (type === "object" || type === "array" || (raw && !type)) return "json";
  if (type === "number" || type === "integer") return "number";
  if (type === "boolean") return "boolean";
  if (/^(queue|owner|team)$/.test(key) || key.endsWith("_queue")) return "queue";
  if (/^(agent|assignee)$/.test(key) || key.endsWith("_agent")) return "agent";
  if (/^(to|cc|bcc|recipients?)$/.test(key)) return "recipients";
  if (key === "url" || key.endsWith("_url") || schema?.format === "uri") return "url";
  return "text";
}

/** Whether the action needs this input (its schema's `required`). */
export function isRequired(schema: JsonSchema | undefined, name: string): boolean {
  return schema?.required?.includes(name) ?? false;
}
