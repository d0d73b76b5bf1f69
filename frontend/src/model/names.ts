// Names for ids: people read "Agent Work › Work the case", machines read "stage_2".
import { allOutcomes, type WfEdge, type WfNode } from "./types";

export interface Names {
  node(id: string): string;
  step(id: string): string;
  edge(id: string): string;
  /** The name of a node or step with this id, or null when there is none. */
  known(id: string): string | null;
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
    known: (id) => nodeNames.get(id) ?? stepNames.get(id) ?? null,
  };
}

/** A server message with the quoted ids of nodes and steps replaced by their names:
 * "decision 'resolved_check' reads…" -> "decision “Resolved?” reads…". */
export function withNames(message: string, names: Names): string {
  return message.replace(/'([A-Za-z_][A-Za-z0-9_-]*)'/g, (quoted, id: string) => {
    const name = names.known(id);
    return name !== null && name !== id ? `“${name}”` : quoted;
  });
}

/** Where something is, by name: "Agent Work › Work the case", an edge (which names
 * its source node), or "workflow". */
export function placeOf(
  where: { node_id?: string | null; step_id?: string | null; edge_id?: string | null },
  names: Names,
): string {
  const parts: string[] = [];
  if (where.node_id && !(where.edge_id && !where.step_id)) parts.push(names.node(where.node_id));
  if (where.step_id) parts.push(names.step(where.step_id));
  if (where.edge_id) parts.push(names.edge(where.edge_id));
  return parts.join(" › ") || "workflow";
}
