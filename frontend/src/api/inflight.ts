// Versions in flight (issue 19): the impact of moving running cases to another version,
// the move itself and its progress, and a draft tested against recorded cases.
// Errors arrive as {"error": {...}} and become ApiError, as everywhere (client.ts).
import type { Workflow } from "../model/types";
import { request } from "./client";

/** Old node or step id -> new id; ids not named map to themselves. */
export type Mapping = Record<string, string>;

export interface MigrationReason { code: string; message: string; runs: number }

export interface NodeImpact {
  source_node: string;
  target_node: string | null;
  runs: number;
  movable: number;
  unmapped: number;
  reasons: MigrationReason[];
}

export interface UnmappedRun {
  run_id: string;
  case_id: string;
  node_id: string | null;
  step_id: string | null;
  code: string;
  message: string;
}

export interface InFlight {
  steps_carried: number;
  steps_restarted: number;
  work_items_carried: number;
  work_items_reissued: number;
  work_items_cancelled: number;
  timers_rescheduled: number;
}

export interface MigrationImpact {
  workflow_id: string;
  from_version: number;
  to_version: number;
  mapping: Mapping;
  runs: number;
  movable: number;
  unmapped: number;
  nodes: NodeImpact[];
  target_nodes: Record<string, number>;
  in_flight: InFlight;
  unmapped_runs: UnmappedRun[];
}

export interface Migration {
  id: string;
  workflow_id: string;
  from_version: number;
  to_version: number;
  mapping: Mapping;
  status: "running" | "done" | "failed";
  total: number;
  moved: number;
  unmapped: number;
  unmapped_runs: UnmappedRun[];
  started_by: string;
  reason: string;
  started_at: string;
  finished_at: string | null;
  error: string | null;
}

export interface Figures {
  cases: number;
  node_visits: Record<string, number>;
  edge_share: Record<string, number>;
  stage_minutes: Record<string, { mean: number; p90: number }>;
  sla_attainment: number | null;
  queue_load: Record<string, number>;
  agent_load: Record<string, number>;
  outcomes: Record<string, number>;
  incidents: number;
  loop_guard: number;
  path_changed: number;
}

export interface WhatIfChanges {
  added_nodes: string[];
  removed_nodes: string[];
  changed_nodes: string[];
  added_edges: string[];
  removed_edges: string[];
}

export interface ListedCase {
  case_id: string;
  run_id: string;
  what: "incident" | "loop_guard" | "path_changed";
  message: string;
  path: string[];
}

export interface WhatIf {
  workflow_id: string;
  active_version: number;
  cases: number;
  since: string | null;
  active: Figures;
  draft: Figures;
  changes: WhatIfChanges;
  listed: ListedCase[];
}

export interface MigrationPlan { from_version: number; to_version: number; mapping: Mapping }

const wf = (id: string) => `/api/workflows/${encodeURIComponent(id)}`;

export const inflightApi = {
  impact: (workflowId: string, plan: MigrationPlan, signal?: AbortSignal) =>
    request<MigrationImpact>("POST", `${wf(workflowId)}/migrations/impact`, plan, signal),
  startMigration: (workflowId: string, plan: MigrationPlan, reason: string) =>
    request<Migration>("POST", `${wf(workflowId)}/migrations`, { ...plan, reason }),
  migrations: (workflowId: string) => request<{ migrations: Migration[] }>("GET", `${wf(workflowId)}/migrations`),
  migration: (id: string) => request<Migration>("GET", `/api/migrations/${encodeURIComponent(id)}`),
  whatIf: (workflowId: string, draft: Workflow, days: number, signal?: AbortSignal) =>
    request<WhatIf>("POST", `${wf(workflowId)}/whatif`, { draft, days }, signal),
};
