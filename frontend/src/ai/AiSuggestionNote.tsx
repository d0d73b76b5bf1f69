// Above a review item's form: what the AI answered and why a person is asked; the form
// starts from its answer (prefill), which the person keeps or corrects.
import { useEffect, useState } from "react";
import { aiApi, type AiSuggestion } from "./suggestion";

export function useAiSuggestion(key: string): AiSuggestion | null {
  const [found, setFound] = useState<AiSuggestion | null>(null);
  useEffect(() => {
    let live = true;
    setFound(null);
    // Items that review no AI step answer with nulls; a failed look-up just shows nothing.
    aiApi.suggestion(key).then((s) => { if (live) setFound(s); }).catch(() => undefined);
    return () => { live = false; };
  }, [key]);
  return found;
}

export function AiSuggestionNote({ suggestion }: { suggestion: AiSuggestion | null }) {
  if (!suggestion?.needs_review) return null;
  const answer = Object.entries(suggestion.answer ?? {}).map(([k, v]) => `${k}: ${String(v)}`).join(", ");
  return (
    <div className="banner" data-testid="ai-suggestion">
      <strong>AI suggestion</strong>{answer ? <> — {answer}</> : <> — none</>}
      {suggestion.confidence !== null && <> (confidence {suggestion.confidence.toFixed(2)})</>}
      {suggestion.reason && <div className="wf-muted">{suggestion.reason}</div>}
    </div>
  );
}
