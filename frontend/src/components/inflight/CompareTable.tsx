import type { CompareSection } from "../../model/whatif";

/** The active version and the draft side by side, a section per figure. */
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
                <td title={row.label}>{row.label}</td>
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
