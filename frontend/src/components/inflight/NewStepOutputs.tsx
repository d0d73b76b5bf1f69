import { defaultsOf, EMPTY_ANSWERS, readStep, type AnswerPlace, type NewStep, type OutputField, type StepAnswers } from "../../model/whatifInputs";
import { CloseIcon } from "../icons";

const DEFAULTS_TITLE =
  "No recorded case ran this step, so the replay cannot know its answer. Left empty, it answers with no outputs, "
  + "at once (after its median time in the recorded cases, if cases of an older version ran a step with this id).";

/** What the draft's new steps answer in the replay: a small editor per step, its declared
 * outputs (else name/JSON rows) and how long it takes; empty parts say their defaults. */
export function NewStepOutputs({ steps, answers, onChange }: {
  steps: NewStep[];
  answers: Record<string, StepAnswers>;
  onChange: (stepId: string, answers: StepAnswers) => void;
}) {
  if (steps.length === 0) return null;
  return (
    <section className="whatif__steps" data-testid="whatif-new-steps">
      <div className="field__label">New steps: what they answer</div>
      {steps.map((step) => (
        <StepEditor key={step.id} step={step} answers={answers[step.id] ?? EMPTY_ANSWERS}
          onChange={(a) => onChange(step.id, a)} />
      ))}
    </section>
  );
}

function StepEditor({ step, answers, onChange }: { step: NewStep; answers: StepAnswers; onChange: (a: StepAnswers) => void }) {
  const defaults = defaultsOf(step, answers);
  // Wrong values are marked as they are typed; the Run button lists them with their names.
  const { places } = readStep(step, answers);
  const invalid = (place: AnswerPlace) => (places.has(place) ? " is-invalid" : "");
  const setField = (name: string, value: string) => onChange({ ...answers, fields: { ...answers.fields, [name]: value } });
  // With no declared outputs, one blank row is shown to type into.
  const rows = step.fields.length === 0 && answers.rows.length === 0 ? [{ key: "", value: "" }] : answers.rows;
  const setRow = (i: number, patch: Partial<StepAnswers["rows"][number]>) =>
    onChange({ ...answers, rows: rows.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
  return (
    <div className="whatif__step" data-testid={`whatif-step-${step.id}`}>
      <div className="whatif__step-head">
        <b>{step.name}</b> <span className="wf-muted">in {step.stage} · {step.kind === "interactive" ? "form answers" : "outputs"}</span>
      </div>
      {step.fields.map((field) => (
        <label key={field.name} className="whatif__output">
          <span title={field.name}>{field.label}</span>
          <FieldInput field={field} value={answers.fields[field.name] ?? ""} onChange={(v) => setField(field.name, v)}
            testId={`whatif-output-${step.id}-${field.name}`} invalid={invalid(`field:${field.name}`)} />
        </label>
      ))}
      {step.fields.length === 0 && (
        <div className="whatif__rows">
          {rows.map((row, i) => (
            <div key={i} className="whatif__row">
              <input className="input input--compact input--mono" placeholder="output name" value={row.key} aria-label="Output name"
                onChange={(e) => setRow(i, { key: e.target.value })}
                data-testid={`whatif-row-key-${step.id}-${i}`} />
              <input className={`input input--compact input--mono${invalid(`row:${i}`)}`} placeholder='JSON: "text", 3, true' value={row.value} aria-label="Value (JSON)"
                onChange={(e) => setRow(i, { value: e.target.value })}
                data-testid={`whatif-row-value-${step.id}-${i}`} />
              {answers.rows.length > 0 && (
                <button type="button" className="icon-btn" aria-label="Remove this output" onClick={() => onChange({ ...answers, rows: answers.rows.filter((_, j) => j !== i) })}>
                  <CloseIcon size={12} />
                </button>
              )}
            </div>
          ))}
          <div>
            <button type="button" className="btn btn--small" data-testid={`whatif-row-add-${step.id}`}
              onClick={() => onChange({ ...answers, rows: [...rows, { key: "", value: "" }] })}>+ Output</button>
          </div>
        </div>
      )}
      <label className="whatif__output">
        <span>takes</span>
        <span className="whatif__days">
          <input type="text" inputMode="decimal" className={`input input--compact whatif__number${invalid("minutes")}`} value={answers.minutes}
            onChange={(e) => onChange({ ...answers, minutes: e.target.value })} aria-label={`Minutes ${step.name} takes`}
            data-testid={`whatif-minutes-${step.id}`} /> minutes
        </span>
      </label>
      {defaults && <div className="field__hint" title={DEFAULTS_TITLE} data-testid={`whatif-defaults-${step.id}`}>{defaults}</div>}
    </div>
  );
}

function FieldInput({ field, value, onChange, testId, invalid }: {
  field: OutputField; value: string; onChange: (v: string) => void; testId: string; invalid: string;
}) {
  if (field.type === "boolean" || (field.type === "picklist" && field.values.length > 0)) {
    const options = field.type === "boolean" ? ["true", "false"] : field.values;
    return (
      <select className="input input--compact" value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        <option value="">(default)</option>
        {options.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
    );
  }
  const placeholder = field.type === "json" ? "JSON" : field.type === "number" ? "a number" : field.type === "date-time" ? "2026-12-06T09:00:00Z" : "";
  return (
    <input className={`input input--compact${field.type === "json" ? " input--mono" : ""}${invalid}`} value={value} placeholder={placeholder}
      inputMode={field.type === "number" ? "decimal" : undefined} onChange={(e) => onChange(e.target.value)} data-testid={testId} />
  );
}
