import { ReactFlowProvider } from "@xyflow/react";
import { useMemo } from "react";
import { heatOverlay } from "../../model/whatif";
import { RunCanvas } from "../../pages/cases/RunCanvas";
import { useWhatIf } from "../../store/whatIfStore";

/** The tested draft, read-only, with the heat of its predicted paths; shown in place of
 * the editing canvas until the overlay is cleared. */
export function WhatIfCanvas() {
  const result = useWhatIf((s) => s.result);
  const draft = useWhatIf((s) => s.draft);
  const overlay = useMemo(() => (result && draft ? heatOverlay(result, draft) : null), [result, draft]);
  if (!overlay || !draft) return null;
  return (
    <div className="whatif-canvas" data-testid="whatif-canvas">
      <div className="whatif-canvas__bar">
        <span className="heat-legend">share of cases <span className="heat-legend__ramp" /> </span>
        <span className="legend__swatch legend__swatch--added" /> added
        <span className="legend__swatch legend__swatch--changed" /> changed
        <button type="button" className="btn btn--small" data-testid="whatif-clear"
          onClick={() => useWhatIf.getState().set({ overlay: false })}>Clear overlay</button>
      </div>
      <ReactFlowProvider>
        <RunCanvas workflow={draft} overlay={overlay} />
      </ReactFlowProvider>
    </div>
  );
}
