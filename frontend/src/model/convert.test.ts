import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { flowToWorkflow, workflowToFlow } from "./convert";
import type { Workflow } from "./types";

const examples = ["support-case", "insurance-claim", "access-request"];
const load = (name: string): Workflow =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../../graphs/examples/${name}.json`, import.meta.url)), "utf8"));

describe("Workflow JSON <-> React Flow", () => {
  it.each(examples)("round-trips the shipped %s example exactly", (name) => {
    const workflow = load(name);
    const { meta, nodes, edges } = workflowToFlow(workflow);
    const back = flowToWorkflow(meta, nodes, edges);
    expect(back).toEqual(workflow);
    expect(JSON.parse(JSON.stringify(back))).toEqual(workflow);
  });

  it("keeps node and edge order, and every position", () => {
    const workflow = load("support-case");
    const { nodes, edges } = workflowToFlow(workflow);
    expect(nodes.map((n) => n.id)).toEqual(workflow.nodes.map((n) => n.id));
    expect(edges.map((e) => e.id)).toEqual(workflow.edges.map((e) => e.id));
    for (const [i, node] of nodes.entries()) {
      const stored = workflow.nodes[i].position;
      expect(node.position).toEqual({ x: stored?.x ?? 0, y: stored?.y ?? 0 });
      expect(node.type).toBe(workflow.nodes[i].kind);
    }
  });

  it("writes moved positions back into the workflow", () => {
    const workflow = load("support-case");
    const { meta, nodes, edges } = workflowToFlow(workflow);
    const moved = nodes.map((n, i) => (i === 1 ? { ...n, position: { x: 1234.5, y: -20 } } : n));
    const back = flowToWorkflow(meta, moved, edges);
    expect(back.nodes[1].position).toEqual({ x: 1234.5, y: -20 });
    expect({ ...back.nodes[1], position: undefined }).toEqual({ ...workflow.nodes[1], position: undefined });
    expect(back.nodes[2]).toBe(workflow.nodes[2]);
  });

  it("keeps the start node undeletable", () => {
    const { nodes } = workflowToFlow(load("support-case"));
    expect(nodes.find((n) => n.type === "start")?.deletable).toBe(false);
  });
});
