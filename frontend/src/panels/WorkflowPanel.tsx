import { PlusIcon } from "../components/icons";
import { type CaseField, type Trigger, type WorkflowMeta } from "../model/types";
import { moved } from "../model/lists";
import { FieldCard } from "./FieldCard";
import { useEditor } from "../store/editorStore";
import { Field, NumberInput, Section, Select, TextArea, TextInput } from "./fields";
import { ConditionEditor } from "./RuleBuilder";
import { SalesforceTriggerEditor } from "../pages/salesforce/SalesforceTriggerEditor";
import { newSalesforceTrigger, type SalesforceTrigger } from "../pages/salesforce/types";
import { EscalationRules } from "./EscalationRules";

export function WorkflowPanel() {
  const meta = useEditor((s) => s.meta);
  const update = (fields: Partial<WorkflowMeta>, key?: string) => useEditor.getState().updateMeta((m) => ({ ...m, ...fields }), key);
  const schema = meta.case_schema ?? [];
  const trigger: Trigger = meta.trigger ?? { kind: "manual", on: "create", condition: null, source: "baton" };
  const sfTrigger = (trigger as Trigger & { salesforce?: SalesforceTrigger | null }).salesforce ?? null;
  const setTrigger = (next: Trigger & { salesforce?: SalesforceTrigger | null }, key?: string) => update({ trigger: next as Trigger }, key);
  const setField = (index: number, field: CaseField, key?: string) =>
    update({ case_schema: schema.map((f, i) => (i === index ? field : f)) }, key);
  return (
    <div className="panel-body" data-testid="workflow-panel">
      <div className="panel-kind">Workflow<span className="panel-kind__id">{meta.id}</span></div>
      <Field label="Name">
        <TextInput value={meta.name} onChange={(v) => update({ name: v }, "wf.name")} testId="wf-name" />
      </Field>
      <Field label="Description">
        <TextArea value={meta.description ?? ""} onChange={(v) => update({ description: v }, "wf.description")} testId="wf-description" />
      </Field>
      <Field label="Loop guard" hint="A run fails with an incident when it visits one node more often than this">
        <NumberInput value={meta.max_visits_per_node ?? 25} min={1} testId="wf-loop-guard"
          onChange={(v) => v !== null && v >= 1 && update({ max_visits_per_node: Math.round(v) }, "wf.loop")} />
      </Field>
      <Section title="Trigger">
        <div className="row">
          <Field label="Runs start">
            <Select value={trigger.kind ?? "manual"} testId="trigger-kind"
              options={[{ value: "manual", label: "by hand" }, { value: "record", label: "when a case record changes" }]}
              onChange={(v) => update({ trigger: { ...trigger, kind: v } })} />
          </Field>
          {trigger.kind === "record" && (
            <Field label="On">
              <Select value={trigger.on ?? "create"} testId="trigger-on"
                options={[{ value: "create", label: "create" }, { value: "update", label: "update" }, { value: "create_or_update", label: "create or update" }]}
                onChange={(v) => update({ trigger: { ...trigger, on: v } })} />
            </Field>
          )}
        </div>
        {trigger.kind === "record" && (
          <Field label="Records come from">
            <Select value={trigger.source === "salesforce" ? "salesforce" : "baton"} testId="trigger-source"
              options={[{ value: "baton", label: "Baton (cases made here)" }, { value: "salesforce", label: "Salesforce (polled)" }]}
              onChange={(v) => setTrigger(v === "salesforce"
                ? { ...trigger, source: "salesforce", salesforce: sfTrigger ?? newSalesforceTrigger() }
                : { ...trigger, source: "baton", salesforce: null })} />
          </Field>
        )}
        {trigger.kind === "record" && trigger.source === "salesforce" && (
          <SalesforceTriggerEditor value={sfTrigger ?? newSalesforceTrigger()} caseFields={schema}
            onChange={(next, key) => setTrigger({ ...trigger, salesforce: next }, key)} />
        )}
        {trigger.kind === "record" && (
          <ConditionEditor label="Only when" value={trigger.condition} testId="trigger-condition"
            emptyText="Every matching record change starts a run." onChange={(c) => update({ trigger: { ...trigger, condition: c } })} />
        )}
      </Section>
      <Section title="Case fields" actions={
        <button type="button" className="link-btn" data-testid="add-case-field" onClick={() => {
          const taken = new Set(schema.map((f) => f.name));
          let n = schema.length + 1;
          while (taken.has(`field_${n}`)) n++;
          update({ case_schema: [...schema, { name: `field_${n}`, label: "", type: "string", values: [], required: false, description: "" }] });
        }}><PlusIcon size={11} /> Field</button>
      }>
        {schema.length === 0 && <p className="field__hint">No case fields yet. Conditions read case fields.</p>}
        {schema.map((f, index) => (
          <FieldCard key={index} field={f} index={index} count={schema.length} testPrefix="case" editKey={`case${index}`}
            onChange={(next, key) => setField(index, next, key)}
            onMove={(delta) => update({ case_schema: moved(schema, index, delta) })}
            onRemove={() => update({ case_schema: schema.filter((_, i) => i !== index) })} />
        ))}
      </Section>
      <EscalationRules />
    </div>
  );
}
