import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import { DiamondIcon } from "../components/icons";
import type { FlowNode } from "../model/convert";
import { NodeHeader, NodeShell } from "./NodeShell";
import { useZoomedOut } from "./useZoomedOut";

function DecisionNodeView({ id, data, selected }: NodeProps<FlowNode>) {
  const zoomedOut = useZoomedOut();
  const node = data.node.kind === "decision" ? data.node : null;
  const outcomes = node?.outcomes ?? [];
  return (
    <NodeShell id={id} kind="decision" selected={selected}>
      <Handle type="target" position={Position.Left} />
      <NodeHeader kind="decision" icon={<DiamondIcon size={13} />} title={data.node.name || id} />
      {!zoomedOut && (
        <ol className="wf-outcomes">
          {outcomes.map((o) => (
            <li key={o.id} className="wf-outcome">
              <span className="wf-outcome__label">{o.label}</span>
              {!o.condition && <span className="wf-muted"> (no rule)</span>}
            </li>
          ))}
          {node?.default_outcome && (
            <li className="wf-outcome wf-outcome--default">
              <span className="wf-outcome__label">{node.default_outcome.label}</span>
              <span className="wf-muted"> default</span>
            </li>
          )}
        </ol>
      )}
      <Handle type="source" position={Position.Right} />
    </NodeShell>
  );
}

export default memo(DecisionNodeView);
