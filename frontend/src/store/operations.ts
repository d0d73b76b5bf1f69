// What the editor does with the server: save, reload, publish, activate, compare.
// Each operation calls the API and hands the result to the stores.
import { ApiError, api } from "../api/client";
import { toFlowEdge, toFlowNode } from "../model/convert";
import { changeWords } from "../model/diffText";
import { namesOf } from "../model/names";
import type { WfEdge, WfNode, Workflow } from "../model/types";
import { useEditor, type DiffStatus, type DiffView } from "./editorStore";
import { useUi } from "./uiStore";

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export async function openWorkflow(id: string): Promise<void> {
  const detail = await api.getWorkflow(id);
  useEditor.getState().load(detail);
  useUi.getState().set({
    saveStatus: "idle", saveError: null, conflict: null, publishOpen: false,
    versionsOpen: false, validation: "done",
  });
}

/** Save the draft; `overwrite` saves on top of the revision someone else wrote. */
export async function save(overwrite = false): Promise<boolean> {
  const editor = useEditor.getState();
  const ui = useUi.getState();
  if (!editor.workflowId || editor.revision === null || editor.diff) return false;
  const revision = overwrite && ui.conflict ? ui.conflict.currentRevision : editor.revision;
  const docId = editor.docId;
  ui.set({ saveStatus: "saving", saveError: null });
  try {
    const detail = await api.saveDraft(editor.workflowId, revision, editor.workflow());
    useEditor.getState().markSaved(detail.revision, docId);
    useEditor.getState().setVersions(detail.active_version, detail.latest_version);
    useEditor.getState().setProblems(detail.problems);
    ui.set({ saveStatus: "saved", conflict: null });
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) {
      const current = Number(error.details?.current_revision ?? NaN);
      ui.set({
        saveStatus: "error",
        saveError: "Conflict",
        conflict: { currentRevision: Number.isFinite(current) ? current : revision + 1 },
      });
      return false;
    }
    ui.set({ saveStatus: "error", saveError: messageOf(error) });
    ui.toast(`Save failed: ${messageOf(error)}`, "error");
    return false;
  }
}

export async function reload(): Promise<void> {
  const id = useEditor.getState().workflowId;
  if (id) await openWorkflow(id);
}

export async function publish(note: string): Promise<number | null> {
  const ui = useUi.getState();
  const editor = useEditor.getState();
  if (!editor.workflowId) return null;
  if (editor.docId !== editor.savedDocId && !(await save())) return null;
  ui.set({ publishError: null });
  try {
    const state = useEditor.getState();
    const result = await api.publish(state.workflowId!, state.revision!, note);
    useEditor.getState().setVersions(state.activeVersion, result.version);
    ui.toast(`Published version ${result.version}.`, "success");
    return result.version;
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) {
      const problems = (error.details?.problems ?? []) as never[];
      if (problems.length) useEditor.getState().setProblems(problems);
      ui.set({ publishError: `${error.message}`, problemsOpen: true });
      return null;
    }
    ui.set({ publishError: messageOf(error) });
    return null;
  }
}

/** Make `version` active. Unless `confirmed`, first ask which other active workflows
 * start on the same records: if any, the activation waits for the admin's word
 * (`activationCheck`, a confirm dialog) and this answers false. */
export async function activate(version: number, confirmed = false): Promise<boolean> {
  const id = useEditor.getState().workflowId;
  if (!id) return false;
  try {
    if (!confirmed) {
      const { overlaps } = await api.triggerOverlaps(id, version);
      if (overlaps.length) {
        useUi.getState().set({ activationCheck: { version, overlaps } });
        return false;
      }
    }
    useUi.getState().set({ activationCheck: null });
    const result = await api.activate(id, version);
    const state = useEditor.getState();
    state.setVersions(result.active_version, state.latestVersion);
    useUi.getState().toast(`Version ${result.active_version} is now active.`, "success");
    return true;
  } catch (error) {
    useUi.getState().toast(`Activation failed: ${messageOf(error)}`, "error");
    return false;
  }
}

async function load(id: string, which: string): Promise<Workflow> {
  if (which === "draft") {
    const state = useEditor.getState();
    return state.workflow();
  }
  return (await api.version(id, Number(which))).workflow;
}

/** Compare two versions ("draft" or a number) and overlay the result on the canvas. */
export async function compare(from: string, to: string): Promise<void> {
  const id = useEditor.getState().workflowId;
  if (!id) return;
  try {
    if (from === "draft" || to === "draft") {
      // The diff of the draft is the server's saved draft: save edits first.
      const state = useEditor.getState();
      if (state.docId !== state.savedDocId && !(await save())) return;
    }
    const [diff, before, after] = await Promise.all([
      api.diff(id, from, to), load(id, from), load(id, to),
    ]);
    const status: Record<string, DiffStatus> = {};
    for (const nid of diff.nodes.added) status[`n:${nid}`] = "added";
    for (const nid of diff.nodes.removed) status[`n:${nid}`] = "removed";
    for (const nid of diff.nodes.changed) status[`n:${nid}`] = "changed";
    for (const eid of diff.edges.added) status[`e:${eid}`] = "added";
    for (const eid of diff.edges.removed) status[`e:${eid}`] = "removed";
    for (const eid of diff.edges.changed) status[`e:${eid}`] = "changed";
    // Names from both sides, so a removed step or node is still named.
    const names = namesOf([...after.nodes, ...before.nodes], [...after.edges, ...before.edges]);
    const fields: Record<string, string[]> = {};
    for (const change of diff.changes) fields[`${change.kind === "node" ? "n" : "e"}:${change.id}`] = changeWords(change, names);
    const labels: Record<string, string> = {};
    for (const key of Object.keys(status)) labels[key] = key.startsWith("n:") ? names.node(key.slice(2)) : names.edge(key.slice(2));
    const removedNodes = new Set(diff.nodes.removed);
    const removedEdges = new Set(diff.edges.removed);
    const ghostNodes: WfNode[] = before.nodes.filter((n) => removedNodes.has(n.id));
    const ghostEdges: WfEdge[] = before.edges.filter((e) => removedEdges.has(e.id));
    const view: DiffView = {
      from, to,
      nodes: [...after.nodes, ...ghostNodes].map((n) => ({ ...toFlowNode(n), draggable: false, connectable: false })),
      edges: [...after.edges, ...ghostEdges].map(toFlowEdge),
      status, fields, labels,
    };
    useEditor.getState().setDiff(view);
  } catch (error) {
    useUi.getState().toast(`Could not compare: ${messageOf(error)}`, "error");
  }
}
