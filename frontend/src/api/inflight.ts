// Versions in flight (issue 19): the impact of moving running cases to another version,
// the move itself and its progress, and a draft tested against recorded cases. The shapes
// are the generated ones (designer/api/version_schemas.py, whatif.py; `make types`).
// Errors arrive as {"error": {...}} and become ApiError, as everywhere (client.ts).
import type * as Api from "../generated/api";
import type { Workflow } from "../model/types";
import { request } from "./client";

/** Old node or step id -> new id; ids not named map to themselves. */
export type Mapping = Record<string, string>;

export type MigrationImpact = Api.MigrationImpact;
export type Migration = Api.MigrationOut;

export type Figures = Api.Figures;
export type WhatIf = Api.WhatIf;

/** Which recorded cases a what-if replays: those started in the last ``days``, or these. */
export type WhatIfCases = { days: number } | { case_ids: string[] };

/** Per new step id, its outputs or form answers (``$after_minutes``: how long it takes). */
export type WhatIfOutputs = NonNullable<Api.WhatIfBody["outputs"]>;

export interface MigrationPlan { from_version: number; to_version: number; mapping: Mapping }

const wf = (id: string) => `/api/workflows/${encodeURIComponent(id)}`;

export const inflightApi = {
  impact: (workflowId: string, plan: MigrationPlan, signal?: AbortSignal) =>
    request<MigrationImpact>("POST", `${wf(workflowId)}/migrations/impact`, plan, signal),
  startMigration: (workflowId: string, plan: MigrationPlan, reason: string) =>
    request<Migration>("POST", `${wf(workflowId)}/migrations`, { ...plan, reason }),
  migrations: (workflowId: string) => request<Api.MigrationList>("GET", `${wf(workflowId)}/migrations`),
  migration: (id: string) => request<Migration>("GET", `/api/migrations/${encodeURIComponent(id)}`),
  whatIf: (workflowId: string, draft: Workflow, cases: WhatIfCases, outputs: WhatIfOutputs = {}, signal?: AbortSignal) =>
    request<WhatIf>("POST", `${wf(workflowId)}/whatif`, { draft, ...cases, outputs }, signal),
};
