// Workflow JSON <-> React Flow nodes and edges. Node and edge data carry the workflow's
// own objects (plain JSON), so a round trip gives back exactly what was loaded.
import type { Edge, Node } from "@xyflow/react";
import type { NodeKind, WfEdge, WfNode, Workflow, WorkflowMeta } from "./types";

export type NodeData = { node: WfNode };
export type EdgeData = { edge: WfEdge };
export type FlowNode = Node<NodeData, NodeKind>;
export type FlowEdge = Edge<EdgeData, "workflow">;

/** Data keeps the node as loaded, `position` included: the canvas position lives on the
 * React Flow node and replaces it on the way back only when the node has moved, so an
 * untouched node round-trips byte for byte (even a sparse `{"y": 240}`). */
export function toFlowNode(node: WfNode): FlowNode {
  return {
    id: node.id,
    type: node.kind,
    position: { x: node.position?.x ?? 0, y: node.position?.y ?? 0 },
    data: { node },
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
