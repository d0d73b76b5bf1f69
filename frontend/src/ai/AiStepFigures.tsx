// The metrics page's AI section: per AI step, calls, the share handed to people, the share
// of those the person changed (the step's real accuracy) and cost (GET /api/ai/metrics).
import { useEffect, useState } from "react";
import { request } from "../api/client";
import type * as Api from "../generated/api";

export type AiStepMetrics = Api.AiStepMetrics;

const pct = (v: number | null) => (v === null ? "–" : `${Math.round(v * 1000) / 10}%`);

export function aiMetricsUrl(period: { start: string; end: string }, workflowId?: string): string {
  const query = new URLSearchParams({ start: period.start, end: period.end });
  if (workflowId) query.set("workflow_id", workflowId);
  return `/api/ai/metrics?${query.toString()}`;
}

export function AiStepFigures({ period, workflowId }: { period: { start: string; end: string }; workflowId?: string }) {
  const [steps, setSteps] = useState<AiStepMetrics[] | null>(null);
  useEffect(() => {
    let alive = true;
    request<{ steps: AiStepMetrics[] }>("GET", aiMetricsUrl(period, workflowId))
      .then((r) => { if (alive) setSteps(r.steps); })
      .catch(() => alive && setSteps([]));
    return () => { alive = false; };
  }, [period, workflowId]);
  if (!steps?.length) return null;
  return (
    <div className="rt-card" data-testid="ai-metrics">
      <div className="rt-card__header"><h3>AI steps</h3></div>
      <table className="table">
        <thead><tr>
          <th>Step</th><th>Calls</th><th>Handed to people</th><th>Changed by the person</th>
          <th>Retried / failed</th><th>Stopped by budget</th><th>Cost</th><th>Mean latency</th>
        </tr></thead>
        <tbody>
          {steps.map((s) => (
            <tr key={`${s.workflow_id}.${s.step_id}`} data-testid={`ai-metrics-${s.step_id}`}>
              <td>{workflowId ? s.step_id : `${s.workflow_id} › ${s.step_id}`}</td>
              <td>{s.calls}</td>
              <td>{pct(s.handed_share)} ({s.handed_to_person})</td>
              <td>{pct(s.changed_share)} of {s.reviewed} reviewed</td>
              <td>{s.retried} / {s.failed}</td>
              <td>{s.refused_by_budget}</td>
              <td>{s.cost.toFixed(4)}</td>
              <td>{s.mean_latency_ms === null ? "–" : `${Math.round(s.mean_latency_ms)} ms`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
