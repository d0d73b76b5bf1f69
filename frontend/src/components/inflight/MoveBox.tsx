import { useEffect, useState } from "react";
import { inflightApi, type Migration, type MigrationPlan } from "../../api/inflight";
import { refusalText } from "../../model/impact";
import { CaseLink } from "./CaseLink";

const POLL_MS = 700;

/** An admin's move: a required reason, then the move's progress and its result. */
export function MoveBox({ workflowId, plan, movable, onError, onStarted, onFinished }: {
  workflowId: string;
  plan: MigrationPlan;
  movable: number;
  onError: (message: string | null) => void;
  onStarted: () => void;
  onFinished: () => void;
}) {
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [migration, setMigration] = useState<Migration | null>(null);

  const start = async () => {
    setBusy(true);
    onError(null);
    try {
      const started = await inflightApi.startMigration(workflowId, plan, reason.trim());
      setMigration(started);
      if (started.status === "running") onStarted();
      else onFinished();
    } catch (e) {
      onError(refusalText(e));
    } finally {
      setBusy(false);
    }
  };

  // Poll the move while it runs; a failed poll is said, and polling goes on.
  const id = migration?.id;
  const running = migration?.status === "running";
  useEffect(() => {
    if (!id || !running) return;
    const timer = window.setInterval(() => {
      inflightApi.migration(id).then((m) => {
        setMigration(m);
        if (m.status !== "running") onFinished();
      }, (e: unknown) => onError(`Could not read the move's progress: ${refusalText(e)}`));
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [id, running, onError, onFinished]);

  if (migration) return <MoveResult migration={migration} />;
  return (
    <div className="move-box" data-testid="move-box">
      <label className="field">
        <span className="field__label">Reason (kept in each run's log)</span>
        <textarea value={reason} onChange={(e) => setReason(e.target.value)} data-testid="move-reason"
          placeholder="Why these runs move, e.g. 'v1 routes refunds to the wrong queue'" />
      </label>
      <button type="button" className="btn btn--primary" disabled={busy || !reason.trim() || movable === 0}
        onClick={() => void start()} data-testid="move-start"
        title={!reason.trim() ? "Give a reason first" : undefined}>
        {busy ? "Starting…" : `Move ${movable} run${movable === 1 ? "" : "s"}`}
      </button>
      {!reason.trim() && <span className="wf-muted">A reason is required.</span>}
    </div>
  );
}

function MoveResult({ migration }: { migration: Migration }) {
  const done = migration.moved + migration.unmapped;
  const share = migration.total ? Math.min(100, Math.round((100 * done) / migration.total)) : 100;
  return (
    <div className="move-box" data-testid="move-result" data-status={migration.status}>
      <strong>
        {migration.status === "running" ? "Moving…" : migration.status === "done" ? "Move finished" : "Move failed"}
      </strong>
      {migration.status === "running" && (
        <div className="progress" role="progressbar" aria-valuenow={share} aria-valuemin={0} aria-valuemax={100}>
          <div className="progress__bar" style={{ width: `${share}%` }} />
        </div>
      )}
      <div>
        <b data-testid="moved-count">{migration.moved}</b> moved to v{migration.to_version}
        {" · "}<b data-testid="stayed-count">{migration.unmapped}</b> stayed on v{migration.from_version}
        {" · "}{migration.total} in all
      </div>
      {migration.error && <p className="banner banner--error" data-testid="move-error">{migration.error}</p>}
      {migration.unmapped_runs.length > 0 && (
        <ul className="plain-list" data-testid="move-unmapped">
          {migration.unmapped_runs.map((r) => (
            <li key={r.run_id}>
              <CaseLink runId={r.run_id} text={`Case ${r.case_id.slice(0, 8)}`} />
              <div className="unmapped-run__why" data-code={r.code}>{r.message}</div>
            </li>
          ))}
        </ul>
      )}
      <span className="wf-muted">By {migration.started_by}: {migration.reason}</span>
    </div>
  );
}
