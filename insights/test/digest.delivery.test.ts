import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PavedConfig, PavedEnv } from '@paved/schemas';
import { destinationsOf } from '../src/digest/channels.js';
import { parseUtc } from '../src/digest/content.js';
import { claimDelivery, digestHealth, listDigests, readDelivery, readDigest, readDeliveries } from '../src/digest/ledger.js';
import { DigestRequest, runDigest } from '../src/digest/request.js';
import { DigestScheduler, messageIdOf, type DigestSchedulerOptions } from '../src/digest/scheduler.js';
import { parseIsoWeek, type IsoWeek } from '../src/digest/week.js';
import { defaultMetricSettings, runTransform } from '@paved/transform';
import { digestHistory, W11 } from './digest.history.js';
import { openTestWarehouse } from '../../transform/test/harness.js';
import { slackStandIn, smtpStandIn } from './digest.standins.js';

let env: Awaited<ReturnType<typeof openTestWarehouse>>;
let slack: Awaited<ReturnType<typeof slackStandIn>>;
let smtp: Awaited<ReturnType<typeof smtpStandIn>>;
let options: DigestSchedulerOptions;

const config = PavedConfig.parse({
  digest: {
    channels: ['slack', 'email', 'archive'],
    emailTo: ['platform-leads@example.com'],
    emailFrom: 'Paved <digests@paved.example.com>',
    teamRecipients: { payments: ['payments@example.com', 'payments-lead@example.com'] },
  },
});

const week = (id: string): IsoWeek => parseIsoWeek(id)!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const scheduler = (overrides: Partial<DigestSchedulerOptions> = {}) => new DigestScheduler({ ...options, ...overrides });
const count = async (table: string, weekId: string) => {
  const [row] = await env.warehouse.query(`SELECT count() AS n FROM {{db}}.${table} WHERE week = {week:String}`, { week: weekId }, z.object({ n: z.coerce.number() }));
  return row!.n;
};

beforeAll(async () => {
  [env, slack, smtp] = await Promise.all([openTestWarehouse(), slackStandIn(), smtpStandIn()]);
  await env.ingest(digestHistory().flatMap((h) => h.events));
  await runTransform(env.warehouse, defaultMetricSettings);
  const pavedEnv = PavedEnv.parse({ SLACK_WEBHOOK_URL: `${slack.url}/org`, SMTP_URL: smtp.url });
  options = {
    warehouse: env.warehouse,
    config,
    env: pavedEnv,
    log: () => {},
    destinations: destinationsOf(config, pavedEnv, { SLACK_WEBHOOK_URL_PAYMENTS: `${slack.url}/payments` }),
    retry: { maxAttempts: 5, baseDelayMs: 300, maxDelayMs: 10_000 },
    sendTimeoutMs: 5_000,
  };
}, 120_000);

afterAll(async () => {
  slack?.release();
  await Promise.all([slack?.close(), smtp?.close()]);
  await env?.close();
});

describe('delivering the weekly digest', () => {
  it('email: the SMTP server receives one message per digest, with subject, HTML and text parts and the configured recipients', async () => {
    const outcomes = await scheduler().deliver(W11, { channel: 'email' });
    expect(outcomes.map((o) => [o.team, o.result])).toEqual([['', 'sent'], ['payments', 'sent'], ['search', 'skipped']]);
    expect(outcomes[2]!.detail).toContain('digest.teamRecipients has no "search"');

    expect(smtp.messages).toHaveLength(2);
    const org = smtp.messages.find((m) => m.mail.subject === 'Paved weekly digest 2026-W11: organisation')!;
    const team = smtp.messages.find((m) => m.mail.subject === 'Paved weekly digest 2026-W11: team payments')!;
    expect(org.envelope).toEqual({ from: 'digests@paved.example.com', to: ['platform-leads@example.com'] });
    expect(team.envelope.to).toEqual(['payments@example.com', 'payments-lead@example.com']);
    expect(org.mail.from?.value).toEqual([{ address: 'digests@paved.example.com', name: 'Paved' }]);
    expect(org.mail.messageId).toBe(messageIdOf({ week: '2026-W11', team: '' }, config.digest.emailFrom));
    expect(org.mail.html).toContain('<!DOCTYPE html>');
    expect(org.mail.html).toContain('Failed deployments (1)');
    // The failed deployment is named as people read it (repository and sha; its id is only a link target).
    expect(org.mail.html).toMatch(/billing \(payments\)/);
    expect(String(org.mail.html).replace(/href="[^"]*"/g, '')).not.toContain('billing-5');
    expect(org.mail.text).toContain('DORA keys');
    expect(org.mail.text).toContain('Change failure rate');
    expect(org.mail.text).toContain('INC-7');
    expect(team.mail.text).toContain('Team payments');

    expect((await readDelivery(env.warehouse, { week: '2026-W11', team: '', channel: 'email' }))).toMatchObject({ status: 'sent', attempts: 1 });
  }, 120_000);

  it('Slack: one valid Block Kit message per digest, to the organisation webhook and the team\'s own', async () => {
    const before = slack.requests.length;
    const outcomes = await scheduler().deliver(W11, { channel: 'slack' });
    expect(outcomes.map((o) => [o.team, o.result])).toEqual([['', 'sent'], ['payments', 'sent'], ['search', 'skipped']]);
    expect(outcomes[2]!.detail).toContain('SLACK_WEBHOOK_URL_SEARCH is not set');
    const received = slack.requests.slice(before);
    expect(received.map((r) => r.path)).toEqual(['/org', '/payments']);
    for (const r of received) expect(r.problems).toEqual([]);
    expect(received[0]!.body.blocks[0]!.text!.text).toBe('Paved weekly digest · 2026-W11 · Organisation');
    expect(received[1]!.body.blocks[0]!.text!.text).toBe('Paved weekly digest · 2026-W11 · Team payments');
    expect(received[0]!.body.text).toContain('DORA keys');
  }, 120_000);

  it('archive: every digest is stored with its rendered forms; a restarted scheduler sends nothing twice', async () => {
    const first = await scheduler().deliver(W11);
    // Only the archive was left to do.
    expect(first.filter((o) => o.result === 'sent').map((o) => [o.team, o.channel])).toEqual([['', 'archive'], ['payments', 'archive'], ['search', 'archive']]);
    const entries = (await listDigests(env.warehouse)).filter((e) => e.week === '2026-W11');
    expect(entries.map((e) => [e.team, e.channels])).toEqual([['', ['archive', 'email', 'slack']], ['payments', ['archive', 'email', 'slack']], ['search', ['archive']]]);
    const stored = await readDigest(env.warehouse, '2026-W11', 'payments');
    expect(stored?.content?.team).toBe('payments');
    expect(stored?.html).toContain('Team payments');

    const requests = slack.requests.length;
    const mails = smtp.messages.length;
    const again = await scheduler().deliver(W11);
    expect(again.every((o) => o.result === 'skipped')).toBe(true);
    expect(again.find((o) => o.team === '' && o.channel === 'slack')?.detail).toMatch(/^already sent/);
    expect(slack.requests.length).toBe(requests);
    expect(smtp.messages.length).toBe(mails);
  }, 120_000);

  it('a failed Slack post is retried with exponential backoff, also by a freshly started scheduler', async () => {
    const w = week('2026-W12');
    const key = { week: w.id, team: '', channel: 'slack' as const };
    let clock = Date.parse('2026-03-23T09:00:00.000Z');
    const now = () => new Date(clock);
    const before = slack.requests.length;
    slack.failNext(2);
    const [first] = await scheduler({ now }).deliver(w, { team: '', channel: 'slack' });
    expect(first).toMatchObject({ result: 'retrying', attempt: 1 });
    const afterFirst = (await readDelivery(env.warehouse, key))!;
    expect(afterFirst).toMatchObject({ status: 'failed', attempts: 1, last_error: 'Slack answered 500 internal_error' });
    expect(parseUtc(afterFirst.next_attempt_at!) - parseUtc(afterFirst.updated_at)).toBe(300);

    const restarted = scheduler({ now });
    clock += 299;
    expect(await restarted.sweep()).toEqual([]); // not due yet: the backoff holds
    expect(slack.requests.length - before).toBe(1);
    clock += 1;
    expect((await restarted.sweep()).map((o) => o.result)).toEqual(['retrying']);
    const afterSecond = (await readDelivery(env.warehouse, key))!;
    expect(afterSecond.attempts).toBe(2);
    expect(parseUtc(afterSecond.next_attempt_at!) - parseUtc(afterSecond.updated_at)).toBe(600);
    clock += 599;
    expect(await restarted.sweep()).toEqual([]);
    clock += 1;
    expect((await restarted.sweep()).map((o) => o.result)).toEqual(['sent']);
    expect(await readDelivery(env.warehouse, key)).toMatchObject({ status: 'sent', attempts: 3 });
    const posts = slack.requests.slice(before);
    expect(posts.map((p) => p.path)).toEqual(['/org', '/org', '/org']);
    expect(posts.every((p) => p.problems.length === 0)).toBe(true);
  }, 120_000);

  it('attempts are bounded: a Slack that keeps failing is given up and shows in digestHealth', async () => {
    const w = week('2026-W13');
    slack.failNext(100);
    const bounded = scheduler({ retry: { maxAttempts: 2, baseDelayMs: 100 } });
    expect((await bounded.deliver(w, { team: '', channel: 'slack' }))[0]?.result).toBe('retrying');
    await sleep(150);
    expect((await bounded.sweep()).map((o) => o.result)).toEqual(['failed']);
    await sleep(150);
    expect(await bounded.sweep()).toEqual([]);
    slack.failNext(0);

    const health = await digestHealth(env.warehouse);
    expect(health.ok).toBe(false);
    expect(health.failed).toEqual([expect.objectContaining({ week: '2026-W13', team: '', channel: 'slack', attempts: 2, next_attempt_at: null })]);
    expect(health.problems.some((p) => p.includes('slack digest 2026-W13 for the organisation failed after 2 attempt(s) and will not be retried'))).toBe(true);
  }, 120_000);
});

describe('exactly once', () => {
  it('of ten instances claiming the same attempt at once, exactly one wins', async () => {
    const key = { week: '2026-W19', team: 'payments', channel: 'email' as const };
    const wins = await Promise.all(Array.from({ length: 10 }, (_, i) => claimDelivery(env.warehouse, key, 1, `instance-${i}`, new Date())));
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect((await readDelivery(env.warehouse, key))?.holder).toBe(`instance-${wins.indexOf(true)}`);
  });

  it('two schedulers racing over the same weeks send each digest on each channel once', async () => {
    const slackBefore = slack.requests.length;
    const mailBefore = smtp.messages.length;
    const a = scheduler({ instanceId: 'a' });
    const b = scheduler({ instanceId: 'b' });
    for (const id of ['2026-W20', '2026-W21']) {
      const [fromA, fromB] = await Promise.all([a.deliver(week(id), { team: '' }), b.deliver(week(id), { team: '' })]);
      for (const channel of ['slack', 'email', 'archive'] as const) {
        const results = [...fromA, ...fromB].filter((o) => o.channel === channel).map((o) => o.result).sort();
        expect(results, `${id} ${channel}`).toEqual(['sent', 'skipped']);
      }
      expect(await count('digests', id)).toBeGreaterThan(0);
      await env.warehouse.command('OPTIMIZE TABLE {{db}}.digests FINAL');
      expect(await count('digests', id)).toBe(3);
    }
    expect(slack.requests.length - slackBefore).toBe(2);
    expect(smtp.messages.length - mailBefore).toBe(2);
    expect((await readDeliveries(env.warehouse, { week: '2026-W20' })).map((r) => [r.channel, r.status, r.attempts])).toEqual([['archive', 'sent', 1], ['email', 'sent', 1], ['slack', 'sent', 1]]);
  }, 180_000);

  it('a restart in the middle of a Slack post does not post twice', async () => {
    const w = week('2026-W30');
    const key = { week: w.id, team: '', channel: 'slack' as const };
    const before = slack.requests.length;
    slack.hangRequests(true);
    const first = scheduler({ instanceId: 'killed', sendTimeoutMs: 60_000 });
    const inFlight = first.deliver(w, { team: '', channel: 'slack' });
    while (slack.requests.length === before) await sleep(20);
    expect(await readDelivery(env.warehouse, key)).toMatchObject({ status: 'sending', attempts: 1 });

    // "first" is gone as far as anyone knows; a new process starts.
    const restarted = scheduler({ instanceId: 'restarted', staleAfterMs: 2_000 });
    expect((await restarted.deliver(w, { team: '', channel: 'slack' }))[0]).toMatchObject({ result: 'skipped', detail: expect.stringContaining('being sent by killed') });
    await sleep(2_100);
    const ofThisWeek = async () => (await restarted.sweep()).filter((o) => o.week === w.id).map((o) => o.result);
    expect(await ofThisWeek()).toEqual(['uncertain']);
    expect(await readDelivery(env.warehouse, key)).toMatchObject({ status: 'uncertain', attempts: 1 });
    expect(await ofThisWeek()).toEqual([]);
    expect((await restarted.deliver(w, { team: '', channel: 'slack' }))[0]).toMatchObject({ result: 'skipped', detail: expect.stringContaining('--force') });
    expect(slack.requests.length - before).toBe(1);
    const health = await digestHealth(env.warehouse);
    expect(health.problems.some((p) => p.includes('slack digest 2026-W30 for the organisation was interrupted while sending'))).toBe(true);

    // The stuck request finally gets its answer: the truth (sent) outranks "uncertain".
    slack.hangRequests(false);
    slack.release();
    expect((await inFlight)[0]).toMatchObject({ result: 'sent' });
    expect(await readDelivery(env.warehouse, key)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(slack.requests.length - before).toBe(1);

    // A person who checked can still send it again on purpose.
    expect((await restarted.deliver(w, { team: '', channel: 'slack', force: true }))[0]).toMatchObject({ result: 'sent', attempt: 2 });
    expect(slack.requests.length - before).toBe(2);
  }, 120_000);

  it('email: a connection that goes silent after the message was handed over is uncertain and never resent automatically', async () => {
    const w = week('2026-W31');
    const key = { week: w.id, team: '', channel: 'email' as const };
    smtp.hangAfterData(true);
    const started = smtp.dataStarted;
    const [outcome] = await scheduler({ sendTimeoutMs: 1_000 }).deliver(w, { team: '', channel: 'email' });
    smtp.hangAfterData(false);
    expect(outcome).toMatchObject({ result: 'uncertain' });
    expect(await readDelivery(env.warehouse, key)).toMatchObject({ status: 'uncertain' });
    const restarted = scheduler({ staleAfterMs: 0 });
    expect((await restarted.sweep()).filter((o) => o.week === w.id)).toEqual([]);
    expect((await restarted.deliver(w, { team: '', channel: 'email' }))[0]?.result).toBe('skipped');
    expect(smtp.dataStarted - started).toBe(1);
  }, 120_000);
});

describe('schedule', () => {
  const archiveOnly = PavedConfig.parse({ digest: { channels: ['archive'], schedule: '0 9 * * 1', timezone: 'Europe/Berlin' } });
  const at = (iso: string) => scheduler({ config: archiveOnly, now: () => new Date(iso) });
  const sent = (outcomes: { result: string; week: string }[]) => outcomes.filter((o) => o.result === 'sent').map((o) => o.week);

  it('a process that was down on Monday 09:00 (Berlin) sends last week\'s digests late, once', async () => {
    expect(sent(await at('2026-04-08T10:00:00Z').sweep({ catchUp: true }))).toEqual(['2026-W14', '2026-W14', '2026-W14']);
    expect(sent(await at('2026-04-08T10:01:00Z').sweep({ catchUp: true }))).toEqual([]);
  }, 120_000);

  it('before the schedule has fired this week there is nothing to catch up: 08:59 in Berlin is 06:59 UTC', async () => {
    expect(sent(await at('2026-04-13T06:59:00Z').sweep({ catchUp: true }))).toEqual([]);
    expect(sent(await at('2026-04-13T07:00:00Z').sweep({ catchUp: true }))).toEqual(['2026-W15', '2026-W15', '2026-W15']);
  }, 120_000);

  it('a bad schedule or time zone stops the process at start-up with the fix', () => {
    expect(() => scheduler({ config: PavedConfig.parse({ digest: { schedule: 'every monday' } }) })).toThrow(/digest.schedule "every monday" is not a valid cron expression/);
    expect(() => scheduler({ config: PavedConfig.parse({ digest: { timezone: 'Mars/Olympus' } }) })).toThrow(/digest.timezone "Mars\/Olympus" is not a time zone/);
  });
});

describe('dry run', () => {
  it('previews every digest with its destinations and records nothing', async () => {
    const w = week('2026-W40');
    const slackBefore = slack.requests.length;
    const mailBefore = smtp.messages.length;
    const previews = await scheduler().preview(w);
    expect(previews.map((p) => p.team)).toEqual(['', 'payments', 'search']);
    expect(previews[0]!.rendered.text).toContain('Paved weekly digest · 2026-W40 · Organisation');
    expect(previews[0]!.channels).toEqual([
      { channel: 'slack', destination: 'Slack (SLACK_WEBHOOK_URL)', problem: null, state: 'not sent yet' },
      { channel: 'email', destination: 'email to platform-leads@example.com', problem: null, state: 'not sent yet' },
      { channel: 'archive', destination: 'the digests archive', problem: null, state: 'not sent yet' },
    ]);
    expect(previews[2]!.channels[0]).toMatchObject({ channel: 'slack', destination: null, problem: 'SLACK_WEBHOOK_URL_SEARCH is not set' });
    // The request `paved digest --week 2026-W40 --team payments --dry-run` sends, locally or to the admin route.
    const answer = await runDigest(scheduler(), DigestRequest.parse({ week: '2026-W40', team: 'payments', dryRun: true }));
    expect(answer.week).toBe('2026-W40');
    expect(answer.outcomes).toBeUndefined();
    expect(answer.previews?.map((p) => p.team)).toEqual(['payments']);
    expect(answer.previews?.[0]?.text).toContain('Paved weekly digest · 2026-W40 · Team payments');
    expect(await count('digest_deliveries', w.id)).toBe(0);
    expect(await count('digests', w.id)).toBe(0);
    expect(slack.requests.length).toBe(slackBefore);
    expect(smtp.messages.length).toBe(mailBefore);
  }, 120_000);
});
