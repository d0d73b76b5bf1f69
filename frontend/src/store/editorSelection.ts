// The editor's selection and clipboard: selecting nodes, edges and steps, deleting,
// copying and pasting what is selected.
import { toFlowEdge, toFlowNode, type FlowEdge, type FlowNode } from "../model/convert";
import { uniqueId } from "../model/defaults";
import type { WfNode } from "../model/types";
import { allStepIds } from "./editorGraph";
import type { Commit } from "./editorHistory";
import type { EditorActions, GetEditor, SetEditor } from "./editorState";

type Selection = Pick<
  EditorActions,
  "selectStep" | "select" | "selectAll" | "deleteSelection" | "copySelection" | "paste"
>;

export function editorSelection(set: SetEditor, get: GetEditor, commit: Commit): Selection {
  return {
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
  };
}
