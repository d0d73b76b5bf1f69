// Workflows drawn in other tools: which files the Import takes, what the import preview
// says, whether an imported workflow needs laying out, and the formats Export offers.
import type { ApiError } from "../api/client";
import { autoLayout } from "../layout/autoLayout";
import { estimateSize, workflowToFlow } from "./convert";
import type { Problem, WfNode, Workflow } from "./types";

export type DocumentFormat = "baton" | "bpmn" | "salesforce";

/** What the file picker offers: Baton JSON, BPMN 2.0 and Salesforce .flow-meta.xml. */
export const IMPORT_ACCEPT = ".json,.bpmn,.xml,application/json,application/xml,text/xml";

export const EXPORT_FORMATS: readonly { format: DocumentFormat; label: string; hint: string }[] = [
  { format: "baton", label: "Baton JSON", hint: "The workflow file (.json)" },
  { format: "bpmn", label: "BPMN 2.0", hint: "For bpmn-js, Camunda Modeler, SpiffArena (.bpmn)" },
  { format: "salesforce", label: "Salesforce orchestration", hint: "Flow Orchestrator metadata (.flow-meta.xml)" },
];

export type ReportKind = "not_imported" | "needs_action" | "kept_as_text" | "approximated" | "unresolved_reference";

/** One element of the source that did not map one to one. */
export interface ReportItem {
  element_id: string;
  element_type: string;
  kind: ReportKind;
  reason: string;
  baton_id?: string | null;
}

/** What `POST /api/workflows/import/preview` answers. */
export interface ImportPreview {
  format: DocumentFormat;
  workflow: Workflow;
  report: ReportItem[];
  problems: Problem[];
  existing_revision: number | null;
}

export const REPORT_KINDS: Record<ReportKind, { label: string; order: number }> = {
  not_imported: { label: "Not imported", order: 0 },
  needs_action: { label: "Needs an action", order: 1 },
  unresolved_reference: { label: "Unresolved reference", order: 2 },
  kept_as_text: { label: "Kept as text", order: 3 },
  approximated: { label: "Approximated", order: 4 },
};

export const FORMAT_LABELS: Record<DocumentFormat, string> = {
  baton: "Baton JSON",
  bpmn: "BPMN 2.0",
  salesforce: "Salesforce orchestration",
};

/** The media type to send a file as: JSON when it reads as JSON, else XML. */
export function contentTypeFor(fileName: string, text: string): string {
  const head = text.replace(/^\uFEFF/, "").trimStart();
  if (head.startsWith("{") || head.startsWith("[")) return "application/json";
  if (head.startsWith("<")) return "application/xml";
  return fileName.toLowerCase().endsWith(".json") ? "application/json" : "application/xml";
}

/** The report, most serious first (what was left out, then what needs work), stable within a kind. */
export function sortReport(items: readonly ReportItem[]): ReportItem[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => (REPORT_KINDS[a.item.kind]?.order ?? 9) - (REPORT_KINDS[b.item.kind]?.order ?? 9) || a.index - b.index)
    .map(({ item }) => item);
}

/** How many report items there are of each kind, in the report's order of seriousness. */
export function countByKind(items: readonly ReportItem[]): { kind: ReportKind; label: string; count: number }[] {
  const counts = new Map<ReportKind, number>();
  for (const item of items) counts.set(item.kind, (counts.get(item.kind) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => (REPORT_KINDS[a]?.order ?? 9) - (REPORT_KINDS[b]?.order ?? 9))
    .map(([kind, count]) => ({ kind, label: REPORT_KINDS[kind]?.label ?? kind, count }));
}

function box(node: WfNode) {
  const { width, height } = estimateSize(node);
  const x = node.position?.x ?? 0;
  const y = node.position?.y ?? 0;
  return { left: x, top: y, right: x + width, bottom: y + height };
}

/** Whether the workflow's positions are missing or unusable: two nodes drawn over each
 * other (all at the origin, as a file without diagram positions gives them). Then the
 * canvas lays it out before it is saved. */
export function needsLayout(workflow: Pick<Workflow, "nodes">): boolean {
  const boxes = workflow.nodes.map(box);
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i];
      const b = boxes[j];
      if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) return true;
    }
  }
  return false;
}

/** The workflow with each node at the position given for it (others untouched). */
export function withPositions(workflow: Workflow, positions: Record<string, { x: number; y: number }>): Workflow {
  return {
    ...workflow,
    nodes: workflow.nodes.map((node) => (positions[node.id] ? { ...node, position: { ...positions[node.id] } } : node)),
  };
}

/** The workflow laid out left to right by the canvas's auto-layout. */
export async function layOut(workflow: Workflow): Promise<Workflow> {
  const { nodes, edges } = workflowToFlow(workflow);
  return withPositions(workflow, await autoLayout(nodes, edges));
}

/** Why a document could not be read, for a person: each issue with its line and column. */
export function importErrorText(error: ApiError | Error): string {
  const issues = (error as ApiError).details?.issues;
  if (!Array.isArray(issues) || issues.length === 0) return error.message;
  const parts = issues.map((raw) => {
    const issue = raw as { message?: string; line?: number; column?: number; path?: string };
    const where = issue.line != null ? `line ${issue.line}${issue.column != null ? `, column ${issue.column}` : ""}: ` : issue.path ? `${issue.path}: ` : "";
    return `${where}${issue.message ?? ""}`;
  });
  return `${error.message}: ${parts.join("; ")}`;
}
