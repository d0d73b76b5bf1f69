/** A link to a case page, opened in a new tab so the plan being looked at stays open. */
export function CaseLink({ runId, text }: { runId: string; text: string }) {
  return (
    <a href={`/cases/${encodeURIComponent(runId)}`} target="_blank" rel="noopener" data-testid={`case-link-${runId}`}>{text}</a>
  );
}
