import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChangeSummary } from '../src/metrics/increment.js';

/*
 * The debounce of event-driven increments (docs/operations.md, "Freshness"): a burst of landed
 * batches costs one increment, steady load still gets one at least every maxDelayMs, and an
 * increment that cannot be bounded becomes a full rebuild. The transforms themselves are stubbed:
 * only the schedule's timing is under test (fake timers, no warehouse).
 */

const calls: { changes: ChangeSummary }[] = [];
let answer: 'increment' | 'full_needed' = 'increment';
vi.mock('../src/metrics/increment.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/metrics/increment.js')>();
  return {
    ...original,
    runIncrement: vi.fn(async (_w: unknown, _s: unknown, changes: ChangeSummary) => {
      calls.push({ changes });
      return answer === 'increment'
        ? { kind: 'increment', ms: 5, rows: changes.rows, steps: [], services: 1, totalServices: 10, walkStarts: [] }
        : { kind: 'full_needed', reason: 'the catalog changed' };
    }),
  };
});
const fulls: number[] = [];
vi.mock('../src/metrics/rebuild.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../src/metrics/rebuild.js')>()),
  runTransform: vi.fn(async () => { fulls.push(Date.now()); return { runId: 'r', steps: [], totalMs: 1 }; }),
}));

const { TransformSchedule } = await import('../src/schedule.js');
const { defaultMetricSettings } = await import('../src/metrics/settings.js');

const deployment = (id: string) => new Map([['deployment_statuses', [{ id, repo: 'acme/api' }]]]);
const schedule = (skip: () => string | null = () => null) =>
  new TransformSchedule({} as never, defaultMetricSettings, '*/5 * * * *', () => {}, skip, { eventDriven: true, debounceMs: 500, maxDelayMs: 2_000 });

beforeEach(() => {
  vi.useFakeTimers();
  calls.length = 0;
  fulls.length = 0;
  answer = 'increment';
});
afterEach(() => vi.useRealTimers());

describe('event-driven increments', () => {
  it('a burst of 20 batches within the debounce costs one increment with all of them', async () => {
    const s = schedule();
    for (let i = 0; i < 20; i += 1) {
      s.noteLanded(deployment(`d${i}`));
      await vi.advanceTimersByTimeAsync(20);
    }
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(500);
    expect(calls).toHaveLength(1);
    expect([...calls[0]!.changes.deployments]).toHaveLength(20);
    expect(s.freshness.increments).toBe(1);
    await s.stop();
  });

  it('under steady load (a batch every 100 ms for 10 s) an increment still runs at least every 2 s', async () => {
    const s = schedule();
    for (let i = 0; i < 100; i += 1) {
      s.noteLanded(deployment(`d${i}`));
      await vi.advanceTimersByTimeAsync(100);
    }
    await vi.advanceTimersByTimeAsync(600);
    expect(calls.length).toBeGreaterThanOrEqual(5);
    expect(calls.length).toBeLessThanOrEqual(6);
    expect(calls.reduce((n, c) => n + c.changes.deployments.size, 0)).toBe(100);
    await s.stop();
  });

  it('nothing landed: no run', async () => {
    const s = schedule();
    s.scheduleIncrement();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls).toHaveLength(0);
    expect(await s.runIncrementNow()).toEqual({ kind: 'nothing_pending' });
    await s.stop();
  });

  it('an increment that cannot be bounded runs the full rebuild instead', async () => {
    answer = 'full_needed';
    const s = schedule();
    s.noteLanded(new Map([['catalog_entities', [{ service: 'api' }]]]));
    await vi.advanceTimersByTimeAsync(600);
    expect(fulls).toHaveLength(1);
    expect(s.freshness.lastFullReason).toBe('the catalog changed');
    await s.stop();
  });

  it('while the schedule is told to skip (demo loading, standby replica), changes wait; an explicit run applies them', async () => {
    let skip: string | null = 'the demo organisation is loading';
    const s = schedule(() => skip);
    s.noteLanded(deployment('d1'));
    await vi.advanceTimersByTimeAsync(3_000);
    expect(calls).toHaveLength(0);
    expect(s.freshness.pendingRows).toBe(1);
    skip = null;
    await s.runIncrementNow();
    expect(calls).toHaveLength(1);
    await s.stop();
  });
});
