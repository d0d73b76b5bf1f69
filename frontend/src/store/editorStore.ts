// The editor's state: the document being edited (as React Flow nodes and edges plus the
// workflow-level fields), its undo history, selection of a step, validation problems and
// the diff overlay. No I/O here: components call the API and hand results to the actions.
// Each job lives in its own module beside this one; every name stays importable from here.
import { create } from "zustand";
import { editorEdits } from "./editorEdits";
import { editorHistory } from "./editorHistory";
import { editorSelection } from "./editorSelection";
import { initialEditorState, type EditorState, type EditorStore } from "./editorState";
import { editorSync } from "./editorSync";

export { indexProblems, reaches, stepOf } from "./editorGraph";
export {
  initialEditorState,
  type Clipboard, type ConnectResult, type DiffStatus, type DiffView, type EditorActions,
  type EditorState, type EditorStore, type LoadedDetail, type Mark, type PendingOutcome,
  type ProblemIndex, type Snapshot, type StepRef,
} from "./editorState";

export const createEditorStore = () =>
  create<EditorStore>()((set, get) => {
    const history = editorHistory(set, get);
    return {
      ...initialEditorState,
      ...editorSync(set, get),
      ...editorEdits(set, get, history.commit),
      ...history,
      ...editorSelection(set, get, history.commit),
    };
  });

/** The one store of the running app. Tests create their own with createEditorStore. */
export const useEditor = createEditorStore();

export const selectDirty = (s: EditorState) => s.docId !== s.savedDocId;
export const selectCanUndo = (s: EditorState) => s.past.length > 0;
export const selectCanRedo = (s: EditorState) => s.future.length > 0;
