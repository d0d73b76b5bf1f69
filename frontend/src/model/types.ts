// TypeScript mirror of graphs/model.py and graphs/conditions.py (the Workflow JSON).
// Kept as plain data: nodes on the canvas carry these objects unchanged.

export type FieldType = "string" | "number" | "boolean" | "date-time" | "picklist";
export const FIELD_TYPES: FieldType[] = ["string", "number", "boolean", "date-time", "picklist"];

export type Operator =
  | "eq" | "ne" | "lt" | "lte" | "gt" | "gte" | "in" | "not_in"
  | "contains" | "not_contains" | "is_set" | "is_not_set" | "changed";

export interface Rule {
  kind: "rule";
  field: string;
  op: Operator;
  value?: unknown;
}

export interface Group {
  kind: "group";
  match: "all" | "any";
  rules: (Rule | Group)[];
}

export type Condition = Group;

export interface CaseField {
  name: string;
  label?: string;
  type?: FieldType;
  values?: string[];
  required?: boolean;
  description?: string;
  /** Kept out of the timeline. */
  sensitive?: boolean;
}

export interface FormField {
  name: string;
  label?: string;
  type?: FieldType;
  values?: string[];
  required?: boolean;
  help?: string;
  /** The case field the answer writes; unset: the one of the same name, if of the same type. */
  case_field?: string | null;
  /** False: the answer stays in the step's outputs only. */
  to_case?: boolean;
}

export interface Trigger {
  kind?: "manual" | "record";
  on?: "create" | "update" | "create_or_update";
  condition?: Condition | null;
  source?: string;
}

export interface Position {
  x: number;
  y: number;
}

export interface SLA {
  target_minutes: number;
  warning_minutes?: number | null;
  calendar?: string | null;
}

export interface RetryPolicy {
  max_attempts?: number;
  initial_backoff_seconds?: number;
  backoff_multiplier?: number;
  max_backoff_seconds?: number;
}

export interface StepInput {
  type?: FieldType;
  value?: unknown;
  ref?: string | null;
}

interface StepBase {
  id: string;
  name?: string;
  after?: string[];
  entry_condition?: Condition | null;
}

export interface BackgroundStep extends StepBase {
  kind: "background";
  action: string;
  inputs?: Record<string, StepInput>;
  retry?: RetryPolicy;
  timeout_seconds?: number;
  /** Output name -> the case field it writes when the step completes. */
  outputs_to_case?: Record<string, string>;
}

export type RoutingStrategy = "round_robin" | "load_balanced" | "skills_based" | "pull_next";
export const ROUTING_STRATEGIES: RoutingStrategy[] = [
  "round_robin", "load_balanced", "skills_based", "pull_next",
];

export interface Assignment {
  queue?: string | null;
  agent?: string | null;
  skills?: string[];
  strategy?: RoutingStrategy | null;
}

export interface InteractiveStep extends StepBase {
  kind: "interactive";
  assignment?: Assignment;
  form?: FormField[];
  sla?: SLA | null;
}

export type Step = BackgroundStep | InteractiveStep;

interface NodeBase {
  id: string;
  name?: string;
  description?: string;
  position?: Position;
}

export interface StartNode extends NodeBase {
  kind: "start";
}

export interface EndNode extends NodeBase {
  kind: "end";
  resolution?: string;
}

export interface StageNode extends NodeBase {
  kind: "stage";
  steps?: Step[];
  entry_condition?: Condition | null;
  exit_condition?: Condition | null;
  owner?: string | null;
  sla?: SLA | null;
}

export interface Outcome {
  id: string;
  label: string;
  condition?: Condition | null;
}

export interface DecisionNode extends NodeBase {
  kind: "decision";
  outcomes?: Outcome[];
  default_outcome?: Outcome | null;
}

export type WfNode = StartNode | StageNode | DecisionNode | EndNode;
export type NodeKind = WfNode["kind"];

export type EdgeKind = "next" | "outcome" | "goto";

export interface WfEdge {
  id: string;
  source: string;
  target: string;
  kind?: EdgeKind;
  outcome?: string | null;
  label?: string;
}

export type EscalationActionKind = "raise_priority" | "reassign" | "notify" | "goto_stage";

/** One action of an escalation rule (graphs.model.EscalationAction). */
export interface EscalationAction {
  kind: EscalationActionKind;
  queue?: string | null;
  skills?: string[];
  by?: number;
  to?: string | null;
  message?: string;
  node_id?: string | null;
}

/** An escalation rule: fires its actions when its condition becomes true at a stage. */
export interface EscalationRule {
  id: string;
  name?: string;
  condition: Condition;
  actions: EscalationAction[];
  stages?: string[];
}

export interface Workflow {
  id: string;
  name: string;
  description?: string;
  schema_version?: number;
  case_schema?: CaseField[];
  trigger?: Trigger;
  max_visits_per_node?: number;
  escalations?: EscalationRule[];
  nodes: WfNode[];
  edges: WfEdge[];
}

/** Everything of a workflow but its graph: edited in the workflow panel. */
export type WorkflowMeta = Omit<Workflow, "nodes" | "edges">;

export interface Problem {
  code: string;
  severity: "error" | "warning";
  message: string;
  node_id?: string | null;
  edge_id?: string | null;
  step_id?: string | null;
  path?: string | null;
  related?: string[];
}

export interface ActionInfo {
  name: string;
  description: string;
  input_schema: JsonSchema;
  output_schema: JsonSchema;
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  format?: string;
  description?: string;
  title?: string;
  anyOf?: JsonSchema[];
  default?: unknown;
}

export function allOutcomes(node: DecisionNode): Outcome[] {
  return [...(node.outcomes ?? []), ...(node.default_outcome ? [node.default_outcome] : [])];
}
