// The agents tab: who works items, with skills, languages, capacity, availability,
// working hours and out of office.
import { useState } from "react";
import { routingApi, type Agent, type Availability, type Skill } from "../../api/routing";
import { HoursEditor, summarizeHours } from "./HoursEditor";
import { Editor, Field, Group, TabLayout, useRowEditor, type Data } from "./TabParts";

function LoadBar({ agent }: { agent: Agent }) {
  const used = agent.max_load ? agent.load ?? 0 : agent.open_items ?? 0;
  const cap = agent.max_load ?? agent.max_items;
  const ratio = cap > 0 ? Math.min(1, used / cap) : 1;
  return (
    <div className="rt-load" title={agent.max_load ? "load points" : "open items"}>
      <div className="rt-load__bar"><div className={`rt-load__fill${ratio >= 1 ? " rt-load__fill--full" : ""}`} style={{ width: `${ratio * 100}%` }} /></div>
      <span className="rt-load__text">{used}/{cap}</span>
    </div>
  );
}

function localInput(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fromLocalInput(text: string): string | null {
  return text ? new Date(text).toISOString() : null;
}

const NEW_AGENT: Agent = {
  id: "", name: "", email: "", skills: {}, languages: [], max_items: 5, max_load: null,
  availability: "offline", timezone: "UTC", working_hours: {}, out_of_office_from: null, out_of_office_until: null,
};

export function AgentsTab({ data, reload }: { data: Data; reload: () => Promise<void> }) {
  const { saver, editing, open, props } = useRowEditor<Agent>(reload);
  const setAvailability = (agent: Agent, availability: Availability) =>
    void saver.run(() => routingApi.setAvailability(agent.id, availability));
  return (
    <TabLayout lede="Who works items: skills with levels, languages, capacity and availability." newLabel="New agent" newTestId="new-agent"
      onNew={() => open({ ...NEW_AGENT }, true)}
      editor={editing && (
        <AgentEditor key={editing.item.id || "new"} initial={editing.item} isNew={editing.isNew} skills={data.skills}
          {...props((agent) => routingApi.saveAgent(agent), (agent) => routingApi.deleteAgent(agent.id))} />
      )}>
      <table className="table" data-testid="agents-table">
        <thead><tr><th>Agent</th><th>Status</th><th>Skills</th><th>Load</th><th>Queues</th><th>Hours</th></tr></thead>
        <tbody>
          {data.agents.map((agent) => (
            <tr key={agent.id} className="table__row" data-testid={`agent-row-${agent.id}`}
              onClick={() => open(agent)}>
              <td><span className="table__name">{agent.name}</span><div className="wf-muted mono">{agent.id}</div></td>
              <td onClick={(e) => e.stopPropagation()}>
                <select className="input rt-status-select" value={agent.availability} data-testid={`availability-${agent.id}`}
                  onChange={(e) => setAvailability(agent, e.target.value as Availability)}>
                  <option value="online">online</option><option value="away">away</option><option value="offline">offline</option>
                </select>
                {agent.availability === "online" && !agent.available && <div className="field__hint">{agent.why_unavailable}</div>}
              </td>
              <td>
                {Object.entries(agent.skills).map(([skill, level]) => (
                  <span key={skill} className="rt-chip">{skill}<span className="rt-chip__level">{level}</span></span>
                ))}
                {agent.languages.map((lang) => <span key={lang} className="rt-chip rt-chip--lang">{lang}</span>)}
              </td>
              <td><LoadBar agent={agent} /></td>
              <td>{(agent.queues ?? []).map((q) => <span key={q} className="rt-chip">{q}</span>)}</td>
              <td className="wf-muted">{summarizeHours(agent.working_hours)}{agent.working_hours && Object.keys(agent.working_hours).length ? ` (${agent.timezone})` : ""}</td>
            </tr>
          ))}
          {data.agents.length === 0 && <tr><td colSpan={6} className="rt-empty">No agents yet. Add the people who work items.</td></tr>}
        </tbody>
      </table>
      {saver.error && !editing && <p className="banner banner--error">{saver.error}</p>}
    </TabLayout>
  );
}

function AgentEditor({ initial, isNew, skills, saving, error, onSave, onDelete, onClose }: {
  initial: Agent; isNew: boolean; skills: Skill[]; saving: boolean; error: string | null;
  onSave: (agent: Agent) => void; onDelete?: () => void; onClose: () => void;
}) {
  const [agent, setAgent] = useState<Agent>(initial);
  const [newSkill, setNewSkill] = useState("");
  const set = (fields: Partial<Agent>) => setAgent((a) => ({ ...a, ...fields }));
  const free = skills.filter((s) => !(s.name in agent.skills));
  return (
    <Editor title={isNew ? "New agent" : agent.name} testId="agent-editor" saving={saving} error={error}
      onClose={onClose} onDelete={onDelete} onSave={() => onSave(agent)}>
      <div className="rt-row">
        <Field label="Identifier"><input className="input input--mono" value={agent.id} disabled={!isNew} data-testid="agent-id"
          onChange={(e) => set({ id: e.target.value.trim() })} placeholder="ada" /></Field>
        <Field label="Name"><input className="input" value={agent.name} data-testid="agent-name" onChange={(e) => set({ name: e.target.value })} /></Field>
      </div>
      <Field label="E-mail"><input className="input" type="email" value={agent.email} onChange={(e) => set({ email: e.target.value })} /></Field>
      <div className="rt-row">
        <Field label="Availability">
          <select className="input" value={agent.availability} data-testid="agent-availability"
            onChange={(e) => set({ availability: e.target.value as Availability })}>
            <option value="online">online</option><option value="away">away</option><option value="offline">offline</option>
          </select>
        </Field>
        <Field label="Max open items"><input className="input" type="number" min={0} value={agent.max_items} data-testid="agent-max-items"
          onChange={(e) => set({ max_items: Math.max(0, Number(e.target.value) || 0) })} /></Field>
        <Field label="Max load points" hint="Optional: items count by weight">
          <input className="input" type="number" min={1} value={agent.max_load ?? ""}
            onChange={(e) => set({ max_load: e.target.value ? Math.max(1, Number(e.target.value)) : null })} /></Field>
      </div>
      <Group label="Skills and levels (1–5)">
        <div>
          {Object.entries(agent.skills).map(([skill, level]) => (
            <span key={skill} className="rt-chip" data-testid={`agent-skill-${skill}`}>{skill}
              <select value={level} onChange={(e) => set({ skills: { ...agent.skills, [skill]: Number(e.target.value) } })}>
                {[1, 2, 3, 4, 5].map((n) => <option key={n} value={n}>{n}</option>)}
              </select>
              <button type="button" aria-label={`Remove ${skill}`} onClick={() => {
                const { [skill]: _gone, ...rest } = agent.skills;
                set({ skills: rest });
              }}>×</button>
            </span>
          ))}
          {Object.keys(agent.skills).length === 0 && <span className="wf-muted">No skills yet. </span>}
        </div>
      </Group>
      {free.length > 0 && (
        <div className="rt-row">
          <select className="input" value={newSkill} onChange={(e) => setNewSkill(e.target.value)} data-testid="agent-add-skill">
            <option value="">Add a skill…</option>
            {free.map((s) => <option key={s.name} value={s.name}>{s.name}</option>)}
          </select>
          <button type="button" className="btn" disabled={!newSkill} style={{ flex: "0 0 auto" }}
            onClick={() => { set({ skills: { ...agent.skills, [newSkill]: 3 } }); setNewSkill(""); }}>Add</button>
        </div>
      )}
      <Field label="Languages" hint="Comma-separated; a step requiring 'english' is met by the language">
        <input className="input" value={agent.languages.join(", ")} data-testid="agent-languages"
          onChange={(e) => set({ languages: e.target.value.split(",").map((s) => s.trim()).filter(Boolean) })} />
      </Field>
      <Field label="Time zone"><input className="input" value={agent.timezone} onChange={(e) => set({ timezone: e.target.value })} placeholder="Europe/Berlin" /></Field>
      <Group label="Working hours" hint="None ticked: routing may give them work at any time while online">
        <HoursEditor value={agent.working_hours} onChange={(working_hours) => set({ working_hours })} testId="agent-hours" />
      </Group>
      <div className="rt-row">
        <Field label="Out of office from"><input className="input" type="datetime-local" value={localInput(agent.out_of_office_from)}
          onChange={(e) => set({ out_of_office_from: fromLocalInput(e.target.value) })} /></Field>
        <Field label="until"><input className="input" type="datetime-local" value={localInput(agent.out_of_office_until)}
          onChange={(e) => set({ out_of_office_until: fromLocalInput(e.target.value) })} /></Field>
      </div>
    </Editor>
  );
}
