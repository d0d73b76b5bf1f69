import { useMemo } from "react";
import { buildCatalog, type CatalogField } from "../model/catalog";
import { useEditor } from "../store/editorStore";
import { useUi } from "../store/uiStore";

/** The fields a condition may read, rebuilt when the document changes (not per drag frame). */
export function useCatalog(): CatalogField[] {
  const docId = useEditor((s) => s.docId);
  const actions = useUi((s) => s.actions);
  return useMemo(() => {
    const state = useEditor.getState();
    return buildCatalog(state.meta, state.nodes.map((n) => n.data.node), actions);
    // docId identifies the document's content.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [docId, actions]);
}
