'use client';

import { Bar, CartesianGrid, ComposedChart, Tooltip, XAxis, YAxis, type TooltipContentProps } from 'recharts';
import { SCORE_COLORS } from './colors';

export interface DistributionRow {
  label: string;
  /** Counts of scored answers 1..5. */
  counts: number[];
  favourable: number | null;
}

const AXIS_TICK = { fill: 'var(--chart-axis)', fontSize: 11.5 };

function TooltipBox({ active, payload, labels }: TooltipContentProps<number, string> & { labels: readonly string[] }) {
  if (!active || !payload?.length) return null;
  const point = payload[0]?.payload as (Record<string, number> & { label: string; n: number; counts: number[] }) | undefined;
  if (!point) return null;
  return (
    <div className="chart-tooltip">
      <div className="tt-title">{point.label}</div>
      {labels.map((label, i) => (
        <div className="tt-row" key={label}>
          <span><i style={{ display: 'inline-block', width: 8, height: 8, borderRadius: 2, background: SCORE_COLORS[i], marginRight: 6 }} />{label}</span>
          <span>{point.counts[i] ?? 0} ({Math.round((point[`s${i + 1}`] ?? 0) * 100)} %)</span>
        </div>
      ))}
      <div className="tt-row"><span>Answers</span><span>{point.n}</span></div>
    </div>
  );
}

/** One stacked bar per driver: the share of each score, unfavourable on the left. */
export function DistributionChart({ rows, labels }: { rows: DistributionRow[]; labels: readonly string[] }) {
  const data = rows.map((row) => {
    const n = row.counts.reduce((s, c) => s + c, 0);
    return { label: row.label, n, counts: row.counts, ...Object.fromEntries(row.counts.map((c, i) => [`s${i + 1}`, n ? c / n : 0])) };
  });
  return (
    <div className="chart-body" style={{ height: Math.max(160, rows.length * 34 + 40) }}>
      <ComposedChart layout="vertical" data={data} margin={{ top: 4, right: 16, bottom: 0, left: 4 }} responsive style={{ width: '100%', height: '100%' }}>
        <CartesianGrid horizontal={false} />
        <XAxis type="number" domain={[0, 1]} tick={AXIS_TICK} tickLine={false} tickFormatter={(v: number) => `${Math.round(v * 100)}%`} />
        <YAxis type="category" dataKey="label" tick={{ ...AXIS_TICK, fill: 'var(--text-2)', fontSize: 12.5 }} tickLine={false} axisLine={false} width={150} />
        <Tooltip cursor={{ fill: 'var(--surface-3)', opacity: 0.5 }} content={(props) => <TooltipBox {...(props as TooltipContentProps<number, string>)} labels={labels} />} />
        {[1, 2, 3, 4, 5].map((score) => (
          <Bar key={score} dataKey={`s${score}`} name={labels[score - 1]} stackId="d" fill={SCORE_COLORS[score - 1]} barSize={18} isAnimationActive={false} />
        ))}
      </ComposedChart>
    </div>
  );
}
