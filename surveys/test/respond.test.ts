import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createCampaign, closeCampaign, inviteToCampaign } from '../src/campaigns.js';
import { postResponse } from '../src/http.js';
import { openLink, saveAnswers } from '../src/respond.js';
import { campaignResults } from '../src/results.js';
import { mintInvite } from '../src/tokens.js';
import { context, keys, openTestWarehouse, SMALL, testConfig } from './harness.js';

let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const config = testConfig();
const OPEN_DAY = new Date('2026-03-03T10:00:00Z');
const AUDIENCE = ['checkout', 'payments'];

async function campaign(id: string, opens = '2026-03-02', closes = '2026-03-13') {
  await createCampaign(env.warehouse, config, { id, survey: 'small', definition: JSON.stringify(SMALL), audience: AUDIENCE, opens, closes }, new Date('2026-03-01T00:00:00Z'));
}

async function link(campaignId: string, team = 'checkout', now = OPEN_DAY): Promise<string> {
  const outcome = await inviteToCampaign(env.warehouse, keys, campaignId, [{ email: `someone-${Math.random()}@example.com`, team }], 'http://paved.test', now);
  return outcome.links[0]!.url.split('/s/')[1]!;
}

const Count = z.object({ n: z.coerce.number() });
const count = async (sql: string, params = {}) => (await env.warehouse.query(sql, params, Count))[0]!.n;

beforeAll(async () => {
  env = await openTestWarehouse();
  await campaign('open');
});
afterAll(async () => env?.close());

describe('opening a link', () => {
  it('an issued link opens the survey with the invite’s team and nothing saved', async () => {
    const state = await openLink(env.warehouse, keys, await link('open', 'payments'), OPEN_DAY);
    expect(state).toMatchObject({ ok: true, invitedTeam: 'payments', saved: null });
  });

  it('a tampered link is refused', async () => {
    const token = await link('open');
    const state = await openLink(env.warehouse, keys, `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`, OPEN_DAY);
    expect(state).toEqual({ ok: false, problem: 'tampered' });
  });

  it('a correctly signed link Paved never recorded is unknown', async () => {
    expect(await openLink(env.warehouse, keys, mintInvite(keys, 'open').token, OPEN_DAY)).toEqual({ ok: false, problem: 'unknown' });
    expect(await openLink(env.warehouse, keys, mintInvite(keys, 'no-such-campaign').token, OPEN_DAY)).toEqual({ ok: false, problem: 'unknown' });
  });

  it('before the opening day it is not open yet; after the last day it has expired', async () => {
    const token = await link('open', 'checkout', new Date('2026-03-01T12:00:00Z'));
    expect(await openLink(env.warehouse, keys, token, new Date('2026-03-01T23:59:00Z'))).toMatchObject({ ok: false, problem: 'not_open' });
    expect(await openLink(env.warehouse, keys, token, new Date('2026-03-13T23:59:00Z'))).toMatchObject({ ok: true });
    expect(await openLink(env.warehouse, keys, token, new Date('2026-03-14T00:00:00Z'))).toMatchObject({ ok: false, problem: 'expired' });
  });

  it('a campaign closed by its owners says so', async () => {
    await campaign('closing');
    const token = await link('closing');
    await closeCampaign(env.warehouse, 'closing', new Date('2026-03-05T00:00:00Z'));
    expect(await openLink(env.warehouse, keys, token, new Date('2026-03-06T00:00:00Z'))).toMatchObject({ ok: false, problem: 'closed' });
    expect(await saveAnswers(env.warehouse, keys, token, { team: 'checkout', answers: { speed_1: 5 } }, new Date('2026-03-06T00:00:00Z'))).toEqual({ ok: false, problem: 'closed' });
  });
});

describe('one response per invite, editable until the campaign closes', () => {
  it('drafts do not count; submitting counts once; re-opening the link edits that same response', async () => {
    await campaign('edits');
    const token = await link('edits');
    const day = (d: number, h = 10) => new Date(Date.UTC(2026, 2, d, h));

    expect(await saveAnswers(env.warehouse, keys, token, { team: 'checkout', answers: { speed_1: 2 } }, day(3))).toMatchObject({ ok: true, submitted: false });
    expect((await campaignResults(env.warehouse, config, 'edits', { now: day(3) }))!.hiddenGroups).toEqual([]);
    expect(await count(`SELECT count() AS n FROM {{db}}.survey_responses FINAL WHERE campaign_id = 'edits'`)).toBe(0);

    expect(await saveAnswers(env.warehouse, keys, token, { team: 'checkout', answers: { speed_1: 3, docs_1: 4 }, submit: true }, day(3, 11))).toMatchObject({ ok: true, submitted: true });
    // Two edits on the same day and one the next: the newest always wins.
    await saveAnswers(env.warehouse, keys, token, { team: 'checkout', answers: { speed_1: 4, docs_1: 4 } }, day(3, 12));
    await saveAnswers(env.warehouse, keys, token, { answers: { speed_1: 5, docs_1: 1 } }, day(3, 13));
    const reopened = await openLink(env.warehouse, keys, token, day(3, 14));
    expect(reopened).toMatchObject({ ok: true, saved: { submitted: true, sheet: { team: 'checkout', answers: { speed_1: 5, docs_1: 1 } } } });
    // The link fixes the team: moving the answers to another team is refused and changes nothing.
    expect(await saveAnswers(env.warehouse, keys, token, { team: 'payments', answers: { speed_1: 2, docs_1: 2 } }, day(3, 15))).toMatchObject({ ok: false, problem: 'invalid', errors: { team: expect.stringMatching(/sent for team checkout/) } });
    await saveAnswers(env.warehouse, keys, token, { team: 'checkout', answers: { speed_1: 1, docs_1: 2 } }, day(4));

    expect(await count(`SELECT count() AS n FROM {{db}}.survey_responses FINAL WHERE campaign_id = 'edits'`)).toBe(1);
    const [row] = await env.warehouse.query(`SELECT team, answers['speed_1'] AS speed, toString(submitted_at) AS at FROM {{db}}.survey_responses FINAL WHERE campaign_id = 'edits'`, {}, z.object({ team: z.string(), speed: z.coerce.number(), at: z.string() }));
    expect(row).toMatchObject({ team: 'checkout', speed: 1 });
    // Only the day is kept.
    expect(row!.at.slice(0, 10)).toBe('2026-03-04');
    expect(row!.at).toMatch(/00:00:00(\.000)?/);
  });

  it('a second link gives a second response; the first is untouched', async () => {
    await campaign('two');
    const first = await link('two');
    const second = await link('two');
    await saveAnswers(env.warehouse, keys, first, { team: 'checkout', answers: { speed_1: 5 }, submit: true }, OPEN_DAY);
    await saveAnswers(env.warehouse, keys, second, { team: 'checkout', answers: { speed_1: 1 }, submit: true }, OPEN_DAY);
    expect(await count(`SELECT count() AS n FROM {{db}}.survey_responses FINAL WHERE campaign_id = 'two'`)).toBe(2);
  });

  it('a draft keeps its valid answers and reports the rest; submitting needs every answer valid', async () => {
    await campaign('checks');
    const token = await link('checks');
    const draft = await saveAnswers(env.warehouse, keys, token, { team: 'checkout', answers: { speed_1: 9, docs_1: 4, hours_lost: 'lots' }, tenure: 'forever' }, OPEN_DAY);
    expect(draft).toMatchObject({ ok: true, submitted: false, answered: 1 });
    if (!draft.ok) return;
    expect(Object.keys(draft.errors).sort()).toEqual(['hours_lost', 'speed_1', 'tenure']);
    expect(draft.errors.speed_1).toMatch(/one of the five options/);
    const submit = await saveAnswers(env.warehouse, keys, token, { team: 'search', answers: { speed_1: 9 }, submit: true }, OPEN_DAY);
    expect(submit).toMatchObject({ ok: false, problem: 'invalid', errors: { team: expect.stringMatching(/sent for team checkout/), speed_1: expect.any(String) } });
  });
});

describe('the invite list and the responses cannot be joined', () => {
  it('share no column but campaign and team, and no value at all', async () => {
    await campaign('join');
    for (let i = 0; i < 6; i += 1) {
      const token = await link('join', i % 2 ? 'checkout' : 'payments');
      await saveAnswers(env.warehouse, keys, token, { team: i % 2 ? 'checkout' : 'payments', answers: { speed_1: 1 + (i % 5) }, submit: true }, OPEN_DAY);
    }
    const Columns = z.object({ name: z.string() });
    const columns = async (table: string) => (await env.warehouse.query(`SELECT name FROM system.columns WHERE database = {db:String} AND table = {table:String}`, { db: env.warehouse.database, table }, Columns)).map((c) => c.name);
    const invites = await columns('survey_invites');
    const responses = await columns('survey_responses');
    expect(invites.filter((c) => responses.includes(c)).sort()).toEqual(['campaign_id', 'team']);
    expect(invites).not.toContain('email');
    expect(invites).not.toContain('token');

    const Values = z.object({ v: z.string() });
    const inviteValues = (await env.warehouse.query(`SELECT arrayJoin([invite_key, toString(sent_at), ifNull(toString(reminded_at), '')]) AS v FROM {{db}}.survey_invites FINAL WHERE campaign_id = 'join'`, {}, Values)).map((r) => r.v);
    const responseValues = (await env.warehouse.query(`SELECT arrayJoin([id, toString(submitted_at), ifNull(tenure, ''), ifNull(role, ''), toString(answers), toString(free_text)]) AS v FROM {{db}}.survey_responses FINAL WHERE campaign_id = 'join'`, {}, Values)).map((r) => r.v);
    const shared = inviteValues.filter((v) => v !== '' && responseValues.some((r) => r.includes(v)));
    expect(shared).toEqual([]);
    // Nor can the response id be computed from anything the invite row holds.
    const { createHmac } = await import('node:crypto');
    const ids = new Set(responseValues);
    for (const key of inviteValues) expect(ids.has(createHmac('sha256', keys.response).update(key).digest('hex'))).toBe(false);
  });
});

describe('POST /api/surveys/[token]', () => {
  const post = (token: string, body: unknown, headers: Record<string, string> = {}) =>
    postResponse(new Request(`http://paved.test/api/surveys/${token}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }), token, context(env.warehouse, OPEN_DAY, config));

  it('saves JSON answers and reports per-question errors', async () => {
    await campaign('http');
    const token = await link('http');
    const ok = await post(token, { team: 'checkout', answers: { speed_1: 4 }, free_text: { comment: 'fine' } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ saved: true, submitted: false, answered: 2, errors: {} });
    const bad = await post(token, { team: 'checkout', answers: { enps: 11 }, submit: true });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ error: 'invalid', errors: { enps: expect.stringMatching(/0 .*10/) } });
  });

  it('accepts the plain form (no script) and redirects back to the page', async () => {
    const token = await link('http');
    const form = new URLSearchParams({ team: 'checkout', tenure: '1-3y', role: '', 'a:speed_1': '5', 't:comment': 'hello', action: 'submit' });
    const response = await postResponse(new Request(`http://paved.test/api/surveys/${token}`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: form,
    }), token, context(env.warehouse, OPEN_DAY, config));
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/s/${token}?submitted=1`);
    expect(await openLink(env.warehouse, keys, token, OPEN_DAY)).toMatchObject({ ok: true, saved: { submitted: true, sheet: { team: 'checkout', tenure: '1-3y', answers: { speed_1: 5 }, free_text: { comment: 'hello' } } } });
  });

  it('answers bad links with a clear JSON message and status, never a stack trace', async () => {
    const tampered = await post('open.AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB', { team: 'checkout' });
    expect(tampered.status).toBe(400);
    expect(await tampered.json()).toMatchObject({ error: 'tampered', title: 'This link is not valid' });
    const unknown = await post(mintInvite(keys, 'http').token, { team: 'checkout' });
    expect(unknown.status).toBe(404);
    const garbage = await postResponse(new Request('http://paved.test/api/surveys/x', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' }), 'x', context(env.warehouse, OPEN_DAY, config));
    expect(garbage.status).toBe(400);
    const body = await garbage.text();
    expect(body).not.toMatch(/\bat .*\.ts:\d+/);
  });
});
