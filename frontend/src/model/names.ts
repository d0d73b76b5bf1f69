// Names for ids: people read "Agent Work › Work the case", machines read "stage_2".
import { allOutcomes, type WfEdge, type WfNode } from "./types";

export interface Names {
  node(id: string): string;
  step(id: string): string;
  edge(id: string): string;
}

/** What to call the nodes, steps and edges of a graph (an unknown id is shown as itself). */
export function namesOf(nodes: readonly WfNode[], edges: readonly WfEdge[] = []): Names {
  const nodeNames = new Map(nodes.map((n) => [n.id, n.name || n.id]));
  const stepNames = new Map<string, string>();
  for (const node of nodes) {
    if (node.kind === "stage") for (const step of node.steps ?? []) stepNames.set(step.id, step.name || step.id);
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const edgeNames = new Map(edges.map((e) => {
    const source = byId.get(e.source);
    const outcome = e.outcome && source?.kind === "decision"
      ? allOutcomes(source).find((o) => o.id === e.outcome)?.label : undefined;
    const via = e.label || outcome;
    const from = nodeNames.get(e.source) ?? e.source;
    const to = nodeNames.get(e.target) ?? e.target;
    return [e.id, `${from} → ${to}${via ? ` (${via})` : ""}`];
  }));
  return {
    node: (id) => nodeNames.get(id) ?? id,
    step: (id) => stepNames.get(id) ?? id,
    edge: (id) => edgeNames.get(id) ?? id,
  };
}

/** Where something is, by name: "Agent Work › Work the case", an edge, or "workflow". */
export function placeOf(
  where: { node_id?: string | null; step_id?: string | null; edge_id?: string | null },
  names: Names,
): string {
  const parts: string[] = [];
  if (where.node_id) parts.push(names.node(where.node_id));
  if (where.step_id) parts.push(names.step(where.step_id));
  if (where.edge_id) parts.push(names.edge(where.edge_id));
  return parts.join(" › ") || "workflow";
}
