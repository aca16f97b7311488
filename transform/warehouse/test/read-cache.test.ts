import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ReadCache, tablesOf } from '../src/read-cache.js';
import { openTestWarehouse, event } from '../../test/harness.js';

describe('the read cache', () => {
  it('knows a statement\'s tables from its {{db}} names, twins included', () => {
    expect(tablesOf('SELECT 1 FROM {{db}}.t_changes c JOIN {{db}}.t_deployment_facts f USING id')).toEqual(['t_changes', 't_deployment_facts']);
    expect(tablesOf('EXCHANGE TABLES {{db}}.t_changes AND {{db}}.t_changes_next')).toEqual(['t_changes']);
    expect(tablesOf('EXCHANGE TABLES {{db}}.t_changes_local AND {{db}}.t_changes_next_local ON CLUSTER c')).toEqual(['t_changes']);
  });

  it('serves a repeat from memory, one query for concurrent reads, until a write to a table it read', async () => {
    let loads = 0;
    const cache = new ReadCache({ maxAgeMs: 60_000 });
    const load = async () => {
      loads += 1;
      await new Promise((r) => setTimeout(r, 5));
      return [{ n: loads }];
    };
    const sql = 'SELECT count() AS n FROM {{db}}.t_changes';
    const [a, b] = await Promise.all([cache.read(sql, { x: 1 }, load), cache.read(sql, { x: 1 }, load)]);
    expect(a).toEqual([{ n: 1 }]);
    expect(b).toBe(a);
    expect(await cache.read(sql, { x: 2 }, load)).toEqual([{ n: 2 }]);
    cache.written(['events']);
    expect(await cache.read(sql, { x: 1 }, load)).toEqual([{ n: 1 }]);
    cache.written(['t_changes']);
    expect(await cache.read(sql, { x: 1 }, load)).toEqual([{ n: 3 }]);
    expect(loads).toBe(3);
  });

  it('reads the clock and tableless statements every time, and expires entries', async () => {
    let t = 0;
    let loads = 0;
    const cache = new ReadCache({ maxAgeMs: 1_000 }, () => t);
    const load = async () => [{ n: ++loads }];
    await cache.read('SELECT now() FROM {{db}}.t_changes', {}, load);
    await cache.read('SELECT now() FROM {{db}}.t_changes', {}, load);
    await cache.read('SELECT 1', {}, load);
    await cache.read('SELECT 1', {}, load);
    expect(loads).toBe(4);
    await cache.read('SELECT 1 FROM {{db}}.t_changes', {}, load);
    t = 999;
    await cache.read('SELECT 1 FROM {{db}}.t_changes', {}, load);
    expect(loads).toBe(5);
    t = 1_001;
    await cache.read('SELECT 1 FROM {{db}}.t_changes', {}, load);
    expect(loads).toBe(6);
  });

  it('keeps a derived value until a table it was computed from is written, in the same budget as rows', async () => {
    let computed = 0;
    const cache = new ReadCache({ maxAgeMs: 60_000, maxTotalRows: 100 });
    const compute = async () => {
      computed += 1;
      await new Promise((r) => setTimeout(r, 5));
      return new Float64Array(64).fill(computed);
    };
    const bytes = (v: Float64Array) => v.byteLength;
    const [a, b] = await Promise.all([cache.derived('sample 1', ['t_changes'], bytes, compute), cache.derived('sample 1', ['t_changes'], bytes, compute)]);
    expect(b).toBe(a);
    expect(computed).toBe(1);
    expect(cache.heldRows).toBe(1); // 512 bytes: one row's worth
    cache.written(['t_incidents']);
    expect(await cache.derived('sample 1', ['t_changes'], bytes, compute)).toBe(a);
    cache.written(['t_changes']);
    expect((await cache.derived('sample 1', ['t_changes'], bytes, compute))[0]).toBe(2);
    // A value larger than the whole budget is computed every time, never kept.
    const huge = async () => { computed += 1; return new Float64Array(100 * 64 + 1); };
    await cache.derived('huge', ['t_changes'], bytes, huge);
    await cache.derived('huge', ['t_changes'], bytes, huge);
    expect(computed).toBe(4);
    expect(cache.heldRows).toBe(1);
  });

  it('refresh reads again what a write made stale and was used lately, most recent first, so the next read is a hit', async () => {
    let t = 0;
    const cache = new ReadCache({ maxAgeMs: 3_600_000 }, () => t);
    const loads: string[] = [];
    const loader = (name: string, fail = false) => async () => {
      loads.push(name);
      if (fail) throw new Error('down');
      return [{ name, version: loads.length }];
    };
    await cache.read('SELECT 1 FROM {{db}}.t_dora_daily', { team: 'old' }, loader('old'));
    t = 700_000; // 'old' was last used 11+ minutes before the refresh below
    await cache.read('SELECT 1 FROM {{db}}.t_dora_daily', { team: 'a' }, loader('a'));
    t = 701_000;
    await cache.read('SELECT 1 FROM {{db}}.t_dora_daily', { team: 'b' }, loader('b'));
    await cache.read('SELECT 1 FROM {{db}}.t_pr_flow', {}, loader('flow'));
    await cache.read('SELECT 1 FROM {{db}}.t_dora_daily', { team: 'gone' }, loader('gone'));
    expect(await cache.refresh()).toBe(0); // nothing stale yet
    cache.written(['t_dora_daily']);
    loads.length = 0;
    // The entry 'gone' fails when read again: dropped, the others still refreshed.
    const failing = cache.read('SELECT 1 FROM {{db}}.t_dora_daily', { team: 'gone' }, loader('gone-now', true));
    await expect(failing).rejects.toThrow('down');
    loads.length = 0;
    t = 702_000;
    expect(await cache.refresh({ limit: 5 })).toBe(2);
    // Most recently used first; 'old' (unused for too long) and t_pr_flow (not written) left alone.
    expect(loads).toEqual(['b', 'a']);
    const { hits, misses } = cache;
    expect(await cache.read('SELECT 1 FROM {{db}}.t_dora_daily', { team: 'a' }, loader('a-again'))).toEqual([{ name: 'a', version: 2 }]);
    expect([cache.hits - hits, cache.misses - misses, cache.refreshed]).toEqual([1, 0, 2]);
    // A limit: only the most recently used.
    cache.written(['t_dora_daily']);
    loads.length = 0;
    expect(await cache.refresh({ limit: 1 })).toBe(1);
    expect(loads).toEqual(['a']);
  });

  it('a refresh asked for during a refresh makes it look again when it ends, never two at once', async () => {
    const cache = new ReadCache({ maxAgeMs: 3_600_000 });
    let running = 0;
    let most = 0;
    let loads = 0;
    const load = async () => {
      running += 1;
      most = Math.max(most, running);
      loads += 1;
      await new Promise((r) => setTimeout(r, 10));
      running -= 1;
      return [{ loads }];
    };
    await cache.read('SELECT 1 FROM {{db}}.t_dora_daily', { q: 1 }, load);
    await cache.read('SELECT 1 FROM {{db}}.t_dora_daily', { q: 2 }, load);
    cache.written(['t_dora_daily']);
    const first = cache.refresh();
    await new Promise((r) => setTimeout(r, 5));
    cache.written(['t_dora_daily']); // a second transform while the first refresh runs
    const second = cache.refresh();
    expect(await first).toBe(await second);
    // q2 was being read when the second write landed (stale again), q1 was read after it: q2 twice, q1 once.
    expect(await first).toBe(3);
    expect(most).toBe(1);
    expect(loads).toBe(5);
  });

  it('a refresh stops when asked to (another write on its way)', async () => {
    const cache = new ReadCache({ maxAgeMs: 3_600_000 });
    let loads = 0;
    const load = async () => [{ n: ++loads }];
    for (const q of [1, 2, 3]) await cache.read('SELECT 1 FROM {{db}}.t_dora_daily', { q }, load);
    cache.written(['t_dora_daily']);
    let asked = 0;
    expect(await cache.refresh({ stop: () => ++asked > 1 })).toBe(1);
    expect(loads).toBe(4);
  });

  it('a failed read is not kept', async () => {
    const cache = new ReadCache({ maxAgeMs: 60_000 });
    await expect(cache.read('SELECT 1 FROM {{db}}.x', {}, async () => { throw new Error('down'); })).rejects.toThrow('down');
    expect(await cache.read('SELECT 1 FROM {{db}}.x', {}, async () => [{ ok: 1 }])).toEqual([{ ok: 1 }]);
  });
});

describe('a warehouse with the read cache', () => {
  let env: Awaited<ReturnType<typeof openTestWarehouse>>;
  beforeAll(async () => {
    env = await openTestWarehouse();
    env.warehouse.enableReadCache({ maxAgeMs: 60_000 });
  });
  afterAll(async () => env?.close());

  const Count = z.object({ n: z.coerce.number() });
  const commits = () => env.warehouse.query('SELECT count() AS n FROM {{db}}.commits FINAL', {}, Count);
  const commit = (sha: string) => event('commit', { sha, repo: 'acme/cache', author: { login: 'a', name: null, email: null, bot: false }, authored_at: '2026-01-01T00:00:00.000Z', committed_at: '2026-01-01T00:00:00.000Z', message: 'm', parents: [], reverts_sha: null });

  it('sees its own writes at once (the sink and the transform write through the same Warehouse)', async () => {
    expect((await commits())[0]!.n).toBe(0);
    const hitsBefore = env.warehouse.readCache!.hits;
    expect((await commits())[0]!.n).toBe(0);
    expect(env.warehouse.readCache!.hits).toBe(hitsBefore + 1);
    await env.ingest([commit('c0ffee1')]);
    expect((await commits())[0]!.n).toBe(1);
    await env.warehouse.command('INSERT INTO {{db}}.commits SELECT * REPLACE (\'c0ffee2\' AS sha) FROM {{db}}.commits LIMIT 1');
    expect((await commits())[0]!.n).toBe(2);
  });
});
