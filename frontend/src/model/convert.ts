// Workflow JSON <-> React Flow nodes and edges. Node and edge data carry the workflow's
// own objects (plain JSON), so a round trip gives back exactly what was loaded.
import type { Edge, Node } from "@xyflow/react";
import type { NodeKind, WfEdge, WfNode, Workflow, WorkflowMeta } from "./types";

export type NodeData = { node: WfNode };
export type EdgeData = { edge: WfEdge };
export type FlowNode = Node<NodeData, NodeKind>;
export type FlowEdge = Edge<EdgeData, "workflow">;

export function toFlowNode(node: WfNode): FlowNode {
  const { position, ...rest } = node;
  return {
    id: node.id,
    type: node.kind,
    position: { x: position?.x ?? 0, y: position?.y ?? 0 },
    data: { node: rest as WfNode },
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
  return { ...node.data.node, position: { x: node.position.x, y: node.position.y } };
}

export function fromFlowEdge(edge: FlowEdge): WfEdge {
  return { ...edge.data!.edge, source: edge.source, target: edge.target };
}

export function flowToWorkflow(
  meta: WorkflowMeta,
  nodes: readonly FlowNode[],
  edges: readonly FlowEdge[],
): Workflow {
  return { ...meta, nodes: nodes.map(fromFlowNode), edges: edges.map(fromFlowEdge) };
}
