// The work guide: the case's open work items, each with its form, completable here.
import { useEffect, useState } from "react";
import { AiSuggestionNote, useAiSuggestion } from "../../ai/AiSuggestionNote";
import { prefill } from "../../ai/suggestion";
import { ApiError } from "../../api/client";
import { runsApi, type WorkItem } from "../../api/runs";
import { FieldInput, filled } from "./FieldInput";
import { clock } from "./format";

function ItemForm({ item, onDone }: { item: WorkItem; onDone: () => void }) {
  const [values, setValues] = useState<Record<string, unknown>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const suggestion = useAiSuggestion(item.key);
  useEffect(() => setValues((v) => prefill(suggestion, item.form, v)), [suggestion, item.form]);
  const submit = async () => {
    setBusy(true);
    setMessage(null);
    setErrors({});
    try {
      await runsApi.completeWorkItem(item.key, filled(values));
      onDone();
    } catch (e) {
      if (e instanceof ApiError) {
        const fieldErrors = (e.details?.field_errors ?? {}) as Record<string, string>;
        setErrors(fieldErrors);
        setMessage(Object.keys(fieldErrors).length ? "Some fields need attention." : e.message);
      } else setMessage(String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="guide-item" data-testid={`work-item-${item.step_id}`}
      onSubmit={(e) => { e.preventDefault(); void submit(); }}>
      <div className="guide-item__head">
        <div>
          <div className="guide-item__title">{item.title}</div>
          <div className="wf-muted">
            {item.assignee ? <>Assigned to <b>{item.assignee}</b></> : <>In queue <b>{item.queue ?? "—"}</b></>}
            {item.due_at && <> · due {clock(item.due_at)}</>}
            {item.attempt > 1 && <> · attempt {item.attempt}</>}
          </div>
        </div>
      </div>
      <AiSuggestionNote suggestion={suggestion} />
      {item.form.length === 0 && <p className="wf-muted">No form: completing confirms the task is done.</p>}
      {item.form.map((field) => (
        <label key={field.name} className="field">
          <span className="field__label">{field.label || field.name}{field.required && " *"}</span>
          <FieldInput field={field} value={values[field.name]} invalid={Boolean(errors[field.name])}
            onChange={(v) => setValues((s) => ({ ...s, [field.name]: v }))} testId={`form-${field.name}`} />
          {field.help && <span className="field__hint">{field.help}</span>}
          {errors[field.name] && <span className="field__hint field__hint--error">{errors[field.name]}</span>}
        </label>
      ))}
      {message && <p className="banner banner--error">{message}</p>}
      <button type="submit" className="btn btn--primary" disabled={busy} data-testid="complete-work-item">
        {busy ? "Completing…" : "Complete"}
      </button>
    </form>
  );
}

export function WorkGuide({ items, onDone }: { items: WorkItem[]; onDone: () => void }) {
  const open = items.filter((i) => i.status === "open");
  const past = items.filter((i) => i.status !== "open").reverse();
  return (
    <div className="work-guide" data-testid="work-guide">
      {open.length === 0 && <p className="wf-muted empty-note">Nothing to do on this case right now.</p>}
      {open.map((item) => <ItemForm key={item.key} item={item} onDone={onDone} />)}
      {past.length > 0 && (
        <>
          <h3 className="side-heading">Earlier work</h3>
          <ul className="past-items">
            {past.map((item) => (
              <li key={item.key}>
                <span className={`tag tag--${item.status === "completed" ? "active" : "removed"}`}>{item.status}</span>{" "}
                {item.title}
                <span className="wf-muted"> · {item.completed_by ?? item.cancel_reason ?? ""} {clock(item.completed_at)}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
