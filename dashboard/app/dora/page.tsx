import { deployDaysText, LEVELS_EXPLAINED, METRIC_MEANINGS } from '@paved/schemas/glossary';
import { doraMetrics, doraSeries, PROFILES, type RankingRow, ranking, scopeOptions } from '@paved/transform';
import type { ReactNode } from 'react';
import { ChartFrame } from '@/components/ChartFrame';
import { BarsChart, LinesChart, type Point } from '@/components/charts';
import { Filters } from '@/components/Filters';
import { Card, ConnectSources, CsvLink, Failure, LevelBadge, PageHeader, SortHeader } from '@/components/ui';
import { count, decimal, frequencyBasis, hours, percent, plural, shortDate } from '@/lib/format';
import { explainHref, fillWeeks, METRIC_NAMES, type Metric, type WeekPoint } from '@/lib/keys';
import { attempt } from '@/lib/load';
import { describeWindow, first, href, type SearchParams, viewOf, viewParams, windowParams } from '@/lib/period';
import { leadTimeHistogram, warehouseCounts } from '@/lib/queries';
import { originOf } from '@/lib/request';
import { runtime } from '@/lib/runtime';
import { teamHref } from '@/lib/teams';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'DORA explorer' };

const SORTS = ['key', 'team', 'deployments', 'per_week', 'lead_p50', 'change_failure_rate', 'recovery_p50', 'rework_rate'] as const;
type Sort = (typeof SORTS)[number];

const SORT_METRIC: Record<Sort, Metric> = {
  key: 'deploymentFrequency', team: 'deploymentFrequency', deployments: 'deploymentFrequency', per_week: 'deploymentFrequency',
  lead_p50: 'leadTime', change_failure_rate: 'changeFailureRate', recovery_p50: 'recovery', rework_rate: 'reworkRate',
};

function sortRows(rows: RankingRow[], sort: Sort, dir: 'asc' | 'desc'): RankingRow[] {
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = a[sort];
    const y = b[sort];
    // No data sorts last whichever the direction.
    if (x === null && y === null) return a.key.localeCompare(b.key);
    if (x === null) return 1;
    if (y === null) return -1;
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return order === 0 ? a.key.localeCompare(b.key) : sign * order;
  });
}

function range(values: number[], format: (v: number) => string): string {
  if (!values.length) return 'no data';
  return `from ${format(Math.min(...values))} to ${format(Math.max(...values))}`;
}

function weekLabel(w: WeekPoint): string {
  return shortDate(w.week);
}

export default async function DoraExplorer({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const view = viewOf(params);
  const sortParam = first(params.sort);
  const sort: Sort = (SORTS as readonly string[]).includes(sortParam ?? '') ? (sortParam as Sort) : 'deployments';
  const dir: 'asc' | 'desc' = first(params.dir) === 'asc' ? 'asc' : first(params.dir) === 'desc' ? 'desc' : sort === 'key' || sort === 'team' ? 'asc' : 'desc';
  const by: 'service' | 'team' = first(params.by) === 'team' ? 'team' : 'service';
  const origin = await originOf();

  const loaded = await attempt('DORA explorer', async () => {
    const { warehouse, config } = runtime();
    const profile = view.profile ?? config.metrics.benchmarkProfile;
    const window = { from: view.from, to: view.to, team: view.team, service: view.service };
    const [result, series, rows, histogram, options, counts] = await Promise.all([
      doraMetrics(warehouse, { ...window, profile }, profile),
      doraSeries(warehouse, window),
      ranking(warehouse, window, by),
      leadTimeHistogram(warehouse, window),
      scopeOptions(warehouse),
      warehouseCounts(warehouse),
    ]);
    return { result, series, rows, histogram, options, counts, defaultProfile: config.metrics.benchmarkProfile, demoLoading: Boolean(runtime().demo?.loading) };
  });

  const scopeText = view.service ? `service ${view.service}` : view.team ? `team ${view.team}` : 'all teams';
  const apiHref = href('/api/v1/metrics/dora', { ...windowParams(view), profile: view.profile });
  const header = (
    <PageHeader
      title="DORA explorer"
      subtitle={<>The five keys week by week for {scopeText}. Click any point, bar or row to see the deployments and commits behind it.</>}
      actions={<a href={apiHref} className="button small">JSON API</a>}
    />
  );
  if (!loaded.ok) return <>{header}<Failure what="the DORA explorer" message={loaded.message} /></>;
  const { result, series, rows, histogram, options, counts, defaultProfile, demoLoading } = loaded.data;
  const keep = { ...(sort !== 'deployments' ? { sort } : {}), ...(first(params.dir) ? { dir } : {}), ...(by === 'team' ? { by } : {}) };
  const filters = <Filters view={view} teams={options.teams} services={options.services} fields={['team', 'service', 'profile']} keep={keep} defaultProfile={defaultProfile} />;
  if (counts.deployments === 0) return <>{header}{filters}<ConnectSources origin={origin} deliveries={counts.deliveries} demoLoading={demoLoading} /></>;

  const thresholds = PROFILES[result.profile];
  const weeks = fillWeeks(series, view);
  const scope = { team: view.team, service: view.service, profile: view.profile };
  const whole = { from: view.from, to: view.to, range: view.range, ...scope };
  const weekHref = (metric: Metric, w: WeekPoint) => explainHref(metric, { from: w.from, to: w.to, ...scope });
  const full = weeks.filter((w) => !w.partial);
  const partialNote = weeks.some((w) => w.partial) ? 'Lighter bars are weeks only partly inside the window.' : undefined;

  const deployData: Point[] = weeks.map((w) => ({ label: weekLabel(w), href: weekHref('deploymentFrequency', w), partial: w.partial, ok: w.deployments - w.failed, failed: w.failed, total: w.deployments }));
  const leadData: Point[] = weeks.map((w) => ({ label: weekLabel(w), href: weekHref('leadTime', w), partial: w.partial, p50: w.lead_p50, p75: w.lead_p75, p90: w.lead_p90, n: w.changes }));
  const cfrData: Point[] = weeks.map((w) => ({ label: weekLabel(w), href: weekHref('changeFailureRate', w), partial: w.partial, cfr: w.deployments ? w.changeFailureRate : null, n: w.deployments }));
  const recoveryData: Point[] = weeks.map((w) => ({ label: weekLabel(w), href: weekHref('recovery', w), partial: w.partial, recovery: w.recovery_p50, n: w.failed }));
  const reworkData: Point[] = weeks.map((w) => ({ label: weekLabel(w), href: weekHref('reworkRate', w), partial: w.partial, rework: w.deployments ? w.reworkRate : null, n: w.deployments }));
  const histogramData: Point[] = histogram.map((b) => ({ label: b.label, changes: b.changes, href: explainHref('leadTime', whole) }));
  const histogramTotal = histogram.reduce((s, b) => s + b.changes, 0);

  const sorted = sortRows(rows, sort, dir);
  const sortHref = (column: string, nextDir: 'asc' | 'desc') => `${href('/dora', { ...viewParams(view), sort: column, dir: nextDir, by: by === 'team' ? 'team' : undefined })}#ranking`;
  const rowMetric = SORT_METRIC[sort];
  const byHref = (next: 'service' | 'team') => `${href('/dora', { ...viewParams(view), ...keep, by: next === 'team' ? 'team' : undefined, sort: sort === 'team' && next === 'team' ? undefined : keep.sort })}#ranking`;

  const stat = (metric: Metric, value: string, unit: string, note: ReactNode, level: Parameters<typeof LevelBadge>[0]['level'] | undefined) => (
    <a className="stat" href={explainHref(metric, whole)} style={{ color: 'inherit', textDecoration: 'none' }}>
      <div className="stat-label">{METRIC_NAMES[metric]} {level !== undefined ? <LevelBadge level={level} profile={result.profile} what={METRIC_NAMES[metric]} /> : null}</div>
      <div className="stat-value">{value}<small>{unit}</small></div>
      <div className="stat-explain" title={METRIC_MEANINGS[metric].measures}>{METRIC_MEANINGS[metric].summary}</div>
      <div className="stat-note">{note}</div>
    </a>
  );
  const limit = (h: number) => hours(h).replace(/\.0 /, ' ');

  return (
    <>
      {header}
      {filters}
      {result.deploymentFrequency.deployments === 0 ? (
        <div className="empty compact">
          <h3>No production deployments for {scopeText} in {describeWindow(view.from, view.to)}</h3>
          <p>Try a longer time range or clear the team and service filters. Paved has {plural(counts.deployments, 'deployment')} in total.</p>
        </div>
      ) : (
        <>
          <div className="stats" aria-label="Totals for the window">
            {stat('deploymentFrequency', decimal(result.deploymentFrequency.perWeek), ' / week', [`${count(result.deploymentFrequency.deployments)} deployments`, `${result.scope.service ? 'it' : 'the median service'} ${deployDaysText(result.deploymentFrequency.deployDaysPerWeekP50)}`, frequencyBasis(result.deploymentFrequency, Boolean(result.scope.service))].filter(Boolean).join(' · '), result.deploymentFrequency.level)}
            {stat('leadTime', hours(result.leadTime.p50Hours), ' p50', `p90 ${hours(result.leadTime.p90Hours)} · n = ${count(result.leadTime.changes)}`, result.leadTime.level)}
            {stat('changeFailureRate', percent(result.changeFailureRate.rate), '', `${count(result.changeFailureRate.failedDeployments)} / ${count(result.changeFailureRate.deployments)} failed`, result.changeFailureRate.level)}
            {stat('recovery', hours(result.recovery.failedDeploymentRecoveryP50Hours), ' p50', <>{count(result.recovery.recoveredDeployments)} of {plural(result.recovery.failedDeployments, 'failed deployment')} recovered<span className="key-aside" title={METRIC_MEANINGS.timeToRestore.measures}>Not the same: time to restore service (incidents of any cause, no level) p50 {hours(result.recovery.timeToRestoreP50Hours)} over {plural(result.recovery.incidents, 'incident')}</span></>, result.recovery.level)}
            {stat('reworkRate', percent(result.reworkRate.rate), '', `${count(result.reworkRate.reworkDeployments)} / ${count(result.reworkRate.deployments)} deployments`, undefined)}
          </div>

          <div className="grid two">
            <ChartFrame
              id="chart-deployments"
              title="Deployments per week"
              description="Production deployments; the red part failed."
              summary={`Deployments per week for ${scopeText}: ${range(full.map((w) => w.deployments), (v) => String(v))} in complete weeks, ${result.deploymentFrequency.deployments} in total, ${result.changeFailureRate.failedDeployments} failed.`}
              legend={[{ label: 'Succeeded', color: 'var(--chart-1)' }, { label: 'Failed', color: 'var(--chart-fail)' }]}
              note={partialNote}
              table={{ columns: ['Week of', 'Deployments', 'Failed'], rows: weeks.map((w) => ({ cells: [w.week, String(w.deployments), String(w.failed)], href: weekHref('deploymentFrequency', w) })) }}
            >
              <BarsChart data={deployData} format="count" series={[{ key: 'ok', label: 'Succeeded', color: 'var(--chart-1)', stack: 'd' }, { key: 'failed', label: 'Failed', color: 'var(--chart-fail)', stack: 'd' }]} sampleKey="total" sampleLabel="Total" />
            </ChartFrame>

            <ChartFrame
              id="chart-lead"
              title="Lead time for changes"
              description="Commit to production, per week: p50 line, p50–p75 and p75–p90 bands."
              summary={`Weekly median lead time for ${scopeText} ${range(weeks.flatMap((w) => (w.lead_p50 === null ? [] : [w.lead_p50])), hours)}; over the window p50 ${hours(result.leadTime.p50Hours)}, p90 ${hours(result.leadTime.p90Hours)} across ${result.leadTime.changes} commits.`}
              legend={[{ label: 'p50', color: 'var(--chart-1)', dashed: true }, { label: 'p50–p75', color: 'var(--chart-band)', opacity: 0.35 }, { label: 'p75–p90', color: 'var(--chart-band)', opacity: 0.15 }]}
              table={{ columns: ['Week of', 'p50', 'p75', 'p90', 'Commits'], rows: weeks.map((w) => ({ cells: [w.week, hours(w.lead_p50), hours(w.lead_p75), hours(w.lead_p90), String(w.changes)], href: weekHref('leadTime', w) })) }}
            >
              <LinesChart
                data={leadData}
                format="hours"
                series={[{ key: 'p50', label: 'p50', color: 'var(--chart-1)' }]}
                bands={[{ low: 'p50', high: 'p75', label: 'p50–p75', opacity: 0.3 }, { low: 'p75', high: 'p90', label: 'p75–p90', opacity: 0.13 }]}
                references={[{ value: thresholds.leadTimeHours[0], label: `elite < ${limit(thresholds.leadTimeHours[0])}` }, { value: thresholds.leadTimeHours[1], label: `high < ${limit(thresholds.leadTimeHours[1])}` }]}
                sampleKey="n"
                sampleLabel="Commits"
              />
            </ChartFrame>

            <ChartFrame
              id="chart-cfr"
              title="Change failure rate"
              description="Share of deployments that failed (incident, rollback or revert), per week."
              summary={`Weekly change failure rate for ${scopeText} ${range(weeks.flatMap((w) => (w.deployments && w.changeFailureRate !== null ? [w.changeFailureRate] : [])), (v) => percent(v))}; ${percent(result.changeFailureRate.rate)} over the window.`}
              legend={[{ label: 'Change failure rate', color: 'var(--chart-fail)' }, { label: `DORA ${result.profile} bands`, color: 'var(--border-strong)', dashed: true }]}
              table={{ columns: ['Week of', 'Rate', 'Failed', 'Deployments'], rows: weeks.map((w) => ({ cells: [w.week, w.deployments ? percent(w.changeFailureRate) : 'no data', String(w.failed), String(w.deployments)], href: weekHref('changeFailureRate', w) })) }}
            >
              <LinesChart
                data={cfrData}
                format="percent"
                series={[{ key: 'cfr', label: 'Change failure rate', color: 'var(--chart-fail)' }]}
                references={[{ value: thresholds.changeFailureRate[0], label: `elite ≤ ${Math.round(thresholds.changeFailureRate[0] * 100)}%` }, { value: thresholds.changeFailureRate[1], label: `high ≤ ${Math.round(thresholds.changeFailureRate[1] * 100)}%` }, { value: thresholds.changeFailureRate[2], label: `medium ≤ ${Math.round(thresholds.changeFailureRate[2] * 100)}%` }]}
                sampleKey="n"
                sampleLabel="Deployments"
              />
            </ChartFrame>

            <ChartFrame
              id="chart-recovery"
              title="Failed deployment recovery time"
              description="Median time from a failed deployment to its recovery (its incident resolved, or the next deployment), per week."
              summary={`Weekly recovery p50 for ${scopeText} ${range(weeks.flatMap((w) => (w.recovery_p50 === null ? [] : [w.recovery_p50])), hours)}; ${hours(result.recovery.failedDeploymentRecoveryP50Hours)} over the window (n = ${result.recovery.recoveredDeployments}).`}
              legend={[{ label: 'Recovery p50', color: 'var(--chart-3)' }]}
              note="Weeks without a recovered failure have no point."
              table={{ columns: ['Week of', 'Recovery p50', 'Failed'], rows: weeks.map((w) => ({ cells: [w.week, hours(w.recovery_p50), String(w.failed)], href: weekHref('recovery', w) })) }}
            >
              <LinesChart
                data={recoveryData}
                format="hours"
                series={[{ key: 'recovery', label: 'Recovery p50', color: 'var(--chart-3)' }]}
                references={[{ value: thresholds.recoveryHours[0], label: `elite < ${limit(thresholds.recoveryHours[0])}` }, { value: thresholds.recoveryHours[1], label: `high < ${limit(thresholds.recoveryHours[1])}` }]}
                sampleKey="n"
                sampleLabel="Failed deployments"
              />
            </ChartFrame>

            <ChartFrame
              id="chart-rework"
              title="Rework rate"
              description="Share of deployments that were unplanned: fix-labelled PRs, reverts, rollbacks."
              summary={`Weekly rework rate for ${scopeText} ${range(weeks.flatMap((w) => (w.deployments && w.reworkRate !== null ? [w.reworkRate] : [])), (v) => percent(v))}; ${percent(result.reworkRate.rate)} over the window.`}
              legend={[{ label: 'Rework rate', color: 'var(--chart-4)' }]}
              table={{ columns: ['Week of', 'Rework rate', 'Rework', 'Deployments'], rows: weeks.map((w) => ({ cells: [w.week, w.deployments ? percent(w.reworkRate) : 'no data', String(w.rework), String(w.deployments)], href: weekHref('reworkRate', w) })) }}
            >
              <LinesChart data={reworkData} format="percent" series={[{ key: 'rework', label: 'Rework rate', color: 'var(--chart-4)' }]} sampleKey="n" sampleLabel="Deployments" />
            </ChartFrame>

            <ChartFrame
              id="chart-histogram"
              title="Lead time distribution"
              description={`How long the ${count(histogramTotal)} commits in the window took to reach production.`}
              summary={`Lead time distribution for ${scopeText}: ${histogram.map((b) => `${b.label}: ${b.changes}`).join(', ')}.`}
              legend={[{ label: 'Commits', color: 'var(--chart-2)' }]}
              table={{ columns: ['Lead time', 'Commits', 'Share'], rows: histogram.map((b) => ({ cells: [b.label, String(b.changes), histogramTotal ? percent(b.changes / histogramTotal) : '—'] })) }}
            >
              <BarsChart data={histogramData} format="count" series={[{ key: 'changes', label: 'Commits', color: 'var(--chart-2)' }]} everyLabel />
            </ChartFrame>
          </div>
        </>
      )}

      <Card
        id="ranking"
        title={by === 'service' ? 'Services ranked' : 'Teams ranked'}
        hint={by === 'team' ? <>Sorted by {sort.replaceAll('_', ' ')}; click a team for its page (its keys against the median team, where its pull requests wait, its services, survey and incidents).</> : <>Sorted by {sort.replaceAll('_', ' ')}; click a service for the rows behind its {METRIC_NAMES[rowMetric].toLowerCase()}, a team for its page.</>}
        className="ranking"
        actions={
          <>
            <span className="segmented" role="group" aria-label="Rank by">
              <a href={byHref('service')} aria-current={by === 'service' ? 'true' : undefined}>Services</a>
              <a href={byHref('team')} aria-current={by === 'team' ? 'true' : undefined}>Teams</a>
            </span>
            <CsvLink table={by === 'service' ? 'services' : 'teams'} params={windowParams(view)} />
          </>
        }
      >
        {sorted.length === 0 ? (
          <p className="empty-inline">No deployments for {scopeText} in this window.</p>
        ) : (
          <div className="table-wrap" style={{ marginTop: 4 }}>
            <table>
              <caption className="visually-hidden">{by === 'service' ? 'Services' : 'Teams'} with each DORA key, {describeWindow(view.from, view.to)}</caption>
              <thead>
                <tr>
                  <SortHeader label={by === 'service' ? 'Service' : 'Team'} column="key" sort={sort} dir={dir} hrefFor={sortHref} />
                  {by === 'service' ? <SortHeader label="Team" column="team" sort={sort} dir={dir} hrefFor={sortHref} /> : null}
                  {by === 'service' ? <th scope="col"><abbr title="Golden path: created from a platform template">GP</abbr></th> : null}
                  {by === 'team' ? <th scope="col" className="num" title="Services of the catalog in the team (the same count as Adoption)">Services</th> : null}
                  <SortHeader label="Deploys" column="deployments" sort={sort} dir={dir} hrefFor={sortHref} numeric />
                  <SortHeader label="Per week" column="per_week" sort={sort} dir={dir} hrefFor={sortHref} numeric />
                  <SortHeader label="Lead time p50" column="lead_p50" sort={sort} dir={dir} hrefFor={sortHref} numeric />
                  <SortHeader label="Failure rate" column="change_failure_rate" sort={sort} dir={dir} hrefFor={sortHref} numeric />
                  <SortHeader label="Recovery p50" column="recovery_p50" sort={sort} dir={dir} hrefFor={sortHref} numeric />
                  <SortHeader label="Rework" column="rework_rate" sort={sort} dir={dir} hrefFor={sortHref} numeric />
                </tr>
              </thead>
              <tbody>
                {sorted.map((row) => {
                  const rowScope = by === 'service' ? { service: row.key } : { team: row.key };
                  return (
                    <tr key={row.key}>
                      <td className="name">
                        {by === 'team' ? (
                          <a href={teamHref(row.key, view)} title={`Why ${row.key} ships the way it does: its team page`}>{row.key}</a>
                        ) : (
                          <a href={explainHref(rowMetric, { from: view.from, to: view.to, range: view.range, profile: view.profile, ...rowScope })}>{row.key}</a>
                        )}
                      </td>
                      {by === 'service' ? (
                        <td><a href={teamHref(row.team, view)} title={`Why ${row.team} ships the way it does: its team page`}>{row.team}</a></td>
                      ) : null}
                      {by === 'service' ? <td>{row.golden_path ? <span className="tag golden" title="Golden-path service">golden</span> : <span className="muted">—</span>}</td> : null}
                      {by === 'team' ? <td className="num">{count(row.services)}</td> : null}
                      <td className="num">{count(row.deployments)}</td>
                      <td className="num">{decimal(row.per_week)}</td>
                      <td className="num">{hours(row.lead_p50)} <span className="muted">n={count(row.changes)}</span></td>
                      <td className="num">{percent(row.change_failure_rate)} <span className="muted">{row.failed}/{row.deployments}</span></td>
                      <td className="num">{hours(row.recovery_p50)}</td>
                      <td className="num">{percent(row.rework_rate)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      <p className="footer-note">
        Weeks start on Monday (UTC). Levels use the DORA {result.profile} benchmark; rework rate has no published levels. {LEVELS_EXPLAINED}
        Medians exclude commits with unknown authoring time.
      </p>
    </>
  );
}
