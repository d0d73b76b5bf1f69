import { useMemo, useState } from "react";
import { useFocus } from "../hooks/useFocus";
import { useEditor } from "../store/editorStore";
import { useUi } from "../store/uiStore";
import { whileOpen } from "./whileOpen";

/** Ctrl/Cmd+F: find a node (or a step) by name or id, select it and centre it. */
export const SearchBox = whileOpen((s) => s.searchOpen, SearchBoxOpen);

function SearchBoxOpen() {
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const nodes = useEditor((s) => s.nodes);
  const focus = useFocus();
  const results = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const found: { nodeId: string; stepId?: string; label: string; sub: string }[] = [];
    for (const node of nodes) {
      const wf = node.data.node;
      if ((wf.name ?? "").toLowerCase().includes(q) || wf.id.toLowerCase().includes(q)) {
        found.push({ nodeId: wf.id, label: wf.name || wf.id, sub: wf.kind });
      }
      if (wf.kind === "stage") {
        for (const step of wf.steps ?? []) {
          if ((step.name ?? "").toLowerCase().includes(q) || step.id.toLowerCase().includes(q)) {
            found.push({ nodeId: wf.id, stepId: step.id, label: step.name || step.id, sub: `step in ${wf.name || wf.id}` });
          }
        }
      }
      if (found.length >= 30) break;
    }
    return found;
  }, [query, nodes]);
  const close = () => useUi.getState().set({ searchOpen: false });
  const pick = (index: number) => {
    const hit = results[index];
    if (!hit) return;
    focus({ nodeId: hit.nodeId, stepId: hit.stepId });
    close();
  };
  return (
    <div className="search" role="dialog" aria-label="Find a node">
      <input
        autoFocus
        className="search__input"
        placeholder="Find a node or step by name…"
        value={query}
        data-testid="search-input"
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") setActive((a) => Math.min(a + 1, results.length - 1));
          else if (e.key === "ArrowUp") setActive((a) => Math.max(a - 1, 0));
          else if (e.key === "Enter") pick(active);
          else if (e.key === "Escape") close();
        }}
      />
      {results.length > 0 && (
        <ul className="search__results">
          {results.map((r, i) => (
            <li key={`${r.nodeId}/${r.stepId ?? ""}`}>
              <button type="button" className={i === active ? "is-active" : ""} onMouseDown={(e) => e.preventDefault()}
                onClick={() => pick(i)} data-testid="search-result">
                <span>{r.label}</span>
                <span className="wf-muted">{r.sub}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {query && results.length === 0 && <div className="search__none">Nothing matches “{query}”.</div>}
    </div>
  );
}
