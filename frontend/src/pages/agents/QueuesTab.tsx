// The queues tab: teams that own stages and steps, their members and routing strategy.
import { useMemo, useState } from "react";
import { STRATEGY_LABELS, routingApi, type Queue, type Strategy } from "../../api/routing";
import { Editor, Field, Group, TabLayout, useRowEditor, type Data } from "./TabParts";

const NEW_QUEUE: Queue = { name: "", description: "", strategy: "round_robin", members: [], calendar: null };

export function QueuesTab({ data, reload }: { data: Data; reload: () => Promise<void> }) {
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
