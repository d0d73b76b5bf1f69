import { getNodesBounds, getViewportForBounds, useReactFlow } from "@xyflow/react";
import { useEffect, useState } from "react";
import { api, type VersionInfo } from "../api/client";
import { useCan } from "../auth/permissions";
import { useEditor } from "../store/editorStore";
import { activate, compare } from "../store/operations";
import { useUi } from "../store/uiStore";
import { useFitView } from "../hooks/useFitView";
import { useUnfinishedCounts } from "../hooks/useUnfinishedCounts";
import { CloseIcon } from "./icons";
import { MoveCasesDialog } from "./inflight/MoveCasesDialog";
import { whileOpen } from "./whileOpen";

/** Version history: activate a version, compare two (or one with the draft) on the canvas,
 * or move a version's running cases to another. */
export const VersionsPanel = whileOpen((s) => s.versionsOpen, VersionsPanelOpen);

function VersionsPanelOpen() {
  const id = useEditor((s) => s.workflowId);
  const active = useEditor((s) => s.activeVersion);
  const canDesign = useCan("design");
  const canOperate = useCan("operate");
  const [moving, setMoving] = useState(false);
  const counts = useUnfinishedCounts(id);
  const latest = useEditor((s) => s.latestVersion);
  const diff = useEditor((s) => s.diff);
  const [versions, setVersions] = useState<VersionInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [from, setFrom] = useState<string>("");
  const [to, setTo] = useState<string>("draft");
  const flow = useReactFlow();
  const fitView = useFitView();
  const show = async () => {
    await compare(from, to);
    const view = useEditor.getState().diff;
    if (!view) return;
    // Bring what changed into view (everything when nothing did), once the canvas has
    // taken the room the property panel leaves while comparing. Computed here from the
    // nodes' known sizes: most of them are off screen and never measured.
    const changed = new Set(Object.keys(view.status).filter((k) => k.startsWith("n:")).map((k) => k.slice(2)));
    const nodes = changed.size ? view.nodes.filter((n) => changed.has(n.id)) : view.nodes;
    window.setTimeout(() => {
      const canvas = document.querySelector(".canvas")?.getBoundingClientRect();
      if (!canvas || !nodes.length) return;
      const viewport = getViewportForBounds(getNodesBounds(nodes), canvas.width, canvas.height, 0.05, 1, 0.25);
      void flow.setViewport(viewport, { duration: 300 });
    }, 60);
  };

  useEffect(() => {
    if (!id) return;
    let cancelled = false;
    api.versions(id).then(
      (r) => {
        if (cancelled) return;
        setVersions(r.versions);
        const sorted = [...r.versions].sort((a, b) => b.version - a.version);
        if (sorted.length) {
          setFrom((f) => f || String(sorted.length > 1 ? sorted[1].version : sorted[0].version));
          setTo((t) => (t === "draft" && sorted.length > 1 ? String(sorted[0].version) : t));
        }
      },
      (e: Error) => !cancelled && setError(e.message),
    );
    return () => {
      cancelled = true;
    };
  }, [id, active, latest]);

  const close = () => {
    useEditor.getState().setDiff(null);
    useUi.getState().set({ versionsOpen: false });
  };
  const options = [
    <option key="draft" value="draft">Draft</option>,
    ...(versions ?? []).map((v) => <option key={v.version} value={String(v.version)}>Version {v.version}</option>),
  ];
  return (
    <aside className="versions" data-testid="versions-panel">
      <header className="panel__header">
        <h2>Version history</h2>
        <button type="button" className="icon-btn" onClick={close} aria-label="Close version history"><CloseIcon /></button>
      </header>
      {error && <p className="modal__error">{error}</p>}
      {versions === null && !error && <p className="wf-muted">Loading…</p>}
      {versions && versions.length === 0 && <p className="wf-muted">Nothing published yet. Publish the draft to create version 1.</p>}
      <ul className="versions__list">
        {[...(versions ?? [])].sort((a, b) => b.version - a.version).map((v) => (
          <li key={v.version} className={`version ${v.version === active ? "is-active" : ""}`} data-testid={`version-${v.version}`}>
            <div className="version__head">
              <strong>Version {v.version}</strong>
              {v.version === active && <span className="tag tag--active">active</span>}
              <span className="wf-muted version__when">{formatDate(v.published_at)}</span>
            </div>
            {v.note && <div className="version__note">{v.note}</div>}
            {v.published_by && <div className="wf-muted">by {v.published_by}</div>}
            {counts.byVersion && (
              <div className="version__runs" data-testid={`version-runs-${v.version}`}>
                <b>{counts.byVersion[v.version] ?? 0}{counts.capped ? "+" : ""}</b> unfinished run{counts.byVersion[v.version] === 1 ? "" : "s"}
              </div>
            )}
            {v.version !== active && canDesign && (
              <button type="button" className="btn btn--small" data-testid={`activate-${v.version}`}
                onClick={() => void activate(v.version)}>
                Activate
              </button>
            )}
          </li>
        ))}
      </ul>
      {versions && versions.length > 1 && canOperate && id && (
        <div className="versions__compare">
          <h3>Running cases</h3>
          <button type="button" className="btn btn--small" onClick={() => setMoving(true)} data-testid="open-move">
            Move running cases…
          </button>
          {moving && (
            <MoveCasesDialog workflowId={id} versions={versions} active={active}
              onClose={() => { setMoving(false); counts.refresh(); }} />
          )}
        </div>
      )}
      {versions && versions.length > 0 && (
        <div className="versions__compare">
          <h3>Compare on the canvas</h3>
          <div className="versions__pickers">
            <select value={from} onChange={(e) => setFrom(e.target.value)} data-testid="diff-from">{options}</select>
            <span>→</span>
            <select value={to} onChange={(e) => setTo(e.target.value)} data-testid="diff-to">{options}</select>
          </div>
          <div className="versions__buttons">
            <button type="button" className="btn btn--primary btn--small" disabled={!from || from === to}
              onClick={() => void show()} data-testid="diff-show">Show differences</button>
            {diff && (
              <button type="button" className="btn btn--small" onClick={() => useEditor.getState().setDiff(null)}
                data-testid="diff-exit">Back to editing</button>
            )}
          </div>
          {diff && (
            <ul className="legend">
              <li><span className="legend__swatch legend__swatch--added" /> added</li>
              <li><span className="legend__swatch legend__swatch--removed" /> removed</li>
              <li><span className="legend__swatch legend__swatch--changed" /> changed</li>
            </ul>
          )}
          {diff && <DiffSummary onPick={(id) => fitView({ nodes: [id], padding: 0.8, duration: 300 })} />}
        </div>
      )}
    </aside>
  );
}

function DiffSummary({ onPick }: { onPick: (nodeId: string) => void }) {
  const diff = useEditor((s) => s.diff);
  if (!diff) return null;
  const entries = Object.entries(diff.status);
  if (!entries.length) return <p className="wf-muted">The two versions are identical.</p>;
  return (
    <ul className="diff-summary" data-testid="diff-summary">
      {entries.map(([key, status]) => (
        <li key={key} className={`diff-summary__item diff-${status}`}
          onClick={key.startsWith("n:") ? () => onPick(key.slice(2)) : undefined}>
          <span className={`tag tag--${status}`}>{status}</span> {key.startsWith("n:") ? "node" : "edge"}{" "}
          <b title={key.slice(2)}>{diff.labels?.[key] ?? key.slice(2)}</b>
          {diff.fields[key]?.length ? <span className="wf-muted"> ({diff.fields[key].join("; ")})</span> : null}
        </li>
      ))}
    </ul>
  );
}

function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}
