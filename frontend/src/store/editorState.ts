// The editor store's shape, its actions and its empty state.
import type { StoreApi } from "zustand";
import type { FlowEdge, FlowNode } from "../model/convert";
import type { Connection, EdgeChange, NodeChange } from "@xyflow/react";
import type {
  NodeKind, Outcome, Point, Problem, Step, WfEdge, WfNode, Workflow, WorkflowMeta,
} from "../model/types";

export interface Snapshot {
  meta: WorkflowMeta;
  nodes: FlowNode[];
  edges: FlowEdge[];
  docId: number;
}

export interface StepRef {
  nodeId: string;
  stepId: string;
}

export type Mark = { severity: "error" | "warning"; count: number; messages: string[] };

export interface ProblemIndex {
  nodes: Record<string, Mark>;
  edges: Record<string, Mark>;
  steps: Record<string, Mark>;
}

export type DiffStatus = "added" | "removed" | "changed";

export interface DiffView {
  from: string;
  to: string;
  nodes: FlowNode[];
  edges: FlowEdge[];
  status: Record<string, DiffStatus>;
  fields: Record<string, string[]>;
  /** What to call each changed element ("n:<id>" or "e:<id>"). */
  labels: Record<string, string>;
}

export interface PendingOutcome {
  source: string;
  target: string;
  options: Outcome[];
}

export interface Clipboard {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

export interface LoadedDetail {
  id: string;
  revision: number;
  workflow: Workflow;
  active_version: number | null;
  latest_version: number | null;
  problems: Problem[];
}

export interface EditorState {
  workflowId: string | null;
  revision: number | null;
  activeVersion: number | null;
  latestVersion: number | null;
  meta: WorkflowMeta;
  nodes: FlowNode[];
  edges: FlowEdge[];
  selectedStep: StepRef | null;
  past: Snapshot[];
  future: Snapshot[];
  /** Identifies the document's content: equal ids mean equal documents. */
  docId: number;
  savedDocId: number;
  dragging: boolean;
  lastCommit: { key: string; at: number } | null;
  clipboard: Clipboard | null;
  problems: Problem[];
  problemIndex: ProblemIndex;
  pendingOutcome: PendingOutcome | null;
  diff: DiffView | null;
}

export type ConnectResult = "created" | "choose-outcome" | "rejected";

export interface EditorActions {
  load(detail: LoadedDetail): void;
  workflow(): Workflow;
  onNodesChange(changes: NodeChange<FlowNode>[]): void;
  onEdgesChange(changes: EdgeChange<FlowEdge>[]): void;
  commit(key?: string): void;
  undo(): void;
  redo(): void;
  addNode(kind: NodeKind, position: Point): string;
  updateNode(id: string, update: (node: WfNode) => WfNode, key?: string): void;
  updateEdge(id: string, update: (edge: WfEdge) => WfEdge, key?: string): void;
  updateMeta(update: (meta: WorkflowMeta) => WorkflowMeta, key?: string): void;
  connect(connection: Connection): ConnectResult;
  chooseOutcome(outcomeId: string | null): void;
  setEdgeGoto(id: string, goto: boolean): void;
  addStep(nodeId: string, kind: Step["kind"]): string | null;
  updateStep(ref: StepRef, update: (step: Step) => Step, key?: string): void;
  removeStep(ref: StepRef): void;
  moveStep(ref: StepRef, delta: number): void;
  selectStep(ref: StepRef | null): void;
  select(ids: { nodes?: string[]; edges?: string[] }): void;
  selectAll(): void;
  deleteSelection(): void;
  copySelection(): number;
  paste(offset?: Point): string[];
  setPositions(positions: Record<string, Point>): void;
  setProblems(problems: Problem[]): void;
  markSaved(revision: number, docId: number): void;
  setRevision(revision: number): void;
  setVersions(active: number | null, latest: number | null): void;
  setDiff(diff: DiffView | null): void;
}

export type EditorStore = EditorState & EditorActions;

/** The store's setter and getter, as each part of the store receives them. */
export type SetEditor = StoreApi<EditorStore>["setState"];
export type GetEditor = () => EditorStore;

export const EMPTY_INDEX: ProblemIndex = { nodes: {}, edges: {}, steps: {} };

const emptyMeta: WorkflowMeta = { id: "", name: "" };

export const initialEditorState: EditorState = {
  workflowId: null,
  revision: null,
  activeVersion: null,
  latestVersion: null,
  meta: emptyMeta,
  nodes: [],
  edges: [],
  selectedStep: null,
  past: [],
  future: [],
  docId: 0,
  savedDocId: 0,
  dragging: false,
  lastCommit: null,
  clipboard: null,
  problems: [],
  problemIndex: EMPTY_INDEX,
  pendingOutcome: null,
  diff: null,
};
