// "Start a case": a form built from the workflow's case schema; creating the case starts
// a run of the workflow's active version, whose page opens next.
import { useEffect, useState } from "react";
import { ApiError, api, type WorkflowSummary } from "../../api/client";
import { runsApi } from "../../api/runs";
import type { CaseField } from "../../model/types";
import { FieldInput, filled } from "./FieldInput";

export function StartCaseForm({ workflows, initial, onCancel, onStarted }: {
  workflows: WorkflowSummary[];
  initial?: string;
  onCancel: () => void;
  onStarted: (runId: string) => void;
}) {
  const startable = workflows.filter((w) => w.active_version !== null);
  const [workflowId, setWorkflowId] = useState(initial && startable.some((w) => w.id === initial) ? initial : startable[0]?.id ?? "");
  const [schema, setSchema] = useState<CaseField[] | null>(null);
  const [values, setValues] = useState<Record<string, unknown>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const chosen = startable.find((w) => w.id === workflowId);
    setSchema(null);
    if (!chosen?.active_version) return;
    api.version(chosen.id, chosen.active_version).then((r) => {
      setSchema(r.workflow.case_schema ?? []);
      const defaults: Record<string, unknown> = {};
      for (const field of r.workflow.case_schema ?? []) {
        if (field.type === "date-time" && field.required) defaults[field.name] = new Date().toISOString();
      }
      setValues(defaults);
    }, (e: Error) => setError(e.message));
  }, [workflowId]); // eslint-disable-line react-hooks/exhaustive-deps

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const created = await runsApi.createCase(filled(values), workflowId);
      const run = created.runs.find((r) => r.workflow_id === workflowId) ?? created.runs[0];
      if (run) onStarted(run.id);
      else setError("The case was created, but no run started.");
    } catch (e) {
      setError(e instanceof ApiError || e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const missing = (schema ?? []).filter((f) => f.required && (values[f.name] === undefined || values[f.name] === ""));

  return (
    <div className="modal-backdrop" onClick={onCancel}>
      <form className="modal start-case" onClick={(e) => e.stopPropagation()} data-testid="start-case-form"
        onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <h2>Start a case</h2>
        <label className="field">
          <span className="field__label">Workflow</span>
          <select className="input" value={workflowId} onChange={(e) => setWorkflowId(e.target.value)} data-testid="start-workflow">
            {startable.map((w) => <option key={w.id} value={w.id}>{w.name} (v{w.active_version})</option>)}
          </select>
        </label>
        {startable.length === 0 && <p className="wf-muted">No workflow has an active version yet: publish one first.</p>}
        <div className="start-case__fields">
          {schema?.map((field) => (
            <label key={field.name} className="field">
              <span className="field__label">{field.label || field.name}{field.required && " *"}</span>
              <FieldInput field={field} value={values[field.name]} onChange={(v) => setValues((s) => ({ ...s, [field.name]: v }))}
                testId={`start-field-${field.name}`} />
              {field.description && <span className="field__hint">{field.description}</span>}
            </label>
          ))}
        </div>
        {error && <p className="banner banner--error">{error}</p>}
        <div className="create-form__actions">
          <button type="button" className="btn" onClick={onCancel}>Cancel</button>
          <button type="submit" className="btn btn--primary" disabled={busy || !schema || missing.length > 0}
            title={missing.length ? `Fill in: ${missing.map((f) => f.label || f.name).join(", ")}` : undefined}
            data-testid="start-case-submit">{busy ? "Starting…" : "Start case"}</button>
        </div>
      </form>
    </div>
  );
}
