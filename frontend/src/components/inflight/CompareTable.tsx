import type { CompareSection } from "../../model/whatif";

/** The id in a row's key ("edge:priority--urgent"), shown on hover beside its name. */
const idOf = (key: string): string => (key.includes(":") ? key.slice(key.indexOf(":") + 1) : "");

/** The active version and the draft side by side, a section per figure; labels are names
 * (an edge "from → to", one of an older version said so), the id on hover. */
export function CompareTable({ sections }: { sections: CompareSection[] }) {
  return (
    <div data-testid="whatif-table">
      {sections.map((section) => (
        <table key={section.title} className="compare" data-testid={`compare-${section.title.split(" ")[0].toLowerCase()}`}>
          <caption>{section.title}</caption>
          <thead><tr><th /><th>Active</th><th>Draft</th></tr></thead>
          <tbody>
            {section.rows.map((row) => (
              <tr key={row.key} className={row.changed ? "is-changed" : ""} data-testid={`row-${row.key}`} data-changed={row.changed}>
                <td title={idOf(row.key) ? `${row.label} · id ${idOf(row.key)}` : row.label}>{row.label}</td>
                <td>{row.active}</td>
                <td>{row.draft}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </div>
  );
}
