// The React Flow canvas: controlled by the editor store, with the palette's drop target.
import {
  Background, BackgroundVariant, ControlButton, Controls, MiniMap, ReactFlow, useReactFlow,
  type Connection, type IsValidConnection,
} from "@xyflow/react";
import { useCallback, type DragEvent } from "react";
import { useCan } from "../auth/permissions";
import { EdgeMarkers, edgeTypes } from "../edges/WorkflowEdge";
import type { FlowEdge, FlowNode } from "../model/convert";
import type { NodeKind } from "../model/types";
import { PALETTE_MIME, nodeRegistry, nodeTypes } from "../nodes/registry";
import { useEditor } from "../store/editorStore";
import { ReadableFit } from "../hooks/useReadableFit";
import { useFitView } from "../hooks/useFitView";
import { FitIcon } from "./icons";

const minimapColor = (node: FlowNode) => nodeRegistry[node.type as NodeKind]?.minimapColor ?? "#999";
const proOptions = { hideAttribution: true };
const multiKeys = ["Meta", "Control"];

const onNodeDragStart = () => {
  // Dragging starts a history entry at once, so a drag is one undo step.
  const state = useEditor.getState();
  if (!state.dragging && !state.diff) {
    state.commit();
    useEditor.setState({ dragging: true });
  }
};
const onNodeDragStop = () => useEditor.setState({ dragging: false });

const onConnect = (connection: Connection) => {
  useEditor.getState().connect(connection);
};

const isValidConnection: IsValidConnection<FlowEdge> = (connection) => {
  const state = useEditor.getState();
  if (state.diff || connection.source === connection.target) return false;
  const target = state.nodes.find((n) => n.id === connection.target);
  return target?.type !== "start";
};

export function Canvas() {
  const diff = useEditor((s) => s.diff);
  const canDesign = useCan("design");
  const nodes = useEditor((s) => s.diff?.nodes ?? s.nodes);
  const edges = useEditor((s) => s.diff?.edges ?? s.edges);
  const onNodesChange = useEditor((s) => s.onNodesChange);
  const onEdgesChange = useEditor((s) => s.onEdgesChange);
  const flow = useReactFlow();
  const fitView = useFitView();
  const startId = useEditor((s) => s.nodes.find((n) => n.type === "start")?.id ?? null);
  const readOnly = diff !== null;
  // Roles that may not design look at the graph but cannot move or connect its nodes.
  const locked = readOnly || !canDesign;

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(PALETTE_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const kind = event.dataTransfer.getData(PALETTE_MIME) as NodeKind;
      if (!kind || !(kind in nodeRegistry)) return;
      event.preventDefault();
      const position = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      useEditor.getState().addNode(kind, { x: Math.round(position.x - 20), y: Math.round(position.y - 20) });
    },
    [flow],
  );

  const onPaneClick = useCallback(() => useEditor.getState().selectStep(null), []);

  return (
    <div className={`canvas ${readOnly ? "canvas--diff" : ""}`} data-testid="canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <EdgeMarkers />
      <ReactFlow<FlowNode, FlowEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        isValidConnection={isValidConnection}
        onNodeDragStart={onNodeDragStart}
        onNodeDragStop={onNodeDragStop}
        onPaneClick={onPaneClick}
        nodesDraggable={!locked}
        nodesConnectable={!locked}
        deleteKeyCode={null}
        multiSelectionKeyCode={multiKeys}
        selectionKeyCode="Shift"
        onlyRenderVisibleElements
        minZoom={0.05}
        maxZoom={2}
        proOptions={proOptions}
        snapToGrid
        snapGrid={[10, 10]}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} color="#cfd5df" />
        <Controls showInteractive={false} showFitView={false} position="bottom-left">
          <ControlButton onClick={() => fitView({ duration: 250 })} title="Fit view" aria-label="Fit view"><FitIcon size={12} /></ControlButton>
        </Controls>
        <MiniMap pannable zoomable nodeColor={minimapColor} nodeStrokeWidth={0}
          maskColor="rgba(240, 243, 248, 0.7)" position="bottom-right" />
        <ReadableFit focus={startId} />
      </ReactFlow>
    </div>
  );
}
