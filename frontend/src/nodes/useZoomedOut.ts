import { useStore, type ReactFlowState } from "@xyflow/react";

/** Below this zoom, nodes draw a simplified body (no step lists): cheap and still legible. */
export const DETAIL_ZOOM = 0.3;

const zoomedOut = (s: ReactFlowState) => s.transform[2] < DETAIL_ZOOM;

/** Whether the canvas is zoomed out far enough to draw nodes simply (a boolean, so
 * nodes re-render only when the threshold is crossed, not on every zoom step). */
export function useZoomedOut(): boolean {
  return useStore(zoomedOut);
}
