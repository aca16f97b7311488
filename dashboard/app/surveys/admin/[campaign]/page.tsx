import { campaignStatus, dueReminders, readCampaign, readInviteCounts, readMailingCounts } from '@paved/surveys';
import { ImportForm } from '@/components/surveys/ImportForm';
import { InviteForm } from '@/components/surveys/InviteForm';
import { Card, Empty, Failure, PageHeader } from '@/components/ui';
import { count, dateTime } from '@/lib/format';
import { attempt } from '@/lib/load';
import { first, type SearchParams } from '@/lib/period';
import { viewerIsAdmin } from '@/lib/request';
import { runtime } from '@/lib/runtime';
import '@/components/surveys/surveys.css';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Survey campaign' };

const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const day = (iso: string) => DATE.format(new Date(iso));
const lastDay = (iso: string) => DATE.format(new Date(Date.parse(iso) - 1));

export default async function CampaignAdminPage({ params, searchParams }: { params: Promise<{ campaign: string }>; searchParams: Promise<SearchParams> }) {
  const { campaign: id } = await params;
  const query = await searchParams;
  const admin = await viewerIsAdmin();
  const loaded = await attempt('survey campaign', async () => {
    const { warehouse } = runtime();
    const campaign = await readCampaign(warehouse, id);
    return campaign ? { campaign, invites: await readInviteCounts(warehouse, id), mailings: await readMailingCounts(warehouse, id), canMail: Boolean(runtime().env.SMTP_URL) } : null;
  });
  const breadcrumb = <><a href="/surveys">Surveys</a> / <a href="/surveys/admin">Campaigns</a></>;
  if (!loaded.ok) return <><PageHeader title={id} breadcrumb={breadcrumb} /><Failure what="the campaign" message={loaded.message} /></>;
  if (!loaded.data) return <><PageHeader title={id} breadcrumb={breadcrumb} /><Empty title={`No campaign "${id}"`}><p>It may only exist as imported responses. <a href="/surveys/admin">All campaigns</a></p></Empty></>;
  const { campaign, invites, mailings, canMail } = loaded.data;
  const mailed = (kind: 'invitation' | 'reminder') => mailings.filter((m) => m.kind === kind).reduce((t, m) => ({ sent: t.sent + m.sent, failed: t.failed + m.failed + m.uncertain }), { sent: 0, failed: 0 });
  const now = new Date();
  const status = campaignStatus(campaign, now);
  const invited = invites.reduce((s, r) => s + r.invited, 0);
  const lastReminded = invites.map((r) => r.last_reminded).filter((v): v is string => v !== null).sort().at(-1) ?? null;
  const due = dueReminders(campaign, lastReminded, now);
  const base = `/api/admin/surveys/${encodeURIComponent(campaign.id)}`;

  const flash = first(query.error) ? <div className="banner bad" role="alert"><span>{first(query.error)}</span></div>
    : first(query.created) ? <div className="banner good" role="status"><span><strong>Campaign created.</strong> Next: upload the email list below to get one link per person.</span></div>
    : first(query.closed) ? <div className="banner good" role="status"><span><strong>Campaign closed.</strong> Links now say the survey is closed; answers can no longer change.</span></div>
    : first(query.mailed) ? <div className="banner good" role="status"><span><strong>{first(query.mailed)} invitation(s) e-mailed</strong>{Number(first(query.failed) ?? 0) > 0 ? `; ${first(query.failed)} could not be sent (use the API or CLI to see which addresses, then invite them again)` : ''}. Paved kept neither the links nor the addresses.</span></div>
    : first(query.reminded) && first(query.failed) !== undefined ? <div className="banner good" role="status"><span><strong>Reminder e-mailed to {first(query.reminded)} people</strong>{Number(first(query.failed)) > 0 ? `; ${first(query.failed)} could not be sent` : ''}.</span></div>
    : first(query.reminded) ? <div className="banner good" role="status"><span><strong>Reminder recorded for {first(query.reminded)} invites.</strong> Send this to the audience: &ldquo;{campaign.title} is open until the end of {lastDay(campaign.closesAt)} (UTC). Use the personal link from your invitation; if you already answered, you can still change your answers with it.&rdquo;</span></div>
    : first(query.imported) ? <div className="banner good" role="status"><span>Imported {first(query.imported)} responses; {first(query.rejected) ?? 0} rows rejected (use the import form with scripts on to see why).</span></div>
    : null;

  return (
    <>
      <PageHeader
        title={campaign.title}
        breadcrumb={breadcrumb}
        subtitle={<>{campaign.surveyId} v{campaign.surveyVersion} · {day(campaign.opensAt)} to the end of {lastDay(campaign.closesAt)} (UTC) · <strong>{status}</strong>{campaign.closedAt ? ` (closed ${dateTime(campaign.closedAt)})` : ''}</>}
        actions={<a className="button small" href={`/surveys?campaign=${encodeURIComponent(campaign.id)}`}>Results</a>}
      />
      {flash}
      <div className="grid two">
        <Card id="invites" title="Invites" hint={`${count(invited)} ${invited === 1 ? 'link' : 'links'} issued. Paved keeps a one-way hash per link and the team, never the address.`}>
          {invites.length ? (
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Invites per team</caption>
                <thead><tr><th scope="col">Team</th><th scope="col" className="num">Invited</th><th scope="col">Last sent</th><th scope="col">Last reminded</th></tr></thead>
                <tbody>
                  {invites.map((r) => <tr key={r.team}><td>{r.team}</td><td className="num">{count(r.invited)}</td><td>{dateTime(r.last_sent)}</td><td>{dateTime(r.last_reminded)}</td></tr>)}
                </tbody>
              </table>
            </div>
          ) : <p className="empty-inline">No links yet.</p>}
          {admin && status !== 'closed' ? <InviteForm action={`${base}/invites`} campaign={campaign.id} canMail={canMail} issued={invited} /> : null}
          <p className="how">
            E-mailed: {count(mailed('invitation').sent)} invitation(s), {count(mailed('invitation').failed)} not delivered; {count(mailed('reminder').sent)} reminder(s).
            {' '}Each link is generated, e-mailed and forgotten in one step. Without e-mail, the download holds each address with its link for a mail merge, once: Paved cannot give the same links again.
          </p>
        </Card>

        <Card id="schedule" title="Schedule">
          <dl className="kv">
            <dt>Audience</dt><dd>{campaign.audience.join(', ')}</dd>
            <dt>Opens</dt><dd>{day(campaign.opensAt)}</dd>
            <dt>Last day</dt><dd>{lastDay(campaign.closesAt)}</dd>
            <dt>Reminders</dt><dd>{campaign.reminders.length ? campaign.reminders.map((r) => day(r)).join(', ') : 'none planned'}</dd>
            <dt>Last reminder</dt><dd>{lastReminded ? dateTime(lastReminded) : 'not yet'}</dd>
          </dl>
          {due.length && status === 'open' ? <div className="banner warn" style={{ marginTop: 10 }}><span>A reminder is due ({due.map((d) => day(d)).join(', ')}).</span></div> : null}
          {admin && status === 'open' ? (
            <div className="card-actions" style={{ marginTop: 12 }}>
              <form method="post" action={`${base}/remind`}><button type="submit" className="button">Record a reminder</button></form>
              {canMail ? (
                <form method="post" action={`${base}/remind`} encType="multipart/form-data" className="inline-form">
                  <input type="hidden" name="send" value="on" />
                  <label className="field"><span>Email list for the reminder</span><input type="file" name="emails" accept=".csv,text/csv" required /></label>
                  <button type="submit" className="button">E-mail the reminder</button>
                </form>
              ) : null}
              <form method="post" action={`${base}/close`}><button type="submit" className="button danger">Close now</button></form>
            </div>
          ) : null}
        </Card>
      </div>

      <Card id="import" title="Import responses collected elsewhere" hint="Every row is checked on its own: valid rows land, rejected rows are listed with why.">
        {admin ? <ImportForm campaign={campaign.id} /> : <p className="empty-inline">Only admins can import.</p>}
      </Card>
    </>
  );
}
