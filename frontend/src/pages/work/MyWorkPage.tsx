// An agent's "My work": what they hold, most urgent first (priority, then SLA due time),
// pull-next for what waits in their queues, completing an item's form, and why an item
// came to them. Live: the page watches the agent's room (agent:<id>) and refreshes on
// every change; a slow poll covers assignments the run log does not name.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { routingApi, type Agent, type Assignment, type Availability, type Inbox, type InboxItem } from "../../api/routing";
import { useSession } from "../../auth/session";
import { ListPage } from "../../components/ListPage";
import { useAsyncAction } from "../../hooks/useAsyncAction";
import { useWorkflowNames } from "../../hooks/useWorkflowNames";
import { listen, liveSocket } from "../../live/socket";
import { navigate } from "../../navigation";
import { AvailabilityDot } from "../agents/AgentsPage";
import { SlaBadge, liveSla } from "./SlaBadge";
import "../agents/routing.css";
import { AiSuggestionNote, useAiSuggestion } from "../../ai/AiSuggestionNote";
import { prefill } from "../../ai/suggestion";

const POLL_MS = 15000;

export function MyWorkPage({ agentId }: { agentId?: string }) {
  const user = useSession((s) => s.user);
  const [agents, setAgents] = useState<Agent[] | null>(null);
  const chosen = agentId || user?.agent_id || "";
  const canChoose = user?.role === "admin" || user?.role === "supervisor" || user?.role === "viewer";
  useEffect(() => {
    if (!canChoose) return;
    void routingApi.agents().then(setAgents).catch(() => setAgents([]));
  }, [canChoose]);
  useEffect(() => {
    if (!chosen && agents && agents.length) navigate(`/work/${encodeURIComponent(agents[0].id)}`);
  }, [chosen, agents]);
  return (
    <ListPage testId="work-page" active="work">
      {chosen ? (
        <Work key={chosen} agentId={chosen} agents={agents} canChoose={canChoose} canReassign={user?.role === "admin" || user?.role === "supervisor"} />
      ) : (
        <p className="rt-empty">{agents === null ? "Loading…" : "Your account is not linked to an agent, and there are no agents yet."}</p>
      )}
    </ListPage>
  );
}

function useNow(everyMs = 30000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

function useAgentRoom(agentId: string, onChange: () => void): boolean {
  const callback = useRef(onChange);
  callback.current = onChange;
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const socket = liveSocket();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const changed = () => {
      if (timer !== null) return;
      timer = setTimeout(() => { timer = null; callback.current(); }, 250);
    };
    const join = () => {
      setConnected(true);
      socket.emit("watch", { agent: agentId }, () => {});
    };
    const down = () => setConnected(false);
    const stop = listen(socket, { connect: join, disconnect: down, "run.changed": changed, "inbox.changed": changed });
    if (socket.connected) join();
    const poll = setInterval(() => callback.current(), POLL_MS);
    return () => {
      stop();
      if (timer !== null) clearTimeout(timer);
      clearInterval(poll);
      if (socket.connected) socket.emit("unwatch", { agent: agentId }, () => {});
    };
  }, [agentId]);
  return connected;
}

function Work({ agentId, agents, canChoose, canReassign }: {
  agentId: string; agents: Agent[] | null; canChoose: boolean; canReassign: boolean;
}) {
  const [inbox, setInbox] = useState<Inbox | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const now = useNow();
  const workflowName = useWorkflowNames();
  const load = useCallback(async () => {
    try {
      setInbox(await routingApi.inbox(agentId));
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [agentId]);
  useEffect(() => { void load(); }, [load]);
  const live = useAgentRoom(agentId, () => void load());

  const items = useMemo(() => (inbox?.items ?? []).map((item) => ({ ...item, sla: liveSla(item.sla, now) })), [inbox, now]);
  const current = items.find((i) => i.key === selected) ?? null;
  const agent = inbox?.agent;
  const act = async (action: () => Promise<unknown>, message?: string) => {
    setBusy(true);
    setNotice(null);
    try {
      await action();
      if (message) setNotice(message);
      await load();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const pull = () => void act(async () => {
    const item = await routingApi.pull(agentId);
    setSelected(item.key);
  }, "You took the next item.");
  const setAvailability = (value: Availability) => void act(() => routingApi.setAvailability(agentId, value));
  const atRisk = items.filter((i) => i.sla?.state === "at_risk").length;
  const breached = items.filter((i) => i.sla?.state === "breached").length;
  const capacity = agent ? (agent.max_load ? `${agent.load ?? 0}/${agent.max_load} pts` : `${agent.open_items ?? 0}/${agent.max_items}`) : "–";

  return (
    <>
      <div className="work-top">
        <h1>My work</h1>
        {canChoose && agents && (
          <select className="input" style={{ width: 200 }} value={agentId} data-testid="work-agent"
            onChange={(e) => navigate(`/work/${encodeURIComponent(e.target.value)}`)}>
            {agents.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
          </select>
        )}
        {agent && !(canChoose && agents) && <span className="wf-muted">{agent.name}</span>}
        <span className="toolbar__spacer" style={{ flex: 1 }} />
        <span className="work-live" data-testid="work-live">
          <span className={`rt-dot rt-dot--${live ? "online" : "offline"}`} />{live ? "Live" : "Refreshing every 15 s"}
        </span>
        {agent && (
          <div className="work-status" role="group" aria-label="Availability">
            {(["online", "away", "offline"] as Availability[]).map((value) => (
              <button key={value} type="button" disabled={busy} data-testid={`work-availability-${value}`}
                className={agent.availability === value ? "work-status__on" : ""} onClick={() => setAvailability(value)}>
                <AvailabilityDot value={value} />
              </button>
            ))}
          </div>
        )}
      </div>
      {error && <p className="banner banner--error rt-banner" data-testid="work-error">{error}</p>}
      {notice && <p className="banner rt-banner" data-testid="work-notice">{notice}</p>}
      {agent && agent.availability === "online" && !agent.available && (
        <p className="banner rt-banner">Routing gives you no new work now: {agent.why_unavailable}.</p>
      )}
      <div className="work-summary">
        <div className="rt-card work-stat"><div className="work-stat__value" data-testid="work-held">{items.length}</div><div className="work-stat__label">Open items · capacity {capacity}</div></div>
        <div className="rt-card work-stat"><div className="work-stat__value" style={{ color: atRisk ? "var(--warning)" : undefined }}>{atRisk}</div><div className="work-stat__label">At risk</div></div>
        <div className="rt-card work-stat"><div className="work-stat__value" style={{ color: breached ? "var(--error)" : undefined }}>{breached}</div><div className="work-stat__label">Breached</div></div>
        <div className="rt-card work-stat"><div className="work-stat__value" data-testid="work-can-pull">{inbox?.can_pull ?? "–"}</div><div className="work-stat__label">Waiting for you to pull</div></div>
      </div>
      <div className="rt-card work-pull" style={{ marginBottom: 16 }}>
        <div className="work-pull__next" data-testid="work-next">
          {inbox?.next_pull ? (
            <>
              <div className="wf-muted" style={{ fontSize: 11.5, textTransform: "uppercase", letterSpacing: "0.04em" }}>Next in line</div>
              <div className="work-item__title">{inbox.next_pull.title}{inbox.next_pull.case_subject && <span className="wf-muted"> — {inbox.next_pull.case_subject}</span>}</div>
              <div className="work-item__meta"><span>{inbox.next_pull.queue}</span><span title={inbox.next_pull.workflow_id}>{workflowName(inbox.next_pull.workflow_id)}</span>
                <SlaBadge sla={liveSla(inbox.next_pull.sla, now)} /></div>
            </>
          ) : (
            <span className="wf-muted">Nothing waits in your queues that you could take.</span>
          )}
        </div>
        <button type="button" className="btn btn--primary" disabled={busy || !inbox?.next_pull} onClick={pull} data-testid="pull-next">
          Pull next
        </button>
      </div>
      <div className={`rt-layout${current ? "" : " rt-layout--single"}`}>
        <div className="rt-card">
          <div className="rt-card__header"><h2>Assigned to you</h2><span className="wf-muted">most urgent first</span></div>
          <ul className="work-list" data-testid="work-items">
            {items.map((item) => (
              <li key={item.key} className={`work-item${item.key === selected ? " work-item--selected" : ""}`}
                data-testid={`work-item-${item.key}`} onClick={() => setSelected(item.key)}>
                <div className="work-item__title">
                  {item.priority > 0 && <span className="rt-priority" title="Routing priority">P{item.priority} · </span>}
                  {item.title}{item.case_subject && <span className="wf-muted"> — {item.case_subject}</span>}
                </div>
                <div className="work-item__side"><SlaBadge sla={item.sla} testId={`work-sla-${item.key}`} /></div>
                <div className="work-item__meta">
                  <span title={item.workflow_id}>{workflowName(item.workflow_id)}</span><span>queue {item.queue ?? "—"}</span>
                  {item.skills.length > 0 && <span>needs {item.skills.join(", ")}</span>}
                  <span>since {new Date(item.created_at).toLocaleString()}</span>
                </div>
              </li>
            ))}
            {inbox && items.length === 0 && <li className="rt-empty">Nothing assigned to you. Pull the next item when you are ready.</li>}
          </ul>
        </div>
        {current && (
          <ItemPanel key={current.key} item={current} agents={agents} canReassign={canReassign}
            onClose={() => setSelected(null)}
            onDone={(message) => { setSelected(null); setNotice(message); void load(); }} />
        )}
      </div>
    </>
  );
}

function ItemPanel({ item, agents, canReassign, onClose, onDone }: {
  item: InboxItem; agents: Agent[] | null; canReassign: boolean; onClose: () => void; onDone: (message: string) => void;
}) {
  const [data, setData] = useState<Record<string, unknown>>({});
  const { busy, error, run: call } = useAsyncAction();
  const [reasons, setReasons] = useState<Assignment[] | null>(null);
  const [target, setTarget] = useState("");
  const [why, setWhy] = useState("");
  const agentName = (id: string) => agents?.find((a) => a.id === id)?.name ?? id;
  useEffect(() => { void routingApi.assignments(item.key).then(setReasons).catch(() => setReasons([])); }, [item.key]);
  const suggestion = useAiSuggestion(item.key);
  useEffect(() => setData((d) => prefill(suggestion, item.form, d)), [suggestion, item.form]);
  const run = (action: () => Promise<unknown>, message: string) => call(async () => {
    await action();
    onDone(message);
  });
  return (
    <div className="rt-card" data-testid="work-detail">
      <div className="rt-card__header"><h2>{item.title}</h2><span className="toolbar__spacer" />
        <button type="button" className="btn btn--small" onClick={onClose}>Close</button></div>
      <div className="rt-card__body">
        <div className="work-item__meta">
          <SlaBadge sla={item.sla} />
          <a href={`/cases/${encodeURIComponent(item.run_id)}`} onClick={(e) => { e.preventDefault(); navigate(`/cases/${encodeURIComponent(item.run_id)}`); }}>Open the case</a>
        </div>
        {item.case_subject && <div><strong>{item.case_subject}</strong></div>}
        <AiSuggestionNote suggestion={suggestion} />
        <form onSubmit={(e) => { e.preventDefault(); void run(() => routingApi.complete(item.key, data), `Completed “${item.title}”.`); }}
          style={{ display: "flex", flexDirection: "column", gap: 10 }} data-testid="work-form">
          {item.form.map((field) => (
            <label key={field.name} className="field">
              <span className="field__label">{field.label || field.name}{field.required ? " *" : ""}</span>
              <FormInput field={field} value={data[field.name]} onChange={(v) => setData((d) => ({ ...d, [field.name]: v }))} />
              {field.help && <span className="field__hint">{field.help}</span>}
            </label>
          ))}
          {item.form.length === 0 && <span className="wf-muted">This step has no form: completing it moves the case on.</span>}
          <button type="submit" className="btn btn--primary" disabled={busy} data-testid="work-complete">Complete</button>
        </form>
        {error && <p className="banner banner--error" data-testid="work-detail-error">{error}</p>}
        <div className="work-reasons" data-testid="work-reasons">
          <strong>Why it is here</strong>
          {reasons === null && <span className="wf-muted">Loading…</span>}
          {reasons?.map((r) => (
            <div key={r.id}>
              <span className="wf-muted">{new Date(r.at).toLocaleString()} · {r.kind}</span><br />
              {r.agent ? <>to <strong title={r.agent}>{agentName(r.agent)}</strong>{r.previous ? <> from {agentName(r.previous)}</> : null}: </> : "waiting: "}{r.reason}
              {(r.decision.candidates ?? []).filter((c) => c.passed_over).slice(0, 4).map((c) => (
                <div key={c.agent} className="wf-muted">· {agentName(c.agent)}: {c.passed_over}</div>
              ))}
            </div>
          ))}
        </div>
        {canReassign && (
          <form className="work-reasons" onSubmit={(e) => {
            e.preventDefault();
            void run(() => routingApi.reassign(item.key, target || null, why), target ? `Reassigned to ${target}.` : "Returned to the queue.");
          }}>
            <strong>Reassign</strong>
            <select className="input" value={target} onChange={(e) => setTarget(e.target.value)} data-testid="reassign-agent">
              <option value="">Back to the queue</option>
              {(agents ?? []).filter((a) => a.id !== item.assignee).map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
            </select>
            <input className="input" value={why} onChange={(e) => setWhy(e.target.value)} placeholder="Reason (required)" data-testid="reassign-reason" />
            <button type="submit" className="btn" disabled={busy || !why.trim()}>Reassign</button>
          </form>
        )}
      </div>
    </div>
  );
}

function FormInput({ field, value, onChange }: { field: InboxItem["form"][number]; value: unknown; onChange: (v: unknown) => void }) {
  const testId = `work-field-${field.name}`;
  if (field.type === "boolean") {
    return <input type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} data-testid={testId} />;
  }
  if (field.type === "picklist") {
    return (
      <select className="input" value={typeof value === "string" ? value : ""} onChange={(e) => onChange(e.target.value || undefined)} data-testid={testId}>
        <option value="">—</option>
        {(field.values ?? []).map((v) => <option key={v} value={v}>{v}</option>)}
      </select>
    );
  }
  if (field.type === "number") {
    return <input className="input" type="number" value={typeof value === "number" ? value : ""} data-testid={testId}
      onChange={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value))} />;
  }
  if (field.type === "date-time") {
    return <input className="input" type="datetime-local" data-testid={testId}
      onChange={(e) => onChange(e.target.value ? new Date(e.target.value).toISOString() : undefined)} />;
  }
  return <input className="input" value={typeof value === "string" ? value : ""} onChange={(e) => onChange(e.target.value)} data-testid={testId} />;
}
