// Small formatting helpers shared by the case, cases and monitor pages.
import type { LogEvent } from "../../api/runs";

export function since(iso: string | null, now = Date.now()): string {
  if (!iso) return "–";
  const seconds = Math.max(0, (now - new Date(iso).getTime()) / 1000);
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m`;
  if (seconds < 86400) return `${(seconds / 3600).toFixed(1)}h`;
  return `${(seconds / 86400).toFixed(1)}d`;
}

export function clock(iso: string | null): string {
  if (!iso) return "";
  const date = new Date(iso);
  return date.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

export function show(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** A form's answers, from the completion of one of `forms` (interactive steps), less the
 * sensitive fields: those the server left out (named under `hidden`) and any in `hidden`. */
export function submitted(event: LogEvent, hidden: ReadonlySet<string>, forms: ReadonlySet<string>): [string, unknown][] {
  if (event.kind !== "step.completed" || !event.step_id || !forms.has(event.step_id)) return [];
  const outputs = event.data?.outputs;
  if (!outputs || typeof outputs !== "object" || Array.isArray(outputs)) return [];
  return Object.entries(outputs as Record<string, unknown>).filter(([name]) => !hidden.has(name));
}
