import { GearIcon, PersonIcon, PlusIcon } from "../components/icons";
import { createOutcome } from "../model/defaults";
import { allOutcomes, type DecisionNode, type Outcome, type StageNode, type WfNode } from "../model/types";
import { moved } from "../model/lists";
import { nodeRegistry } from "../nodes/registry";
import { useEditor } from "../store/editorStore";
import { Checkbox, Field, PanelLink, ReorderButtons, Section, TextArea, TextInput } from "./fields";
import { ConditionEditor } from "./RuleBuilder";
import { QueuePicker } from "./RoutingPickers";
import { SlaEditor } from "./SlaEditor";

export function NodePanel({ id }: { id: string }) {
  const node = useEditor((s) => s.nodes.find((n) => n.id === id)?.data.node);
  if (!node) return null;
  const update = (change: (n: WfNode) => WfNode, key?: string) => useEditor.getState().updateNode(id, change, key);
  const patch = (fields: Partial<WfNode>, key?: string) => update((n) => ({ ...n, ...fields }) as WfNode, key);
  const entry = nodeRegistry[node.kind];
  return (
    <div className="panel-body" data-testid="node-panel">
      <div className="panel-kind">
        <span className={`panel-kind__icon panel-kind__icon--${node.kind}`}><entry.icon size={14} /></span>
        {entry.label}
        <span className="panel-kind__id" title="Identifier">{node.id}</span>
      </div>
      <Field label="Name">
        <TextInput value={node.name ?? ""} onChange={(v) => patch({ name: v }, `${id}.name`)} testId="node-name" />
      </Field>
      <Field label="Description">
        <TextArea value={node.description ?? ""} onChange={(v) => patch({ description: v }, `${id}.description`)} testId="node-description" />
      </Field>
      {node.kind === "end" && (
        <Field label="Resolution" hint="Recorded on the case when a run ends here">
          <TextInput value={node.resolution ?? ""} onChange={(v) => patch({ resolution: v }, `${id}.resolution`)} testId="node-resolution" />
        </Field>
      )}
      {node.kind === "stage" && <StageFields node={node} update={update} />}
      {node.kind === "decision" && <DecisionFields node={node} update={update} />}
    </div>
  );
}

function StageFields({ node, update }: { node: StageNode; update: (c: (n: WfNode) => WfNode, key?: string) => void }) {
  const set = (fields: Partial<StageNode>, key?: string) => update((n) => ({ ...(n as StageNode), ...fields }), key);
  const steps = node.steps ?? [];
  const editor = useEditor.getState;
  return (
    <>
      <Field label="Owner" hint="The queue or team that owns the stage">
        <QueuePicker value={node.owner ?? ""} onChange={(v) => set({ owner: v || null }, `${node.id}.owner`)} testId="stage-owner" />
      </Field>
      <Section title="SLA">
        <SlaEditor value={node.sla} onChange={(sla, key) => set({ sla }, key)} testId="stage-sla" />
      </Section>
      <Section title="Steps" actions={
        <span className="section-actions">
          <button type="button" className="link-btn" onClick={() => editor().addStep(node.id, "interactive")} data-testid="panel-add-task">
            <PlusIcon size={11} /> Task
          </button>
          <button type="button" className="link-btn" onClick={() => editor().addStep(node.id, "background")} data-testid="panel-add-automation">
            <PlusIcon size={11} /> Automation
          </button>
        </span>
      }>
        <p className="field__hint">Steps start together unless they wait for another step or their entry condition.</p>
        <ul className="list">
          {steps.map((step, index) => (
            <li key={step.id} className="list__item">
              <PanelLink className="list__main" onOpen={() => editor().selectStep({ nodeId: node.id, stepId: step.id })}
                testId={`panel-step-${step.id}`}>
                {step.kind === "background" ? <GearIcon size={12} /> : <PersonIcon size={12} />}
                <span>{step.name || step.id}</span>
              </PanelLink>
              <ReorderButtons index={index} count={steps.length}
                onMove={(delta) => editor().moveStep({ nodeId: node.id, stepId: step.id }, delta)}
                onRemove={() => editor().removeStep({ nodeId: node.id, stepId: step.id })} removeLabel="Remove step" />
            </li>
          ))}
        </ul>
      </Section>
      <Section title="Conditions">
        <ConditionEditor label="Entry condition" value={node.entry_condition} testId="stage-entry"
          emptyText="Enters as soon as the run arrives." onChange={(c) => set({ entry_condition: c })} />
        <ConditionEditor label="Exit condition" value={node.exit_condition} testId="stage-exit"
          emptyText="Exits when every step is done." onChange={(c) => set({ exit_condition: c })} />
      </Section>
    </>
  );
}

function DecisionFields({ node, update }: { node: DecisionNode; update: (c: (n: WfNode) => WfNode, key?: string) => void }) {
  const outcomes = node.outcomes ?? [];
  const set = (fields: Partial<DecisionNode>, key?: string) => update((n) => ({ ...(n as DecisionNode), ...fields }), key);
  const setOutcome = (index: number, outcome: Outcome, key?: string) =>
    set({ outcomes: outcomes.map((o, i) => (i === index ? outcome : o)) }, key);
  const taken = new Set(allOutcomes(node).map((o) => o.id));
  return (
    <>
      <Section title="Outcomes" actions={
        <button type="button" className="link-btn" data-testid="add-outcome"
          onClick={() => set({ outcomes: [...outcomes, createOutcome(taken, allOutcomes(node).length)] })}>
          <PlusIcon size={11} /> Outcome
        </button>
      }>
        <p className="field__hint">Checked in order against the latest case; the first that holds wins.</p>
        {outcomes.map((outcome, index) => (
          <div key={outcome.id} className="outcome-card" data-testid={`outcome-${outcome.id}`}>
            <div className="outcome-card__head">
              <span className="outcome-card__index">{index + 1}</span>
              <input className="input" value={outcome.label} data-testid={`outcome-label-${outcome.id}`}
                onChange={(e) => setOutcome(index, { ...outcome, label: e.target.value }, `${node.id}.${outcome.id}.label`)} />
              <ReorderButtons index={index} count={outcomes.length} onMove={(delta) => set({ outcomes: moved(outcomes, index, delta) })}
                onRemove={() => set({ outcomes: outcomes.filter((_, i) => i !== index) })}
                removeLabel="Remove outcome" removeTestId={`remove-outcome-${outcome.id}`} />
            </div>
            <ConditionEditor label="When" value={outcome.condition} testId={`outcome-cond-${outcome.id}`}
              emptyText="No rule yet: this outcome is never taken." onChange={(c) => setOutcome(index, { ...outcome, condition: c })} />
          </div>
        ))}
      </Section>
      <Section title="Default outcome">
        <Checkbox checked={!!node.default_outcome} label="Take a default outcome when no rule holds" testId="has-default"
          onChange={(on) => set({ default_outcome: on ? { id: taken.has("otherwise") ? `otherwise_${taken.size}` : "otherwise", label: "Otherwise", condition: null } : null })} />
        {node.default_outcome && (
          <Field label="Label">
            <TextInput value={node.default_outcome.label} testId="default-label"
              onChange={(v) => set({ default_outcome: { ...node.default_outcome!, label: v } }, `${node.id}.default.label`)} />
          </Field>
        )}
      </Section>
    </>
  );
}
