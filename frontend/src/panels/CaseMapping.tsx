// Where a step's results go in the case: a form's answers (by default the case field of
// the same name and type) and a background step's outputs (only those named).
import { schemaType } from "../model/catalog";
import { formTarget, mappingFits, targetChoice, withTarget } from "../model/mapping";
import type { BackgroundStep, FormField, JsonSchema, Step } from "../model/types";
import { useEditor } from "../store/editorStore";
import { Section } from "./fields";

/** Which case field a form field's answer writes: the one of the same name (the default),
 *  another one, or none. Says plainly when the answer would reach no case field. */
export function FormTargetPicker({ field, stepId, index, onChange }: {
  field: FormField; stepId: string; index: number; onChange: (f: FormField) => void;
}) {
  const schema = useEditor((s) => s.meta.case_schema) ?? [];
  const target = formTarget(field, schema);
  const sameLabel = target.mode === "same" ? `case.${target.field} (same name)` : "same name: none fits";
  const hint = target.mode === "unmatched"
    ? `Writes no case field: ${target.why}. Pick one, or keep it in the step's outputs only.`
    : target.mode === "named" && !target.known ? `No case field ${target.field} in the case schema.`
      : target.mode === "named" && !target.fits ? `case.${target.field} is of another type: the answer does not fit.`
        : target.mode === "none" ? "Kept in the step's outputs; the case is not changed."
          : undefined;
  return (
    <div className="field" data-testid={`form-target-${index}`} data-target={target.mode === "same" || target.mode === "named" ? target.field : ""}>
      <span className="field__label">Writes to the case</span>
      <select className="input" value={targetChoice(field)} data-testid={`form-case-field-${index}`}
        aria-label={`Case field written by ${field.label || field.name} (${stepId})`}
        onChange={(e) => onChange(withTarget(field, e.target.value))}>
        <option value="">{sameLabel}</option>
        {schema.filter((c) => c.name !== field.name || target.mode !== "same").map((c) => (
          <option key={c.name} value={c.name}>
            case.{c.name}{mappingFits(field.type ?? "string", field.values ?? [], c) ? "" : ` (a ${c.type ?? "string"}: does not fit)`}
          </option>
        ))}
        {field.case_field && !schema.some((c) => c.name === field.case_field) && (
          <option value={field.case_field}>case.{field.case_field} (not in the schema)</option>
        )}
        <option value="-">nothing: outputs only</option>
      </select>
      {hint && <span className={`field__hint${target.mode === "none" ? "" : " field__hint--error"}`}>{hint}</span>}
    </div>
  );
}

/** Which case field each of a background step's outputs writes. Only what is named here
 *  is written: outputs such as notify's `subject` share names with common case fields. */
export function OutputsToCase({ step, outputs, patch }: { step: BackgroundStep; outputs: JsonSchema | undefined; patch: (fields: Partial<Step>) => void }) {
  const schema = useEditor((s) => s.meta.case_schema) ?? [];
  const mapping = step.outputs_to_case ?? {};
  const names = [...new Set([...Object.keys(outputs?.properties ?? {}), ...Object.keys(mapping)])];
  if (names.length === 0) return null;
  const set = (output: string, field: string) => {
    const next = { ...mapping };
    if (field) next[output] = field;
    else delete next[output];
    patch({ outputs_to_case: next } as Partial<Step>);
  };
  return (
    <Section title="Outputs to the case">
      {names.map((name) => {
        const property = outputs?.properties?.[name];
        const type = schemaType(property);
        const values = (property?.enum ?? []).map(String);
        const chosen = mapping[name] ?? "";
        const target = schema.find((c) => c.name === chosen);
        const wrong = chosen && (!target || !mappingFits(type, values, target));
        return (
          <div className="field" key={name} data-testid={`output-${name}`}>
            <span className="field__label">{name} <span className="wf-muted">({type})</span></span>
            <select className="input" value={chosen} data-testid={`output-case-field-${name}`}
              onChange={(e) => set(name, e.target.value)}>
              <option value="">not written to the case</option>
              {schema.map((c) => (
                <option key={c.name} value={c.name}>case.{c.name}{mappingFits(type, values, c) ? "" : ` (a ${c.type ?? "string"}: does not fit)`}</option>
              ))}
              {chosen && !target && <option value={chosen}>case.{chosen} (not in the schema)</option>}
            </select>
            {wrong && <span className="field__hint field__hint--error">
              {target ? `case.${chosen} is a ${target.type ?? "string"}; this output is a ${type}.` : `No case field ${chosen} in the case schema.`}
            </span>}
          </div>
        );
      })}
    </Section>
  );
}
