import { getViewportForBounds, useReactFlow, useStoreApi } from "@xyflow/react";
import { useCallback } from "react";
import { FIT_OPTIONS } from "../components/fit";

export interface FitRequest {
  /** Fit these nodes only (default: all). */
  nodes?: string[];
  padding?: number;
  duration?: number;
}

/** Fit the view to the workflow (or some of its nodes) now. React Flow's own `fitView`
 * waits until every node is measured, and the editor mounts only the nodes on screen,
 * so a graph opened on part of itself would never fit; node sizes here are measured
 * or estimated (`initialWidth`), which is enough to frame them. */
export function useFitView(): (request?: FitRequest) => void {
  const flow = useReactFlow();
  const store = useStoreApi();
  return useCallback((request: FitRequest = {}) => {
    const { width, height, minZoom } = store.getState();
    const wanted = request.nodes ? new Set(request.nodes) : null;
    const nodes = flow.getNodes().filter((n) => !wanted || wanted.has(n.id));
    if (!nodes.length || !width || !height) return;
    const bounds = flow.getNodesBounds(nodes);
    const viewport = getViewportForBounds(
      bounds, width, height, minZoom, FIT_OPTIONS.maxZoom ?? 1, request.padding ?? (FIT_OPTIONS.padding as number),
    );
    void flow.setViewport(viewport, { duration: request.duration });
  }, [flow, store]);
}
