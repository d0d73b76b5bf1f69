// What a condition may read, for the rule builder's field picker, and which operators
// fit each field type. Mirrors graphs/conditions.py.
import { SLA_LEVELS } from "../api/runs";
import type { ActionInfo, FieldType, JsonSchema, Operator, WfNode, WorkflowMeta } from "./types";

export interface CatalogField {
  path: string;
  label: string;
  type: FieldType;
  values: string[];
  group: string;
}

/** The SLA levels a condition on `sla.state` may name. */
export const SLA_STATES: string[] = [...SLA_LEVELS];

export function schemaType(schema: JsonSchema | undefined): FieldType {
  const type = Array.isArray(schema?.type) ? schema?.type.find((t) => t !== "null") : schema?.type;
  if (schema?.enum) return "picklist";
  if (type === "number" || type === "integer") return "number";
  if (type === "boolean") return "boolean";
  if (type === "string" && schema?.format === "date-time") return "date-time";
  return "string";
}

export function buildCatalog(
  meta: WorkflowMeta,
  nodes: readonly WfNode[],
  actions: readonly ActionInfo[],
): CatalogField[] {
  const fields: CatalogField[] = (meta.case_schema ?? []).map((f) => ({
    path: `case.${f.name}`,
    label: f.label || f.name,
    type: f.type ?? "string",
    values: f.values ?? [],
    group: "Case",
  }));
  const byAction = new Map(actions.map((a) => [a.name, a]));
  for (const node of nodes) {
    if (node.kind !== "stage") continue;
    for (const step of node.steps ?? []) {
      const group = `Step: ${step.name || step.id}`;
      if (step.kind === "interactive") {
        for (const f of step.form ?? []) {
          fields.push({
            path: `step.${step.id}.${f.name}`, label: f.label || f.name, type: f.type ?? "string",
            values: f.values ?? [], group,
          });
        }
      } else {
        const outputs = byAction.get(step.action)?.output_schema?.properties ?? {};
        for (const [key, schema] of Object.entries(outputs)) {
          fields.push({
            path: `step.${step.id}.${key}`, label: schema.title || key, type: schemaType(schema),
            values: (schema.enum ?? []).map(String), group,
          });
        }
      }
    }
  }
  fields.push(
    { path: "sla.state", label: "SLA state", type: "picklist", values: SLA_STATES, group: "SLA" },
    { path: "sla.remaining_minutes", label: "SLA minutes left", type: "number", values: [], group: "SLA" },
    { path: "counter.loops", label: "Go-to loops taken", type: "number", values: [], group: "Counters" },
    // A numeric case field <name>_count is also read as the counter <name>s (contact_count:
    // counter.contacts), as escalation rules count contacts and reopenings.
    ...(meta.case_schema ?? [])
      .filter((f) => f.type === "number" && f.name.endsWith("_count"))
      .map((f) => ({
        path: `counter.${f.name.slice(0, -"_count".length)}s`, label: `${f.label || f.name} (counter)`,
        type: "number" as const, values: [], group: "Counters",
      })),
  );
  return fields;
}

export const UNARY_OPERATORS: ReadonlySet<Operator> = new Set(["is_set", "is_not_set", "changed"]);
export const LIST_OPERATORS: ReadonlySet<Operator> = new Set(["in", "not_in"]);

export const OPERATOR_LABELS: Record<Operator, string> = {
  eq: "equals", ne: "does not equal", lt: "is less than", lte: "is at most", gt: "is greater than",
  gte: "is at least", in: "is one of", not_in: "is none of", contains: "contains",
  not_contains: "does not contain", is_set: "is set", is_not_set: "is not set", changed: "changed",
};

const BY_TYPE: Record<FieldType, Operator[]> = {
  string: ["eq", "ne", "contains", "not_contains", "in", "not_in", "is_set", "is_not_set", "changed"],
  number: ["eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "is_set", "is_not_set", "changed"],
  boolean: ["eq", "ne", "is_set", "is_not_set", "changed"],
  "date-time": ["eq", "ne", "lt", "lte", "gt", "gte", "is_set", "is_not_set", "changed"],
  picklist: ["eq", "ne", "in", "not_in", "is_set", "is_not_set", "changed"],
};

/** Operators the rule builder offers for a field (`changed` reads case fields only). */
export function operatorsFor(field: Pick<CatalogField, "path" | "type"> | undefined): Operator[] {
  const ops = BY_TYPE[field?.type ?? "string"];
  return field?.path.startsWith("case.") ? ops : ops.filter((op) => op !== "changed");
}

/** A sensible value when a rule's field or operator changes. */
export function defaultValue(field: CatalogField | undefined, op: Operator): unknown {
  if (UNARY_OPERATORS.has(op)) return null;
  if (LIST_OPERATORS.has(op)) return [];
  switch (field?.type) {
    case "number": return 0;
    case "boolean": return true;
    case "picklist": return field.values[0] ?? "";
    default: return "";
  }
}
