import { describe, expect, it } from 'vitest';
import { ReadCache } from '../src/read-cache.js';

const rows = (n: number, tag: number) => Array.from({ length: n }, (_, i) => ({ i, tag }));

describe('the read cache holds a bounded number of rows', () => {
  it('drops the least recently used results beyond maxTotalRows, and keeps the rest', async () => {
    const cache = new ReadCache({ maxAgeMs: 60_000, maxTotalRows: 250 });
    let loads = 0;
    const read = (scope: number, n = 100) => cache.read('SELECT * FROM {{db}}.t_deployment_facts WHERE x = {x:UInt8}', { x: scope }, async () => { loads += 1; return rows(n, scope); });
    await read(1);
    await read(2);
    expect(cache.heldRows).toBe(200);
    await read(1); // a hit: scope 1 becomes the most recently used
    expect(loads).toBe(2);
    await read(3); // 300 rows > 250: the least recently used (scope 2) goes
    expect(cache.heldRows).toBe(200);
    await read(1);
    await read(3);
    expect(loads).toBe(3);
    await read(2);
    expect(loads).toBe(4);
    expect(cache.heldRows).toBeLessThanOrEqual(250);
  });

  it('counts nothing for results it does not keep, and frees what a write made stale when it is read again', async () => {
    const cache = new ReadCache({ maxAgeMs: 60_000, maxRows: 50, maxTotalRows: 1_000 });
    await cache.read('SELECT * FROM {{db}}.t_changes', {}, async () => rows(80, 1));
    expect(cache.heldRows).toBe(0);
    await cache.read('SELECT * FROM {{db}}.t_incidents', {}, async () => rows(40, 1));
    expect(cache.heldRows).toBe(40);
    cache.written(['t_incidents']);
    await cache.read('SELECT * FROM {{db}}.t_incidents', {}, async () => rows(30, 2));
    expect(cache.heldRows).toBe(30);
    cache.clear();
    expect(cache.heldRows).toBe(0);
  });
});
