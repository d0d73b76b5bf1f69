// The designer REST API (see the contract in designer/). Every error arrives as
// {"error": {"code", "message", "details"}} and becomes an ApiError.
import type { DataFlow } from "../model/dataflow";
import { csrfHeaders, refreshCsrf, sessionEnded } from "../auth/session";
import type * as Api from "../generated/api";
import type { DocumentFormat, ImportPreview } from "../model/interop";
import type { ActionInfo, Problem, Workflow } from "../model/types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> | null = null,
  ) {
    super(message);
  }
}

/** Another active workflow whose record trigger can fire on the same records. */
export type TriggerOverlap = Api.TriggerOverlapOut;

export type WorkflowSummary = Api.WorkflowSummary;

/** A stored workflow as the editor opens it: the draft document, its revision and problems. */
export type WorkflowDetail = Omit<Api.WorkflowDetail, "workflow"> & { workflow: Workflow };

export type VersionInfo = Api.VersionSummary;
export type DiffResult = Api.VersionDiff;

/** A body sent as the text it is: a workflow file (JSON), or a BPMN / Salesforce document. */
class RawJson {
  constructor(readonly text: string, readonly contentType = "application/json") {}
}

export async function request<T>(method: string, url: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(body === undefined ? {} : { "Content-Type": body instanceof RawJson ? body.contentType : "application/json" }),
      ...csrfHeaders(method),
    },
    body: body === undefined ? undefined : body instanceof RawJson ? body.text : JSON.stringify(body),
    signal,
  });
  if (response.status === 204) return undefined as T;
  if (response.status === 401) sessionEnded();
  const text = await response.text();
  let payload: unknown = null;
  try {
    payload = text ? JSON.parse(text) : null;
  } catch {
    payload = null;
  }
  if (!response.ok) {
    const error = (payload as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null)?.error;
    // Signing in again (in another tab) starts a new CSRF token: fetch it, retry once.
    if (error?.code === "csrf_failed" && (await refreshCsrf())) return request<T>(method, url, body, signal);
    throw new ApiError(
      response.status,
      error?.code ?? "http_error",
      error?.message ?? `${method} ${url} failed with HTTP ${response.status}`,
      error?.details ?? null,
    );
  }
  return payload as T;
}

const wf = (id: string) => `/api/workflows/${encodeURIComponent(id)}`;

export const api = {
  dataFlow: (workflow: Workflow, signal?: AbortSignal) =>
    request<DataFlow>("POST", "/api/design/data-flow", { workflow }, signal),
  demoServices: () => request<{ enabled: boolean; endpoints: { method: string; url: string }[] }>("GET", "/api/design/demo-services"),
  listWorkflows: () => request<{ workflows: WorkflowSummary[] }>("GET", "/api/workflows"),
  createWorkflow: (workflow: Workflow) =>
    request<WorkflowDetail>("POST", "/api/workflows", { workflow }),
  getWorkflow: (id: string) => request<WorkflowDetail>("GET", wf(id)),
  saveDraft: (id: string, revision: number, workflow: Workflow) =>
    request<WorkflowDetail>("PUT", `${wf(id)}/draft`, { revision, workflow }),
  deleteWorkflow: (id: string) => request<void>("DELETE", wf(id)),
  validate: (workflow: Workflow, signal?: AbortSignal) =>
    request<{ problems: Problem[] }>("POST", "/api/validate", { workflow }, signal),
  publish: (id: string, revision: number, note: string) =>
    request<{ version: number; published_at: string }>("POST", `${wf(id)}/publish`, { revision, note }),
  versions: (id: string) => request<{ versions: VersionInfo[] }>("GET", `${wf(id)}/versions`),
  version: (id: string, n: number) =>
    request<{ version: number; workflow: Workflow }>("GET", `${wf(id)}/versions/${n}`),
  activate: (id: string, n: number) =>
    request<{ active_version: number; trigger_overlaps?: TriggerOverlap[] }>("POST", `${wf(id)}/versions/${n}/activate`),
  triggerOverlaps: (id: string, version: number | "draft") =>
    request<{ workflow_id: string; version: number | null; overlaps: TriggerOverlap[] }>("GET", `${wf(id)}/trigger-overlaps?version=${version}`),
  diff: (id: string, from: string, to: string) =>
    request<DiffResult>("GET", `${wf(id)}/diff?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`),
  exportUrl: (id: string, format: DocumentFormat = "baton") =>
    format === "baton" ? `${wf(id)}/export` : `${wf(id)}/export?format=${format}`,
  /** Sends the file's text as is, so the server can name the line of a JSON or XML error. */
  importFile: (text: string, replace?: { revision: number }, contentType = "application/json") =>
    request<WorkflowDetail>(
      "POST",
      replace ? `/api/workflows/import?replace=true&revision=${replace.revision}` : "/api/workflows/import",
      new RawJson(text, contentType),
    ),
  /** What importing the document would save (the workflow, what did not map, its problems); saves nothing. */
  previewImport: (text: string, contentType: string) =>
    request<ImportPreview>("POST", "/api/workflows/import/preview", new RawJson(text, contentType)),
  actions: () => request<{ actions: ActionInfo[] }>("GET", "/api/actions"),
};
