// The chrome every node shares: outline for problems and diff status, a problem badge.
import type { ReactNode } from "react";
import { useNodeMarks } from "./useNodeMarks";

interface Props {
  id: string;
  kind: string;
  selected: boolean;
  children: ReactNode;
  className?: string;
}

export function NodeShell({ id, kind, selected, children, className = "" }: Props) {
  const { mark, diff } = useNodeMarks(id);
  const classes = [
    "wf-node", `wf-node--${kind}`, className,
    selected ? "is-selected" : "",
    mark ? `has-${mark.severity}` : "",
    diff ? `diff-${diff}` : "",
  ].filter(Boolean).join(" ");
  return (
    <div className={classes} data-testid={`node-${id}`} data-problem={mark?.severity ?? ""} data-diff={diff ?? ""}>
      {mark && (
        <span className={`wf-badge wf-badge--${mark.severity}`} title={mark.messages.join("\n")}
          data-testid={`node-badge-${id}`}>
          {mark.count}
        </span>
      )}
      {diff && <span className={`wf-diff-tag wf-diff-tag--${diff}`}>{diff}</span>}
      {children}
    </div>
  );
}

/** A node's header: its kind's icon, its title, and what the kind shows beside them. */
export function NodeHeader({ kind, icon, title, children }: { kind: string; icon: ReactNode; title: string; children?: ReactNode }) {
  return (
    <div className="wf-node__header">
      <span className={`wf-node__icon wf-node__icon--${kind}`}>{icon}</span>
      <span className="wf-node__title">{title}</span>
      {children}
    </div>
  );
}
