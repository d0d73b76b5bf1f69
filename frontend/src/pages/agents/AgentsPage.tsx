// Team admin: agents (skills, languages, capacity, availability, hours, out of office),
// queues (members and strategy), skills and business calendars.
import { useCallback, useEffect, useMemo, useState } from "react";
import type { ReactNode } from "react";
import {
  STRATEGY_LABELS,
  routingApi,
  type Agent,
  type Availability,
  type Calendar,
  type HolidayCountry,
  type Queue,
  type Skill,
  type Strategy,
} from "../../api/routing";
import { ListPage } from "../../components/ListPage";
import { useAsyncAction } from "../../hooks/useAsyncAction";
import { HoursEditor, summarizeHours } from "./HoursEditor";
import "./routing.css";

type Tab = "agents" | "queues" | "skills" | "calendars";

interface Data { agents: Agent[]; queues: Queue[]; skills: Skill[]; calendars: Calendar[] }

export function AgentsPage({ tab: initialTab = "agents" }: { tab?: Tab }) {
  const [tab, setTab] = useState<Tab>(initialTab);
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(async () => {
    try {
      const [agents, queues, skills, calendars] = await Promise.all([
        routingApi.agents(), routingApi.queues(), routingApi.skills(), routingApi.calendars(),
      ]);
      setData({ agents, queues, skills, calendars });
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);
  useEffect(() => { void reload(); }, [reload]);
  const counts: Record<Tab, number | undefined> = {
    agents: data?.agents.length, queues: data?.queues.length, skills: data?.skills.length, calendars: data?.calendars.length,
  };
  return (
    <ListPage testId="agents-page" active="agents" title={<>Team &amp; routing</>} mainClass="rt-wide">
      <div className="rt-tabs" role="tablist">
        {(["agents", "queues", "skills", "calendars"] as Tab[]).map((t) => (
          <button key={t} type="button" role="tab" aria-selected={tab === t} data-testid={`tab-${t}`}
            className={`rt-tab${tab === t ? " rt-tab--active" : ""}`} onClick={() => setTab(t)}>
            {t.charAt(0).toUpperCase() + t.slice(1)}
            {counts[t] !== undefined && <span className="rt-tab__count">{counts[t]}</span>}
          </button>
        ))}
      </div>
      {error && <p className="banner banner--error rt-banner">{error}</p>}
      {!data && !error && <p className="wf-muted">Loading…</p>}
      {data && tab === "agents" && <AgentsTab data={data} reload={reload} />}
      {data && tab === "queues" && <QueuesTab data={data} reload={reload} />}
      {data && tab === "skills" && <SkillsTab data={data} reload={reload} />}
      {data && tab === "calendars" && <CalendarsTab data={data} reload={reload} />}
    </ListPage>
  );
}

// ---------------------------------------------------------------- shared pieces

// A tab of the page: a lede and a "New ..." button over its table, and the editor of the
// chosen row beside it while one is open.
function TabLayout({ lede, newLabel, newTestId, onNew, editor, children }: {
  lede: string; newLabel: string; newTestId: string; onNew: () => void; editor: ReactNode; children: ReactNode;
}) {
  return (
    <div className={`rt-layout${editor ? "" : " rt-layout--single"}`}>
      <div>
        <div className="list-page__titlebar">
          <span className="wf-muted">{lede}</span>
          <span className="toolbar__spacer" />
          <button type="button" className="btn btn--primary" data-testid={newTestId} onClick={onNew}>{newLabel}</button>
        </div>
        {children}
      </div>
      {editor}
    </div>
  );
}

function Editor({ title, children, onSave, onDelete, onClose, saving, error, testId }: {
  title: string; children: ReactNode; onSave: () => void; onDelete?: () => void; onClose: () => void;
  saving: boolean; error: string | null; testId: string;
}) {
  return (
    <form className="rt-card" data-testid={testId} onSubmit={(e) => { e.preventDefault(); onSave(); }}>
      <div className="rt-card__header"><h2>{title}</h2><span className="toolbar__spacer" />
        <button type="button" className="btn btn--small" onClick={onClose}>Close</button></div>
      <div className="rt-card__body">
        {children}
        {error && <p className="banner banner--error" data-testid={`${testId}-error`}>{error}</p>}
      </div>
      <div className="rt-card__footer">
        {onDelete && <button type="button" className="btn btn--danger" onClick={onDelete}>Delete</button>}
        <span className="toolbar__spacer" />
        <button type="submit" className="btn btn--primary" disabled={saving} data-testid={`${testId}-save`}>{saving ? "Saving…" : "Save"}</button>
      </div>
    </form>
  );
}

function Field({ label, hint, children }: { label: string; hint?: string; children: ReactNode }) {
  return (
    <label className="field"><span className="field__label">{label}</span>{children}{hint && <span className="field__hint">{hint}</span>}</label>
  );
}

/** A labelled block holding several controls (a label may not contain other labels). */
function Group({ label, hint, children }: { label: string; hint?: string; children: ReactNode }) {
  return (
    <div className="field rt-group"><span className="field__label">{label}</span>{children}{hint && <span className="field__hint">{hint}</span>}</div>
  );
}

function useSaver(reload: () => Promise<void>) {
  const { busy: saving, error, setError, run: call } = useAsyncAction();
  const run = (action: () => Promise<unknown>, after?: () => void) => call(async () => {
    await action();
    await reload();
    after?.();
  });
  return { saving, error, run, setError };
}

// The row being edited in a tab's editor, with the saver behind it.
function useRowEditor<T>(reload: () => Promise<void>) {
  const saver = useSaver(reload);
  const [editing, setEditing] = useState<{ item: T; isNew: boolean } | null>(null);
  const close = () => setEditing(null);
  return {
    saver,
    editing,
    /** Open the editor on `item` (a new one when `isNew`), forgetting the last error. */
    open: (item: T, isNew = false) => {
      saver.setError(null);
      setEditing({ item, isNew });
    },
    /** What every editor takes: saving and deleting close it once they succeed. */
    props: (save: (item: T) => Promise<unknown>, remove: (item: T) => Promise<unknown>) => ({
      saving: saver.saving,
      error: saver.error,
      onClose: close,
      onSave: (item: T) => void saver.run(() => save(item), close),
      onDelete: !editing || editing.isNew ? undefined : () => void saver.run(() => remove(editing.item), close),
    }),
  };
}

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

export function AvailabilityDot({ value }: { value: Availability }) {
  return <><span className={`rt-dot rt-dot--${value}`} />{value}</>;
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

// ---------------------------------------------------------------- agents

const NEW_AGENT: Agent = {
  id: "", name: "", email: "", skills: {}, languages: [], max_items: 5, max_load: null,
  availability: "offline", timezone: "UTC", working_hours: {}, out_of_office_from: null, out_of_office_until: null,
};

function AgentsTab({ data, reload }: { data: Data; reload: () => Promise<void> }) {
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

// ---------------------------------------------------------------- queues

const NEW_QUEUE: Queue = { name: "", description: "", strategy: "round_robin", members: [], calendar: null };

function QueuesTab({ data, reload }: { data: Data; reload: () => Promise<void> }) {
  const { editing, open, props } = useRowEditor<Queue>(reload);
  const names = useMemo(() => new Map(data.agents.map((a) => [a.id, a.name])), [data.agents]);
  return (
    <TabLayout lede="Teams that own stages and steps, with their members and routing strategy." newLabel="New queue" newTestId="new-queue"
      onNew={() => open({ ...NEW_QUEUE }, true)}
      editor={editing && (
        <QueueEditor key={editing.item.name || "new"} initial={editing.item} isNew={editing.isNew} data={data}
          {...props((queue) => routingApi.saveQueue(queue), (queue) => routingApi.deleteQueue(queue.name))} />
      )}>
      <table className="table" data-testid="queues-table">
        <thead><tr><th>Queue</th><th>Strategy</th><th>Members</th><th>Waiting</th><th>Assigned</th><th>Calendar</th></tr></thead>
        <tbody>
          {data.queues.map((queue) => (
            <tr key={queue.name} className="table__row" data-testid={`queue-row-${queue.name}`}
              onClick={() => open(queue)}>
              <td><span className="table__name">{queue.name}</span><div className="wf-muted">{queue.description}</div></td>
              <td className="rt-strategy">{STRATEGY_LABELS[queue.strategy]}</td>
              <td>{queue.members.map((m) => <span key={m} className="rt-chip">{names.get(m) ?? m}</span>)}
                {queue.members.length === 0 && <span className="count count--error">no members</span>}</td>
              <td>{queue.waiting ? <span className="count count--error">{queue.waiting}</span> : <span className="count">0</span>}</td>
              <td>{queue.assigned ?? 0}</td>
              <td className="wf-muted">{queue.calendar ?? "—"}</td>
            </tr>
          ))}
          {data.queues.length === 0 && <tr><td colSpan={6} className="rt-empty">No queues yet.</td></tr>}
        </tbody>
      </table>
    </TabLayout>
  );
}

const STRATEGY_HELP: Record<Strategy, string> = {
  round_robin: "Each item goes to the next available agent with room, in member order.",
  load_balanced: "Each item goes to the least loaded agent relative to their capacity.",
  skills_based: "Agents with the required skills; the best match wins, then the least loaded.",
  pull_next: "Items wait; agents take the most urgent one they fit (SLA due, priority).",
};

function QueueEditor({ initial, isNew, data, saving, error, onSave, onDelete, onClose }: {
  initial: Queue; isNew: boolean; data: Data; saving: boolean; error: string | null;
  onSave: (queue: Queue) => void; onDelete?: () => void; onClose: () => void;
}) {
  const [queue, setQueue] = useState<Queue>(initial);
  const set = (fields: Partial<Queue>) => setQueue((q) => ({ ...q, ...fields }));
  const toggle = (id: string, on: boolean) =>
    set({ members: on ? [...queue.members, id] : queue.members.filter((m) => m !== id) });
  return (
    <Editor title={isNew ? "New queue" : queue.name} testId="queue-editor" saving={saving} error={error}
      onClose={onClose} onDelete={onDelete} onSave={() => onSave(queue)}>
      <Field label="Name"><input className="input input--mono" value={queue.name} disabled={!isNew} data-testid="queue-name"
        onChange={(e) => set({ name: e.target.value.trim() })} /></Field>
      <Field label="Description"><input className="input" value={queue.description} onChange={(e) => set({ description: e.target.value })} /></Field>
      <Field label="Strategy" hint={STRATEGY_HELP[queue.strategy]}>
        <select className="input" value={queue.strategy} data-testid="queue-strategy" onChange={(e) => set({ strategy: e.target.value as Strategy })}>
          {(Object.keys(STRATEGY_LABELS) as Strategy[]).map((s) => <option key={s} value={s}>{STRATEGY_LABELS[s]}</option>)}
        </select>
      </Field>
      <Field label="Business calendar">
        <select className="input" value={queue.calendar ?? ""} onChange={(e) => set({ calendar: e.target.value || null })}>
          <option value="">None</option>
          {data.calendars.map((c) => <option key={c.name} value={c.name}>{c.name}</option>)}
        </select>
      </Field>
      <Group label={`Members (${queue.members.length}) — round-robin order`}>
        <div className="rt-members">
          {data.agents.map((agent) => (
            <label key={agent.id} className="checkbox">
              <input type="checkbox" checked={queue.members.includes(agent.id)} data-testid={`member-${agent.id}`}
                onChange={(e) => toggle(agent.id, e.target.checked)} />
              <span>{agent.name} <span className="wf-muted">{Object.keys(agent.skills).join(", ")}</span></span>
            </label>
          ))}
          {data.agents.length === 0 && <span className="wf-muted">Add agents first.</span>}
        </div>
      </Group>
    </Editor>
  );
}

// ---------------------------------------------------------------- skills

function SkillsTab({ data, reload }: { data: Data; reload: () => Promise<void> }) {
  const { editing, open, props } = useRowEditor<Skill>(reload);
  const holders = (name: string) => data.agents.filter((a) => name in a.skills);
  return (
    <TabLayout lede="Skills that steps require and agents hold." newLabel="New skill" newTestId="new-skill"
      onNew={() => open({ name: "", description: "" }, true)}
      editor={editing && (
        <SkillEditor key={editing.item.name || "new"} initial={editing.item} isNew={editing.isNew}
          {...props((skill) => routingApi.saveSkill(skill), (skill) => routingApi.deleteSkill(skill.name))} />
      )}>
      <table className="table" data-testid="skills-table">
        <thead><tr><th>Skill</th><th>Description</th><th>Held by</th></tr></thead>
        <tbody>
          {data.skills.map((skill) => (
            <tr key={skill.name} className="table__row" onClick={() => open(skill)}>
              <td className="table__name mono">{skill.name}</td>
              <td className="table__desc">{skill.description}</td>
              <td>{holders(skill.name).map((a) => <span key={a.id} className="rt-chip">{a.name}<span className="rt-chip__level">{a.skills[skill.name]}</span></span>)}</td>
            </tr>
          ))}
          {data.skills.length === 0 && <tr><td colSpan={3} className="rt-empty">No skills yet.</td></tr>}
        </tbody>
      </table>
    </TabLayout>
  );
}

function SkillEditor({ initial, isNew, saving, error, onSave, onDelete, onClose }: {
  initial: Skill; isNew: boolean; saving: boolean; error: string | null;
  onSave: (skill: Skill) => void; onDelete?: () => void; onClose: () => void;
}) {
  const [skill, setSkill] = useState(initial);
  return (
    <Editor title={isNew ? "New skill" : skill.name} testId="skill-editor" saving={saving} error={error}
      onClose={onClose} onDelete={onDelete} onSave={() => onSave(skill)}>
      <Field label="Name"><input className="input input--mono" value={skill.name} disabled={!isNew} data-testid="skill-name"
        onChange={(e) => setSkill({ ...skill, name: e.target.value.trim() })} /></Field>
      <Field label="Description"><input className="input" value={skill.description} onChange={(e) => setSkill({ ...skill, description: e.target.value })} /></Field>
    </Editor>
  );
}

// ---------------------------------------------------------------- calendars

const NEW_CALENDAR: Calendar = {
  name: "", description: "", timezone: "UTC", holidays: [], country: null, region: null,
  hours: Object.fromEntries(["mon", "tue", "wed", "thu", "fri"].map((d) => [d, [["09:00", "17:00"]]])) as Calendar["hours"],
};

function placeOf(calendar: Calendar, countries: HolidayCountry[]): string {
  if (!calendar.country) return "";
  const country = countries.find((c) => c.code === calendar.country);
  const region = country?.regions.find((r) => r.code === calendar.region);
  return [country?.name ?? calendar.country, region?.name ?? calendar.region].filter(Boolean).join(", ");
}

function CalendarsTab({ data, reload }: { data: Data; reload: () => Promise<void> }) {
  const { editing, open, props } = useRowEditor<Calendar>(reload);
  const [countries, setCountries] = useState<HolidayCountry[]>([]);
  useEffect(() => {
    let live = true;
    routingApi.holidayCountries().then((found) => live && setCountries(found)).catch(() => undefined);
    return () => { live = false; };
  }, []);
  return (
    <TabLayout lede="Business calendars: SLA clocks count working time only." newLabel="New calendar" newTestId="new-calendar"
      onNew={() => open({ ...NEW_CALENDAR }, true)}
      editor={editing && (
        <CalendarEditor key={editing.item.name || "new"} initial={editing.item} isNew={editing.isNew}
          countries={countries}
          {...props((calendar) => routingApi.saveCalendar(calendar), (calendar) => routingApi.deleteCalendar(calendar.name))} />
      )}>
      <table className="table" data-testid="calendars-table">
        <thead><tr><th>Calendar</th><th>Time zone</th><th>Working hours</th><th>Holidays</th></tr></thead>
        <tbody>
          {data.calendars.map((calendar) => (
            <tr key={calendar.name} className="table__row" onClick={() => open(calendar)}>
              <td><span className="table__name">{calendar.name}</span><div className="wf-muted">{calendar.description}</div></td>
              <td className="mono">{calendar.timezone}</td>
              <td>{summarizeHours(calendar.hours)}</td>
              <td className="wf-muted" data-testid="calendar-holidays-cell">
                {[placeOf(calendar, countries), ...calendar.holidays].filter(Boolean).join("; ") || "—"}</td>
            </tr>
          ))}
          {data.calendars.length === 0 && <tr><td colSpan={4} className="rt-empty">No calendars yet.</td></tr>}
        </tbody>
      </table>
    </TabLayout>
  );
}

function CalendarEditor({ initial, isNew, countries, saving, error, onSave, onDelete, onClose }: {
  initial: Calendar; isNew: boolean; countries: HolidayCountry[]; saving: boolean; error: string | null;
  onSave: (calendar: Calendar) => void; onDelete?: () => void; onClose: () => void;
}) {
  const [calendar, setCalendar] = useState(initial);
  const [holidays, setHolidays] = useState(initial.holidays.join(", "));
  const set = (fields: Partial<Calendar>) => setCalendar((c) => ({ ...c, ...fields }));
  const country = countries.find((c) => c.code === calendar.country);
  // The public holidays read with the calendar are those of its stored place only.
  const samePlace = calendar.country === initial.country && calendar.region === initial.region;
  const shown = samePlace ? calendar.public_holidays ?? [] : [];
  return (
    <Editor title={isNew ? "New calendar" : calendar.name} testId="calendar-editor" saving={saving} error={error}
      onClose={onClose} onDelete={onDelete}
      onSave={() => onSave({ ...calendar, holidays: holidays.split(",").map((s) => s.trim()).filter(Boolean) })}>
      <Field label="Name"><input className="input input--mono" value={calendar.name} disabled={!isNew} data-testid="calendar-name"
        onChange={(e) => set({ name: e.target.value.trim() })} /></Field>
      <Field label="Description"><input className="input" value={calendar.description} onChange={(e) => set({ description: e.target.value })} /></Field>
      <Field label="Time zone" hint="An IANA name such as Europe/Berlin or America/New_York">
        <input className="input" value={calendar.timezone} data-testid="calendar-timezone" onChange={(e) => set({ timezone: e.target.value })} /></Field>
      <Group label="Working hours"><HoursEditor value={calendar.hours} onChange={(hours) => set({ hours })} testId="calendar-hours" /></Group>
      <Field label="Public holidays of" hint="The country's public holidays do not count as working time">
        <select className="input" value={calendar.country ?? ""} data-testid="calendar-country"
          onChange={(e) => set({ country: e.target.value || null, region: null })}>
          <option value="">No country: only the dates below</option>
          {countries.map((c) => <option key={c.code} value={c.code}>{c.name} ({c.code})</option>)}
        </select></Field>
      {country && country.regions.length > 0 && (
        <Field label="Region" hint="Where holidays differ inside the country">
          <select className="input" value={calendar.region ?? ""} data-testid="calendar-region"
            onChange={(e) => set({ region: e.target.value || null })}>
            <option value="">The whole country</option>
            {country.regions.map((r) => <option key={r.code} value={r.code}>{r.name} ({r.code})</option>)}
          </select></Field>
      )}
      {shown.length > 0 && (
        <Group label={`Public holidays in ${shown[0].day.slice(0, 4)}`}>
          <ul className="rt-holidays" data-testid="calendar-public-holidays">
            {shown.map((h) => <li key={h.day}><span className="mono">{h.day}</span> {h.name}</li>)}
          </ul>
        </Group>
      )}
      <Field label="Own holidays" hint="Dates on top of the public holidays, comma-separated: 2026-12-24, 2026-12-31">
        <input className="input" value={holidays} data-testid="calendar-holidays" onChange={(e) => setHolidays(e.target.value)} /></Field>
    </Editor>
  );
}
