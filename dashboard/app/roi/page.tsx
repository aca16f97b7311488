import { roiSummary, surveySource } from '@paved/insights';
import { Filters } from '@/components/Filters';
import { RoiFigure } from '@/components/RoiFigure';
import { Card, Failure, PageHeader } from '@/components/ui';
import { attempt } from '@/lib/load';
import { first, href, type SearchParams, viewOf } from '@/lib/period';
import { viewerIsAdmin } from '@/lib/request';
import { runtime } from '@/lib/runtime';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'ROI' };

const ROI_FIELDS = [
  { key: 'costPerEngineeringHour', label: 'Cost per engineering hour', step: '1' },
  { key: 'currency', label: 'Currency (ISO code)', step: undefined },
  { key: 'workingWeeksPerYear', label: 'Working weeks per year', step: '0.5' },
  { key: 'peopleInvolvedPerFailure', label: 'People involved per failed deployment', step: '0.5' },
] as const;

/** "120 from the catalog, 30 estimated from merged PRs". */
function developerSources(teams: { count: number; source: string }[]): string {
  const words: Record<string, string> = { catalog: 'from the catalog', override: 'set by an admin', estimate: 'estimated from merged PRs', respondents: 'respondents of teams with no count' };
  const sums = new Map<string, number>();
  for (const t of teams) sums.set(t.source, (sums.get(t.source) ?? 0) + t.count);
  return [...sums].map(([source, n]) => `${n.toLocaleString('en')} ${words[source] ?? source}`).join(', ');
}

export default async function Roi({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const admin = await viewerIsAdmin();
  const view = viewOf(params);
  const campaign = first(params.campaign);
  const saved = first(params.saved);
  const error = first(params.error);
  const loaded = await attempt('ROI figures', async () => {
    const { warehouse, config } = runtime();
    const summary = await roiSummary(warehouse, config, { from: view.from, to: view.to, campaignId: campaign }, surveySource(warehouse, config));
    // Every team the figures count can be given a developer count, including estimated ones.
    const teams = [...new Set([...config.catalog.teams.map((t) => t.name), ...Object.keys(summary.assumptions.teamDevelopers), ...summary.developers.teams.map((t) => t.team)])].sort();
    return { summary, teams, defaultProfile: config.metrics.benchmarkProfile };
  });
  const query = { from: view.from, to: view.to, campaign };
  const header = (
    <PageHeader
      title="ROI for leadership"
      subtitle="What friction costs and what the platform returns, per year, as ranges with the formula and every input behind them."
      actions={<>
        <a className="button small" href={href('/roi/summary', query)}>One-page summary</a>
        <a className="button small" href={href('/api/v1/roi', query)}>JSON API</a>
      </>}
    />
  );
  if (!loaded.ok) return <>{header}<Failure what="ROI figures" message={loaded.message} /></>;
  const { summary, teams, defaultProfile } = loaded.data;
  const { assumptions } = summary;
  const counted = new Map(summary.developers.teams.map((t) => [t.team, t]));
  const returnTo = href('/roi', { ...query, range: view.range === 'custom' ? undefined : view.range });
  return (
    <>
      {header}
      <Filters view={view} teams={[]} services={[]} fields={[]} keep={campaign ? { campaign } : undefined} defaultProfile={defaultProfile} />
      {saved ? <p className="banner good" role="status">Assumptions saved ({saved} change{saved === '1' ? '' : 's'}).</p> : null}
      {error ? <p className="banner bad" role="alert">Not saved: {error}</p> : null}
      {summary.notes.map((n) => <p key={n} className="banner warn" role="note">{n}</p>)}
      <p className="muted">Survey: {summary.campaign?.title ?? 'none'}{summary.previousCampaign ? ` (compared with ${summary.previousCampaign.title})` : ''}. Metrics: {summary.window.from} to {summary.window.to}, compared with {summary.previousWindow.from} to {summary.previousWindow.to}.</p>
      <p className="roi-period">{summary.period.statement} An amount that rests on a change is shown only when the change's 95 % interval excludes zero; otherwise the figure says “not distinguishable from zero”.</p>
      <p className="muted">Developers: {summary.developers.count.toLocaleString('en')} {summary.developers.basis === 'respondents' ? '(the survey respondents: the team counts known add up to fewer people)' : summary.developers.basis === 'none' ? '(none known: set catalog.teams[].developers or an override below)' : `(${developerSources(summary.developers.teams)})`}.</p>
      <div className="roi-grid" aria-label="ROI figures">
        {summary.figures.map((f) => <RoiFigure key={f.id} figure={f} />)}
      </div>
      <Card id="assumptions" title="Assumptions" hint="Overrides set here win over paved.config.yaml (roi and catalog.teams[].developers) in every figure and in the roadmap's weighting. Empty fields keep the current value.">
        <form method="post" action="/api/admin/roi" className="roi-form">
          <input type="hidden" name="returnTo" value={returnTo} />
          <fieldset disabled={!admin} className="plain-fieldset">
          <div className="roi-form-grid">
            {ROI_FIELDS.map((f) => {
              const key = `roi.${f.key}`;
              return (
                <label key={f.key} className="field">
                  <span>{f.label} {assumptions.source[key] === 'override' ? <em>(override)</em> : <em>(config)</em>}</span>
                  <input type={f.key === 'currency' ? 'text' : 'number'} name={f.key} step={f.step} min={f.key === 'currency' ? undefined : '0'} placeholder={String(assumptions.roi[f.key])} />
                  {assumptions.source[key] === 'override' ? <span className="muted"><input type="checkbox" name="clear" value={key} /> back to config</span> : null}
                </label>
              );
            })}
            {teams.map((team) => {
              const key = `team.${team}.developers`;
              return (
                <label key={team} className="field">
                  <span>Developers in {team} {assumptions.source[key] === 'override' ? <em>(override)</em> : assumptions.source[key] === 'config' ? <em>(config)</em> : counted.get(team) ? <em>({counted.get(team)!.source === 'estimate' ? 'estimated from merged PRs' : 'its respondents'})</em> : <em>(unknown)</em>}</span>
                  <input type="number" name={`developers.${team}`} min="0" step="1" placeholder={assumptions.teamDevelopers[team] !== undefined ? String(assumptions.teamDevelopers[team]) : counted.get(team) ? String(counted.get(team)!.count) : 'not set'} />
                  {assumptions.source[key] === 'override' ? <span className="muted"><input type="checkbox" name="clear" value={key} /> back to config</span> : null}
                </label>
              );
            })}
          </div>
          <button type="submit" className="button">Save assumptions</button>
          </fieldset>
          <p className="muted">{admin ? 'Admins only. Changes are recorded with who set them and when.' : 'Only admins can change the assumptions.'}</p>
        </form>
      </Card>
    </>
  );
}
