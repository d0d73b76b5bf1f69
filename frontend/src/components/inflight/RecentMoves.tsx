import { useEffect, useState } from "react";
import { inflightApi, type Migration } from "../../api/inflight";
import { refusalText } from "../../model/impact";

/** The workflow's latest moves, newest first: who moved what, why, and how it ended. */
export function RecentMoves({ workflowId }: { workflowId: string }) {
  const [moves, setMoves] = useState<Migration[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    inflightApi.migrations(workflowId).then(
      (r) => !cancelled && setMoves(r.migrations.slice(0, 5)),
      (e: unknown) => !cancelled && setError(refusalText(e)),
    );
    return () => {
      cancelled = true;
    };
  }, [workflowId]);
  return (
    <aside className="recent-moves" data-testid="recent-moves">
      <h3>Earlier moves</h3>
      {error && <p className="banner banner--error">Could not list the earlier moves: {error}</p>}
      {moves && moves.length === 0 && <p className="wf-muted">None yet.</p>}
      <ul className="plain-list">
        {(moves ?? []).map((m) => (
          <li key={m.id} data-status={m.status}>
            <b>v{m.from_version} → v{m.to_version}</b> · {m.status === "running" ? "moving now" : m.status}
            {" · "}{m.moved} moved, {m.unmapped} stayed
            <div className="wf-muted">{new Date(m.started_at).toLocaleString()} by {m.started_by}: {m.reason}</div>
            {m.error && <div className="unmapped-run__why">{m.error}</div>}
          </li>
        ))}
      </ul>
    </aside>
  );
}
