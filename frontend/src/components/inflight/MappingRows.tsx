import type { IdOption, MappingRow } from "../../model/impact";
import { CloseIcon } from "../icons";

/** The mapping's overrides as rows: an id of the source version -> an id of the target. */
export function MappingRows({ rows, onChange, source, target }: {
  rows: MappingRow[];
  onChange: (rows: MappingRow[]) => void;
  source: IdOption[];
  target: IdOption[];
}) {
  const set = (i: number, patch: Partial<MappingRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="mapping-rows" data-testid="mapping-rows">
      {rows.length === 0 && <span className="wf-muted">Every node and step maps to the one with the same id.</span>}
      {rows.map((row, i) => (
        <div key={i} className="mapping-row" data-testid={`mapping-row-${i}`}>
          <select value={row.from} onChange={(e) => set(i, { from: e.target.value })} aria-label="Old id" data-testid={`mapping-from-${i}`}>
            <option value="">Old node or step…</option>
            {source.map((o) => <option key={o.id} value={o.id}>{o.label} · {o.id}</option>)}
          </select>
          <span aria-hidden="true">→</span>
          <select value={row.to} onChange={(e) => set(i, { to: e.target.value })} aria-label="New id" data-testid={`mapping-to-${i}`}>
            <option value="">New node or step…</option>
            {target.filter((o) => !row.from || o.kind === source.find((s) => s.id === row.from)?.kind).map((o) => (
              <option key={o.id} value={o.id}>{o.label} · {o.id}</option>
            ))}
          </select>
          <button type="button" className="icon-btn" aria-label="Remove this row" onClick={() => onChange(rows.filter((_, j) => j !== i))}>
            <CloseIcon size={12} />
          </button>
        </div>
      ))}
      <div>
        <button type="button" className="btn btn--small" onClick={() => onChange([...rows, { from: "", to: "" }])} data-testid="mapping-add">
          + Override a mapping
        </button>
      </div>
    </div>
  );
}
