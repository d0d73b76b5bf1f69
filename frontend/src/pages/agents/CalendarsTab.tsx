// The calendars tab: business calendars (working hours, time zone, public and own
// holidays) that SLA clocks count working time by.
import { useEffect, useState } from "react";
import { routingApi, type Calendar, type HolidayCountry } from "../../api/routing";
import { HoursEditor, summarizeHours } from "./HoursEditor";
import { Editor, Field, Group, TabLayout, useRowEditor, type Data } from "./TabParts";

const NEW_CALENDAR: Calendar = {
  name: "", description: "", timezone: "UTC", holidays: [], country: null, region: null,
  hours: Object.fromEntries(["mon", "tue", "wed", "thu", "fri"].map((d) => [d, [["09:00", "17:00"]]])) as Calendar["hours"],
};

function placeOf(calendar: Calendar, countries: HolidayCountry[]): string {
  if (!calendar.country) return "";
  const country = countries.find((c) => c.code === calendar.country);
  const region = country?.regions.find((r) => r.code === calendar.region);
  return [country?.name ?? calendar.country, region?.name ?? calendar.region].filter(Boolean).join(", ");
}

export function CalendarsTab({ data, reload }: { data: Data; reload: () => Promise<void> }) {
  const { editing, open, props } = useRowEditor<Calendar>(reload);
  const [countries, setCountries] = useState<HolidayCountry[]>([]);
  useEffect(() => {
    let live = true;
    routingApi.holidayCountries().then((found) => live && setCountries(found)).catch(() => undefined);
    return () => { live = false; };
  }, []);
  return (
    <TabLayout lede="Business calendars: SLA clocks count working time only." newLabel="New calendar" newTestId="new-calendar"
      onNew={() => open({ ...NEW_CALENDAR }, true)}
      editor={editing && (
        <CalendarEditor key={editing.item.name || "new"} initial={editing.item} isNew={editing.isNew}
          countries={countries}
          {...props((calendar) => routingApi.saveCalendar(calendar), (calendar) => routingApi.deleteCalendar(calendar.name))} />
      )}>
      <table className="table" data-testid="calendars-table">
        <thead><tr><th>Calendar</th><th>Time zone</th><th>Working hours</th><th>Holidays</th></tr></thead>
        <tbody>
          {data.calendars.map((calendar) => (
            <tr key={calendar.name} className="table__row" onClick={() => open(calendar)}>
              <td><span className="table__name">{calendar.name}</span><div className="wf-muted">{calendar.description}</div></td>
              <td className="mono">{calendar.timezone}</td>
              <td>{summarizeHours(calendar.hours)}</td>
              <td className="wf-muted" data-testid="calendar-holidays-cell">
                {[placeOf(calendar, countries), ...calendar.holidays].filter(Boolean).join("; ") || "—"}</td>
            </tr>
          ))}
          {data.calendars.length === 0 && <tr><td colSpan={4} className="rt-empty">No calendars yet.</td></tr>}
        </tbody>
      </table>
    </TabLayout>
  );
}

function CalendarEditor({ initial, isNew, countries, saving, error, onSave, onDelete, onClose }: {
  initial: Calendar; isNew: boolean; countries: HolidayCountry[]; saving: boolean; error: string | null;
  onSave: (calendar: Calendar) => void; onDelete?: () => void; onClose: () => void;
}) {
  const [calendar, setCalendar] = useState(initial);
  const [holidays, setHolidays] = useState(initial.holidays.join(", "));
  const set = (fields: Partial<Calendar>) => setCalendar((c) => ({ ...c, ...fields }));
  const country = countries.find((c) => c.code === calendar.country);
  // The public holidays read with the calendar are those of its stored place only.
  const samePlace = calendar.country === initial.country && calendar.region === initial.region;
  const shown = samePlace ? calendar.public_holidays ?? [] : [];
  return (
    <Editor title={isNew ? "New calendar" : calendar.name} testId="calendar-editor" saving={saving} error={error}
      onClose={onClose} onDelete={onDelete}
      onSave={() => onSave({ ...calendar, holidays: holidays.split(",").map((s) => s.trim()).filter(Boolean) })}>
      <Field label="Name"><input className="input input--mono" value={calendar.name} disabled={!isNew} data-testid="calendar-name"
        onChange={(e) => set({ name: e.target.value.trim() })} /></Field>
      <Field label="Description"><input className="input" value={calendar.description} onChange={(e) => set({ description: e.target.value })} /></Field>
      <Field label="Time zone" hint="An IANA name such as Europe/Berlin or America/New_York">
        <input className="input" value={calendar.timezone} data-testid="calendar-timezone" onChange={(e) => set({ timezone: e.target.value })} /></Field>
      <Group label="Working hours"><HoursEditor value={calendar.hours} onChange={(hours) => set({ hours })} testId="calendar-hours" /></Group>
      <Field label="Public holidays of" hint="The country's public holidays do not count as working time">
        <select className="input" value={calendar.country ?? ""} data-testid="calendar-country"
          onChange={(e) => set({ country: e.target.value || null, region: null })}>
          <option value="">No country: only the dates below</option>
          {countries.map((c) => <option key={c.code} value={c.code}>{c.name} ({c.code})</option>)}
        </select></Field>
      {country && country.regions.length > 0 && (
        <Field label="Region" hint="Where holidays differ inside the country">
          <select className="input" value={calendar.region ?? ""} data-testid="calendar-region"
            onChange={(e) => set({ region: e.target.value || null })}>
            <option value="">The whole country</option>
            {country.regions.map((r) => <option key={r.code} value={r.code}>{r.name} ({r.code})</option>)}
          </select></Field>
      )}
      {shown.length > 0 && (
        <Group label={`Public holidays in ${shown[0].day.slice(0, 4)}`}>
          <ul className="rt-holidays" data-testid="calendar-public-holidays">
            {shown.map((h) => <li key={h.day}><span className="mono">{h.day}</span> {h.name}</li>)}
          </ul>
        </Group>
      )}
      <Field label="Own holidays" hint="Dates on top of the public holidays, comma-separated: 2026-12-24, 2026-12-31">
        <input className="input" value={holidays} data-testid="calendar-holidays" onChange={(e) => setHolidays(e.target.value)} /></Field>
    </Editor>
  );
}
