// Names for a what-if's ids. The recorded side counts the parts of every version the cases
// ran on, so an id may be of neither the active version nor the draft: it is named from
// the older version that has it, else said to be of an older version, never shown bare.
import type { WhatIf } from "../api/inflight";
import { namesOf } from "./names";
import type { Workflow } from "./types";
import type { Namer } from "./whatif";

/** A published version's document. */
export interface VersionDoc { version: number; workflow: Workflow }

/** The node and edge ids a what-if's figures and listed cases name. */
export function idsOf(result: WhatIf): { nodes: string[]; edges: string[] } {
  const nodes = new Set<string>();
  const edges = new Set<string>();
  for (const f of [result.active, result.draft]) {
    for (const id of [...Object.keys(f.node_visits), ...Object.keys(f.stage_minutes), ...Object.keys(f.outcomes)]) nodes.add(id);
    for (const id of Object.keys(f.edge_share)) edges.add(id);
  }
  for (const c of result.listed) for (const id of [...c.path, ...c.recorded_path]) nodes.add(id);
  for (const id of [...result.changes.removed_nodes]) nodes.add(id);
  for (const id of [...result.changes.removed_edges]) edges.add(id);
  return { nodes: [...nodes], edges: [...edges] };
}

function labels(docs: readonly Workflow[]): { nodes: Map<string, string>; edges: Map<string, string> } {
  const nodes = docs.flatMap((d) => d.nodes);
  const edges = docs.flatMap((d) => d.edges);
  const names = namesOf(nodes, edges);
  return {
    nodes: new Map(nodes.map((n) => [n.id, names.node(n.id)])),
    edges: new Map(edges.map((e) => [e.id, names.edge(e.id)])),
  };
}

/** The ids the current documents (the active version and the draft) do not name. */
export function unnamedIds(result: WhatIf, current: readonly Workflow[]): string[] {
  const known = labels(current);
  const { nodes, edges } = idsOf(result);
  return [...nodes.filter((id) => !known.nodes.has(id)), ...edges.filter((id) => !known.edges.has(id))];
}

/** Names from the current documents (later ones win: the draft's names over the active
 * version's), then from ``older`` versions, newest first: an edge found there is
 * "Triage → Routing (edge of version 2)"; one found nowhere "e9 (edge of an older version)". */
export function whatIfNamer(current: readonly Workflow[], older: readonly VersionDoc[]): Namer {
  const known = labels(current);
  const oldNodes = new Map<string, string>();
  const oldEdges = new Map<string, string>();
  for (const doc of [...older].sort((a, b) => b.version - a.version)) {
    const { nodes, edges } = labels([doc.workflow]);
    for (const [id, label] of nodes) if (!oldNodes.has(id)) oldNodes.set(id, `${label} (version ${doc.version})`);
    for (const [id, label] of edges) if (!oldEdges.has(id)) oldEdges.set(id, `${label} (edge of version ${doc.version})`);
  }
  return {
    node: (id) => known.nodes.get(id) ?? oldNodes.get(id) ?? `${id} (of an older version)`,
    edge: (id) => known.edges.get(id) ?? oldEdges.get(id) ?? `${id} (edge of an older version)`,
  };
}
