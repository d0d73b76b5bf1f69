// The workflow's escalation rules: a condition (the rule builder) and what to do when it
// becomes true: raise priority, reassign to a queue or skills, notify, jump to a stage.
import { useShallow } from "zustand/react/shallow";
import { useRoutingOptions } from "../api/routing";
import { CloseIcon, PlusIcon } from "../components/icons";
import type { EscalationAction, EscalationActionKind, EscalationRule, WorkflowMeta } from "../model/types";
import { useEditor } from "../store/editorStore";
import { Field, ListInput, NumberInput, Section, Select, TextArea, TextInput } from "./fields";
import { ConditionEditor } from "./RuleBuilder";

const ACTION_LABELS: Record<EscalationActionKind, string> = {
  raise_priority: "Raise priority",
  reassign: "Reassign to a queue or skills",
  notify: "Notify",
  goto_stage: "Jump to a stage",
};

function newRule(taken: Set<string>): EscalationRule {
  let n = taken.size + 1;
  while (taken.has(`escalation_${n}`)) n += 1;
  return {
    id: `escalation_${n}`,
    name: "",
    condition: { kind: "group", match: "all", rules: [{ kind: "rule", field: "sla.state", op: "eq", value: "at_risk" }] },
    actions: [{ kind: "raise_priority", by: 1 }],
    stages: [],
  };
}

const NO_RULES: EscalationRule[] = [];

export function EscalationRules() {
  // Selectors must return stable values (zustand 5): a fresh [] or a fresh mapped array on
  // every call makes React re-render forever (error #185) and the editor goes blank.
  const rules = useEditor((s) => s.meta.escalations) ?? NO_RULES;
  const stages = useEditor(useShallow((s) => s.nodes.filter((n) => n.data.node.kind === "stage").map((n) => n.data.node.id)));
  const options = useRoutingOptions();
  const update = (next: EscalationRule[], key?: string) =>
    useEditor.getState().updateMeta((m: WorkflowMeta) => ({ ...m, escalations: next }), key);
  const setRule = (index: number, rule: EscalationRule, key?: string) =>
    update(rules.map((r, i) => (i === index ? rule : r)), key);
  const setAction = (index: number, k: number, action: EscalationAction, key?: string) =>
    setRule(index, { ...rules[index], actions: rules[index].actions.map((a, j) => (j === k ? action : a)) }, key);
  return (
    <Section title={`Escalation rules (${rules.length})`}
      actions={<button type="button" className="icon-btn" title="Add an escalation rule" data-testid="escalation-add"
        onClick={() => update([...rules, newRule(new Set(rules.map((r) => r.id)))])}><PlusIcon /></button>}>
      {rules.length === 0 && (
        <p className="field__hint">Escalate a case when a condition over its fields, SLA or counters becomes true: at once on a
          case update, and on the SLA timers. A rule fires once per stage visit.</p>
      )}
      {rules.map((rule, index) => (
        <div key={index} className="sf-card" data-testid={`escalation-${index}`}
          style={{ border: "1px solid var(--border)", borderRadius: 6, padding: 8, marginBottom: 8, display: "flex", flexDirection: "column", gap: 6 }}>
          <div className="row">
            <Field label="Id"><TextInput mono value={rule.id} testId={`escalation-${index}-id`}
              onChange={(v) => setRule(index, { ...rule, id: v.trim() }, `esc.${index}.id`)} /></Field>
            <Field label="Name"><TextInput value={rule.name ?? ""} testId={`escalation-${index}-name`}
              onChange={(v) => setRule(index, { ...rule, name: v }, `esc.${index}.name`)} /></Field>
            <button type="button" className="icon-btn" title="Remove the rule" style={{ alignSelf: "flex-end" }}
              onClick={() => update(rules.filter((_, i) => i !== index))}><CloseIcon /></button>
          </div>
          <ConditionEditor label="When" value={rule.condition} testId={`escalation-${index}-condition`}
            onChange={(c) => c && setRule(index, { ...rule, condition: c })} />
          <Field label="Only at stages" hint={`Empty: any stage. Stages: ${stages.join(", ") || "none yet"}`}>
            <ListInput value={rule.stages ?? []} testId={`escalation-${index}-stages`}
              onChange={(v) => setRule(index, { ...rule, stages: v }, `esc.${index}.stages`)} />
          </Field>
          <span className="field__label">Then</span>
          {rule.actions.map((action, k) => (
            <div key={k} style={{ display: "flex", flexDirection: "column", gap: 4, paddingLeft: 8, borderLeft: "2px solid var(--border)" }}>
              <div className="row">
                <Select value={action.kind} testId={`escalation-${index}-action-${k}`}
                  options={(Object.keys(ACTION_LABELS) as EscalationActionKind[]).map((kind) => ({ value: kind, label: ACTION_LABELS[kind] }))}
                  onChange={(kind) => setAction(index, k, { kind })} />
                <button type="button" className="icon-btn" title="Remove the action" disabled={rule.actions.length === 1}
                  onClick={() => setRule(index, { ...rule, actions: rule.actions.filter((_, j) => j !== k) })}><CloseIcon /></button>
              </div>
              {action.kind === "raise_priority" && (
                <Field label="By (priority classes)"><NumberInput value={action.by ?? 1} min={1}
                  onChange={(v) => setAction(index, k, { ...action, by: Math.max(1, Math.round(v ?? 1)) })} /></Field>
              )}
              {action.kind === "reassign" && (
                <>
                  <Field label="Queue">
                    <Select value={action.queue ?? ""} testId={`escalation-${index}-queue-${k}`}
                      options={[{ value: "", label: "Same queue" }, ...(options?.queues ?? []).map((q) => ({ value: q, label: q }))]}
                      onChange={(q) => setAction(index, k, { ...action, queue: q || null })} />
                  </Field>
                  <Field label="Required skills" hint={options?.skills.length ? `Known: ${options.skills.join(", ")}` : undefined}>
                    <ListInput value={action.skills ?? []} onChange={(v) => setAction(index, k, { ...action, skills: v }, `esc.${index}.${k}.skills`)} />
                  </Field>
                </>
              )}
              {action.kind === "notify" && (
                <>
                  <Field label="To"><TextInput value={action.to ?? ""} placeholder="lead@example.com"
                    onChange={(v) => setAction(index, k, { ...action, to: v }, `esc.${index}.${k}.to`)} /></Field>
                  <Field label="Message" hint="May use {field} placeholders"><TextArea value={action.message ?? ""}
                    onChange={(v) => setAction(index, k, { ...action, message: v }, `esc.${index}.${k}.msg`)} /></Field>
                </>
              )}
              {action.kind === "goto_stage" && (
                <Field label="Stage">
                  <Select value={action.node_id ?? ""} options={[{ value: "", label: "Choose a stage" }, ...stages.map((s) => ({ value: s, label: s }))]}
                    onChange={(v) => setAction(index, k, { ...action, node_id: v || null })} />
                </Field>
              )}
            </div>
          ))}
          <button type="button" className="link-btn" style={{ alignSelf: "flex-start" }}
            onClick={() => setRule(index, { ...rule, actions: [...rule.actions, { kind: "notify", to: "" }] })}>+ Add action</button>
        </div>
      ))}
    </Section>
  );
}
