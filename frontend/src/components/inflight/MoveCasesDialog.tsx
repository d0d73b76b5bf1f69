// Move running cases to another version: the plan (from, to, mapping overrides), its
// impact on the target version's canvas, and, for admins, the move and its result.
import { ReactFlowProvider } from "@xyflow/react";
import { useCallback, useEffect, useMemo, useState } from "react";
import type { VersionInfo } from "../../api/client";
import { inflightApi, type MigrationImpact, type MigrationPlan } from "../../api/inflight";
import { useCan } from "../../auth/permissions";
import { useUnfinishedCounts } from "../../hooks/useUnfinishedCounts";
import { useVersionDocument } from "../../hooks/useVersionDocument";
import {
  idOptions, impactOverlay, mappingOf, missingIds, refusalText, sameMapping, type MappingRow,
} from "../../model/impact";
import { namesOf } from "../../model/names";
import { RunCanvas } from "../../pages/cases/RunCanvas";
import { CloseIcon } from "../icons";
import { ImpactSide } from "./ImpactSide";
import { MappingRows } from "./MappingRows";
import { MoveBox } from "./MoveBox";
import { RecentMoves } from "./RecentMoves";
import "../../inflight.css";

export function MoveCasesDialog({ workflowId, versions, active, onClose }: {
  workflowId: string;
  versions: VersionInfo[];
  active: number | null;
  onClose: () => void;
}) {
  const canMove = useCan("move_runs");
  const counts = useUnfinishedCounts(workflowId);
  const newest = Math.max(...versions.map((v) => v.version));
  const [from, setFrom] = useState<number | null>(null);
  const [to, setTo] = useState<number>(active ?? newest);
  const [rows, setRows] = useState<MappingRow[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [impact, setImpact] = useState<MigrationImpact | null>(null);
  const [busy, setBusy] = useState(false);
  const [moved, setMoved] = useState(false);
  // While a move runs, its plan stays as it is (the move box and its progress with it).
  const [moving, setMoving] = useState(false);
  // Each preview starts a fresh move box (a finished move's result goes with its preview).
  const [previews, setPreviews] = useState(0);
  const onError = useCallback((m: string | null) => setError(m), []);

  // Start from the oldest other version that still has unfinished runs.
  useEffect(() => {
    if (from !== null || !counts.byVersion) return;
    const candidates = versions.map((v) => v.version).filter((v) => v !== to).sort((a, b) => a - b);
    setFrom(candidates.find((v) => (counts.byVersion?.[v] ?? 0) > 0) ?? candidates[0] ?? null);
  }, [counts.byVersion, versions, to, from]);

  const unreadable = useCallback((e: unknown) => setError(refusalText(e)), []);
  const source = useVersionDocument(workflowId, from, unreadable);
  const target = useVersionDocument(workflowId, to, unreadable);
  const plan: MigrationPlan | null = useMemo(
    () => (from !== null && from !== to ? { from_version: from, to_version: to, mapping: mappingOf(rows) } : null),
    [from, to, rows],
  );
  // An impact of another plan is stale: it must be previewed again before anything moves.
  const fresh = impact !== null && plan !== null && impact.from_version === plan.from_version
    && impact.to_version === plan.to_version && sameMapping(impact.mapping, plan.mapping);
  const sourceNames = useMemo(() => namesOf(source?.nodes ?? [], source?.edges ?? []), [source]);
  const shown = useMemo(() => (impact && target && fresh ? impactOverlay(impact, target, source) : null), [impact, target, source, fresh]);

  const preview = async () => {
    if (!plan) return;
    setBusy(true);
    setError(null);
    try {
      setImpact(await inflightApi.impact(workflowId, plan));
      setMoved(false);
      setPreviews((n) => n + 1);
    } catch (e) {
      setImpact(null);
      setError(refusalText(e));
    } finally {
      setBusy(false);
    }
  };
  const refreshCounts = counts.refresh;
  const started = useCallback(() => setMoving(true), []);
  const finished = useCallback(() => {
    setMoving(false);
    setMoved(true);
    refreshCounts();
  }, [refreshCounts]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  const label = (v: number) => {
    const n = counts.byVersion?.[v];
    const open = n === undefined ? (counts.byVersion ? "0" : "…") : `${n}${counts.capped ? "+" : ""}`;
    return `Version ${v}${v === active ? " (active)" : ""} · ${open} unfinished`;
  };
  const sorted = [...versions].sort((a, b) => b.version - a.version);
  const suggest = missingIds(source, target).filter((id) => !rows.some((r) => r.from === id));

  return (
    <div className="modal-backdrop modal-backdrop--sheet" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal modal--sheet sheet" role="dialog" aria-modal="true" aria-label="Move running cases" data-testid="move-dialog">
        <header className="sheet__head">
          <h2>Move running cases</h2>
          <span className="wf-muted">{workflowId}</span>
          <span className="toolbar__spacer" />
          <button type="button" className="icon-btn" onClick={onClose} aria-label="Close" data-testid="move-close"><CloseIcon /></button>
        </header>
        <fieldset className="sheet__plan" disabled={moving}>
          <label>From version
            <select value={from ?? ""} onChange={(e) => setFrom(Number(e.target.value))} data-testid="move-from">
              {from === null && <option value="">…</option>}
              {sorted.map((v) => <option key={v.version} value={v.version}>{label(v.version)}</option>)}
            </select>
          </label>
          <label>To version
            <select value={to} onChange={(e) => setTo(Number(e.target.value))} data-testid="move-to">
              {sorted.map((v) => <option key={v.version} value={v.version}>{label(v.version)}</option>)}
            </select>
          </label>
          <label className="sheet__mapping">Mapping (ids not named map to the same id)
            <MappingRows rows={rows} onChange={setRows} source={idOptions(source)} target={idOptions(target)} />
            {suggest.length > 0 && (
              <span className="wf-muted mapping-hint" data-testid="mapping-hint">Not in v{to} (click to map):{" "}
                {suggest.map((id) => (
                  <button key={id} type="button" className="link-btn" data-testid={`map-${id}`}
                    onClick={() => setRows((r) => [...r, { from: id, to: "" }])}>{id}</button>
                ))}
              </span>
            )}
          </label>
          <button type="button" className="btn btn--primary" disabled={!plan || busy} onClick={() => void preview()} data-testid="move-preview">
            {busy ? "Working out…" : "Preview impact"}
          </button>
        </fieldset>
        {from === to && <p className="banner banner--info">Pick two different versions.</p>}
        {counts.error && <p className="banner banner--error">Could not count the unfinished runs: {counts.error}</p>}
        {error && <p className="banner banner--error" role="alert" data-testid="move-dialog-error">{error}</p>}
        {impact && !fresh && <p className="banner banner--info" data-testid="impact-stale">The plan changed: preview the impact again.</p>}
        <div className="sheet__body">
          <div className="sheet__canvas" data-testid="impact-canvas">
            {shown ? (
              <ReactFlowProvider>
                <RunCanvas key={`${from}-${to}`} workflow={shown.workflow} overlay={shown.overlay} />
              </ReactFlowProvider>
            ) : (
              <p className="wf-muted empty-note">
                Choose the versions and any overrides, then preview: the target version's canvas shows where the runs land.
              </p>
            )}
          </div>
          {!shown && <RecentMoves workflowId={workflowId} />}
          {shown && impact && (
            <aside className="sheet__side" data-testid="impact-side">
              <ImpactSide impact={impact} sourceNames={sourceNames} />
              {canMove && plan ? (
                <MoveBox key={previews} workflowId={workflowId} plan={plan} movable={impact.movable}
                  onError={onError} onStarted={started} onFinished={finished} />
              ) : (
                <p className="wf-muted" data-testid="move-admins-only">Only admins can move runs; you may look at the impact.</p>
              )}
              {moved && <p className="wf-muted">The counts above are from before the move; preview again to see what is left.</p>}
            </aside>
          )}
        </div>
      </div>
    </div>
  );
}
