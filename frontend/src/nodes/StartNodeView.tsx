import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import { PlayIcon } from "../components/icons";
import type { FlowNode } from "../model/convert";
import { NodeShell } from "./NodeShell";

function StartNodeView({ id, data, selected }: NodeProps<FlowNode>) {
  return (
    <NodeShell id={id} kind="start" selected={selected}>
      <div className="wf-pill">
        <PlayIcon size={12} />
        <span>{data.node.name || "Start"}</span>
      </div>
      <Handle type="source" position={Position.Right} />
    </NodeShell>
  );
}

export default memo(StartNodeView);
