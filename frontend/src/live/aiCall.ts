// How an AI step's call reads on the timeline: the verdict, the model and what it cost.
import type { LogEvent } from "../api/runs";

const VERDICT: Record<string, string> = {
  accepted: "answer accepted",
  retried: "answer refused, retried",
  handed_to_person: "handed to a person",
  failed: "call failed",
  refused_budget: "not sent: budget spent",
  pending: "call under way",
};

function figure(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** "AI answer accepted: Classify (local:support-case.category@v1, confidence 0.91, 12 ms)". */
export function describeAiCall(event: LogEvent, stepName: string): string {
  const d = event.data ?? {};
  const verdict = VERDICT[String(d.verdict)] ?? String(d.verdict ?? "call");
  const parts: string[] = [];
  if (typeof d.model === "string" && d.model) parts.push(d.model);
  const confidence = figure(d.confidence);
  if (confidence !== null) parts.push(`confidence ${confidence.toFixed(2)}`);
  const tokensIn = figure(d.tokens_in);
  const tokensOut = figure(d.tokens_out);
  if (tokensIn || tokensOut) parts.push(`${tokensIn ?? 0}+${tokensOut ?? 0} tokens`);
  const latency = figure(d.latency_ms);
  if (latency !== null) parts.push(`${latency} ms`);
  const cost = figure(d.cost);
  if (cost) parts.push(`cost ${cost.toFixed(4)}`);
  return `AI ${verdict}: ${stepName}${parts.length ? ` (${parts.join(", ")})` : ""}`;
}
