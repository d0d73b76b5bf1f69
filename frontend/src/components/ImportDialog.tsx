// The Workflows page's import: what a document becomes, before anything is saved.
import { useState, type RefObject } from "react";
import { countByKind, FORMAT_LABELS, IMPORT_ACCEPT, REPORT_KINDS, sortReport, type ImportPreview } from "../model/interop";

/** The hidden file input behind an Import button: hands over the chosen file, then forgets it
 * (so that choosing the same file again imports it again). */
export function ImportFileInput({ inputRef, testId, onFile }: {
  inputRef: RefObject<HTMLInputElement | null>; testId: string; onFile: (file: File) => void;
}) {
  return (
    <input ref={inputRef} type="file" accept={IMPORT_ACCEPT} hidden data-testid={testId}
      onChange={(e) => {
        const file = e.target.files?.[0];
        e.target.value = "";
        if (file) onFile(file);
      }} />
  );
}

export interface PendingImport {
  fileName: string;
  preview: ImportPreview;
}

/** Shows the workflow a file becomes, each element that did not map one to one (id, type,
 * what became of it and why) and the validation problems; saves a draft on confirm. */
export function ImportDialog({ pending, onCancel, onConfirm }: {
  pending: PendingImport;
  onCancel: () => void;
  onConfirm: () => Promise<void>;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { preview, fileName } = pending;
  const workflow = preview.workflow;
  const report = sortReport(preview.report);
  const errors = preview.problems.filter((p) => p.severity === "error").length;
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(false);
    }
  };
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && !busy && onCancel()}>
      <div className="modal modal--wide" role="dialog" aria-modal="true" aria-label={`Import ${fileName}`} data-testid="import-dialog">
        <h2 className="modal__title">Import {fileName}</h2>
        <p data-testid="import-summary">
          Read as <strong>{FORMAT_LABELS[preview.format] ?? preview.format}</strong>: workflow <strong>{workflow.name}</strong>{" "}
          <span className="mono wf-muted">{workflow.id}</span> with {workflow.nodes.length} nodes and {workflow.edges.length} edges.
        </p>
        {preview.existing_revision !== null && (
          <p className="modal__warning" data-testid="import-replaces">
            A workflow “{workflow.id}” exists already: saving replaces its draft (revision {preview.existing_revision}).
          </p>
        )}
        <h3 className="import-section">
          {report.length === 0 ? "Every element mapped one to one." : `${report.length} element${report.length === 1 ? "" : "s"} did not map one to one`}
          {countByKind(report).map((k) => <span key={k.kind} className={`tag import-kind import-kind--${k.kind}`}>{k.label} {k.count}</span>)}
        </h3>
        {report.length > 0 && (
          <div className="import-table-wrap">
            <table className="table import-table" data-testid="import-report">
              <thead><tr><th>Element</th><th>Type</th><th>What happened</th><th>Why</th><th>In Baton</th></tr></thead>
              <tbody>
                {report.map((item, i) => (
                  <tr key={`${item.element_id}-${i}`} data-testid="import-report-row" data-kind={item.kind}>
                    <td className="mono">{item.element_id}</td>
                    <td className="mono">{item.element_type}</td>
                    <td><span className={`tag import-kind import-kind--${item.kind}`}>{REPORT_KINDS[item.kind]?.label ?? item.kind}</span></td>
                    <td>{item.reason}</td>
                    <td className="mono">{item.baton_id ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <h3 className="import-section">
          {preview.problems.length === 0 ? "The workflow is valid." : `${preview.problems.length} problem${preview.problems.length === 1 ? "" : "s"}${errors ? ` (${errors} error${errors === 1 ? "" : "s"})` : ""} to fix before publishing`}
        </h3>
        {preview.problems.length > 0 && (
          <ul className="import-problems" data-testid="import-problems">
            {preview.problems.map((p, i) => (
              <li key={i} className={`import-problem import-problem--${p.severity}`}>
                <span className={`count ${p.severity === "error" ? "count--error" : ""}`}>{p.severity}</span>{" "}
                {[p.node_id, p.step_id].filter(Boolean).join(" / ")}{p.node_id ? ": " : ""}{p.message}
              </li>
            ))}
          </ul>
        )}
        {error && <p className="modal__error" data-testid="import-error">{error}</p>}
        <div className="modal__actions">
          <button type="button" className="btn" onClick={onCancel} disabled={busy} data-testid="import-cancel">Cancel</button>
          <button type="button" className="btn btn--primary" onClick={() => void confirm()} disabled={busy} data-testid="import-confirm">
            {busy ? "Saving…" : preview.existing_revision !== null ? "Replace the draft" : "Save as draft"}
          </button>
        </div>
      </div>
    </div>
  );
}
