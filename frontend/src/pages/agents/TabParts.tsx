// What every tab of the team admin page shares: its layout, the editor card and its
// fields, and the hook that edits one row and saves it.
import { useState } from "react";
import type { ReactNode } from "react";
import type { Agent, Calendar, Queue, Skill } from "../../api/routing";
import { useAsyncAction } from "../../hooks/useAsyncAction";

/** Everything the page loads, handed to each tab. */
export interface Data { agents: Agent[]; queues: Queue[]; skills: Skill[]; calendars: Calendar[] }

// A tab of the page: a lede and a "New ..." button over its table, and the editor of the
// chosen row beside it while one is open.
export function TabLayout({ lede, newLabel, newTestId, onNew, editor, children }: {
  lede: string; newLabel: string; newTestId: string; onNew: () => void; editor: ReactNode; children: ReactNode;
}) {
  return (
    <div className={`rt-layout${editor ? "" : " rt-layout--single"}`}>
      <div>
        <div className="list-page__titlebar">
          <span className="wf-muted">{lede}</span>
          <span className="toolbar__spacer" />
          <button type="button" className="btn btn--primary" data-testid={newTestId} onClick={onNew}>{newLabel}</button>
        </div>
        {children}
      </div>
      {editor}
    </div>
  );
}

export function Editor({ title, children, onSave, onDelete, onClose, saving, error, testId }: {
  title: string; children: ReactNode; onSave: () => void; onDelete?: () => void; onClose: () => void;
  saving: boolean; error: string | null; testId: string;
}) {
  return (
    <form className="rt-card" data-testid={testId} onSubmit={(e) => { e.preventDefault(); onSave(); }}>
      <div className="rt-card__header"><h2>{title}</h2><span className="toolbar__spacer" />
        <button type="button" className="btn btn--small" onClick={onClose}>Close</button></div>
      <div className="rt-card__body">
        {children}
        {error && <p className="banner banner--error" data-testid={`${testId}-error`}>{error}</p>}
      </div>
      <div className="rt-card__footer">
        {onDelete && <button type="button" className="btn btn--danger" onClick={onDelete}>Delete</button>}
        <span className="toolbar__spacer" />
        <button type="submit" className="btn btn--primary" disabled={saving} data-testid={`${testId}-save`}>{saving ? "Saving…" : "Save"}</button>
      </div>
    </form>
  );
}

export function Field({ label, hint, children }: { label: string; hint?: string; children: ReactNode }) {
  return (
    <label className="field"><span className="field__label">{label}</span>{children}{hint && <span className="field__hint">{hint}</span>}</label>
  );
}

/** A labelled block holding several controls (a label may not contain other labels). */
export function Group({ label, hint, children }: { label: string; hint?: string; children: ReactNode }) {
  return (
    <div className="field rt-group"><span className="field__label">{label}</span>{children}{hint && <span className="field__hint">{hint}</span>}</div>
  );
}

export function useSaver(reload: () => Promise<void>) {
  const { busy: saving, error, setError, run: call } = useAsyncAction();
  const run = (action: () => Promise<unknown>, after?: () => void) => call(async () => {
    await action();
    await reload();
    after?.();
  });
  return { saving, error, run, setError };
}

// The row being edited in a tab's editor, with the saver behind it.
export function useRowEditor<T>(reload: () => Promise<void>) {
  const saver = useSaver(reload);
  const [editing, setEditing] = useState<{ item: T; isNew: boolean } | null>(null);
  const close = () => setEditing(null);
  return {
    saver,
    editing,
    /** Open the editor on `item` (a new one when `isNew`), forgetting the last error. */
    open: (item: T, isNew = false) => {
      saver.setError(null);
      setEditing({ item, isNew });
    },
    /** What every editor takes: saving and deleting close it once they succeed. */
    props: (save: (item: T) => Promise<unknown>, remove: (item: T) => Promise<unknown>) => ({
      saving: saver.saving,
      error: saver.error,
      onClose: close,
      onSave: (item: T) => void saver.run(() => save(item), close),
      onDelete: !editing || editing.isNew ? undefined : () => void saver.run(() => remove(editing.item), close),
    }),
  };
}
