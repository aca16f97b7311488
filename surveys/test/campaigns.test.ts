import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { closeCampaign, createCampaign, inviteToCampaign, remindCampaign, SurveyInputError } from '../src/campaigns.js';
import { postCampaign, postInvites } from '../src/http.js';
import { readCampaign, readDefinition, readInviteCounts } from '../src/store.js';
import { context, keys, openTestWarehouse, SMALL, testConfig } from './harness.js';

let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const config = testConfig();
const NOW = new Date('2026-06-02T09:00:00Z');
const base = { survey: 'small', definition: JSON.stringify(SMALL), audience: ['checkout', 'payments'], opens: '2026-06-01', closes: '2026-06-12' };

beforeAll(async () => {
  env = await openTestWarehouse();
});
afterAll(async () => env?.close());

describe('creating a campaign', () => {
  it('stores the campaign and its survey definition; closes at the end of the last day', async () => {
    const campaign = await createCampaign(env.warehouse, config, { ...base, id: 'q2', title: 'Q2 survey', reminders: ['2026-06-08'] }, NOW);
    expect(await readCampaign(env.warehouse, 'q2')).toMatchObject({
      id: 'q2', title: 'Q2 survey', surveyId: 'small', surveyVersion: 1, audience: ['checkout', 'payments'],
      opensAt: '2026-06-01T00:00:00.000Z', closesAt: '2026-06-13T00:00:00.000Z', reminders: ['2026-06-08T09:00:00.000Z'], closedAt: null,
    });
    expect(campaign.origin).toBe('managed');
    expect(await readDefinition(env.warehouse, 'small', 1)).toEqual(SMALL);
  });

  it('uses the shipped template by default', async () => {
    const campaign = await createCampaign(env.warehouse, config, { id: 'default', audience: ['checkout'], opens: '2026-06-01', closes: '2026-06-12' }, NOW);
    expect([campaign.surveyId, campaign.surveyVersion]).toEqual(['developer-experience', 2]);
  });

  it('refuses what cannot work, saying why', async () => {
    const refused = (input: unknown) => createCampaign(env.warehouse, config, input, NOW);
    await expect(refused({ ...base, id: 'q2' })).rejects.toThrow(/already exists/);
    await expect(refused({ ...base, id: 'Bad Id' })).rejects.toThrow(/^id: campaign ids use lower-case/);
    await expect(refused({ ...base, id: 'x', audience: ['checkout', 'nobody'] })).rejects.toThrow(/not teams in the catalog: nobody/);
    await expect(refused({ ...base, id: 'x', opens: '2026-06-12', closes: '2026-06-01' })).rejects.toThrow(/closes must be on or after opens/);
    await expect(refused({ ...base, id: 'x', reminders: ['2026-07-01'] })).rejects.toThrow(/reminders must fall between/);
    await expect(refused({ ...base, id: 'x', definition: JSON.stringify({ ...SMALL, title: 'changed' }) })).rejects.toThrow(/already stored with different content: raise `version`/);
    await expect(refused({ ...base, id: 'x', survey: 'nothing-like-this' , definition: undefined })).rejects.toBeInstanceOf(SurveyInputError);
  });

  it('from the admin form: redirects to the campaign, or back with the problem', async () => {
    const form = new FormData();
    for (const [k, v] of Object.entries({ id: 'formed', survey: 'small', opens: '2026-06-01', closes: '2026-06-20', reminders: '2026-06-10, 2026-06-15' })) form.set(k, v);
    form.append('audience', 'checkout');
    form.append('audience', 'payments');
    const request = (body: FormData) => new Request('http://paved.test/api/admin/surveys', { method: 'POST', headers: { accept: 'text/html' }, body });
    const ok = await postCampaign(request(form), context(env.warehouse, NOW, config));
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/surveys/admin/formed?created=1');
    expect((await readCampaign(env.warehouse, 'formed'))?.reminders).toHaveLength(2);
    const again = await postCampaign(request(form), context(env.warehouse, NOW, config));
    expect(decodeURIComponent(again.headers.get('location') ?? '')).toMatch(/^\/surveys\/admin\?error=a campaign "formed" already exists/);
  });
});

describe('inviting', () => {
  it('mints one link per address, rejects what it cannot use, and stores no address', async () => {
    const outcome = await inviteToCampaign(env.warehouse, keys, 'q2', [
      { email: 'ada@example.com', team: 'checkout' },
      { email: 'not-an-address', team: 'checkout' },
      { email: 'bob@example.com', team: 'search' },
      { email: 'ADA@example.com', team: 'payments' },
      { email: 'cy@example.com', team: 'payments' },
    ], 'https://paved.example.com/', NOW);
    expect(outcome.links.map((l) => [l.email, l.team])).toEqual([['ada@example.com', 'checkout'], ['cy@example.com', 'payments']]);
    expect(outcome.links[0]!.url).toMatch(/^https:\/\/paved\.example\.com\/s\/q2\.[\w-]{22}\.[\w-]{32}$/);
    expect(outcome.rejected).toEqual([
      { line: 2, reason: 'no valid email address' },
      { line: 3, reason: 'team "search" is not in this campaign\'s audience (checkout, payments)' },
      { line: 4, reason: 'this address is listed twice; it gets one link' },
    ]);
    expect(await readInviteCounts(env.warehouse, 'q2')).toMatchObject([{ team: 'checkout', invited: 1 }, { team: 'payments', invited: 1 }]);
    const Dump = z.object({ row: z.string() });
    const dump = (await env.warehouse.query(`SELECT toString(tuple(*)) AS row FROM {{db}}.survey_invites`, {}, Dump)).map((r) => r.row).join('\n');
    // Whole addresses and local parts only: a bare "ada" can occur inside a hex hash by chance.
    expect(dump).not.toMatch(/example\.com|ada@|cy@|\bada\b|\bcy\b/i);
  });

  it('from the admin form: the links come back once, as a CSV download', async () => {
    const form = new FormData();
    form.set('emails', new File(['email,team\ndee@example.com,payments\nbad,payments\n'], 'emails.csv', { type: 'text/csv' }));
    const response = await postInvites(new Request('http://paved.test/api/admin/surveys/q2/invites', { method: 'POST', body: form }), 'q2', context(env.warehouse, NOW, config));
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="invites_q2.csv"');
    expect(response.headers.get('x-paved-rejected')).toBe('1');
    const lines = (await response.text()).trim().split('\r\n');
    expect(lines[0]).toBe('email,team,link');
    expect(lines[1]).toMatch(/^dee@example\.com,payments,http:\/\/paved\.test\/s\/q2\./);
  });

  it('uses surveys.publicUrl for links when set', async () => {
    const response = await postInvites(new Request('http://paved.test/api/admin/surveys/q2/invites', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ invitees: [{ email: 'eve@example.com', team: 'checkout' }] }),
    }), 'q2', context(env.warehouse, NOW, testConfig({ surveys: { minGroupSize: 5, publicUrl: 'https://survey.example.org' } })));
    expect(((await response.json()) as { links: { url: string }[] }).links[0]!.url).toMatch(/^https:\/\/survey\.example\.org\/s\/q2\./);
  });
});

describe('reminding and closing', () => {
  it('a reminder stamps every invite and gives the text to send (no link in it)', async () => {
    const outcome = await remindCampaign(env.warehouse, 'q2', new Date('2026-06-08T09:00:00Z'));
    expect(outcome.reminded).toBe(4);
    expect(outcome.message).toMatch(/open until the end of 2026-06-12 \(UTC\)/);
    expect(outcome.message).not.toMatch(/\/s\//);
    expect((await readInviteCounts(env.warehouse, 'q2')).every((r) => r.reminded === r.invited)).toBe(true);
  });

  it('closing stops invites; closing twice says it is already closed', async () => {
    await closeCampaign(env.warehouse, 'q2', new Date('2026-06-09T00:00:00Z'));
    await expect(closeCampaign(env.warehouse, 'q2', new Date('2026-06-09T01:00:00Z'))).rejects.toThrow(/already closed/);
    await expect(inviteToCampaign(env.warehouse, keys, 'q2', [{ email: 'late@example.com', team: 'checkout' }], 'http://x', new Date('2026-06-09T02:00:00Z'))).rejects.toThrow(/closed: no new invites/);
  });
});
