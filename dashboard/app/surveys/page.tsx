import { LEVELS_EXPLAINED } from '@paved/schemas/glossary';
import type { DriverScore, GroupScore, SurveyResults } from '@paved/surveys';
import { AGREEMENT_LABELS, type JoinedTeam, MEASURE_LABELS, MEASURE_UNITS, type Measure, surveysView } from '@paved/surveys';
import { ChartFrame } from '@/components/ChartFrame';
import { icons } from '@/components/icons';
import { SCORE_COLORS } from '@/components/surveys/colors';
import { DistributionChart } from '@/components/surveys/DistributionChart';
import { Card, Delta, Empty, Failure, LevelBadge, Meter, PageHeader } from '@/components/ui';
import { count, decimal, hours, percent } from '@/lib/format';
import { attempt } from '@/lib/load';
import { first, href, type SearchParams } from '@/lib/period';
import { viewerIsAdmin } from '@/lib/request';
import { runtime } from '@/lib/runtime';
import '@/components/surveys/surveys.css';
import { teamHref } from '@/lib/teams';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Surveys' };

const BY = ['team', 'tenure', 'role'] as const;
type By = (typeof BY)[number];
const BY_LABEL: Record<By, string> = { team: 'Team', tenure: 'Tenure', role: 'Role' };

const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const day = (iso: string) => DATE.format(new Date(iso));
const lastDay = (iso: string) => DATE.format(new Date(Date.parse(iso) - 1));

/** A campaign's response count, or only that it is under the threshold (counts below it single people out). */
function responsesText(n: number, minGroupSize: number): string {
  if (n === 0) return 'no responses';
  return n < minGroupSize ? `fewer than ${minGroupSize} responses` : `${count(n)} responses`;
}

function heat(favourable: number | null): string {
  if (favourable === null) return '';
  return favourable >= 0.7 ? 'good' : favourable <= 0.4 ? 'bad' : 'mid';
}

function Favourable({ value }: { value: number | null }) {
  return <span className={`sv-heat ${heat(value)}`}>{percent(value, 0)}</span>;
}

function Change({ driver, previous }: { driver: Pick<DriverScore, 'favourable' | 'change'>; previous: string | null }) {
  if (!previous) return <span className="delta none">first round</span>;
  if (driver.change === null || driver.favourable === null) return <span className="delta none">no earlier data</span>;
  return <Delta current={driver.favourable} previous={driver.favourable - driver.change / 100} better="up" kind="rate" previousLabel={`${previous}`} />;
}

function Bar({ counts }: { counts: number[] }) {
  const n = counts.reduce((s, c) => s + c, 0);
  if (!n) return <span className="muted">no answers</span>;
  return (
    <span className="sv-dist" role="img" aria-label={counts.map((c, i) => `${i + 1}: ${c}`).join(', ')}>
      {counts.map((c, i) => (c ? <span key={i} style={{ width: `${(c / n) * 100}%`, background: SCORE_COLORS[i] }} /> : null))}
    </span>
  );
}

function measured(measure: Measure, value: number | null): string {
  if (value === null) return 'no data';
  const unit = MEASURE_UNITS[measure];
  return unit === 'hours' ? hours(value) : unit === 'rate' ? percent(value) : `${decimal(value)} / week`;
}

function DriversTable({ group, previous }: { group: GroupScore; previous: string | null }) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Drivers: share of favourable answers, distribution, mean and change</caption>
        <thead>
          <tr>
            <th scope="col">Driver</th>
            <th scope="col">Distribution (1 → 5)</th>
            <th scope="col" className="num">% favourable</th>
            <th scope="col" className="num">Mean / 100</th>
            <th scope="col" className="num">Answers</th>
            <th scope="col">Change</th>
          </tr>
        </thead>
        <tbody>
          {group.drivers.map((d) => (
            <tr key={d.id}>
              <td>
                <details>
                  <summary style={{ cursor: 'pointer', fontWeight: 600 }}>{d.label}</summary>
                  <ul style={{ margin: '6px 0 0', paddingLeft: 18, display: 'grid', gap: 6 }}>
                    {d.items.map((item) => (
                      <li key={item.id}>
                        {item.text} {item.reversed ? <span className="tag" title="Agreeing means friction: scored in reverse">reversed</span> : null}
                        <div className="bar-cell" style={{ marginTop: 3 }}>
                          <Bar counts={item.counts} /> <Favourable value={item.favourable} /> <span className="muted">n={item.answered}{item.skipped ? `, ${item.skipped} skipped` : ''}</span>
                        </div>
                      </li>
                    ))}
                  </ul>
                </details>
              </td>
              <td style={{ minWidth: 180 }}><Bar counts={d.counts} /></td>
              <td className="num"><Favourable value={d.favourable} /></td>
              <td className="num">{d.mean100 === null ? 'no data' : decimal(d.mean100)}</td>
              <td className="num">{count(d.answered)}{d.skipped ? <span className="muted"> +{d.skipped} skipped</span> : null}</td>
              <td><Change driver={d} previous={previous} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Themes({ groups, minGroupSize }: { groups: GroupScore[]; minGroupSize: number }) {
  const items = groups[0]?.freeText ?? [];
  if (!items.length) return null;
  return (
    <Card id="themes" title="What people wrote" hint={<>Free-text answers of the whole organisation, grouped into themes by shared words and shown <strong>verbatim</strong> (with at least {minGroupSize} respondents). They are never listed per team, tenure or role: subtracting one group&apos;s comments from another&apos;s could single people out.</>}>
      {items.map((item) => (
        <div key={item.id} style={{ marginBottom: 16 }}>
          <h3 style={{ marginBottom: 8 }}>{item.text}</h3>
          {groups.map((group) => {
            const answers = group.freeText.find((f) => f.id === item.id);
            if (!answers || answers.answered === 0) return null;
            return (
              <details key={group.group} className="sv-theme" open={group.group === 'all'}>
                <summary>{group.group === 'all' ? 'Everyone' : group.group} · {count(answers.answered)} {answers.answered === 1 ? 'answer' : 'answers'} in {answers.themes.length} {answers.themes.length === 1 ? 'theme' : 'themes'}</summary>
                <div style={{ paddingLeft: 14, marginTop: 6 }}>
                  {answers.themes.map((theme) => (
                    <details key={theme.id} className="sv-theme">
                      <summary>{theme.label} <span className="muted">({theme.answers.length})</span></summary>
                      {theme.answers.map((text, i) => <blockquote key={i}>{text}</blockquote>)}
                    </details>
                  ))}
                </div>
              </details>
            );
          })}
        </div>
      ))}
    </Card>
  );
}

function Joined({ teams, window, error }: { teams: JoinedTeam[]; window: { from: string; to: string }; error: string | null }) {
  const flagged = teams.reduce((s, t) => s + t.cells.filter((c) => c.flag).length, 0);
  return (
    <Card id="joined" title="Perception next to measurement" hint={<>Each team&apos;s % favourable beside the metric the driver speaks to, measured {window.from} to {window.to}. {flagged ? `${flagged} place(s) where the two disagree.` : 'No disagreements flagged.'}</>}>
      {error ? <p className="empty-inline">The metrics could not be read: {error}</p> : null}
      {teams.length === 0 ? <p className="empty-inline">No team has enough respondents to be shown.</p> : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Survey drivers next to measured metrics, per team</caption>
            <thead>
              <tr><th scope="col">Team</th><th scope="col">Driver</th><th scope="col" className="num">% favourable</th><th scope="col">Measured</th><th scope="col">Agreement</th></tr>
            </thead>
            <tbody>
              {teams.flatMap((team) => team.cells.map((cell, i) => (
                <tr key={`${team.team}-${cell.driverId}`} className={cell.flag ? 'highlight' : undefined}>
                  {i === 0 ? <th scope="rowgroup" rowSpan={team.cells.length} style={{ verticalAlign: 'top' }}><a href={teamHref(team.team)}>{team.team}</a><div className="muted" style={{ fontWeight: 400 }}>{team.respondents} respondents</div></th> : null}
                  <td>{cell.label}</td>
                  <td className="num"><Favourable value={cell.favourable} /></td>
                  <td>
                    {cell.measures.map((m) => (
                      <div key={m.measure}>{MEASURE_LABELS[m.measure]}: {measured(m.measure, m.value)} {m.level ? <LevelBadge level={m.level} /> : null}</div>
                    ))}
                  </td>
                  <td>{cell.flag ? <span className="sv-flag" title={cell.reason ?? undefined}>{icons.alert}{cell.flag === 'perception_higher' ? 'happier than the metric' : 'harsher than the metric'}</span> : <span className="muted">consistent</span>}{cell.reason ? <div className="muted" style={{ fontSize: 12 }}>{cell.reason}</div> : null}</td>
                </tr>
              )))}
            </tbody>
          </table>
        </div>
      )}
      <p className="how">Flags: ≥ 70 % favourable while a mapped metric is at a poor level (medium or low), or ≤ 40 % while it is at a good one (elite or high). {LEVELS_EXPLAINED} The mapping is configurable with <code>surveys.metricMapping</code>; PR pickup time and rework rate use Paved&apos;s own bands.</p>
    </Card>
  );
}

function Participation({ results }: { results: SurveyResults }) {
  const p = results.participation;
  return (
    <Card id="participation" title="Participation by team" hint={<>Responses ÷ invited people, else ÷ developers in <code>catalog.teams</code>, else ÷ developers estimated from merged PRs. Counts of hidden teams are withheld.</>}>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Participation per team</caption>
          <thead><tr><th scope="col">Team</th><th scope="col" className="num">Responses</th><th scope="col" className="num">Of</th><th scope="col">Rate</th><th scope="col">Denominator</th></tr></thead>
          <tbody>
            {p.teams.map((t) => (
              <tr key={t.team}>
                <td><a href={teamHref(t.team)}>{t.team}</a></td>
                <td className="num">{t.responses === null ? <span className="muted">hidden</span> : count(t.responses)}</td>
                <td className="num">{t.denominator === null ? '—' : count(t.denominator)}</td>
                <td>{t.rate === null ? <span className="muted">—</span> : <div className="bar-cell"><Meter value={Math.min(1, t.rate)} label={`${t.team} participation`} /> {percent(t.rate, 0)}</div>}</td>
                <td className="muted">{t.source === 'invites' ? 'invited' : t.source === 'override' ? 'set by an admin' : t.source === 'catalog' ? 'catalog' : t.source === 'estimate' ? 'estimated from merged PRs' : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

export default async function SurveysPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const campaignParam = first(params.campaign);
  const byParam = first(params.by);
  const by: By = (BY as readonly string[]).includes(byParam ?? '') ? (byParam as By) : 'team';
  const admin = await viewerIsAdmin();
  const loaded = await attempt('surveys', async () => surveysView(runtime().warehouse, runtime().config, { campaign: campaignParam, by }));
  const minGroupSize = Math.max(3, runtime().config.surveys.minGroupSize);

  const actions = (campaign?: string) => (
    <>
      {admin ? <a className="button small" href="/surveys/admin">Manage campaigns</a> : null}
      {campaign ? <a className="button small" href={href('/api/v1/surveys/results', { campaign, by })}>JSON API</a> : null}
      {campaign ? <a className="button small" href={href('/api/v1/surveys/results', { campaign, by, format: 'csv' })} download>{icons.download}Download CSV</a> : null}
    </>
  );
  const subtitle = <>What developers say about their work, next to what the metrics measure. Groups of fewer than {minGroupSize} people are never shown.</>;
  if (!loaded.ok) return <><PageHeader title="Developer surveys" subtitle={subtitle} actions={actions()} /><Failure what="survey results" message={loaded.message} /></>;
  const { campaigns, results, joined } = loaded.data;

  if (!results) {
    return (
      <>
        <PageHeader title="Developer surveys" subtitle={subtitle} actions={actions()} />
        <Empty title={campaignParam ? `No campaign "${campaignParam}"` : 'No survey campaigns yet'}>
          <p>Run the developer-experience survey to hear what slows your teams down:</p>
          <ol>
            <li><code>paved survey create --id dx-2026-q1 --all-teams --opens 2026-03-02 --closes 2026-03-13</code> (or <a href="/surveys/admin">Manage campaigns</a>)</li>
            <li><code>paved survey invite --campaign dx-2026-q1 --emails people.csv</code> prints one single-use link per person</li>
            <li>Or import answers collected elsewhere: <code>paved survey import --campaign dx-2026-q1 answers.csv</code></li>
          </ol>
        </Empty>
      </>
    );
  }

  const c = results.campaign;
  const org = results.org;
  const previous = results.previous?.title ?? null;
  const picker = (
    <form className="filters" method="get" action="/surveys">
      <label className="field">
        <span>Campaign</span>
        <select name="campaign" defaultValue={c.id}>
          {campaigns.map((x) => <option key={x.id} value={x.id}>{x.title}{x.title !== x.id ? ` (${x.id})` : ''} · {x.status} · {responsesText(x.responses ?? 0, minGroupSize)}</option>)}
        </select>
      </label>
      <input type="hidden" name="by" value={by} />
      <button type="submit" className="button">Show</button>
      <div className="field">
        <span id="by-label">Break down by</span>
        <span className="segmented" role="group" aria-labelledby="by-label">
          {BY.map((b) => <a key={b} href={href('/surveys', { campaign: c.id, by: b === 'team' ? undefined : b })} aria-current={b === by ? 'true' : undefined}>{BY_LABEL[b]}</a>)}
        </span>
      </div>
      <p className="window-label">{c.status === 'open' ? 'Open' : c.status === 'scheduled' ? 'Opens' : 'Ran'} {day(c.opensAt)} – {lastDay(c.closesAt)} · {results.definition.title} v{results.definition.version}</p>
    </form>
  );

  const header = <PageHeader title="Developer surveys" subtitle={subtitle} actions={actions(c.id)} />;
  if (!org) {
    return (
      <>
        {header}
        {picker}
        {results.released ? (
          <Empty title={`Fewer than ${results.minGroupSize} responses`}>
            <p>Nothing about the answers can be shown with fewer than {results.minGroupSize} respondents; this protects each of them.</p>
          </Empty>
        ) : (
          <Empty title="Answers are released when the campaign closes">
            <p>
              While a campaign is open only participation is shown. If answers appeared as they arrived, comparing the page before and after one
              more person answered would show that person&apos;s answers. Results appear here on {lastDay(c.closesAt)}, or when an admin closes the campaign.
            </p>
          </Empty>
        )}
        <div style={{ marginTop: 16 }}><Participation results={results} /></div>
      </>
    );
  }

  const hiddenNote = results.hiddenGroups.length ? (
    <div className="banner info" role="note">
      {icons.lock}
      <span>
        <strong>Hidden to protect anonymity:</strong> {results.hiddenGroups.join(', ')}. A group is shown only with at least {results.minGroupSize} respondents
        {results.complementaryGroups.length ? <>; {results.complementaryGroups.join(', ')} {results.complementaryGroups.length === 1 ? 'is' : 'are'} large enough but withheld, because with the other published figures (in every breakdown) {results.complementaryGroups.length === 1 ? 'it' : 'they'} would let a smaller group be worked out</> : null}.
      </span>
    </div>
  ) : null;

  const p = results.participation;
  return (
    <>
      {header}
      {picker}
      <div className="stats" aria-label="Campaign summary">
        <div className="stat">
          <div className="stat-label">Respondents</div>
          <div className="stat-value">{count(results.respondents)}</div>
          <div className="stat-note">{p.rate !== null ? `${percent(p.rate, 0)} of ${count(p.denominator)} people` : 'participation unknown'}</div>
        </div>
        <div className="stat">
          <div className="stat-label">Platform eNPS</div>
          <div className="stat-value">{org.enps?.score === null || !org.enps ? 'no data' : `${org.enps.score > 0 ? '+' : ''}${org.enps.score}`}</div>
          <div className="stat-note">
            {org.enps ? `${org.enps.promoters} promoters · ${org.enps.detractors} detractors · ${org.enps.skipped} skipped` : ''}
            {org.enps?.change !== null && org.enps?.change !== undefined ? <span className={`delta ${org.enps.change > 0 ? 'good' : org.enps.change < 0 ? 'bad' : 'flat'}`}> {org.enps.change > 0 ? '+' : ''}{org.enps.change} vs {previous}</span> : null}
          </div>
        </div>
        <div className="stat">
          <div className="stat-label">Hours lost to friction</div>
          <div className="stat-value">{org.hoursLost?.median ?? 'no data'}<small>h / week median</small></div>
          <div className="stat-note">{org.hoursLost?.mean !== null && org.hoursLost ? `mean ${decimal(org.hoursLost.mean)} h · ${org.hoursLost.answered} answers` : ''}</div>
        </div>
        <div className="stat">
          <div className="stat-label">Compared with</div>
          <div className="stat-value" style={{ fontSize: 16 }}>{previous ?? 'first round'}</div>
          <div className="stat-note">changes in percentage points of favourable answers</div>
        </div>
      </div>
      {hiddenNote}
      {results.notes.map((note) => <div className="banner warn" role="note" key={note}>{icons.info}<span>{note}</span></div>)}

      <div className="grid two">
        <ChartFrame
          id="chart-drivers"
          title="Answers by driver"
          description="Share of each answer, after reversing statements where agreeing means friction. Favourable = 4 and 5."
          summary={`Drivers from least to most favourable: ${[...org.drivers].sort((a, b) => (a.favourable ?? 0) - (b.favourable ?? 0)).map((d) => `${d.label} ${percent(d.favourable, 0)}`).join(', ')}.`}
          legend={AGREEMENT_LABELS.map((label, i) => ({ label: `${i + 1} ${label}`, color: SCORE_COLORS[i]! }))}
          table={{ columns: ['Driver', '1', '2', '3', '4', '5', '% favourable'], rows: org.drivers.map((d) => ({ cells: [d.label, ...d.counts.map(String), percent(d.favourable, 0)] })) }}
        >
          <DistributionChart rows={org.drivers.map((d) => ({ label: d.label, counts: d.counts, favourable: d.favourable }))} labels={AGREEMENT_LABELS} />
        </ChartFrame>
        <Card id="enps" title="Platform eNPS" hint={org.enps?.text}>
          {org.enps?.answered ? (
            <>
              <div className="sv-dist" style={{ height: 22 }} role="img" aria-label={`${org.enps.detractors} detractors, ${org.enps.passives} passives, ${org.enps.promoters} promoters`}>
                <span style={{ width: `${(org.enps.detractors / org.enps.answered) * 100}%`, background: SCORE_COLORS[0] }} />
                <span style={{ width: `${(org.enps.passives / org.enps.answered) * 100}%`, background: SCORE_COLORS[2] }} />
                <span style={{ width: `${(org.enps.promoters / org.enps.answered) * 100}%`, background: SCORE_COLORS[4] }} />
              </div>
              <dl className="kv" style={{ marginTop: 12 }}>
                <dt>Promoters (9–10)</dt><dd>{count(org.enps.promoters)} · {percent(org.enps.promoters / org.enps.answered, 0)}</dd>
                <dt>Passives (7–8)</dt><dd>{count(org.enps.passives)} · {percent(org.enps.passives / org.enps.answered, 0)}</dd>
                <dt>Detractors (0–6)</dt><dd>{count(org.enps.detractors)} · {percent(org.enps.detractors / org.enps.answered, 0)}</dd>
                <dt>Skipped</dt><dd>{count(org.enps.skipped)} (not in the score)</dd>
              </dl>
              {results.groups.length && results.by === 'team' ? (
                <div className="table-wrap" style={{ marginTop: 12 }}>
                  <table>
                    <caption className="visually-hidden">eNPS per team</caption>
                    <thead><tr><th scope="col">Team</th><th scope="col" className="num">eNPS</th><th scope="col" className="num">Answers</th><th scope="col" className="num">Change</th></tr></thead>
                    <tbody>
                      {results.groups.map((g) => (
                        <tr key={g.group}><td><a href={teamHref(g.group)}>{g.group}</a></td><td className="num">{g.enps?.score ?? '—'}</td><td className="num">{g.enps?.answered ?? 0}</td><td className="num">{g.enps?.change === null || g.enps?.change === undefined ? '—' : `${g.enps.change > 0 ? '+' : ''}${g.enps.change}`}</td></tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ) : null}
            </>
          ) : <p className="empty-inline">No eNPS answers.</p>}
        </Card>
      </div>

      <Card id="drivers" title="Drivers" hint={<>Whole organisation, {count(results.respondents)} respondents. Open a driver for its questions.</>}>
        <DriversTable group={org} previous={previous} />
      </Card>

      <Card id="by-group" title={`% favourable by ${BY_LABEL[by].toLowerCase()}`} hint={results.groups.length ? 'Green ≥ 70 %, red ≤ 40 %.' : undefined}>
        {results.groups.length === 0 ? <p className="empty-inline">No {BY_LABEL[by].toLowerCase()} group is large enough to be shown on its own.</p> : (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Share of favourable answers per driver and {by}</caption>
              <thead>
                <tr><th scope="col">Driver</th>{results.groups.map((g) => <th scope="col" className="num" key={g.group}>{by === 'team' ? <a href={teamHref(g.group)}>{g.group}</a> : g.group}<div className="muted" style={{ fontWeight: 400 }}>n={g.respondents}</div></th>)}</tr>
              </thead>
              <tbody>
                {org.drivers.map((d) => (
                  <tr key={d.id}>
                    <th scope="row" style={{ fontWeight: 600 }}>{d.label}</th>
                    {results.groups.map((g) => {
                      const gd = g.drivers.find((x) => x.id === d.id);
                      return <td className="num" key={g.group}><Favourable value={gd?.favourable ?? null} />{gd?.change !== null && gd?.change !== undefined ? <div className="muted" style={{ fontSize: 11.5 }}>{gd.change > 0 ? '+' : ''}{gd.change} pp</div> : null}</td>;
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>

      {joined ? <div style={{ marginTop: 16 }}><Joined teams={joined.teams} window={joined.window} error={joined.error} /></div> : null}

      <div className="grid two" style={{ marginTop: 16, alignItems: 'start' }}>
        <Participation results={results} />
        <Themes groups={[org, ...results.groups]} minGroupSize={results.minGroupSize} />
      </div>

      <p className="footer-note">
        % favourable is the share of 4s and 5s among those who answered (statements where agreeing means friction are reversed first); mean on 0–100 is (mean − 1) ÷ 4 × 100;
        eNPS is % promoters (9–10) minus % detractors (0–6), skipped answers excluded. Drafts that were never submitted are not counted.
      </p>
    </>
  );
}
