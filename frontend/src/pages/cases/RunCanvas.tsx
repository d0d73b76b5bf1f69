// The read-only canvas of a run's workflow version, overlaid either with the path a
// case took (visits, edges taken in order, where it stands, the current steps) or with
// the monitor's figures per node, or with an overlay (a move's impact, a what-if's heat:
// model/overlay.ts). Node and edge types are module-level, as the editor's.
import {
  Background, BackgroundVariant, BaseEdge, Controls, EdgeLabelRenderer, Handle, Position, ReactFlow,
  getBezierPath, useInternalNode, type Edge, type EdgeProps, type Node, type NodeProps,
} from "@xyflow/react";
import { memo, useMemo } from "react";
import type { NodeFigures } from "../../api/runs";
import { FIT_OPTIONS, busiestNode } from "../../components/fit";
import { gotoPath } from "../../edges/WorkflowEdge";
import { FitNodes } from "../../hooks/useFitNodes";
import { ReadableFit } from "../../hooks/useReadableFit";
import type { PathState, StepStatus, StepView } from "../../live/path";
import type { CanvasOverlay, EdgeOverlay, NodeOverlay } from "../../model/overlay";
import { allOutcomes, type WfEdge, type WfNode, type Workflow } from "../../model/types";

export interface RunNodeData extends Record<string, unknown> {
  node: WfNode;
  visits: number;
  current: boolean;
  status: string;
  steps: StepView[];
  waiting: boolean;
  figures: NodeFigures | null;
  overlay: NodeOverlay | null;
  ghost: boolean;
  mode: "path" | "monitor" | "overlay";
  selected: boolean;
  stepNames: Record<string, string>;
}

export interface RunEdgeData extends Record<string, unknown> {
  edge: WfEdge;
  label: string;
  count: number;
  hops: number[];
  last: boolean;
  overlay: EdgeOverlay | null;
}

type RunNode = Node<RunNodeData, "run">;
type RunEdge = Edge<RunEdgeData, "run">;

const STEP_LABEL: Record<StepStatus, string> = {
  pending: "pending", running: "running", waiting: "waiting", retry_wait: "retrying",
  done: "done", failed: "failed", skipped: "skipped", cancelled: "cancelled",
};

function duration(seconds: number | null): string {
  if (seconds === null) return "–";
  if (seconds < 90) return `${Math.round(seconds)}s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)}h`;
  return `${(seconds / 86400).toFixed(1)}d`;
}

function RunNodeView({ data }: NodeProps<RunNode>) {
  const { node, visits, current, status, steps, figures, mode, overlay } = data;
  const visited = visits > 0;
  const tone = mode === "overlay"
    ? `ov-${overlay?.tone ?? "quiet"}`
    : mode === "monitor"
    ? (figures?.count ? "busy" : "quiet")
    : current
      ? status === "incident" ? "incident" : status === "completed" ? "done" : status === "paused" ? "paused" : "current"
      : visited ? "visited" : "idle";
  const classes = [
    "run-node", `run-node--${node.kind}`, `run-node--${tone}`,
    data.selected ? "is-selected" : "", data.ghost ? "run-node--ghost" : "",
  ].filter(Boolean).join(" ");
  return (
    <div className={classes} data-testid={`run-node-${node.id}`} data-visits={visits}
      data-current={current ? "true" : "false"} data-count={figures?.count ?? 0}
      data-tone={overlay?.tone ?? ""} data-badge={overlay?.badge ?? ""}>
      {node.kind !== "start" && <Handle type="target" position={Position.Left} className="run-node__handle" />}
      {node.kind !== "end" && <Handle type="source" position={Position.Right} className="run-node__handle" />}
      <div className="run-node__head">
        <span className="run-node__kind">{node.kind}</span>
        <span className="run-node__name">{node.name || node.id}</span>
        {mode === "path" && visits > 0 && (
          <span className={`run-node__visits ${visits > 1 ? "run-node__visits--loop" : ""}`}
            data-testid={`visits-${node.id}`} title={`visited ${visits} time${visits > 1 ? "s" : ""}`}>
            ×{visits}
          </span>
        )}
        {mode === "monitor" && (
          <span className={`run-node__count ${figures?.count ? "" : "run-node__count--zero"}`} data-testid={`count-${node.id}`}>
            {figures?.count ?? 0}
          </span>
        )}
        {mode === "overlay" && overlay?.badge && (
          <span className={`run-node__count run-node__count--${overlay.tone}`} data-testid={`badge-${node.id}`} title={overlay.title}>
            {overlay.badge}
          </span>
        )}
      </div>
      {mode === "overlay" && overlay && overlay.notes.length > 0 && (
        <ul className="run-node__notes" data-testid={`notes-${node.id}`}>
          {overlay.notes.map((note, i) => <li key={i}>{note}</li>)}
        </ul>
      )}
      {mode === "path" && current && node.kind === "stage" && (
        <ul className="run-node__steps">
          {data.waiting && <li className="run-step-note">Waiting for its entry condition</li>}
          {steps.map((s) => (
            <li key={s.id} className={`run-step run-step--${s.status}`} data-testid={`step-${s.id}`} data-status={s.status}>
              <span className="run-step__dot" />
              <span className="run-step__name">{data.stepNames[s.id] ?? s.id}</span>
              <span className="run-step__status">{STEP_LABEL[s.status]}{s.attempt > 1 ? ` · try ${s.attempt}` : ""}</span>
              {s.error && <span className="run-step__error" title={s.error}>{s.error}</span>}
            </li>
          ))}
        </ul>
      )}
      {mode === "path" && current && status === "completed" && <div className="run-node__note">case finished here</div>}
      {mode === "monitor" && figures && figures.count > 0 && (
        <div className="run-node__figures">
          <span title="median time in this node">p50 {duration(figures.age_p50_seconds)}</span>
          <span title="90th percentile of time in this node">p90 {duration(figures.age_p90_seconds)}</span>
          {figures.at_risk > 0 && <span className="fig fig--risk">{figures.at_risk} at risk</span>}
          {figures.breached > 0 && <span className="fig fig--breach">{figures.breached} breached</span>}
          {figures.incidents > 0 && <span className="fig fig--incident">{figures.incidents} incident{figures.incidents > 1 ? "s" : ""}</span>}
        </div>
      )}
    </div>
  );
}

function RunEdgeView({ id, source, target, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data }: EdgeProps<RunEdge>) {
  const sourceNode = useInternalNode(source);
  const targetNode = useInternalNode(target);
  const kind = data?.edge.kind ?? "next";
  const goesBack = kind === "goto" && targetX < sourceX + 40;
  let path: string;
  let labelX: number;
  let labelY: number;
  if (goesBack) {
    const bottom = Math.max(
      (sourceNode?.internals.positionAbsolute.y ?? sourceY) + (sourceNode?.measured.height ?? 0),
      (targetNode?.internals.positionAbsolute.y ?? targetY) + (targetNode?.measured.height ?? 0),
    ) + 36;
    [path, labelX, labelY] = gotoPath(sourceX, sourceY, targetX, targetY, bottom);
  } else {
    [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  }
  const taken = (data?.count ?? 0) > 0;
  const tone = taken ? (data?.last ? "last" : "taken") : "idle";
  const heat = data?.overlay ?? null;
  if (heat) return <HeatEdge id={id} path={path} labelX={labelX} labelY={labelY} heat={heat} label={data?.label ?? ""} />;
  return (
    <>
      <BaseEdge id={id} path={path} className={`run-edge run-edge--${kind} run-edge--${tone}`}
        markerEnd={`url(#run-arrow-${tone})`} />
      {(data?.label || taken) && (
        <EdgeLabelRenderer>
          <div className={`run-edge-label run-edge-label--${tone}`} data-testid={`run-edge-${id}`}
            data-taken={taken ? "true" : "false"} data-count={data?.count ?? 0}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}>
            {data?.label}
            {taken && <span className="run-edge-label__hops" title={`taken at step ${data!.hops.join(", ")} of the path`}>
              {data!.count > 1 ? `×${data!.count}` : `#${data!.hops[0]}`}
            </span>}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

/** An edge weighed by an overlay: its stroke's width and colour say the share of cases. */
function HeatEdge({ id, path, labelX, labelY, heat, label }: {
  id: string; path: string; labelX: number; labelY: number; heat: EdgeOverlay; label: string;
}) {
  return (
    <>
      <BaseEdge id={id} path={path} className={`run-edge run-edge--heat run-edge--${heat.tone}`}
        style={{ stroke: heat.color, strokeWidth: heat.width }} markerEnd="url(#run-arrow-heat)" />
      <EdgeLabelRenderer>
        <div className={`run-edge-label run-edge-label--heat run-edge-label--${heat.tone}`} data-testid={`run-edge-${id}`}
          data-share={heat.share ?? ""} data-tone={heat.tone} data-width={heat.width}
          style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}>
          {label && <span className="run-edge-label__text">{label}</span>}
          {heat.label && <span className="run-edge-label__share">{heat.label}</span>}
        </div>
      </EdgeLabelRenderer>
    </>
  );
}

const nodeTypes = { run: memo(RunNodeView) };
const edgeTypes = { run: memo(RunEdgeView) };
const proOptions = { hideAttribution: true };

function edgeLabel(edge: WfEdge, nodes: Map<string, WfNode>): string {
  let text = edge.label ?? "";
  const source = nodes.get(edge.source);
  if (!text && edge.outcome && source?.kind === "decision") {
    text = allOutcomes(source).find((o) => o.id === edge.outcome)?.label ?? edge.outcome;
  }
  return edge.kind === "goto" ? (text ? `go to · ${text}` : "go to") : text;
}

export function RunCanvas({ workflow, path, figures, overlay, selectedNode, onNodeClick }: {
  workflow: Workflow;
  path?: PathState | null;
  figures?: Record<string, NodeFigures>;
  overlay?: CanvasOverlay;
  selectedNode?: string | null;
  onNodeClick?: (nodeId: string) => void;
}) {
  const mode = overlay ? "overlay" : figures ? "monitor" : "path";
  // A graph too large to show whole opens on where the case stands, or where most cases wait.
  const focus = figures ? busiestNode(figures, workflow.nodes.map((n) => n.id)) : path?.current ?? null;
  const stepNames = useMemo(() => {
    const names: Record<string, string> = {};
    for (const node of workflow.nodes) {
      if (node.kind === "stage") for (const step of node.steps ?? []) names[step.id] = step.name || step.id;
    }
    return names;
  }, [workflow]);
  const nodes: RunNode[] = useMemo(() => workflow.nodes.map((node) => ({
    id: node.id,
    type: "run" as const,
    position: { x: node.position?.x ?? 0, y: node.position?.y ?? 0 },
    data: {
      node,
      visits: path?.visits[node.id] ?? 0,
      current: path?.current === node.id,
      status: path?.status ?? "running",
      steps: path?.current === node.id ? path.steps : [],
      waiting: path?.current === node.id ? path.stageWaiting : false,
      figures: figures?.[node.id] ?? null,
      overlay: overlay?.nodes[node.id] ?? null,
      ghost: overlay?.ghosts.some((g) => g.id === node.id) ?? false,
      mode,
      selected: selectedNode === node.id,
      stepNames,
    },
    draggable: false,
    connectable: false,
  })), [workflow, path, figures, overlay, mode, selectedNode, stepNames]);
  const edges: RunEdge[] = useMemo(() => {
    const byId = new Map(workflow.nodes.map((n) => [n.id, n]));
    const lastEdge = path?.hops.at(-1)?.edgeId ?? null;
    return workflow.edges.map((edge) => ({
      id: edge.id,
      source: edge.source,
      target: edge.target,
      type: "run" as const,
      data: {
        edge,
        label: edgeLabel(edge, byId),
        count: path?.edges[edge.id]?.count ?? 0,
        hops: path?.edges[edge.id]?.hops ?? [],
        last: edge.id === lastEdge,
        overlay: overlay?.edges[edge.id] ?? null,
      },
    }));
  }, [workflow, path, overlay]);

  return (
    <div className="run-canvas" data-testid="run-canvas">
      <svg style={{ position: "absolute", width: 0, height: 0 }} aria-hidden="true">
        <defs>
          {Object.entries({ idle: "#b6bfcc", taken: "#2f5bd3", last: "#0f9d58", heat: "#5b6474" }).map(([name, color]) => (
            <marker key={name} id={`run-arrow-${name}`} viewBox="0 0 10 10" refX="9" refY="5"
              markerUnits="userSpaceOnUse" markerWidth="12" markerHeight="12" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" fill={color} />
            </marker>
          ))}
        </defs>
      </svg>
      <ReactFlow<RunNode, RunEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={Boolean(onNodeClick)}
        onNodeClick={onNodeClick ? (_e, node) => onNodeClick(node.id) : undefined}
        deleteKeyCode={null}
        minZoom={0.05}
        maxZoom={1.5}
        proOptions={proOptions}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} color="#d6dbe4" />
        <Controls showInteractive={false} position="bottom-left" fitViewOptions={FIT_OPTIONS} />
        {overlay?.focus.length ? <FitNodes ids={overlay.focus} /> : <ReadableFit focus={focus} />}
      </ReactFlow>
    </div>
  );
}

export { duration };
