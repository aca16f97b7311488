import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '@paved/ingest';
import type { PavedConfig, PavedEnv } from '@paved/schemas';
import cron from 'node-cron';
import { type ScheduledJob, type ScheduleStatus, Scheduler } from '@paved/transform';
import type { Warehouse } from '@paved/warehouse';
import { type SendOutcome, sendEmail } from '@paved/mail';
import { type Channel, type Destinations, destinationProblem, destinationsOf, postToSlack, teamSlackVariable } from './channels.js';
import { buildDigest, type DigestContent, digestTeams, isoOf, parseUtc, type SurveySummaryHook } from './content.js';
import { attemptProgressed, claimDelivery, type DeliveryKey, type DeliveryRow, digestHealth, readDeliveries, readDelivery, recordDigest, recordState } from './ledger.js';
import { type RenderedDigest, renderDigest } from './render.js';
import { type IsoWeek, isoWeekOf, lastCompleteWeek, parseIsoWeek } from './week.js';

export interface RetryPolicy {
  /** Attempts per delivery before it is left as failed (a person can `--force` it). */
  maxAttempts: number;
  /** Wait before the second attempt; doubles for each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface DigestSchedulerOptions {
  warehouse: Warehouse;
  config: PavedConfig;
  env: PavedEnv;
  log: Logger;
  /** Asked before every scheduled run: non-null (e.g. "the demo organisation is loading") skips it. */
  skipReason?: () => string | null;
  /**
   * The process's scheduler, shared with the transform schedule: the weekly run is its job `digest`,
   * the minute sweep its job `digest-retry`, and only the leader runs them. Unset: a scheduler of
   * the digests' own (tests, `paved digest`).
   */
  scheduler?: Scheduler;
  surveySummary?: SurveySummaryHook;
  retry?: Partial<RetryPolicy>;
  /** A `sending` row older than this is `uncertain`, a `pending` claim older than this is abandoned. */
  staleAfterMs?: number;
  /** Per Slack request and per SMTP phase. */
  sendTimeoutMs?: number;
  /** Overrides where digests go (tests); default from the config and the environment. */
  destinations?: Destinations;
  /** Identifies this process in claims (`holder`). */
  instanceId?: string;
  now?: () => Date;
}

export interface DeliveryFilter {
  /** Only this team's digest; `''` only the organisation's; unset: the organisation and every team. */
  team?: string;
  channel?: Channel;
  /** Send again even when sent, given up or uncertain (never while another instance is sending). */
  force?: boolean;
}

export type DeliveryResult = 'sent' | 'failed' | 'retrying' | 'uncertain' | 'skipped';

export interface DeliveryOutcome {
  week: string;
  team: string;
  channel: Channel;
  result: DeliveryResult;
  attempt: number | null;
  detail: string;
}

/** The transform schedule's status shape, without its health flag. */
export type DigestScheduleStatus = Omit<ScheduleStatus, 'ok'>;

export interface DigestPreview {
  week: IsoWeek;
  team: string;
  /** Per configured channel: where it would go (never a URL), or why it would not, and the ledger state. */
  channels: { channel: Channel; destination: string | null; problem: string | null; state: string }[];
  rendered: RenderedDigest;
}

const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 60_000, maxDelayMs: 3_600_000 };

type Action = { kind: 'send'; attempt: number; reclaimFrom: number | null } | { kind: 'skip'; detail: string } | { kind: 'mark-uncertain'; row: DeliveryRow };

/**
 * Sends the weekly digests on `digest.schedule` (in `digest.timezone`) and retries failed deliveries
 * every minute. Safe to run in several processes at once: the ledger (ledger.ts) lets exactly one
 * of them send each (week, team, channel).
 */
export class DigestScheduler {
  readonly status: DigestScheduleStatus = { lastRun: null, lastStatus: null, lastDetail: '', nextRun: null, runs: 0, failures: 0 };
  /** Registered at once: `sweep` asks it whether the schedule has fired this week even before `start`. */
  private readonly weekly: ScheduledJob;
  private sweeper: ScheduledJob | null = null;
  private readonly scheduler: Scheduler;
  /** The scheduler is the digests' own (not passed in): start and stop start and stop it. */
  private readonly ownScheduler: boolean;
  /** Between start and stop: the weekly job's ticks are skipped outside it. */
  private running = false;
  /** Scheduled runs of this process, one after the other (the weekly run and a sweep can fire in the same minute). */
  private chain: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private readonly retry: RetryPolicy;
  private readonly staleAfterMs: number;
  private readonly sendTimeoutMs: number;
  private readonly instanceId: string;
  private readonly now: () => Date;
  private destinationsCache: Destinations | null;
  private firedWeek: string | null = null;

  constructor(private readonly options: DigestSchedulerOptions) {
    const { schedule, timezone } = options.config.digest;
    if (!cron.validate(schedule)) throw new Error(`digest.schedule "${schedule}" is not a valid cron expression (e.g. "0 9 * * 1" for Monday 09:00)`);
    try {
      new Intl.DateTimeFormat('en', { timeZone: timezone });
    } catch {
      throw new Error(`digest.timezone "${timezone}" is not a time zone: use an IANA name such as "Europe/Berlin" or "UTC"`);
    }
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.staleAfterMs = options.staleAfterMs ?? 15 * 60_000;
    this.sendTimeoutMs = options.sendTimeoutMs ?? 30_000;
    this.instanceId = options.instanceId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.now = options.now ?? (() => new Date());
    this.destinationsCache = options.destinations ?? null;
    this.ownScheduler = !options.scheduler;
    this.scheduler = options.scheduler ?? new Scheduler({ log: options.log });
    this.weekly = this.scheduler.register({
      name: 'digest', cron: schedule, timezone, logSkips: 'info',
      skipReason: () => (this.running ? this.options.skipReason?.() ?? null : 'digests are not started'),
      afterTick: () => this.refreshNextRun(),
      run: async () => this.enqueue('weekly', () => this.deliver(lastCompleteWeek(this.now()))),
    });
  }

  /** Checked on first use, so a bad webhook URL fails the digest, not the whole process. */
  private destinations(): Destinations {
    this.destinationsCache ??= destinationsOf(this.options.config, this.options.env);
    return this.destinationsCache;
  }

  start(): void {
    for (const channel of this.options.config.digest.channels) {
      const problem = this.safeProblem(channel, null);
      if (problem) this.options.log('warn', 'digest channel has no destination for the organisation digest', { channel, problem });
    }
    this.running = true;
    this.sweeper = this.scheduler.register({
      name: 'digest-retry', cron: '* * * * *', timezone: 'UTC', logSkips: false,
      skipReason: () => this.options.skipReason?.() ?? null,
      run: async () => this.enqueue('sweep', () => this.sweep({ catchUp: true })),
    });
    if (this.ownScheduler) this.scheduler.start();
    this.refreshNextRun();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.scheduler.unregister('digest-retry');
    this.sweeper = null;
    if (this.ownScheduler) await this.scheduler.stop();
    else await this.scheduler.unregister('digest');
    await this.chain;
  }

  /** Queues a scheduled run after the ones in hand (the scheduler has checked leadership and the skip reasons). */
  private enqueue(kind: 'weekly' | 'sweep', run: () => Promise<unknown>): void {
    // A sweep finding a run in progress has nothing to add: the next one comes a minute later.
    if (kind === 'sweep' && this.queued > 0) return;
    this.queued += 1;
    this.chain = this.chain.then(() => this.track(run)).catch(() => {}).finally(() => { this.queued -= 1; });
  }

  private async track<T>(run: () => Promise<T>): Promise<T> {
    this.status.lastStatus = 'running';
    this.status.lastRun = this.now().toISOString();
    this.status.runs += 1;
    try {
      const result = await run();
      this.status.lastStatus = 'ok';
      return result;
    } catch (error) {
      this.status.lastStatus = 'failed';
      this.status.failures += 1;
      this.status.lastDetail = (error as Error).message.split('\n')[0] ?? 'failed';
      this.options.log('error', 'digest run failed', { error: this.status.lastDetail });
      throw error;
    } finally {
      this.refreshNextRun();
    }
  }

  private refreshNextRun(): void {
    const next = this.sweeper ? this.weekly.nextRun() : null;
    this.status.nextRun = next ? next.toISOString() : null;
  }

  /**
   * The minute tick: `sending` rows gone stale become `uncertain`, failed deliveries whose backoff
   * has passed are retried, abandoned claims are taken over, and (`catchUp`, the running schedule)
   * once the weekly schedule has fired this week, last week's digests that never went out (the
   * process was down at the time) are sent late.
   */
  async sweep(options: { catchUp?: boolean } = {}): Promise<DeliveryOutcome[]> {
    const now = this.now();
    const open = await readDeliveries(this.options.warehouse, { openOnly: true });
    const due = new Set(open.filter((row) => this.isDue(row, now)).map((row) => row.week));
    const catchUp = options.catchUp && this.firedThisWeek(now) ? lastCompleteWeek(now).id : null;
    if (catchUp) due.add(catchUp);
    const outcomes: DeliveryOutcome[] = [];
    for (const id of [...due].sort()) {
      const week = parseIsoWeek(id);
      // Older weeks: only the deliveries already in the ledger (a team added since gets no old digests).
      if (week) outcomes.push(...(await this.deliver(week, {}, { onlyExisting: id !== catchUp })));
    }
    return outcomes;
  }

  private isDue(row: DeliveryRow, now: Date): boolean {
    const age = now.getTime() - parseUtc(row.updated_at);
    if (row.status === 'failed') return row.next_attempt_at !== null && parseUtc(row.next_attempt_at) <= now.getTime();
    if (row.status === 'pending' || row.status === 'sending') return age > this.staleAfterMs;
    return false;
  }

  /** Whether the weekly schedule has had a firing time between this ISO week's Monday 00:00 UTC and now. */
  private firedThisWeek(now: Date): boolean {
    const week = isoWeekOf(now).id;
    if (this.firedWeek === week) return true;
    const start = Date.parse(`${isoWeekOf(now).from}T00:00:00Z`);
    for (let t = start; t <= now.getTime(); t += 60_000) {
      if (this.weekly.matches(new Date(t))) {
        this.firedWeek = week;
        return true;
      }
    }
    return false;
  }

  /** Sends the digests of `week` that are not sent yet (all teams and configured channels unless filtered). */
  async deliver(week: IsoWeek, filter: DeliveryFilter = {}, internal: { onlyExisting?: boolean } = {}): Promise<DeliveryOutcome[]> {
    const { warehouse, config, log } = this.options;
    const channels = filter.channel ? [filter.channel] : config.digest.channels;
    const teams = filter.team !== undefined ? [filter.team] : ['', ...(await digestTeams(warehouse, config))];
    const ledger = new Map((await readDeliveries(warehouse, { week: week.id })).map((row) => [`${row.team}\0${row.channel}`, row]));
    const now = this.now();
    const outcomes: DeliveryOutcome[] = [];
    const toSend = new Map<string, { channel: Channel; attempt: number; reclaimFrom: number | null }[]>();
    for (const team of teams) {
      for (const channel of channels) {
        const row = ledger.get(`${team}\0${channel}`) ?? null;
        if (internal.onlyExisting && !row) continue;
        const problem = this.safeProblem(channel, team || null);
        if (problem) {
          if (filter.team !== undefined || filter.channel) outcomes.push({ week: week.id, team, channel, result: 'skipped', attempt: null, detail: `no destination: ${problem}` });
          continue;
        }
        const action = this.decide(row, channel, now, filter.force ?? false);
        if (action.kind === 'skip') {
          outcomes.push({ week: week.id, team, channel, result: 'skipped', attempt: row?.attempts ?? null, detail: action.detail });
          continue;
        }
        if (action.kind === 'mark-uncertain') {
          await this.markUncertain(action.row, now);
          outcomes.push({ week: week.id, team, channel, result: 'uncertain', attempt: action.row.attempts, detail: 'interrupted while sending; not resent automatically' });
          continue;
        }
        const list = toSend.get(team) ?? [];
        list.push({ channel, attempt: action.attempt, reclaimFrom: action.reclaimFrom });
        toSend.set(team, list);
      }
    }
    for (const [team, sends] of toSend) {
      let content: DigestContent;
      let rendered: RenderedDigest;
      try {
        content = await this.build(week, team);
        rendered = renderDigest(content);
      } catch (error) {
        const detail = `could not build the digest: ${(error as Error).message.split('\n')[0]}`;
        log('error', 'digest build failed', { week: week.id, team, error: detail });
        for (const s of sends) outcomes.push({ week: week.id, team, channel: s.channel, result: 'failed', attempt: null, detail });
        continue;
      }
      for (const s of sends) outcomes.push(await this.sendOne({ week: week.id, team, channel: s.channel }, s.attempt, s.reclaimFrom, rendered, content));
    }
    const order = (o: DeliveryOutcome) => teams.indexOf(o.team) * channels.length + channels.indexOf(o.channel);
    return outcomes.sort((a, b) => order(a) - order(b));
  }

  private safeProblem(channel: Channel, team: string | null): string | null {
    try {
      return destinationProblem(this.destinations(), channel, team);
    } catch (error) {
      return (error as Error).message;
    }
  }

  private decide(row: DeliveryRow | null, channel: Channel, now: Date, force: boolean): Action {
    if (!row) return { kind: 'send', attempt: 1, reclaimFrom: null };
    const next = row.attempts + 1;
    const age = now.getTime() - parseUtc(row.updated_at);
    const stale = age > this.staleAfterMs;
    switch (row.status) {
      case 'sent':
        return force ? { kind: 'send', attempt: next, reclaimFrom: null } : { kind: 'skip', detail: `already sent${row.sent_at ? ` (${isoOf(row.sent_at)})` : ''}` };
      case 'pending':
        return stale ? { kind: 'send', attempt: next, reclaimFrom: row.attempts } : { kind: 'skip', detail: `claimed by ${row.holder}` };
      case 'sending':
        if (!stale) return { kind: 'skip', detail: `being sent by ${row.holder}` };
        // An archive insert is idempotent; anything that left the building may have arrived.
        return channel === 'archive' ? { kind: 'send', attempt: next, reclaimFrom: null } : { kind: 'mark-uncertain', row };
      case 'uncertain':
        return force || channel === 'archive' ? { kind: 'send', attempt: next, reclaimFrom: null } : { kind: 'skip', detail: `may have been sent (interrupted): ${row.last_error}; use --force to send again` };
      case 'failed':
        if (force) return { kind: 'send', attempt: next, reclaimFrom: null };
        if (!row.next_attempt_at) return { kind: 'skip', detail: `failed after ${row.attempts} attempt(s): ${row.last_error}` };
        if (parseUtc(row.next_attempt_at) > now.getTime()) return { kind: 'skip', detail: `retrying at ${isoOf(row.next_attempt_at)}` };
        return { kind: 'send', attempt: next, reclaimFrom: null };
    }
  }

  private async markUncertain(row: DeliveryRow, now: Date): Promise<void> {
    const key = { week: row.week, team: row.team, channel: row.channel };
    const claimedAt = new Date(parseUtc(row.claimed_at));
    await recordState(this.options.warehouse, { key, attempt: row.attempts, holder: row.holder, claimedAt }, 'uncertain', {
      now,
      error: `still "sending" after ${Math.round(this.staleAfterMs / 60_000)} min: the process sending it stopped or hung, so it may have been delivered`,
    });
    this.options.log('warn', 'digest delivery interrupted mid-send; not resending automatically', { ...key, attempt: row.attempts });
  }

  private async build(week: IsoWeek, team: string): Promise<DigestContent> {
    const deliveryProblems = team ? [] : (await digestHealth(this.options.warehouse)).problems;
    return buildDigest(this.options.warehouse, this.options.config, { week, ...(team ? { team } : {}), surveySummary: this.options.surveySummary, deliveryProblems, now: this.now() });
  }

  private async sendOne(key: DeliveryKey, attempt: number, reclaimFrom: number | null, rendered: RenderedDigest, content: DigestContent): Promise<DeliveryOutcome> {
    const { warehouse, log } = this.options;
    const holder = `${this.instanceId}/${randomUUID()}`;
    const claimedAt = this.now();
    const claim = { key, attempt, holder, claimedAt };
    const result = (result: DeliveryResult, detail: string): DeliveryOutcome => ({ ...key, result, attempt, detail });
    if (!(await claimDelivery(warehouse, key, attempt, holder, claimedAt))) return result('skipped', 'another instance claimed it first');
    if (reclaimFrom !== null && (await attemptProgressed(warehouse, key, reclaimFrom))) {
      await recordState(warehouse, claim, 'uncertain', { now: this.now(), error: `attempt ${reclaimFrom} was still in progress in another instance when this one took it over` });
      return result('uncertain', `attempt ${reclaimFrom} is still in progress elsewhere`);
    }
    await recordState(warehouse, claim, 'sending', { now: this.now() });
    const current = await readDelivery(warehouse, key);
    if (!current || current.holder !== holder || current.attempts !== attempt) return result('skipped', 'another instance took the delivery over');

    let outcome: SendOutcome;
    try {
      outcome = await this.transmit(key, rendered, content);
    } catch (error) {
      outcome = { status: 'failed', retryable: true, error: (error as Error).message.split('\n')[0] ?? 'failed' };
    }
    const now = this.now();
    const fields = { week: key.week, team: key.team, channel: key.channel, attempt };
    if (outcome.status === 'sent') {
      await recordState(warehouse, claim, 'sent', { now });
      if (key.channel !== 'archive') {
        await recordDigest(warehouse, key, rendered, content, now).catch((error: unknown) => log('warn', 'digest sent but not archived', { ...fields, error: (error as Error).message }));
      }
      log('info', 'digest sent', { ...fields, detail: outcome.detail });
      return result('sent', outcome.detail);
    }
    if (outcome.status === 'uncertain') {
      await recordState(warehouse, claim, 'uncertain', { now, error: outcome.error });
      log('warn', 'digest delivery uncertain; not resending automatically', { ...fields, error: outcome.error });
      return result('uncertain', outcome.error);
    }
    const retry = outcome.retryable && attempt < this.retry.maxAttempts;
    const delay = Math.max(Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1)), outcome.retryAfterMs ?? 0);
    const nextAttemptAt = retry ? new Date(now.getTime() + delay) : null;
    await recordState(warehouse, claim, 'failed', { now, error: outcome.error, nextAttemptAt });
    log(retry ? 'warn' : 'error', retry ? 'digest delivery failed; will retry' : 'digest delivery failed; giving up', { ...fields, error: outcome.error, nextAttemptAt: nextAttemptAt?.toISOString() ?? null });
    return result(retry ? 'retrying' : 'failed', retry ? `${outcome.error}; retrying at ${nextAttemptAt!.toISOString()}` : outcome.error);
  }

  private async transmit(key: DeliveryKey, rendered: RenderedDigest, content: DigestContent): Promise<SendOutcome> {
    const team = key.team || null;
    const destinations = this.destinations();
    if (key.channel === 'archive') {
      await recordDigest(this.options.warehouse, key, rendered, content, this.now());
      return { status: 'sent', detail: 'archived' };
    }
    if (key.channel === 'slack') {
      const url = destinations.slackUrl(team);
      if (!url) return { status: 'failed', retryable: false, error: 'no Slack webhook URL' };
      return postToSlack(url, rendered.slack, this.sendTimeoutMs);
    }
    const to = destinations.emailTo(team);
    if (!destinations.smtpUrl || !to.length) return { status: 'failed', retryable: false, error: 'no SMTP_URL or no recipients' };
    return sendEmail(destinations.smtpUrl, {
      from: destinations.emailFrom, to, subject: rendered.subject, text: rendered.text, html: rendered.html, messageId: messageIdOf(key, destinations.emailFrom),
    }, this.sendTimeoutMs);
  }

  /** What `deliver` would send for `week`, rendered, without sending or recording anything. */
  async preview(week: IsoWeek, filter: Omit<DeliveryFilter, 'force'> = {}): Promise<DigestPreview[]> {
    const { warehouse, config } = this.options;
    const channels = filter.channel ? [filter.channel] : config.digest.channels;
    const teams = filter.team !== undefined ? [filter.team] : ['', ...(await digestTeams(warehouse, config))];
    const ledger = new Map((await readDeliveries(warehouse, { week: week.id })).map((row) => [`${row.team}\0${row.channel}`, row]));
    const previews: DigestPreview[] = [];
    for (const team of teams) {
      const rendered = renderDigest(await this.build(week, team));
      previews.push({
        week,
        team,
        rendered,
        channels: channels.map((channel) => {
          const problem = this.safeProblem(channel, team || null);
          const row = ledger.get(`${team}\0${channel}`);
          return { channel, destination: problem ? null : this.describeDestination(channel, team || null), problem, state: row ? `${row.status} (attempt ${row.attempts})` : 'not sent yet' };
        }),
      });
    }
    return previews;
  }

  private describeDestination(channel: Channel, team: string | null): string {
    if (channel === 'archive') return 'the digests archive';
    if (channel === 'slack') return `Slack (${team === null ? 'SLACK_WEBHOOK_URL' : teamSlackVariable(team)})`;
    return `email to ${this.destinations().emailTo(team).join(', ')}`;
  }
}

/** `<digest.2026-W47.payments.3f2a9c1b@example.com>`: one per week and team, whatever the attempt. */
export function messageIdOf(key: Pick<DeliveryKey, 'week' | 'team'>, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'paved.localhost';
  const slug = (key.team || 'organisation').toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 40);
  const hash = createHash('sha256').update(`${key.week}\0${key.team}`).digest('hex').slice(0, 8);
  return `<digest.${key.week}.${slug}.${hash}@${domain}>`;
}
