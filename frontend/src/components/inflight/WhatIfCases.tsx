import type { CaseIdsRead } from "../../model/whatifInputs";

export type CasesMode = "days" | "ids";

/** Which recorded cases to replay: those started in the last N days, or a chosen set of
 * case ids (pasted one per line or comma separated), with how many were read. */
export function WhatIfCases({ mode, onMode, days, onDays, daysValid, text, onText, read }: {
  mode: CasesMode;
  onMode: (mode: CasesMode) => void;
  days: string;
  onDays: (days: string) => void;
  daysValid: boolean;
  text: string;
  onText: (text: string) => void;
  read: CaseIdsRead;
}) {
  return (
    <fieldset className="whatif__cases" data-testid="whatif-cases">
      <legend className="field__label">Which recorded cases</legend>
      <label className="whatif__choice">
        <input type="radio" name="whatif-cases" checked={mode === "days"} onChange={() => onMode("days")} data-testid="whatif-mode-days" />
        <span className="whatif__days">
          started in the last
          <input type="number" min={1} max={365} value={days} disabled={mode !== "days"} aria-label="Days"
            className={`input input--compact whatif__number${daysValid || mode !== "days" ? "" : " is-invalid"}`}
            onChange={(e) => onDays(e.target.value)} data-testid="whatif-days" /> days
        </span>
      </label>
      <label className="whatif__choice">
        <input type="radio" name="whatif-cases" checked={mode === "ids"} onChange={() => onMode("ids")} data-testid="whatif-mode-ids" />
        these cases
      </label>
      {mode === "ids" && (
        <div className="whatif__ids">
          <textarea className={`input input--mono whatif__textarea${read.ok || !text.trim() ? "" : " is-invalid"}`} rows={4}
            value={text} onChange={(e) => onText(e.target.value)} aria-label="Case ids"
            placeholder={"Case ids, one per line or separated by commas"} data-testid="whatif-case-ids" />
          <span className={`field__hint${read.ok || !text.trim() ? "" : " field__hint--error"}`} data-testid="whatif-case-count">
            {read.ok
              ? `${read.ids.length} case id${read.ids.length === 1 ? "" : "s"} read${read.duplicates ? ` (${read.duplicates} repeated, kept once)` : ""}.`
              : read.error}
          </span>
        </div>
      )}
    </fieldset>
  );
}
