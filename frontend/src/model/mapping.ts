// Where a form's answers and a step's outputs go in the case. Mirrors graphs/dataflow.py
// (`mapping_fits`, `form_case_fields`), which the runtime and validation follow.
import type { CaseField, FieldType, FormField } from "./types";

/** Whether a value of type `source` (a picklist with `values`) fits the case field. */
export function mappingFits(source: FieldType, values: readonly string[], target: CaseField): boolean {
  const type = target.type ?? "string";
  if (source === "picklist" && type === "string") return true;
  if (source !== type) return false;
  return source !== "picklist" || values.every((v) => (target.values ?? []).includes(v));
}

export type FormTarget =
  | { mode: "none" }
  | { mode: "named"; field: string; fits: boolean; known: boolean }
  | { mode: "same"; field: string }
  | { mode: "unmatched"; why: string };

/** The case field a form field's answer writes, and how that was decided. */
export function formTarget(field: FormField, schema: readonly CaseField[]): FormTarget {
  if (field.to_case === false) return { mode: "none" };
  const type = field.type ?? "string";
  if (field.case_field) {
    const target = schema.find((f) => f.name === field.case_field);
    return { mode: "named", field: field.case_field, known: !!target, fits: !!target && mappingFits(type, field.values ?? [], target) };
  }
  const same = schema.find((f) => f.name === field.name);
  if (!same) return { mode: "unmatched", why: `no case field is named ${field.name}` };
  if (!mappingFits(type, field.values ?? [], same)) {
    return { mode: "unmatched", why: `case field ${field.name} is a ${same.type ?? "string"}, the answer a ${type}` };
  }
  return { mode: "same", field: same.name };
}

/** The form field with its target set from a select's value: "" same name, "-" none. */
export function withTarget(field: FormField, choice: string): FormField {
  if (choice === "-") return { ...field, to_case: false, case_field: null };
  return { ...field, to_case: true, case_field: choice || null };
}

/** The select's value for a form field's target (see `withTarget`). */
export function targetChoice(field: FormField): string {
  if (field.to_case === false) return "-";
  return field.case_field ?? "";
}
