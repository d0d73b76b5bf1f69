// An SLA's state and time left, recomputed from its due time as the clock moves.
import { formatRemaining, type Sla, type SlaState } from "../../api/routing";
import { SLA_LABELS } from "../../api/runs";

export function liveSla(sla: Sla | null, now: number): Sla | null {
  if (!sla) return null;
  const remaining = (new Date(sla.due_at).getTime() - now) / 60000;
  // The server's level already includes the warning point; time can only make it worse.
  const byTime: SlaState = remaining <= 0 ? "breached" : sla.state;
  return { ...sla, state: byTime, remaining_minutes: remaining };
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function SlaBadge({ sla, testId }: { sla: Sla | null; testId?: string }) {
  if (!sla) return <span className="rt-sla rt-sla--none" data-testid={testId}>No SLA</span>;
  return (
    <span className={`rt-sla rt-sla--${sla.state}`} data-testid={testId} data-state={sla.state}
      title={`Due ${new Date(sla.due_at).toLocaleString()}`}>
      {capitalised(SLA_LABELS[sla.state])} · {formatRemaining(sla.remaining_minutes)}
    </span>
  );
}
