// One registry per node type: its palette entry, its view and its defaults, together.
// `nodeTypes` is built once at module level so React Flow never sees a new object.
import type { ComponentType } from "react";
import type { NodeProps, NodeTypes } from "@xyflow/react";
import { DiamondIcon, PlayIcon, StageIcon, StopIcon } from "../components/icons";
import type { FlowNode } from "../model/convert";
import { createNode } from "../model/defaults";
import type { NodeKind } from "../model/types";
import DecisionNodeView from "./DecisionNodeView";
import EndNodeView from "./EndNodeView";
import StageNodeView from "./StageNodeView";
import StartNodeView from "./StartNodeView";

export interface NodeTypeEntry {
  kind: NodeKind;
  label: string;
  description: string;
  icon: ComponentType<{ size?: number }>;
  view: ComponentType<NodeProps<FlowNode>>;
  /** Shown in the palette (start exists once and is never dragged in). */
  inPalette: boolean;
  create: typeof createNode;
  minimapColor: string;
}

export const nodeRegistry: Record<NodeKind, NodeTypeEntry> = {
  start: {
    kind: "start", label: "Start", description: "Where every run begins",
    icon: PlayIcon, view: StartNodeView, inPalette: false, create: createNode, minimapColor: "#16a34a",
  },
  stage: {
    kind: "stage", label: "Stage", description: "A group of parallel steps",
    icon: StageIcon, view: StageNodeView, inPalette: true, create: createNode, minimapColor: "#3b63c4",
  },
  decision: {
    kind: "decision", label: "Decision", description: "Ordered outcomes, first true wins",
    icon: DiamondIcon, view: DecisionNodeView, inPalette: true, create: createNode, minimapColor: "#b7791f",
  },
  end: {
    kind: "end", label: "End", description: "Finishes the run with a resolution",
    icon: StopIcon, view: EndNodeView, inPalette: true, create: createNode, minimapColor: "#6b7280",
  },
};

export const nodeTypes: NodeTypes = Object.fromEntries(
  Object.values(nodeRegistry).map((entry) => [entry.kind, entry.view]),
) as NodeTypes;

export const paletteEntries = Object.values(nodeRegistry).filter((entry) => entry.inPalette);

/** The drag-and-drop payload type of a palette entry. */
export const PALETTE_MIME = "application/x-baton-node";
