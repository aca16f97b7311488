import type { Effect, Figure } from '@paved/transform/roadmap/roi';

export function money(value: number | null, currency: string): string {
  if (value === null) return 'n/a';
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency, maximumFractionDigits: 0 }).format(value);
  } catch {
    return `${Math.round(value).toLocaleString('en')} ${currency}`;
  }
}

export const NOT_DISTINGUISHABLE = 'Not distinguishable from zero';

/** A change in its own unit, signed: "+4.1 hours". */
function signed(value: number, unit: string): string {
  const n = Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en') : value.toLocaleString('en', { maximumFractionDigits: 2 });
  return `${value > 0 ? '+' : value < 0 ? '−' : ''}${n.replace(/^-/, '')} ${unit}`;
}

/** The change a figure rests on with its 95 % interval, in the change's unit (never money). */
export function effectText(effect: Effect): string {
  if (effect.estimate === null) return `${effect.name}: not measured`;
  const interval = effect.low === null || effect.high === null ? `no interval: ${effect.reason ?? 'too few observations'}` : `95 % interval ${signed(effect.low, effect.unit)} to ${signed(effect.high, effect.unit)}`;
  return `${effect.name}: ${signed(effect.estimate, effect.unit)} (${interval})`;
}

/**
 * The amount as low – high, one amount when low equals high, and no amount at all when the figure
 * rests on a change that is not distinguishable from zero.
 */
export function rangeText(f: Figure): string {
  if (f.significant === false) return NOT_DISTINGUISHABLE;
  if (f.mid === null) return 'not enough data';
  if (f.low === f.high) return money(f.mid, f.unit);
  return `${money(f.low, f.unit)} – ${money(f.high, f.unit)}`;
}

/** One figure: the amount (or why there is none), the change behind it, and the formula with every input. */
export function RoiFigure({ figure, open }: { figure: Figure; open?: boolean }) {
  const hidden = figure.significant === false;
  return (
    <div className={`stat roi-figure${hidden ? ' not-distinguishable' : ''}`} data-figure={figure.id} data-significant={figure.significant === null ? 'level' : String(figure.significant)}>
      <div className="stat-label">{figure.label}</div>
      <div className="stat-value">{rangeText(figure)}</div>
      <div className="stat-note">{hidden || figure.mid === null || figure.low === figure.high ? '' : `middle ${money(figure.mid, figure.unit)} · `}{figure.period}</div>
      {figure.effect ? <p className="stat-note roi-effect">{effectText(figure.effect)}</p> : null}
      <details className="roi-details" open={open}>
        <summary>How this is computed</summary>
        <p><code>{figure.formula}</code></p>
        <table>
          <caption className="visually-hidden">Inputs of {figure.label}</caption>
          <thead><tr><th scope="col">Input</th><th scope="col" className="num">Value</th><th scope="col">Unit</th></tr></thead>
          <tbody>
            {figure.inputs.map((i) => (
              <tr key={i.name}><td>{i.name}</td><td className="num">{i.value === null ? 'n/a' : typeof i.value === 'number' ? i.value.toLocaleString('en') : i.value}</td><td className="muted">{i.unit}</td></tr>
            ))}
          </tbody>
        </table>
        {figure.notes.map((n) => <p key={n} className="muted">{n}</p>)}
      </details>
    </div>
  );
}
