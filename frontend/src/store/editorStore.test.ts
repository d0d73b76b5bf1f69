import { beforeEach, describe, expect, it } from "vitest";
import type { DecisionNode, Problem, StageNode, Workflow } from "../model/types";
import { createEditorStore, selectDirty, type EditorStore } from "./editorStore";

type Store = ReturnType<typeof createEditorStore>;

const base = (): Workflow => ({
  id: "demo",
  name: "Demo",
  description: "",
  schema_version: 1,
  case_schema: [{ name: "priority", type: "picklist", values: ["low", "high"] }],
  nodes: [
    { id: "start", kind: "start", name: "Start", position: { x: 0, y: 0 } },
    {
      id: "triage", kind: "stage", name: "Triage", position: { x: 200, y: 0 },
      steps: [
        { id: "read", kind: "interactive", name: "Read", after: [] },
        { id: "tag", kind: "background", name: "Tag", action: "set_fields", after: ["read"] },
      ],
    },
    {
      id: "check", kind: "decision", name: "Check", position: { x: 400, y: 0 },
      outcomes: [{ id: "urgent", label: "Urgent", condition: null }, { id: "normal", label: "Normal", condition: null }],
      default_outcome: { id: "otherwise", label: "Otherwise", condition: null },
    },
    { id: "done", kind: "end", name: "Done", position: { x: 600, y: 0 } },
  ],
  edges: [
    { id: "e1", source: "start", target: "triage", kind: "next" },
    { id: "e2", source: "triage", target: "check", kind: "next" },
  ],
});

function load(store: Store, workflow = base()): EditorStore {
  store.getState().load({
    id: workflow.id, revision: 3, workflow, active_version: null, latest_version: null, problems: [],
  });
  return store.getState();
}

let store: Store;
beforeEach(() => {
  store = createEditorStore();
  load(store);
});

const s = () => store.getState();
const node = (id: string) => s().nodes.find((n) => n.id === id)!;

describe("dirty tracking", () => {
  it("is clean after load, dirty after an edit, clean again after undo", () => {
    expect(selectDirty(s())).toBe(false);
    s().updateNode("triage", (n) => ({ ...n, name: "Triage!" }));
    expect(selectDirty(s())).toBe(true);
    s().undo();
    expect(selectDirty(s())).toBe(false);
    expect(node("triage").data.node.name).toBe("Triage");
  });

  it("stays dirty when edits happened after the save started", () => {
    s().updateNode("triage", (n) => ({ ...n, name: "A" }));
    const savedDoc = s().docId;
    s().updateNode("triage", (n) => ({ ...n, name: "B" }));
    s().markSaved(4, savedDoc);
    expect(s().revision).toBe(4);
    expect(selectDirty(s())).toBe(true);
    s().markSaved(5, s().docId);
    expect(selectDirty(s())).toBe(false);
  });

  it("does not mark selection changes as edits", () => {
    s().select({ nodes: ["triage"] });
    s().onNodesChange([{ type: "select", id: "check", selected: true }]);
    expect(selectDirty(s())).toBe(false);
    expect(s().past).toHaveLength(0);
  });
});

describe("undo and redo", () => {
  it("undoes and redoes a sequence of edits in order", () => {
    const id = s().addNode("stage", { x: 10, y: 20 });
    s().updateNode(id, (n) => ({ ...n, name: "Review" }));
    expect(s().nodes).toHaveLength(5);
    s().undo();
    expect(node(id).data.node.name).toBe("New stage");
    s().undo();
    expect(s().nodes.find((n) => n.id === id)).toBeUndefined();
    s().redo();
    s().redo();
    expect(node(id).data.node.name).toBe("Review");
    expect(s().future).toHaveLength(0);
  });

  it("coalesces typing in one field into one undo step", () => {
    for (const name of ["T", "Tr", "Tri"]) s().updateNode("triage", (n) => ({ ...n, name }), "triage.name");
    expect(s().past).toHaveLength(1);
    s().undo();
    expect(node("triage").data.node.name).toBe("Triage");
  });

  it("makes a whole drag one undo step", () => {
    s().onNodesChange([{ type: "position", id: "done", position: { x: 610, y: 0 }, dragging: true }]);
    s().onNodesChange([{ type: "position", id: "done", position: { x: 650, y: 5 }, dragging: true }]);
    s().onNodesChange([{ type: "position", id: "done", position: { x: 700, y: 10 }, dragging: false }]);
    expect(node("done").position).toEqual({ x: 700, y: 10 });
    expect(s().past).toHaveLength(1);
    s().undo();
    expect(node("done").position).toEqual({ x: 600, y: 0 });
  });

  it("drops the redo stack after a new edit", () => {
    s().updateNode("done", (n) => ({ ...n, name: "X" }));
    s().undo();
    s().updateNode("done", (n) => ({ ...n, name: "Y" }));
    expect(s().future).toHaveLength(0);
    s().redo();
    expect(node("done").data.node.name).toBe("Y");
  });
});

describe("edge kind rules", () => {
  it("draws a next edge from a stage", () => {
    expect(s().connect({ source: "check", target: "done", sourceHandle: null, targetHandle: null })).toBe("choose-outcome");
    s().chooseOutcome(null);
    const result = s().connect({ source: "triage", target: "done", sourceHandle: null, targetHandle: null });
    expect(result).toBe("created");
    const edge = s().edges.at(-1)!.data!.edge;
    expect(edge).toMatchObject({ source: "triage", target: "done", kind: "next", outcome: null });
  });

  it("asks which outcome when several are free, then labels the edge with it", () => {
    expect(s().connect({ source: "check", target: "done", sourceHandle: null, targetHandle: null })).toBe("choose-outcome");
    expect(s().pendingOutcome?.options.map((o) => o.id)).toEqual(["urgent", "normal", "otherwise"]);
    s().chooseOutcome("normal");
    expect(s().edges.at(-1)!.data!.edge).toMatchObject({ kind: "outcome", outcome: "normal" });
    expect(s().pendingOutcome).toBeNull();
  });

  it("takes the only free outcome without asking, and adds an outcome when none is free", () => {
    const connectTo = (target: string) => s().connect({ source: "check", target, sourceHandle: null, targetHandle: null });
    connectTo("done");
    s().chooseOutcome("urgent");
    connectTo("done");
    s().chooseOutcome("normal");
    expect(connectTo("done")).toBe("created");
    expect(s().edges.at(-1)!.data!.edge.outcome).toBe("otherwise");
    expect(connectTo("done")).toBe("created");
    const decision = node("check").data.node as DecisionNode;
    expect(decision.outcomes).toHaveLength(3);
    expect(s().edges.at(-1)!.data!.edge.outcome).toBe(decision.outcomes![2].id);
  });

  it("makes an edge that closes a cycle a go-to", () => {
    s().connect({ source: "check", target: "triage", sourceHandle: null, targetHandle: null });
    s().chooseOutcome("normal");
    expect(s().edges.at(-1)!.data!.edge).toMatchObject({ kind: "goto", outcome: "normal", target: "triage" });
  });

  it("refuses edges into start and out of an end", () => {
    expect(s().connect({ source: "triage", target: "start", sourceHandle: null, targetHandle: null })).toBe("rejected");
    expect(s().connect({ source: "done", target: "triage", sourceHandle: null, targetHandle: null })).toBe("rejected");
    expect(s().edges).toHaveLength(2);
  });

  it("toggles go-to back to the kind its source implies", () => {
    s().setEdgeGoto("e2", true);
    expect(s().edges[1].data!.edge.kind).toBe("goto");
    s().setEdgeGoto("e2", false);
    expect(s().edges[1].data!.edge.kind).toBe("next");
  });
});

describe("delete, copy and paste", () => {
  it("deletes selected nodes with their edges but never the start", () => {
    s().select({ nodes: ["triage", "start"] });
    s().deleteSelection();
    expect(s().nodes.map((n) => n.id)).toEqual(["start", "check", "done"]);
    expect(s().edges).toHaveLength(0);
    s().undo();
    expect(s().nodes).toHaveLength(4);
    expect(s().edges).toHaveLength(2);
  });

  it("deletes a selected edge only", () => {
    s().select({ edges: ["e2"] });
    s().deleteSelection();
    expect(s().edges.map((e) => e.id)).toEqual(["e1"]);
    expect(s().nodes).toHaveLength(4);
  });

  it("pastes copies with new node, step and edge ids, offset, and internal ties remapped", () => {
    s().select({ nodes: ["triage", "check"] });
    expect(s().copySelection()).toBe(2);
    const ids = s().paste();
    expect(ids).toHaveLength(2);
    expect(new Set(s().nodes.map((n) => n.id)).size).toBe(6);
    const copy = s().nodes.find((n) => n.id === ids[0])!;
    expect(copy.position).toEqual({ x: 240, y: 40 });
    const steps = (copy.data.node as StageNode).steps!;
    const allSteps = s().nodes.flatMap((n) => (n.data.node.kind === "stage" ? n.data.node.steps ?? [] : []));
    expect(new Set(allSteps.map((x) => x.id)).size).toBe(4);
    expect(steps[1].after).toEqual([steps[0].id]);
    const pastedEdge = s().edges.at(-1)!;
    expect([pastedEdge.source, pastedEdge.target]).toEqual(ids);
    expect(s().nodes.filter((n) => n.selected).map((n) => n.id)).toEqual(ids);
  });

  it("does not copy the start node", () => {
    s().select({ nodes: ["start"] });
    expect(s().copySelection()).toBe(0);
  });
});

describe("steps", () => {
  it("adds, reorders and removes steps, cleaning `after` ties", () => {
    const added = s().addStep("triage", "interactive")!;
    expect(s().selectedStep).toEqual({ nodeId: "triage", stepId: added });
    s().moveStep({ nodeId: "triage", stepId: added }, -2);
    const ids = () => ((node("triage").data.node as StageNode).steps ?? []).map((x) => x.id);
    expect(ids()).toEqual([added, "read", "tag"]);
    s().removeStep({ nodeId: "triage", stepId: "read" });
    expect(ids()).toEqual([added, "tag"]);
    expect((node("triage").data.node as StageNode).steps![1].after).toEqual([]);
  });

  it("keeps a step selected when its id is edited", () => {
    s().selectStep({ nodeId: "triage", stepId: "read" });
    s().updateStep({ nodeId: "triage", stepId: "read" }, (st) => ({ ...st, id: "read_it" }));
    expect(s().selectedStep).toEqual({ nodeId: "triage", stepId: "read_it" });
  });
});

/** A problem as the API sends it: the fields a test leaves out are empty. */
function problem(given: Pick<Problem, "code" | "severity" | "message"> & Partial<Problem>): Problem {
  return { node_id: null, edge_id: null, step_id: null, path: null, related: [], field: null, ...given };
}

describe("problems", () => {
  it("indexes problems by node, edge and step with the worst severity", () => {
    s().setProblems([
      problem({ code: "unknown_field", severity: "warning", message: "w", node_id: "triage" }),
      problem({ code: "unknown_action", severity: "error", message: "e", node_id: "triage", step_id: "tag" }),
      problem({ code: "dangling_edge", severity: "error", message: "x", edge_id: "e2" }),
    ]);
    expect(s().problemIndex.nodes.triage).toMatchObject({ severity: "error", count: 2 });
    expect(s().problemIndex.steps.tag.severity).toBe("error");
    expect(s().problemIndex.edges.e2.count).toBe(1);
  });

  it("serialises the edited document back to a workflow", () => {
    s().updateMeta((m) => ({ ...m, name: "Renamed" }));
    const wf = s().workflow();
    expect(wf.name).toBe("Renamed");
    expect(wf.nodes.map((n) => n.id)).toEqual(["start", "triage", "check", "done"]);
  });
});
