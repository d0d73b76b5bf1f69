// The impact of moving running cases between versions, turned into what the canvas and
// the dialog show: the target version with a count per node, the source's unmapped nodes
// in red (as ghosts when the target has no such node), and the mapping as editable rows.
import type { MigrationImpact, Mapping } from "../api/inflight";
import type { CanvasOverlay, NodeOverlay } from "./overlay";
import type { WfNode, Workflow } from "./types";

export interface MappingRow { from: string; to: string }

/** The overrides the rows name: blank rows and identities dropped, the last row for an id wins. */
export function mappingOf(rows: readonly MappingRow[]): Mapping {
  const mapping: Mapping = {};
  for (const row of rows) {
    const from = row.from.trim();
    const to = row.to.trim();
    if (from && to && from !== to) mapping[from] = to;
  }
  return mapping;
}

/** Whether two mappings say the same, whatever the order of their keys. */
export function sameMapping(a: Mapping, b: Mapping): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}

export interface IdOption { id: string; label: string; kind: "node" | "step" }

/** Every node and step id of a version, named for a person ("Triage › Classify"). */
export function idOptions(workflow: Workflow | null): IdOption[] {
  const options: IdOption[] = [];
  for (const node of workflow?.nodes ?? []) {
    options.push({ id: node.id, label: `${node.name || node.id} (${node.kind})`, kind: "node" });
    if (node.kind === "stage") {
      for (const step of node.steps ?? []) {
        options.push({ id: step.id, label: `${node.name || node.id} › ${step.name || step.id}`, kind: "step" });
      }
    }
  }
  return options;
}

/** Ids of the source version that the target lacks: the natural candidates for an override. */
export function missingIds(source: Workflow | null, target: Workflow | null): string[] {
  const have = new Set(idOptions(target).map((o) => o.id));
  return idOptions(source).filter((o) => !have.has(o.id)).map((o) => o.id);
}

/** How many unfinished runs each version has (running, paused, incident). */
export function unfinishedByVersion(runs: readonly { version: number; status: string }[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const run of runs) {
    if (run.status === "running" || run.status === "paused" || run.status === "incident") {
      counts[run.version] = (counts[run.version] ?? 0) + 1;
    }
  }
  return counts;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The overlay of an impact on the target version, and the graph to draw it on. */
export function impactOverlay(
  impact: MigrationImpact, target: Workflow, source: Workflow | null,
): { overlay: CanvasOverlay; workflow: Workflow } {
  const nodes: Record<string, NodeOverlay> = {};
  for (const node of target.nodes) {
    const count = impact.target_nodes[node.id] ?? 0;
    nodes[node.id] = {
      badge: String(count), tone: count ? "count" : "quiet", notes: [],
      title: `${plural(count, "run")} would land here`,
    };
  }
  const targetIds = new Set(target.nodes.map((n) => n.id));
  const sourceNodes = new Map((source?.nodes ?? []).map((n) => [n.id, n]));
  const ghosts: WfNode[] = [];
  for (const row of impact.nodes) {
    if (!row.unmapped) continue;
    const reasons = row.reasons.map((r) => `${r.runs} · ${r.message}`);
    const onTarget = row.target_node && targetIds.has(row.target_node) ? row.target_node
      : targetIds.has(row.source_node) ? row.source_node : null;
    if (onTarget) {
      const mark = nodes[onTarget];
      mark.tone = "unmapped";
      mark.notes.push(...reasons);
      mark.title = `${mark.title}; ${plural(row.unmapped, "run")} cannot move`;
      continue;
    }
    const gone = sourceNodes.get(row.source_node);
    if (!gone) continue;
    const ghost = { ...gone, position: clearSpot(gone.position, [...target.nodes, ...ghosts]) };
    ghosts.push(ghost);
    nodes[ghost.id] = {
      badge: String(row.unmapped), tone: "unmapped", notes: [`not in version ${impact.to_version}`, ...reasons],
      title: `${plural(row.unmapped, "run")} cannot move: the node is gone`,
    };
  }
  // Opens framed on where runs land and where they stay.
  const focus = Object.entries(nodes).filter(([, n]) => n.tone === "unmapped" || n.tone === "count").map(([id]) => id);
  return {
    overlay: { nodes, edges: {}, ghosts, focus },
    workflow: { ...target, nodes: [...target.nodes, ...ghosts] },
  };
}

const ROOM = { x: 240, y: 110 };

/** Where a ghost can stand: its old place, or below it until no node is in the way (a
 * renamed node usually keeps the place of the one it replaces). */
export function clearSpot(at: WfNode["position"], others: readonly WfNode[]): { x: number; y: number } {
  const spot = { x: at?.x ?? 0, y: at?.y ?? 0 };
  const taken = (y: number) => others.some((n) =>
    Math.abs((n.position?.x ?? 0) - spot.x) < ROOM.x && Math.abs((n.position?.y ?? 0) - y) < ROOM.y);
  while (taken(spot.y)) spot.y += ROOM.y;
  return spot;
}

/** The in-flight summary as sentences, zeros left out. */
export function inFlightLines(inFlight: MigrationImpact["in_flight"]): string[] {
  const lines: [number, string][] = [
    [inFlight.steps_carried, "running steps carried over"],
    [inFlight.steps_restarted, "steps restarted"],
    [inFlight.work_items_carried, "open work items carried over"],
    [inFlight.work_items_reissued, "work items re-issued (form changed)"],
    [inFlight.work_items_cancelled, "work items cancelled"],
    [inFlight.timers_rescheduled, "SLA clocks and timers rescheduled"],
  ];
  return lines.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
}

/** An API refusal for the banner: its message, then any lists its details carry
 * (the unknown ids of a mapping, say), so nothing the server named is hidden. */
export function refusalText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const details = (error as { details?: Record<string, unknown> | null }).details ?? null;
  const extra = Object.entries(details ?? {})
    .filter(([, v]) => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string"))
    // Lists the message already spells out (its problems, joined) are not said twice.
    .filter(([, v]) => !(v as string[]).every((x) => error.message.includes(x)))
    .map(([k, v]) => `${k.replace(/_/g, " ")}: ${(v as string[]).join(", ")}`);
  return [error.message, ...extra].join(" — ");
}
