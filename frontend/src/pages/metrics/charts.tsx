// Small SVG charts for the metrics page: grouped bars over days, a line over days, and
// horizontal bars. No chart library: the figures are few and the shapes simple.

const W = 520;
const H = 200;
const PAD = { left: 40, right: 24, top: 10, bottom: 28 };

function ticks(max: number, count = 4): number[] {
  if (max <= 0) return [0, 1];
  const step = Math.pow(10, Math.floor(Math.log10(max / count)));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => max / s <= count) ?? step * 10;
  const top = Math.ceil(max / nice) * nice;
  return Array.from({ length: Math.round(top / nice) + 1 }, (_, i) => i * nice);
}

function dayLabel(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  return d.toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
}

function every(n: number): number {
  return Math.max(1, Math.ceil(n / 8));
}

export interface Series { label: string; color: string; values: (number | null)[] }

export function DayBars({ days, series, testId, format = String }: {
  days: string[]; series: Series[]; testId: string; format?: (v: number) => string;
}) {
  const max = Math.max(1, ...series.flatMap((s) => s.values.map((v) => v ?? 0)));
  const scale = ticks(max);
  const top = scale[scale.length - 1];
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, days.length);
  const bar = Math.max(1, (slot * 0.7) / series.length);
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  return (
    <>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" data-testid={testId} aria-label={series.map((s) => s.label).join(" and ")}>
        {scale.map((t) => (
          <g key={t}>
            <line className="mx-grid" x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
            <text className="mx-axis" x={PAD.left - 6} y={y(t) + 3} textAnchor="end">{format(t)}</text>
          </g>
        ))}
        {days.map((day, i) => (
          <g key={day}>
            {series.map((s, k) => {
              const v = s.values[i] ?? 0;
              const x = PAD.left + i * slot + slot * 0.15 + k * bar;
              return <rect key={s.label} x={x} y={y(v)} width={bar - 1} height={Math.max(0, PAD.top + plotH - y(v))} fill={s.color} rx={1.5}>
                <title>{`${dayLabel(day)} · ${s.label}: ${format(v)}`}</title></rect>;
            })}
            {i % every(days.length) === 0 && (
              <text className="mx-axis" x={PAD.left + i * slot + slot / 2} y={H - 10} textAnchor="middle">{dayLabel(day)}</text>
            )}
          </g>
        ))}
      </svg>
      <Legend series={series} />
    </>
  );
}

export function DayLine({ days, series, testId, max, format = String }: {
  days: string[]; series: Series[]; testId: string; max?: number; format?: (v: number) => string;
}) {
  const highest = max ?? Math.max(1, ...series.flatMap((s) => s.values.map((v) => v ?? 0)));
  const scale = max !== undefined ? [0, max / 4, max / 2, (3 * max) / 4, max] : ticks(highest);
  const top = scale[scale.length - 1];
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (days.length <= 1 ? plotW / 2 : (i / (days.length - 1)) * plotW);
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  return (
    <>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" data-testid={testId} aria-label={series.map((s) => s.label).join(" and ")}>
        {scale.map((t) => (
          <g key={t}>
            <line className="mx-grid" x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
            <text className="mx-axis" x={PAD.left - 6} y={y(t) + 3} textAnchor="end">{format(t)}</text>
          </g>
        ))}
        {series.map((s) => {
          // Days without a value break the line instead of pretending to be zero.
          const parts: string[] = [];
          let open = false;
          s.values.forEach((v, i) => {
            if (v === null) { open = false; return; }
            parts.push(`${open ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`);
            open = true;
          });
          return (
            <g key={s.label}>
              <path d={parts.join(" ")} fill="none" stroke={s.color} strokeWidth={2} strokeLinejoin="round" />
              {s.values.map((v, i) => v === null ? null : (
                <circle key={i} cx={x(i)} cy={y(v)} r={2.5} fill={s.color}><title>{`${dayLabel(days[i])} · ${s.label}: ${format(v)}`}</title></circle>
              ))}
            </g>
          );
        })}
        {days.map((day, i) => i % every(days.length) === 0 && (
          <text key={day} className="mx-axis" x={x(i)} y={H - 10}
            textAnchor={i === days.length - 1 && days.length > 1 ? "end" : "middle"}>{dayLabel(day)}</text>
        ))}
      </svg>
      <Legend series={series} />
    </>
  );
}

export function HBars({ rows, testId, max, format = String, color = "#2f5bd3" }: {
  rows: { label: string; value: number | null; note?: string }[]; testId: string; max?: number;
  format?: (v: number) => string; color?: string;
}) {
  const rowH = 24;
  const labelW = 130;
  const height = Math.max(rowH, rows.length * rowH) + 8;
  const top = max ?? Math.max(1, ...rows.map((r) => r.value ?? 0));
  const plotW = W - labelW - 70;
  return (
    <svg viewBox={`0 0 ${W} ${height}`} role="img" data-testid={testId}>
      {rows.map((row, i) => {
        const w = row.value === null ? 0 : (row.value / top) * plotW;
        const yy = 4 + i * rowH;
        return (
          <g key={row.label}>
            <text className="mx-axis" x={labelW - 8} y={yy + 15} textAnchor="end" style={{ fontSize: 11, fill: "var(--text-2)" }}>{row.label}</text>
            <rect x={labelW} y={yy + 4} width={plotW} height={14} fill="#eef1f6" rx={3} />
            <rect x={labelW} y={yy + 4} width={Math.max(0, w)} height={14} fill={color} rx={3}><title>{row.note ?? ""}</title></rect>
            <text className="mx-axis" x={labelW + plotW + 6} y={yy + 15} style={{ fontSize: 11, fill: "var(--text)" }}>
              {row.value === null ? "–" : format(row.value)}
            </text>
          </g>
        );
      })}
      {rows.length === 0 && <text className="mx-axis" x={W / 2} y={18} textAnchor="middle">No data in this period</text>}
    </svg>
  );
}

function Legend({ series }: { series: Series[] }) {
  return (
    <div className="mx-legend">
      {series.map((s) => <span key={s.label}><i style={{ background: s.color }} />{s.label}</span>)}
    </div>
  );
}
