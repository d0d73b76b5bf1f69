// What the editor takes from and gives back to the server: loading a workflow, the
// document to save, validation problems, saved revision, versions and the diff overlay.
import { flowToWorkflow, workflowToFlow } from "../model/convert";
import { indexProblems } from "./editorGraph";
import { nextDocId } from "./editorHistory";
import { initialEditorState, type EditorActions, type GetEditor, type SetEditor } from "./editorState";

type ServerSync = Pick<
  EditorActions,
  "load" | "workflow" | "setProblems" | "markSaved" | "setRevision" | "setVersions" | "setDiff"
>;

export function editorSync(set: SetEditor, get: GetEditor): ServerSync {
  return {
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
}
