// The side panel: edits whatever is selected (a step, a node, an edge), else the workflow.
import { useShallow } from "zustand/react/shallow";
import { useCan } from "../auth/permissions";
import { useEditor } from "../store/editorStore";
import { EdgePanel } from "./EdgePanel";
import { NodePanel } from "./NodePanel";
import { StepPanel } from "./StepPanel";
import { WorkflowPanel } from "./WorkflowPanel";

export function PropertyPanel() {
  const step = useEditor((s) => s.selectedStep);
  const nodeIds = useEditor(useShallow((s) => s.nodes.filter((n) => n.selected).map((n) => n.id)));
  const edgeIds = useEditor(useShallow((s) => s.edges.filter((e) => e.selected).map((e) => e.id)));
  const diff = useEditor((s) => s.diff !== null);
  const canDesign = useCan("design");
  let body;
  let title: string;
  // While comparing versions the canvas is read-only and the versions panel explains it.
  if (diff) return null;
  if (step) {
    title = "Step";
    body = <StepPanel key={`${step.nodeId}/${step.stepId}`} stepRef={step} />;
  } else if (nodeIds.length === 1 && edgeIds.length === 0) {
    title = "Node";
    body = <NodePanel key={nodeIds[0]} id={nodeIds[0]} />;
  } else if (edgeIds.length === 1 && nodeIds.length === 0) {
    title = "Edge";
    body = <EdgePanel key={edgeIds[0]} id={edgeIds[0]} />;
  } else if (nodeIds.length + edgeIds.length > 1) {
    title = "Selection";
    body = (
      <div className="panel-body">
        <p>{nodeIds.length} nodes and {edgeIds.length} edges selected.</p>
        <p className="wf-muted">Ctrl+C / Ctrl+V copies them with new ids; Delete removes them.</p>
      </div>
    );
  } else {
    title = "Workflow";
    body = <WorkflowPanel />;
  }
  return (
    <aside className="properties" data-testid="property-panel" aria-label="Properties">
      <header className="panel__header"><h2>{title}</h2></header>
      {/* A disabled fieldset disables every control inside it, however deep: a role that
          may not change workflows reads the properties without typing into them. */}
      <fieldset className="properties__scroll" disabled={!canDesign} data-testid="property-fields">
        {!canDesign && (
          <p className="properties__readonly">Read only: your role may look at this workflow but not change it.</p>
        )}
        {body}
      </fieldset>
    </aside>
  );
}
