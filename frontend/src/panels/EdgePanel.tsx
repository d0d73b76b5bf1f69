import { allOutcomes } from "../model/types";
import { useEditor } from "../store/editorStore";
import { Checkbox, Field, TextInput } from "./fields";

export function EdgePanel({ id }: { id: string }) {
  const edge = useEditor((s) => s.edges.find((e) => e.id === id)?.data?.edge);
  const source = useEditor((s) => (edge ? s.nodes.find((n) => n.id === edge.source)?.data.node : undefined));
  const target = useEditor((s) => (edge ? s.nodes.find((n) => n.id === edge.target)?.data.node : undefined));
  if (!edge) return null;
  const editor = useEditor.getState;
  const outcomes = source?.kind === "decision" ? allOutcomes(source) : [];
  const kind = edge.kind ?? "next";
  return (
    <div className="panel-body" data-testid="edge-panel">
      <div className="panel-kind">
        <span className={`panel-kind__icon panel-kind__icon--edge-${kind}`}>→</span>
        {kind === "goto" ? "Go-to edge" : kind === "outcome" ? "Outcome edge" : "Edge"}
        <span className="panel-kind__id">{edge.id}</span>
      </div>
      <p className="edge-route">
        <strong>{source?.name || edge.source}</strong> → <strong>{target?.name || edge.target}</strong>
      </p>
      {outcomes.length > 0 && (
        <Field label="Outcome" hint="The decision outcome that takes this edge">
          <select className="input" value={edge.outcome ?? ""} data-testid="edge-outcome"
            onChange={(e) => editor().updateEdge(id, (x) => ({ ...x, outcome: e.target.value || null }))}>
            <option value="">(none)</option>
            {outcomes.map((o) => <option key={o.id} value={o.id}>{o.label}</option>)}
          </select>
        </Field>
      )}
      <Checkbox checked={kind === "goto"} label="Go-to: jump back to an earlier node (may close a loop)" testId="edge-goto"
        onChange={(on) => editor().setEdgeGoto(id, on)} />
      <Field label="Label" hint={outcomes.length ? "Shown instead of the outcome's label" : undefined}>
        <TextInput value={edge.label ?? ""} onChange={(v) => editor().updateEdge(id, (x) => ({ ...x, label: v }), `${id}.label`)} testId="edge-label" />
      </Field>
    </div>
  );
}
