// Pure helpers over the editor's flow document: problem marks, reachability, steps.
import type { FlowEdge, FlowNode } from "../model/convert";
import type { Problem, Step, WfEdge, WfNode } from "../model/types";
import type { Mark, ProblemIndex } from "./editorState";

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

export function allStepIds(nodes: readonly FlowNode[]): Set<string> {
  const ids = new Set<string>();
  for (const node of nodes) {
    const wf = node.data.node;
    if (wf.kind === "stage") for (const step of wf.steps ?? []) ids.add(step.id);
  }
  return ids;
}

export function withNode(node: FlowNode, wf: WfNode): FlowNode {
  return { ...node, data: { node: wf } };
}

export function withEdge(edge: FlowEdge, wf: WfEdge): FlowEdge {
  return { ...edge, source: wf.source, target: wf.target, data: { edge: wf } };
}

export function stepOf(node: FlowNode, stepId: string): Step | undefined {
  const wf = node.data.node;
  return wf.kind === "stage" ? (wf.steps ?? []).find((s) => s.id === stepId) : undefined;
}
