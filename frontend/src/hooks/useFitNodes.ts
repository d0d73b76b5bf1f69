import { getViewportForBounds, useReactFlow, useStore, type ReactFlowState } from "@xyflow/react";
import { useEffect, useRef } from "react";

/** Whether every node has been measured: bounds need the real sizes. */
function measured(state: ReactFlowState): boolean {
  if (state.nodeLookup.size === 0) return false;
  for (const [, node] of state.nodeLookup) if (!node.measured.width) return false;
  return true;
}

/** Frames `ids` (the nodes an overlay is about) once the nodes are measured and the pane
 * has its size, and again when the set changes; never closer than 1:1. */
export function useFitNodes(ids: readonly string[]): void {
  const flow = useReactFlow();
  const ready = useStore(measured);
  const width = useStore((s) => s.width);
  const height = useStore((s) => s.height);
  const key = ids.join("\u0000");
  const done = useRef<string | null>(null);
  useEffect(() => {
    if (!ready || !width || !height || !key || done.current === key) return;
    done.current = key;
    const bounds = flow.getNodesBounds(key.split("\u0000"));
    void flow.setViewport(getViewportForBounds(bounds, width, height, 0.3, 1, 0.15));
  }, [ready, width, height, key, flow]);
}

/** `useFitNodes` as an element, for use inside a `<ReactFlow>`. */
export function FitNodes({ ids }: { ids: readonly string[] }): null {
  useFitNodes(ids);
  return null;
}
