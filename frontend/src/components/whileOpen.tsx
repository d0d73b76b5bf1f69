// A panel or dialog that exists only while its flag in the UI store is set: closing it
// unmounts its body, so it opens fresh next time (no stale query, note or selection).
import type { ComponentType } from "react";
import { useUi, type UiState } from "../store/uiStore";

export function whileOpen(isOpen: (state: UiState) => boolean, Body: ComponentType): ComponentType {
  function WhileOpen() {
    const open = useUi(isOpen);
    return open ? <Body /> : null;
  }
  WhileOpen.displayName = `WhileOpen(${Body.displayName ?? Body.name})`;
  return WhileOpen;
}
