// The editor page: toolbar, palette, canvas, property panel, problems, status bar.
import { ReactFlowProvider } from "@xyflow/react";
import { useEffect, useState } from "react";
import { api } from "../api/client";
import { useCan } from "../auth/permissions";
import { useKeyboardShortcuts } from "../hooks/useKeyboardShortcuts";
import { useDataFlowSync } from "../hooks/useDataFlowSync";
import { useLiveValidation } from "../hooks/useLiveValidation";
import { useUnsavedWarning } from "../hooks/useUnsavedWarning";
import { PropertyPanel } from "../panels/PropertyPanel";
import { selectDirty, useEditor } from "../store/editorStore";
import { openWorkflow } from "../store/operations";
import { useUi } from "../store/uiStore";
import { Canvas } from "./Canvas";
import { ActivationCheck, ConflictDialog, OutcomeChooser, PublishDialog, Toasts } from "./Dialogs";
import { Palette } from "./Palette";
import { ProblemsPanel } from "./ProblemsPanel";
import { SearchBox } from "./SearchBox";
import { StatusBar } from "./StatusBar";
import { Toolbar } from "./Toolbar";
import { VersionsPanel } from "./VersionsPanel";
import { WhatIfCanvas } from "./inflight/WhatIfCanvas";
import { WhatIfPanel } from "./inflight/WhatIfPanel";
import { useWhatIf } from "../store/whatIfStore";

export function Editor({ id, onBack }: { id: string; onBack: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const loadedId = useEditor((s) => s.workflowId);
  useEffect(() => {
    let cancelled = false;
    setError(null);
    useEditor.setState({ workflowId: null });
    useWhatIf.getState().reset();
    openWorkflow(id).catch((e: Error) => !cancelled && setError(e.message));
    if (!useUi.getState().actions.length) {
      api.actions().then((r) => useUi.getState().set({ actions: r.actions }), () => undefined);
    }
    return () => {
      cancelled = true;
    };
  }, [id]);
  const leave = () => {
    if (selectDirty(useEditor.getState()) && !window.confirm("You have unsaved changes. Leave without saving?")) return;
    onBack();
  };
  if (error) {
    return (
      <div className="page-message" data-testid="load-error">
        <h2>Could not open “{id}”</h2>
        <p>{error}</p>
        <button type="button" className="btn" onClick={onBack}>Back to workflows</button>
      </div>
    );
  }
  if (loadedId !== id) return <div className="page-message">Loading…</div>;
  return (
    <ReactFlowProvider>
      <EditorLayout onBack={leave} />
    </ReactFlowProvider>
  );
}

function EditorLayout({ onBack }: { onBack: () => void }) {
  const canDesign = useCan("design");
  useKeyboardShortcuts();
  useLiveValidation();
  useDataFlowSync(canDesign);
  useUnsavedWarning();
  const heat = useWhatIf((s) => s.overlay);
  const testing = useWhatIf((s) => s.open);
  return (
    <div className="editor" data-testid="editor">
      <Toolbar onBack={onBack} />
      <div className="editor__body">
        {canDesign && <Palette />}
        <div className="editor__canvas">
          <Canvas />
          {heat && <WhatIfCanvas />}
          <SearchBox />
          {!heat && <ProblemsPanel />}
        </div>
        <VersionsPanel />
        <WhatIfPanel />
        {/* The what-if's table needs the room; the draft is not edited while it is read. */}
        {!testing && <PropertyPanel />}
      </div>
      <StatusBar />
      <ConflictDialog />
      <PublishDialog />
      <OutcomeChooser />
      <ActivationCheck />
      <Toasts />
    </div>
  );
}
