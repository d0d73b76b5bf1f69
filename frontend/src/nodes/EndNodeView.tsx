import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import { StopIcon } from "../components/icons";
import type { FlowNode } from "../model/convert";
import { NodeShell } from "./NodeShell";

function EndNodeView({ id, data, selected }: NodeProps<FlowNode>) {
  const node = data.node.kind === "end" ? data.node : null;
  return (
    <NodeShell id={id} kind="end" selected={selected}>
      <Handle type="target" position={Position.Left} />
      <div className="wf-pill">
        <StopIcon size={11} />
        <span>{data.node.name || "End"}</span>
      </div>
      {node?.resolution && <div className="wf-pill-sub">{node.resolution}</div>}
    </NodeShell>
  );
}

export default memo(EndNodeView);
