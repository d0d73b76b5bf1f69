import { GearIcon, PersonIcon, PlusIcon } from "../components/icons";
import { ROUTING_STRATEGIES, type BackgroundStep, type FormField, type InteractiveStep, type StageNode, type Step, type StepInput } from "../model/types";
import { moved } from "../model/lists";
import { FieldCard } from "./FieldCard";
import { useEditor, type StepRef } from "../store/editorStore";
import { useUi } from "../store/uiStore";
import { Checkbox, Field, FieldGroup, NumberInput, PanelLink, Section, Select, TextInput } from "./fields";
import { ConditionEditor } from "./RuleBuilder";
import { SlaEditor } from "./SlaEditor";
import { FormTargetPicker, OutputsToCase } from "./CaseMapping";
import { InputEditor } from "./StepInputs";
import { AgentPicker, QueuePicker, SkillsPicker } from "./RoutingPickers";
import { AiStepPanel } from "./AiStepPanel";

export function StepPanel({ stepRef }: { stepRef: StepRef }) {
  const stage = useEditor((s) => s.nodes.find((n) => n.id === stepRef.nodeId)?.data.node) as StageNode | undefined;
  const step = stage?.steps?.find((s) => s.id === stepRef.stepId);
  if (!stage || !step) return null;
  const update = (change: (s: Step) => Step, key?: string) => useEditor.getState().updateStep(stepRef, change, key);
  const patch = (fields: Partial<Step>, key?: string) => update((s) => ({ ...s, ...fields }) as Step, key);
  const others = (stage.steps ?? []).filter((s) => s.id !== step.id);
  const after = step.after ?? [];
  return (
    <div className="panel-body" data-testid="step-panel">
      <div className="panel-kind">
        <span className={`panel-kind__icon panel-kind__icon--${step.kind}`}>
          {step.kind === "background" ? <GearIcon size={14} /> : <PersonIcon size={14} />}
        </span>
        {step.kind === "background" ? "Background step" : "Interactive step"}
        <span className="panel-kind__id">{step.id}</span>
      </div>
      <PanelLink className="link-btn panel-back" onOpen={() => useEditor.getState().selectStep(null)}>
        ← Stage “{stage.name || stage.id}”
      </PanelLink>
      <Field label="Name">
        <TextInput value={step.name ?? ""} onChange={(v) => patch({ name: v }, `${step.id}.name`)} testId="step-name" />
      </Field>
      {others.length > 0 && (
        <FieldGroup label="Waits for" testId="step-after"
          hint={after.length ? "Starts only when these steps of the stage are done" : "Starts with the stage, in parallel with the others"}>
          <div className="checks">
            {others.map((o) => (
              <Checkbox key={o.id} label={o.name || o.id} checked={after.includes(o.id)} testId={`after-${o.id}`}
                onChange={(on) => patch({ after: on ? [...after, o.id] : after.filter((a) => a !== o.id) })} />
            ))}
          </div>
        </FieldGroup>
      )}
      {step.kind === "background" ? <BackgroundFields step={step} patch={patch} /> : <InteractiveFields step={step} patch={patch} />}
      <Section title="Entry condition">
        <ConditionEditor label="Starts when" value={step.entry_condition} testId="step-entry"
          emptyText="Starts with the stage." onChange={(c) => patch({ entry_condition: c })} />
      </Section>
    </div>
  );
}

type Patch = (fields: Partial<Step>, key?: string) => void;

function BackgroundFields({ step, patch }: { step: BackgroundStep; patch: Patch }) {
  const actions = useUi((s) => s.actions);
  const action = actions.find((a) => a.name === step.action);
  const inputs = step.inputs ?? {};
  const declared = Object.entries(action?.input_schema?.properties ?? {});
  const extra = Object.keys(inputs).filter((k) => !declared.some(([name]) => name === k));
  const setInput = (name: string, input: StepInput | null, key?: string) => {
    const next = { ...inputs };
    if (input === null) delete next[name];
    else next[name] = input;
    patch({ inputs: next } as Partial<Step>, key);
  };
  const retry = step.retry ?? {};
  return (
    <>
      <Section title="Action">
        <Field label="Action" hint={action?.description}>
          <select className="input" value={step.action} data-testid="step-action"
            onChange={(e) => patch({ action: e.target.value, inputs: {} } as Partial<Step>)}>
            {!action && <option value={step.action}>{step.action}</option>}
            {actions.map((a) => <option key={a.name} value={a.name}>{a.name}</option>)}
          </select>
        </Field>
        {step.action === "ai" ? <AiStepPanel step={step} setInput={setInput} /> : <>
        {declared.map(([name, schema]) => (
          <InputEditor key={name} name={name} schema={schema} required={action?.input_schema.required?.includes(name) ?? false}
            value={inputs[name]} onChange={(input, key) => setInput(name, input, key)} stepId={step.id} />
        ))}
        {extra.map((name) => (
          <InputEditor key={name} name={name} schema={undefined} required={false}
            value={inputs[name]} onChange={(input, key) => setInput(name, input, key)} stepId={step.id} />
        ))}
        {action && (action.input_schema as { additionalProperties?: unknown }).additionalProperties !== false && (
          <AddInput taken={Object.keys(inputs)} onAdd={(name, input) => setInput(name, input)} />
        )}
        </>}
      </Section>
      <OutputsToCase step={step} outputs={action?.output_schema} patch={patch} />
      <Section title="Retries and timeout">
        <div className="row">
          <Field label="Attempts">
            <NumberInput value={retry.max_attempts ?? 3} min={1} onChange={(v) => v && patch({ retry: { ...retry, max_attempts: v } } as Partial<Step>, `${step.id}.attempts`)} />
          </Field>
          <Field label="First backoff (s)">
            <NumberInput value={retry.initial_backoff_seconds ?? 1} min={0} onChange={(v) => v !== null && patch({ retry: { ...retry, initial_backoff_seconds: v } } as Partial<Step>, `${step.id}.backoff`)} />
          </Field>
          <Field label="Timeout (s)">
            <NumberInput value={step.timeout_seconds ?? 60} min={1} onChange={(v) => v && patch({ timeout_seconds: v } as Partial<Step>, `${step.id}.timeout`)} />
          </Field>
        </div>
      </Section>
    </>
  );
}

/** For actions that take inputs by name (set_fields: one per case field to write), adds
 *  one named after a case field, of its type. */
function AddInput({ taken, onAdd }: { taken: string[]; onAdd: (name: string, input: StepInput) => void }) {
  const schema = useEditor((s) => s.meta.case_schema) ?? [];
  const free = schema.filter((f) => !taken.includes(f.name));
  if (!free.length) return null;
  return (
    <select className="input" value="" data-testid="add-input" onChange={(e) => {
      const field = free.find((f) => f.name === e.target.value);
      if (!field) return;
      const type = field.type ?? "string";
      const value = type === "number" ? 0 : type === "boolean" ? false : type === "picklist" ? field.values?.[0] ?? "" : "";
      onAdd(field.name, { type, value, ref: null });
    }}>
      <option value="">+ Input named after a case field…</option>
      {free.map((f) => <option key={f.name} value={f.name}>{f.label || f.name} ({f.type ?? "string"})</option>)}
    </select>
  );
}

function InteractiveFields({ step, patch }: { step: InteractiveStep; patch: Patch }) {
  const assignment = step.assignment ?? {};
  const form = step.form ?? [];
  const setAssignment = (fields: Partial<typeof assignment>, key?: string) =>
    patch({ assignment: { ...assignment, ...fields } } as Partial<Step>, key);
  const setForm = (next: FormField[], key?: string) => patch({ form: next } as Partial<Step>, key);
  const setField = (index: number, field: FormField, key?: string) => setForm(form.map((f, i) => (i === index ? field : f)), key);
  return (
    <>
      <Section title="Assignment">
        <div className="row">
          <Field label="Queue">
            <QueuePicker value={assignment.queue ?? ""} onChange={(v) => setAssignment({ queue: v || null }, `${step.id}.queue`)} testId="assign-queue" />
          </Field>
          <Field label="Agent" hint="Bypasses routing">
            <AgentPicker value={assignment.agent ?? ""} onChange={(v) => setAssignment({ agent: v || null }, `${step.id}.agent`)} testId="assign-agent" />
          </Field>
        </div>
        <Field label="Skills">
          <SkillsPicker value={assignment.skills ?? []} onChange={(v) => setAssignment({ skills: v }, `${step.id}.skills`)} testId="assign-skills" />
        </Field>
        <Field label="Routing strategy">
          <Select value={assignment.strategy ?? ""} testId="assign-strategy"
            options={[{ value: "", label: "Queue's default" }, ...ROUTING_STRATEGIES.map((s) => ({ value: s, label: s.replace(/_/g, " ") }))]}
            onChange={(v) => setAssignment({ strategy: (v || null) as typeof assignment.strategy })} />
        </Field>
      </Section>
      <Section title="SLA">
        <SlaEditor value={step.sla} onChange={(sla, key) => patch({ sla } as Partial<Step>, key)} testId="step-sla" />
      </Section>
      <Section title="Form" actions={
        <button type="button" className="link-btn" data-testid="add-form-field"
          onClick={() => {
            const taken = new Set(form.map((f) => f.name));
            let n = form.length + 1;
            while (taken.has(`field_${n}`)) n++;
            setForm([...form, { name: `field_${n}`, label: `Field ${n}`, type: "string", values: [], required: false, help: "" }]);
          }}><PlusIcon size={11} /> Field</button>
      }>
        {form.length === 0 && <p className="field__hint">No form: the assignee just marks the work done.</p>}
        {form.map((f, index) => (
          <FieldCard key={index} field={f} index={index} count={form.length} testPrefix="form" editKey={`${step.id}.form${index}`}
            labelTestId={`form-label-${index}`} valuesPlaceholder="yes, no, maybe" onChange={(next, key) => setField(index, next, key)}
            onMove={(delta) => setForm(moved(form, index, delta))} onRemove={() => setForm(form.filter((_, i) => i !== index))}>
            <FormTargetPicker field={f} stepId={step.id} index={index}
              onChange={(next) => setField(index, next)} />
          </FieldCard>
        ))}
      </Section>
    </>
  );
}
