import { doraSeries } from '@paved/transform';
import { frictionRoadmap, type InitiativeEffect, initiativeEffects, type KeyEffect, type MetricEvidence, surveySource, WEIGHTS } from '@paved/insights';
import { ChartFrame } from '@/components/ChartFrame';
import { LinesChart, type Point } from '@/components/charts';
import { Filters } from '@/components/Filters';
import { Card, Empty, Failure, LevelBadge, PageHeader } from '@/components/ui';
import { decimal, hours, percent, shortDate } from '@/lib/format';
import { attempt } from '@/lib/load';
import { first, href, type SearchParams, viewOf } from '@/lib/period';
import { runtime } from '@/lib/runtime';
import { teamHref } from '@/lib/teams';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Roadmap' };

function measured(value: number | null, unit: string): string {
  if (value === null) return 'no data';
  if (unit === 'share') return percent(value);
  if (unit === 'hours') return hours(value);
  return `${decimal(value, 2)} ${unit}`;
}

function effectValue(value: number | null, unit: string, signed = false): string {
  if (value === null) return '—';
  const sign = signed && value > 0 ? '+' : '';
  if (unit === 'share') return `${sign}${decimal(value * 100, 1)} ${signed ? 'pp' : '%'}`;
  if (unit === 'hours') return hours(value, { signed });
  return `${sign}${decimal(value, 2)}`;
}

/** The score's parts and weights in words (the formula itself is one click away). */
const SCORE_IN_WORDS = `${Math.round(WEIGHTS.unfavourable * 100)} % how many developers answer unfavourably, ${Math.round(WEIGHTS.metricGap * 100)} % how far the related metrics sit below the next DORA level, ${Math.round(WEIGHTS.hoursLost * 100)} % the hours people say they lose, ${Math.round(WEIGHTS.trend * 100)} % whether it is getting worse since the last survey`;

function MetricLine({ m }: { m: MetricEvidence }) {
  return (
    <li>
      <strong>{m.label}</strong>: {measured(m.value, m.unit)} <LevelBadge level={m.level} />
      {m.nextLevel && m.threshold !== null ? <> — {decimal((m.gap ?? 0) * 100, 0)} % from {m.nextLevel} ({measured(m.threshold, m.unit)})</> : m.level ? ' — at the top level' : null}
      {m.previousValue !== null ? <span className="muted"> · previous period {measured(m.previousValue, m.unit)}</span> : null}
      {m.farthestTeams.length ? <span className="muted"> · farthest: {m.farthestTeams.map((t) => `${t.team} ${measured(t.value, m.unit)}`).join(', ')}</span> : null}
    </li>
  );
}

function EffectRow({ e }: { e: KeyEffect }) {
  return (
    <tr>
      <td>{e.label}</td>
      <td className="num">{effectValue(e.treated.before, e.unit)} → {effectValue(e.treated.after, e.unit)}</td>
      <td className="num">{effectValue(e.control.before, e.unit)} → {effectValue(e.control.after, e.unit)}</td>
      <td className="num"><strong>{effectValue(e.estimate, e.unit, true)}</strong></td>
      <td>{e.improved === null ? <span className="muted">no change / no data</span> : e.improved ? <span className="tag good">better</span> : <span className="tag bad">worse</span>}</td>
    </tr>
  );
}

function Initiative({ i, series }: { i: InitiativeEffect; series: Point[] }) {
  const s = i.samples;
  return (
    <Card title={`${i.name} (from ${i.start})`} hint={`Targets ${[...i.teams.map((t) => `team ${t}`), ...i.services.map((x) => `service ${x}`)].join(', ') || 'nothing'}; ${i.windows.before.from} – ${i.windows.before.to} versus ${i.windows.after.from} – ${i.windows.after.to}. Status: ${i.status.replace('_', ' ')}.`}>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Difference-in-differences estimates for {i.name}</caption>
          <thead><tr><th scope="col">Key</th><th scope="col" className="num">Targeted before → after</th><th scope="col" className="num">Others before → after</th><th scope="col" className="num">Estimate (DiD)</th><th scope="col">Direction</th></tr></thead>
          <tbody>{i.effects.map((e) => <EffectRow key={e.key} e={e} />)}</tbody>
        </table>
      </div>
      <p className="table-foot">
        Samples — targeted: {s.treated.before.deployments} → {s.treated.after.deployments} deployments, {s.treated.before.changes} → {s.treated.after.changes} changes, {s.treated.before.failures} → {s.treated.after.failures} failures;
        others: {s.control.before.deployments} → {s.control.after.deployments} deployments, {s.control.before.changes} → {s.control.after.changes} changes, {s.control.before.failures} → {s.control.after.failures} failures.
        Estimate = (targeted after − before) − (others after − before). {i.notes.join(' ')}
      </p>
      {series.length ? (
        <ChartFrame
          id={`chart-${i.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`}
          title="Targeted teams: weekly lead time p50"
          description="The dashed vertical line marks the start date."
          summary={`Weekly lead time p50 for the targeted scope: ${series.map((p) => `${p.label} ${hours(p.lead as number | null)}`).join(', ')}.`}
          legend={[{ label: 'Lead time p50', color: 'var(--chart-1)' }]}
          table={{ columns: ['Week of', 'Lead time p50', 'Deployments'], rows: series.map((p) => ({ cells: [String(p.label), hours(p.lead as number | null), String(p.n ?? 0)] })) }}
        >
          <LinesChart data={series} format="hours" height={180} series={[{ key: 'lead', label: 'Lead time p50', color: 'var(--chart-1)' }]} sampleKey="n" sampleLabel="Deployments" markers={[{ x: shortDate(mondayOf(i.start)), label: `${i.name} starts` }]} />
        </ChartFrame>
      ) : null}
    </Card>
  );
}

function mondayOf(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  const back = (d.getUTCDay() + 6) % 7;
  return new Date(d.getTime() - back * 86_400_000).toISOString().slice(0, 10);
}

export default async function Roadmap({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const view = viewOf(params);
  const campaign = first(params.campaign);
  const loaded = await attempt('roadmap', async () => {
    const { warehouse, config } = runtime();
    const [roadmap, initiatives] = await Promise.all([
      frictionRoadmap(warehouse, config, { from: view.from, to: view.to, campaignId: campaign }, surveySource(warehouse, config)),
      initiativeEffects(warehouse, config, view),
    ]);
    // The targeted scope's weekly lead time, from the before window to the end of the after window (first team or service).
    const series = await Promise.all(initiatives.map(async (i) => {
      const scope = i.teams[0] ? { team: i.teams[0] } : i.services[0] ? { service: i.services[0] } : null;
      if (!scope || i.status === 'not_started') return [];
      const rows = await doraSeries(warehouse, { from: i.windows.before.from, to: i.windows.after.to, ...scope });
      return rows.map((r): Point => ({ label: shortDate(r.week), lead: r.lead_p50, n: r.deployments }));
    }));
    return { roadmap, initiatives, series, defaultProfile: config.metrics.benchmarkProfile };
  });
  const header = (
    <PageHeader
      title="Platform roadmap"
      subtitle="Friction points ranked by how many developers feel them, how far the related metrics sit from the next DORA level, the hours people report losing and the trend."
      actions={<a className="button small" href={href('/api/v1/roadmap', { from: view.from, to: view.to, campaign })}>JSON API</a>}
    />
  );
  if (!loaded.ok) return <>{header}<Failure what="the roadmap" message={loaded.message} /></>;
  const { roadmap, initiatives, series, defaultProfile } = loaded.data;
  return (
    <>
      {header}
      <Filters view={view} teams={[]} services={[]} fields={[]} keep={campaign ? { campaign } : undefined} defaultProfile={defaultProfile} />
      {roadmap.notes.map((n) => <p key={n} className="banner warn" role="note">{n}</p>)}
      <Card
        id="friction"
        title={roadmap.campaign ? `Friction points — ${roadmap.campaign.title}` : 'Friction points'}
        hint={<>Ranked by a friction score from 0 to 100 (higher = more friction, fix first): {SCORE_IN_WORDS}. Teams below {roadmap.minGroupSize} respondents are never named{roadmap.hiddenTeams ? ` (${roadmap.hiddenTeams} hidden)` : ''}.</>}
      >
        <details className="how" data-testid="score-formula">
          <summary>How the score is computed</summary>
          <p><code>{roadmap.formula}</code></p>
        </details>
        {roadmap.entries.length === 0 ? (
          <Empty title="Nothing to rank yet" compact><p>Ranking needs a survey campaign with at least {roadmap.minGroupSize} responses.</p></Empty>
        ) : (
          <ol className="roadmap-list">
            {roadmap.entries.map((e) => (
              <li key={e.driverId} className="roadmap-entry">
                <div className="roadmap-head">
                  <span className="roadmap-rank">{e.rank}</span>
                  <h3>{e.label}</h3>
                  <span className="roadmap-score" title="Friction score, 0-100">{decimal(e.score, 1)}</span>
                </div>
                <p className="muted">
                  {percent(e.favourable, 0)} favourable · ≈{decimal(e.developersUnfavourable, 0)} developers unfavourable
                </p>
                <p className="muted" data-testid="score-parts">
                  Score from: {percent(e.components.unfavourable, 0)} of developers unfavourable · metrics {e.components.metricGap > 0 ? `${percent(e.components.metricGap, 0)} of the way below the next DORA level` : 'at their next DORA level or better'} · hours lost {percent(e.components.hoursLost, 0)} of the most any driver loses · {e.components.trend > 0 ? 'getting worse' : e.components.trend < 0 ? 'getting better' : 'no change measured'}
                </p>
                <div className="grid two">
                  <div>
                    <h4>Teams most affected</h4>
                    {e.evidence.teams.length ? (
                      <ul>{e.evidence.teams.map((t) => <li key={t.team}><a href={teamHref(t.team)}>{t.team}</a>: {percent(t.favourable, 0)} favourable, {t.respondents} respondents of {t.developers} developers{t.hoursLost !== null ? `, ${decimal(t.hoursLost, 1)} h lost a week` : ''}</li>)}</ul>
                    ) : <p className="muted">No team has enough respondents to be shown.</p>}
                    <h4>Measured metrics</h4>
                    {e.evidence.metrics.length ? <ul>{e.evidence.metrics.map((m) => <MetricLine key={m.measure} m={m} />)}</ul> : <p className="muted">No measured metric maps to this driver.</p>}
                  </div>
                  <div>
                    <h4>What people wrote</h4>
                    {e.evidence.themes.length ? (
                      <ul>{e.evidence.themes.map((t) => <li key={t.id}>{t.label} ({t.mentions} {t.mentions === 1 ? 'mention' : 'mentions'}){t.examples.map((x) => <blockquote key={x} className="quote">“{x}”</blockquote>)}</li>)}</ul>
                    ) : <p className="muted">No free-text theme about this.</p>}
                    <h4>Since the last period</h4>
                    {e.changes.lines.length ? <ul>{e.changes.lines.map((l) => <li key={l}>{l}</li>)}</ul> : <p className="muted">No earlier campaign or metric change to compare.</p>}
                  </div>
                </div>
              </li>
            ))}
          </ol>
        )}
      </Card>
      <h2 className="section-title" style={{ marginTop: 20 }}>Initiatives</h2>
      {initiatives.length === 0 ? (
        <Empty title="No initiatives configured" compact><p>List them under <code>initiatives</code> in <code>paved.config.yaml</code> (name, start, teams, services) to see their estimated effect.</p></Empty>
      ) : initiatives.map((i, index) => <Initiative key={i.name} i={i} series={series[index] ?? []} />)}
    </>
  );
}
