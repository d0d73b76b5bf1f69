// Workflow JSON <-> React Flow nodes and edges. Node and edge data carry the workflow's
// own objects (plain JSON), so a round trip gives back exactly what was loaded.
import { Position as Side, type Edge, type Node, type NodeHandle } from "@xyflow/react";
import type { NodeKind, WfEdge, WfNode, Workflow, WorkflowMeta } from "./types";

export type NodeData = { node: WfNode };
export type EdgeData = { edge: WfEdge };
export type FlowNode = Node<NodeData, NodeKind>;
export type FlowEdge = Edge<EdgeData, "workflow">;

/** Data keeps the node as loaded, `position` included: the canvas position lives on the
 * React Flow node and replaces it on the way back only when the node has moved, so an
 * untouched node round-trips byte for byte (even a sparse `{"y": 240}`). */
export function toFlowNode(node: WfNode): FlowNode {
  const { width, height } = estimateSize(node);
  return {
    id: node.id,
    type: node.kind,
    position: { x: node.position?.x ?? 0, y: node.position?.y ?? 0 },
    data: { node },
    // Known size and handles up front: React Flow then renders only the nodes on screen
    // from the first frame, instead of mounting every node once to measure it.
    initialWidth: width,
    initialHeight: height,
    handles: handlesFor(node.kind, width, height),
    deletable: node.kind !== "start",
  };
}

export function toFlowEdge(edge: WfEdge): FlowEdge {
  return {
    id: edge.id,
    source: edge.source,
    target: edge.target,
    type: "workflow",
    data: { edge },
  };
}

export function workflowToFlow(workflow: Workflow): {
  meta: WorkflowMeta;
  nodes: FlowNode[];
  edges: FlowEdge[];
} {
  const { nodes, edges, ...meta } = workflow;
  return { meta, nodes: nodes.map(toFlowNode), edges: edges.map(toFlowEdge) };
}

export function fromFlowNode(node: FlowNode): WfNode {
  const stored = node.data.node.position;
  const { x, y } = node.position;
  if ((stored?.x ?? 0) === x && (stored?.y ?? 0) === y) return node.data.node;
  return { ...node.data.node, position: { x, y } };
}

export function fromFlowEdge(edge: FlowEdge): WfEdge {
  const wf = edge.data!.edge;
  return wf.source === edge.source && wf.target === edge.target
    ? wf
    : { ...wf, source: edge.source, target: edge.target };
}

export function flowToWorkflow(
  meta: WorkflowMeta,
  nodes: readonly FlowNode[],
  edges: readonly FlowEdge[],
): Workflow {
  return { ...meta, nodes: nodes.map(fromFlowNode), edges: edges.map(fromFlowEdge) };
}

const HANDLE = 9;

/** The size a node will have once drawn (measured sizes replace it). */
export function estimateSize(node: WfNode): { width: number; height: number } {
  switch (node.kind) {
    case "start":
      return { width: 96, height: 34 };
    case "end":
      return { width: 110, height: node.resolution ? 50 : 34 };
    case "decision":
      return { width: 200, height: 48 + 17 * ((node.outcomes?.length ?? 0) + (node.default_outcome ? 1 : 0)) };
    case "stage":
      return { width: 240, height: 82 + (node.owner ? 18 : 0) + 39 * Math.max(1, node.steps?.length ?? 0) };
  }
}

/** Where a node's two handles sit (left-centre in, right-centre out), as React Flow
 * would measure them; kept in step with the measured size. */
export function handlesFor(kind: WfNode["kind"], width: number, height: number): NodeHandle[] {
  const top = kind === "stage" || kind === "decision" ? 3 : 1;
  const y = top + (height - top - 1) / 2 - HANDLE / 2;
  const handles: NodeHandle[] = [];
  if (kind !== "start") handles.push({ id: null, type: "target", position: Side.Left, x: 1 - HANDLE / 2, y, width: HANDLE, height: HANDLE });
  if (kind !== "end") handles.push({ id: null, type: "source", position: Side.Right, x: width - 1 - HANDLE / 2, y, width: HANDLE, height: HANDLE });
  return handles;
}

/** Apply measured sizes to the nodes' handles (one pass over the nodes). */
export function withMeasuredHandles<T extends FlowNode>(nodes: T[], measured: ReadonlyMap<string, { width: number; height: number }>): T[] {
  if (!measured.size) return nodes;
  return nodes.map((n) => {
    const size = measured.get(n.id);
    return size ? { ...n, handles: handlesFor(n.data.node.kind, size.width, size.height) } : n;
  });
}
