import { useReactFlow } from "@xyflow/react";
import { useEffect } from "react";
import { useEditor } from "../store/editorStore";
import { save } from "../store/operations";
import { useUi } from "../store/uiStore";
import { useFitView } from "./useFitView";

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/** The editor's keyboard shortcuts (Ctrl on Linux/Windows, Cmd on macOS). */
export function useKeyboardShortcuts(): void {
  const flow = useReactFlow();
  const fitView = useFitView();
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      const editor = useEditor.getState();
      const ui = useUi.getState();
      if (mod && key === "s") {
        event.preventDefault();
        void save();
        return;
      }
      if (mod && key === "f") {
        event.preventDefault();
        ui.set({ searchOpen: true });
        return;
      }
      if (key === "escape") {
        if (ui.searchOpen) ui.set({ searchOpen: false });
        else if (editor.pendingOutcome) editor.chooseOutcome(null);
        else if (!isTyping(event.target)) editor.select({});
        return;
      }
      if (isTyping(event.target)) return;
      if (mod && key === "z") {
        event.preventDefault();
        if (event.shiftKey) editor.redo();
        else editor.undo();
      } else if (mod && key === "y") {
        event.preventDefault();
        editor.redo();
      } else if (mod && key === "c") {
        const count = editor.copySelection();
        if (count) ui.toast(`Copied ${count} node${count === 1 ? "" : "s"}.`);
      } else if (mod && key === "v") {
        event.preventDefault();
        editor.paste();
      } else if (mod && key === "a") {
        event.preventDefault();
        editor.selectAll();
      } else if (key === "delete" || key === "backspace") {
        event.preventDefault();
        const step = editor.selectedStep;
        if (step) editor.removeStep(step);
        else editor.deleteSelection();
      } else if (!mod && (key === "=" || key === "+")) {
        void flow.zoomIn({ duration: 150 });
      } else if (!mod && key === "-") {
        void flow.zoomOut({ duration: 150 });
      } else if (!mod && event.shiftKey && key === "!") {
        fitView({ duration: 200 });
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [flow, fitView]);
}
