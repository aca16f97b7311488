import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PavedEnv } from '@paved/schemas';
import { createCampaign } from '../src/campaigns.js';
import { postInvites } from '../src/http.js';
import { mailInvitations, mailReminder, mailSettingsOf, readMailingCounts } from '../src/mail.js';
import { openLink, saveAnswers } from '../src/respond.js';
import { loadResultsInput } from '../src/results.js';
import { context, keys, openTestWarehouse, SMALL, testConfig } from './harness.js';

/** A real SMTP server on loopback; RCPT TO a `bounce-` address is refused with 550, like a mailbox that does not exist. */
async function smtpStandIn() {
  const messages: { to: string[]; mail: ParsedMail }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('bounce-')) {
        const error = Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 });
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream).then((mail) => {
        messages.push({ to: session.envelope.rcptTo.map((r) => r.address), mail });
        callback();
      }, (error: Error) => callback(error));
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, messages, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let env: Awaited<ReturnType<typeof openTestWarehouse>>;
let smtp: Awaited<ReturnType<typeof smtpStandIn>>;
const config = testConfig({ digest: { emailFrom: 'paved@example.com' } });
const OPEN = new Date('2026-06-03T10:00:00Z');
const PEOPLE = [
  { email: 'ada.lovelace@example.com', team: 'checkout' },
  { email: 'grace.hopper@example.com', team: 'payments' },
  { email: 'bounce-linus@example.com', team: 'checkout' },
];
const linkIn = (text: string) => /http:\/\/paved\.test\/s\/(\S+)/.exec(text)?.[1] ?? null;

beforeAll(async () => {
  [env, smtp] = await Promise.all([openTestWarehouse(), smtpStandIn()]);
  await createCampaign(env.warehouse, config, { id: 'mailed', survey: 'small', definition: JSON.stringify(SMALL), audience: ['checkout', 'payments'], opens: '2026-06-01', closes: '2026-06-14' }, OPEN);
});
afterAll(async () => {
  await smtp?.close();
  await env?.close();
});

describe('survey e-mail', () => {
  const settings = () => mailSettingsOf(config, PavedEnv.parse({ SMTP_URL: smtp.url }), 5_000);

  it('invitations arrive, one per person, each with its own working single-use link; a refused address is reported, not stored', async () => {
    const progress: number[] = [];
    const report = await mailInvitations(env.warehouse, keys, 'mailed', PEOPLE, 'http://paved.test', settings(), { minGroupSize: 5, now: OPEN, onProgress: (done) => progress.push(done) });
    expect(report).toMatchObject({ kind: 'invitation', sent: 2, uncertain: [], rejected: [] });
    expect(report.failed).toEqual([{ email: 'bounce-linus@example.com', team: 'checkout', error: expect.stringMatching(/550/) }]);
    expect(progress).toEqual([1, 2, 3]);

    expect(smtp.messages.map((m) => m.to)).toEqual([['ada.lovelace@example.com'], ['grace.hopper@example.com']]);
    const links = smtp.messages.map((m) => linkIn(m.mail.text ?? ''));
    expect(links.every((l) => l !== null)).toBe(true);
    expect(new Set(links).size).toBe(2);
    expect(smtp.messages[0]!.mail.from?.text).toBe('paved@example.com');
    expect(smtp.messages[0]!.mail.html).toContain(`href="http://paved.test/s/${links[0]}"`);
    expect(smtp.messages[0]!.mail.text).toMatch(/count for team checkout/);

    // Each link opens its own survey, for the invited team, and a second save edits the same response.
    for (const [i, token] of links.entries()) {
      expect(await openLink(env.warehouse, keys, token!, OPEN)).toMatchObject({ ok: true, invitedTeam: PEOPLE[i]!.team });
      expect(await saveAnswers(env.warehouse, keys, token!, { answers: { speed_1: 4, speed_2: 2, docs_1: 4, enps: 8, hours_lost: 2 }, submit: true }, OPEN)).toMatchObject({ ok: true, submitted: true });
      expect(await saveAnswers(env.warehouse, keys, token!, { answers: { speed_1: 5, speed_2: 2, docs_1: 4, enps: 9, hours_lost: 1 } }, OPEN)).toMatchObject({ ok: true, submitted: true });
    }
    const [responses] = await env.warehouse.query(`SELECT count() AS n FROM {{db}}.survey_responses FINAL WHERE campaign_id = 'mailed'`, {}, z.object({ n: z.coerce.number() }));
    expect(responses?.n).toBe(2);
  });

  it('a reminder goes to the same list, without a link (a second link would be a second vote)', async () => {
    const before = smtp.messages.length;
    const report = await mailReminder(env.warehouse, 'mailed', PEOPLE, settings(), { now: new Date('2026-06-10T09:00:00Z') });
    expect(report).toMatchObject({ kind: 'reminder', sent: 2, failed: [{ email: 'bounce-linus@example.com' }] });
    const reminders = smtp.messages.slice(before);
    expect(reminders.map((m) => m.to)).toEqual([['ada.lovelace@example.com'], ['grace.hopper@example.com']]);
    expect(reminders[0]!.mail.subject).toBe('Reminder: mailed');
    for (const m of reminders) expect(linkIn(m.mail.text ?? '')).toBeNull();
  });

  it('sends and failures are counted per team; a refused invitation is not in the participation denominator', async () => {
    expect(await readMailingCounts(env.warehouse, 'mailed')).toEqual([
      { kind: 'invitation', team: 'checkout', sent: 1, failed: 1, uncertain: 0, batches: 1 },
      { kind: 'invitation', team: 'payments', sent: 1, failed: 0, uncertain: 0, batches: 1 },
      { kind: 'reminder', team: 'checkout', sent: 1, failed: 1, uncertain: 0, batches: 1 },
      { kind: 'reminder', team: 'payments', sent: 1, failed: 0, uncertain: 0, batches: 1 },
    ]);
    const input = await loadResultsInput(env.warehouse, config, 'mailed', OPEN);
    expect(input?.denominators.get('checkout')).toEqual({ count: 1, source: 'invites' });
  });

  it('nothing in the warehouse holds an address or a link', async () => {
    const tables = await env.warehouse.query(`SELECT name FROM system.tables WHERE database = {db:String}`, { db: env.warehouse.database }, z.object({ name: z.string() }));
    const links = smtp.messages.map((m) => linkIn(m.mail.text ?? '')).filter((l): l is string => l !== null);
    expect(links.length).toBeGreaterThan(0);
    const secrets = [...PEOPLE.map((p) => p.email), ...PEOPLE.map((p) => p.email.split('@')[0]!), ...links, ...links.map((l) => l.split('.')[1]!)];
    for (const { name } of tables) {
      const rows = await env.warehouse.query(`SELECT * FROM {{db}}.${name}`, {}, z.record(z.string(), z.unknown()));
      const text = JSON.stringify(rows);
      for (const secret of secrets) expect(text.includes(secret), `${name} holds ${secret}`).toBe(false);
    }
  });

  it('the admin endpoint sends when asked, and says what to configure when SMTP_URL is not set', async () => {
    const request = (send: boolean) => new Request('http://paved.test/api/admin/surveys/mailed/invites', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ csv: 'email,team\nlinus@example.com,checkout\n', send }),
    });
    const unconfigured = await postInvites(request(true), 'mailed', context(env.warehouse, OPEN, config));
    expect(unconfigured.status).toBe(409);
    expect(await unconfigured.json()).toMatchObject({ message: expect.stringMatching(/SMTP_URL/) });
    const before = smtp.messages.length;
    const sent = await postInvites(request(true), 'mailed', { ...context(env.warehouse, OPEN, config), mail: settings });
    expect(sent.status).toBe(200);
    const body = (await sent.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ kind: 'invitation', sent: 1, failed: [] });
    expect(JSON.stringify(body)).not.toContain('/s/');
    expect(smtp.messages.slice(before).map((m) => m.to)).toEqual([['linus@example.com']]);
  });
});
