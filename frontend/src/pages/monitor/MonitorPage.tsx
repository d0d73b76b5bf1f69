// The monitor of one workflow: its canvas overlaid with the active cases at each node
// (count, age in node p50/p90, SLA at risk and breached, incidents), the cases of a
// clicked node, stuck cases and incidents with bulk retry/cancel, and exports. Live.
import { useCallback, useEffect, useMemo, useState } from "react";
import { api, type WorkflowSummary } from "../../api/client";
import { SLA_LABELS, runsApi, type MonitorPicture, type NodeFigures, type RunRow } from "../../api/runs";
import { useCan } from "../../auth/permissions";
import { AppHeader } from "../../components/AppHeader";
import { useWorkflowWatch } from "../../live/useWorkflowWatch";
import type { Workflow } from "../../model/types";
import { navigate } from "../../navigation";
import { RunCanvas, duration } from "../cases/RunCanvas";
import { since } from "../cases/format";
import "../../cases.css";

type Panel = "node" | "stuck" | "incidents" | "export";

function RunList({ runs, selectable, selected, onToggle, testId }: {
  runs: RunRow[];
  selectable: boolean;
  selected: Set<string>;
  onToggle: (id: string) => void;
  testId: string;
}) {
  if (!runs.length) return <p className="wf-muted empty-note">None.</p>;
  return (
    <ul className="run-list" data-testid={testId}>
      {runs.map((run) => (
        <li key={run.id} className="run-list__row" data-testid={`${testId}-${run.id}`}>
          {selectable && <input type="checkbox" checked={selected.has(run.id)} onChange={() => onToggle(run.id)} aria-label={`select ${run.title}`} />}
          <div className="run-list__main">
            <a href={`/cases/${encodeURIComponent(run.id)}`} onClick={(e) => { e.preventDefault(); navigate(`/cases/${encodeURIComponent(run.id)}`); }}>
              {run.title}
            </a>
            <div className="wf-muted">
              {run.node_name ?? "—"} · {since(run.node_entered_at)} in node
              {run.assignees.length > 0 && <> · {run.assignees.join(", ")}</>}
            </div>
            {run.incident && <div className="cell-error">{run.incident.message}</div>}
          </div>
          <span className={`status status--${run.status}`}>{run.status}</span>
          {run.sla && <span className={`sla-chip sla-chip--${run.sla}`}>{SLA_LABELS[run.sla]}</span>}
        </li>
      ))}
    </ul>
  );
}

function Bulk({ runs, onDone }: { runs: RunRow[]; onDone: () => void }) {
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [message, setMessage] = useState<string | null>(null);
  const operate = useCan("operate");
  useEffect(() => setSelected((s) => new Set([...s].filter((id) => runs.some((r) => r.id === id)))), [runs]);
  const toggle = (id: string) => setSelected((s) => {
    const next = new Set(s);
    if (next.has(id)) next.delete(id); else next.add(id);
    return next;
  });
  const act = async (command: "retry" | "cancel") => {
    const results = (await runsApi.bulk(command, [...selected], `bulk ${command} from the monitor`)).results;
    const failed = results.filter((r) => !r.ok);
    setMessage(`${command === "retry" ? "Retried" : "Cancelled"} ${results.length - failed.length} of ${results.length}` +
      (failed.length ? `; refused: ${failed.map((f) => f.error?.message).join("; ")}` : ""));
    setSelected(new Set());
    onDone();
  };
  return (
    <>
      {operate && runs.length > 0 && (
        <div className="bulk-bar">
          <label><input type="checkbox" checked={selected.size === runs.length && runs.length > 0}
            onChange={() => setSelected(selected.size === runs.length ? new Set() : new Set(runs.map((r) => r.id)))} /> All</label>
          <span className="wf-muted">{selected.size} selected</span>
          <span className="toolbar__spacer" />
          <button type="button" className="btn btn--small" disabled={!selected.size} onClick={() => void act("retry")} data-testid="bulk-retry">Retry</button>
          <button type="button" className="btn btn--small btn--danger" disabled={!selected.size} onClick={() => void act("cancel")} data-testid="bulk-cancel">Cancel</button>
        </div>
      )}
      {message && <p className="banner banner--info">{message}</p>}
      <RunList runs={runs} selectable={operate} selected={selected} onToggle={toggle} testId="bulk-list" />
    </>
  );
}

export function MonitorPage({ workflowId }: { workflowId: string | null }) {
  const [workflows, setWorkflows] = useState<WorkflowSummary[]>([]);
  const [picture, setPicture] = useState<MonitorPicture | null>(null);
  const [workflow, setWorkflow] = useState<Workflow | null>(null);
  const [stuckMinutes, setStuckMinutes] = useState(60);
  const [panel, setPanel] = useState<Panel>("stuck");
  const [node, setNode] = useState<string | null>(null);
  const [nodeRuns, setNodeRuns] = useState<RunRow[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [range, setRange] = useState({ from: "", to: "" });

  useEffect(() => {
    api.listWorkflows().then((r) => setWorkflows(r.workflows), (e: Error) => setError(e.message));
  }, []);
  useEffect(() => {
    if (!workflowId && workflows.length) {
      const first = workflows.find((w) => w.active_version) ?? workflows[0];
      navigate(`/monitor/${encodeURIComponent(first.id)}`);
    }
  }, [workflowId, workflows]);

  const load = useCallback(() => {
    if (!workflowId) return;
    runsApi.monitor(workflowId, stuckMinutes).then((p) => { setPicture(p); setError(null); }, (e: Error) => setError(e.message));
  }, [workflowId, stuckMinutes]);
  useEffect(load, [load]);
  const loadNode = useCallback(() => {
    if (!workflowId || !node) return;
    runsApi.listRuns({ workflow_id: workflowId, node_id: node, status: "active" }, null, 100)
      .then((r) => setNodeRuns(r.items), (e: Error) => setError(e.message));
  }, [workflowId, node]);
  useEffect(loadNode, [loadNode]);
  const refresh = useCallback(() => { load(); loadNode(); }, [load, loadNode]);
  useWorkflowWatch(workflowId ? [workflowId] : [], refresh, 1000);

  const version = picture ? picture.active_version ?? picture.versions.at(-1) ?? null : null;
  useEffect(() => {
    if (!workflowId || !version) return;
    api.version(workflowId, version).then((r) => setWorkflow(r.workflow), (e: Error) => setError(e.message));
  }, [workflowId, version]);

  const figures = useMemo(() => {
    const byNode: Record<string, NodeFigures> = {};
    for (const f of picture?.nodes ?? []) byNode[f.node_id] = f;
    return byNode;
  }, [picture]);
  const nodeName = workflow?.nodes.find((n) => n.id === node)?.name ?? node;
  const selectedFigures = node ? figures[node] : undefined;
  const totals = (picture?.nodes ?? []).reduce(
    (t, f) => ({ risk: t.risk + f.at_risk, breach: t.breach + f.breached }), { risk: 0, breach: 0 });

  return (
    <div className="case-page" data-testid="monitor-page">
      <AppHeader active="monitor" subtitle="Monitor" />
      <div className="case-bar">
        <select className="input input--compact monitor-pick" value={workflowId ?? ""} data-testid="monitor-workflow"
          onChange={(e) => { setNode(null); navigate(`/monitor/${encodeURIComponent(e.target.value)}`); }}>
          {workflows.map((w) => <option key={w.id} value={w.id}>{w.name}</option>)}
        </select>
        {picture && (
          <div className="kpis" data-testid="monitor-kpis">
            <span className="kpi"><b data-testid="kpi-active">{picture.total_active}</b> open</span>
            <span className="kpi kpi--risk"><b>{totals.risk}</b> at risk</span>
            <span className="kpi kpi--breach"><b>{totals.breach}</b> breached</span>
            <span className="kpi kpi--incident"><b>{picture.incidents.length}</b> incidents</span>
            <span className="kpi"><b>{picture.completed}</b> completed</span>
            <span className="wf-muted">v{picture.versions.join(", v") || version}</span>
          </div>
        )}
        <span className="toolbar__spacer" />
        <label className="wf-muted stuck-threshold">Stuck after
          <input className="input input--compact" type="number" min={0} value={stuckMinutes}
            onChange={(e) => setStuckMinutes(Math.max(0, Number(e.target.value) || 0))} data-testid="stuck-minutes" /> min
        </label>
        <span className="live-dot live-dot--on">Live</span>
      </div>
      {error && <p className="banner banner--error case-page__error">{error}</p>}
      <div className="case-body">
        <section className="case-canvas">
          {workflow && picture ? (
            <RunCanvas workflow={workflow} figures={figures} selectedNode={node}
              onNodeClick={(id) => { setNode(id); setPanel("node"); }} />
          ) : <p className="wf-muted empty-note">{workflowId ? "Loading…" : "Pick a workflow."}</p>}
        </section>
        <aside className="case-side">
          <nav className="tabs">
            <button type="button" className={`tabs__tab${panel === "node" ? " is-active" : ""}`} onClick={() => setPanel("node")} data-testid="panel-node">
              {node ? nodeName : "Node"}</button>
            <button type="button" className={`tabs__tab${panel === "stuck" ? " is-active" : ""}`} onClick={() => setPanel("stuck")} data-testid="panel-stuck">
              Stuck ({picture?.stuck.length ?? 0})</button>
            <button type="button" className={`tabs__tab${panel === "incidents" ? " is-active" : ""}`} onClick={() => setPanel("incidents")} data-testid="panel-incidents">
              Incidents ({picture?.incidents.length ?? 0})</button>
            <button type="button" className={`tabs__tab${panel === "export" ? " is-active" : ""}`} onClick={() => setPanel("export")}>Export</button>
          </nav>
          <div className="case-side__body">
            {panel === "node" && (node ? (
              <>
                {selectedFigures && (
                  <p className="node-figures">
                    <b>{selectedFigures.count}</b> open · median {duration(selectedFigures.age_p50_seconds)} · p90 {duration(selectedFigures.age_p90_seconds)}
                  </p>
                )}
                <RunList runs={nodeRuns} selectable={false} selected={new Set()} onToggle={() => {}} testId="node-runs" />
              </>
            ) : <p className="wf-muted empty-note">Click a node on the canvas to list its cases.</p>)}
            {panel === "stuck" && picture && (
              <>
                <p className="wf-muted">In their node for more than {stuckMinutes} minutes, longest first.</p>
                <Bulk runs={picture.stuck} onDone={refresh} />
              </>
            )}
            {panel === "incidents" && picture && <Bulk runs={picture.incidents} onDone={refresh} />}
            {panel === "export" && workflowId && (
              <div className="export-form">
                <p className="wf-muted">The audit log of every run of this workflow started in the range.</p>
                <label className="field"><span className="field__label">From</span>
                  <input className="input" type="date" value={range.from} onChange={(e) => setRange((r) => ({ ...r, from: e.target.value }))} /></label>
                <label className="field"><span className="field__label">To (exclusive)</span>
                  <input className="input" type="date" value={range.to} onChange={(e) => setRange((r) => ({ ...r, to: e.target.value }))} /></label>
                <div className="row">
                  {(["csv", "json"] as const).map((format) => (
                    <a key={format} className="btn" download data-testid={`export-${format}`}
                      href={runsApi.workflowExportUrl(workflowId, format,
                        range.from ? `${range.from}T00:00:00Z` : undefined, range.to ? `${range.to}T00:00:00Z` : undefined)}>
                      Download {format.toUpperCase()}
                    </a>
                  ))}
                </div>
              </div>
            )}
          </div>
        </aside>
      </div>
    </div>
  );
}
