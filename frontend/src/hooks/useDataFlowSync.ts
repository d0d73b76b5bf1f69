import { useEffect } from "react";
import { api } from "../api/client";
import { useDataFlow } from "../store/dataFlowStore";
import { useEditor } from "../store/editorStore";

const DEBOUNCE_MS = 600;

/** Keep the data flow of the edited document fresh, shortly after every edit; stale
 * answers are dropped. Only designers may ask (the rule builder is theirs). */
export function useDataFlowSync(enabled: boolean): void {
  useEffect(() => {
    if (!enabled) return;
    let timer: number | undefined;
    let controller: AbortController | null = null;
    const run = () => {
      controller?.abort();
      controller = new AbortController();
      const state = useEditor.getState();
      const docId = state.docId;
      api.dataFlow(state.workflow(), controller.signal).then(
        (flow) => { if (useEditor.getState().docId === docId) useDataFlow.getState().set(flow); },
        () => undefined, // an invalid draft has no data flow; validation says why
      );
    };
    let lastDoc: unknown = null;
    const unsubscribe = useEditor.subscribe((state) => {
      if (state.docId === lastDoc || state.workflowId === null) return;
      lastDoc = state.docId;
      window.clearTimeout(timer);
      timer = window.setTimeout(run, DEBOUNCE_MS);
    });
    if (useEditor.getState().workflowId) timer = window.setTimeout(run, DEBOUNCE_MS);
    return () => {
      unsubscribe();
      window.clearTimeout(timer);
      controller?.abort();
      useDataFlow.getState().set(null);
    };
  }, [enabled]);
}
