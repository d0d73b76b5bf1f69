// Routing and SLA figures per workflow and queue over a chosen period, with charts.
import { useEffect, useMemo, useState } from "react";
import { api } from "../../api/client";
import { routingApi, type Metrics, type Queue } from "../../api/routing";
import { AiStepFigures } from "../../ai/AiStepFigures";
import { ListPage } from "../../components/ListPage";
import { DayBars, DayLine, HBars } from "./charts";
import "../agents/routing.css";

const PRESETS = [
  { label: "Last 24 hours", days: 1 },
  { label: "Last 7 days", days: 7 },
  { label: "Last 30 days", days: 30 },
  { label: "Last 90 days", days: 90 },
];

const pct = (v: number | null | undefined) => (v === null || v === undefined ? "–" : `${Math.round(v * 1000) / 10}%`);
const num = (v: number | null | undefined, unit: string) => (v === null || v === undefined ? "–" : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${unit}`);

function dateInput(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function MetricsPage() {
  const [workflows, setWorkflows] = useState<{ id: string; name: string }[]>([]);
  const [queues, setQueues] = useState<Queue[]>([]);
  const [workflowId, setWorkflowId] = useState("");
  const [queue, setQueue] = useState("");
  const [preset, setPreset] = useState(7);
  const [custom, setCustom] = useState<{ start: string; end: string } | null>(null);
  const [metrics, setMetrics] = useState<Metrics | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    void api.listWorkflows().then((list) => setWorkflows(list.workflows.map((w) => ({ id: w.id, name: w.name })))).catch(() => setWorkflows([]));
    void routingApi.queues().then(setQueues).catch(() => setQueues([]));
  }, []);

  const period = useMemo(() => {
    if (custom) {
      const end = new Date(`${custom.end}T00:00:00Z`);
      end.setUTCDate(end.getUTCDate() + 1);
      return { start: new Date(`${custom.start}T00:00:00Z`).toISOString(), end: end.toISOString() };
    }
    const end = new Date();
    const start = new Date(end.getTime() - preset * 86400000);
    return { start: start.toISOString(), end: end.toISOString() };
  }, [preset, custom]);

  useEffect(() => {
    let alive = true;
    setLoading(true);
    routingApi.metrics({ ...period, workflow_id: workflowId || undefined, queue: queue || undefined })
      .then((m) => { if (alive) { setMetrics(m); setError(null); } })
      .catch((e) => alive && setError((e as Error).message))
      .finally(() => alive && setLoading(false));
    return () => { alive = false; };
  }, [period, workflowId, queue]);

  const days = metrics?.days.map((d) => d.day) ?? [];
  return (
    <ListPage testId="metrics-page" active="metrics" title={<>Routing &amp; SLA metrics</>}
      actions={loading && <span className="wf-muted">Updating…</span>}>
      <div className="mx-filters">
        <label className="field"><span className="field__label">Workflow</span>
          <select className="input" value={workflowId} onChange={(e) => setWorkflowId(e.target.value)} data-testid="metrics-workflow">
            <option value="">All workflows</option>
            {workflows.map((w) => <option key={w.id} value={w.id}>{w.name}</option>)}
          </select></label>
        <label className="field"><span className="field__label">Queue</span>
          <select className="input" value={queue} onChange={(e) => setQueue(e.target.value)} data-testid="metrics-queue">
            <option value="">All queues</option>
            {queues.map((q) => <option key={q.name} value={q.name}>{q.name}</option>)}
          </select></label>
        <label className="field"><span className="field__label">Period</span>
          <select className="input" value={custom ? "custom" : String(preset)} data-testid="metrics-period"
            onChange={(e) => {
              if (e.target.value === "custom") {
                const end = new Date();
                setCustom({ start: dateInput(new Date(end.getTime() - 13 * 86400000)), end: dateInput(end) });
              } else {
                setCustom(null);
                setPreset(Number(e.target.value));
              }
            }}>
            {PRESETS.map((p) => <option key={p.days} value={p.days}>{p.label}</option>)}
            <option value="custom">Custom dates…</option>
          </select></label>
        {custom && (
          <>
            <label className="field"><span className="field__label">From</span>
              <input className="input" type="date" value={custom.start} onChange={(e) => setCustom({ ...custom, start: e.target.value })} /></label>
            <label className="field"><span className="field__label">To</span>
              <input className="input" type="date" value={custom.end} onChange={(e) => setCustom({ ...custom, end: e.target.value })} /></label>
          </>
        )}
      </div>
      {error && <p className="banner banner--error rt-banner" data-testid="metrics-error">{error}</p>}
      {metrics && (
        <>
          <div className="mx-kpis" data-testid="metrics-kpis">
            <Kpi label="SLA attainment" value={pct(metrics.sla_attainment)} sub={`${metrics.sla_breached_open} open items past due`} testId="kpi-sla" />
            <Kpi label="First-time right" value={pct(metrics.first_time_right)} sub={`of ${metrics.completed} completed items`} testId="kpi-ftr" />
            <Kpi label="Reassignment rate" value={pct(metrics.reassignment_rate)} sub={`${metrics.manual_reassignments} by hand`} testId="kpi-reassign" />
            <Kpi label="Time to first assignment" value={num(metrics.time_to_first_assignment_minutes.median, "min")}
              sub={`median · p90 ${num(metrics.time_to_first_assignment_minutes.p90, "min")}`} testId="kpi-first" />
            <Kpi label="Time to resolution" value={num(metrics.time_to_resolution_hours.median, "h")}
              sub={`median of ${metrics.time_to_resolution_hours.count} cases · p90 ${num(metrics.time_to_resolution_hours.p90, "h")}`} testId="kpi-resolution" />
            <Kpi label="Work items" value={String(metrics.items)} sub={`${metrics.assigned} assigned · ${metrics.completed} completed`} testId="kpi-items" />
            <Kpi label="Agent utilisation" testId="kpi-utilisation"
              value={pct(average(metrics.utilisation.map((u) => u.utilisation)))} sub={`average of ${metrics.utilisation.length} agents`} />
            <Kpi label="Stages measured" value={String(metrics.time_in_stage.length)} sub="time in stage below" testId="kpi-stages" />
          </div>
          <div className="mx-charts">
            <div className="rt-card mx-chart"><h3>Work items per day</h3>
              <DayBars days={days} testId="chart-volume" axis="Work items" series={[
                { label: "Created", color: "#9db4ec", values: metrics.days.map((d) => d.created) },
                { label: "Completed", color: "#2f5bd3", values: metrics.days.map((d) => d.completed) },
              ]} /></div>
            <div className="rt-card mx-chart"><h3>SLA attainment per day</h3>
              <DayLine days={days} testId="chart-sla" axis="In time" max={1} format={(v) => `${Math.round(v * 100)}%`} series={[
                { label: "Completed in time", color: "#16a34a",
                  values: metrics.days.map((d) => (d.sla_met + d.sla_missed ? d.sla_met / (d.sla_met + d.sla_missed) : null)) },
              ]} /></div>
            <div className="rt-card mx-chart"><h3>Median time to resolution (hours)</h3>
              <DayLine days={days} testId="chart-resolution" axis="Hours" format={(v) => v.toFixed(v < 10 ? 1 : 0)} series={[
                { label: "Median hours", color: "#8b5cf6", values: metrics.days.map((d) => d.median_resolution_hours) },
              ]} /></div>
            <div className="rt-card mx-chart"><h3>Agent utilisation</h3>
              <HBars testId="chart-utilisation" axis="Utilisation" max={1} format={(v) => `${Math.round(v * 100)}%`}
                rows={metrics.utilisation.map((u) => ({ label: u.name, value: u.utilisation,
                  note: `${Math.round(u.held_minutes)} min held over ${Math.round(u.online_minutes)} min online; ${u.completed} completed` }))} /></div>
            <div className="rt-card mx-chart"><h3>Time in stage (median minutes)</h3>
              <HBars testId="chart-stages" axis="Median minutes" color="#3b63c4" format={(v) => `${v < 10 ? v.toFixed(1) : Math.round(v)} min`}
                rows={metrics.time_in_stage.map((s) => ({ label: workflowId ? s.node_name : `${s.workflow_name} › ${s.node_name}`, value: s.minutes.median,
                  note: `${s.minutes.count} visits · p90 ${s.minutes.p90} min` }))} /></div>
          </div>
        </>
      )}
      <AiStepFigures period={period} workflowId={workflowId || undefined} />
    </ListPage>
  );
}

function average(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? known.reduce((a, b) => a + b, 0) / known.length : null;
}

function Kpi({ label, value, sub, testId }: { label: string; value: string; sub: string; testId: string }) {
  return (
    <div className="rt-card mx-kpi" data-testid={testId}>
      <div className="mx-kpi__label">{label}</div>
      <div className="mx-kpi__value">{value}</div>
      <div className="mx-kpi__sub">{sub}</div>
    </div>
  );
}
