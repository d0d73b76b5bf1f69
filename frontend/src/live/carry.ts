// A moved run's path drawn on the version it moved to: what it visited and took on its
// old version, under the new version's ids (the move's mapping; an edge carried to the new
// edge between the mapped nodes with the same outcome).
import type { Workflow } from "../model/types";
import type { PathState } from "./path";

export function carryPath(path: PathState, before: Workflow | null, after: Workflow | null): PathState {
  if (!path.moves.length || !before || !after) return path;
  const rename = (id: string) => path.moves.reduce((at, move) => move.mapping[at] ?? at, id);
  const oldEdges = new Map(before.edges.map((e) => [e.id, e]));
  const newIds = new Set(after.edges.map((e) => e.id));
  const edges: PathState["edges"] = {};
  for (const [id, taken] of Object.entries(path.edges)) {
    const old = oldEdges.get(id);
    const carried = newIds.has(id) || !old ? id : after.edges.find((e) =>
      e.source === rename(old.source) && e.target === rename(old.target) && (e.outcome ?? null) === (old.outcome ?? null))?.id ?? id;
    const into = (edges[carried] ??= { count: 0, hops: [] });
    into.count += taken.count;
    into.hops = [...into.hops, ...taken.hops].sort((a, b) => a - b);
  }
  const visits: Record<string, number> = {};
  for (const [id, n] of Object.entries(path.visits)) visits[rename(id)] = (visits[rename(id)] ?? 0) + n;
  return { ...path, edges, visits };
}
