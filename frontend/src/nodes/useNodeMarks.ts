import { useEditor, type DiffStatus, type Mark } from "../store/editorStore";

/** The validation mark and diff status of one node (narrow selectors: a node re-renders
 * only when its own marks change). */
export function useNodeMarks(id: string): { mark: Mark | undefined; diff: DiffStatus | undefined } {
  const mark = useEditor((s) => (s.diff ? undefined : s.problemIndex.nodes[id]));
  const diff = useEditor((s) => s.diff?.status[`n:${id}`]);
  return { mark, diff };
}
