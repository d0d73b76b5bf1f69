// "Test this draft": replay the recorded cases of the last N days through the draft in
// memory and compare with the active version; the heat overlay goes on the canvas.
import { useMemo, useState } from "react";
import { ApiError } from "../../api/client";
import { inflightApi } from "../../api/inflight";
import { useVersionDocument } from "../../hooks/useVersionDocument";
import { refusalText } from "../../model/impact";
import { namesOf } from "../../model/names";
import { compareSections, validDays } from "../../model/whatif";
import { useEditor } from "../../store/editorStore";
import { useUi } from "../../store/uiStore";
import { useWhatIf } from "../../store/whatIfStore";
import { CloseIcon } from "../icons";
import { CaseLink } from "./CaseLink";
import { CompareTable } from "./CompareTable";
import "../../inflight.css";

const WHAT: Record<string, string> = { incident: "incident", loop_guard: "loop guard", path_changed: "path changed" };

async function runWhatIf(days: number): Promise<void> {
  const editor = useEditor.getState();
  const store = useWhatIf.getState();
  if (!editor.workflowId) return;
  const draft = editor.workflow();
  store.set({ running: true, error: null, problems: [] });
  try {
    const result = await inflightApi.whatIf(editor.workflowId, draft, days);
    useWhatIf.getState().set({ result, draft, overlay: true, running: false });
  } catch (error) {
    const problems = error instanceof ApiError && error.status === 422 ? ((error.details?.problems ?? []) as never[]) : [];
    if (problems.length) {
      useEditor.getState().setProblems(problems);
      useUi.getState().set({ problemsOpen: true });
    }
    useWhatIf.getState().set({ running: false, error: refusalText(error), problems, result: null, overlay: false });
  }
}

export function WhatIfPanel() {
  const open = useWhatIf((s) => s.open);
  if (!open) return null;
  return <WhatIfPanelOpen />;
}

function WhatIfPanelOpen() {
  const { running, result, draft, overlay, error, problems } = useWhatIf();
  const [days, setDays] = useState("30");
  const valid = validDays(days);
  // The recorded side may name parts the draft no longer has: name them from the active version.
  // Names only: without them the table shows ids, so a failure needs nothing more.
  const active = useVersionDocument(result?.workflow_id ?? null, result?.active_version ?? null);
  const names = useMemo(() => namesOf(
    [...(active?.nodes ?? []), ...(draft?.nodes ?? [])], [...(active?.edges ?? []), ...(draft?.edges ?? [])],
  ), [draft, active]);
  const sections = useMemo(() => (result ? compareSections(result, names) : []), [result, names]);
  return (
    <aside className="whatif" data-testid="whatif-panel">
      <header className="panel__header">
        <h2>Test this draft</h2>
        <button type="button" className="icon-btn" onClick={() => useWhatIf.getState().reset()} aria-label="Close the test"><CloseIcon /></button>
      </header>
      <form className="whatif__form" onSubmit={(e) => { e.preventDefault(); if (valid) void runWhatIf(valid); }}>
        <label>Replay the cases started in the last
          <span className="whatif__days">
            <input type="number" min={1} max={365} value={days} onChange={(e) => setDays(e.target.value)} data-testid="whatif-days" /> days
          </span>
        </label>
        <button type="submit" className="btn btn--primary" disabled={running || valid === null} data-testid="whatif-run">
          {running ? "Replaying…" : "Run"}
        </button>
      </form>
      <div className="whatif__body">
        {valid === null && <p className="banner banner--error">Days: a whole number from 1 to 365.</p>}
        <p className="whatif__note" data-testid="whatif-nothing-written">
          Nothing is written: recorded cases are replayed through the draft in memory; no case, work item, message or assignment is made.
        </p>
        {error && (
          <div className="banner banner--error" role="alert" data-testid="whatif-error">
            {error}
            {problems.length > 0 && (
              <ul data-testid="whatif-problems">
                {problems.map((p, i) => <li key={i}>{p.message}{p.node_id ? ` (${names.node(p.node_id)})` : ""}</li>)}
              </ul>
            )}
          </div>
        )}
        {result && (
          <>
            <div data-testid="whatif-summary">
              <b>{result.cases}</b> recorded case{result.cases === 1 ? "" : "s"}
              {result.since ? ` since ${new Date(result.since).toLocaleDateString()}` : ""}, active version v{result.active_version}.
              {" "}
              <button type="button" className="btn btn--small" data-testid="whatif-overlay-toggle"
                onClick={() => useWhatIf.getState().set({ overlay: !overlay })}>
                {overlay ? "Clear the overlay" : "Show the overlay"}
              </button>
            </div>
            {(result.changes.removed_nodes.length > 0 || result.changes.removed_edges.length > 0) && (
              <p className="wf-muted" data-testid="whatif-removed">
                Not in the draft (so not on its canvas):{" "}
                {[...result.changes.removed_nodes.map(names.node), ...result.changes.removed_edges.map(names.edge)].join(", ")}
              </p>
            )}
            <CompareTable sections={sections} />
            {result.listed.length > 0 && (
              <section data-testid="whatif-listed">
                <h3 className="compare caption">Cases to look at</h3>
                <ul className="plain-list">
                  {result.listed.map((c) => (
                    <li key={`${c.run_id}-${c.what}`} data-what={c.what}>
                      <CaseLink runId={c.run_id} text={`Case ${c.case_id.slice(0, 8)}`} />{" "}
                      <span className={`tag tag--${c.what === "path_changed" ? "changed" : "removed"}`}>{WHAT[c.what] ?? c.what}</span>
                      <div className="wf-muted">{c.message}</div>
                      {c.path.length > 0 && <div className="wf-muted">draft: {c.path.map((id) => names.node(id)).join(" → ")}</div>}
                      {c.recorded_path.length > 0 && <div className="wf-muted">recorded: {c.recorded_path.map((id) => names.node(id)).join(" → ")}</div>}
                    </li>
                  ))}
                </ul>
              </section>
            )}
          </>
        )}
      </div>
    </aside>
  );
}
