import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo, type MouseEvent } from "react";
import {
  ArrowDownIcon, ArrowUpIcon, ClockIcon, CloseIcon, GearIcon, LinkIcon, PersonIcon, StageIcon,
} from "../components/icons";
import { addAiStep } from "../ai/addAiStep";
import type { FlowNode } from "../model/convert";
import type { Step } from "../model/types";
import { useEditor } from "../store/editorStore";
import { NodeHeader, NodeShell } from "./NodeShell";
import { useZoomedOut } from "./useZoomedOut";

interface StepRowProps {
  nodeId: string;
  step: Step;
  index: number;
  count: number;
  names: Map<string, string>;
  selected: boolean;
}

const StepRow = memo(function StepRow({ nodeId, step, index, count, names, selected }: StepRowProps) {
  const mark = useEditor((s) => (s.diff ? undefined : s.problemIndex.steps[step.id]));
  const readOnly = useEditor((s) => s.diff !== null);
  const ref = { nodeId, stepId: step.id };
  const stop = (e: MouseEvent) => e.stopPropagation();
  const act = (fn: () => void) => (e: MouseEvent) => {
    e.stopPropagation();
    fn();
  };
  const after = step.after ?? [];
  return (
    <li
      className={`wf-step ${selected ? "is-selected" : ""} ${mark ? `has-${mark.severity}` : ""}`}
      data-testid={`step-${step.id}`}
      data-problem={mark?.severity ?? ""}
      onClick={readOnly ? undefined : act(() => useEditor.getState().selectStep(ref))}
      title={mark?.messages.join("\n")}
    >
      <span className={`wf-step__kind wf-step__kind--${step.kind}`}
        title={step.kind === "background" ? "Background step (runs by itself)" : "Interactive step (a person completes it)"}>
        {step.kind === "background" ? <GearIcon size={12} /> : <PersonIcon size={12} />}
      </span>
      <span className="wf-step__body">
        <span className="wf-step__name">{step.name || step.id}</span>
        {after.length > 0 && (
          <span className="wf-step__after">
            <LinkIcon size={10} /> after {after.map((a) => names.get(a) ?? a).join(", ")}
          </span>
        )}
      </span>
      {mark && <span className={`wf-dot wf-dot--${mark.severity}`} />}
      {selected && !readOnly && (
        <span className="wf-step__tools nodrag" onMouseDown={stop}>
          <button type="button" title="Move up" disabled={index === 0} data-testid={`step-up-${step.id}`}
            onClick={act(() => useEditor.getState().moveStep(ref, -1))}><ArrowUpIcon size={11} /></button>
          <button type="button" title="Move down" disabled={index === count - 1} data-testid={`step-down-${step.id}`}
            onClick={act(() => useEditor.getState().moveStep(ref, 1))}><ArrowDownIcon size={11} /></button>
          <button type="button" title="Remove step" data-testid={`step-remove-${step.id}`}
            onClick={act(() => useEditor.getState().removeStep(ref))}><CloseIcon size={11} /></button>
        </span>
      )}
    </li>
  );
});

function StageNodeView({ id, data, selected }: NodeProps<FlowNode>) {
  const zoomedOut = useZoomedOut();
  const selectedStep = useEditor((s) => (s.selectedStep?.nodeId === id ? s.selectedStep.stepId : null));
  const readOnly = useEditor((s) => s.diff !== null);
  const node = data.node.kind === "stage" ? data.node : null;
  const steps = node?.steps ?? [];
  const names = new Map(steps.map((s) => [s.id, s.name || s.id]));
  const add = (kind: Step["kind"]) => (e: MouseEvent) => {
    e.stopPropagation();
    useEditor.getState().addStep(id, kind);
  };
  return (
    <NodeShell id={id} kind="stage" selected={selected}>
      <Handle type="target" position={Position.Left} />
      <NodeHeader kind="stage" icon={<StageIcon size={13} />} title={data.node.name || id}>
        {node?.sla && (
          <span className="wf-chip" title="SLA target">
            <ClockIcon size={10} /> {formatMinutes(node.sla.target_minutes)}
          </span>
        )}
      </NodeHeader>
      {node?.owner && !zoomedOut && <div className="wf-node__meta">Owner: {node.owner}</div>}
      {zoomedOut ? (
        <div className="wf-node__summary">{steps.length} step{steps.length === 1 ? "" : "s"}</div>
      ) : (
        <>
          <ul className="wf-steps">
            {steps.map((step, index) => (
              <StepRow key={step.id} nodeId={id} step={step} index={index} count={steps.length}
                names={names} selected={selectedStep === step.id} />
            ))}
            {steps.length === 0 && <li className="wf-steps__empty">No steps yet</li>}
          </ul>
          {!readOnly && (
            <div className="wf-node__actions nodrag">
              <button type="button" onClick={add("interactive")} data-testid={`add-step-interactive-${id}`}>
                <PersonIcon size={11} /> Task
              </button>
              <button type="button" onClick={add("background")} data-testid={`add-step-background-${id}`}>
                <GearIcon size={11} /> Automation
              </button>
              <button type="button" onClick={(e) => { e.stopPropagation(); addAiStep(id); }} data-testid={`add-step-ai-${id}`}
                title="An AI step (classify, extract, summarise, draft) with a review step for when it is not sure">
                AI step
              </button>
            </div>
          )}
        </>
      )}
      <Handle type="source" position={Position.Right} />
    </NodeShell>
  );
}

export function formatMinutes(minutes: number): string {
  if (minutes < 60) return `${minutes}m`;
  if (minutes < 60 * 24) return `${+(minutes / 60).toFixed(1)}h`;
  return `${+(minutes / 1440).toFixed(1)}d`;
}

export default memo(StageNodeView);
