import type { FitViewOptions } from "@xyflow/react";

/** The smallest zoom at which a node's labels still read (about 8 px text). A graph
 * too large to fit at this zoom opens at it, centred on what matters, instead of
 * shrinking to an overview nobody can read. */
export const MIN_READABLE_ZOOM = 0.6;

/** How the view fits the whole workflow when the admin asks (the Fit button, after an
 * automatic layout or an import): everything, however small. A canvas *opens* readable
 * instead (`readableView`). Nodes off screen are not mounted (and so not measured);
 * `includeHiddenNodes` makes the fit use their estimated sizes instead of skipping them. */
export const FIT_OPTIONS: FitViewOptions = { padding: 0.12, maxZoom: 1, includeHiddenNodes: true };

export interface Box { x: number; y: number; width: number; height: number }
export interface View { x: number; y: number; zoom: number }

/** The viewport that opens a graph readable.
 *
 * The whole graph (`bounds`) when it fits at `MIN_READABLE_ZOOM` or more; otherwise
 * that zoom, centred on `focus` (the current node, the busiest node) or on the
 * graph's left end (where a workflow starts), and kept over the graph so the screen
 * is not half empty. */
export function readableView(
  bounds: Box, screen: { width: number; height: number }, focus: Box | null = null,
  padding = 0.12, maxZoom = 1,
): View {
  const width = Math.max(bounds.width, 1) * (1 + 2 * padding);
  const height = Math.max(bounds.height, 1) * (1 + 2 * padding);
  const fit = Math.min(screen.width / width, screen.height / height, maxZoom);
  const zoom = Math.max(fit, MIN_READABLE_ZOOM);
  let cx = bounds.x + bounds.width / 2;
  let cy = bounds.y + bounds.height / 2;
  if (fit < MIN_READABLE_ZOOM) {
    const target = focus ?? { x: bounds.x, y: bounds.y, width: 0, height: bounds.height };
    cx = clampCentre(target.x + target.width / 2, bounds.x, bounds.width, screen.width / zoom, padding);
    cy = clampCentre(target.y + target.height / 2, bounds.y, bounds.height, screen.height / zoom, padding);
  }
  return { x: screen.width / 2 - cx * zoom, y: screen.height / 2 - cy * zoom, zoom };
}

/** A centre on one axis moved so the visible span stays over the graph (plus padding). */
function clampCentre(centre: number, start: number, size: number, visible: number, padding: number): number {
  const margin = size * padding;
  const low = start - margin + visible / 2;
  const high = start + size + margin - visible / 2;
  if (low > high) return start + size / 2;
  return Math.min(Math.max(centre, low), high);
}

/** The node holding the most cases (the first such in `order`), or null when all are empty. */
export function busiestNode(counts: Record<string, { count: number } | undefined>, order: readonly string[]): string | null {
  let best: string | null = null;
  let most = 0;
  for (const id of order) {
    const count = counts[id]?.count ?? 0;
    if (count > most) {
      best = id;
      most = count;
    }
  }
  return best;
}
