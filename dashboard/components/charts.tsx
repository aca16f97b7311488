'use client';

import { useRouter } from 'next/navigation';
import type { ReactNode } from 'react';
import {
  Area,
  Bar,
  CartesianGrid,
  Cell,
  ComposedChart,
  Line,
  ReferenceLine,
  Tooltip,
  XAxis,
  YAxis,
  type TooltipContentProps,
} from 'recharts';
import { durationTicks } from '@paved/schemas/duration';
import { axisWidth, count, decimal, hours, hoursAxis, percent } from '@/lib/format';

/** Charts take plain data from server pages; formats are named, since functions cannot cross to the client. */
export type Format = 'count' | 'hours' | 'percent' | 'decimal';

export interface Point {
  label: string;
  /** Where a click on this point leads (the drill-down). */
  href?: string;
  /** A week only partly inside the window: drawn lighter. */
  partial?: boolean;
  [key: string]: string | number | boolean | null | undefined;
}

export interface Series {
  key: string;
  label: string;
  color: string;
  /** Bars stack when they share a stack id. */
  stack?: string;
}

export interface Band {
  low: string;
  high: string;
  label: string;
  opacity: number;
}

export interface Reference {
  value: number;
  label: string;
}

/** A vertical annotation at one x label (an initiative's start week). */
export interface Marker {
  x: string;
  label: string;
}

function formatter(format: Format, axis = false): (value: number) => string {
  switch (format) {
    case 'hours':
      return axis ? hoursAxis : (v) => hours(v);
    case 'percent':
      return (v) => (axis ? `${Number((v * 100).toFixed(1))}%` : percent(v));
    case 'decimal':
      return (v) => decimal(v);
    default:
      return (v) => count(v);
  }
}

const AXIS_TICK = { fill: 'var(--chart-axis)', fontSize: 11.5 };

/**
 * A category label for axes that show every label (histogram buckets): where the buckets are too
 * narrow for their labels (a phone), every other label drops to a second line instead of overlapping.
 */
function StaggeredTick({ x, y, payload, index, width, visibleTicksCount }: { x?: number | string; y?: number | string; payload?: { value?: unknown }; index?: number; width?: number | string; visibleTicksCount?: number }) {
  const narrow = Number(width ?? Infinity) / Math.max(1, visibleTicksCount ?? 1) < 52;
  const dy = narrow && (index ?? 0) % 2 === 1 ? 26 : 12;
  return (
    <text x={x} y={y} dy={dy} textAnchor="middle" fill={AXIS_TICK.fill} fontSize={AXIS_TICK.fontSize} className="recharts-text recharts-cartesian-axis-tick-value">
      {String(payload?.value ?? '')}
    </text>
  );
}

const PERCENT_STEPS = [0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25];

/** Round axis ticks in the unit people read: hours under two days and whole days above; whole percentages. */
const COUNT_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1_000, 2_000, 2_500, 5_000, 10_000, 20_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000];

function niceTicks(format: Format, max: number): number[] | undefined {
  if (format === 'hours') return durationTicks(max);
  const steps = format === 'percent' ? PERCENT_STEPS : format === 'count' ? COUNT_STEPS : null;
  if (!steps || !(max > 0)) return undefined;
  const step = steps.find((s) => Math.ceil(max / s) <= 5) ?? steps.at(-1)!;
  const n = Math.max(1, Math.ceil(max / step));
  return Array.from({ length: n + 1 }, (_, i) => Number((i * step).toFixed(4)));
}

function maxOf(data: Point[], keys: string[]): number {
  return Math.max(0, ...data.flatMap((d) => keys.map((k) => d[k])).filter((v): v is number => typeof v === 'number' && Number.isFinite(v)));
}

function useDrill(data: Point[]) {
  const router = useRouter();
  const clickable = data.some((d) => d.href);
  const onClick = (state: { activeTooltipIndex?: number | string | null | undefined }) => {
    const index = Number(state?.activeTooltipIndex);
    const target = Number.isInteger(index) ? data[index]?.href : undefined;
    if (target) router.push(target);
  };
  return { clickable, onClick };
}

function TooltipBox({ active, payload, label, format, series, bands, data, extra }: TooltipContentProps<number, string> & { format: Format; series: Series[]; bands?: Band[]; data: Point[]; extra?: (point: Point) => ReactNode }) {
  if (!active || !payload?.length) return null;
  const point = payload[0]?.payload as Point | undefined;
  if (!point) return null;
  const fmt = formatter(format);
  return (
    <div className="chart-tooltip">
      <div className="tt-title">{String(label ?? point.label)}{point.partial ? ' (partial week)' : ''}</div>
      {series.map((s) => {
        const value = point[s.key];
        return (
          <div className="tt-row" key={s.key}>
            <span><i style={{ display: 'inline-block', width: 8, height: 8, borderRadius: 2, background: s.color, marginRight: 6 }} />{s.label}</span>
            <span>{typeof value === 'number' ? fmt(value) : 'no data'}</span>
          </div>
        );
      })}
      {bands?.map((b) => {
        const low = point[b.low];
        const high = point[b.high];
        return typeof low === 'number' && typeof high === 'number' ? (
          <div className="tt-row" key={b.label}><span>{b.label}</span><span>{fmt(low)} – {fmt(high)}</span></div>
        ) : null;
      })}
      {extra?.(point)}
      {point.href && data.length ? <div className="tt-hint">Click to see the rows behind it</div> : null}
    </div>
  );
}

interface ChartProps {
  data: Point[];
  series: Series[];
  format: Format;
  references?: Reference[];
  height?: number;
  /** Extra tooltip rows, by key: "n" shows the sample size. */
  sampleKey?: string;
  sampleLabel?: string;
}

function sampleRow(sampleKey?: string, sampleLabel?: string) {
  if (!sampleKey) return undefined;
  return (point: Point) => {
    const n = point[sampleKey];
    return typeof n === 'number' ? <div className="tt-row"><span>{sampleLabel ?? 'n'}</span><span>{count(n)}</span></div> : null;
  };
}

/** Vertical bars over weeks or buckets; series with a stack id stack. */
export function BarsChart({ data, series, format, references, height = 220, sampleKey, sampleLabel, everyLabel }: ChartProps & { everyLabel?: boolean }) {
  const { clickable, onClick } = useDrill(data);
  const axis = formatter(format, true);
  const stackedMax = Math.max(0, ...data.map((d) => series.reduce((sum, s) => sum + (typeof d[s.key] === 'number' ? (d[s.key] as number) : 0), 0)));
  const ticks = niceTicks(format, series.some((s) => s.stack) ? stackedMax : maxOf(data, series.map((s) => s.key)));
  return (
    <div className={`chart-body ${clickable ? 'clickable' : ''}`} style={{ height }}>
      <ComposedChart data={data} onClick={onClick} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} responsive accessibilityLayer={false} style={{ width: '100%', height: '100%' }}>
        <CartesianGrid vertical={false} />
        <XAxis dataKey="label" tick={everyLabel ? <StaggeredTick /> : AXIS_TICK} tickLine={false} interval={everyLabel ? 0 : 'preserveStartEnd'} minTickGap={everyLabel ? 0 : 12} height={everyLabel ? 44 : 30} />
        <YAxis tick={AXIS_TICK} tickLine={false} axisLine={false} tickFormatter={axis} width={axisWidth((ticks ?? [stackedMax]).map(axis))} allowDecimals={format !== 'count'} ticks={ticks} domain={ticks ? [0, ticks.at(-1)!] : [0, 'auto']} />
        <Tooltip cursor={{ fill: 'var(--surface-3)', opacity: 0.5 }} content={(props) => <TooltipBox {...(props as TooltipContentProps<number, string>)} format={format} series={series} data={data} extra={sampleRow(sampleKey, sampleLabel)} />} />
        {references?.map((r) => (
          <ReferenceLine key={r.label} y={r.value} stroke="var(--border-strong)" strokeDasharray="4 4" label={{ value: r.label, position: 'insideTopRight' }} />
        ))}
        {series.map((s, index) => (
          <Bar key={s.key} dataKey={s.key} name={s.label} stackId={s.stack} fill={s.color} radius={s.stack && index < series.length - 1 ? 0 : [3, 3, 0, 0]} maxBarSize={36} isAnimationActive={false}>
            {data.map((d, i) => (
              <Cell key={i} fillOpacity={d.partial ? 0.45 : 1} />
            ))}
          </Bar>
        ))}
      </ComposedChart>
    </div>
  );
}

/** Lines over weeks, with optional shaded percentile bands and benchmark reference lines. */
export function LinesChart({ data, series, format, references, height = 220, bands, sampleKey, sampleLabel, markers }: ChartProps & { bands?: Band[]; markers?: Marker[] }) {
  const { clickable, onClick } = useDrill(data);
  const axis = formatter(format, true);
  const maxValue = maxOf(data, [...series.map((s) => s.key), ...(bands ?? []).map((b) => b.high)]);
  // Benchmark lines far above the data would flatten it: keep only those within reach.
  const shown = references?.filter((r) => r.value <= maxValue * 1.6);
  const top = Math.max(maxValue, ...(shown ?? []).map((r) => r.value));
  const ticks = niceTicks(format, top);
  return (
    <div className={`chart-body ${clickable ? 'clickable' : ''}`} style={{ height }}>
      <ComposedChart data={data} onClick={onClick} margin={{ top: 14, right: 8, bottom: 0, left: 0 }} responsive accessibilityLayer={false} style={{ width: '100%', height: '100%' }}>
        <CartesianGrid vertical={false} />
        <XAxis dataKey="label" tick={AXIS_TICK} tickLine={false} interval="preserveStartEnd" minTickGap={12} />
        <YAxis tick={AXIS_TICK} tickLine={false} axisLine={false} tickFormatter={axis} width={axisWidth((ticks ?? [top]).map(axis))} ticks={ticks} domain={ticks ? [0, ticks.at(-1)!] : [0, 'auto']} />
        <Tooltip content={(props) => <TooltipBox {...(props as TooltipContentProps<number, string>)} format={format} series={series} bands={bands} data={data} extra={sampleRow(sampleKey, sampleLabel)} />} />
        {shown?.map((r) => (
          <ReferenceLine key={r.label} y={r.value} stroke="var(--muted)" strokeOpacity={0.6} strokeDasharray="4 4" label={{ value: r.label, position: 'insideBottomLeft', fontSize: 11 }} />
        ))}
        {markers?.map((m) => (
          <ReferenceLine key={`${m.x}-${m.label}`} x={m.x} stroke="var(--text)" strokeOpacity={0.7} strokeDasharray="4 3" label={{ value: m.label, position: 'insideTopLeft', fontSize: 11 }} />
        ))}
        {bands?.map((b) => (
          <Area
            key={b.label}
            dataKey={(d: Point) => (typeof d[b.low] === 'number' && typeof d[b.high] === 'number' ? [d[b.low], d[b.high]] : null)}
            name={b.label}
            stroke="none"
            fill="var(--chart-band)"
            fillOpacity={b.opacity}
            isAnimationActive={false}
            connectNulls={false}
            activeDot={false}
          />
        ))}
        {series.map((s) => (
          <Line key={s.key} dataKey={s.key} name={s.label} stroke={s.color} strokeWidth={2} dot={{ r: 2.5, fill: s.color, strokeWidth: 0 }} activeDot={{ r: 5 }} connectNulls={false} isAnimationActive={false} type="linear" />
        ))}
      </ComposedChart>
    </div>
  );
}

/** Horizontal bars, one row per category (team), optionally stacked (flow stages). */
export function HorizontalBarsChart({ data, series, format, height, references }: ChartProps) {
  const { clickable, onClick } = useDrill(data);
  const axis = formatter(format, true);
  const rows = Math.max(1, data.length);
  const stackedMax = Math.max(0, ...data.map((d) => series.reduce((sum, s) => sum + (typeof d[s.key] === 'number' ? (d[s.key] as number) : 0), 0)));
  const ticks = format === 'percent' ? [0, 0.25, 0.5, 0.75, 1] : niceTicks(format, series.some((s) => s.stack) ? stackedMax : maxOf(data, series.map((s) => s.key)));
  return (
    <div className={`chart-body ${clickable ? 'clickable' : ''}`} style={{ height: height ?? Math.max(160, rows * 46 + 40) }}>
      <ComposedChart layout="vertical" data={data} onClick={onClick} margin={{ top: 4, right: 16, bottom: 0, left: 4 }} responsive accessibilityLayer={false} style={{ width: '100%', height: '100%' }}>
        <CartesianGrid horizontal={false} />
        <XAxis type="number" tick={AXIS_TICK} tickLine={false} tickFormatter={axis} ticks={ticks} domain={ticks ? [0, ticks.at(-1)!] : [0, 'auto']} />
        <YAxis type="category" dataKey="label" tick={{ ...AXIS_TICK, fill: 'var(--text-2)', fontSize: 12.5 }} tickLine={false} axisLine={false} width={96} />
        <Tooltip cursor={{ fill: 'var(--surface-3)', opacity: 0.5 }} content={(props) => <TooltipBox {...(props as TooltipContentProps<number, string>)} format={format} series={series} data={data} />} />
        {references?.map((r) => (
          <ReferenceLine key={r.label} x={r.value} stroke="var(--border-strong)" strokeDasharray="4 4" label={{ value: r.label, position: 'top' }} />
        ))}
        {series.map((s, index) => (
          <Bar key={s.key} dataKey={s.key} name={s.label} stackId={s.stack} fill={s.color} barSize={22} isAnimationActive={false} radius={!s.stack || index === series.length - 1 ? [0, 3, 3, 0] : 0} />
        ))}
      </ComposedChart>
    </div>
  );
}
