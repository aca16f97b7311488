import { flowMetrics, scopeOptions } from '@paved/transform';
import { ChartFrame } from '@/components/ChartFrame';
import { HorizontalBarsChart, type Point } from '@/components/charts';
import { Filters } from '@/components/Filters';
import { Card, ConnectSources, CsvLink, Empty, ExternalLink, Failure, PageHeader } from '@/components/ui';
import { count, dateTime, hours } from '@/lib/format';
import { deploymentHref } from '@/lib/keys';
import { attempt } from '@/lib/load';
import { describeWindow, href, type SearchParams, viewOf, viewParams } from '@/lib/period';
import { warehouseCounts } from '@/lib/queries';
import { originOf } from '@/lib/request';
import { runtime } from '@/lib/runtime';
import { changeRequestLink, changeRequestRef } from '@/lib/sources';
import { teamHref } from '@/lib/teams';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Flow' };

const STAGES = [
  { key: 'coding_p50', label: 'Coding', hint: 'first commit → PR opened', color: 'var(--chart-4)' },
  { key: 'pickup_p50', label: 'Pickup', hint: 'PR opened → first review', color: 'var(--chart-3)' },
  { key: 'review_p50', label: 'Review', hint: 'first review → merged', color: 'var(--chart-1)' },
  { key: 'deploy_p50', label: 'Deploy', hint: 'merged → in production', color: 'var(--chart-2)' },
] as const;

export default async function Flow({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const view = viewOf(await searchParams);
  const origin = await originOf();
  const loaded = await attempt('flow', async () => {
    const { warehouse, config } = runtime();
    const [flow, options, counts] = await Promise.all([
      flowMetrics(warehouse, { from: view.from, to: view.to, team: view.team }),
      scopeOptions(warehouse),
      warehouseCounts(warehouse),
    ]);
    return { flow, options, counts, defaultProfile: config.metrics.benchmarkProfile, demoLoading: Boolean(runtime().demo?.loading) };
  });
  const scopeText = view.team ? `team ${view.team}` : 'all teams';
  const header = (
    <PageHeader
      title="Flow"
      subtitle={<>Where pull requests spend their time on the way to production, for {scopeText}.</>}
      actions={<a className="button small" href={href('/api/v1/metrics/flow', { from: view.from, to: view.to, team: view.team })}>JSON API</a>}
    />
  );
  if (!loaded.ok) return <>{header}<Failure what="flow metrics" message={loaded.message} /></>;
  const { flow, options, counts, defaultProfile, demoLoading } = loaded.data;
  const filters = <Filters view={view} teams={options.teams} services={options.services} fields={['team']} defaultProfile={defaultProfile} />;
  if (counts.prs === 0) {
    return (
      <>
        {header}
        {filters}
        {counts.deployments === 0 ? (
          <ConnectSources origin={origin} what="pull requests" deliveries={counts.deliveries} demoLoading={demoLoading} />
        ) : (
          <Empty title="No merged pull requests yet">
            <p>
              Flow needs GitHub <code>pull_request</code> and <code>pull_request_review</code> events. Add them to the webhook pointing at <code>{origin}/webhooks/github</code>,
              or run <code>paved backfill github</code> to import history.
            </p>
          </Empty>
        )}
      </>
    );
  }
  const o = flow.overall;
  const data: Point[] = flow.teams.map((t) => ({
    label: t.team, coding_p50: t.coding_p50, pickup_p50: t.pickup_p50, review_p50: t.review_p50, deploy_p50: t.deploy_p50,
    href: href('/flow', { ...viewParams(view, { team: false, service: false, profile: false }), team: t.team }),
  }));
  const slowestStage = STAGES.reduce((worst, s) => ((o[s.key] ?? -1) > (o[worst.key] ?? -1) ? s : worst), STAGES[0]);
  const csvParams = { from: view.from, to: view.to, team: view.team };

  return (
    <>
      {header}
      {filters}
      {o.prs === 0 ? (
        <Empty title={`No merged pull requests in ${describeWindow(view.from, view.to)}${view.team ? ` for ${view.team}` : ''}`} compact>
          <p>Try a longer time range or another team.</p>
        </Empty>
      ) : (
        <>
          <div className="stats" aria-label="Medians over all merged pull requests">
            <div className="stat">
              <div className="stat-label">PRs merged</div>
              <div className="stat-value">{count(o.prs)}</div>
              <div className="stat-note">bots excluded</div>
            </div>
            <div className="stat">
              <div className="stat-label">Cycle time p50</div>
              <div className="stat-value">{hours(o.cycle_p50)}</div>
              <div className="stat-explain">Time from a pull request&apos;s first commit to production (median). Lower is better.</div>
              <div className="stat-note">first commit → production</div>
            </div>
            {STAGES.map((s) => (
              <div className="stat" key={s.key}>
                <div className="stat-label"><i style={{ display: 'inline-block', width: 8, height: 8, borderRadius: 2, background: s.color }} aria-hidden="true" />{s.label} p50</div>
                <div className="stat-value">{hours(o[s.key])}</div>
                <div className="stat-note">{s.hint} · lower is better</div>
              </div>
            ))}
          </div>

          <ChartFrame
            id="chart-stages"
            title="Median time in each stage, per team"
            description={<>Longest stage overall: <strong>{slowestStage.label.toLowerCase()}</strong> ({hours(o[slowestStage.key])}). Click a team to focus on it.</>}
            summary={`Median hours per stage by team: ${flow.teams.map((t) => `${t.team}: coding ${hours(t.coding_p50)}, pickup ${hours(t.pickup_p50)}, review ${hours(t.review_p50)}, deploy ${hours(t.deploy_p50)}`).join('; ')}.`}
            legend={STAGES.map((s) => ({ label: `${s.label} (${s.hint})`, color: s.color }))}
            note="Each segment is that stage's median, so a bar is not the median cycle time (medians do not add up)."
            table={{ columns: ['Team', 'PRs', 'Coding', 'Pickup', 'Review', 'Deploy', 'Cycle p50'], rows: flow.teams.map((t) => ({ cells: [t.team, count(t.prs), hours(t.coding_p50), hours(t.pickup_p50), hours(t.review_p50), hours(t.deploy_p50), hours(t.cycle_p50)] })) }}
          >
            <HorizontalBarsChart data={data} format="hours" series={STAGES.map((s) => ({ key: s.key, label: s.label, color: s.color, stack: 'stages' }))} />
          </ChartFrame>

          <div style={{ marginTop: 16 }}>
            <Card title="Teams" actions={<CsvLink table="flow-prs" params={csvParams} label="Download PRs (CSV)" />}>
              <div className="table-wrap">
                <table>
                  <caption className="visually-hidden">Median stage times per team</caption>
                  <thead>
                    <tr>
                      <th scope="col">Team</th>
                      <th scope="col" className="num">PRs</th>
                      {STAGES.map((s) => <th key={s.key} scope="col" className="num">{s.label} p50</th>)}
                      <th scope="col" className="num">Cycle p50</th>
                    </tr>
                  </thead>
                  <tbody>
                    {flow.teams.map((t) => (
                      <tr key={t.team}>
                        <td><a href={teamHref(t.team, view)} title={`Why ${t.team} ships the way it does: its team page`}>{t.team}</a></td>
                        <td className="num">{count(t.prs)}</td>
                        {STAGES.map((s) => <td key={s.key} className="num">{hours(t[s.key])}</td>)}
                        <td className="num"><strong>{hours(t.cycle_p50)}</strong></td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </Card>
          </div>

          <div style={{ marginTop: 16 }}>
            <Card id="slowest" title="Slowest pull requests" hint="By cycle time (first commit to production); still-undeployed PRs by time to merge." actions={<CsvLink table="flow-prs" params={csvParams} />}>
              <div className="table-wrap">
                <table>
                  <caption className="visually-hidden">Slowest pull requests with time per stage</caption>
                  <thead>
                    <tr>
                      <th scope="col">Pull request</th>
                      <th scope="col">Team</th>
                      <th scope="col">Author</th>
                      <th scope="col">Merged (UTC)</th>
                      {STAGES.map((s) => <th key={s.key} scope="col" className="num">{s.label}</th>)}
                      <th scope="col" className="num">Cycle</th>
                      <th scope="col">Deployment</th>
                    </tr>
                  </thead>
                  <tbody>
                    {flow.slowest.map((pr) => {
                      const stageHours = { coding_p50: pr.coding_hours, pickup_p50: pr.pickup_hours, review_p50: pr.review_hours, deploy_p50: pr.deploy_hours };
                      const worst = STAGES.reduce((w, s) => ((stageHours[s.key] ?? -1) > (stageHours[w.key] ?? -1) ? s : w), STAGES[0]);
                      const deployedAt = pr.deploy_hours === null ? null : new Date(Date.parse(pr.merged_at) + pr.deploy_hours * 3_600_000).toISOString();
                      return (
                        <tr key={`${pr.repo}#${pr.number}`}>
                          <td className="wrap">
                            <ExternalLink href={changeRequestLink(pr.repo, pr.number)}>{pr.title}</ExternalLink>
                            <div className="muted" style={{ fontSize: 12 }}>{pr.repo}{changeRequestRef(pr.repo, pr.number)}</div>
                          </td>
                          <td><a href={teamHref(pr.team, view)}>{pr.team}</a></td>
                          <td>{pr.author_login ?? '—'}</td>
                          <td className="nowrap">{dateTime(pr.merged_at)}</td>
                          {STAGES.map((s) => (
                            <td key={s.key} className="num" style={s.key === worst.key ? { fontWeight: 700 } : undefined}>{hours(stageHours[s.key])}</td>
                          ))}
                          <td className="num"><strong>{hours(pr.cycle_hours)}</strong></td>
                          <td className="nowrap">{pr.deployment_id && deployedAt ? <a href={deploymentHref(pr.deployment_id, deployedAt, 'leadTime')}>View</a> : <span className="muted">not deployed</span>}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
              <p className="table-foot">The longest stage of each PR is in bold. The CSV lists every merged PR in the window.</p>
            </Card>
          </div>
        </>
      )}
    </>
  );
}
