// The rule builder: all/any groups of `field operator value` rules, nested to any depth.
import { useMemo } from "react";
import {
  LIST_OPERATORS, OPERATOR_LABELS, UNARY_OPERATORS, defaultValue, operatorsFor, type CatalogField,
} from "../model/catalog";
import type { Condition, Group, Operator, Rule } from "../model/types";
import { CloseIcon, PlusIcon } from "../components/icons";
import { fromFlowNode } from "../model/convert";
import { writtenBy } from "../model/dataflow";
import { namesOf } from "../model/names";
import { useDataFlow } from "../store/dataFlowStore";
import { useEditor } from "../store/editorStore";
import { ListInput } from "./fields";
import { useCatalog } from "./useCatalog";

interface ConditionEditorProps {
  label: string;
  value: Condition | null | undefined;
  onChange: (value: Condition | null) => void;
  testId: string;
  emptyText?: string;
}

/** A condition slot: "no condition" until the user adds one, then a rule builder. */
export function ConditionEditor({ label, value, onChange, testId, emptyText = "No condition" }: ConditionEditorProps) {
  const catalog = useCatalog();
  const addFirst = () => {
    const field = catalog[0];
    const op = operatorsFor(field)[0];
    onChange({ kind: "group", match: "all", rules: field ? [{ kind: "rule", field: field.path, op, value: defaultValue(field, op) }] : [] });
  };
  return (
    <div className="condition" data-testid={testId}>
      <div className="condition__head">
        <span className="field__label">{label}</span>
        {value ? (
          <button type="button" className="link-btn" onClick={() => onChange(null)} data-testid={`${testId}-clear`}>Remove</button>
        ) : (
          <button type="button" className="link-btn" onClick={addFirst} data-testid={`${testId}-add`}>+ Add condition</button>
        )}
      </div>
      {value ? (
        <GroupEditor group={value} onChange={(g) => onChange(g)} catalog={catalog} depth={0} testId={testId} />
      ) : (
        <div className="condition__empty">{emptyText}</div>
      )}
    </div>
  );
}

interface GroupEditorProps {
  group: Group;
  onChange: (group: Group) => void;
  onRemove?: () => void;
  catalog: CatalogField[];
  depth: number;
  testId: string;
}

function GroupEditor({ group: given, onChange, onRemove, catalog, depth, testId }: GroupEditorProps) {
  // A stored group may leave out its match and rules; the model's defaults fill them in.
  const group = { ...given, match: given.match ?? "all", rules: given.rules ?? [] };
  const setItem = (index: number, item: Rule | Group) =>
    onChange({ ...group, rules: group.rules.map((r, i) => (i === index ? item : r)) });
  const removeItem = (index: number) => onChange({ ...group, rules: group.rules.filter((_, i) => i !== index) });
  const addRule = () => {
    const field = catalog[0];
    const op = operatorsFor(field)[0];
    onChange({ ...group, rules: [...group.rules, { kind: "rule", field: field?.path ?? "case.", op, value: defaultValue(field, op) }] });
  };
  const addGroup = () =>
    onChange({ ...group, rules: [...group.rules, { kind: "group", match: group.match === "all" ? "any" : "all", rules: [] }] });
  return (
    <div className={`rule-group rule-group--depth${Math.min(depth, 3)}`} data-testid={`${testId}-group`}>
      <div className="rule-group__head">
        <select className="input input--compact" value={group.match} data-testid={`${testId}-match`}
          onChange={(e) => onChange({ ...group, match: e.target.value as Group["match"] })}>
          <option value="all">All of</option>
          <option value="any">Any of</option>
        </select>
        <span className="wf-muted">these are true</span>
        {onRemove && (
          <button type="button" className="icon-btn icon-btn--small" onClick={onRemove} aria-label="Remove group">
            <CloseIcon size={11} />
          </button>
        )}
      </div>
      <div className="rule-group__items">
        {group.rules.map((item, index) =>
          item.kind === "group" ? (
            <GroupEditor key={index} group={item} onChange={(g) => setItem(index, g)} onRemove={() => removeItem(index)}
              catalog={catalog} depth={depth + 1} testId={`${testId}-${index}`} />
          ) : (
            <RuleEditor key={index} rule={item} onChange={(r) => setItem(index, r)} onRemove={() => removeItem(index)}
              catalog={catalog} testId={`${testId}-rule-${index}`} />
          ),
        )}
        {group.rules.length === 0 && <div className="condition__empty">An empty group is always true.</div>}
      </div>
      <div className="rule-group__actions">
        <button type="button" className="link-btn" onClick={addRule} data-testid={`${testId}-add-rule`}><PlusIcon size={11} /> Rule</button>
        <button type="button" className="link-btn" onClick={addGroup} data-testid={`${testId}-add-group`}><PlusIcon size={11} /> Group</button>
      </div>
    </div>
  );
}

interface RuleEditorProps {
  rule: Rule;
  onChange: (rule: Rule) => void;
  onRemove: () => void;
  catalog: CatalogField[];
  testId: string;
}

function RuleEditor({ rule, onChange, onRemove, catalog, testId }: RuleEditorProps) {
  const field = catalog.find((f) => f.path === rule.field);
  const ops = operatorsFor(field ?? { path: rule.field, type: "string" });
  const groups = useMemo(() => {
    const map = new Map<string, CatalogField[]>();
    for (const f of catalog) map.set(f.group, [...(map.get(f.group) ?? []), f]);
    return [...map.entries()];
  }, [catalog]);
  const changeField = (path: string) => {
    const next = catalog.find((f) => f.path === path);
    const allowed = operatorsFor(next ?? { path, type: "string" });
    const op = allowed.includes(rule.op) ? rule.op : allowed[0];
    onChange({ kind: "rule", field: path, op, value: next?.type === field?.type && op === rule.op ? rule.value : defaultValue(next, op) });
  };
  const changeOp = (op: Operator) => {
    const keep = LIST_OPERATORS.has(op) === LIST_OPERATORS.has(rule.op) && !UNARY_OPERATORS.has(rule.op);
    onChange({ ...rule, op, value: keep && !UNARY_OPERATORS.has(op) ? rule.value : defaultValue(field, op) });
  };
  return (
    <div className="rule" data-testid={testId}>
      <select className="input input--compact rule__field" value={rule.field} onChange={(e) => changeField(e.target.value)}
        data-testid={`${testId}-field`}>
        {!field && <option value={rule.field}>{rule.field} (unknown)</option>}
        {groups.map(([group, fields]) => (
          <optgroup key={group} label={group}>
            {fields.map((f) => <option key={f.path} value={f.path}>{f.label}</option>)}
          </optgroup>
        ))}
      </select>
      <select className="input input--compact rule__op" value={rule.op} onChange={(e) => changeOp(e.target.value as Operator)}
        data-testid={`${testId}-op`}>
        {!ops.includes(rule.op) && <option value={rule.op}>{OPERATOR_LABELS[rule.op] ?? rule.op}</option>}
        {ops.map((op) => <option key={op} value={op}>{OPERATOR_LABELS[op]}</option>)}
      </select>
      {!UNARY_OPERATORS.has(rule.op) && (
        <ValueEditor field={field} op={rule.op} value={rule.value} onChange={(value) => onChange({ ...rule, value })}
          testId={`${testId}-value`} />
      )}
      <button type="button" className="icon-btn icon-btn--small rule__remove" onClick={onRemove} aria-label="Remove rule"
        data-testid={`${testId}-remove`}>
        <CloseIcon size={11} />
      </button>
      <WrittenBy field={rule.field} testId={`${testId}-writers`} />
    </div>
  );
}

/** What writes the field a rule reads, from the data flow; plainly when nothing does. */
function WrittenBy({ field, testId }: { field: string; testId: string }) {
  const flow = useDataFlow((s) => s.flow);
  const nodes = useEditor((s) => s.nodes);
  const names = useMemo(() => namesOf(nodes.map(fromFlowNode)), [nodes]);
  const said = writtenBy(flow, field, names);
  if (!said) return null;
  return (
    <div className={`rule__writers${said.none ? " rule__writers--none" : ""}`} data-testid={testId}
      data-writers={said.none ? "none" : "some"}>{said.text}</div>
  );
}

function ValueEditor({ field, op, value, onChange, testId }: {
  field: CatalogField | undefined; op: Operator; value: unknown; onChange: (v: unknown) => void; testId: string;
}) {
  const type = field?.type ?? "string";
  if (LIST_OPERATORS.has(op)) {
    const list = Array.isArray(value) ? value.map(String) : value === null || value === undefined ? [] : [String(value)];
    if (type === "picklist" && field) {
      return (
        <div className="rule__multi" data-testid={testId}>
          {field.values.map((v) => (
            <label key={v} className="chip-check">
              <input type="checkbox" checked={list.includes(v)}
                onChange={(e) => onChange(e.target.checked ? [...list, v] : list.filter((x) => x !== v))} />
              {v}
            </label>
          ))}
        </div>
      );
    }
    return (
      <ListInput value={list} placeholder="a, b, c" testId={testId}
        onChange={(items) => onChange(type === "number" ? items.map(Number).filter(Number.isFinite) : items)} />
    );
  }
  switch (type) {
    case "number":
      return (
        <input className="input input--compact rule__value" type="number" value={typeof value === "number" ? value : ""}
          onChange={(e) => onChange(e.target.value === "" ? null : Number(e.target.value))} data-testid={testId} />
      );
    case "boolean":
      return (
        <select className="input input--compact rule__value" value={String(value === true)}
          onChange={(e) => onChange(e.target.value === "true")} data-testid={testId}>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      );
    case "date-time":
      return (
        <input className="input input--compact rule__value" type="datetime-local" value={toLocalInput(value)}
          onChange={(e) => onChange(e.target.value ? new Date(e.target.value).toISOString() : null)} data-testid={testId} />
      );
    case "picklist":
      return (
        <select className="input input--compact rule__value" value={String(value ?? "")} onChange={(e) => onChange(e.target.value)}
          data-testid={testId}>
          {field && !field.values.includes(String(value ?? "")) && <option value={String(value ?? "")}>{String(value ?? "")}</option>}
          {field?.values.map((v) => <option key={v} value={v}>{v}</option>)}
        </select>
      );
    default:
      return (
        <input className="input input--compact rule__value" value={value === null || value === undefined ? "" : String(value)}
          onChange={(e) => onChange(e.target.value)} data-testid={testId} placeholder="value" />
      );
  }
}

function toLocalInput(value: unknown): string {
  if (typeof value !== "string" || !value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 16);
}
