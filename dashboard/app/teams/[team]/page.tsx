import { LEVELS_EXPLAINED, METRIC_MEANINGS } from '@paved/schemas/glossary';
import { campaignResults, releasedCampaignId, type SurveyResults } from '@paved/surveys';
import { type IncidentsResult, incidentsInWindow, type KeyComparison, STAGES, type Stage, type TeamKey, type TeamProfile, teamProfile, UnknownTeamError } from '@paved/transform';
import type { ReactNode } from 'react';
import { ChartFrame } from '@/components/ChartFrame';
import { HorizontalBarsChart, type Point } from '@/components/charts';
import { Filters } from '@/components/Filters';
import { icons } from '@/components/icons';
import { Card, Empty, ExternalLink, Failure, LevelBadge, Meter, PageHeader } from '@/components/ui';
import { count, dateTime, decimal, hours, label, percent, plural, shortSha } from '@/lib/format';
import { deploymentHref, explainHref, METRIC_NAMES, type Metric } from '@/lib/keys';
import { attempt } from '@/lib/load';
import { describeWindow, href, type SearchParams, viewOf, viewParams } from '@/lib/period';
import { runtime } from '@/lib/runtime';
import { sourceLabel } from '@/lib/sources';
import { incidentsHref, teamHref } from '@/lib/teams';

export const dynamic = 'force-dynamic';

/** The team from the path: Next.js may hand the segment over still percent-encoded. */
function teamOf(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export async function generateMetadata({ params }: { params: Promise<{ team: string }> }) {
  return { title: `Team ${teamOf((await params).team)}` };
}

const KEY_METRIC: Record<TeamKey, Metric> = {
  per_week: 'deploymentFrequency', lead_p50: 'leadTime', change_failure_rate: 'changeFailureRate', recovery_p50: 'recovery', rework_rate: 'reworkRate',
};

const STAGE_INFO: Record<Stage, { label: string; hint: string; color: string }> = {
  coding: { label: 'Coding', hint: 'first commit → PR opened', color: 'var(--chart-4)' },
  pickup: { label: 'Pickup', hint: 'PR opened → first review', color: 'var(--chart-3)' },
  review: { label: 'Review', hint: 'first review → merged', color: 'var(--chart-1)' },
  deploy: { label: 'Deploy', hint: 'merged → in production', color: 'var(--chart-2)' },
};

function keyValue(key: TeamKey, value: number | null): string {
  if (value === null) return 'no data';
  if (key === 'per_week') return `${decimal(value)} / week`;
  if (key === 'lead_p50' || key === 'recovery_p50') return hours(value);
  return percent(value);
}

function ordinal(n: number): string {
  const rest = n % 100;
  if (rest >= 11 && rest <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

/** "worst of 12", "3rd worst of 12". */
function rankText(k: KeyComparison): string {
  if (k.worstRank === null) return '—';
  if (k.teams === 1) return 'the only team with data';
  return k.worstRank === 1 ? `worst of ${k.teams}` : k.worstRank === k.teams ? `best of ${k.teams}` : `${ordinal(k.worstRank)} worst of ${k.teams}`;
}

function versus(k: KeyComparison): ReactNode {
  if (k.versusMedian === null) return <span className="muted">—</span>;
  if (k.versusMedian === 'same') return <span className="delta flat">same as the median</span>;
  const good = k.versusMedian === 'better';
  const diff = k.team !== null && k.orgMedian ? Math.abs(k.team - k.orgMedian) / k.orgMedian : null;
  const rate = k.key === 'change_failure_rate' || k.key === 'rework_rate';
  const amount = k.team !== null && k.orgMedian !== null ? (rate ? `${(Math.abs(k.team - k.orgMedian) * 100).toFixed(1)} pp` : diff !== null ? `${diff >= 1 ? Math.round(diff * 100) : (diff * 100).toFixed(0)} %` : '') : '';
  const direction = k.team !== null && k.orgMedian !== null && k.team > k.orgMedian ? (rate ? 'higher' : k.key === 'per_week' ? 'more' : 'longer') : rate ? 'lower' : k.key === 'per_week' ? 'fewer' : 'shorter';
  return <span className={`delta ${good ? 'good' : 'bad'}`}>{good ? 'better' : 'worse'}: {amount} {direction}</span>;
}

function levelOf(key: TeamKey, p: TeamProfile) {
  switch (key) {
    case 'per_week': return p.dora.deploymentFrequency.level;
    case 'lead_p50': return p.dora.leadTime.level;
    case 'change_failure_rate': return p.dora.changeFailureRate.level;
    case 'recovery_p50': return p.dora.recovery.level;
    case 'rework_rate': return undefined;
  }
}

/** The one-sentence answer at the top: where the team stands on deployment frequency and where its PRs wait. */
function Answer({ p }: { p: TeamProfile }) {
  const f = p.keys.find((k) => k.key === 'per_week')!;
  const slowest = p.flow.slowest;
  const stage = slowest ? p.flow.stages.find((s) => s.stage === slowest)! : null;
  return (
    <p className="explain-lede" data-testid="team-answer">
      <strong>{p.team}</strong> deploys <strong>{keyValue('per_week', f.team)}</strong>
      {f.orgMedian !== null ? <> against <strong>{keyValue('per_week', f.orgMedian)}</strong> for the median team</> : null}
      {f.worstRank !== null && f.teams > 1 ? <> ({f.worstRank === 1 ? `the fewest of ${f.teams} teams` : `${ordinal(f.worstRank)} fewest of ${f.teams} teams`})</> : null}.{' '}
      {stage ? (
        <>Its pull requests wait longest in <strong>{STAGE_INFO[stage.stage].label.toLowerCase()}</strong> ({STAGE_INFO[stage.stage].hint}): <strong>{hours(stage.teamP50)}</strong> at the median{stage.orgMedian !== null ? <>, against {hours(stage.orgMedian)} for the median team</> : null}.</>
      ) : (
        <>It merged no pull request in the window, so there are no flow stages to compare.</>
      )}
    </p>
  );
}

function KeysCard({ p, view }: { p: TeamProfile; view: { from: string; to: string; range?: string; profile?: string } }) {
  return (
    <Card id="keys" title="The five keys against the organisation" hint={<>The median team is the middle of all {p.keys[0]?.teams ?? 0} teams&apos; values (teams without data left out). Rank counts from the worst.</>}>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">{p.team}&apos;s DORA keys beside the median team&apos;s</caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col" className="num">{p.team}</th>
              <th scope="col" className="num">Median team</th>
              <th scope="col">Versus the median</th>
              <th scope="col">Rank</th>
              <th scope="col">Level</th>
            </tr>
          </thead>
          <tbody>
            {p.keys.map((k) => {
              const level = levelOf(k.key, p);
              return (
                <tr key={k.key} data-key={k.key}>
                  <th scope="row" style={{ fontWeight: 600 }}>
                    <a href={explainHref(KEY_METRIC[k.key], { ...view, team: p.team })}>{METRIC_NAMES[KEY_METRIC[k.key]]}</a>
                    <div className="muted" style={{ fontWeight: 400, fontSize: 12 }} title={METRIC_MEANINGS[KEY_METRIC[k.key]].measures}>{METRIC_MEANINGS[KEY_METRIC[k.key]].summary}</div>
                  </th>
                  <td className="num"><strong>{keyValue(k.key, k.team)}</strong></td>
                  <td className="num">{keyValue(k.key, k.orgMedian)}</td>
                  <td>{versus(k)}</td>
                  <td className="nowrap">{rankText(k)}</td>
                  <td>{level === undefined ? <span className="badge neutral" title="DORA publishes no benchmark levels for rework rate">no benchmark</span> : <LevelBadge level={level} profile={p.dora.profile} what={METRIC_NAMES[KEY_METRIC[k.key]]} />}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="table-foot">
        {plural(p.dora.deploymentFrequency.deployments, 'production deployment')} over {plural(p.dora.deploymentFrequency.services, 'service')}; the frequency level is the median service&apos;s ({p.dora.deploymentFrequency.perServicePerWeekP50 === null ? 'no data' : `${decimal(p.dora.deploymentFrequency.perServicePerWeekP50)} / week`}).
        Lead time n = {count(p.dora.leadTime.changes)} commits; {count(p.dora.changeFailureRate.failedDeployments)} failed deployments. Click a key for the rows behind it. {LEVELS_EXPLAINED}
      </p>
    </Card>
  );
}

function FlowCard({ p, flowHref }: { p: TeamProfile; flowHref: string }) {
  if (p.flow.prs === 0) {
    return <Card id="flow" title="Where pull requests wait"><p className="empty-inline">No merged pull requests for {p.team} in this window.</p></Card>;
  }
  const data: Point[] = [
    { label: p.team, ...Object.fromEntries(p.flow.stages.map((s) => [s.stage, s.teamP50])) },
    { label: 'Median team', ...Object.fromEntries(p.flow.stages.map((s) => [s.stage, s.orgMedian])) },
  ];
  return (
    <Card id="flow" title="Where pull requests wait" hint={<>Median hours per stage over {plural(p.flow.prs, 'merged pull request')} (bots excluded), beside the median team&apos;s. <a href={flowHref}>Flow for {p.team}</a></>}>
      <div className="stats" aria-label="Median time in each stage">
        {STAGES.map((stage) => {
          const s = p.flow.stages.find((x) => x.stage === stage)!;
          const slowest = p.flow.slowest === stage;
          return (
            <div className={`stat ${slowest ? 'slowest' : ''}`} key={stage} data-stage={stage} data-slowest={slowest ? 'true' : undefined} style={slowest ? { outline: '2px solid var(--bad, #c0392b)', outlineOffset: -2 } : undefined}>
              <div className="stat-label">
                <i style={{ display: 'inline-block', width: 8, height: 8, borderRadius: 2, background: STAGE_INFO[stage].color }} aria-hidden="true" />
                {STAGE_INFO[stage].label} p50 {slowest ? <span className="tag bad">slowest</span> : null}
              </div>
              <div className="stat-value">{hours(s.teamP50)}</div>
              <div className="stat-note">{STAGE_INFO[stage].hint} · median team {hours(s.orgMedian)}</div>
            </div>
          );
        })}
      </div>
      <ChartFrame
        id="chart-team-stages"
        title="Median time in each stage"
        description={<>{p.team} against the median team; cycle time p50 {hours(p.flow.cycleP50)} (median team {hours(p.flow.orgCycleMedian)}).</>}
        summary={`Median hours per stage: ${p.team}: ${p.flow.stages.map((s) => `${s.stage} ${hours(s.teamP50)}`).join(', ')}; median team: ${p.flow.stages.map((s) => `${s.stage} ${hours(s.orgMedian)}`).join(', ')}.`}
        legend={STAGES.map((s) => ({ label: `${STAGE_INFO[s].label} (${STAGE_INFO[s].hint})`, color: STAGE_INFO[s].color }))}
        note="Each segment is that stage's median, so a bar is not the median cycle time (medians do not add up)."
        table={{ columns: ['', ...STAGES.map((s) => STAGE_INFO[s].label)], rows: [{ cells: [p.team, ...p.flow.stages.map((s) => hours(s.teamP50))] }, { cells: ['Median team', ...p.flow.stages.map((s) => hours(s.orgMedian))] }] }}
      >
        <HorizontalBarsChart data={data} format="hours" series={STAGES.map((s) => ({ key: s, label: STAGE_INFO[s].label, color: STAGE_INFO[s].color, stack: 'stages' }))} />
      </ChartFrame>
    </Card>
  );
}

function ServicesCard({ p, view }: { p: TeamProfile; view: { from: string; to: string; range?: string; profile?: string } }) {
  const g = p.golden;
  return (
    <Card id="services" title="Services" hint={<>The catalog&apos;s services of {p.team} (the same list Adoption counts), fewest deployments first.</>}>
      <div className="grid two" style={{ gap: 14, marginBottom: 12 }}>
        <div>
          <div className="stat-label">Services on the golden path</div>
          <div className="stat-value">{percent(g.serviceShare, 0)} <small>{g.goldenServices} of {g.services}</small></div>
          <Meter value={g.serviceShare} tone="gold" label="Share of the team's services on the golden path" />
        </div>
        <div>
          <div className="stat-label">Deployments from golden-path services</div>
          <div className="stat-value">{percent(g.deploymentShare, 0)} <small>of {count(g.deployments)}</small></div>
          <Meter value={g.deploymentShare} tone="gold" label="Share of the team's deployments from golden-path services" />
        </div>
      </div>
      {p.services.length === 0 ? <p className="empty-inline">No services in the catalog for {p.team}.</p> : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Services of {p.team} with deployments, lead time and failure rate</caption>
            <thead>
              <tr><th scope="col">Service</th><th scope="col"><abbr title="Golden path: created from a platform template">GP</abbr></th><th scope="col" className="num">Deploys</th><th scope="col" className="num">Per week</th><th scope="col" className="num">Lead time p50</th><th scope="col" className="num">Failure rate</th></tr>
            </thead>
            <tbody>
              {p.services.map((s) => (
                <tr key={s.service}>
                  <td className="name"><a href={explainHref('deploymentFrequency', { ...view, service: s.service })}>{s.service}</a>{s.inCatalog ? null : <span className="muted" title="Known only from its production deployments"> (not in the catalog)</span>}</td>
                  <td>{s.goldenPath ? <span className="tag golden" title="Golden-path service">golden</span> : <span className="muted">—</span>}</td>
                  <td className="num">{count(s.deployments)}</td>
                  <td className="num">{decimal(s.perWeek)}</td>
                  <td className="num">{hours(s.leadP50)}</td>
                  <td className="num">{percent(s.changeFailureRate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

function SurveyCard({ team, results, minGroupSize }: { team: string; results: SurveyResults | null; minGroupSize: number }) {
  const title = 'What the team says';
  if (!results) {
    return <Card id="survey" title={title}><p className="empty-inline">No closed survey campaign with responses yet: answers are released when a campaign closes. See <a href="/surveys">Surveys</a>.</p></Card>;
  }
  const campaign = <a href={href('/surveys', { campaign: results.campaign.id })}>{results.campaign.title}</a>;
  const group = results.groups.find((g) => g.group === team);
  if (!group) {
    const hidden = results.hiddenGroups.includes(team);
    const complementary = results.complementaryGroups.includes(team);
    return (
      <Card id="survey" title={title} hint={<>From {campaign}.</>}>
        <div className="banner info" role="note" data-testid="survey-hidden">
          {icons.lock}
          <span>
            {complementary ? (
              <>The answers of {team} are withheld: the team has enough respondents, but with the other published figures its results would let a smaller group (under {results.minGroupSize} people) be worked out.</>
            ) : hidden ? (
              <>The answers of {team} are hidden to protect anonymity: fewer than {results.minGroupSize} people of the team answered, and a group is shown only with at least {results.minGroupSize}.</>
            ) : (
              <>No one from {team} answered this campaign.</>
            )}{' '}
            The organisation&apos;s results are on <a href="/surveys">Surveys</a>.
          </span>
        </div>
      </Card>
    );
  }
  const org = results.org;
  const drivers = [...group.drivers].sort((a, b) => (a.favourable ?? 2) - (b.favourable ?? 2));
  return (
    <Card id="survey" title={title} hint={<>Drivers from {campaign}, {group.respondents} respondents of {team} (groups under {minGroupSize} are never shown), least favourable first.</>}>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Survey drivers of {team} beside the organisation</caption>
          <thead><tr><th scope="col">Driver</th><th scope="col" className="num">% favourable</th><th scope="col" className="num">Organisation</th><th scope="col" className="num" title="Answers to the driver's statements (each respondent answers several)">Statement answers</th></tr></thead>
          <tbody>
            {drivers.map((d) => {
              const o = org?.drivers.find((x) => x.id === d.id);
              const low = d.favourable !== null && d.favourable <= 0.4;
              return (
                <tr key={d.id} className={low ? 'highlight' : undefined}>
                  <th scope="row" style={{ fontWeight: 600 }}>{d.label}</th>
                  <td className="num"><strong>{percent(d.favourable, 0)}</strong></td>
                  <td className="num">{percent(o?.favourable ?? null, 0)}</td>
                  <td className="num">{count(d.answered)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="table-foot">% favourable: the share of 4s and 5s (statements where agreeing means friction are reversed first). Free text is published organisation-wide only.</p>
    </Card>
  );
}

function IncidentsCard({ team, incidents, view }: { team: string; incidents: IncidentsResult; view: { from: string; to: string; range: View['range']; days: number } }) {
  const list = [...incidents.linked, ...incidents.unlinked].sort((a, b) => b.openedAt.localeCompare(a.openedAt)).slice(0, 10);
  const s = incidents.summary;
  return (
    <Card id="incidents" title="Incidents" hint={<>Opened in the window: {count(s.incidents)}, {count(s.unlinked)} linked to no deployment; {count(s.inferenceOnlyDeployments)} of {count(s.linkedDeployments)} failed deployments behind them {s.inferenceOnlyDeployments === 1 ? 'rests' : 'rest'} on timing inference alone.</>} actions={<a href={incidentsHref(view, { team })}>All incidents of {team} {icons.arrowRight}</a>}>
      {list.length === 0 ? <p className="empty-inline">No incidents of {team} opened in this window.</p> : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Newest incidents of {team} with their deployments</caption>
            <thead><tr><th scope="col">Incident</th><th scope="col">Opened (UTC)</th><th scope="col">Severity</th><th scope="col">Caused by</th></tr></thead>
            <tbody>
              {list.map((i) => (
                <tr key={i.id}>
                  <td className="wrap"><ExternalLink href={i.url}>{i.title}</ExternalLink><div className="muted mono" style={{ fontSize: 11.5 }}>{i.id} · {sourceLabel(i.source)}</div></td>
                  <td className="nowrap">{dateTime(i.openedAt)}</td>
                  <td>{i.severity}</td>
                  <td className="wrap">
                    {i.links.length ? i.links.map((l) => (
                      <div key={`${l.deploymentId}:${l.method}`}><a href={deploymentHref(l.deploymentId, l.deployedAt, 'changeFailureRate')}>{l.service} {shortSha(l.sha)}</a> <span className={`tag ${l.method === 'inferred' ? '' : 'bad'}`}>{label(l.method)}</span></div>
                    )) : <span className="tag" title={i.unlinkedExplanation ?? undefined}>unlinked</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

type View = ReturnType<typeof viewOf>;

export default async function TeamPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Promise<SearchParams> }) {
  const team = teamOf((await params).team);
  const view = { ...viewOf(await searchParams), team: undefined, service: undefined };
  const loaded = await attempt('team page', async () => {
    const { warehouse, config } = runtime();
    const profile = view.profile ?? config.metrics.benchmarkProfile;
    const window = { from: view.from, to: view.to };
    try {
      const [p, incidents, campaign] = await Promise.all([
        teamProfile(warehouse, { ...window, team }, profile),
        incidentsInWindow(warehouse, { ...window, team }, { limit: 200, inferenceWindowHours: config.metrics.inferenceWindowHours, inferIncidentLinks: config.metrics.inferIncidentLinks }),
        releasedCampaignId(warehouse),
      ]);
      // Survey answers only through the anonymity-checked results, broken down by team.
      const survey = campaign ? await campaignResults(warehouse, config, campaign, { by: 'team' }) : null;
      return { kind: 'ok' as const, p, incidents, survey, minGroupSize: Math.max(3, config.surveys.minGroupSize), defaultProfile: config.metrics.benchmarkProfile };
    } catch (error) {
      if (error instanceof UnknownTeamError) return { kind: 'unknown' as const, knownTeams: error.knownTeams, defaultProfile: config.metrics.benchmarkProfile };
      throw error;
    }
  });
  const crumb = <><a href={`${href('/dora', { ...viewParams(view), by: 'team' })}#ranking`}>Teams ranked</a> <span aria-hidden="true">›</span> {team}</>;
  const header = <PageHeader breadcrumb={crumb} title={<>Team {team}</>} subtitle={<>Why {team} ships the way it does, against the rest of the organisation, {describeWindow(view.from, view.to)}.</>} />;
  if (!loaded.ok) return <>{header}<Failure what="the team page" message={loaded.message} /></>;
  const data = loaded.data;
  const filters = <Filters view={view} teams={[]} services={[]} fields={['profile']} defaultProfile={data.defaultProfile} />;
  if (data.kind === 'unknown') {
    return (
      <>
        {header}
        {filters}
        <Empty title={`No team "${team}"`}>
          <p>Paved knows no service or deployment of this team in the window. Known teams: {data.knownTeams.length ? data.knownTeams.map((t, i) => <span key={t}>{i ? ', ' : ''}<a href={teamHref(t, view)}>{t}</a></span>) : 'none yet'}.</p>
        </Empty>
      </>
    );
  }
  const { p, incidents, survey, minGroupSize } = data;
  const linkView = { from: view.from, to: view.to, range: view.range, profile: view.profile };
  return (
    <>
      {header}
      {filters}
      <div className="card" style={{ marginBottom: 16 }}><Answer p={p} /></div>
      <KeysCard p={p} view={linkView} />
      <div style={{ marginTop: 16 }}><FlowCard p={p} flowHref={href('/flow', { ...viewParams(view, { team: false, service: false, profile: false }), team })} /></div>
      <div style={{ marginTop: 16 }}><ServicesCard p={p} view={linkView} /></div>
      <div style={{ marginTop: 16 }}><SurveyCard team={team} results={survey} minGroupSize={minGroupSize} /></div>
      <div style={{ marginTop: 16 }}><IncidentsCard team={team} incidents={incidents} view={view} /></div>
      <p className="footer-note">Other teams: {p.knownTeams.filter((t) => t !== team).map((t, i) => <span key={t}>{i ? ', ' : ''}<a href={teamHref(t, view)}>{t}</a></span>)}.</p>
    </>
  );
}
