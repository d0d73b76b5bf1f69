import { useEffect } from "react";
import { selectDirty, useEditor } from "../store/editorStore";

/** Ask the browser to warn before leaving the page while there are unsaved changes. */
export function useUnsavedWarning(): void {
  useEffect(() => {
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (!selectDirty(useEditor.getState())) return;
      event.preventDefault();
      event.returnValue = "";
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    return () => window.removeEventListener("beforeunload", onBeforeUnload);
  }, []);
}
