// The editor's document edits: moving and changing nodes, edges, steps and the
// workflow's own fields, each recorded in the undo history first.
import { applyEdgeChanges, applyNodeChanges } from "@xyflow/react";
import { toFlowEdge, toFlowNode, withMeasuredHandles } from "../model/convert";
import { createNode, createOutcome, createStep, uniqueId } from "../model/defaults";
import {
  allOutcomes, type DecisionNode, type EdgeKind, type StageNode, type WfEdge, type WfNode,
} from "../model/types";
import { allStepIds, reaches, withEdge, withNode } from "./editorGraph";
import type { Commit } from "./editorHistory";
import type { EditorActions, GetEditor, SetEditor } from "./editorState";

type DocumentEdits = Pick<
  EditorActions,
  | "onNodesChange" | "onEdgesChange" | "addNode" | "updateNode" | "updateEdge" | "updateMeta"
  | "connect" | "chooseOutcome" | "setEdgeGoto" | "addStep" | "updateStep" | "removeStep"
  | "moveStep" | "setPositions"
>;

export function editorEdits(set: SetEditor, get: GetEditor, commit: Commit): DocumentEdits {
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

    setPositions(positions) {
      commit();
      set({
        nodes: get().nodes.map((n) =>
          positions[n.id] ? { ...n, position: { ...positions[n.id] } } : n,
        ),
      });
    },
  };
}
