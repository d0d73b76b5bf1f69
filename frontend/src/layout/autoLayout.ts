// Auto-layout with elkjs: layered, left to right. Go-to edges are left out so that
// loops do not pull their targets to the right of where the flow naturally puts them.
import type { FlowEdge, FlowNode } from "../model/convert";
import type { Point } from "../model/types";

type Elk = { layout: (graph: object) => Promise<{ children?: { id: string; x?: number; y?: number }[] }> };
let elk: Promise<Elk> | null = null;

function getElk(): Promise<Elk> {
  // Loaded on first use: ELK is large and only the layout button needs it.
  elk ??= import("elkjs/lib/elk.bundled.js").then((m) => new m.default() as unknown as Elk);
  return elk;
}

export async function autoLayout(
  nodes: readonly FlowNode[],
  edges: readonly FlowEdge[],
): Promise<Record<string, Point>> {
  const ids = new Set(nodes.map((n) => n.id));
  const graph = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.layered.spacing.nodeNodeBetweenLayers": "90",
      "elk.spacing.nodeNode": "50",
      "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
      "elk.layered.crossingMinimization.strategy": "LAYER_SWEEP",
    },
    children: nodes.map((n) => ({
      id: n.id,
      width: n.measured?.width ?? n.width ?? 220,
      height: n.measured?.height ?? n.height ?? 80,
    })),
    edges: edges
      .filter((e) => e.data?.edge.kind !== "goto" && ids.has(e.source) && ids.has(e.target))
      .map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  };
  const result = await (await getElk()).layout(graph);
  const positions: Record<string, Point> = {};
  for (const child of result.children ?? []) {
    positions[child.id] = { x: Math.round(child.x ?? 0), y: Math.round(child.y ?? 0) };
  }
  return positions;
}
