import { campaignStatus, knownTeams, readCampaigns } from '@paved/surveys';
import { Card, Empty, Failure, PageHeader } from '@/components/ui';
import { count } from '@/lib/format';
import { attempt } from '@/lib/load';
import { addDays, first, type SearchParams, todayUtc } from '@/lib/period';
import { viewerIsAdmin } from '@/lib/request';
import { runtime } from '@/lib/runtime';
import '@/components/surveys/surveys.css';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Survey campaigns' };

const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const day = (iso: string) => DATE.format(new Date(iso));
const lastDay = (iso: string) => DATE.format(new Date(Date.parse(iso) - 1));

export default async function SurveyAdminPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const admin = await viewerIsAdmin();
  const loaded = await attempt('survey campaigns', async () => {
    const { warehouse, config } = runtime();
    const [campaigns, teams] = await Promise.all([readCampaigns(warehouse), knownTeams(warehouse, config)]);
    return { campaigns, teams };
  });
  const header = <PageHeader title="Survey campaigns" breadcrumb={<a href="/surveys">Surveys</a>} subtitle="Create a campaign, send its links, import answers collected elsewhere, close it." />;
  if (!loaded.ok) return <>{header}<Failure what="survey campaigns" message={loaded.message} /></>;
  const { campaigns, teams } = loaded.data;
  const now = new Date();
  const error = first(params.error);
  const today = todayUtc(now);
  const minGroupSize = Math.max(3, runtime().config.surveys.minGroupSize);

  return (
    <>
      {header}
      {error ? <div className="banner bad" role="alert"><span><strong>Not created:</strong> {error}</span></div> : null}
      <Card id="campaigns" title="Campaigns">
        {campaigns.length === 0 ? <Empty title="No campaigns yet" compact><p>Create the first one below, or with <code>paved survey create</code>.</p></Empty> : (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Survey campaigns</caption>
              <thead><tr><th scope="col">Campaign</th><th scope="col">Status</th><th scope="col">Dates</th><th scope="col">Survey</th><th scope="col">Audience</th><th scope="col" className="num">Responses</th><th scope="col">Results</th></tr></thead>
              <tbody>
                {campaigns.map((c) => (
                  <tr key={c.id}>
                    <td>{c.origin === 'managed' ? <a href={`/surveys/admin/${c.id}`} style={{ fontWeight: 600 }}>{c.title}</a> : <strong>{c.title}</strong>}<div className="muted mono">{c.id}</div></td>
                    <td><span className={`tag ${campaignStatus(c, now) === 'open' ? 'good' : ''}`}>{campaignStatus(c, now)}</span></td>
                    <td className="nowrap">{day(c.opensAt)} – {c.origin === 'managed' ? lastDay(c.closesAt) : day(c.closesAt)}</td>
                    <td>{c.surveyId} v{c.surveyVersion}</td>
                    <td>{c.origin === 'external' ? <span className="muted">imported / demo responses</span> : c.audience.join(', ')}</td>
                    <td className="num">{(c.responses ?? 0) > 0 && (c.responses ?? 0) < minGroupSize ? <span className="muted">under {minGroupSize}</span> : count(c.responses ?? 0)}</td>
                    <td><a href={`/surveys?campaign=${encodeURIComponent(c.id)}`}>Results</a></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>

      <Card id="create" title="New campaign" hint="The shipped developer-experience survey unless you upload another definition (YAML).">
        {!admin ? <p className="empty-inline">Only admins can create campaigns.</p> : (
          <form method="post" action="/api/admin/surveys" encType="multipart/form-data" className="sv-admin-form">
            <label className="field"><span>Campaign id</span><input type="text" name="id" required pattern="[a-z0-9][a-z0-9_\-]{0,63}" placeholder="dx-2026-q1" aria-describedby="id-hint" /></label>
            <label className="field"><span>Title (shown to respondents)</span><input type="text" name="title" placeholder="Developer experience, Q1" /></label>
            <label className="field"><span>Survey (id or id@version)</span><input type="text" name="survey" defaultValue="developer-experience" /></label>
            <label className="field"><span>Or a definition file (YAML)</span><input type="file" name="definition" accept=".yaml,.yml,.json" /></label>
            <label className="field"><span>Opens (UTC)</span><input type="date" name="opens" required defaultValue={today} /></label>
            <label className="field"><span>Last day (UTC)</span><input type="date" name="closes" required defaultValue={addDays(today, 13)} /></label>
            <label className="field wide"><span>Reminder days (comma-separated YYYY-MM-DD)</span><input type="text" name="reminders" placeholder={`${addDays(today, 7)}, ${addDays(today, 12)}`} /></label>
            <fieldset className="sv-checks wide">
              <legend>Audience</legend>
              {teams.length === 0 ? <span className="muted">No teams in the catalog yet: add <code>catalog.teams</code> to paved.config.yaml.</span> : teams.map((t) => (
                <label key={t}><input type="checkbox" name="audience" value={t} defaultChecked /> {t}</label>
              ))}
            </fieldset>
            <p className="how wide" id="id-hint">Ids use lower-case letters, digits, - and _. Links are minted on the campaign page; Paved stores no email address.</p>
            <div className="wide"><button type="submit" className="button primary">Create campaign</button></div>
          </form>
        )}
      </Card>
    </>
  );
}
