// The Workflow JSON as the canvas holds it. Every shape and vocabulary comes from the
// generated types (src/generated, made from `baton schema` and `baton openapi`); this
// module only names them for the canvas and narrows what the canvas always fills in.
// Kept as plain data: nodes on the canvas carry these objects unchanged.
import type * as Api from "../generated/api";
import type * as Doc from "../generated/workflow";
import {
  edgeKindValues, escalationActionKindValues, fieldTypeValues, operatorValues, routingStrategyValues,
} from "../generated/workflow";

export type FieldType = Doc.FieldType;
export const FIELD_TYPES: readonly FieldType[] = fieldTypeValues;

export type Operator = Doc.Operator;
export const OPERATORS: readonly Operator[] = operatorValues;

export type Rule = Doc.Rule;
export type Group = Doc.Group;
export type Condition = Group;

export type CaseField = Doc.CaseField;
export type FormField = Doc.FormField;
export type Trigger = Doc.Trigger;
export type Position = Doc.Position;
/** A point on the canvas: both coordinates, which a stored position may leave at 0. */
export type Point = Required<Position>;
export type SLA = Doc.Sla;
export type RetryPolicy = Doc.RetryPolicy;
export type StepInput = Doc.StepInput;
export type BackgroundStep = Doc.BackgroundStep;

export type RoutingStrategy = Doc.RoutingStrategy;
export const ROUTING_STRATEGIES: readonly RoutingStrategy[] = routingStrategyValues;

export type Assignment = Doc.Assignment;
export type InteractiveStep = Doc.InteractiveStep;
export type Step = BackgroundStep | InteractiveStep;

export type StartNode = Doc.StartNode;
export type EndNode = Doc.EndNode;
export type StageNode = Doc.StageNode;
export type Outcome = Doc.Outcome;
export type DecisionNode = Doc.DecisionNode;

export type WfNode = StartNode | StageNode | DecisionNode | EndNode;
export type NodeKind = WfNode["kind"];

export type EdgeKind = Doc.EdgeKind;
export const EDGE_KINDS: readonly EdgeKind[] = edgeKindValues;
export type WfEdge = Doc.Edge;

export type EscalationActionKind = Doc.EscalationActionKind;
export const ESCALATION_ACTION_KINDS: readonly EscalationActionKind[] = escalationActionKindValues;
export type EscalationAction = Doc.EscalationAction;
export type EscalationRule = Doc.EscalationRule;

/** A workflow document; the canvas always holds both lists, which a stored document may omit. */
export type Workflow = Doc.Workflow & { nodes: WfNode[]; edges: WfEdge[] };

/** Everything of a workflow but its graph: edited in the workflow panel. */
export type WorkflowMeta = Omit<Workflow, "nodes" | "edges">;

export type Problem = Api.Problem;

/** An action the step panel offers, its input and output schemas read as JSON Schema. */
export type ActionInfo = Omit<Api.ActionInfo, "input_schema" | "output_schema"> & {
  input_schema: JsonSchema;
  output_schema: JsonSchema;
};

/** The part of JSON Schema the step panel reads from an action's input and output schemas. */
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
