import { useRef, useState } from "react";
import { ApiError, api } from "../api/client";
import { useCan } from "../auth/permissions";
import { useFitView } from "../hooks/useFitView";
import { usePublishBlocker } from "../hooks/usePublishBlocker";
import { autoLayout } from "../layout/autoLayout";
import { contentTypeFor, EXPORT_FORMATS, importErrorText, needsLayout } from "../model/interop";
import { ImportFileInput } from "./ImportDialog";
import { selectCanRedo, selectCanUndo, selectDirty, useEditor } from "../store/editorStore";
import { save } from "../store/operations";
import { useUi } from "../store/uiStore";
import { useWhatIf } from "../store/whatIfStore";
import {
  AlertIcon,
  ChevronLeftIcon, CopyIcon, DownloadIcon, FitIcon, HistoryIcon, LayoutIcon, PlayIcon, RedoIcon, SaveIcon,
  SearchIcon, TrashIcon, UndoIcon, UploadIcon,
} from "./icons";

const isMac = typeof navigator !== "undefined" && /Mac/.test(navigator.platform);
const mod = isMac ? "⌘" : "Ctrl+";

export function Toolbar({ onBack }: { onBack: () => void }) {
  const name = useEditor((s) => s.meta.name);
  const id = useEditor((s) => s.workflowId);
  const canUndo = useEditor(selectCanUndo);
  const canRedo = useEditor(selectCanRedo);
  const dirty = useEditor(selectDirty);
  const diff = useEditor((s) => s.diff !== null);
  const saving = useUi((s) => s.saveStatus === "saving");
  const fitView = useFitView();
  const fileInput = useRef<HTMLInputElement>(null);
  const [layingOut, setLayingOut] = useState(false);
  // Only designers change workflows; others see the canvas read-only (the API agrees).
  const canDesign = useCan("design");
  const blocker = usePublishBlocker();
  const activeVersion = useEditor((s) => s.activeVersion);
  const testing = useWhatIf((s) => s.open);

  const layout = async () => {
    setLayingOut(true);
    try {
      const state = useEditor.getState();
      const positions = await autoLayout(state.nodes, state.edges);
      useEditor.getState().setPositions(positions);
      window.requestAnimationFrame(() => fitView({ duration: 300 }));
    } finally {
      setLayingOut(false);
    }
  };

  const importFile = async (file: File) => {
    const state = useEditor.getState();
    const text = await file.text();
    if (selectDirty(state) && !window.confirm("Importing replaces the draft and discards your unsaved changes. Continue?")) return;
    try {
      const detail = await api.importFile(text, { revision: state.revision ?? 0 }, contentTypeFor(file.name, text));
      if (detail.id !== state.workflowId) {
        window.location.assign(`/workflows/${encodeURIComponent(detail.id)}`);
        return;
      }
      useEditor.getState().load(detail);
      useUi.getState().toast(`Imported ${file.name}.`, "success");
      // A BPMN or Salesforce file without diagram positions is laid out (the draft is then unsaved).
      if (needsLayout(detail.workflow)) await layout();
      else window.requestAnimationFrame(() => fitView());
    } catch (error) {
      const message = error instanceof ApiError ? importErrorText(error) : String(error);
      useUi.getState().toast(`Import failed: ${message}`, "error");
    }
  };

  return (
    <header className="toolbar" data-testid="toolbar">
      <button type="button" className="toolbar__back" onClick={onBack} data-testid="back-to-list" title="All workflows">
        <ChevronLeftIcon /> Workflows
      </button>
      <div className="toolbar__title">
        <span className="toolbar__name" data-testid="workflow-name">{name || id}</span>
        <span className="toolbar__id">{id}</span>
      </div>
      {canDesign && <div className="toolbar__group" role="group" aria-label="Edit">
        <ToolButton label={`Undo (${mod}Z)`} onClick={() => useEditor.getState().undo()} disabled={!canUndo || diff} testId="undo"><UndoIcon /></ToolButton>
        <ToolButton label={`Redo (${mod}Shift+Z)`} onClick={() => useEditor.getState().redo()} disabled={!canRedo || diff} testId="redo"><RedoIcon /></ToolButton>
        <ToolButton label={`Copy (${mod}C) / paste (${mod}V)`} onClick={() => {
          const editor = useEditor.getState();
          if (editor.copySelection()) editor.paste();
        }} disabled={diff} testId="duplicate"><CopyIcon /></ToolButton>
        <ToolButton label="Delete selection (Del)" onClick={() => useEditor.getState().deleteSelection()} disabled={diff} testId="delete"><TrashIcon /></ToolButton>
      </div>}
      <div className="toolbar__group" role="group" aria-label="View">
        <ToolButton label="Auto-layout (left to right)" onClick={layout} disabled={diff || layingOut} testId="auto-layout"><LayoutIcon /></ToolButton>
        <ToolButton label="Fit view" onClick={() => fitView({ duration: 250 })} testId="fit-view"><FitIcon /></ToolButton>
        <ToolButton label={`Find a node (${mod}F)`} onClick={() => useUi.getState().set({ searchOpen: true })} testId="open-search"><SearchIcon /></ToolButton>
      </div>
      <span className="toolbar__spacer" />
      <div className="toolbar__group" role="group" aria-label="File">
        <details className="export-menu" data-testid="export">
          <summary className="tool-btn" title="Export the saved draft"><DownloadIcon /><span>Export</span></summary>
          <div className="export-menu__list" role="menu">
            {EXPORT_FORMATS.map((f) => (
              <a key={f.format} role="menuitem" className="export-menu__item" href={id ? api.exportUrl(id, f.format) : undefined} download
                data-testid={`export-${f.format}`} onClick={(e) => (e.currentTarget.closest("details") as HTMLDetailsElement | null)?.removeAttribute("open")}>
                <strong>{f.label}</strong><span className="wf-muted">{f.hint}</span>
              </a>
            ))}
          </div>
        </details>
        {canDesign && (
          <button type="button" className="tool-btn" onClick={() => fileInput.current?.click()} disabled={diff}
            title="Replace the draft with a workflow file" data-testid="import">
            <UploadIcon /><span>Import</span>
          </button>
        )}
        <ImportFileInput inputRef={fileInput} testId="import-file" onFile={(file) => void importFile(file)} />
        <button type="button" className="tool-btn" onClick={() => useUi.getState().set({ versionsOpen: !useUi.getState().versionsOpen })}
          data-testid="open-versions" title="Version history and differences">
          <HistoryIcon /><span>Versions</span>
        </button>
        {canDesign && activeVersion !== null && (
          <button type="button" className={`tool-btn${testing ? " is-on" : ""}`} disabled={diff} data-testid="open-whatif"
            title="Replay recorded cases through this draft and compare with the active version; nothing is written"
            onClick={() => testing ? useWhatIf.getState().reset() : useWhatIf.getState().set({ open: true })}>
            <PlayIcon /><span>Test this draft</span>
          </button>
        )}
      </div>
      {canDesign ? (
        <>
          <button type="button" className="btn" onClick={() => void save()} disabled={diff || saving || !dirty}
            data-testid="save" title={`Save the draft (${mod}S)`}>
            <SaveIcon /> {saving ? "Saving…" : "Save"}
          </button>
          {blocker && (
            <button type="button" className="publish-blocked" data-testid="publish-blocked"
              title={blocker.message} onClick={() => useUi.getState().set({ problemsOpen: true })}>
              <AlertIcon size={12} /> Cannot publish: {blocker.count === 1 ? "1 error" : `${blocker.count} errors`}
              <span className="publish-blocked__why">{blocker.where} — {blocker.message}</span>
            </button>
          )}
          <button type="button" className="btn btn--primary" disabled={diff || !!blocker}
            title={blocker ? `Fix the ${blocker.count === 1 ? "error" : "errors"} first: ${blocker.message}` : "Publish the draft as a new version"}
            onClick={() => useUi.getState().set({ publishOpen: true, publishError: null })} data-testid="publish">
            Publish…
          </button>
        </>
      ) : (
        <span className="readonly-tag" data-testid="read-only" title="Your role may look at workflows but not change them">
          Read only
        </span>
      )}
    </header>
  );
}

function ToolButton({ label, onClick, disabled, testId, children }: {
  label: string; onClick: () => void; disabled?: boolean; testId: string; children: React.ReactNode;
}) {
  return (
    <button type="button" className="icon-btn" onClick={onClick} disabled={disabled} title={label}
      aria-label={label} data-testid={testId}>
      {children}
    </button>
  );
}
