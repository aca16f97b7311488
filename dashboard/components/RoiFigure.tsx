import type { Effect, Figure } from '@paved/insights';

/** An amount in its currency, whole units, negative with a true minus sign ("−$91,080"). */
export function money(value: number | null, currency: string): string {
  if (value === null) return 'n/a';
  let text: string;
  try {
    text = new Intl.NumberFormat('en', { style: 'currency', currency, maximumFractionDigits: 0 }).format(value);
  } catch {
    text = `${Math.round(value).toLocaleString('en')} ${currency}`;
  }
  return text.replace('-', '−');
}

export const NOT_DISTINGUISHABLE = 'Not distinguishable from zero';

/** Decimals for every number of one effect, from the largest: 0 from 100, 1 from 10, else 2. */
function decimalsFor(values: (number | null)[]): number {
  const largest = Math.max(0, ...values.map((v) => Math.abs(v ?? 0)));
  return largest >= 100 ? 0 : largest >= 10 ? 1 : 2;
}

/** A change in its own unit, signed: "+4.1 hours", "−0.55 hours/week". */
function signed(value: number, unit: string, decimals: number): string {
  const n = Math.abs(value).toLocaleString('en', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  return `${value > 0 ? '+' : value < 0 ? '−' : ''}${n} ${unit}`;
}

/** The change a figure rests on with its 95 % interval, in the change's unit (never money). */
export function effectText(effect: Effect): string {
  if (effect.estimate === null) return `${effect.name}: not measured${effect.reason ? ` (${effect.reason})` : ''}`;
  const d = decimalsFor([effect.estimate, effect.low, effect.high]);
  const interval = effect.low === null || effect.high === null ? `no interval: ${effect.reason ?? 'too few observations'}` : `95 % interval ${signed(effect.low, effect.unit, d)} to ${signed(effect.high, effect.unit, d)}`;
  return `${effect.name}: ${signed(effect.estimate, effect.unit, d)} (${interval})`;
}

/**
 * The amount as low – high, one amount when low equals high, and no amount at all when the figure
 * rests on a change that is not distinguishable from zero.
 */
export function rangeText(f: Figure): string {
  if (f.significant === false) return NOT_DISTINGUISHABLE;
  if (f.mid === null) return 'not enough data';
  if (f.low === f.high) return money(f.mid, f.unit);
  // "−$404,064 – −$91,080" reads as a subtraction: negative ranges say "to".
  return `${money(f.low, f.unit)}${(f.low ?? 0) < 0 ? ' to ' : ' – '}${money(f.high, f.unit)}`;
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
