// One input of a background step, edited from the action's JSON Schema: required marked,
// an enum as a select, queues, agents, skills and recipients picked from the team, URLs
// from the demo services in development; a value or a field of the case.
import { useId } from "react";
import { useDemoServices } from "../api/designAids";
import { inputControl, plainSchema } from "../model/inputs";
import type { FieldType, JsonSchema, StepInput } from "../model/types";
import { Checkbox, NumberInput } from "./fields";
import { AgentPicker, QueuePicker, SkillsPicker } from "./RoutingPickers";
import { useCatalog } from "./useCatalog";

function schemaFieldType(schema: JsonSchema | undefined): FieldType {
  const type = Array.isArray(schema?.type) ? schema?.type.find((t) => t !== "null") : schema?.type;
  if (type === "number" || type === "integer") return "number";
  if (type === "boolean") return "boolean";
  if (schema?.format === "date-time") return "date-time";
  return "string";
}

/** The first value a control starts with: the schema's default, else an empty one. */
function initialValue(schema: JsonSchema | undefined, type: FieldType, complex: boolean): unknown {
  if (schema?.default !== undefined && schema.default !== null) return schema.default;
  if (schema?.enum?.length) return schema.enum[0];
  if (type === "number") return 0;
  if (type === "boolean") return false;
  if (complex) return schema?.type === "array" ? [] : {};
  return "";
}

export function InputEditor({ name, schema: raw, required, value, onChange, stepId }: {
  name: string; schema: JsonSchema | undefined; required: boolean; value: StepInput | undefined;
  onChange: (input: StepInput | null, key?: string) => void; stepId: string;
}) {
  const catalog = useCatalog();
  const schema = plainSchema(raw);
  const control = inputControl(name, raw);
  const type = value?.type ?? schemaFieldType(schema);
  const byRef = value?.ref !== null && value?.ref !== undefined;
  const complex = control === "json" || control === "skills";
  const key = `${stepId}.input.${name}`;
  const missing = required && (!value || (!byRef && (value.value === "" || value.value === null || value.value === undefined)));
  return (
    <div className={`input-editor${missing ? " input-editor--missing" : ""}`} data-testid={`input-${name}`}
      data-required={required ? "true" : "false"}>
      <div className="input-editor__head">
        <span className="field__label">
          {schema?.title && schema.title.toLowerCase() !== name.replace(/_/g, " ") ? `${schema.title} (${name})` : name}
          {required && <span className="required-mark" title="Required: the action refuses to run without it"> *</span>}
        </span>
        <select className="input input--compact" value={value ? (byRef ? "ref" : "value") : "unset"} data-testid={`input-mode-${name}`}
          onChange={(e) => {
            const mode = e.target.value;
            if (mode === "unset") onChange(null);
            else if (mode === "ref") onChange({ type, value: null, ref: catalog.find((f) => f.path.startsWith("case."))?.path ?? "case." });
            else onChange({ type, value: initialValue(schema, type, complex), ref: null });
          }}>
          <option value="unset">{required ? "not set (required)" : "not set"}</option>
          <option value="value">a value</option>
          <option value="ref">a field</option>
        </select>
      </div>
      {schema?.description && <span className="field__hint">{schema.description}</span>}
      {missing && <span className="field__hint field__hint--error" data-testid={`input-missing-${name}`}>Required: set a value or a field.</span>}
      {value && byRef && (
        <select className="input" value={value.ref ?? ""} onChange={(e) => onChange({ ...value, ref: e.target.value }, key)}>
          {!catalog.some((f) => f.path === value.ref) && <option value={value.ref ?? ""}>{value.ref}</option>}
          {catalog.filter((f) => !f.path.startsWith("sla.")).map((f) => <option key={f.path} value={f.path}>{f.group}: {f.label}</option>)}
        </select>
      )}
      {value && !byRef && (
        <LiteralInput control={control === "skills" ? "skills" : complex || (typeof value.value === "object" && value.value !== null) ? "json" : control}
          schema={schema} type={type} value={value.value} testId={`input-value-${name}`}
          onChange={(v) => onChange({ ...value, value: v }, key)} />
      )}
    </div>
  );
}

function LiteralInput({ control, schema, type, value, onChange, testId }: {
  control: ReturnType<typeof inputControl>; schema: JsonSchema | undefined; type: FieldType;
  value: unknown; onChange: (v: unknown) => void; testId: string;
}) {
  const text = value === null || value === undefined ? "" : String(value);
  switch (control) {
    case "enum":
      return (
        <select className="input" value={text} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
          {!schema?.enum?.some((o) => String(o) === text) && <option value={text}>{text || "—"}</option>}
          {(schema?.enum ?? []).map((o) => <option key={String(o)} value={String(o)}>{String(o)}</option>)}
        </select>
      );
    case "queue":
      return <QueuePicker value={text} onChange={onChange} testId={testId} />;
    case "agent":
      return <AgentPicker value={text} onChange={onChange} testId={testId} />;
    case "recipients":
      return <AgentPicker value={text} onChange={onChange} testId={testId} placeholder="ana@example.com, {contact_email}" />;
    case "skills":
      return <SkillsPicker value={Array.isArray(value) ? value.map(String) : []} onChange={onChange} testId={testId} />;
    case "url":
      return <UrlInput value={text} onChange={onChange} testId={testId} />;
    case "json":
      return <JsonValue value={value} onChange={onChange} />;
    default:
      if (type === "number") return <NumberInput value={typeof value === "number" ? value : null} onChange={onChange} testId={testId} />;
      if (type === "boolean") return <Checkbox checked={value === true} label="true" onChange={onChange} testId={testId} />;
      return <input className="input" value={text} onChange={(e) => onChange(e.target.value)} data-testid={testId} />;
  }
}

/** A URL, with the demo services' addresses offered while they answer (development). */
function UrlInput({ value, onChange, testId }: { value: string; onChange: (v: string) => void; testId: string }) {
  const demo = useDemoServices();
  const list = useId();
  return (
    <>
      <input className="input input--mono" list={list} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}
        placeholder="https://" />
      <datalist id={list}>{demo.map((e) => <option key={`${e.method} ${e.url}`} value={e.url}>{e.method} {e.url}</option>)}</datalist>
      {demo.length > 0 && <span className="field__hint">Demo services answer {demo.length} addresses here (development).</span>}
    </>
  );
}

function JsonValue({ value, onChange }: { value: unknown; onChange: (v: unknown) => void }) {
  return (
    <textarea className="input input--mono" rows={3} defaultValue={JSON.stringify(value ?? null, null, 1)}
      onBlur={(e) => {
        try {
          onChange(JSON.parse(e.target.value));
          e.target.classList.remove("is-invalid");
        } catch {
          e.target.classList.add("is-invalid");
        }
      }} />
  );
}
