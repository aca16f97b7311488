/**
 * The one scheduler of a process (transform/src/scheduler.ts): of several processes sharing a
 * warehouse and bus only the leader runs a job at a tick. Fake timers drive node-cron; no warehouse,
 * no broker. The transform schedule and the digests on one scheduler: insights/test/shared-scheduler.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CompareEnrichment } from '../src/compare-enrichment.js';
import { NOT_LEADER, Scheduler } from '../src/scheduler.js';

type Entry = { level: string; msg: string; fields?: Record<string, unknown> };
const logs: Entry[] = [];
const log = (level: string, msg: string, fields?: Record<string, unknown>) => { logs.push({ level, msg, fields }); };
const schedulers: Scheduler[] = [];
const scheduler = (options: ConstructorParameters<typeof Scheduler>[0] = { log }) => {
  const s = new Scheduler(options);
  schedulers.push(s);
  return s;
};

/** A lock two replicas share: whoever holds it is the leader (what the Kafka consumer group decides in production). */
const lock = { holder: 'a' };
const replica = (name: string) => ({ isLeader: () => lock.holder === name });

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-03-02T10:00:30Z') });
  logs.length = 0;
  lock.holder = 'a';
});
afterEach(async () => {
  for (const s of schedulers.splice(0)) await s.stop();
  vi.useRealTimers();
});

const minutes = (n: number) => vi.advanceTimersByTimeAsync(n * 60_000);

describe('leader-aware ticks', () => {
  it('of two replicas sharing the lock, only the leader runs the job at each tick; the other skips it', async () => {
    const runs = { a: 0, b: 0 };
    for (const name of ['a', 'b'] as const) {
      const s = scheduler();
      s.setLeadership(replica(name));
      s.register({ name: 'transform', cron: '* * * * *', run: async () => { runs[name] += 1; } });
      s.start();
    }
    await minutes(3);
    expect(runs).toEqual({ a: 3, b: 0 });
    expect(schedulers[1]!.status()[0]).toMatchObject({ ticks: 3, runs: 0, skipped: 3, lastSkipReason: NOT_LEADER });

    lock.holder = 'b';
    await minutes(2);
    expect(runs).toEqual({ a: 3, b: 2 });
  });

  it('without a leadership the process is alone and runs every tick', async () => {
    let runs = 0;
    const s = scheduler();
    s.register({ name: 'job', cron: '* * * * *', run: async () => { runs += 1; } });
    s.start();
    await minutes(2);
    expect(runs).toBe(2);
    expect(s.isLeader()).toBe(true);
  });
});

describe('skips, failures and overlap', () => {
  it('the scheduler\'s reason, then the job\'s, skip a tick and are logged at the job\'s level', async () => {
    let ready = false;
    let paused: string | null = 'the demo organisation is loading';
    const s = scheduler({ log, skipReason: () => (ready ? null : 'warehouse not ready') });
    const job = s.register({ name: 'digest', cron: '* * * * *', logSkips: 'info', skipReason: () => paused, run: async () => {} });
    s.start();
    await minutes(1);
    ready = true;
    await minutes(1);
    paused = null;
    await minutes(1);
    expect(job.status()).toMatchObject({ ticks: 3, runs: 1, skipped: 2 });
    expect(logs.filter((e) => e.msg === 'scheduled digest skipped').map((e) => [e.level, e.fields?.reason])).toEqual([
      ['info', 'warehouse not ready'], ['info', 'the demo organisation is loading'],
    ]);
  });

  it('a failing job is logged and counted, and the next tick runs again', async () => {
    let calls = 0;
    const s = scheduler();
    s.register({ name: 'flaky', cron: '* * * * *', run: async () => { calls += 1; if (calls === 1) throw new Error('warehouse went away'); } });
    s.start();
    await minutes(2);
    expect(calls).toBe(2);
    expect(s.status()[0]).toMatchObject({ runs: 2, failures: 1 });
    expect(logs).toContainEqual({ level: 'error', msg: 'scheduled flaky failed', fields: { error: 'warehouse went away' } });
  });

  it('a tick while the job still runs is dropped, never run alongside', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    const s = scheduler();
    s.register({
      name: 'slow', cron: '* * * * *',
      run: async () => {
        running += 1;
        runs += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 150_000));
        running -= 1;
      },
    });
    s.start();
    await minutes(6);
    expect(most).toBe(1);
    expect(runs).toBeLessThan(6);
  });
});

describe('compare enrichment on the scheduler', () => {
  it('ticks every 20 s as the job compare-enrichment, only on the leader', async () => {
    let leader = false;
    const s = scheduler();
    s.setLeadership({ isLeader: () => leader });
    const failing = { query: async () => { throw new Error('warehouse went away'); } };
    const enrichment = new CompareEnrichment({
      warehouse: failing as never, api: { stats: { rateLimitRemaining: null } } as never, bus: {} as never, context: {} as never,
      productionPattern: '^production$', scheduler: s,
    });
    s.start();
    enrichment.start();
    await minutes(1);
    expect(enrichment.status.ticks).toBe(0);
    expect(s.status()[0]).toMatchObject({ name: 'compare-enrichment', cron: '*/20 * * * * *', runs: 0, skipped: 3, lastSkipReason: NOT_LEADER });
    leader = true;
    await minutes(1);
    expect(enrichment.status.ticks).toBe(3);
    await enrichment.stop();
    expect(s.status()).toEqual([]);
  });
});
