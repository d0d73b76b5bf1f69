import { useReactFlow, useStore, type ReactFlowState } from "@xyflow/react";
import { useEffect, useRef } from "react";
import { readableView } from "../components/fit";

/** Whether every node has a size, measured or estimated. The editor renders only the
 * nodes on screen, so it cannot wait for all of them to be measured. */
function sized(state: ReactFlowState): boolean {
  if (state.nodeLookup.size === 0) return false;
  for (const [, node] of state.nodeLookup) {
    if (!(node.measured.width ?? node.width ?? node.initialWidth)) return false;
  }
  return true;
}

/** Opens the canvas readable once its nodes are measured (see `readableView`), centred
 * on `focus` when the graph is too large to show whole. Fits once, and once more when a
 * focus first becomes known (a case's stream arrives after its graph); after that a
 * focus that moves (the case moves on, another node gets busier) keeps the user's view. */
export function useReadableFit(focus: string | null | undefined): void {
  const flow = useReactFlow();
  const ready = useStore(sized);
  const width = useStore((s) => s.width);
  const height = useStore((s) => s.height);
  const done = useRef<"no" | "whole" | "focused">("no");
  useEffect(() => {
    if (!ready || !width || !height || done.current === "focused") return;
    if (done.current === "whole" && !focus) return;
    done.current = focus ? "focused" : "whole";
    const nodes = flow.getNodes();
    if (nodes.length === 0) return;
    const bounds = flow.getNodesBounds(nodes);
    const target = focus ? nodes.find((n) => n.id === focus) : undefined;
    const focusBox = target ? flow.getNodesBounds([target]) : null;
    void flow.setViewport(readableView(bounds, { width, height }, focusBox));
  }, [ready, width, height, focus, flow]);
}

/** `useReadableFit` as an element, for use inside a `<ReactFlow>`. */
export function ReadableFit({ focus }: { focus?: string | null }): null {
  useReadableFit(focus);
  return null;
}
