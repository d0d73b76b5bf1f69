// The Salesforce part of a workflow's trigger: which sObject, a SOQL filter, and the
// field mapping (Salesforce field -> case field, with a conversion). The sObject's fields
// come from Salesforce's describe; without a connection they are typed by hand.
import { useEffect, useState } from "react";
import { salesforceApi, type SalesforceField } from "../../api/salesforce";
import { CloseIcon, PlusIcon } from "../../components/icons";
import type { CaseField } from "../../model/types";
import { Checkbox, Field, Select, TextInput } from "../../panels/fields";
import { CONVERSIONS, type SalesforceConvert, type SalesforceFieldMapping, type SalesforceTrigger } from "./types";
import "./salesforce.css";

/** The fields of ``sobject`` from describe, or why they are not available. */
export function useSobjectFields(sobject: string): { fields: SalesforceField[] | null; problem: string | null } {
  const [state, setState] = useState<{ fields: SalesforceField[] | null; problem: string | null }>({ fields: null, problem: null });
  useEffect(() => {
    let live = true;
    const name = sobject.trim();
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) {
      setState({ fields: null, problem: name ? "not an sObject API name" : null });
      return;
    }
    const timer = window.setTimeout(() => {
      salesforceApi.fields(name).then(
        (fields) => live && setState({ fields, problem: null }),
        (e: Error) => live && setState({ fields: null, problem: e.message }),
      );
    }, 300);
    return () => { live = false; window.clearTimeout(timer); };
  }, [sobject]);
  return state;
}

/** The case field type a Salesforce field type fits, for a hint next to the mapping. */
export function fits(sfType: string, caseType: string | undefined): boolean {
  if (!caseType) return true;
  const number = ["double", "currency", "percent", "int", "long"].includes(sfType);
  const datetime = ["datetime", "date"].includes(sfType);
  if (caseType === "number") return number;
  if (caseType === "boolean") return sfType === "boolean";
  if (caseType === "date-time") return datetime;
  return !number || caseType === "string";
}

export function SalesforceTriggerEditor({ value, caseFields, onChange }: {
  value: SalesforceTrigger; caseFields: CaseField[]; onChange: (next: SalesforceTrigger, key?: string) => void;
}) {
  const { fields, problem } = useSobjectFields(value.sobject);
  const mapping = value.field_mapping ?? [];
  const byName = new Map((fields ?? []).map((f) => [f.name, f]));
  const setRow = (index: number, row: SalesforceFieldMapping, key?: string) =>
    onChange({ ...value, field_mapping: mapping.map((m, i) => (i === index ? row : m)) }, key);
  const listId = `sf-fields-${value.sobject}`;
  return (
    <div className="sf-mapping" data-testid="sf-trigger">
      <Field label="sObject" hint={problem ? `Fields unavailable: ${problem}` : fields ? `${fields.length} fields from describe` : undefined}>
        <TextInput mono value={value.sobject} testId="sf-trigger-sobject"
          onChange={(v) => onChange({ ...value, sobject: v }, "sf.sobject")} />
      </Field>
      <Field label="Only records where (SOQL)" hint="The condition after WHERE, e.g. Status != 'Closed' AND Origin = 'Web'">
        <textarea className="input input--mono" rows={2} value={value.soql_filter ?? ""} data-testid="sf-trigger-filter"
          placeholder="every record" spellCheck={false}
          onChange={(e) => onChange({ ...value, soql_filter: e.target.value || null }, "sf.filter")} />
      </Field>
      <div className="sf-mapping__hint">
        The record Id goes into case field <code className="mono">{value.id_field ?? "salesforce_id"}</code>; Salesforce steps read it.
      </div>
      {fields && <datalist id={listId}>{fields.map((f) => <option key={f.name} value={f.name}>{f.label}</option>)}</datalist>}
      {mapping.map((row, index) => {
        const sf = byName.get(row.sf_field);
        const target = caseFields.find((f) => f.name === row.case_field);
        const unknown = fields !== null && row.sf_field && !sf && !row.sf_field.includes(".");
        const mismatch = sf && target && (row.convert ?? "auto") === "auto" && !fits(sf.type, target.type);
        return (
          <div key={index} className="sf-mapping__card" data-testid={`sf-map-${index}`}>
            <div className="sf-mapping__row">
              <input className="input input--mono" list={fields ? listId : undefined} value={row.sf_field}
                placeholder="Salesforce field" aria-label="Salesforce field" data-testid={`sf-map-sf-${index}`}
                onChange={(e) => setRow(index, { ...row, sf_field: e.target.value }, `sf.map${index}.sf`)} />
              <span className="sf-mapping__arrow">→</span>
              <select className="input" value={row.case_field} aria-label="Case field" data-testid={`sf-map-case-${index}`}
                onChange={(e) => setRow(index, { ...row, case_field: e.target.value })}>
                {!target && <option value={row.case_field}>{row.case_field || "choose…"}</option>}
                {caseFields.map((f) => <option key={f.name} value={f.name}>{f.label || f.name}</option>)}
              </select>
              <button type="button" className="icon-btn icon-btn--small" aria-label="Remove mapping"
                onClick={() => onChange({ ...value, field_mapping: mapping.filter((_, i) => i !== index) })}><CloseIcon size={11} /></button>
            </div>
            <div className="sf-mapping__convert">
              {sf && <span>{sf.label} · {sf.type}</span>}
              <span className="row__spacer" />
              convert
              <Select<SalesforceConvert> value={row.convert ?? "auto"} options={CONVERSIONS}
                onChange={(v) => setRow(index, { ...row, convert: v })} />
            </div>
            {unknown && <div className="sf-mapping__hint sf-mapping__hint--bad">{value.sobject} has no field {row.sf_field}.</div>}
            {mismatch && <div className="sf-mapping__hint sf-mapping__hint--bad">A {sf.type} field into a {target.type} case field: choose a conversion.</div>}
          </div>
        );
      })}
      <div className="row">
        <button type="button" className="link-btn" data-testid="sf-map-add"
          onClick={() => {
            const used = new Set(mapping.map((m) => m.case_field));
            const free = caseFields.find((f) => !used.has(f.name) && f.name !== (value.id_field ?? "salesforce_id"));
            onChange({ ...value, field_mapping: [...mapping, { sf_field: "", case_field: free?.name ?? "", convert: "auto" }] });
          }}><PlusIcon size={11} /> Map a field</button>
      </div>
      <Checkbox checked={value.backfill ?? true} label="On the first sync, load every matching record (Bulk API 2.0)"
        onChange={(v) => onChange({ ...value, backfill: v })} />
    </div>
  );
}
