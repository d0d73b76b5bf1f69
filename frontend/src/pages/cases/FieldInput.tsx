// One input for a typed case or form field (string, number, boolean, date-time, picklist).
import type { FieldType } from "../../model/types";

export interface FieldSpec {
  name: string;
  label?: string;
  type?: FieldType;
  values?: string[];
  required?: boolean;
}

export function FieldInput({ field, value, onChange, invalid, testId }: {
  field: FieldSpec;
  value: unknown;
  onChange: (value: unknown) => void;
  invalid?: boolean;
  testId?: string;
}) {
  const className = `input${invalid ? " is-invalid" : ""}`;
  switch (field.type ?? "string") {
    case "boolean":
      return <input type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} data-testid={testId} />;
    case "number":
      return <input className={className} type="number" value={value === undefined || value === null ? "" : String(value)}
        onChange={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value))} data-testid={testId} />;
    case "picklist":
      return (
        <select className={className} value={value === undefined || value === null ? "" : String(value)}
          onChange={(e) => onChange(e.target.value === "" ? undefined : e.target.value)} data-testid={testId}>
          <option value="">{field.required ? "Choose…" : "—"}</option>
          {(field.values ?? []).map((v) => <option key={v} value={v}>{v}</option>)}
        </select>
      );
    case "date-time":
      return <input className={className} type="datetime-local"
        value={typeof value === "string" ? value.slice(0, 16) : ""}
        onChange={(e) => onChange(e.target.value ? new Date(e.target.value).toISOString() : undefined)} data-testid={testId} />;
    default:
      return <input className={className} value={value === undefined || value === null ? "" : String(value)}
        onChange={(e) => onChange(e.target.value === "" ? undefined : e.target.value)} data-testid={testId} />;
  }
}

/** Drop empty values, so optional fields left blank are not sent. */
export function filled(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== ""));
}
