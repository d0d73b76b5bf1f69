// The skills tab: skills that steps require and agents hold.
import { useState } from "react";
import { routingApi, type Skill } from "../../api/routing";
import { Editor, Field, TabLayout, useRowEditor, type Data } from "./TabParts";

export function SkillsTab({ data, reload }: { data: Data; reload: () => Promise<void> }) {
  const { editing, open, props } = useRowEditor<Skill>(reload);
  const holders = (name: string) => data.agents.filter((a) => name in a.skills);
  return (
    <TabLayout lede="Skills that steps require and agents hold." newLabel="New skill" newTestId="new-skill"
      onNew={() => open({ name: "", description: "" }, true)}
      editor={editing && (
        <SkillEditor key={editing.item.name || "new"} initial={editing.item} isNew={editing.isNew}
          {...props((skill) => routingApi.saveSkill(skill), (skill) => routingApi.deleteSkill(skill.name))} />
      )}>
      <table className="table" data-testid="skills-table">
        <thead><tr><th>Skill</th><th>Description</th><th>Held by</th></tr></thead>
        <tbody>
          {data.skills.map((skill) => (
            <tr key={skill.name} className="table__row" onClick={() => open(skill)}>
              <td className="table__name mono">{skill.name}</td>
              <td className="table__desc">{skill.description}</td>
              <td>{holders(skill.name).map((a) => <span key={a.id} className="rt-chip">{a.name}<span className="rt-chip__level">{a.skills[skill.name]}</span></span>)}</td>
            </tr>
          ))}
          {data.skills.length === 0 && <tr><td colSpan={3} className="rt-empty">No skills yet.</td></tr>}
        </tbody>
      </table>
    </TabLayout>
  );
}

function SkillEditor({ initial, isNew, saving, error, onSave, onDelete, onClose }: {
  initial: Skill; isNew: boolean; saving: boolean; error: string | null;
  onSave: (skill: Skill) => void; onDelete?: () => void; onClose: () => void;
}) {
  const [skill, setSkill] = useState(initial);
  return (
    <Editor title={isNew ? "New skill" : skill.name} testId="skill-editor" saving={saving} error={error}
      onClose={onClose} onDelete={onDelete} onSave={() => onSave(skill)}>
      <Field label="Name"><input className="input input--mono" value={skill.name} disabled={!isNew} data-testid="skill-name"
        onChange={(e) => setSkill({ ...skill, name: e.target.value.trim() })} /></Field>
      <Field label="Description"><input className="input" value={skill.description} onChange={(e) => setSkill({ ...skill, description: e.target.value })} /></Field>
    </Editor>
  );
}
