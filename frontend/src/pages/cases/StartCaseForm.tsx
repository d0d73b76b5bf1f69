// "Start a case": the case fields of the workflows it will start; it says which those
// are before anything is stored (a named workflow starts alone; without one, the record
// triggers decide), and what the server would refuse, by field. The run's page opens next.
import { useEffect, useMemo, useState } from "react";
import { api, type WorkflowSummary } from "../../api/client";
import type { CaseField } from "../../model/types";
import { runsApi, type StartPreview } from "../../api/runs";
import { useAsyncAction } from "../../hooks/useAsyncAction";
import { FieldInput, filled } from "./FieldInput";

/** The select's value for "let the triggers decide". */
const BY_TRIGGER = "";

export function StartCaseForm({ workflows, initial, onCancel, onStarted }: {
  workflows: WorkflowSummary[];
  initial?: string;
  onCancel: () => void;
  onStarted: (runId: string) => void;
}) {
  const startable = workflows.filter((w) => w.active_version !== null);
  const [workflowId, setWorkflowId] = useState(initial && startable.some((w) => w.id === initial) ? initial : startable[0]?.id ?? BY_TRIGGER);
  const [values, setValues] = useState<Record<string, unknown>>({});
  const [preview, setPreview] = useState<StartPreview | null>(null);
  const { busy, error, setError, run: call } = useAsyncAction();
  const sent = useMemo(() => filled(values), [values]);
  // Letting the triggers decide, the case may need any active workflow's fields before
  // one matches: offer them all (each workflow's first declaration).
  const [triggerFields, setTriggerFields] = useState<CaseField[]>([]);
  useEffect(() => {
    if (workflowId !== BY_TRIGGER) return;
    let alive = true;
    void Promise.all(startable.map((w) => api.version(w.id, w.active_version!).catch(() => null))).then((versions) => {
      const merged = new Map<string, CaseField>();
      for (const v of versions) {
        if (v?.workflow.trigger?.kind !== "record") continue;
        for (const f of v.workflow.case_schema ?? []) if (!merged.has(f.name)) merged.set(f.name, { ...f, required: false });
      }
      if (alive) setTriggerFields([...merged.values()]);
    });
    return () => { alive = false; };
  }, [workflowId]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      runsApi.startPreview(sent, workflowId || null, controller.signal).then(
        (p) => {
          setPreview(p);
          setError(null);
          setValues((v) => {
            // A required date-time starts as now, as the form always did.
            const next = { ...v };
            for (const f of p.fields) if (f.type === "date-time" && f.required && next[f.name] === undefined) next[f.name] = new Date().toISOString();
            return Object.keys(next).length === Object.keys(v).length ? v : next;
          });
        },
        (e: unknown) => { if (!controller.signal.aborted) setError(e instanceof Error ? e.message : String(e)); },
      );
    }, 250);
    return () => { window.clearTimeout(timer); controller.abort(); };
  }, [sent, workflowId]);

  const submit = () => call(async () => {
    const created = await runsApi.createCase(sent, workflowId || null);
    const run = created.runs.find((r) => r.workflow_id === workflowId) ?? created.runs[0];
    if (run) onStarted(run.id);
    else setError("The case was created, but no workflow's trigger started a run.");
  });
  const declared: CaseField[] = preview?.fields ?? [];
  const fields = workflowId === BY_TRIGGER
    ? [...declared, ...triggerFields.filter((t) => !declared.some((d) => d.name === t.name))]
    : declared;
  const problemOf = (name: string) => preview?.problems.find((p) => p.field === name);
  const missing = fields.filter((f) => f.required && (values[f.name] === undefined || values[f.name] === ""));
  const starts = preview?.starts ?? [];

  return (
    <div className="modal-backdrop" onClick={onCancel}>
      <form className="modal start-case" onClick={(e) => e.stopPropagation()} data-testid="start-case-form"
        onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <h2>Start a case</h2>
        <label className="field">
          <span className="field__label">Workflow</span>
          <select className="input" value={workflowId} onChange={(e) => { setWorkflowId(e.target.value); setPreview(null); }} data-testid="start-workflow">
            {startable.map((w) => <option key={w.id} value={w.id}>{w.name} (v{w.active_version})</option>)}
            <option value={BY_TRIGGER}>Any whose trigger matches the case</option>
          </select>
        </label>
        {startable.length === 0 && <p className="wf-muted">No workflow has an active version yet: publish one first.</p>}
        <div className={`start-case__starts${starts.length === 0 && preview ? " start-case__starts--none" : ""}`} data-testid="start-preview"
          data-starts={starts.map((s) => s.workflow_id).join(",")}>
          {!preview ? <span className="wf-muted">Working out what this case starts…</span>
            : starts.length === 0 ? <span>No workflow starts: no trigger matches these fields yet.</span>
              : <>This case starts {starts.length === 1 ? "one workflow" : `${starts.length} workflows`}:{" "}
                {starts.map((s, i) => (
                  <span key={s.workflow_id}>{i > 0 && ", "}<b>{s.name}</b> <span className="wf-muted">(v{s.version}, {s.why === "named" ? "chosen here" : "its trigger matches"})</span></span>
                ))}.
                {!workflowId && starts.length > 1 && <span className="field__hint field__hint--error"> Each writes the case and may open work items.</span>}</>}
        </div>
        <div className="start-case__fields">
          {fields.map((field) => {
            const problem = problemOf(field.name);
            return (
              <label key={field.name} className="field">
                <span className="field__label">{field.label || field.name}{field.required && " *"}</span>
                <FieldInput field={field} value={values[field.name]} onChange={(v) => setValues((s) => ({ ...s, [field.name]: v }))}
                  testId={`start-field-${field.name}`} />
                {problem && problem.problem !== "required" && <span className="field__hint field__hint--error">{problem.message}</span>}
                {!problem && field.description && <span className="field__hint">{field.description}</span>}
              </label>
            );
          })}
        </div>
        {error && <p className="banner banner--error">{error}</p>}
        <div className="create-form__actions">
          <button type="button" className="btn" onClick={onCancel}>Cancel</button>
          <button type="submit" className="btn btn--primary" disabled={busy || !preview || missing.length > 0 || starts.length === 0}
            title={missing.length ? `Fill in: ${missing.map((f) => f.label || f.name).join(", ")}` : undefined}
            data-testid="start-case-submit">{busy ? "Starting…" : "Start case"}</button>
        </div>
      </form>
    </div>
  );
}
