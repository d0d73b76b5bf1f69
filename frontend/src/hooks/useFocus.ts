import { useReactFlow } from "@xyflow/react";
import { useCallback } from "react";
import { useEditor } from "../store/editorStore";

export interface FocusTarget {
  nodeId?: string | null;
  edgeId?: string | null;
  stepId?: string | null;
}

/** Select an element (node, step or edge) and bring it to the centre of the canvas. */
export function useFocus(): (target: FocusTarget) => void {
  const flow = useReactFlow();
  return useCallback(
    ({ nodeId, edgeId, stepId }: FocusTarget) => {
      const editor = useEditor.getState();
      let centreOn: string | undefined;
      if (!nodeId && !edgeId) {
        // A workflow-level problem: show the workflow panel.
        editor.select({});
        return;
      }
      if (nodeId && stepId) {
        editor.selectStep({ nodeId, stepId });
        centreOn = nodeId;
      } else if (nodeId) {
        editor.select({ nodes: [nodeId] });
        centreOn = nodeId;
      } else if (edgeId) {
        editor.select({ edges: [edgeId] });
        const edge = editor.edges.find((e) => e.id === edgeId);
        if (edge) {
          const a = flow.getInternalNode(edge.source);
          const b = flow.getInternalNode(edge.target);
          if (a && b) {
            const x = (a.internals.positionAbsolute.x + b.internals.positionAbsolute.x) / 2 + 100;
            const y = (a.internals.positionAbsolute.y + b.internals.positionAbsolute.y) / 2 + 40;
            void flow.setCenter(x, y, { zoom: Math.max(flow.getZoom(), 0.8), duration: 250 });
          }
        }
        return;
      }
      if (!centreOn) return;
      const node = flow.getInternalNode(centreOn);
      if (!node) return;
      const x = node.internals.positionAbsolute.x + (node.measured.width ?? 200) / 2;
      const y = node.internals.positionAbsolute.y + (node.measured.height ?? 80) / 2;
      void flow.setCenter(x, y, { zoom: Math.max(flow.getZoom(), 0.8), duration: 250 });
    },
    [flow],
  );
}
