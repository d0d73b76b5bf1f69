// Defaults for new nodes, steps and outcomes, and unique id generation.
import type {
  BackgroundStep, DecisionNode, InteractiveStep, NodeKind, Outcome, Position, Step, WfNode,
} from "./types";

/** The first `${prefix}_${n}` not in `taken`. */
export function uniqueId(prefix: string, taken: ReadonlySet<string>): string {
  const base = prefix.replace(/[^A-Za-z0-9_-]/g, "_").replace(/^([^A-Za-z_])/, "_$1") || "id";
  for (let n = 1; ; n++) {
    const candidate = `${base}_${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** A readable identifier from a name: "Customer reply" -> "customer_reply". */
export function slugify(name: string): string {
  const slug = name.trim().toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  return /^[a-z_]/.test(slug) ? slug : `w_${slug || "workflow"}`;
}

export function createNode(kind: NodeKind, id: string, position: Position): WfNode {
  switch (kind) {
    case "start":
      return { id, kind, name: "Start", description: "", position };
    case "stage":
      return {
        id, kind, name: "New stage", description: "", position,
        steps: [], entry_condition: null, exit_condition: null, owner: null, sla: null,
      };
    case "decision": {
      const node: DecisionNode = {
        id, kind, name: "Decision", description: "", position,
        outcomes: [{ id: "yes", label: "Yes", condition: null }],
        default_outcome: { id: "otherwise", label: "Otherwise", condition: null },
      };
      return node;
    }
    case "end":
      return { id, kind, name: "End", description: "", position, resolution: "resolved" };
  }
}

export function createStep(kind: Step["kind"], id: string): Step {
  if (kind === "background") {
    const step: BackgroundStep = {
      id, name: "New background step", after: [], entry_condition: null,
      kind, action: "set_fields", inputs: {},
      retry: { max_attempts: 3, initial_backoff_seconds: 1, backoff_multiplier: 2, max_backoff_seconds: 300 },
      timeout_seconds: 60,
    };
    return step;
  }
  const step: InteractiveStep = {
    id, name: "New task", after: [], entry_condition: null,
    kind, assignment: { queue: null, agent: null, skills: [], strategy: null }, form: [], sla: null,
  };
  return step;
}

export function createOutcome(taken: ReadonlySet<string>, count: number): Outcome {
  return { id: uniqueId("outcome", taken), label: `Outcome ${count + 1}`, condition: null };
}
