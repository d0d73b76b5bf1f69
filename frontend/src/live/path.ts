// The path a run took, folded from its log: nodes visited (with counts), edges taken
// in order (with counts), where it stands, and the steps of the current visit. Folding
// a prefix of the log gives the path as it stood at that moment (the timeline scrubber).
import type { LogEvent } from "../api/runs";
import type * as Api from "../generated/api";
import { describeAiCall } from "./aiCall";

export type StepStatus = Api.StepStatus;

export interface StepView {
  id: string;
  status: StepStatus;
  attempt: number;
  error: string | null;
  reason: string | null;
}

export interface PathHop {
  nodeId: string;
  edgeId: string | null;
  seq: number;
  visit: number;
}

export interface PathState {
  seq: number;
  at: string | null;
  status: string;
  current: string | null;
  visits: Record<string, number>;
  /** Edge id -> how often it was taken and at which hops (1-based positions). */
  edges: Record<string, { count: number; hops: number[] }>;
  hops: PathHop[];
  /** Steps of the current node's visit, in the workflow's order. */
  steps: StepView[];
  stageWaiting: boolean;
  incident: { code: string; message: string; stepId: string | null } | null;
  resolution: string | null;
  /** The versions the run was moved between, in order (run.migrated lines). */
  moves: { from: number; to: number; seq: number; mapping: Record<string, string> }[];
}

const text = (value: unknown): string | null => (typeof value === "string" ? value : null);

/** Fold `events` (in seq order) up to and including `uptoSeq` (default: all). `stepsOf`
 * names a stage's steps so that those not started yet show as pending. */
export function foldPath(
  events: readonly LogEvent[],
  stepsOf: (nodeId: string) => string[] = () => [],
  uptoSeq = Number.POSITIVE_INFINITY,
): PathState {
  const state: PathState = {
    seq: 0, at: null, status: "running", current: null, visits: {}, edges: {}, hops: [],
    steps: [], stageWaiting: false, incident: null, resolution: null, moves: [],
  };
  let steps = new Map<string, StepView>();
  const step = (id: string): StepView => {
    let found = steps.get(id);
    if (!found) {
      found = { id, status: "pending", attempt: 1, error: null, reason: null };
      steps.set(id, found);
    }
    return found;
  };
  for (const event of events) {
    if (event.seq > uptoSeq) break;
    state.seq = event.seq;
    state.at = event.at;
    const data = event.data ?? {};
    const attempt = typeof data.attempt === "number" ? data.attempt : undefined;
    switch (event.kind) {
      case "node.entered": {
        const nodeId = event.node_id ?? "?";
        const edgeId = text(data.edge_id);
        const visit = typeof data.visit === "number" ? data.visit : (state.visits[nodeId] ?? 0) + 1;
        state.visits[nodeId] = visit;
        state.hops.push({ nodeId, edgeId, seq: event.seq, visit });
        if (edgeId) {
          const edge = (state.edges[edgeId] ??= { count: 0, hops: [] });
          edge.count += 1;
          edge.hops.push(state.hops.length);
        }
        state.current = nodeId;
        state.stageWaiting = false;
        steps = new Map(stepsOf(nodeId).map((id) => [id, { id, status: "pending" as StepStatus, attempt: 1, error: null, reason: null }]));
        break;
      }
      case "stage.waiting":
        state.stageWaiting = true;
        break;
      case "stage.opened":
        state.stageWaiting = false;
        break;
      case "step.started": {
        if (!event.step_id) break;
        const s = step(event.step_id);
        s.status = data.work_item_key ? "waiting" : "running";
        s.attempt = attempt ?? s.attempt;
        s.error = null;
        break;
      }
      case "step.completed":
      case "step.skipped":
      case "step.cancelled": {
        if (!event.step_id) break;
        const s = step(event.step_id);
        s.status = event.kind === "step.completed" ? "done" : event.kind === "step.skipped" ? "skipped" : "cancelled";
        s.reason = text(data.reason);
        break;
      }
      case "step.failed": {
        if (!event.step_id) break;
        const s = step(event.step_id);
        s.status = data.retry_at ? "retry_wait" : "failed";
        s.error = text(data.error);
        s.reason = text(data.reason);
        break;
      }
      case "run.paused":
        state.status = "paused";
        break;
      case "run.resumed":
        state.status = "running";
        break;
      case "run.incident":
        state.status = "incident";
        state.incident = { code: text(data.code) ?? "incident", message: text(data.reason) ?? "", stepId: event.step_id };
        break;
      case "incident.resolved":
        state.status = "running";
        state.incident = null;
        if (event.step_id && data.command === "skip_step") step(event.step_id).status = "skipped";
        break;
      case "run.completed":
        state.status = "completed";
        state.resolution = text(data.resolution);
        break;
      case "run.cancelled":
        state.status = "cancelled";
        break;
      case "run.migrated": {
        // The run now stands on the new version: where it is, and its steps, under their new ids.
        const mapping = (data.mapping ?? {}) as Record<string, unknown>;
        const renamed = (id: string) => text(mapping[id]) ?? id;
        if (state.current) state.current = renamed(state.current);
        steps = new Map([...steps.values()].map((s) => [renamed(s.id), { ...s, id: renamed(s.id) }]));
        if (typeof data.from_version === "number" && typeof data.to_version === "number") {
          const renames = Object.fromEntries(Object.entries(mapping).filter((e): e is [string, string] => typeof e[1] === "string"));
          state.moves.push({ from: data.from_version, to: data.to_version, seq: event.seq, mapping: renames });
        }
        break;
      }
    }
  }
  state.steps = [...steps.values()];
  return state;
}

/** A short sentence for a log event, for the timeline. */
export function describe(
  event: LogEvent,
  nameOf: (nodeId: string) => string = (id) => id,
  stepNameOf: (stepId: string) => string = (id) => id,
): string {
  const d = event.data ?? {};
  const node = event.node_id ? nameOf(event.node_id) : "";
  const stepName = event.step_id ? stepNameOf(event.step_id) : "";
  switch (event.kind) {
    case "run.started": return "Run started";
    case "node.entered": return `Entered ${node}${typeof d.visit === "number" && d.visit > 1 ? ` (visit ${d.visit})` : ""}`;
    case "stage.waiting": return `${node} waits for its entry condition`;
    case "stage.opened": return `${node} opened`;
    case "stage.exited": return `Left ${node}${d.early ? " early" : ""}`;
    case "step.started": return d.work_item_key ? `Work item opened: ${stepName}` : `Step started: ${stepName}`;
    case "step.completed": return `Step done: ${stepName}`;
    case "step.failed": return `Step failed: ${stepName}`;
    case "step.skipped": return `Step skipped: ${stepName}`;
    case "step.cancelled": return `Step cancelled: ${stepName}`;
    case "decision.taken": return `${node}: ${text(d.label) ?? text(d.outcome) ?? "outcome"}`;
    case "case.updated": return `Case updated${Array.isArray(d.changed) && d.changed.length ? `: ${d.changed.join(", ")}` : ""}`;
    case "sla.at_risk": return `SLA at risk${node ? ` in ${node}` : ""}`;
    case "sla.breached": return `SLA breached${node ? ` in ${node}` : ""}`;
    case "run.paused": return "Run paused";
    case "run.resumed": return "Run resumed";
    case "run.incident": return "Incident";
    case "incident.resolved": return "Incident resolved";
    case "run.completed": return `Completed${d.resolution ? ` (${String(d.resolution)})` : ""}`;
    case "run.cancelled": return "Run cancelled";
    case "work_item.reassigned": return `Reassigned ${stepName} to ${text(d.to) ?? "the queue"}`;
    case "ai.call": return describeAiCall(event, stepName);
    case "run.migrated": return describeMove(d, event.actor);
    default: return event.kind;
  }
}

/** "Moved from version 1 to 2 by ada: v1 routed refunds wrongly". */
function describeMove(d: Record<string, unknown>, actor: string): string {
  const by = text(d.by) ?? actor;
  const reason = text(d.reason);
  return `Moved from version ${String(d.from_version ?? "?")} to ${String(d.to_version ?? "?")} by ${by}${reason ? `: ${reason}` : ""}`;
}
