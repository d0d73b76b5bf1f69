// Queue, skills and calendar pickers fed by the routing API, for the step and SLA
// settings: free text stays possible (a queue set up later), the known names are offered.
import { useId } from "react";
import { useRoutingOptions } from "../api/routing";
import { ListInput } from "./fields";

export function QueuePicker({ value, onChange, testId }: { value: string; onChange: (v: string) => void; testId?: string }) {
  const options = useRoutingOptions();
  const list = useId();
  const unknown = !!value && !!options && options.queues.length > 0 && !options.queues.includes(value);
  return (
    <>
      <input className="input" list={list} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId} placeholder="support" />
      <datalist id={list}>{options?.queues.map((q) => <option key={q} value={q} />)}</datalist>
      {unknown && <span className="field__hint field__hint--error">No queue named {value} yet: its items will wait until it is set up.</span>}
    </>
  );
}

export function SkillsPicker({ value, onChange, testId }: { value: string[]; onChange: (v: string[]) => void; testId?: string }) {
  const options = useRoutingOptions();
  const free = (options?.skills ?? []).filter((s) => !value.includes(s));
  return (
    <>
      <ListInput value={value} onChange={onChange} placeholder="billing, german" testId={testId} />
      {free.length > 0 && (
        <div style={{ display: "flex", flexWrap: "wrap", gap: 4, marginTop: 4 }}>
          {free.slice(0, 12).map((s) => (
            <button key={s} type="button" className="link-btn" style={{ fontSize: 11.5 }} onClick={() => onChange([...value, s])}>+ {s}</button>
          ))}
        </div>
      )}
    </>
  );
}

export function CalendarPicker({ value, onChange, testId }: { value: string | null; onChange: (v: string | null) => void; testId?: string }) {
  const options = useRoutingOptions();
  return (
    <select className="input" value={value ?? ""} onChange={(e) => onChange(e.target.value || null)} data-testid={testId}>
      <option value="">Around the clock</option>
      {(options?.calendars ?? []).map((c) => <option key={c} value={c}>{c}</option>)}
      {value && options && !options.calendars.includes(value) && <option value={value}>{value} (unknown)</option>}
    </select>
  );
}

/** Free text with the team's agents offered (a recipient may also be an address or a {field}). */
export function AgentPicker({ value, onChange, testId, placeholder }: {
  value: string; onChange: (v: string) => void; testId?: string; placeholder?: string;
}) {
  const options = useRoutingOptions();
  const list = useId();
  return (
    <>
      <input className="input" list={list} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}
        placeholder={placeholder ?? "an agent"} />
      <datalist id={list}>{options?.agents.map((a) => <option key={a} value={a} />)}</datalist>
    </>
  );
}
