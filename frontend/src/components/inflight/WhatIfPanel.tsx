// "Test this draft": replay recorded cases (those of the last N days, or a chosen set)
// through the draft in memory, the draft's new steps answering as the admin says, and
// compare with the active version; the heat overlay goes on the canvas.
import { useCallback, useMemo, useState } from "react";
import { ApiError } from "../../api/client";
import { inflightApi, type WhatIfCases as CaseChoice, type WhatIfOutputs } from "../../api/inflight";
import { useVersionDocument } from "../../hooks/useVersionDocument";
import { refusalText } from "../../model/impact";
import type { Workflow } from "../../model/types";
import { compareSections, validDays } from "../../model/whatif";
import { newSteps, readCaseIds, readStepOutputs, type NewStep, type StepAnswers } from "../../model/whatifInputs";
import { unnamedIds, whatIfNamer } from "../../model/whatifNames";
import { useEditor } from "../../store/editorStore";
import { useUi } from "../../store/uiStore";
import { useWhatIf } from "../../store/whatIfStore";
import { CloseIcon } from "../icons";
import { CaseLink } from "./CaseLink";
import { CompareTable } from "./CompareTable";
import { NewStepOutputs } from "./NewStepOutputs";
import { useOlderVersions } from "./useOlderVersions";
import { WhatIfCases, type CasesMode } from "./WhatIfCases";
import "../../inflight.css";

const WHAT: Record<string, string> = { incident: "incident", loop_guard: "loop guard", path_changed: "path changed" };

/** Runs the what-if; answers the case ids the server found no recorded run for (if that
 * was its refusal), so the panel can show them by the list they came from. */
async function runWhatIf(cases: CaseChoice, outputs: WhatIfOutputs): Promise<string[]> {
  const editor = useEditor.getState();
  const store = useWhatIf.getState();
  if (!editor.workflowId) return [];
  const draft = editor.workflow();
  store.set({ running: true, error: null, problems: [] });
  try {
    const result = await inflightApi.whatIf(editor.workflowId, draft, cases, outputs);
    useWhatIf.getState().set({ result, draft, overlay: true, running: false });
    return [];
  } catch (error) {
    const problems = error instanceof ApiError && error.status === 422 ? ((error.details?.problems ?? []) as never[]) : [];
    if (problems.length) {
      useEditor.getState().setProblems(problems);
      useUi.getState().set({ problemsOpen: true });
    }
    useWhatIf.getState().set({ running: false, error: refusalText(error), problems, result: null, overlay: false });
    const unknown = error instanceof ApiError && error.code === "whatif_unknown_cases" ? error.details?.case_ids : null;
    return Array.isArray(unknown) ? unknown.map(String) : [];
  }
}

/** What the last run gave the new steps, for the summary: "Call back: reached true, 45 min". */
function givenText(steps: readonly NewStep[], outputs: WhatIfOutputs): string[] {
  return steps.map((step) => {
    const given = outputs[step.id];
    if (!given) return `${step.name}: defaults`;
    const parts = Object.entries(given).filter(([k]) => k !== "$after_minutes").map(([k, v]) => `${k} ${JSON.stringify(v)}`);
    if ("$after_minutes" in given) parts.push(`${String(given.$after_minutes)} min`);
    return `${step.name}: ${parts.join(", ")}`;
  });
}

export function WhatIfPanel() {
  const open = useWhatIf((s) => s.open);
  if (!open) return null;
  return <WhatIfPanelOpen />;
}

function WhatIfPanelOpen() {
  const { running, result, draft, overlay, error, problems } = useWhatIf();
  const workflowId = useEditor((s) => s.workflowId);
  const activeVersion = useEditor((s) => s.activeVersion);
  const editedNodes = useEditor((s) => s.nodes);
  const actions = useUi((s) => s.actions);
  const [mode, setMode] = useState<CasesMode>("days");
  const [days, setDays] = useState("30");
  const [idsText, setIdsText] = useState("");
  const [answers, setAnswers] = useState<Record<string, StepAnswers>>({});
  const [inputErrors, setInputErrors] = useState<string[]>([]);
  const [unknown, setUnknown] = useState<string[]>([]);
  const [given, setGiven] = useState<string[]>([]);
  const read = useMemo(() => readCaseIds(idsText), [idsText]);
  // The active version: which draft steps are new, and names for the recorded side's parts.
  const activeNo = result?.active_version ?? activeVersion;
  const [activeUnread, setActiveUnread] = useState<string | null>(null);
  const onActiveError = useCallback((e: unknown) => setActiveUnread(refusalText(e)), []);
  const active = useVersionDocument(workflowId, activeNo, onActiveError);
  // The document being edited changes with its nodes (its steps live in them).
  const editing = useMemo(() => useEditor.getState().workflow(), [editedNodes]);
  const steps = useMemo(() => (active ? newSteps(editing, active, actions) : []), [editing, active, actions]);
  // Later documents' names win: the tested draft's, then the one being edited.
  const current = useMemo(() => [active, editing, draft].filter((d): d is Workflow => d !== null), [active, editing, draft]);
  const missing = useMemo(() => (result && active ? unnamedIds(result, current) : []), [result, active, current]);
  const older = useOlderVersions(workflowId, activeNo, missing);
  const names = useMemo(() => whatIfNamer(current, older), [current, older]);
  const sections = useMemo(() => (result ? compareSections(result, names) : []), [result, names]);

  const submit = () => {
    const errors: string[] = [];
    let cases: CaseChoice | null = null;
    if (mode === "days") {
      const n = validDays(days);
      if (n === null) errors.push("Days: a whole number from 1 to 365.");
      else cases = { days: n };
    } else if (read.ok) cases = { case_ids: read.ids };
    else errors.push(`Case ids: ${read.error}`);
    const outputs = readStepOutputs(steps, answers);
    if (!outputs.ok) errors.push(...outputs.errors);
    setInputErrors(errors);
    if (!cases || !outputs.ok) return;
    setUnknown([]);
    setGiven(givenText(steps, outputs.outputs));
    void runWhatIf(cases, outputs.outputs).then(setUnknown);
  };
  const dropUnknown = () => {
    const gone = new Set(unknown);
    setIdsText(read.ok ? read.ids.filter((id) => !gone.has(id)).join("\n") : idsText);
    setUnknown([]);
    useWhatIf.getState().set({ error: null });
  };

  return (
    <aside className="whatif" data-testid="whatif-panel">
      <header className="panel__header">
        <h2>Test this draft</h2>
        <button type="button" className="icon-btn" onClick={() => useWhatIf.getState().reset()} aria-label="Close the test"><CloseIcon /></button>
      </header>
      <form className="whatif__form" onSubmit={(e) => { e.preventDefault(); submit(); }}>
        <WhatIfCases mode={mode} onMode={setMode} days={days} onDays={setDays} daysValid={validDays(days) !== null}
          text={idsText} onText={setIdsText} read={read} />
        {unknown.length > 0 && error && (
          <div className="banner banner--error" role="alert" data-testid="whatif-unknown-cases">
            {error.split(" — ")[0]}
            <div className="whatif__unknown">
              Not found ({unknown.length}): <span className="input--mono">{unknown.join(", ")}</span>
            </div>
            <button type="button" className="btn btn--small" onClick={dropUnknown} data-testid="whatif-drop-unknown">
              Remove them from the list
            </button>
          </div>
        )}
        {!active && activeNo !== null && (
          <p className="wf-muted" data-testid="whatif-active-loading">
            {activeUnread
              ? `The active version could not be read (${activeUnread}): the draft's new steps cannot be listed; they will answer with the defaults.`
              : "Reading the active version, to find the draft's new steps…"}
          </p>
        )}
        <NewStepOutputs steps={steps} answers={answers} onChange={(id, a) => setAnswers((all) => ({ ...all, [id]: a }))} />
        {inputErrors.length > 0 && (
          <div className="banner banner--error" role="alert" data-testid="whatif-input-errors">
            Not run: fix these first.
            <ul>{inputErrors.map((e) => <li key={e}>{e}</li>)}</ul>
          </div>
        )}
        <div>
          <button type="submit" className="btn btn--primary" disabled={running} data-testid="whatif-run">
            {running ? "Replaying…" : "Run"}
          </button>
        </div>
      </form>
      <div className="whatif__body">
        <p className="whatif__note" data-testid="whatif-nothing-written">
          Nothing is written: recorded cases are replayed through the draft in memory; no case, work item, message or assignment is made.
        </p>
        {error && unknown.length === 0 && (
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
              {result.since ? ` since ${new Date(result.since).toLocaleDateString()}` : " (the cases chosen)"}, active version v{result.active_version}.
              {" "}
              <button type="button" className="btn btn--small" data-testid="whatif-overlay-toggle"
                onClick={() => useWhatIf.getState().set({ overlay: !overlay })}>
                {overlay ? "Clear the overlay" : "Show the overlay"}
              </button>
            </div>
            {given.length > 0 && (
              <p className="wf-muted" data-testid="whatif-given">New steps answered: {given.join("; ")}</p>
            )}
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
