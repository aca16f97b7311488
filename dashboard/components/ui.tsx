import type { ReactNode } from 'react';
import { levelIsGood, levelMeaning } from '@paved/schemas/glossary';
import { icons } from './icons';
import { RunTransform } from './RunTransform';

export type Level = 'elite' | 'high' | 'medium' | 'low';

const LEVEL_TEXT: Record<Level, string> = { elite: 'Elite', high: 'High', medium: 'Medium', low: 'Low' };

/** A benchmark level; its title says where it stands among the four, so "Low" never reads as a small (good) number. */
export function LevelBadge({ level, profile, what }: { level: Level | null; profile?: string; what?: string }) {
  if (!level) return <span className="badge neutral" title="Not enough data for a benchmark level">no level</span>;
  return (
    <span className={`badge ${level}`} title={`${what ? `${what}: ` : ''}${LEVEL_TEXT[level]}, ${levelMeaning(level).replace(/^\w+ \((.*)\)$/, '$1')}${profile ? ` by the DORA ${profile} benchmark` : ''} (${levelIsGood(level) ? 'good' : 'needs work'})`}>
      {LEVEL_TEXT[level]}
    </span>
  );
}

export function PageHeader({ title, subtitle, breadcrumb, actions }: { title: ReactNode; subtitle?: ReactNode; breadcrumb?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="page-head">
      <div>
        {breadcrumb ? <nav aria-label="Breadcrumb" className="breadcrumb">{breadcrumb}</nav> : null}
        <h1>{title}</h1>
        {subtitle ? <p className="subtitle">{subtitle}</p> : null}
      </div>
      {actions ? <div className="card-actions">{actions}</div> : null}
    </div>
  );
}

export function Card({ title, hint, actions, children, className, id, labelledBy }: { title?: ReactNode; hint?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string; id?: string; labelledBy?: string }) {
  const headingId = id ? `${id}-title` : undefined;
  return (
    <section className={`card ${className ?? ''}`} id={id} aria-labelledby={labelledBy ?? headingId}>
      {title || actions ? (
        <div className="card-head">
          <div>
            {title ? <h2 id={headingId}>{title}</h2> : null}
            {hint ? <p className="hint">{hint}</p> : null}
          </div>
          {actions ? <div className="card-actions">{actions}</div> : null}
        </div>
      ) : null}
      {children}
    </section>
  );
}

/** "Download CSV" for a table: same window and scope as the page. */
export function CsvLink({ table, params, label = 'Download CSV' }: { table: string; params: Record<string, string | undefined>; label?: string }) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) query.set(key, value);
  return (
    <a className="button small" href={`/api/v1/export/${table}?${query}`} download>
      {icons.download}
      {label}
    </a>
  );
}

/** A page section that could not load: says what failed and what to check. */
export function Failure({ what, message }: { what: string; message: string }) {
  return (
    <div className="failure" role="alert">
      <h2>Could not load {what}</h2>
      <p>{message}</p>
      <p className="muted">
        Check the warehouse on <a href="/health">Data health</a> or <a href="/api/health">/api/health</a>; the server log has a line with <code>&quot;msg&quot;:&quot;dashboard load failed&quot;</code>.
      </p>
    </div>
  );
}

export function Empty({ title, children, compact }: { title: string; children?: ReactNode; compact?: boolean }) {
  return (
    <div className={`empty ${compact ? 'compact' : ''}`}>
      <h3>{title}</h3>
      {children}
    </div>
  );
}

/** What to do when nothing has arrived yet; when events arrived but no metrics exist, that the transform is next. */
export function ConnectSources({ origin, what = 'deployments', deliveries = 0, demoLoading = false }: { origin: string; what?: string; deliveries?: number; demoLoading?: boolean }) {
  if (demoLoading) {
    return (
      <Empty title="Loading the demo organisation">
        <p>Its history goes in oldest first, and the metrics are computed on the part loaded so far every 30 seconds: the first numbers appear here within about a minute and grow as it loads. The page refreshes by itself.</p>
      </Empty>
    );
  }
  if (deliveries > 0) {
    return (
      <Empty title={`Events have arrived, but no ${what} yet`}>
        <p>
          Paved has {new Intl.NumberFormat('en-GB').format(deliveries)} events. The metrics are computed by the transform, which runs on start and then on its schedule
          (<code>metrics.transformSchedule</code>). If this stays empty after it ran, check <a href="/health">Data health</a>: deployments count only when their environment
          matches <code>metrics.productionPattern</code>.
        </p>
        <p style={{ marginTop: 10 }}><RunTransform /></p>
      </Empty>
    );
  }
  return (
    <Empty title={`No ${what} yet`}>
      <p>Paved computes everything from events your tools send it. Pick one way to get started:</p>
      <ol>
        <li>
          Connect GitHub in one step: <a href="/settings">Settings</a> (admins), or <code>paved connect github --org ORG --url {origin}</code> with{' '}
          <code>GITHUB_TOKEN</code> set. It checks the token&apos;s permissions, creates the webhook with its secret and backfills the history.
        </li>
        <li>
          By hand: a GitHub webhook to <code>{origin}/webhooks/github</code> (JSON, secret in <code>GITHUB_WEBHOOK_SECRET</code>), and{' '}
          <code>paved backfill github</code> for the history.
        </li>
        <li>
          Or explore with generated data: start Paved without <code>--no-demo</code>, or stop it and run <code>paved demo</code>.
        </li>
      </ol>
      <p style={{ marginTop: 10 }}>
        Incidents come from PagerDuty (<code>/webhooks/pagerduty</code>), Opsgenie (<code>/webhooks/opsgenie</code>) or GitHub issues labelled <code>incident</code>.
        Watch arrivals on <a href="/health">Data health</a>.
      </p>
    </Empty>
  );
}

export type Better = 'up' | 'down';

/**
 * Change versus the previous period. Rates change in percentage points; everything else in percent.
 * Green when it moved the better way, red when the worse, grey when within ±2 %.
 */
export function Delta({ current, previous, better, kind, previousLabel }: { current: number | null; previous: number | null; better: Better; kind: 'ratio' | 'rate'; previousLabel: string }) {
  if (current === null || previous === null) {
    return <span className="delta none">{previous === null ? 'no earlier data' : 'no data now'}</span>;
  }
  const diff = kind === 'rate' ? (current - previous) * 100 : previous === 0 ? (current === 0 ? 0 : Number.POSITIVE_INFINITY) : ((current - previous) / previous) * 100;
  const flat = kind === 'rate' ? Math.abs(diff) < 0.5 : Math.abs(diff) < 2;
  const up = diff > 0;
  const good = flat ? 'flat' : (up && better === 'up') || (!up && better === 'down') ? 'good' : 'bad';
  const amount = !Number.isFinite(diff) ? 'new' : kind === 'rate' ? `${Math.abs(diff).toFixed(1)} pp` : `${Math.abs(diff) >= 100 ? Math.round(Math.abs(diff)) : Math.abs(diff).toFixed(0)} %`;
  const direction = flat ? 'about the same as' : up ? 'up from' : 'down from';
  return (
    <span className={`delta ${good}`} title={`${direction} ${previousLabel} in the previous period`}>
      {flat ? '→' : up ? icons.arrowUp : icons.arrowDown}
      {flat ? 'flat' : amount}
      <span className="visually-hidden">
        {' '}
        ({good === 'good' ? 'better' : good === 'bad' ? 'worse' : 'unchanged'}; {direction} {previousLabel})
      </span>
    </span>
  );
}

/** A server-rendered SVG sparkline; gaps (null) break the line. */
export function Sparkline({ values, label }: { values: (number | null)[]; label: string }) {
  const points = values.map((v, i) => ({ i, v }));
  const known = points.filter((p): p is { i: number; v: number } => p.v !== null && Number.isFinite(p.v));
  if (known.length < 2) return <div className="sparkline-empty">not enough weeks for a trend</div>;
  const width = 200;
  const height = 36;
  const max = Math.max(...known.map((p) => p.v));
  const min = Math.min(0, ...known.map((p) => p.v));
  const x = (i: number) => (values.length === 1 ? width / 2 : (i / (values.length - 1)) * (width - 4) + 2);
  const y = (v: number) => height - 3 - ((v - min) / (max - min || 1)) * (height - 8);
  const segments: string[] = [];
  let current = '';
  for (const p of points) {
    if (p.v === null || !Number.isFinite(p.v)) {
      if (current) segments.push(current);
      current = '';
      continue;
    }
    current += `${current ? 'L' : 'M'}${x(p.i).toFixed(1)},${y(p.v).toFixed(1)}`;
  }
  if (current) segments.push(current);
  const area = `M${x(known[0]!.i).toFixed(1)},${height}${known.map((p) => `L${x(p.i).toFixed(1)},${y(p.v).toFixed(1)}`).join('')}L${x(known.at(-1)!.i).toFixed(1)},${height}Z`;
  const last = known.at(-1)!;
  return (
    <svg className="sparkline" viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={label}>
      <path className="area" d={area} />
      {segments.map((d, i) => (
        <path key={i} className="line" d={d} vectorEffect="non-scaling-stroke" />
      ))}
      <circle className="last" cx={x(last.i)} cy={y(last.v)} r="2.2" />
    </svg>
  );
}

export function Meter({ value, tone, label }: { value: number | null; tone?: 'gold' | 'teal'; label: string }) {
  const pct = value === null ? 0 : Math.max(0, Math.min(1, value)) * 100;
  return (
    <div className={`meter ${tone ?? ''}`} role="meter" aria-valuenow={Math.round(pct)} aria-valuemin={0} aria-valuemax={100} aria-label={label}>
      <span style={{ width: `${pct}%` }} />
    </div>
  );
}

/** A sortable column header: a link that flips the direction when already sorted by this column. */
export function SortHeader({ label, column, sort, dir, hrefFor, numeric }: { label: string; column: string; sort: string; dir: 'asc' | 'desc'; hrefFor: (column: string, dir: 'asc' | 'desc') => string; numeric?: boolean }) {
  const active = sort === column;
  const next = active ? (dir === 'asc' ? 'desc' : 'asc') : numeric ? 'desc' : 'asc';
  return (
    <th className={numeric ? 'num' : undefined} aria-sort={active ? (dir === 'asc' ? 'ascending' : 'descending') : undefined} scope="col">
      <a className="sort" href={hrefFor(column, next)} aria-current={active ? 'true' : undefined}>
        {label}
        <span className="sort-arrow" aria-hidden="true">{active ? (dir === 'asc' ? '▲' : '▼') : '↕'}</span>
      </a>
    </th>
  );
}

export function ExternalLink({ href, children }: { href: string | null; children: ReactNode }) {
  if (!href) return <>{children}</>;
  return (
    <a href={href} target="_blank" rel="noreferrer noopener">
      {children}
      <span className="visually-hidden"> (opens in a new tab)</span>
    </a>
  );
}
