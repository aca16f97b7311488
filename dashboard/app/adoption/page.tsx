import type { DoraResult } from '@paved/transform';
import { adoptionMetrics, scopeOptions } from '@paved/transform';
import type { ReactNode } from 'react';
import { ChartFrame } from '@/components/ChartFrame';
import { HorizontalBarsChart, LinesChart, type Point } from '@/components/charts';
import { Filters } from '@/components/Filters';
import { Card, ConnectSources, CsvLink, Empty, Failure, LevelBadge, Meter, PageHeader } from '@/components/ui';
import { count, decimal, hours, longDate, percent, plural, shortDate } from '@/lib/format';
import { explainHref, METRIC_NAMES, type Metric } from '@/lib/keys';
import { attempt } from '@/lib/load';
import { href, type SearchParams, viewOf, viewParams } from '@/lib/period';
import { warehouseCounts } from '@/lib/queries';
import { originOf } from '@/lib/request';
import { runtime } from '@/lib/runtime';
import { teamHref } from '@/lib/teams';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Adoption' };

interface KeyRow {
  metric: Metric;
  value: (r: DoraResult) => number | null;
  show: (r: DoraResult) => string;
  n: (r: DoraResult) => string;
  level: (r: DoraResult) => DoraResult['leadTime']['level'] | undefined;
  better: 'up' | 'down';
}

const KEY_ROWS: KeyRow[] = [
  { metric: 'deploymentFrequency', value: (r) => r.deploymentFrequency.perWeek, show: (r) => (r.deploymentFrequency.perWeek === null ? 'no data' : `${decimal(r.deploymentFrequency.perWeek)} / week`), n: (r) => `${count(r.deploymentFrequency.deployments)} deployments, ${plural(r.deploymentFrequency.services, 'service')} (median ${decimal(r.deploymentFrequency.perServicePerWeekP50)} / week)`, level: (r) => r.deploymentFrequency.level, better: 'up' },
  { metric: 'leadTime', value: (r) => r.leadTime.p50Hours, show: (r) => hours(r.leadTime.p50Hours), n: (r) => `${count(r.leadTime.changes)} commits`, level: (r) => r.leadTime.level, better: 'down' },
  { metric: 'changeFailureRate', value: (r) => r.changeFailureRate.rate, show: (r) => percent(r.changeFailureRate.rate), n: (r) => `${r.changeFailureRate.failedDeployments}/${r.changeFailureRate.deployments} deployments`, level: (r) => r.changeFailureRate.level, better: 'down' },
  { metric: 'recovery', value: (r) => r.recovery.failedDeploymentRecoveryP50Hours, show: (r) => hours(r.recovery.failedDeploymentRecoveryP50Hours), n: (r) => `${count(r.recovery.recoveredDeployments)} of ${count(r.recovery.failedDeployments)} failures recovered`, level: (r) => r.recovery.level, better: 'down' },
  { metric: 'reworkRate', value: (r) => r.reworkRate.rate, show: (r) => percent(r.reworkRate.rate), n: (r) => `${r.reworkRate.reworkDeployments}/${r.reworkRate.deployments} deployments`, level: () => undefined, better: 'down' },
];

/** Which side does better on a key, or null when either side lacks data or they are within 5 %. */
function winner(row: KeyRow, golden: DoraResult, other: DoraResult): 'golden' | 'other' | null {
  const g = row.value(golden);
  const o = row.value(other);
  if (g === null || o === null) return null;
  if (Math.abs(g - o) <= Math.max(Math.abs(g), Math.abs(o)) * 0.05) return null;
  return (g > o) === (row.better === 'up') ? 'golden' : 'other';
}

export default async function Adoption({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const view = viewOf(await searchParams);
  const origin = await originOf();
  const loaded = await attempt('adoption', async () => {
    const { warehouse, config } = runtime();
    const profile = view.profile ?? config.metrics.benchmarkProfile;
    const [adoption, options, counts] = await Promise.all([
      adoptionMetrics(warehouse, { from: view.from, to: view.to, team: view.team }, profile),
      scopeOptions(warehouse),
      warehouseCounts(warehouse),
    ]);
    return { adoption, options, counts, pipelines: config.metrics.platformPipelines, defaultProfile: config.metrics.benchmarkProfile, demoLoading: runtime().demo?.loading };
  });
  const scopeText = view.team ? `team ${view.team}` : 'all teams';
  const header = (
    <PageHeader
      title="Platform adoption"
      subtitle={<>How much of {scopeText} runs on the golden path, and whether it pays off.</>}
      actions={<a className="button small" href={href('/api/v1/metrics/adoption', { from: view.from, to: view.to, team: view.team })}>JSON API</a>}
    />
  );
  if (!loaded.ok) return <>{header}<Failure what="adoption metrics" message={loaded.message} /></>;
  const { adoption, options, counts, pipelines, defaultProfile, demoLoading } = loaded.data;
  const filters = <Filters view={view} teams={options.teams} services={options.services} fields={['team', 'profile']} defaultProfile={defaultProfile} />;
  if (counts.deployments === 0 && counts.catalog === 0) return <>{header}{filters}<ConnectSources origin={origin} what="services or deployments" deliveries={counts.deliveries} demoLoading={Boolean(demoLoading)} /></>;

  const h = adoption.headline;
  const pipelinesConfigured = Boolean(pipelines.workflowPattern) || pipelines.creators.length > 0;
  const { goldenPath, other } = adoption.comparison;
  const csvParams = { from: view.from, to: view.to, team: view.team };
  const firstGolden = adoption.timeToFirstDeployment.find((r) => r.golden_path);
  const firstOther = adoption.timeToFirstDeployment.find((r) => !r.golden_path);
  // Services created before Paved's history starts are left out: their first deployment predates what Paved saw.
  const beforeHistory = adoption.timeToFirstDeployment.reduce((sum, r) => sum + r.before_history, 0);
  const measured = adoption.timeToFirstDeployment.reduce((sum, r) => sum + r.services, 0);
  const teamData: Point[] = adoption.teams.map((t) => ({ label: t.team, share: t.golden_share, href: href('/adoption', { ...viewParams(view, { team: false, service: false }), team: t.team }) }));
  const weekData: Point[] = adoption.weekly.map((w) => ({ label: shortDate(w.week), golden: w.golden_share, platform: pipelinesConfigured ? w.platform_share : null, n: w.deployments }));
  const compareScope = { from: view.from, to: view.to, range: view.range, team: view.team, profile: view.profile };

  const catalogHint: ReactNode = (
    <>List services under <code>catalog.services</code> in <code>paved.config.yaml</code> with a <code>template</code> for golden-path ones, or point <code>catalog.backstagePaths</code> at Backstage <code>catalog-info.yaml</code> files (the <code>backstage.io/source-template</code> annotation marks the golden path).</>
  );

  return (
    <>
      {header}
      {filters}
      {h.services === 0 ? (
        <Empty title="No services in the catalog yet" compact><p>{catalogHint}</p></Empty>
      ) : (
        <div className="stats" aria-label="Adoption headline">
          <div className="stat">
            <div className="stat-label">Services on the golden path</div>
            <div className="stat-value">{percent(h.goldenServiceShare, 0)}<small>{h.goldenServices} of {h.services}</small></div>
            <Meter value={h.goldenServiceShare} tone="gold" label="Share of services on the golden path" />
          </div>
          <div className="stat">
            <div className="stat-label">Deployments from golden-path services</div>
            <div className="stat-value">{percent(h.goldenDeploymentShare, 0)}<small>of {count(h.deployments)}</small></div>
            <Meter value={h.goldenDeploymentShare} tone="gold" label="Share of deployments from golden-path services" />
          </div>
          <div className="stat">
            <div className="stat-label">Deployments via platform pipelines</div>
            {pipelinesConfigured ? (
              <>
                <div className="stat-value">{percent(h.platformDeploymentShare, 0)}<small>of {count(h.deployments)}</small></div>
                <Meter value={h.platformDeploymentShare} tone="teal" label="Share of deployments through platform pipelines" />
              </>
            ) : (
              <div className="stat-note" style={{ marginTop: 4 }}>Not configured: set <code>metrics.platformPipelines.creators</code> or <code>workflowPattern</code>.</div>
            )}
          </div>
          <div className="stat">
            <div className="stat-label">First production deployment p50</div>
            {measured > 0 ? (
              <>
                <div className="stat-value">{hours(firstGolden?.p50_hours ?? null)}<small>golden path (n = {firstGolden?.services ?? 0})</small></div>
                <div className="stat-note">{hours(firstOther?.p50_hours ?? null)} for other services (n = {firstOther?.services ?? 0}); services created since {longDate(counts.first_deployment ?? '')}</div>
              </>
            ) : (
              <div className="stat-note" style={{ marginTop: 4 }}>Not measurable yet: every service predates Paved&apos;s history (from {longDate(counts.first_deployment ?? '')}). See below.</div>
            )}
          </div>
        </div>
      )}

      <Card
        id="comparison"
        title="Golden path versus the rest"
        hint={`The five keys for golden-path services and for the others, same window (DORA ${goldenPath.profile} levels).`}
      >
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">The five DORA keys, golden-path services versus other services, with sample sizes</caption>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col" className="num">Golden path</th>
                <th scope="col" className="num">Sample</th>
                <th scope="col" className="num">Other services</th>
                <th scope="col" className="num">Sample</th>
                <th scope="col">Better</th>
              </tr>
            </thead>
            <tbody>
              {KEY_ROWS.map((row) => {
                const win = winner(row, goldenPath, other);
                const gl = row.level(goldenPath);
                const ol = row.level(other);
                return (
                  <tr key={row.metric}>
                    <td><a href={explainHref(row.metric, compareScope)}>{METRIC_NAMES[row.metric]}</a></td>
                    <td className="num" style={win === 'golden' ? { fontWeight: 700 } : undefined}>{row.show(goldenPath)} {gl !== undefined ? <LevelBadge level={gl} profile={goldenPath.profile} /> : null}</td>
                    <td className="num muted">{row.n(goldenPath)}</td>
                    <td className="num" style={win === 'other' ? { fontWeight: 700 } : undefined}>{row.show(other)} {ol !== undefined ? <LevelBadge level={ol} profile={other.profile} /> : null}</td>
                    <td className="num muted">{row.n(other)}</td>
                    <td>{win === 'golden' ? <span className="tag golden">golden path</span> : win === 'other' ? <span className="tag">other</span> : <span className="muted">about even / no data</span>}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <p className="table-foot">Deployment frequency is per group, not per service: the golden path has {h.goldenServices} services, the rest {h.services - h.goldenServices}. Differences within 5 % count as even. Correlation, not proof: teams choosing the golden path may differ in other ways.</p>
      </Card>

      <div className="grid two" style={{ marginTop: 16 }}>
        <ChartFrame
          id="chart-team-share"
          title="Golden-path share of services, per team"
          description="Click a team to focus on it."
          summary={`Share of services on the golden path by team: ${adoption.teams.map((t) => `${t.team} ${percent(t.golden_share, 0)} (${t.golden_services} of ${t.services})`).join(', ')}.`}
          legend={[{ label: 'Golden-path share of services', color: 'var(--chart-3)' }]}
          table={{ columns: ['Team', 'Services', 'Golden path', 'Share'], rows: adoption.teams.map((t) => ({ cells: [t.team, String(t.services), String(t.golden_services), percent(t.golden_share, 0)] })) }}
        >
          {adoption.teams.length ? (
            <HorizontalBarsChart data={teamData} format="percent" series={[{ key: 'share', label: 'Golden-path share', color: 'var(--chart-3)' }]} />
          ) : (
            <p className="empty-inline">No catalog services for {scopeText}.</p>
          )}
        </ChartFrame>
        <ChartFrame
          id="chart-weekly-share"
          title="Weekly share of deployments"
          description={pipelinesConfigured ? 'From golden-path services, and through platform pipelines.' : 'From golden-path services. Platform pipelines are not configured.'}
          summary={`Weekly share of deployments from golden-path services: ${adoption.weekly.map((w) => `${w.week} ${percent(w.golden_share, 0)}`).join(', ')}.`}
          legend={[{ label: 'Golden-path services', color: 'var(--chart-3)' }, ...(pipelinesConfigured ? [{ label: 'Platform pipelines', color: 'var(--chart-2)' }] : [])]}
          table={{ columns: ['Week of', 'Deployments', 'Golden path', 'Platform pipelines'], rows: adoption.weekly.map((w) => ({ cells: [w.week, String(w.deployments), percent(w.golden_share, 0), pipelinesConfigured ? percent(w.platform_share, 0) : 'not configured'] })) }}
        >
          {adoption.weekly.length ? (
            <LinesChart
              data={weekData}
              format="percent"
              series={[{ key: 'golden', label: 'Golden-path services', color: 'var(--chart-3)' }, ...(pipelinesConfigured ? [{ key: 'platform', label: 'Platform pipelines', color: 'var(--chart-2)' }] : [])]}
              sampleKey="n"
              sampleLabel="Deployments"
            />
          ) : (
            <p className="empty-inline">No deployments in this window.</p>
          )}
        </ChartFrame>
      </div>

      <div className="grid two" style={{ marginTop: 16 }}>
        <Card title="Templates" hint="Services created from each template, and template runs in the window.">
          {adoption.templates.length === 0 ? (
            <p className="empty-inline">No templates seen. {catalogHint}</p>
          ) : (
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Template usage</caption>
                <thead><tr><th scope="col">Template</th><th scope="col" className="num">Services</th><th scope="col" className="num">Runs in window</th></tr></thead>
                <tbody>
                  {adoption.templates.map((t) => (
                    <tr key={t.template}><td className="mono">{t.template}</td><td className="num">{count(t.services)}</td><td className="num">{count(t.runs)}</td></tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>
        <Card title="Time to first production deployment" hint="From the service's creation in the catalog to its first production deployment.">
          {beforeHistory > 0 ? (
            <p className="muted" style={{ marginBottom: 10 }}>{beforeHistory} service{beforeHistory === 1 ? ' was' : 's were'} created before Paved&apos;s history starts ({longDate(counts.first_deployment ?? '')}) and {beforeHistory === 1 ? 'is' : 'are'} left out: {beforeHistory === 1 ? 'its' : 'their'} first deployment happened before Paved could see it.</p>
          ) : null}
          {measured === 0 ? (
            <p className="empty-inline">{beforeHistory > 0 ? 'No service was created after Paved\'s history starts yet: this fills in as new services ship their first production deployment.' : 'Needs catalog creation dates (Backstage or the config catalog) and deployments of those services.'}</p>
          ) : (
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Time to first production deployment, golden path versus other</caption>
                <thead><tr><th scope="col">Services</th><th scope="col" className="num">Median</th><th scope="col" className="num">Sample</th></tr></thead>
                <tbody>
                  {[firstGolden, firstOther].map((row, i) => (
                    <tr key={i}>
                      <td>{i === 0 ? <span className="tag golden">golden path</span> : 'other'}</td>
                      <td className="num"><strong>{hours(row?.p50_hours ?? null)}</strong></td>
                      <td className="num muted">{row && row.services > 0 ? `${row.services} service${row.services === 1 ? '' : 's'}` : 'none'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>
      </div>

      <div style={{ marginTop: 16 }}>
        <Card title="Teams" hint="Catalog services and deployments in the window." actions={<CsvLink table="adoption-teams" params={csvParams} />}>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Adoption per team</caption>
              <thead>
                <tr>
                  <th scope="col">Team</th>
                  <th scope="col" className="num">Services</th>
                  <th scope="col">Golden-path services</th>
                  <th scope="col" className="num">Deployments</th>
                  <th scope="col" className="num">From golden path</th>
                  <th scope="col" className="num">Via platform pipelines</th>
                </tr>
              </thead>
              <tbody>
                {adoption.teams.map((t) => (
                  <tr key={t.team}>
                    <td><a href={teamHref(t.team, view)} title={`Why ${t.team} ships the way it does: its team page`}>{t.team}</a></td>
                    <td className="num">{count(t.services)}</td>
                    <td>
                      <div className="bar-cell"><Meter value={t.golden_share} tone="gold" label={`${t.team} golden-path share`} /><span className="nowrap">{t.golden_services} · {percent(t.golden_share, 0)}</span></div>
                    </td>
                    <td className="num">{count(t.deployments)}</td>
                    <td className="num">{t.deployments ? percent(t.golden_deployments / t.deployments, 0) : '—'}</td>
                    <td className="num">{pipelinesConfigured ? (t.deployments ? percent(t.platform_deployments / t.deployments, 0) : '—') : <span className="muted">not configured</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      </div>
    </>
  );
}
