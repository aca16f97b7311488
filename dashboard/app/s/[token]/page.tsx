import { LINK_MESSAGES, type LinkState, openLink } from '@paved/surveys';
import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { Logo } from '@/components/icons';
import { type SavedSheet, SurveyForm } from '@/components/surveys/SurveyForm';
import { first, type SearchParams } from '@/lib/period';
import { runtime } from '@/lib/runtime';
import { surveyKeysOf } from '@/lib/surveys';
import '@/components/surveys/surveys.css';

export const dynamic = 'force-dynamic';
// The token is the respondent's credential: keep it out of search engines and Referer headers.
export const metadata: Metadata = { title: 'Developer survey', robots: { index: false, follow: false }, referrer: 'no-referrer' };

const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const lastDay = (closesAt: string) => DATE.format(new Date(Date.parse(closesAt) - 1));

function Shell({ children }: { children: ReactNode }) {
  return (
    <div className="sv-respondent">
      <div className="sv-masthead"><Logo /> Developer survey</div>
      {children}
    </div>
  );
}

function Problem({ state }: { state: Extract<LinkState, { ok: false }> }) {
  const m = LINK_MESSAGES[state.problem];
  return (
    <Shell>
      <div className="empty" role="alert">
        <h1>{m.title}</h1>
        <p>{m.message}</p>
        {state.opensAt ? <p style={{ marginTop: 8 }}>It opens on {DATE.format(new Date(state.opensAt))} (UTC).</p> : null}
        {state.closesAt && state.problem === 'expired' ? <p style={{ marginTop: 8 }}>The last day was {lastDay(state.closesAt)} (UTC).</p> : null}
      </div>
    </Shell>
  );
}

export default async function SurveyResponsePage({ params, searchParams }: { params: Promise<{ token: string }>; searchParams: Promise<SearchParams> }) {
  const { token } = await params;
  const query = await searchParams;
  let state: LinkState;
  try {
    state = await openLink(runtime().warehouse, surveyKeysOf(), token);
  } catch (error) {
    process.stderr.write(`${JSON.stringify({ level: 'error', time: new Date().toISOString(), msg: 'survey link failed', error: (error as Error).message.split('\n')[0] })}\n`);
    return (
      <Shell>
        <div className="failure" role="alert">
          <h1>The survey is unavailable right now</h1>
          <p>Paved could not load it. Your link is fine: please try again in a few minutes.</p>
        </div>
      </Shell>
    );
  }
  if (!state.ok) return <Problem state={state} />;

  const { campaign, definition, invitedTeam, saved } = state;
  const { config } = runtime();
  const initial: SavedSheet = saved
    ? { ...saved.sheet, team: invitedTeam, submitted: saved.submitted }
    : { team: invitedTeam, tenure: null, role: null, answers: {}, free_text: {}, submitted: false };
  const flash = first(query.submitted) ? 'submitted' : first(query.saved) ? 'saved' : null;
  const invalid = (first(query.invalid) ?? '').split(',').filter(Boolean);
  return (
    <Shell>
      <h1>{campaign.title === campaign.id ? definition.title : campaign.title}</h1>
      {definition.intro ? <p className="sv-lede">{definition.intro}</p> : null}
      <p className="sv-privacy">
        Anonymous: your answers are stored with your team and the broad bands you choose, never with your name, email or this link.
        Results only appear for groups of at least {Math.max(3, config.surveys.minGroupSize)} people. Answers are saved as you go;
        they count once you submit, and you can change them with this link until the end of {lastDay(campaign.closesAt)} (UTC).
      </p>
      <SurveyForm token={token} definition={definition} initial={initial} closesOn={lastDay(campaign.closesAt)} flash={flash} invalid={invalid} />
    </Shell>
  );
}
