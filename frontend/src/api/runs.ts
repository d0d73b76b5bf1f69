// Cases, runs, work items, the monitor and exports (designer/api/runs.py, cases.py,
// monitor.py). Errors arrive as {"error": {...}} and become ApiError, as in client.ts.
import type * as Api from "../generated/api";
import { runStatusValues } from "../generated/api";
import type { CaseField } from "../model/types";
import { request } from "./client";

export type RunStatus = Api.RunStatus;
export const RUN_STATUSES: readonly RunStatus[] = runStatusValues;
export type SlaLevel = NonNullable<Api.RunOut["sla"]>;
export type WorkItemStatus = Api.WorkItemStatus;

/** How each SLA level reads in a sentence ("SLA at risk"). Typed by the generated levels,
 * so a level added or renamed in Python fails the build until it has its label here. */
export const SLA_LABELS: Record<SlaLevel, string> = { on_track: "on track", at_risk: "at risk", breached: "breached" };
export const SLA_LEVELS = Object.keys(SLA_LABELS) as SlaLevel[];

/** `POST /api/cases/start-preview`: the workflows a new case starts, their merged case
 * fields, and what `POST /api/cases` would refuse. */
export interface StartPreview {
  starts: { workflow_id: string; name: string; version: number; why: "named" | "trigger" }[];
  fields: (CaseField & { workflows: string[] })[];
  problems: { field: string; problem: string; message: string; expected: string; workflow_id: string | null }[];
}

export interface LogEvent {
  seq: number;
  at: string;
  actor: string;
  kind: string;
  node_id: string | null;
  step_id: string | null;
  data: Record<string, unknown>;
}

/** The open incident of a run at one, as the runs list reads it from the run's state. */
export interface RunIncident { code: string; message: string; step_id?: string | null }

export type RunRow = Omit<Api.RunOut, "incident"> & { incident: RunIncident | null };
export type CaseRecord = Api.CaseOut;
export type WorkItem = Api.WorkItemOut;

export type RunDetail = Omit<Api.RunDetail, "run" | "work_items"> & { run: RunRow; work_items: WorkItem[] };

export type CaseChange = Api.CaseChange;
export type NodeFigures = Api.NodeOut;
export type MonitorPicture = Omit<Api.MonitorOut, "stuck" | "incidents"> & { stuck: RunRow[]; incidents: RunRow[] };

export interface RunFilters {
  workflow_id?: string;
  node_id?: string;
  status?: string;
  sla?: string;
  assignee?: string;
  older_than_minutes?: string;
  newer_than_minutes?: string;
}

export type Command = "pause" | "resume" | "cancel" | "retry" | "skip";

function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

const enc = encodeURIComponent;

export const runsApi = {
  listRuns: (filters: RunFilters, cursor?: string | null, limit = 50) =>
    request<{ items: RunRow[]; next_cursor: string | null }>("GET", `/api/runs${query({ ...filters, cursor, limit })}`),
  getRun: (id: string) => request<RunDetail>("GET", `/api/runs/${enc(id)}`),
  log: (id: string, afterSeq = 0) =>
    request<{ events: LogEvent[]; last_seq: number; more: boolean }>("GET", `/api/runs/${enc(id)}/log${query({ after_seq: afterSeq, limit: 5000 })}`),
  command: (id: string, command: Command, reason = "", stepId?: string | null) =>
    request<RunRow>("POST", `/api/runs/${enc(id)}/${command}`, { reason, ...(stepId ? { step_id: stepId } : {}) }),
  createCase: (fields: Record<string, unknown>, workflowId: string | null) =>
    request<{ case: CaseRecord; runs: RunRow[] }>("POST", "/api/cases", workflowId ? { fields, workflow_id: workflowId } : { fields }),
  /** What creating this case would start, with nothing stored. */
  startPreview: (fields: Record<string, unknown>, workflowId: string | null, signal?: AbortSignal) =>
    request<StartPreview>("POST", "/api/cases/start-preview", workflowId ? { fields, workflow_id: workflowId } : { fields }, signal),
  updateCase: (id: string, changes: Record<string, unknown>, expectedVersion?: number) =>
    request<{ case: CaseRecord; runs: RunRow[] }>("PATCH", `/api/cases/${enc(id)}`,
      { changes, ...(expectedVersion ? { expected_version: expectedVersion } : {}) }),
  caseChanges: (id: string) => request<{ changes: CaseChange[] }>("GET", `/api/cases/${enc(id)}/changes`),
  completeWorkItem: (key: string, data: Record<string, unknown>) =>
    request<WorkItem>("POST", `/api/work-items/${enc(key)}/complete`, { data }),
  monitor: (workflowId: string, stuckMinutes: number) =>
    request<MonitorPicture>("GET", `/api/monitor/${enc(workflowId)}${query({ stuck_minutes: stuckMinutes })}`),
  bulk: (command: "retry" | "cancel", runIds: string[], reason = "") =>
    request<{ results: { run_id: string; ok: boolean; status: string | null; error: { message: string } | null }[] }>(
      "POST", "/api/monitor/bulk", { command, run_ids: runIds, reason }),
  runExportUrl: (id: string, format: "csv" | "json") => `/api/runs/${enc(id)}/export?format=${format}`,
  workflowExportUrl: (workflowId: string, format: "csv" | "json", from?: string, to?: string) =>
    `/api/runs/export${query({ workflow_id: workflowId, format, from, to })}`,
};
