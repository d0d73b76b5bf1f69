// A what-if's answer turned into what the designer shows: rows comparing the active
// version with the draft, and a heat overlay on the draft (edges weighed by the share of
// cases taking them, visits per node, parts added or changed marked).
import type { Figures, WhatIf } from "../api/inflight";
import { heat, percent, type CanvasOverlay, type EdgeOverlay, type NodeOverlay } from "./overlay";
import type { Workflow } from "./types";

export interface CompareRow {
  key: string;
  label: string;
  active: string;
  draft: string;
  /** Whether the draft's figure differs from the active one. */
  changed: boolean;
}

export interface CompareSection { title: string; rows: CompareRow[] }

export interface Namer { node(id: string): string; edge(id: string): string }

const minutes = (m: number | undefined): string => {
  if (m === undefined) return "–";
  if (m < 90) return `${Math.round(m)} min`;
  if (m < 2880) return `${(m / 60).toFixed(1)} h`;
  return `${(m / 1440).toFixed(1)} d`;
};
const count = (n: number | undefined): string => (n === undefined ? "–" : String(n));

function keyed(
  prefix: string, a: Record<string, number>, b: Record<string, number>,
  label: (id: string) => string, show: (n: number | undefined) => string, onlyChanged = false,
): CompareRow[] {
  const ids = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return ids
    .map((id) => ({
      key: `${prefix}:${id}`, label: label(id), active: show(a[id]), draft: show(b[id]),
      changed: show(a[id]) !== show(b[id]),
    }))
    .filter((row) => !onlyChanged || row.changed);
}

/** The side-by-side table: one section per figure, edges only where the share moved. */
export function compareSections(result: WhatIf, names: Namer): CompareSection[] {
  const { active, draft } = result;
  const stages = [...new Set([...Object.keys(active.stage_minutes), ...Object.keys(draft.stage_minutes)])].sort();
  const one = (key: string, label: string, a: string, b: string): CompareRow => ({ key, label, active: a, draft: b, changed: a !== b });
  const sections: CompareSection[] = [
    { title: "Share of cases down each changed edge", rows: keyed("edge", active.edge_share, draft.edge_share, names.edge, percent, true) },
    {
      title: "Time in stage (mean · p90)",
      rows: stages.map((id) => {
        const a = active.stage_minutes[id];
        const b = draft.stage_minutes[id];
        return one(`stage:${id}`, names.node(id),
          a ? `${minutes(a.mean)} · ${minutes(a.p90)}` : "–", b ? `${minutes(b.mean)} · ${minutes(b.p90)}` : "–");
      }),
    },
    { title: "SLA", rows: [one("sla", "SLA attainment", percent(active.sla_attainment), percent(draft.sla_attainment))] },
    { title: "Load per queue (work items)", rows: keyed("queue", active.queue_load, draft.queue_load, (q) => q, count) },
    {
      title: "Load per agent (work items)",
      rows: [
        ...keyed("agent", active.agent_load, draft.agent_load, (a) => a, count),
        one("unassigned", "Waiting unassigned", count(active.unassigned), count(draft.unassigned)),
      ],
    },
    { title: "Outcomes (cases ending at)", rows: keyed("outcome", active.outcomes, draft.outcomes, names.node, count) },
    {
      title: "Trouble",
      rows: [
        one("incidents", "Incidents", count(active.incidents), count(draft.incidents)),
        one("loop_guard", "Loop guard", count(active.loop_guard), count(draft.loop_guard)),
        one("path_changed", "Path changed", "–", count(draft.path_changed)),
        one("open", "Still open at the end", count(active.open), count(draft.open)),
      ],
    },
  ];
  return sections.filter((s) => s.rows.length > 0);
}

/** The heat overlay of the draft's predicted paths on the draft's own graph. */
export function heatOverlay(result: WhatIf, draft: Workflow): CanvasOverlay {
  const figures: Figures = result.draft;
  const added = new Set(result.changes.added_nodes);
  const changed = new Set(result.changes.changed_nodes);
  const addedEdges = new Set(result.changes.added_edges);
  const changedEdges = new Set(result.changes.changed_edges);
  const nodes: Record<string, NodeOverlay> = {};
  for (const node of draft.nodes) {
    const visits = figures.node_visits[node.id] ?? 0;
    const before = result.active.node_visits[node.id] ?? 0;
    const notes: string[] = [];
    if (added.has(node.id)) notes.push("added in the draft");
    else if (changed.has(node.id)) notes.push("changed in the draft");
    if (visits !== before && !added.has(node.id)) notes.push(`was ${before} visit${before === 1 ? "" : "s"}`);
    nodes[node.id] = {
      badge: String(visits),
      tone: added.has(node.id) ? "added" : changed.has(node.id) ? "changed" : visits ? "count" : "quiet",
      notes,
      title: `${visits} visit${visits === 1 ? "" : "s"} predicted (active version: ${before})`,
    };
  }
  const edges: Record<string, EdgeOverlay> = {};
  for (const edge of draft.edges) {
    const share = figures.edge_share[edge.id] ?? 0;
    const before = result.active.edge_share[edge.id];
    const moved = before !== undefined && percent(before) !== percent(share);
    edges[edge.id] = {
      share,
      ...heat(share),
      label: moved ? `${percent(share)} (was ${percent(before)})` : percent(share),
      tone: addedEdges.has(edge.id) ? "added" : moved || changedEdges.has(edge.id) ? "changed" : "heat",
    };
  }
  // Opens framed on what the draft adds or changes, with the nodes on either side of it.
  const marked = new Set(draft.nodes.filter((n) => added.has(n.id) || changed.has(n.id)).map((n) => n.id));
  const near = draft.edges.flatMap((e) => (marked.has(e.source) ? [e.target] : marked.has(e.target) ? [e.source] : []));
  const framed = new Set([...marked, ...near]);
  const focus = draft.nodes.filter((n) => framed.has(n.id)).map((n) => n.id);
  return { nodes, edges, ghosts: [], focus };
}

/** The days field as the API takes it: a whole number 1..365, else null. */
export function validDays(text: string): number | null {
  const days = Number(text);
  return Number.isInteger(days) && days >= 1 && days <= 365 ? days : null;
}
