// One typed field of a list (a case field of the schema, a form field of a step): its
// name, label, type, whether it is required, its place in the list and its values.
import type { ReactNode } from "react";
import { FIELD_TYPES, type FieldType } from "../model/types";
import { Checkbox, Field, ListInput, ReorderButtons, Select, TextInput } from "./fields";

interface TypedField {
  name: string;
  label?: string;
  type?: FieldType;
  values?: string[];
  required?: boolean;
}

export function FieldCard<F extends TypedField>({
  field: f, index, count, testPrefix, editKey, labelTestId, valuesPlaceholder, onChange, onMove, onRemove, children,
}: {
  field: F;
  index: number;
  count: number;
  /** `form` or `case`: the card is `<prefix>-field-<index>`, its inputs `<prefix>-name-<index>`... */
  testPrefix: string;
  /** Prefix of the undo keys of this field's text edits (typing in one input undoes together). */
  editKey: string;
  labelTestId?: string;
  valuesPlaceholder?: string;
  onChange: (next: F, key?: string) => void;
  onMove: (delta: -1 | 1) => void;
  onRemove: () => void;
  /** Shown between the type row and the values (the form field's case mapping). */
  children?: ReactNode;
}) {
  return (
    <div className="form-field-card" data-testid={`${testPrefix}-field-${index}`}>
      <div className="row">
        <Field label="Name">
          <TextInput mono value={f.name} onChange={(v) => onChange({ ...f, name: v }, `${editKey}.name`)} testId={`${testPrefix}-name-${index}`} />
        </Field>
        <Field label="Label">
          <TextInput value={f.label ?? ""} onChange={(v) => onChange({ ...f, label: v }, `${editKey}.label`)} testId={labelTestId} />
        </Field>
      </div>
      <div className="row row--center">
        <Select value={f.type ?? "string"} options={FIELD_TYPES} testId={`${testPrefix}-type-${index}`}
          onChange={(v) => onChange({ ...f, type: v, values: v === "picklist" ? f.values ?? [] : [] })} />
        <Checkbox checked={!!f.required} label="Required" onChange={(v) => onChange({ ...f, required: v })} />
        <span className="row__spacer" />
        <ReorderButtons index={index} count={count} onMove={onMove} onRemove={onRemove} removeLabel="Remove field" />
      </div>
      {children}
      {f.type === "picklist" && (
        <Field label="Values">
          <ListInput value={f.values ?? []} onChange={(v) => onChange({ ...f, values: v }, `${editKey}.values`)} placeholder={valuesPlaceholder} />
        </Field>
      )}
    </div>
  );
}
