// The metrics page's charts, drawn with Recharts: grouped bars over days, lines over days,
// and horizontal bars, each with a tooltip, a legend where there are several series, and
// labelled axes. Recharts' accessibility layer lets a keyboard step through the points.
import type { ReactElement } from "react";
import {
  Bar, BarChart, CartesianGrid, LabelList, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis,
} from "recharts";

const HEIGHT = 220;
const AXIS_TICK = { fontSize: 10, fill: "var(--muted)" };
const GRID = "#edf0f4";
const CURSOR = { fill: "rgba(47, 91, 211, 0.06)" };
// Series keys are s0, s1, ...: sorting by them keeps the order the page gives.
const IN_ORDER = "dataKey";

/** Five even ticks up to ``max``, when the scale has a fixed top (such as 100%). */
function ticksTo(max: number | undefined): number[] | undefined {
  return max === undefined ? undefined : [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
}

/** The top of a value axis: the data's highest value, or 1 when every value is zero. */
const atLeastOne = (dataMax: number) => (dataMax > 0 ? dataMax : 1);

export interface Series { label: string; color: string; values: (number | null)[] }

type Row = Record<string, string | number | null>;

function dayLabel(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  return d.toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
}

/** One row per day, each series under its own key (labels may hold any character). */
function byDay(days: string[], series: Series[]): Row[] {
  return days.map((day, i) => ({ day, ...Object.fromEntries(series.map((s, k) => [`s${k}`, s.values[i] ?? null])) }));
}

function shown(value: unknown, format: (v: number) => string): string {
  return typeof value === "number" ? format(value) : "–";
}

/** A chart's frame: named for assistive technology, with the test id the page's tests use. */
function Figure({ label, testId, children }: { label: string; testId: string; children: ReactElement }) {
  return (
    <div className="mx-plot" role="figure" aria-label={label} data-testid={testId}>
      <ResponsiveContainer width="100%" height={HEIGHT}>{children}</ResponsiveContainer>
    </div>
  );
}

function NoData({ testId }: { testId: string }) {
  return <div className="mx-plot mx-plot--empty" data-testid={testId}>No data in this period</div>;
}

export function DayBars({ days, series, testId, axis, format = String }: {
  days: string[]; series: Series[]; testId: string; axis: string; format?: (v: number) => string;
}) {
  const label = series.map((s) => s.label).join(" and ");
  return (
    <Figure label={`${label} per day`} testId={testId}>
      <BarChart data={byDay(days, series)} margin={{ top: 8, right: 8, bottom: 0, left: 4 }} accessibilityLayer>
        <CartesianGrid vertical={false} stroke={GRID} />
        <XAxis dataKey="day" tickFormatter={dayLabel} tick={AXIS_TICK} minTickGap={16} />
        <YAxis allowDecimals={false} tickFormatter={format} tick={AXIS_TICK} width={44}
          label={{ value: axis, angle: -90, position: "insideLeft", style: { fontSize: 10, fill: "var(--muted)" } }} />
        <Tooltip labelFormatter={(day) => dayLabel(String(day))} formatter={(value) => shown(value, format)}
          itemSorter={IN_ORDER} cursor={CURSOR} />
        <Legend iconType="square" iconSize={10} wrapperStyle={{ fontSize: 11.5 }} itemSorter={IN_ORDER} />
        {series.map((s, k) => (
          <Bar key={s.label} dataKey={`s${k}`} name={s.label} fill={s.color} radius={[2, 2, 0, 0]} isAnimationActive={false} />
        ))}
      </BarChart>
    </Figure>
  );
}

export function DayLine({ days, series, testId, axis, max, format = String }: {
  days: string[]; series: Series[]; testId: string; axis: string; max?: number; format?: (v: number) => string;
}) {
  const label = series.map((s) => s.label).join(" and ");
  if (series.every((s) => s.values.every((v) => v === null))) return <NoData testId={testId} />;
  return (
    <Figure label={`${label} per day`} testId={testId}>
      <LineChart data={byDay(days, series)} margin={{ top: 8, right: 12, bottom: 0, left: 4 }} accessibilityLayer>
        <CartesianGrid vertical={false} stroke={GRID} />
        <XAxis dataKey="day" tickFormatter={dayLabel} tick={AXIS_TICK} minTickGap={16} />
        <YAxis domain={[0, max ?? atLeastOne]} ticks={ticksTo(max)} tickFormatter={format} tick={AXIS_TICK} width={44}
          label={{ value: axis, angle: -90, position: "insideLeft", style: { fontSize: 10, fill: "var(--muted)" } }} />
        <Tooltip labelFormatter={(day) => dayLabel(String(day))} formatter={(value) => shown(value, format)}
          itemSorter={IN_ORDER} />
        <Legend iconType="plainline" wrapperStyle={{ fontSize: 11.5 }} itemSorter={IN_ORDER} />
        {series.map((s, k) => (
          // Days without a value break the line instead of pretending to be zero.
          <Line key={s.label} dataKey={`s${k}`} name={s.label} stroke={s.color} strokeWidth={2} dot={{ r: 2.5 }}
            connectNulls={false} isAnimationActive={false} />
        ))}
      </LineChart>
    </Figure>
  );
}

export function HBars({ rows, testId, axis, max, format = String, color = "#2f5bd3" }: {
  rows: { label: string; value: number | null; note?: string }[]; testId: string; axis: string; max?: number;
  format?: (v: number) => string; color?: string;
}) {
  if (rows.length === 0) return <NoData testId={testId} />;
  const data = rows.map((row) => ({ label: row.label, value: row.value, note: row.note ?? "" }));
  return (
    <div className="mx-plot" role="figure" aria-label={axis} data-testid={testId}>
      <ResponsiveContainer width="100%" height={Math.max(110, rows.length * 28 + 70)}>
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 72, bottom: 4, left: 4 }} accessibilityLayer>
          <CartesianGrid horizontal={false} stroke={GRID} />
          <XAxis type="number" domain={[0, max ?? atLeastOne]} ticks={ticksTo(max)} tickFormatter={format} tick={AXIS_TICK}
            label={{ value: axis, position: "insideBottom", offset: -2, style: { fontSize: 10, fill: "var(--muted)" } }} height={36} />
          <YAxis type="category" dataKey="label" tick={{ ...AXIS_TICK, fill: "var(--text-2)", fontSize: 11 }} width={130} />
          <Tooltip cursor={CURSOR} formatter={(value, _name, item) => {
            const note = (item.payload as { note: string }).note;
            return [note ? `${shown(value, format)} · ${note}` : shown(value, format), axis];
          }} />
          <Legend iconType="square" iconSize={10} wrapperStyle={{ fontSize: 11.5 }} />
          <Bar dataKey="value" name={axis} fill={color} radius={[0, 3, 3, 0]} barSize={14} background={{ fill: "#eef1f6" }}
            isAnimationActive={false}>
            <LabelList dataKey="value" position="right" formatter={(value: unknown) => shown(value, format)}
              style={{ fontSize: 11, fill: "var(--text)" }} />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
