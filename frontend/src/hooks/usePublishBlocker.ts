import { useMemo } from "react";
import { fromFlowEdge, fromFlowNode } from "../model/convert";
import { namesOf } from "../model/names";
import { publishBlocker, type PublishBlocker } from "../model/publishing";
import { useEditor } from "../store/editorStore";

/** What stops the draft from being published (its first error), or null. */
export function usePublishBlocker(): PublishBlocker | null {
  const problems = useEditor((s) => s.problems);
  const docId = useEditor((s) => s.docId);
  return useMemo(() => {
    const state = useEditor.getState();
    return publishBlocker(problems, namesOf(state.nodes.map(fromFlowNode), state.edges.map(fromFlowEdge)));
    // docId identifies the document's content (its names).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [problems, docId]);
}
