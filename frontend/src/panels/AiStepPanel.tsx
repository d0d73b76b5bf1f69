// The side panel of an AI step (action "ai"): task, readable fields, outputs, threshold,
// provider, where accepted answers go and who reviews the rest, edited as an admin thinks
// of them. Values are written as the step inputs the action already reads (aiInputs).
import { useState } from "react";
import {
  AI_TASKS, EXTRACT_TYPES, classifySchema, extractSchema, findReviewStep, readClassify, readFields, readInto,
  readOutputs, readRows, readTask, textSchema, writeFields, writeInto, writeOutputs, type OutputRow,
} from "../model/aiInputs";
import type { BackgroundStep, InteractiveStep, StageNode, StepInput } from "../model/types";
import { useEditor } from "../store/editorStore";
import { Checkbox, Field, FieldGroup, PanelLink, Select, TextArea, TextInput } from "./fields";

type SetInput = (name: string, input: StepInput | null, key?: string) => void;

const value = (v: unknown): StepInput => ({ value: v }) as StepInput;

export function AiStepPanel({ step, setInput }: { step: BackgroundStep; setInput: SetInput }) {
  const caseFields = useEditor((s) => s.meta.case_schema) ?? [];
  const inputs = step.inputs ?? {};
  const task = readTask(inputs);
  const fields = readFields(inputs);
  const schema = readOutputs(inputs);
  const into = readInto(inputs);
  const outputKeys = Object.keys((schema?.properties as Record<string, unknown> | undefined) ?? {});
  const threshold = typeof inputs.confidence_threshold?.value === "number" ? inputs.confidence_threshold.value : null;
  const provider = inputs.provider?.value === "openai" ? "openai" : "local";
  const key = (name: string) => `${step.id}.input.${name}`;
  const setOutputs = (next: Record<string, unknown>) => setInput("outputs", writeOutputs(next), key("outputs"));
  return (
    <div className="ai-step" data-testid="ai-step-panel">
      <Field label="Task">
        <Select value={task} options={AI_TASKS} testId="ai-task" onChange={(v) => setInput("task", value(v))} />
      </Field>
      <FieldGroup label="Readable fields" testId="ai-fields" hint="What the model may read of the case.">
        <div className="checks">
          {caseFields.map((f) => (
            <label key={f.name} className="checkbox">
              <input type="checkbox" data-testid={`ai-field-${f.name}`} disabled={!!f.sensitive}
                checked={!f.sensitive && fields.includes(f.name)}
                onChange={(e) => setInput("fields", writeFields(e.target.checked
                  ? caseFields.map((c) => c.name).filter((n) => n === f.name || fields.includes(n))
                  : fields.filter((n) => n !== f.name)))} />
              <span>{f.label || f.name}{f.sensitive && <em className="field__hint"> — sensitive, never sent</em>}</span>
            </label>
          ))}
        </div>
      </FieldGroup>
      <Outputs task={task} schema={schema} onChange={setOutputs} />
      <Field label={`Confidence threshold: ${threshold === null ? "none" : threshold.toFixed(2)}`}
        hint="Below it, the answer goes to a person.">
        <input type="range" min={0} max={1} step={0.05} value={threshold ?? 0} data-testid="ai-threshold"
          onChange={(e) => setInput("confidence_threshold", { type: "number", value: Number(e.target.value) } as StepInput, key("threshold"))} />
      </Field>
      <div className="row">
        <Field label="Provider">
          <Select value={provider} options={["local", "openai"] as const} testId="ai-provider"
            onChange={(v) => setInput("provider", value(v))} />
        </Field>
        {provider === "openai" && (
          <Field label="Model">
            <TextInput value={String(inputs.model?.value ?? "")} placeholder="settings' default" testId="ai-model"
              onChange={(v) => setInput("model", v ? value(v) : null, key("model"))} />
          </Field>
        )}
      </div>
      {provider === "local" && task !== "classify" && (
        <p className="field__hint field__hint--error">The local provider only classifies: pick openai for {task}.</p>
      )}
      <FieldGroup label="Into" testId="ai-into" hint="The case fields an accepted answer writes.">
        {outputKeys.length === 0 && <span className="field__hint">No outputs yet.</span>}
        {outputKeys.map((k) => (
          <div key={k} className="row row--center">
            <code>{k}</code> →
            <Select value={into[k] ?? ""} testId={`ai-into-${k}`}
              options={[{ value: "", label: "not written" }, ...caseFields.map((f) => ({ value: f.name, label: f.label || f.name }))]}
              onChange={(v) => setInput("into", writeInto({ ...into, [k]: v }))} />
          </div>
        ))}
      </FieldGroup>
      <Field label="Instructions">
        <TextArea value={String(inputs.instructions?.value ?? "")} placeholder="Added to the prompt" testId="ai-instructions"
          onChange={(v) => setInput("instructions", v ? value(v) : null, key("instructions"))} />
      </Field>
      <Checkbox label="Sensitive prompt: log only its hash" checked={inputs.sensitive_prompt?.value === true} testId="ai-sensitive-prompt"
        onChange={(on) => setInput("sensitive_prompt", on ? { type: "boolean", value: true } as StepInput : null)} />
      <Reviewer step={step} />
    </div>
  );
}

function Outputs({ task, schema, onChange }: {
  task: string; schema: Record<string, unknown> | null; onChange: (s: Record<string, unknown>) => void;
}) {
  const [advanced, setAdvanced] = useState(false);
  const caseFields = useEditor((s) => s.meta.case_schema) ?? [];
  const picklists = caseFields.filter((f) => f.type === "picklist");
  const classify = readClassify(schema);
  const rows = readRows(schema);
  const text = JSON.stringify(schema ?? {}, null, 2);
  return (
    <FieldGroup label="Outputs" testId="ai-outputs">
      {task === "classify" && (
        <>
          <Select value={classify?.name ?? ""} testId="ai-classes"
            options={[{ value: "", label: "Classes from a picklist field…" },
              ...picklists.map((f) => ({ value: f.name, label: f.label || f.name }))]}
            onChange={(name) => {
              const field = picklists.find((f) => f.name === name);
              if (field) onChange(classifySchema(field.name, field.values ?? []));
            }} />
          {classify && <div className="checks">{classify.classes.map((c) => <span key={c} className="tag">{c}</span>)}</div>}
        </>
      )}
      {task === "extract" && <ExtractRows rows={rows} onChange={(next) => onChange(extractSchema(next))} />}
      {(task === "summarise" || task === "draft") && (
        <TextInput mono value={rows[0]?.name ?? ""} placeholder="summary" testId="ai-text-output"
          onChange={(v) => onChange(textSchema(v))} />
      )}
      <Checkbox label="Advanced: edit JSON Schema" checked={advanced} onChange={setAdvanced} testId="ai-advanced" />
      {advanced && (
        <textarea key={text} className="input input--mono" rows={8} defaultValue={text} data-testid="ai-schema"
          onBlur={(e) => {
            try {
              const parsed: unknown = JSON.parse(e.target.value);
              if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
              e.target.classList.remove("is-invalid");
              onChange(parsed as Record<string, unknown>);
            } catch {
              e.target.classList.add("is-invalid");
            }
          }} />
      )}
    </FieldGroup>
  );
}

function ExtractRows({ rows, onChange }: { rows: OutputRow[]; onChange: (rows: OutputRow[]) => void }) {
  const set = (i: number, row: OutputRow) => onChange(rows.map((r, j) => (j === i ? row : r)));
  return (
    <>
      {rows.map((r, i) => (
        <div key={i} className="row row--center" data-testid={`ai-extract-${i}`}>
          <TextInput mono value={r.name} onChange={(v) => set(i, { ...r, name: v })} />
          <Select value={r.type} options={EXTRACT_TYPES.includes(r.type as never) ? EXTRACT_TYPES : [r.type, ...EXTRACT_TYPES]}
            onChange={(v) => set(i, { ...r, type: v })} />
          <button type="button" className="link-btn" onClick={() => onChange(rows.filter((_, j) => j !== i))}>remove</button>
        </div>
      ))}
      <button type="button" className="link-btn" data-testid="ai-extract-add"
        onClick={() => onChange([...rows, { name: `value_${rows.length + 1}`, type: "string" }])}>+ Value</button>
    </>
  );
}

function Reviewer({ step }: { step: BackgroundStep }) {
  const stage = useEditor((s) => s.nodes.find((n) => (n.data.node as StageNode).steps?.some((x) => x.id === step.id)));
  const steps = (stage?.data.node as StageNode | undefined)?.steps ?? [];
  const review = findReviewStep(steps, step.id, step.inputs?.review_step?.value) as InteractiveStep | undefined;
  return (
    <FieldGroup label="Reviewer" testId="ai-reviewer">
      {review && stage ? (
        <span>
          <PanelLink className="link-btn" testId="ai-review-link"
            onOpen={() => useEditor.getState().selectStep({ nodeId: stage.id, stepId: review.id })}>
            {review.name || review.id}
          </PanelLink>
          {" "}reviews answers below the threshold, in queue <b>{review.assignment?.queue ?? "none set"}</b>.
        </span>
      ) : (
        <span className="field__hint field__hint--error">No review step: add one after this step that opens when it needs review.</span>
      )}
    </FieldGroup>
  );
}
