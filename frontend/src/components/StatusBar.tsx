import { selectDirty, useEditor } from "../store/editorStore";
import { useUi } from "../store/uiStore";

export function StatusBar() {
  const revision = useEditor((s) => s.revision);
  const dirty = useEditor(selectDirty);
  const nodeCount = useEditor((s) => s.nodes.length);
  const edgeCount = useEditor((s) => s.edges.length);
  const active = useEditor((s) => s.activeVersion);
  const latest = useEditor((s) => s.latestVersion);
  const errors = useEditor((s) => s.problems.filter((p) => p.severity === "error").length);
  const warnings = useEditor((s) => s.problems.length) - errors;
  const diff = useEditor((s) => s.diff);
  const saveStatus = useUi((s) => s.saveStatus);
  const validation = useUi((s) => s.validation);

  let saveText: string;
  if (saveStatus === "saving") saveText = "Saving…";
  else if (dirty) saveText = "Unsaved changes";
  else if (saveStatus === "error") saveText = "Save failed";
  else saveText = "All changes saved";

  return (
    <footer className="statusbar" data-testid="statusbar">
      <span className={`statusbar__save ${dirty ? "is-dirty" : "is-clean"}`} data-testid="save-state">
        <span className="statusbar__dot" /> {saveText}
      </span>
      <span data-testid="revision">Revision {revision ?? "–"}</span>
      <span>Active version {active ?? "none"}{latest ? ` · latest v${latest}` : ""}</span>
      <span>{nodeCount} nodes · {edgeCount} edges</span>
      <span className="statusbar__spacer" />
      {diff && <span className="statusbar__diff">Comparing {label(diff.from)} → {label(diff.to)}</span>}
      <span className={`statusbar__validation ${errors ? "has-errors" : warnings ? "has-warnings" : ""}`} data-testid="validation-state">
        {validation === "pending" ? "Checking…" : errors || warnings ? `${errors} errors · ${warnings} warnings` : "No problems"}
      </span>
    </footer>
  );
}

const label = (v: string) => (v === "draft" ? "draft" : `v${v}`);
