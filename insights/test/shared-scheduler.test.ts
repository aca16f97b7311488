/**
 * The transform schedule and the digests register their jobs with one scheduler (the process's,
 * passed in), and a replica that is not the leader runs none of them. Fake timers drive node-cron;
 * no warehouse, no broker.
 */
import { PavedConfig } from '@paved/schemas';
import { metricSettingsOf, NOT_LEADER, Scheduler, TransformSchedule } from '@paved/transform';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DigestScheduler } from '../src/digest/scheduler.js';

const logs: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
const log = (level: string, msg: string, fields?: Record<string, unknown>) => { logs.push({ level, msg, fields }); };
const config = PavedConfig.parse({ digest: { schedule: '* * * * *' } });

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-03-02T10:00:30Z') });
  logs.length = 0;
});
afterEach(() => vi.useRealTimers());

describe('one scheduler for the transform schedule and the digests', () => {
  it('both register their jobs with it; as a follower, neither runs, and each skip says why', async () => {
    let leader = false;
    const scheduler = new Scheduler({ log });
    scheduler.setLeadership({ isLeader: () => leader });
    const transform = new TransformSchedule({} as never, metricSettingsOf(config), '* * * * *', log, () => null, { scheduler });
    const digests = new DigestScheduler({ warehouse: {} as never, config, env: {} as never, log, scheduler });
    scheduler.start();
    transform.start();
    digests.start();
    expect(scheduler.status().map((job) => job.name)).toEqual(['digest', 'transform', 'digest-retry']);
    expect(transform.status.nextRun).toBe('2026-03-02T10:01:00.000Z');

    await vi.advanceTimersByTimeAsync(2 * 60_000);
    expect(transform.status.runs).toBe(0);
    expect(digests.status.runs).toBe(0);
    expect(scheduler.status().map((job) => [job.name, job.runs, job.skipped, job.lastSkipReason])).toEqual([
      ['digest', 0, 2, NOT_LEADER], ['transform', 0, 2, NOT_LEADER], ['digest-retry', 0, 2, NOT_LEADER],
    ]);
    expect(logs.filter((e) => e.msg === 'scheduled digest skipped')).toHaveLength(2);

    // Leader now: the transform tick runs (and fails on the placeholder warehouse, counted by the schedule itself).
    leader = true;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(transform.status.runs).toBe(1);
    expect(transform.status.lastStatus).toBe('failed');

    await transform.stop();
    await digests.stop();
    expect(scheduler.status()).toEqual([]);
    await scheduler.stop();
  });
});
