import type { MigrationImpact } from "../../api/inflight";
import { inFlightLines } from "../../model/impact";
import type { Names } from "../../model/names";
import { CaseLink } from "./CaseLink";

/** The impact beside the canvas: totals, the nodes whose runs stay and why, the runs that
 * stay (to the case page), and what happens to in-flight work. */
export function ImpactSide({ impact, sourceNames }: { impact: MigrationImpact; sourceNames: Names }) {
  const stuck = impact.nodes.filter((n) => n.unmapped > 0);
  const inFlight = inFlightLines(impact.in_flight);
  return (
    <>
      <section>
        <h3>Impact</h3>
        <div className="impact-kpis" data-testid="impact-kpis">
          <span><b data-testid="impact-runs">{impact.runs}</b> unfinished on v{impact.from_version}</span>
          <span><b data-testid="impact-movable">{impact.movable}</b> can move</span>
          <span className="kpi--unmapped"><b data-testid="impact-unmapped">{impact.unmapped}</b> stay</span>
        </div>
      </section>
      {stuck.length > 0 && (
        <section data-testid="unmapped-nodes">
          <h3>Cannot move from</h3>
          <ul className="plain-list">
            {stuck.map((n) => (
              <li key={n.source_node} data-testid={`unmapped-node-${n.source_node}`}>
                <b>{sourceNames.node(n.source_node)}</b>{" "}
                <span className="wf-muted">{n.unmapped} of {n.runs}{n.target_node ? ` → ${n.target_node}` : ""}</span>
                {n.reasons.map((r) => (
                  <div key={r.code + r.message} className="unmapped-run__why" data-code={r.code}>{r.runs} · {r.message}</div>
                ))}
              </li>
            ))}
          </ul>
        </section>
      )}
      {impact.unmapped_runs.length > 0 && (
        <section data-testid="unmapped-runs">
          <h3>Runs that stay ({impact.unmapped}{impact.unmapped > impact.unmapped_runs.length ? `, first ${impact.unmapped_runs.length}` : ""})</h3>
          <ul className="plain-list">
            {impact.unmapped_runs.map((r) => (
              <li key={r.run_id}>
                <CaseLink runId={r.run_id} text={`Case ${r.case_id.slice(0, 8)}`} />
                <span className="wf-muted"> at {sourceNames.node(r.node_id ?? "?")}{r.step_id ? ` › ${sourceNames.step(r.step_id)}` : ""}</span>
                <div className="unmapped-run__why" data-code={r.code}>{r.message}</div>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section data-testid="in-flight">
        <h3>In-flight work</h3>
        {inFlight.length ? (
          <ul className="plain-list">{inFlight.map((line) => <li key={line}>{line}</li>)}</ul>
        ) : <p className="wf-muted">No open steps, work items or timers are touched.</p>}
      </section>
    </>
  );
}
