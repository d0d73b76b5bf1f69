// The editor's state: the document being edited (as React Flow nodes and edges plus the
// workflow-level fields), its undo history, selection of a step, validation problems and
// the diff overlay. No I/O here: components call the API and hand results to the actions.
import {
  applyEdgeChanges, applyNodeChanges, type Connection, type EdgeChange, type NodeChange,
} from "@xyflow/react";
import { create } from "zustand";
import {
  flowToWorkflow, toFlowEdge, toFlowNode, withMeasuredHandles, workflowToFlow, type FlowEdge,
  type FlowNode,
} from "../model/convert";
import { createNode, createOutcome, createStep, uniqueId } from "../model/defaults";
import {
  allOutcomes, type DecisionNode, type EdgeKind, type NodeKind, type Outcome, type Point,
  type Problem, type StageNode, type Step, type WfEdge, type WfNode, type Workflow,
  type WorkflowMeta,
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

const HISTORY_LIMIT = 200;
/** Edits with the same key within this window (typing in one field) undo together. */
const COALESCE_MS = 1200;

let docCounter = 0;
const nextDocId = () => ++docCounter;

const EMPTY_INDEX: ProblemIndex = { nodes: {}, edges: {}, steps: {} };

export function indexProblems(problems: readonly Problem[]): ProblemIndex {
  const index: ProblemIndex = { nodes: {}, edges: {}, steps: {} };
  const mark = (table: Record<string, Mark>, id: string, problem: Problem) => {
    const current = table[id];
    if (!current) {
      table[id] = { severity: problem.severity, count: 1, messages: [problem.message] };
      return;
    }
    current.count += 1;
    current.messages.push(problem.message);
    if (problem.severity === "error") current.severity = "error";
  };
  for (const problem of problems) {
    if (problem.node_id) mark(index.nodes, problem.node_id, problem);
    if (problem.edge_id) mark(index.edges, problem.edge_id, problem);
    if (problem.step_id) mark(index.steps, problem.step_id, problem);
  }
  return index;
}

/** Whether `to` is reachable from `from` over edges that are not go-tos. */
export function reaches(edges: readonly FlowEdge[], from: string, to: string): boolean {
  if (from === to) return true;
  const out = new Map<string, string[]>();
  for (const edge of edges) {
    if (edge.data?.edge.kind === "goto") continue;
    const list = out.get(edge.source);
    if (list) list.push(edge.target);
    else out.set(edge.source, [edge.target]);
  }
  const seen = new Set<string>([from]);
  const queue = [from];
  while (queue.length) {
    const current = queue.pop()!;
    for (const next of out.get(current) ?? []) {
      if (next === to) return true;
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return false;
}

function allStepIds(nodes: readonly FlowNode[]): Set<string> {
  const ids = new Set<string>();
  for (const node of nodes) {
    const wf = node.data.node;
    if (wf.kind === "stage") for (const step of wf.steps ?? []) ids.add(step.id);
  }
  return ids;
}

function withNode(node: FlowNode, wf: WfNode): FlowNode {
  return { ...node, data: { node: wf } };
}

function withEdge(edge: FlowEdge, wf: WfEdge): FlowEdge {
  return { ...edge, source: wf.source, target: wf.target, data: { edge: wf } };
}

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

export const createEditorStore = () =>
  create<EditorStore>()((set, get) => {
    /** Record the current document in history before a change. */
    const commit = (key?: string) => {
      const state = get();
      const now = Date.now();
      const coalesce =
        key !== undefined &&
        state.lastCommit?.key === key &&
        now - state.lastCommit.at < COALESCE_MS &&
        state.future.length === 0;
      const docId = nextDocId();
      if (coalesce) {
        set({ docId, lastCommit: { key: key!, at: now } });
        return;
      }
      const snapshot: Snapshot = {
        meta: state.meta, nodes: state.nodes, edges: state.edges, docId: state.docId,
      };
      const past = [...state.past, snapshot];
      if (past.length > HISTORY_LIMIT) past.shift();
      set({ past, future: [], docId, lastCommit: key === undefined ? null : { key, at: now } });
    };

    const restore = (snapshot: Snapshot) => {
      const selected = new Set(get().nodes.filter((n) => n.selected).map((n) => n.id));
      const ref = get().selectedStep;
      set({
        meta: snapshot.meta,
        nodes: snapshot.nodes.map((n) =>
          Boolean(n.selected) === selected.has(n.id) ? n : { ...n, selected: selected.has(n.id) },
        ),
        edges: snapshot.edges,
        docId: snapshot.docId,
        lastCommit: null,
        selectedStep:
          ref && snapshot.nodes.some((n) => n.id === ref.nodeId && stepOf(n, ref.stepId))
            ? ref
            : null,
      });
    };

    const current = (): Snapshot => {
      const s = get();
      return { meta: s.meta, nodes: s.nodes, edges: s.edges, docId: s.docId };
    };

    // Undo and redo: the latest snapshot of one stack comes back, the present goes on the other.
    const travel = (from: "past" | "future", to: "past" | "future") => {
      const stack = get()[from];
      if (!stack.length) return;
      const back = stack[stack.length - 1];
      set({ [from]: stack.slice(0, -1), [to]: [...get()[to], current()] } as Pick<EditorState, "past" | "future">);
      restore(back);
    };

    const createEdge = (source: string, target: string, kind: EdgeKind, outcome: string | null) => {
      const state = get();
      const taken = new Set(state.edges.map((e) => e.id));
      const base = `e_${source}_${target}`;
      const id = taken.has(base) ? uniqueId(base, taken) : base;
      const goto = reaches(state.edges, target, source);
      const edge: WfEdge = {
        id, source, target, kind: goto ? "goto" : kind, outcome, label: "",
      };
      commit();
      set({
        edges: [
          ...get().edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
          { ...toFlowEdge(edge), selected: true },
        ],
        pendingOutcome: null,
      });
    };

    const updateNodeData = (id: string, update: (node: WfNode) => WfNode, key?: string) => {
      const node = get().nodes.find((n) => n.id === id);
      if (!node) return;
      const next = update(node.data.node);
      if (next === node.data.node) return;
      commit(key);
      set({ nodes: get().nodes.map((n) => (n.id === id ? withNode(n, next) : n)) });
    };

    return {
      ...initialEditorState,

      load(detail) {
        const { meta, nodes, edges } = workflowToFlow(detail.workflow);
        const docId = nextDocId();
        set({
          ...initialEditorState,
          workflowId: detail.id,
          revision: detail.revision,
          activeVersion: detail.active_version,
          latestVersion: detail.latest_version,
          meta, nodes, edges, docId, savedDocId: docId,
          problems: detail.problems,
          problemIndex: indexProblems(detail.problems),
          clipboard: get().clipboard,
        });
      },

      workflow() {
        const s = get();
        return flowToWorkflow(s.meta, s.nodes, s.edges);
      },

      onNodesChange(changes) {
        const state = get();
        const measured = new Map<string, { width: number; height: number }>();
        for (const c of changes) if (c.type === "dimensions" && c.dimensions) measured.set(c.id, c.dimensions);
        if (state.diff) {
          // The diff overlay is read-only: let React Flow measure and select, nothing more.
          const allowed = changes.filter((c) => c.type === "dimensions" || c.type === "select");
          set({ diff: { ...state.diff, nodes: withMeasuredHandles(applyNodeChanges(allowed, state.diff.nodes), measured) } });
          return;
        }
        let dragging = state.dragging;
        const moves = changes.filter((c) => c.type === "position");
        const removals = changes.filter((c) => c.type === "remove");
        if (removals.length) return; // deletion goes through deleteSelection
        if (moves.length && !state.dragging) {
          commit();
          dragging = moves.some((c) => c.type === "position" && c.dragging);
        } else if (moves.length && moves.every((c) => c.type === "position" && !c.dragging)) {
          dragging = false;
        }
        const nodes = withMeasuredHandles(applyNodeChanges(changes, get().nodes), measured);
        const selectionChanged = changes.some((c) => c.type === "select");
        const ref = get().selectedStep;
        set({
          nodes,
          dragging,
          selectedStep:
            selectionChanged && ref && !nodes.some((n) => n.id === ref.nodeId && n.selected)
              ? null
              : ref,
        });
      },

      onEdgesChange(changes) {
        const kept = changes.filter((c) => c.type !== "remove");
        if (!kept.length) return;
        const diff = get().diff;
        if (diff) {
          set({ diff: { ...diff, edges: applyEdgeChanges(kept, diff.edges) } });
          return;
        }
        set({ edges: applyEdgeChanges(kept, get().edges) });
      },

      commit,

      undo() {
        travel("past", "future");
      },

      redo() {
        travel("future", "past");
      },

      addNode(kind, position) {
        const state = get();
        if (kind === "start" && state.nodes.some((n) => n.type === "start")) return "";
        const id = uniqueId(kind, new Set(state.nodes.map((n) => n.id)));
        commit();
        const node = { ...toFlowNode(createNode(kind, id, position)), selected: true };
        set({
          nodes: [...get().nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node],
          edges: get().edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
          selectedStep: null,
        });
        return id;
      },

      updateNode(id, update, key) {
        updateNodeData(id, update, key);
      },

      updateEdge(id, update, key) {
        const edge = get().edges.find((e) => e.id === id);
        if (!edge?.data) return;
        const next = update(edge.data.edge);
        if (next === edge.data.edge) return;
        commit(key);
        set({ edges: get().edges.map((e) => (e.id === id ? withEdge(e, next) : e)) });
      },

      updateMeta(update, key) {
        const next = update(get().meta);
        if (next === get().meta) return;
        commit(key);
        set({ meta: next });
      },

      connect({ source, target }) {
        const state = get();
        if (!source || !target || state.diff) return "rejected";
        const byId = new Map(state.nodes.map((n) => [n.id, n.data.node]));
        const from = byId.get(source);
        const to = byId.get(target);
        if (!from || !to || to.kind === "start" || from.kind === "end") return "rejected";
        if (from.kind !== "decision") {
          if (state.edges.some((e) => e.source === source && e.target === target)) return "rejected";
          createEdge(source, target, "next", null);
          return "created";
        }
        const used = new Set(
          state.edges.filter((e) => e.source === source).map((e) => e.data?.edge.outcome),
        );
        const free = allOutcomes(from).filter((o) => !used.has(o.id));
        if (free.length === 1) {
          createEdge(source, target, "outcome", free[0].id);
          return "created";
        }
        if (free.length > 1) {
          set({ pendingOutcome: { source, target, options: free } });
          return "choose-outcome";
        }
        // Every outcome has its edge: a new connection means a new outcome.
        const outcomes = from.outcomes ?? [];
        const outcome = createOutcome(
          new Set(allOutcomes(from).map((o) => o.id)), allOutcomes(from).length,
        );
        commit();
        set({
          nodes: get().nodes.map((n) =>
            n.id === source
              ? withNode(n, { ...(from as DecisionNode), outcomes: [...outcomes, outcome] })
              : n,
          ),
        });
        // One undo step for the outcome and its edge.
        const past = get().past;
        createEdge(source, target, "outcome", outcome.id);
        set({ past, future: [] });
        return "created";
      },

      chooseOutcome(outcomeId) {
        const pending = get().pendingOutcome;
        if (!pending) return;
        if (outcomeId === null) {
          set({ pendingOutcome: null });
          return;
        }
        createEdge(pending.source, pending.target, "outcome", outcomeId);
      },

      setEdgeGoto(id, goto) {
        const state = get();
        const edge = state.edges.find((e) => e.id === id);
        if (!edge?.data) return;
        const source = state.nodes.find((n) => n.id === edge.source);
        const fallback: EdgeKind = source?.data.node.kind === "decision" ? "outcome" : "next";
        get().updateEdge(id, (e) => ({ ...e, kind: goto ? "goto" : fallback }));
      },

      addStep(nodeId, kind) {
        const node = get().nodes.find((n) => n.id === nodeId);
        if (!node || node.data.node.kind !== "stage") return null;
        const id = uniqueId(kind === "background" ? "auto" : "task", allStepIds(get().nodes));
        const step = createStep(kind, id);
        updateNodeData(nodeId, (n) => ({
          ...(n as StageNode), steps: [...((n as StageNode).steps ?? []), step],
        }));
        set({ selectedStep: { nodeId, stepId: id } });
        return id;
      },

      updateStep(ref, update, key) {
        let newId = ref.stepId;
        updateNodeData(
          ref.nodeId,
          (n) => {
            const stage = n as StageNode;
            let changed = false;
            const steps = (stage.steps ?? []).map((s) => {
              if (s.id !== ref.stepId) return s;
              const next = update(s);
              changed = next !== s;
              newId = next.id;
              return next;
            });
            return changed ? { ...stage, steps } : n;
          },
          key,
        );
        const sel = get().selectedStep;
        if (newId !== ref.stepId && sel?.nodeId === ref.nodeId && sel.stepId === ref.stepId) {
          // The step's id was edited: keep it selected under its new id.
          set({ selectedStep: { nodeId: ref.nodeId, stepId: newId } });
        }
      },

      removeStep(ref) {
        updateNodeData(ref.nodeId, (n) => {
          const stage = n as StageNode;
          const steps = (stage.steps ?? [])
            .filter((s) => s.id !== ref.stepId)
            .map((s) =>
              s.after?.includes(ref.stepId)
                ? { ...s, after: s.after.filter((a) => a !== ref.stepId) }
                : s,
            );
          return { ...stage, steps };
        });
        const sel = get().selectedStep;
        if (sel?.stepId === ref.stepId) set({ selectedStep: null });
      },

      moveStep(ref, delta) {
        updateNodeData(ref.nodeId, (n) => {
          const stage = n as StageNode;
          const steps = [...(stage.steps ?? [])];
          const index = steps.findIndex((s) => s.id === ref.stepId);
          const target = index + delta;
          if (index < 0 || target < 0 || target >= steps.length) return n;
          const [step] = steps.splice(index, 1);
          steps.splice(target, 0, step);
          return { ...stage, steps };
        });
      },

      selectStep(ref) {
        if (ref) get().select({ nodes: [ref.nodeId] });
        set({ selectedStep: ref });
      },

      select({ nodes = [], edges = [] }) {
        const n = new Set(nodes);
        const e = new Set(edges);
        set({
          nodes: get().nodes.map((node) =>
            Boolean(node.selected) === n.has(node.id) ? node : { ...node, selected: n.has(node.id) },
          ),
          edges: get().edges.map((edge) =>
            Boolean(edge.selected) === e.has(edge.id) ? edge : { ...edge, selected: e.has(edge.id) },
          ),
          selectedStep: null,
        });
      },

      selectAll() {
        set({
          nodes: get().nodes.map((n) => (n.selected ? n : { ...n, selected: true })),
          edges: get().edges.map((e) => (e.selected ? e : { ...e, selected: true })),
        });
      },

      deleteSelection() {
        const state = get();
        if (state.diff) return;
        const doomed = new Set(
          state.nodes.filter((n) => n.selected && n.type !== "start").map((n) => n.id),
        );
        const edges = state.edges.filter(
          (e) => !e.selected && !doomed.has(e.source) && !doomed.has(e.target),
        );
        if (!doomed.size && edges.length === state.edges.length) return;
        commit();
        set({
          nodes: state.nodes.filter((n) => !doomed.has(n.id)),
          edges,
          selectedStep: null,
        });
      },

      copySelection() {
        const state = get();
        const nodes = state.nodes.filter((n) => n.selected && n.type !== "start");
        const ids = new Set(nodes.map((n) => n.id));
        const edges = state.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
        if (!nodes.length) return 0;
        set({ clipboard: { nodes, edges } });
        return nodes.length;
      },

      paste(offset = { x: 40, y: 40 }) {
        const state = get();
        const clip = state.clipboard;
        if (!clip || state.diff) return [];
        const nodeIds = new Set(state.nodes.map((n) => n.id));
        const edgeIds = new Set(state.edges.map((e) => e.id));
        const stepIds = allStepIds(state.nodes);
        const idMap = new Map<string, string>();
        const pasted: FlowNode[] = clip.nodes.map((original) => {
          const wf = original.data.node;
          const id = uniqueId(wf.id.replace(/_\d+$/, ""), nodeIds);
          nodeIds.add(id);
          idMap.set(wf.id, id);
          let copy: WfNode = { ...wf, id };
          if (copy.kind === "stage") {
            const stepMap = new Map<string, string>();
            for (const step of copy.steps ?? []) {
              const stepId = uniqueId(step.id.replace(/_\d+$/, ""), stepIds);
              stepIds.add(stepId);
              stepMap.set(step.id, stepId);
            }
            copy = {
              ...copy,
              steps: (copy.steps ?? []).map((s) => ({
                ...s,
                id: stepMap.get(s.id)!,
                after: (s.after ?? []).map((a) => stepMap.get(a) ?? a),
              })),
            };
          }
          return {
            ...toFlowNode({
              ...copy,
              position: {
                x: original.position.x + offset.x,
                y: original.position.y + offset.y,
              },
            }),
            selected: true,
          };
        });
        const pastedEdges: FlowEdge[] = clip.edges.map((original) => {
          const wf = original.data!.edge;
          const source = idMap.get(wf.source)!;
          const target = idMap.get(wf.target)!;
          const id = uniqueId(`e_${source}_${target}`, edgeIds);
          edgeIds.add(id);
          return { ...toFlowEdge({ ...wf, id, source, target }), selected: true };
        });
        commit();
        set({
          nodes: [...state.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...pasted],
          edges: [...state.edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...pastedEdges],
          selectedStep: null,
          // Pasting again offsets from the copies, so repeated pastes do not stack up.
          clipboard: { nodes: pasted.map((n) => ({ ...n, selected: false })), edges: pastedEdges },
        });
        return pasted.map((n) => n.id);
      },

      setPositions(positions) {
        commit();
        set({
          nodes: get().nodes.map((n) =>
            positions[n.id] ? { ...n, position: { ...positions[n.id] } } : n,
          ),
        });
      },

      setProblems(problems) {
        set({ problems, problemIndex: indexProblems(problems) });
      },

      markSaved(revision, docId) {
        set({ revision, savedDocId: docId });
      },

      setRevision(revision) {
        set({ revision });
      },

      setVersions(active, latest) {
        set({ activeVersion: active, latestVersion: latest });
      },

      setDiff(diff) {
        set({ diff, selectedStep: null });
      },
    };
  });

export function stepOf(node: FlowNode, stepId: string): Step | undefined {
  const wf = node.data.node;
  return wf.kind === "stage" ? (wf.steps ?? []).find((s) => s.id === stepId) : undefined;
}

/** The one store of the running app. Tests create their own with createEditorStore. */
export const useEditor = createEditorStore();

export const selectDirty = (s: EditorState) => s.docId !== s.savedDocId;
export const selectCanUndo = (s: EditorState) => s.past.length > 0;
export const selectCanRedo = (s: EditorState) => s.future.length > 0;
