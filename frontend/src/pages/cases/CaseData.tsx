// The case record with inline edits (an admin's field update re-evaluates waiting
// conditions at once) and its change history.
import { useEffect, useState } from "react";
import { runsApi, type CaseChange, type CaseRecord } from "../../api/runs";
import type { CaseField } from "../../model/types";
import { FieldInput } from "./FieldInput";
import { clock, show } from "./format";

export function CaseData({ record, schema, onChanged }: { record: CaseRecord; schema: CaseField[]; onChanged: () => void }) {
  const [changes, setChanges] = useState<CaseChange[]>([]);
  const [editing, setEditing] = useState<string | null>(null);
  const [draft, setDraft] = useState<unknown>(undefined);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    runsApi.caseChanges(record.id).then((r) => setChanges(r.changes), () => setChanges([]));
  }, [record.id, record.version]);

  const names = [...schema.map((f) => f.name), ...Object.keys(record.fields).filter((n) => !schema.some((f) => f.name === n))];
  const specOf = (name: string): CaseField => schema.find((f) => f.name === name) ?? { name };
  const save = async (name: string) => {
    setError(null);
    try {
      await runsApi.updateCase(record.id, { [name]: draft ?? null }, record.version);
      setEditing(null);
      onChanged();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <div className="case-data" data-testid="case-data">
      <table className="kv">
        <tbody>
          {names.map((name) => {
            const spec = specOf(name);
            return (
              <tr key={name} data-testid={`case-field-${name}`}>
                <th>{spec.label || name}</th>
                <td>
                  {editing === name ? (
                    <form className="kv__edit" onSubmit={(e) => { e.preventDefault(); void save(name); }}>
                      <FieldInput field={spec} value={draft} onChange={setDraft} testId={`edit-${name}`} />
                      <button type="submit" className="btn btn--small btn--primary" data-testid={`save-${name}`}>Save</button>
                      <button type="button" className="btn btn--small" onClick={() => setEditing(null)}>Cancel</button>
                    </form>
                  ) : (
                    <button type="button" className="kv__value" title="Change this field"
                      onClick={() => { setEditing(name); setDraft(record.fields[name]); }} data-testid={`change-${name}`}>
                      {show(record.fields[name])}
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {error && <p className="banner banner--error">{error}</p>}
      <h3 className="side-heading">History</h3>
      <ol className="history" data-testid="case-history">
        {[...changes].reverse().map((c, i) => (
          <li key={`${c.seq}-${c.field}-${i}`}>
            <span className="history__field">{c.field}</span> {show(c.old)} → <b>{show(c.new)}</b>
            <div className="wf-muted">v{c.seq} · {clock(c.at)} · {c.actor}</div>
          </li>
        ))}
      </ol>
    </div>
  );
}
