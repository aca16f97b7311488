import type { ReactNode } from 'react';
import { adoptionMetrics, deployments, doraMetrics, type DoraResult, doraSeries, freshness, newestDeploymentDay, ranking, scopeOptions } from '@paved/transform';
import { Filters } from '@/components/Filters';
import { ConnectSources, Card, Delta, Failure, LevelBadge, Meter, PageHeader, Sparkline, type Better, type Level } from '@/components/ui';
import { icons } from '@/components/icons';
import { deployDaysText, LEVELS_EXPLAINED, METRIC_MEANINGS } from '@paved/schemas/glossary';
import { ago, count, dateTime, decimal, frequencyBasis, hours, label, longDate, percent, plural } from '@/lib/format';
import { deploymentHref, explainHref, fillWeeks, METRIC_NAMES, type Metric, type WeekPoint } from '@/lib/keys';
import { attempt } from '@/lib/load';
import { addDays, describeWindow, first, href, previousOf, viewOf, viewParams, type SearchParams } from '@/lib/period';
import { warehouseCounts } from '@/lib/queries';
import { originOf } from '@/lib/request';
import { runtime } from '@/lib/runtime';
import { sourceLabel } from '@/lib/sources';
import { teamHref } from '@/lib/teams';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Overview' };

const CARD_NAMES: Record<Metric, string> = {
  deploymentFrequency: 'Deployment frequency',
  leadTime: 'Lead time for changes',
  changeFailureRate: 'Change failure rate',
  recovery: 'Failed deployment recovery',
  reworkRate: 'Rework rate',
};

interface KeyCardProps {
  metric: Metric;
  href: string;
  value: ReactNode;
  level: Level | null;
  profile: string;
  detail: ReactNode;
  delta: ReactNode;
  spark: (number | null)[];
  sparkLabel: string;
  noBenchmark?: boolean;
}

function KeyCard({ metric, href: link, value, level, profile, detail, delta, spark, sparkLabel, noBenchmark }: KeyCardProps) {
  return (
    <a className="card key-card" href={link} data-metric={metric}>
      <div className="key-top">
        <span className="key-name" title={METRIC_NAMES[metric]}>{CARD_NAMES[metric]}</span>
        {noBenchmark ? <span className="badge neutral" title="DORA publishes no benchmark levels for rework rate">no benchmark</span> : <LevelBadge level={level} profile={profile} what={METRIC_NAMES[metric]} />}
      </div>
      <div className="key-value">{value}</div>
      <p className="key-explain" title={METRIC_MEANINGS[metric].measures}>{METRIC_MEANINGS[metric].summary}</p>
      <div className="key-detail">{detail}</div>
      <Sparkline values={spark} label={sparkLabel} />
      <div className="key-foot">
        {delta}
        <span className="key-more">Explain {icons.arrowRight}</span>
      </div>
    </a>
  );
}

function Value({ text, unit }: { text: string; unit?: string }) {
  if (text === 'no data') return <span className="key-value none">no data</span>;
  return (
    <>
      {text}
      {unit ? <small>{unit}</small> : null}
    </>
  );
}

/** "6.3 h" → value "6.3" and unit "h" for the big number. */
function splitHours(value: number | null): { text: string; unit?: string } {
  const text = hours(value);
  const match = /^([\d.,]+) (.+)$/.exec(text);
  return match ? { text: match[1]!, unit: match[2]! } : { text };
}

function keyCards(now: DoraResult, before: DoraResult, weeks: WeekPoint[], view: { from: string; to: string; range?: string; team?: string; profile?: string }, previousLabel: string, comparable: boolean): KeyCardProps[] {
  const profile = now.profile;
  const smallBefore = before.deploymentFrequency.deployments < 20;
  const delta = (current: number | null, previous: number | null, better: Better, kind: 'ratio' | 'rate', previousText: string) =>
    comparable ? (
      <span>
        <Delta current={current} previous={previous} better={better} kind={kind} previousLabel={previousText} />
        {smallBefore && previous !== null ? <span className="muted" title="Few deployments in the previous period: treat the change with care"> *</span> : null}
      </span>
    ) : (
      <span className="delta none" title="Paved's history does not cover the whole previous period">no full earlier period</span>
    );
  const lead = splitHours(now.leadTime.p50Hours);
  const recovery = splitHours(now.recovery.failedDeploymentRecoveryP50Hours);
  return [
    {
      metric: 'deploymentFrequency',
      href: explainHref('deploymentFrequency', view),
      value: <Value text={now.deploymentFrequency.perWeek === null ? 'no data' : decimal(now.deploymentFrequency.perWeek)} unit="/ week" />,
      level: now.deploymentFrequency.level,
      profile,
      detail: <>{plural(now.deploymentFrequency.deployments, 'production deployment')} · {now.scope.service ? 'it' : 'the median service'} {deployDaysText(now.deploymentFrequency.deployDaysPerWeekP50)}{now.scope.service ? null : <> · {frequencyBasis(now.deploymentFrequency, false)}</>}</>,
      delta: delta(now.deploymentFrequency.perWeek, before.deploymentFrequency.perWeek, 'up', 'ratio', `${decimal(before.deploymentFrequency.perWeek)}/week ${previousLabel}`),
      spark: weeks.map((w) => (w.partial ? null : w.deployments)),
      sparkLabel: `Deployments per week: ${weeks.filter((w) => !w.partial).map((w) => w.deployments).join(', ')}`,
    },
    {
      metric: 'leadTime',
      href: explainHref('leadTime', view),
      value: now.leadTime.p50Hours === null ? <Value text="no data" /> : <><small style={{ marginLeft: 0, marginRight: 4 }}>p50</small><Value text={lead.text} unit={lead.unit} /></>,
      level: now.leadTime.level,
      profile,
      detail: <>p75 {hours(now.leadTime.p75Hours)} · p90 {hours(now.leadTime.p90Hours)} · n = {count(now.leadTime.changes)} commits</>,
      delta: delta(now.leadTime.p50Hours, before.leadTime.p50Hours, 'down', 'ratio', `${hours(before.leadTime.p50Hours)} ${previousLabel}`),
      spark: weeks.map((w) => w.lead_p50),
      sparkLabel: `Weekly lead time p50 in hours: ${weeks.map((w) => (w.lead_p50 === null ? 'none' : Math.round(w.lead_p50))).join(', ')}`,
    },
    {
      metric: 'changeFailureRate',
      href: explainHref('changeFailureRate', view),
      value: <Value text={now.changeFailureRate.rate === null ? 'no data' : (now.changeFailureRate.rate * 100).toFixed(1)} unit="%" />,
      level: now.changeFailureRate.level,
      profile,
      detail: <>{count(now.changeFailureRate.failedDeployments)} of {count(now.changeFailureRate.deployments)} deployments failed (n/N)</>,
      delta: delta(now.changeFailureRate.rate, before.changeFailureRate.rate, 'down', 'rate', `${percent(before.changeFailureRate.rate)} ${previousLabel}`),
      spark: weeks.map((w) => (w.deployments ? w.changeFailureRate : null)),
      sparkLabel: `Weekly change failure rate: ${weeks.map((w) => (w.changeFailureRate === null ? 'none' : percent(w.changeFailureRate))).join(', ')}`,
    },
    {
      metric: 'recovery',
      href: explainHref('recovery', view),
      value: now.recovery.failedDeploymentRecoveryP50Hours === null ? <Value text="no data" /> : <><small style={{ marginLeft: 0, marginRight: 4 }}>p50</small><Value text={recovery.text} unit={recovery.unit} /></>,
      level: now.recovery.level,
      profile,
      detail: (
        <>
          {count(now.recovery.recoveredDeployments)} of {plural(now.recovery.failedDeployments, 'failed deployment')} recovered
          <span className="key-aside" title={METRIC_MEANINGS.timeToRestore.measures}>Not the same: time to restore service (incidents of any cause, no level) p50 {hours(now.recovery.timeToRestoreP50Hours)} over {plural(now.recovery.incidents, 'incident')}</span>
        </>
      ),
      delta: delta(now.recovery.failedDeploymentRecoveryP50Hours, before.recovery.failedDeploymentRecoveryP50Hours, 'down', 'ratio', `${hours(before.recovery.failedDeploymentRecoveryP50Hours)} ${previousLabel}`),
      spark: weeks.map((w) => w.recovery_p50),
      sparkLabel: `Weekly recovery p50 in hours: ${weeks.map((w) => (w.recovery_p50 === null ? 'none' : w.recovery_p50.toFixed(1))).join(', ')}`,
    },
    {
      metric: 'reworkRate',
      href: explainHref('reworkRate', view),
      value: <Value text={now.reworkRate.rate === null ? 'no data' : (now.reworkRate.rate * 100).toFixed(1)} unit="%" />,
      level: null,
      noBenchmark: true,
      profile,
      detail: <>{count(now.reworkRate.reworkDeployments)} of {count(now.reworkRate.deployments)} deployments were unplanned fixes, reverts or rollbacks</>,
      delta: delta(now.reworkRate.rate, before.reworkRate.rate, 'down', 'rate', `${percent(before.reworkRate.rate)} ${previousLabel}`),
      spark: weeks.map((w) => (w.deployments ? w.reworkRate : null)),
      sparkLabel: `Weekly rework rate: ${weeks.map((w) => (w.reworkRate === null ? 'none' : percent(w.reworkRate))).join(', ')}`,
    },
  ];
}

/**
 * While the demo organisation loads (its history goes in oldest first, and the metrics are
 * recomputed every 30 s), the default window is the 90 days up to the newest deployment computed
 * so far, so the Overview shows the numbers so far instead of an empty last quarter.
 */
async function viewWhileLoading(params: SearchParams) {
  const rt = runtime();
  if (!rt.demo?.loading || first(params.from) || first(params.range)) return { view: viewOf(params), soFar: null };
  const day = await newestDeploymentDay(rt.warehouse).catch(() => null);
  if (!day) return { view: viewOf(params), soFar: null };
  return { view: { ...viewOf(params, new Date(`${day}T12:00:00Z`)), range: 'custom' as const }, soFar: day };
}

function DemoSoFar({ soFar, counts }: { soFar: string | null; counts: { deliveries: number; deployments: number; prs: number; incidents: number } }) {
  const demo = runtime().demo;
  if (!demo?.loading) return null;
  return (
    <div className="banner info demo-loading" role="status">
      {icons.info}
      <span className="grow">
        <strong>Numbers so far.</strong>{' '}
        The demo organisation is loading, oldest history first: {count(demo.deliveries ?? 0)} of about {count(demo.expectedDeliveries ?? 0)} deliveries sent
        {demo.historyUntil ? <> (up to {longDate(demo.historyUntil.slice(0, 10))})</> : null}; {count(counts.deliveries)} stored, with {plural(counts.deployments, 'deployment')}, {plural(counts.prs, 'pull request')} and {plural(counts.incidents, 'incident')} computed.
        {soFar ? <> The keys below cover the 90 days up to {longDate(soFar)}, the newest deployment computed so far.</> : null} The metrics are recomputed every 30 seconds while it loads, and this page refreshes when they are.
      </span>
    </div>
  );
}

export default async function Overview({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const { view, soFar } = await viewWhileLoading(await searchParams);
  const previous = previousOf(view);
  const origin = await originOf();
  const loaded = await attempt('overview', async () => {
    const { warehouse, config, health } = runtime();
    const profile = view.profile ?? config.metrics.benchmarkProfile;
    const scope = { from: view.from, to: view.to, team: view.team };
    const [now, before, series, adoption, dataHealthReport, counts, failed, options, status, teams] = await Promise.all([
      doraMetrics(warehouse, scope, profile),
      doraMetrics(warehouse, { ...scope, from: previous.from, to: previous.to }, profile),
      doraSeries(warehouse, scope),
      adoptionMetrics(warehouse, scope, profile),
      freshness(warehouse),
      warehouseCounts(warehouse),
      deployments(warehouse, scope, { failedOnly: true, limit: 6 }),
      scopeOptions(warehouse),
      health(),
      // Every team with its keys, so the Overview answers "which team deploys least" and links to its page.
      view.team ? Promise.resolve([]) : ranking(warehouse, scope, 'team'),
    ]);
    return { now, before, series, adoption, dataHealthReport, counts, failed, options, status, teams, profile: config.metrics.benchmarkProfile, demoLoading: Boolean(runtime().demo?.loading) };
  });

  const scopeText = view.team ? `team ${view.team}` : 'the whole organisation';
  const header = <PageHeader title="Overview" subtitle={<>How {view.team ? <a href={teamHref(view.team, view)} title={`Why ${view.team} ships the way it does`}>{scopeText}</a> : scopeText} ships software: the five DORA keys for {describeWindow(view.from, view.to)}.</>} />;
  if (!loaded.ok) return <>{header}<Failure what="the overview" message={loaded.message} /></>;
  const { now, before, series, adoption, dataHealthReport, counts, failed, options, status, teams, profile, demoLoading } = loaded.data;
  const weeks = fillWeeks(series, view);
  const previousLabel = `in ${describeWindow(previous.from, previous.to)}`;
  // Comparing with a period Paved only partly saw would show growth that is just missing history.
  const comparable = counts.first_deployment !== null && counts.first_deployment <= addDays(previous.from, 7);
  const keep = viewParams(view, { team: true, service: false, profile: true });

  return (
    <>
      {header}
      <Filters view={view} teams={options.teams} services={options.services} fields={['team']} defaultProfile={profile} />
      {demoLoading ? <DemoSoFar soFar={soFar} counts={counts} /> : null}
      {counts.deployments === 0 ? (
        <ConnectSources origin={origin} deliveries={counts.deliveries} demoLoading={demoLoading} />
      ) : now.deploymentFrequency.deployments === 0 ? (
        <div className="empty compact">
          <h3>No production deployments in {describeWindow(view.from, view.to)}{view.team ? ` for ${view.team}` : ''}</h3>
          <p>
            Paved has {plural(counts.deployments, 'deployment')} in total. Try a longer time range{view.team ? <>, or <a href={href('/', { ...keep, team: undefined })}>all teams</a></> : null}.
            Deployments count when their environment matches <code>metrics.productionPattern</code> and they succeeded.
          </p>
        </div>
      ) : (
        <section aria-label="The five DORA keys">
          <div className="grid keys">
            {keyCards(now, before, weeks, { from: view.from, to: view.to, range: view.range, team: view.team, profile: view.profile }, previousLabel, comparable).map((card) => (
              <KeyCard key={card.metric} {...card} />
            ))}
          </div>
          <p className="footer-note" style={{ marginTop: 8 }}>
            <span data-testid="levels-explained">Levels: DORA {now.profile} benchmark. {LEVELS_EXPLAINED}</span>{' '}
            {comparable ? (
              <>
                Arrows compare with the previous {view.days} days ({describeWindow(previous.from, previous.to)}): green is better, red is worse
                {before.deploymentFrequency.deployments < 20 ? <>; * that period had only {plural(before.deploymentFrequency.deployments, 'deployment')}, so its numbers are uncertain</> : null}.
              </>
            ) : (
              <>No change arrows: Paved&apos;s history starts on {longDate(counts.first_deployment ?? '')}, inside the previous {view.days} days, so there is no full period to compare with.</>
            )}{' '}
            Sparklines show complete weeks.
          </p>
        </section>
      )}

      <div className="grid overview-lower" style={{ marginTop: 16 }}>
        <Card title="Golden-path adoption" hint="Services created from a platform template" actions={<a href={href('/adoption', keep)}>Adoption {icons.arrowRight}</a>}>
          {adoption.headline.services === 0 ? (
            <p className="muted">
              No services in the catalog yet. List them under <code>catalog.services</code> in <code>paved.config.yaml</code> (with <code>template</code> for golden-path ones) or point <code>catalog.backstagePaths</code> at your Backstage catalog.
            </p>
          ) : (
            <div className="grid" style={{ gap: 14 }}>
              <div>
                <div className="stat-label">Services on the golden path</div>
                <div className="stat-value">{percent(adoption.headline.goldenServiceShare, 0)} <small>{adoption.headline.goldenServices} of {adoption.headline.services}</small></div>
                <Meter value={adoption.headline.goldenServiceShare} tone="gold" label="Share of services on the golden path" />
              </div>
              <div>
                <div className="stat-label">Deployments from golden-path services</div>
                <div className="stat-value">{percent(adoption.headline.goldenDeploymentShare, 0)} <small>of {count(adoption.headline.deployments)}</small></div>
                <Meter value={adoption.headline.goldenDeploymentShare} tone="gold" label="Share of deployments from golden-path services" />
              </div>
              <p className="muted" style={{ fontSize: 12.5 }}>
                Lead time p50 on the golden path: <strong>{hours(adoption.comparison.goldenPath.leadTime.p50Hours)}</strong> versus <strong>{hours(adoption.comparison.other.leadTime.p50Hours)}</strong> elsewhere
                (n = {count(adoption.comparison.goldenPath.leadTime.changes)} / {count(adoption.comparison.other.leadTime.changes)} commits).
              </p>
            </div>
          )}
        </Card>

        <Card title="Recent failed deployments" hint="Newest first" actions={<a href={explainHref('changeFailureRate', view)}>All {icons.arrowRight}</a>}>
          {failed.length === 0 ? (
            <p className="empty-inline">No failed deployments in this window.</p>
          ) : (
            <ul className="nav-list" style={{ gap: 0 }}>
              {failed.slice(0, 6).map((d) => (
                <li key={d.id} style={{ padding: '6px 0', borderBottom: '1px solid var(--border)' }}>
                  <a href={deploymentHref(d.id, d.deployed_at, 'changeFailureRate')} style={{ fontWeight: 600 }}>{d.service}</a>{' '}
                  <span className="muted mono">{d.sha?.slice(0, 7)}</span>
                  <div className="muted" style={{ fontSize: 12 }}>
                    {dateTime(d.deployed_at)} · {d.failure_methods.map(label).join(', ')} · {d.recovery_hours === null ? 'not recovered yet' : `recovered in ${hours(d.recovery_hours)}`}
                  </div>
                </li>
              ))}
            </ul>
          )}
        </Card>

        <Card title="Data freshness" actions={<a href="/health">Data health {icons.arrowRight}</a>}>
          {dataHealthReport.sources.length === 0 ? (
            <p className="muted">{demoLoading ? 'The demo organisation’s first deliveries are on their way.' : 'No events received yet.'}</p>
          ) : (
            <table>
              <caption className="visually-hidden">Last event per source</caption>
              <thead>
                <tr><th scope="col">Source</th><th scope="col">Last event</th><th scope="col" className="num">Events</th></tr>
              </thead>
              <tbody>
                {dataHealthReport.sources.map((s) => (
                  <tr key={s.source}>
                    <td>{sourceLabel(s.source)}</td>
                    <td title={s.last_received}>{ago(s.last_received)}</td>
                    <td className="num">{count(s.deliveries)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <dl className="kv" style={{ marginTop: 12, fontSize: 12.5 }}>
            <dt>Last transform</dt>
            <dd>
              {dataHealthReport.runs[0] ? (
                <>
                  <span className={`dot ${dataHealthReport.runs[0].status === 'ok' ? 'ok' : 'bad'}`} aria-hidden="true" /> {ago(dataHealthReport.runs[0].started_at)} ({dataHealthReport.runs[0].status})
                </>
              ) : 'not run yet'}
            </dd>
            <dt>Next run</dt>
            <dd>{status.schedule.nextRun ? `${dateTime(status.schedule.nextRun)} UTC` : 'not scheduled'}</dd>
            {dataHealthReport.deadLetterTotal > 0 ? (
              <>
                <dt>Dead letters</dt>
                <dd><a href="/health#dead-letters">{count(dataHealthReport.deadLetterTotal)} waiting</a></dd>
              </>
            ) : null}
          </dl>
        </Card>
      </div>

      {teams.length > 1 ? (
        <div style={{ marginTop: 16 }}>
          <Card id="teams" title="Teams" hint="Fewest deployments per week first. Open a team to see why: its keys against the median team, where its pull requests wait, its services, survey and incidents." actions={<a href={`${href('/dora', { ...keep, team: undefined, by: 'team', sort: 'per_week', dir: 'asc' })}#ranking`}>Teams ranked {icons.arrowRight}</a>}>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Teams by deployments per week, fewest first</caption>
                <thead>
                  <tr><th scope="col">Team</th><th scope="col" className="num">Deploys / week</th><th scope="col" className="num">Lead time p50</th><th scope="col" className="num">Failure rate</th><th scope="col" className="num">Recovery p50</th></tr>
                </thead>
                <tbody>
                  {[...teams].sort((a, b) => a.per_week - b.per_week || a.key.localeCompare(b.key)).map((t) => (
                    <tr key={t.key}>
                      <td className="name"><a href={teamHref(t.key, view)}>{t.key}</a></td>
                      <td className="num">{decimal(t.per_week)}</td>
                      <td className="num">{hours(t.lead_p50)}</td>
                      <td className="num">{percent(t.change_failure_rate)}</td>
                      <td className="num">{hours(t.recovery_p50)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Card>
        </div>
      ) : null}
    </>
  );
}
