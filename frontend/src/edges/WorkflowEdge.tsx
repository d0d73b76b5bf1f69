// One edge view for every edge kind: next (plain), outcome (labelled with its outcome),
// goto (dashed, coloured, looping back below the nodes it joins).
import {
  BaseEdge, EdgeLabelRenderer, getBezierPath, useInternalNode, type EdgeProps,
} from "@xyflow/react";
import { memo } from "react";
import type { FlowEdge } from "../model/convert";
import { allOutcomes, type WfNode } from "../model/types";
import { useEditor } from "../store/editorStore";

export function gotoPath(
  sx: number, sy: number, tx: number, ty: number, bottom: number,
): [string, number, number] {
  const reach = 70;
  const path =
    `M ${sx} ${sy} C ${sx + reach} ${sy}, ${sx + reach} ${bottom}, ${sx} ${bottom} ` +
    `L ${tx} ${bottom} C ${tx - reach} ${bottom}, ${tx - reach} ${ty}, ${tx} ${ty}`;
  return [path, (sx + tx) / 2, bottom];
}

function WorkflowEdge({ id, source, target, sourceX, sourceY, targetX, targetY,
  sourcePosition, targetPosition, data, selected }: EdgeProps<FlowEdge>) {
  const edge = data?.edge;
  const sourceNode = useInternalNode(source);
  const targetNode = useInternalNode(target);
  const mark = useEditor((s) => (s.diff ? undefined : s.problemIndex.edges[id]));
  const diff = useEditor((s) => s.diff?.status[`e:${id}`]);
  const kind = edge?.kind ?? "next";
  const goesBack = kind === "goto" && targetX < sourceX + 40;

  let path: string;
  let labelX: number;
  let labelY: number;
  if (goesBack) {
    const sourceBottom = (sourceNode?.internals.positionAbsolute.y ?? sourceY) + (sourceNode?.measured.height ?? 0);
    const targetBottom = (targetNode?.internals.positionAbsolute.y ?? targetY) + (targetNode?.measured.height ?? 0);
    [path, labelX, labelY] = gotoPath(sourceX, sourceY, targetX, targetY, Math.max(sourceBottom, targetBottom) + 36);
  } else {
    [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  }

  let text = edge?.label ?? "";
  const wfSource = (sourceNode?.data as { node?: WfNode } | undefined)?.node;
  if (!text && edge?.outcome && wfSource?.kind === "decision") {
    text = allOutcomes(wfSource).find((o) => o.id === edge.outcome)?.label ?? edge.outcome;
  }
  if (kind === "goto") text = text ? `go to · ${text}` : "go to";

  const tone = diff ? `diff-${diff}` : mark ? `has-${mark.severity}` : `kind-${kind}`;
  const marker = diff ? `diff-${diff}` : mark ? mark.severity : kind === "goto" ? "goto" : selected ? "selected" : "next";
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={`url(#baton-arrow-${marker})`}
        className={`wf-edge wf-edge--${kind} ${tone} ${selected ? "is-selected" : ""}`} interactionWidth={16} />
      {(text || mark) && (
        <EdgeLabelRenderer>
          <div
            className={`wf-edge-label wf-edge-label--${kind} ${tone} ${selected ? "is-selected" : ""}`}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            data-testid={`edge-label-${id}`}
            data-problem={mark?.severity ?? ""}
            title={mark?.messages.join("\n")}
          >
            {text}
            {mark && <span className={`wf-badge-inline wf-badge--${mark.severity}`}>{mark.count}</span>}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

const MemoEdge = memo(WorkflowEdge);

export const edgeTypes = { workflow: MemoEdge };

const MARKERS: Record<string, string> = {
  next: "#8a94a6",
  selected: "#2f5bd3",
  goto: "#8b5cf6",
  error: "#dc2626",
  warning: "#d97706",
  "diff-added": "#16a34a",
  "diff-removed": "#dc2626",
  "diff-changed": "#d97706",
};

/** Arrowheads for every edge tone, defined once for the page. */
export function EdgeMarkers() {
  return (
    <svg style={{ position: "absolute", width: 0, height: 0 }} aria-hidden="true">
      <defs>
        {Object.entries(MARKERS).map(([name, color]) => (
          <marker key={name} id={`baton-arrow-${name}`} viewBox="0 0 10 10" refX="9" refY="5"
            markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" fill={color} />
          </marker>
        ))}
      </defs>
    </svg>
  );
}
