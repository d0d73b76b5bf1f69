// Weekly working hours: one optional interval per weekday (the stored form allows
// several; the editor shows the first and keeps the rest as they are).
import type { Hours } from "../../api/routing";

export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

export function HoursEditor({ value, onChange, testId }: { value: Hours; onChange: (hours: Hours) => void; testId: string }) {
  const set = (day: string, interval: [string, string] | null) => {
    const next: Hours = { ...value };
    if (interval) next[day] = [interval, ...(value[day] ?? []).slice(1)];
    else delete next[day];
    onChange(next);
  };
  return (
    <div className="rt-hours" data-testid={testId}>
      {DAYS.map((day) => {
        const first = value[day]?.[0] ?? null;
        return (
          <div key={day} style={{ display: "contents" }}>
            <label className="rt-hours__day">
              <input type="checkbox" checked={!!first} data-testid={`${testId}-${day}`}
                onChange={(e) => set(day, e.target.checked ? ["09:00", "17:00"] : null)} /> {day}
            </label>
            <div className="rt-hours__cell">
              {first ? (
                <>
                  <input className="input" type="time" value={first[0]} onChange={(e) => set(day, [e.target.value, first[1]])} />
                  <span className="wf-muted">to</span>
                  <input className="input" type="time" value={first[1] === "24:00" ? "23:59" : first[1]}
                    onChange={(e) => set(day, [first[0], e.target.value])} />
                </>
              ) : (
                <span className="wf-muted">not worked</span>
              )}
            </div>
          </div>
        );
      })}
    </div>
  );
}

/** "Mon–Fri 09:00–17:00" style summary of a week. */
export function summarizeHours(hours: Hours): string {
  const days = DAYS.filter((d) => hours[d]?.length);
  if (!days.length) return "Any time";
  const spans = new Set(days.map((d) => hours[d]!.map(([a, b]) => `${a}–${b}`).join(", ")));
  const label = (d: string) => d.charAt(0).toUpperCase() + d.slice(1);
  const consecutive = days.every((d, i) => i === 0 || DAYS.indexOf(d) === DAYS.indexOf(days[i - 1]) + 1);
  const dayText = consecutive && days.length > 2 ? `${label(days[0])}–${label(days[days.length - 1])}` : days.map(label).join(", ");
  return spans.size === 1 ? `${dayText} ${[...spans][0]}` : `${dayText} (varies)`;
}
