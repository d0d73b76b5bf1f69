// The cases list: filters (workflow, node, status, SLA, assignee, age), keyset pages,
// live refresh while runs of the listed workflows change, and "Start a case".
import { useCallback, useEffect, useMemo, useState } from "react";
import { api, type WorkflowSummary } from "../../api/client";
import { RUN_STATUSES, SLA_LABELS, runsApi, type RunFilters, type RunRow } from "../../api/runs";
import { useCan } from "../../auth/permissions";
import { ListPage } from "../../components/ListPage";
import { PlusIcon } from "../../components/icons";
import { useWorkflowWatch } from "../../live/useWorkflowWatch";
import type { WfNode } from "../../model/types";
import { navigate } from "../../navigation";
import { StartCaseForm } from "./StartCaseForm";
import { clock, since } from "./format";
import "../../cases.css";

const AGES: { label: string; value: Partial<RunFilters> }[] = [
  { label: "Any age", value: {} },
  { label: "Started in the last hour", value: { newer_than_minutes: "60" } },
  { label: "Started today (24 h)", value: { newer_than_minutes: "1440" } },
  { label: "Older than 1 day", value: { older_than_minutes: "1440" } },
  { label: "Older than 7 days", value: { older_than_minutes: "10080" } },
];

function readFilters(): RunFilters {
  const params = new URLSearchParams(window.location.search);
  const filters: RunFilters = {};
  for (const key of ["workflow_id", "node_id", "status", "sla", "assignee", "older_than_minutes", "newer_than_minutes"] as const) {
    const value = params.get(key);
    if (value) filters[key] = value;
  }
  return filters;
}

export function CasesPage() {
  const [workflows, setWorkflows] = useState<WorkflowSummary[]>([]);
  const [nodes, setNodes] = useState<WfNode[]>([]);
  const [filters, setFilters] = useState<RunFilters>(readFilters);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<{ items: RunRow[]; next_cursor: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const operate = useCan("operate");
  const cursor = cursors[cursors.length - 1];

  useEffect(() => {
    api.listWorkflows().then((r) => setWorkflows(r.workflows), (e: Error) => setError(e.message));
  }, []);
  useEffect(() => {
    const chosen = workflows.find((w) => w.id === filters.workflow_id);
    const version = chosen?.active_version ?? chosen?.latest_version;
    if (!chosen || !version) {
      setNodes([]);
      return;
    }
    api.version(chosen.id, version).then((r) => setNodes(r.workflow.nodes.filter((n) => n.kind === "stage")), () => setNodes([]));
  }, [filters.workflow_id, workflows]);

  const load = useCallback(() => {
    runsApi.listRuns(filters, cursor).then((r) => { setPage(r); setError(null); }, (e: Error) => setError(e.message));
  }, [filters, cursor]);
  useEffect(load, [load]);

  const watched = useMemo(
    () => (filters.workflow_id ? [filters.workflow_id] : workflows.map((w) => w.id)),
    [filters.workflow_id, workflows],
  );
  useWorkflowWatch(watched, load, 1000);

  const setFilter = (change: Partial<RunFilters>, clear: (keyof RunFilters)[] = []) => {
    const next = { ...filters, ...change };
    for (const key of clear) delete next[key];
    for (const key of Object.keys(next) as (keyof RunFilters)[]) if (!next[key]) delete next[key];
    setFilters(next);
    setCursors([null]);
    const search = new URLSearchParams(next as Record<string, string>).toString();
    window.history.replaceState(null, "", `/cases${search ? `?${search}` : ""}`);
  };
  const age = AGES.findIndex((a) => a.value.newer_than_minutes === filters.newer_than_minutes && a.value.older_than_minutes === filters.older_than_minutes);
  const names = new Map(workflows.map((w) => [w.id, w.name]));

  return (
    <ListPage testId="cases-page" active="cases" subtitle="Cases" title="Cases" mainClass="list-page__main--wide"
      actions={operate && (
        <button type="button" className="btn btn--primary" onClick={() => setStarting(true)} data-testid="start-case">
          <PlusIcon /> Start a case
        </button>
      )}
      overlay={starting && (
        <StartCaseForm workflows={workflows} initial={filters.workflow_id} onCancel={() => setStarting(false)}
          onStarted={(runId) => navigate(`/cases/${encodeURIComponent(runId)}`)} />
      )}>
      <div className="filters" data-testid="case-filters">
        <select className="input input--compact" value={filters.workflow_id ?? ""} data-testid="filter-workflow"
          onChange={(e) => setFilter({ workflow_id: e.target.value }, ["node_id"])}>
          <option value="">All workflows</option>
          {workflows.map((w) => <option key={w.id} value={w.id}>{w.name}</option>)}
        </select>
        <select className="input input--compact" value={filters.node_id ?? ""} disabled={!nodes.length} data-testid="filter-node"
          onChange={(e) => setFilter({ node_id: e.target.value })}>
          <option value="">{filters.workflow_id ? "Any stage" : "Stage (pick a workflow)"}</option>
          {nodes.map((n) => <option key={n.id} value={n.id}>{n.name || n.id}</option>)}
        </select>
        <select className="input input--compact" value={filters.status ?? ""} data-testid="filter-status"
          onChange={(e) => setFilter({ status: e.target.value })}>
          <option value="">Any status</option>
          <option value="active">Open (running, paused, incident)</option>
          {RUN_STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
        <select className="input input--compact" value={filters.sla ?? ""} data-testid="filter-sla"
          onChange={(e) => setFilter({ sla: e.target.value })}>
          <option value="">Any SLA</option>
          {Object.entries(SLA_LABELS).map(([value, label]) => <option key={value} value={value}>SLA {label}</option>)}
        </select>
        <input className="input input--compact" placeholder="Assignee" value={filters.assignee ?? ""} data-testid="filter-assignee"
          onChange={(e) => setFilter({ assignee: e.target.value })} />
        <select className="input input--compact" value={age < 0 ? 0 : age} data-testid="filter-age"
          onChange={(e) => setFilter(AGES[Number(e.target.value)].value, ["newer_than_minutes", "older_than_minutes"])}>
          {AGES.map((a, i) => <option key={a.label} value={i}>{a.label}</option>)}
        </select>
        {Object.keys(filters).length > 0 && (
          <button type="button" className="btn btn--small" onClick={() => { setFilters({}); setCursors([null]); window.history.replaceState(null, "", "/cases"); }}>
            Clear
          </button>
        )}
      </div>
      {error && <p className="banner banner--error">{error}</p>}
      <table className="table cases-table">
        <thead>
          <tr><th>Case</th><th>Workflow</th><th>Status</th><th>Where</th><th>In node</th><th>SLA</th><th>Held by</th><th>Started</th></tr>
        </thead>
        <tbody>
          {page?.items.map((run) => (
            <tr key={run.id} className="table__row" onClick={() => navigate(`/cases/${encodeURIComponent(run.id)}`)} data-testid={`case-row-${run.id}`}>
              <td><a href={`/cases/${encodeURIComponent(run.id)}`} onClick={(e) => e.preventDefault()} className="table__name">{run.title}</a>
                <div className="wf-muted mono">{run.case_id.slice(0, 12)}</div></td>
              <td>{names.get(run.workflow_id) ?? run.workflow_id} <span className="wf-muted">v{run.version}</span></td>
              <td><span className={`status status--${run.status}`}>{run.status}</span></td>
              <td>{run.node_name ?? "—"}{run.incident && <div className="cell-error" title={run.incident.message}>{run.incident.message}</div>}</td>
              <td>{run.finished_at ? "—" : since(run.node_entered_at)}</td>
              <td>{run.sla ? <span className={`sla-chip sla-chip--${run.sla}`}>{SLA_LABELS[run.sla]}</span> : <span className="wf-muted">—</span>}</td>
              <td>{run.assignees.length ? run.assignees.join(", ") : <span className="wf-muted">—</span>}</td>
              <td className="wf-muted">{clock(run.started_at)}</td>
            </tr>
          ))}
          {page && page.items.length === 0 && (
            <tr><td colSpan={8} className="wf-muted">No cases match these filters.</td></tr>
          )}
          {!page && !error && <tr><td colSpan={8} className="wf-muted">Loading…</td></tr>}
        </tbody>
      </table>
      <div className="pager">
        <button type="button" className="btn btn--small" disabled={cursors.length < 2}
          onClick={() => setCursors((c) => c.slice(0, -1))} data-testid="page-prev">← Newer</button>
        <span className="wf-muted">Page {cursors.length}</span>
        <button type="button" className="btn btn--small" disabled={!page?.next_cursor}
          onClick={() => page?.next_cursor && setCursors((c) => [...c, page.next_cursor])} data-testid="page-next">Older →</button>
      </div>
    </ListPage>
  );
}
