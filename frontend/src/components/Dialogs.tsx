// Modal dialogs of the editor: a stale-save conflict, publishing, choosing an outcome.
import { useState, type ReactNode } from "react";
import { useEditor } from "../store/editorStore";
import { activate, publish, reload, save } from "../store/operations";
import { useUi } from "../store/uiStore";
import { whileOpen } from "./whileOpen";

function Modal({ title, children, testId, onClose }: { title: string; children: ReactNode; testId: string; onClose?: () => void }) {
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose?.()}>
      <div className="modal" role="dialog" aria-modal="true" aria-label={title} data-testid={testId}>
        <h2 className="modal__title">{title}</h2>
        {children}
      </div>
    </div>
  );
}

export function ConflictDialog() {
  const conflict = useUi((s) => s.conflict);
  const mine = useEditor((s) => s.revision);
  const [busy, setBusy] = useState(false);
  if (!conflict) return null;
  const run = (fn: () => Promise<unknown>) => async () => {
    setBusy(true);
    try {
      await fn();
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal title="Someone else saved this workflow" testId="conflict-dialog"
      onClose={() => useUi.getState().set({ conflict: null })}>
      <p data-testid="conflict-message">
        Someone else saved revision {conflict.currentRevision} while you were editing revision {mine}.
        Your changes are not saved yet.
      </p>
      <p className="wf-muted">
        Reload to see their version (your changes are discarded), or overwrite theirs with yours.
      </p>
      <div className="modal__actions">
        <button type="button" className="btn" onClick={() => useUi.getState().set({ conflict: null })} disabled={busy}>
          Cancel
        </button>
        <button type="button" className="btn" onClick={run(reload)} disabled={busy} data-testid="conflict-reload">
          Reload their version
        </button>
        <button type="button" className="btn btn--danger" onClick={run(() => save(true))} disabled={busy}
          data-testid="conflict-overwrite">
          Overwrite with mine
        </button>
      </div>
    </Modal>
  );
}

export const PublishDialog = whileOpen((s) => s.publishOpen, PublishDialogOpen);

function PublishDialogOpen() {
  const error = useUi((s) => s.publishError);
  const errors = useEditor((s) => s.problems.filter((p) => p.severity === "error").length);
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [published, setPublished] = useState<number | null>(null);
  const close = () => useUi.getState().set({ publishOpen: false, publishError: null });
  const submit = async () => {
    setBusy(true);
    try {
      setPublished(await publish(note));
    } finally {
      setBusy(false);
    }
  };
  if (published !== null) {
    return (
      <Modal title={`Version ${published} published`} testId="publish-dialog" onClose={close}>
        <p>New cases keep using the active version until you activate this one.</p>
        <div className="modal__actions">
          <button type="button" className="btn" onClick={close}>Close</button>
          <button type="button" className="btn btn--primary" data-testid="activate-published"
            onClick={async () => {
              if (await activate(published)) close();
            }}>
            Activate version {published}
          </button>
        </div>
      </Modal>
    );
  }
  return (
    <Modal title="Publish a new version" testId="publish-dialog" onClose={close}>
      <p className="wf-muted">Publishing saves the draft and freezes it as an immutable version.</p>
      {errors > 0 && <p className="modal__warning">The draft has {errors} error{errors === 1 ? "" : "s"}; publishing will be refused until they are fixed.</p>}
      <label className="field">
        <span className="field__label">Release note</span>
        <textarea value={note} onChange={(e) => setNote(e.target.value)} rows={3} autoFocus
          placeholder="What changed and why" data-testid="publish-note" />
      </label>
      {error && <p className="modal__error" data-testid="publish-error">{error}</p>}
      <div className="modal__actions">
        <button type="button" className="btn" onClick={close}>Cancel</button>
        <button type="button" className="btn btn--primary" onClick={submit} disabled={busy} data-testid="publish-confirm">
          {busy ? "Publishing…" : "Publish"}
        </button>
      </div>
    </Modal>
  );
}

/** Confirms an activation that makes two workflows start on the same records. */
export function ActivationCheck() {
  const check = useUi((s) => s.activationCheck);
  const name = useEditor((s) => s.meta.name);
  if (!check) return null;
  const close = () => useUi.getState().set({ activationCheck: null });
  const n = check.overlaps.length;
  return (
    <Modal title={`Activate version ${check.version}?`} testId="activation-check" onClose={close}>
      <p>
        {n === 1 ? "Another active workflow" : `${n} other active workflows`} can start on the same records
        as “{name}”: a case that matches both triggers starts both, each writing the case and opening work items.
      </p>
      <ul className="overlap-list" data-testid="activation-overlaps">
        {check.overlaps.map((o) => (
          <li key={o.workflow_id} data-testid={`overlap-${o.workflow_id}`}>
            <b>{o.name}</b> <span className="wf-muted">(v{o.version})</span>
            <div className="wf-muted">{o.reason}</div>
          </li>
        ))}
      </ul>
      <p className="wf-muted">Narrow one of the triggers, or start cases of this workflow by name from the Cases page.</p>
      <div className="modal__actions">
        <button type="button" className="btn" onClick={close} data-testid="activation-cancel">Cancel</button>
        <button type="button" className="btn btn--primary" data-testid="activation-confirm"
          onClick={() => void activate(check.version, true).then((ok) => ok && useUi.getState().set({ publishOpen: false }))}>
          Activate anyway
        </button>
      </div>
    </Modal>
  );
}

export function OutcomeChooser() {
  const pending = useEditor((s) => s.pendingOutcome);
  if (!pending) return null;
  const choose = useEditor.getState().chooseOutcome;
  return (
    <Modal title="Which outcome does this edge carry?" testId="outcome-chooser" onClose={() => choose(null)}>
      <div className="outcome-choices">
        {pending.options.map((o) => (
          <button key={o.id} type="button" className="btn outcome-choice" onClick={() => choose(o.id)}
            data-testid={`choose-outcome-${o.id}`}>
            {o.label} <span className="wf-muted">({o.id})</span>
          </button>
        ))}
      </div>
      <div className="modal__actions">
        <button type="button" className="btn" onClick={() => choose(null)}>Cancel</button>
      </div>
    </Modal>
  );
}

export function Toasts() {
  const toasts = useUi((s) => s.toasts);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast--${t.tone}`} data-testid="toast" onClick={() => useUi.getState().dismiss(t.id)}>
          {t.text}
        </div>
      ))}
    </div>
  );
}
