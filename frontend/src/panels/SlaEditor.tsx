import type { SLA } from "../model/types";
import { Checkbox, Field, NumberInput } from "./fields";
import { CalendarPicker } from "./RoutingPickers";

/** An SLA slot: target and warning minutes, or none. */
export function SlaEditor({ value, onChange, testId }: {
  value: SLA | null | undefined; onChange: (sla: SLA | null, key?: string) => void; testId: string;
}) {
  return (
    <div className="sla" data-testid={testId}>
      <Checkbox checked={!!value} label="Has an SLA" testId={`${testId}-toggle`}
        onChange={(on) => onChange(on ? { target_minutes: 240, warning_minutes: 180, calendar: null } : null)} />
      {value && (
        <div className="row">
          <Field label="Target (minutes)">
            <NumberInput value={value.target_minutes} min={1} testId={`${testId}-target`}
              onChange={(v) => v !== null && v > 0 && onChange({ ...value, target_minutes: v }, `${testId}.target`)} />
          </Field>
          <Field label="Warning (minutes)">
            <NumberInput value={value.warning_minutes ?? null} min={1} testId={`${testId}-warning`}
              onChange={(v) => onChange({ ...value, warning_minutes: v !== null && v > 0 ? v : null }, `${testId}.warning`)} />
          </Field>
        </div>
      )}
      {value && (
        <Field label="Clock" hint="A business calendar counts working hours only; around the clock counts every minute">
          <CalendarPicker value={value.calendar ?? null} testId={`${testId}-calendar`}
            onChange={(calendar) => onChange({ ...value, calendar })} />
        </Field>
      )}
    </div>
  );
}
