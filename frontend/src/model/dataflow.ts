// The data flow of the workflow being edited (POST /api/design/data-flow), in words.
import { placeOf, type Names } from "./names";

/** A part of the workflow that writes or reads a field (graphs.dataflow.Access). */
export interface Access {
  field: string;
  kind: string;
  what: string;
  node_id?: string | null;
  step_id?: string | null;
  edge_id?: string | null;
  path?: string | null;
  type?: string | null;
}

export interface FieldFlow { field: string; writers: Access[]; readers: Access[] }
export interface DataFlow { complete: boolean; fields: FieldFlow[] }

const HOW: Record<string, string> = { form: "form", output: "output", action: "action", step: "step" };

/** One writer, by name: "Agent Work › Work the case (form)", "the case at creation". */
export function writerWords(access: Access, names: Names): string {
  if (access.kind === "creation") return "the case at creation (required)";
  if (access.step_id || access.node_id) {
    const how = HOW[access.kind];
    return how ? `${placeOf(access, names)} (${how})` : placeOf(access, names);
  }
  return access.what;
}

/** What to say under a rule on `field`: who writes it, or that nothing does. Null when
 * the data flow is not known (yet) or the field is not one a workflow writes. */
export function writtenBy(flow: DataFlow | null, field: string, names: Names): { text: string; none: boolean } | null {
  if (!flow || !(field.startsWith("case.") || field.startsWith("step."))) return null;
  const writers = flow.fields.find((f) => f.field === field)?.writers ?? [];
  if (!writers.length) {
    if (!flow.complete) return null;
    return { text: `Nothing in this workflow writes ${field}: it is set only if the case arrives with it.`, none: true };
  }
  const words = [...new Set(writers.map((w) => writerWords(w, names)))];
  return { text: `Written by ${words.join("; ")}`, none: false };
}
