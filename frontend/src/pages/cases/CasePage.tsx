// The case page: the run's workflow version, read-only, with the path the case took
// (live), a timeline with a scrubber that replays the path at any moment, the work
// guide, the case data and its history, and an admin's actions.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api } from "../../api/client";
import { SLA_LABELS, runsApi, type Command, type RunDetail } from "../../api/runs";
import { useCan } from "../../auth/permissions";
import { AppHeader } from "../../components/AppHeader";
import { carryPath } from "../../live/carry";
import { foldPath } from "../../live/path";
import { useRunStream } from "../../live/useRunStream";
import { useVersionDocument } from "../../hooks/useVersionDocument";
import type { Workflow } from "../../model/types";
import { navigate } from "../../navigation";
import { CaseData } from "./CaseData";
import { RunCanvas } from "./RunCanvas";
import { Timeline } from "./Timeline";
import { namesOf } from "../../model/names";
import { WorkGuide } from "./WorkGuide";
import { clock, since } from "./format";
import "../../cases.css";

type Tab = "work" | "timeline" | "data";

const COMMANDS: { command: Command; label: string; when: string[]; danger?: boolean }[] = [
  { command: "pause", label: "Pause", when: ["running"] },
  { command: "resume", label: "Resume", when: ["paused"] },
  { command: "retry", label: "Retry step", when: ["incident"] },
  { command: "skip", label: "Skip step", when: ["incident"] },
  { command: "cancel", label: "Cancel case", when: ["running", "paused", "incident"], danger: true },
];

function AdminActions({ runId, status, onDone }: { runId: string; status: string; onDone: () => void }) {
  const [asking, setAsking] = useState<Command | null>(null);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    if (!asking) return;
    setError(null);
    try {
      await runsApi.command(runId, asking, reason);
      setAsking(null);
      setReason("");
      onDone();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const available = COMMANDS.filter((c) => c.when.includes(status));
  if (!available.length) return null;
  return (
    <div className="admin-actions">
      {asking === null ? available.map((c) => (
        <button key={c.command} type="button" className={`btn btn--small${c.danger ? " btn--danger" : ""}`}
          onClick={() => setAsking(c.command)} data-testid={`command-${c.command}`}>{c.label}</button>
      )) : (
        <form className="admin-actions__ask" onSubmit={(e) => { e.preventDefault(); void run(); }}>
          <input className="input input--compact" autoFocus placeholder="Reason (kept in the log)" value={reason}
            onChange={(e) => setReason(e.target.value)} data-testid="command-reason" />
          <button type="submit" className="btn btn--small btn--primary" data-testid="command-confirm">
            {COMMANDS.find((c) => c.command === asking)?.label}
          </button>
          <button type="button" className="btn btn--small" onClick={() => setAsking(null)}>Back</button>
        </form>
      )}
      {error && <span className="admin-actions__error">{error}</span>}
    </div>
  );
}

export function CasePage({ runId }: { runId: string }) {
  const [detail, setDetail] = useState<RunDetail | null>(null);
  const [workflow, setWorkflow] = useState<Workflow | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab | null>(null);
  const [scrub, setScrub] = useState<number | null>(null);
  const stream = useRunStream(runId);
  const operate = useCan("operate");

  const load = useCallback(() => {
    runsApi.getRun(runId).then(setDetail, (e: Error) => setError(e.message));
  }, [runId]);
  useEffect(() => {
    setDetail(null);
    setWorkflow(null);
    setScrub(null);
    load();
  }, [load]);
  useEffect(() => {
    if (!detail) return;
    const { workflow_id, version } = detail.run;
    api.version(workflow_id, version).then((r) => setWorkflow(r.workflow), (e: Error) => setError(e.message));
  }, [detail?.run.workflow_id, detail?.run.version]); // eslint-disable-line react-hooks/exhaustive-deps

  // Refresh the run's work items, case and figures whenever the stream moves on.
  const lastSeq = stream.events.at(-1)?.seq ?? 0;
  const seenSeq = useRef(0);
  useEffect(() => {
    if (lastSeq > seenSeq.current && detail && lastSeq > detail.run.seq) load();
    seenSeq.current = lastSeq;
  }, [lastSeq, detail, load]);

  const stepsOf = useMemo(() => {
    const byNode = new Map<string, string[]>();
    for (const node of workflow?.nodes ?? []) {
      if (node.kind === "stage") byNode.set(node.id, (node.steps ?? []).map((s) => s.id));
    }
    return (nodeId: string) => byNode.get(nodeId) ?? [];
  }, [workflow]);
  // A run moved from another version names what it did there by that version's names.
  const moved = stream.events.find((e) => e.kind === "run.migrated")?.data.from_version;
  const before = useVersionDocument(detail?.run.workflow_id ?? null, typeof moved === "number" ? moved : null);
  const names = useMemo(() => namesOf(
    [...(before?.nodes ?? []), ...(workflow?.nodes ?? [])], [...(before?.edges ?? []), ...(workflow?.edges ?? [])],
  ), [workflow, before]);
  const nameOf = names.node;
  const stepNameOf = names.step;
  const forms = useMemo(() => new Set((workflow?.nodes ?? []).flatMap((n) =>
    n.kind === "stage" ? (n.steps ?? []).filter((s) => s.kind === "interactive").map((s) => s.id) : [])), [workflow]);
  const path = useMemo(
    () => carryPath(foldPath(stream.events, stepsOf, scrub ?? undefined), before, workflow),
    [stream.events, stepsOf, scrub, before, workflow],
  );
  const sensitive = useMemo(
    () => new Set((workflow?.case_schema ?? []).filter((f) => f.sensitive).map((f) => f.name)),
    [workflow],
  );

  const openItems = detail?.work_items.filter((w) => w.status === "open").length ?? 0;
  const activeTab: Tab = tab ?? (openItems ? "work" : "timeline");
  const run = detail?.run;
  const status = stream.status ?? run?.status ?? "running";
  const scrubEvent = scrub !== null ? stream.events.find((e) => e.seq === scrub) : null;

  return (
    <div className="case-page" data-testid="case-page">
      <AppHeader active="cases" subtitle="Case" />
      {error && <p className="banner banner--error case-page__error">{error}</p>}
      {run && detail && (
        <div className="case-bar">
          <button type="button" className="btn btn--small" onClick={() => navigate("/cases")}>← Cases</button>
          <div className="case-bar__title">
            <h1 data-testid="case-title">{run.title}</h1>
            <div className="wf-muted">
              {detail.workflow_name} · v{run.version}
              {path.moves.length > 0 && <span data-testid="moved-from"> (moved from v{path.moves.at(-1)!.from})</span>} · case <span className="mono">{run.case_id.slice(0, 8)}</span> · started {clock(run.started_at)}
            </div>
          </div>
          <span className={`status status--${status}`} data-testid="run-status">{status}</span>
          {run.sla && status !== "completed" && status !== "cancelled" && (
            <span className={`sla-chip sla-chip--${run.sla}`}>SLA {SLA_LABELS[run.sla]}</span>
          )}
          {run.node_name && status !== "completed" && status !== "cancelled" && (
            <span className="wf-muted">in <b>{run.node_name}</b> for {since(run.node_entered_at)}</span>
          )}
          <span className="toolbar__spacer" />
          <span className={`live-dot ${stream.connected ? "live-dot--on" : ""}`} data-testid="live-indicator"
            title={stream.connected ? "Live: updates arrive as they happen" : "Reconnecting…"}>
            {stream.connected ? "Live" : "Offline"}
          </span>
          {operate && <AdminActions runId={runId} status={status} onDone={load} />}
          <a className="btn btn--small" href={runsApi.runExportUrl(runId, "csv")} download data-testid="export-csv">CSV</a>
          <a className="btn btn--small" href={runsApi.runExportUrl(runId, "json")} download>JSON</a>
        </div>
      )}
      {run && path.incident && (
        <p className="banner banner--error case-page__error" data-testid="incident-banner">
          <b>Incident:</b> {path.incident.message}
        </p>
      )}
      <div className="case-body">
        <section className="case-canvas">
          {workflow ? <RunCanvas workflow={workflow} path={path} /> : <p className="wf-muted empty-note">Loading the workflow…</p>}
          <div className="scrubber" data-testid="scrubber">
            <span className="scrubber__label">{scrub === null ? "Now" : `At #${scrub}`}</span>
            <input type="range" min={1} max={Math.max(1, lastSeq)} value={scrub ?? lastSeq}
              onChange={(e) => { const v = Number(e.target.value); setScrub(v >= lastSeq ? null : v); }}
              data-testid="scrubber-range" aria-label="Replay the path up to an event" />
            <span className="scrubber__time">{scrubEvent ? clock(scrubEvent.at) : clock(stream.events.at(-1)?.at ?? null)}</span>
            <button type="button" className="btn btn--small" disabled={scrub === null} onClick={() => setScrub(null)}
              data-testid="scrubber-live">Live</button>
          </div>
        </section>
        <aside className="case-side">
          <nav className="tabs">
            {(["work", "timeline", "data"] as Tab[]).map((t) => (
              <button key={t} type="button" className={`tabs__tab${activeTab === t ? " is-active" : ""}`}
                onClick={() => setTab(t)} data-testid={`tab-${t}`}>
                {t === "work" ? `Work${openItems ? ` (${openItems})` : ""}` : t === "timeline" ? `Timeline (${stream.events.length})` : "Case data"}
              </button>
            ))}
          </nav>
          <div className="case-side__body">
            {activeTab === "work" && detail && <WorkGuide items={detail.work_items} onDone={load} />}
            {activeTab === "timeline" && <Timeline events={stream.events} at={scrub} onPick={setScrub} nameOf={nameOf} stepNameOf={stepNameOf} hidden={sensitive} forms={forms} />}
            {activeTab === "data" && detail && (
              <CaseData record={detail.case} schema={workflow?.case_schema ?? []} onChanged={load} />
            )}
          </div>
        </aside>
      </div>
    </div>
  );
}
