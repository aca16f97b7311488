import type { Figure } from '@paved/transform/roadmap/roi';

export function money(value: number | null, currency: string): string {
  if (value === null) return 'n/a';
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency, maximumFractionDigits: 0 }).format(value);
  } catch {
    return `${Math.round(value).toLocaleString('en')} ${currency}`;
  }
}

/** The range as low – high with the middle, in the figure's currency. */
export function rangeText(f: Figure): string {
  if (f.mid === null) return 'not enough data';
  return `${money(f.low, f.unit)} – ${money(f.high, f.unit)}`;
}

/** One figure: the range, the middle, and a details panel with the formula and every input. */
export function RoiFigure({ figure, open }: { figure: Figure; open?: boolean }) {
  return (
    <div className="stat roi-figure">
      <div className="stat-label">{figure.label}</div>
      <div className="stat-value">{rangeText(figure)}</div>
      <div className="stat-note">{figure.mid === null ? '' : `middle ${money(figure.mid, figure.unit)} · `}{figure.period}</div>
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
