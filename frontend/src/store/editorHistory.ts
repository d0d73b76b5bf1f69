// The editor's undo history: snapshots of the document before each change, coalescing
// edits with the same key (typing in one field) into one undo step.
import type { EditorActions, EditorState, GetEditor, SetEditor, Snapshot } from "./editorState";
import { stepOf } from "./editorGraph";

const HISTORY_LIMIT = 200;
/** Edits with the same key within this window (typing in one field) undo together. */
const COALESCE_MS = 1200;

let docCounter = 0;
export const nextDocId = () => ++docCounter;

export type Commit = (key?: string) => void;

export function editorHistory(
  set: SetEditor, get: GetEditor,
): Pick<EditorActions, "commit" | "undo" | "redo"> {
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

  return {
    commit,

    undo() {
      travel("past", "future");
    },

    redo() {
      travel("future", "past");
    },
  };
}
