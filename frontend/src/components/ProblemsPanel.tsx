import { AlertIcon, CloseIcon } from "./icons";
import { useMemo } from "react";
import { useFocus } from "../hooks/useFocus";
import { fromFlowEdge, fromFlowNode } from "../model/convert";
import { namesOf, placeOf, withNames } from "../model/names";
import { useEditor } from "../store/editorStore";
import { useUi } from "../store/uiStore";

/** Validation problems; clicking one selects and centres its element. */
export function ProblemsPanel() {
  const problems = useEditor((s) => s.problems);
  const hidden = useEditor((s) => s.diff !== null);
  const open = useUi((s) => s.problemsOpen);
  const focus = useFocus();
  const nodes = useEditor((s) => s.nodes);
  const edges = useEditor((s) => s.edges);
  const names = useMemo(() => namesOf(nodes.map(fromFlowNode), edges.map(fromFlowEdge)), [nodes, edges]);
  if (hidden) return null;
  const errors = problems.filter((p) => p.severity === "error").length;
  return (
    <section className={`problems ${open && problems.length ? "is-open" : "is-compact"}`} data-testid="problems-panel">
      <button type="button" className="problems__header" onClick={() => useUi.getState().set({ problemsOpen: !open })}>
        <AlertIcon size={13} />
        <span>Problems</span>
        <span className={`count ${errors ? "count--error" : problems.length ? "count--warning" : ""}`} data-testid="problem-count">
          {problems.length}
        </span>
        {problems.length === 0 ? (
          <span className="problems__toggle">None: ready to publish</span>
        ) : (
          <span className="problems__toggle">{open ? "Hide" : "Show"}</span>
        )}
      </button>
      {open && problems.length > 0 && (
        <ul className="problems__list">
          {problems.map((p, i) => (
            <li key={`${p.code}-${i}`}>
              <button
                type="button"
                className={`problem problem--${p.severity}`}
                data-testid="problem"
                data-code={p.code}
                data-node={p.node_id ?? ""}
                data-edge={p.edge_id ?? ""}
                data-step={p.step_id ?? ""}
                onClick={() => focus({ nodeId: p.node_id, edgeId: p.edge_id, stepId: p.step_id })}
              >
                <span className={`problem__sev problem__sev--${p.severity}`}>{p.severity}</span>
                <span className="problem__msg" title={p.message}>{withNames(p.message, names)}</span>
                <span className="problem__where" title={[p.node_id, p.step_id, p.edge_id].filter(Boolean).join(" · ")}>
                  {placeOf(p, names)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {open && problems.length > 0 && (
        <button type="button" className="problems__close" aria-label="Hide problems"
          onClick={() => useUi.getState().set({ problemsOpen: false })}><CloseIcon size={12} /></button>
      )}
    </section>
  );
}
