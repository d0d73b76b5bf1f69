import type { FitViewOptions } from "@xyflow/react";

/** How the view fits the workflow. Nodes off screen are not mounted (and so not
 * measured); `includeHiddenNodes` makes the fit use their estimated sizes instead of
 * skipping them. */
export const FIT_OPTIONS: FitViewOptions = { padding: 0.12, maxZoom: 1, includeHiddenNodes: true };
