// Change one's own password: the current one proves it is you; other sessions end.
import { useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { changePassword } from "./session";

const MIN_LENGTH = 10;

export function PasswordDialog({ onClose }: { onClose: () => void }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (next.length < MIN_LENGTH) return setError(`The new password needs at least ${MIN_LENGTH} characters.`);
    if (next !== repeat) return setError("The two new passwords differ.");
    setBusy(true);
    setError(null);
    try {
      await changePassword(current, next);
      setDone(true);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal" role="dialog" aria-modal="true" aria-label="Change password" data-testid="password-dialog">
        <h2 className="modal__title">Change password</h2>
        {done ? (
          <>
            <p data-testid="password-changed">Your password is changed. Sessions on other devices have been signed out.</p>
            <div className="modal__actions">
              <button type="button" className="btn btn--primary" onClick={onClose}>Close</button>
            </div>
          </>
        ) : (
          <form onSubmit={submit}>
            <label className="field">
              <span className="field__label">Current password</span>
              <input className="input" type="password" autoComplete="current-password" value={current} autoFocus
                onChange={(e) => setCurrent(e.target.value)} data-testid="current-password" required />
            </label>
            <label className="field">
              <span className="field__label">New password</span>
              <input className="input" type="password" autoComplete="new-password" value={next}
                onChange={(e) => setNext(e.target.value)} data-testid="new-password" required />
            </label>
            <label className="field">
              <span className="field__label">New password, again</span>
              <input className="input" type="password" autoComplete="new-password" value={repeat}
                onChange={(e) => setRepeat(e.target.value)} data-testid="repeat-password" required />
            </label>
            <p className="wf-muted">At least {MIN_LENGTH} characters. A passphrase of a few words is easy to remember and hard to guess.</p>
            {error && <p className="modal__error" data-testid="password-error">{error}</p>}
            <div className="modal__actions">
              <button type="button" className="btn" onClick={onClose}>Cancel</button>
              <button type="submit" className="btn btn--primary" disabled={busy} data-testid="password-save">
                {busy ? "Changing…" : "Change password"}
              </button>
            </div>
          </form>
        )}
      </div>
    </div>
  );
}
