import type { ReactNode } from 'react';

export interface DataTable {
  columns: string[];
  rows: { cells: string[]; href?: string }[];
}

/**
 * A chart with its text alternatives: a one-sentence summary as the image's label, and the
 * numbers in a table behind "Show data" (whose rows also link to the drill-down, for keyboards).
 */
export function ChartFrame({ id, title, description, summary, legend, table, actions, children, note }: {
  id: string;
  title: string;
  description?: ReactNode;
  summary: string;
  legend?: { label: string; color: string; opacity?: number; dashed?: boolean }[];
  table: DataTable;
  actions?: ReactNode;
  note?: ReactNode;
  children: ReactNode;
}) {
  return (
    <figure className="card chart" aria-labelledby={`${id}-title`}>
      <figcaption>
        <div>
          <h3 id={`${id}-title`}>{title}</h3>
          {description ? <p>{description}</p> : null}
        </div>
        {actions ? <div className="card-actions">{actions}</div> : null}
      </figcaption>
      {legend?.length ? (
        <div className="legend" aria-hidden="true">
          {legend.map((item) => (
            <span key={item.label}>
              <i style={{ background: item.color, opacity: item.opacity ?? 1, ...(item.dashed ? { height: 2, borderRadius: 0 } : {}) }} />
              {item.label}
            </span>
          ))}
        </div>
      ) : null}
      <div role="img" aria-label={summary}>
        {children}
      </div>
      {note ? <p className="chart-note">{note}</p> : null}
      <details className="data-table">
        <summary>Show data<span className="visually-hidden"> for {title}</span></summary>
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{title}</caption>
            <thead>
              <tr>
                {table.columns.map((column, i) => (
                  <th key={column} scope="col" className={i > 0 ? 'num' : undefined}>{column}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.rows.map((row, r) => (
                <tr key={r}>
                  {row.cells.map((cell, c) => (
                    <td key={c} className={c > 0 ? 'num' : undefined}>
                      {c === 0 && row.href ? <a href={row.href}>{cell}</a> : cell}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
