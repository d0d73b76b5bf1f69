// Every log event with time, actor and reason; a row click moves the scrubber there.
import { useEffect, useRef } from "react";
import type { LogEvent } from "../../api/runs";
import { describe } from "../../live/path";
import { clock, show, submitted } from "./format";

function why(event: LogEvent): string | null {
  // A move says its reason in its sentence ("Moved from version 1 to 2 by ada: …").
  if (event.kind === "run.migrated") return null;
  const reason = event.data?.reason;
  return typeof reason === "string" && reason ? reason : null;
}

export function Timeline({ events, at, onPick, nameOf, stepNameOf, hidden, forms }: {
  events: LogEvent[];
  at: number | null;
  onPick: (seq: number) => void;
  nameOf: (nodeId: string) => string;
  stepNameOf: (stepId: string) => string;
  /** Fields whose values the timeline does not show (the case schema's sensitive ones). */
  hidden: ReadonlySet<string>;
  /** Interactive steps, whose completions carry a form's answers. */
  forms: ReadonlySet<string>;
}) {
  const end = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (at === null) end.current?.scrollIntoView({ block: "nearest" });
  }, [events.length, at]);
  return (
    <ol className="timeline" data-testid="timeline">
      {events.map((event) => {
        const reason = why(event);
        const values = submitted(event, hidden, forms);
        const withheld = event.kind === "step.completed" && Array.isArray(event.data?.hidden) ? (event.data.hidden as string[]) : [];
        const future = at !== null && event.seq > at;
        return (
          <li key={event.seq} className={`timeline__row timeline__row--${event.kind.split(".")[0]}${future ? " is-future" : ""}${at === event.seq ? " is-current" : ""}`}
            onClick={() => onPick(event.seq)} data-testid={`timeline-${event.seq}`} data-kind={event.kind}>
            <span className="timeline__seq">{event.seq}</span>
            <div className="timeline__body">
              <div className="timeline__what">{describe(event, nameOf, stepNameOf)}</div>
              {reason && <div className="timeline__why">{reason}</div>}
              {values.length > 0 && (
                <dl className="timeline__values" data-testid={`timeline-values-${event.seq}`}>
                  {values.map(([name, value]) => <div key={name}><dt>{name}</dt><dd>{show(value)}</dd></div>)}
                  {withheld.map((name) => <div key={name}><dt>{name}</dt><dd className="wf-muted">sensitive, not shown</dd></div>)}
                </dl>
              )}
              <div className="timeline__meta">{clock(event.at)} · {event.actor}</div>
            </div>
          </li>
        );
      })}
      <li ref={end} className="timeline__end" aria-hidden="true" />
    </ol>
  );
}
