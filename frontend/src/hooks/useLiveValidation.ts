import { useEffect } from "react";
import { api } from "../api/client";
import { useEditor } from "../store/editorStore";
import { useUi } from "../store/uiStore";

const DEBOUNCE_MS = 350;

/** Validate the document on the server shortly after every edit; stale answers are dropped. */
export function useLiveValidation(): void {
  useEffect(() => {
    let timer: number | undefined;
    let controller: AbortController | null = null;
    let lastDoc = useEditor.getState().docId;
    const run = () => {
      controller?.abort();
      controller = new AbortController();
      const state = useEditor.getState();
      const docId = state.docId;
      const signal = controller.signal;
      api.validate(state.workflow(), signal).then(
        ({ problems }) => {
          if (useEditor.getState().docId !== docId) return;
          useEditor.getState().setProblems(problems);
          useUi.getState().set({ validation: "done" });
        },
        (error: unknown) => {
          if (signal.aborted) return;
          useUi.getState().set({ validation: "error" });
          console.warn("validation failed", error);
        },
      );
    };
    const unsubscribe = useEditor.subscribe((state) => {
      if (state.docId === lastDoc || state.workflowId === null) return;
      lastDoc = state.docId;
      useUi.getState().set({ validation: "pending" });
      window.clearTimeout(timer);
      timer = window.setTimeout(run, DEBOUNCE_MS);
    });
    return () => {
      unsubscribe();
      window.clearTimeout(timer);
      controller?.abort();
    };
  }, []);
}
