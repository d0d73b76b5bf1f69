import { useReactFlow } from "@xyflow/react";
import type { DragEvent } from "react";
import { PALETTE_MIME, paletteEntries } from "../nodes/registry";
import type { NodeKind } from "../model/types";
import { useEditor } from "../store/editorStore";

/** Node types to drag onto the canvas (or click to drop in the middle of the view). */
export function Palette() {
  const flow = useReactFlow();
  const readOnly = useEditor((s) => s.diff !== null);
  const onDragStart = (kind: NodeKind) => (event: DragEvent) => {
    event.dataTransfer.setData(PALETTE_MIME, kind);
    event.dataTransfer.effectAllowed = "move";
  };
  const addInView = (kind: NodeKind) => {
    const canvas = document.querySelector(".canvas")?.getBoundingClientRect();
    const centre = canvas
      ? flow.screenToFlowPosition({ x: canvas.left + canvas.width / 2, y: canvas.top + canvas.height / 2 })
      : { x: 0, y: 0 };
    useEditor.getState().addNode(kind, { x: Math.round(centre.x), y: Math.round(centre.y) });
  };
  return (
    <aside className="palette" aria-label="Palette">
      <div className="palette__title">Add</div>
      {paletteEntries.map((entry) => (
        <button
          key={entry.kind}
          type="button"
          className={`palette__item palette__item--${entry.kind}`}
          draggable={!readOnly}
          disabled={readOnly}
          onDragStart={onDragStart(entry.kind)}
          onClick={() => addInView(entry.kind)}
          title={`${entry.description}. Drag onto the canvas, or click to add.`}
          data-testid={`palette-${entry.kind}`}
        >
          <span className={`palette__icon palette__icon--${entry.kind}`}><entry.icon size={16} /></span>
          <span className="palette__label">{entry.label}</span>
        </button>
      ))}
    </aside>
  );
}
