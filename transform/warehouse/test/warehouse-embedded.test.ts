import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Warehouse } from '../src/client.js';
import { defaultEmbeddedMemoryMb, embeddedEngineArgs } from '../src/embedded.js';

const MiB = 1024 * 1024;
let dir: string;
let warehouse: Warehouse;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paved-embedded-'));
  // As PAVED_EMBEDDED_MEMORY_MB=512 would.
  warehouse = await Warehouse.open({ dataDir: dir, command: 'warehouse-embedded.test', memoryMb: 512 });
});
afterAll(async () => {
  await warehouse?.close();
  rmSync(dir, { recursive: true, force: true });
});

const Setting = z.object({ name: z.string(), value: z.string() });

describe('the embedded engine bounds its memory', () => {
  it('starts with the memory ceiling and small caches (server settings)', async () => {
    const rows = await warehouse.query(
      `SELECT name, value FROM system.server_settings WHERE name IN ('max_server_memory_usage', 'mark_cache_size', 'index_mark_cache_size', 'uncompressed_cache_size', 'query_condition_cache_size')`, {}, Setting);
    const settings = Object.fromEntries(rows.map((r) => [r.name, Number(r.value)]));
    expect(settings).toEqual({
      max_server_memory_usage: 512 * MiB,
      mark_cache_size: 64 * MiB,
      index_mark_cache_size: 32 * MiB,
      uncompressed_cache_size: 0,
      query_condition_cache_size: 16 * MiB,
    });
  });

  it('limits each query to most of the ceiling, and spills GROUP BY and ORDER BY at half of it', async () => {
    const rows = await warehouse.query(
      `SELECT name, value FROM system.settings WHERE name IN ('max_memory_usage', 'max_bytes_ratio_before_external_group_by', 'max_bytes_ratio_before_external_sort') ORDER BY name`, {}, Setting);
    expect(rows).toEqual([
      { name: 'max_bytes_ratio_before_external_group_by', value: '0.5' },
      { name: 'max_bytes_ratio_before_external_sort', value: '0.5' },
      { name: 'max_memory_usage', value: String(Math.round(512 * 0.8) * MiB) },
    ]);
  });

  it('joins with grace hash on the writer (spilling past an eighth of the ceiling), and as ClickHouse does on the readers', async () => {
    const JOIN_SETTINGS = `SELECT name, value FROM system.settings WHERE name IN ('join_algorithm', 'max_bytes_in_join') ORDER BY name`;
    // What the writer runs with, read through the writer (a command), not a reader.
    await warehouse.command('CREATE DATABASE IF NOT EXISTS {{db}}');
    await warehouse.command('CREATE TABLE IF NOT EXISTS {{db}}.join_settings (name String, value String) ENGINE = Memory');
    await warehouse.command(`INSERT INTO {{db}}.join_settings ${JOIN_SETTINGS}`);
    expect(await warehouse.query('SELECT name, value FROM {{db}}.join_settings ORDER BY name', {}, Setting)).toEqual([
      { name: 'join_algorithm', value: 'grace_hash,parallel_hash,hash' },
      { name: 'max_bytes_in_join', value: String(64 * MiB) },
    ]);
    const reader = await warehouse.query(JOIN_SETTINGS, {}, Setting);
    expect(reader.find((s) => s.name === 'join_algorithm')?.value).not.toContain('grace_hash');
    expect(reader.find((s) => s.name === 'max_bytes_in_join')?.value).toBe('0');
    // A join on the writer still answers exactly (the grace join of a right side larger than its threshold).
    await warehouse.command('CREATE TABLE IF NOT EXISTS {{db}}.join_probe (n UInt64, chars UInt64) ENGINE = Memory');
    await warehouse.command(`INSERT INTO {{db}}.join_probe SELECT count(), sum(length(b.s)) FROM numbers(3000000) AS a
      INNER JOIN (SELECT number * 3 AS k, concat(toString(number), repeat('x', 60)) AS s FROM numbers(3000000)) AS b ON a.number = b.k`);
    expect(await warehouse.query('SELECT n, chars FROM {{db}}.join_probe', {}, z.object({ n: z.number(), chars: z.number() })))
      .toEqual([{ n: 1_000_000, chars: 5_888_890 + 1_000_000 * 60 }]);
  }, 120_000);

  it('refuses a query that needs more than the ceiling instead of growing the process', async () => {
    await expect(warehouse.query('SELECT length(groupArray(number)) AS n FROM numbers(200000000)', {}, z.object({ n: z.number() })))
      .rejects.toThrow(/MEMORY_LIMIT_EXCEEDED|memory limit exceeded/i);
    // And the engine goes on answering.
    expect(await warehouse.query('SELECT 1 AS n', {}, z.object({ n: z.number() }))).toEqual([{ n: 1 }]);
  });

  it('defaults to a quarter of the machine, between 1 and 8 GiB, with caches sized as for 1 GiB', () => {
    const GiB = 1024 * MiB;
    expect(defaultEmbeddedMemoryMb(2 * GiB)).toBe(1024);
    expect(defaultEmbeddedMemoryMb(24 * GiB)).toBe(6144);
    expect(defaultEmbeddedMemoryMb(64 * GiB)).toBe(8192);
    expect(embeddedEngineArgs(1024)).toContain(`--max_server_memory_usage=${1024 * MiB}`);
    expect(embeddedEngineArgs(1024)).toContain(`--mark_cache_size=${128 * MiB}`);
    expect(embeddedEngineArgs(6144)).toContain(`--max_server_memory_usage=${6144 * MiB}`);
    expect(embeddedEngineArgs(6144)).toContain(`--mark_cache_size=${128 * MiB}`);
    expect(embeddedEngineArgs(512)).toContain(`--mark_cache_size=${64 * MiB}`);
  });
});

describe('reads do not wait for the writer', () => {
  it('answers a read and the health check while a long statement runs on the writing connection', async () => {
    const order: string[] = [];
    const write = warehouse.command('SELECT sleep(2)').then(() => order.push('write'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [row] = await warehouse.query('SELECT count() AS n FROM system.one', {}, z.object({ n: z.coerce.number() }));
    order.push('read');
    expect((await warehouse.ping()).ok).toBe(true);
    order.push('ping');
    await write;
    expect(row).toEqual({ n: 1 });
    expect(order).toEqual(['read', 'ping', 'write']);
  });

  it('sees at once what the writer inserted', async () => {
    await warehouse.command('CREATE TABLE IF NOT EXISTS default.seen (x UInt32) ENGINE = MergeTree ORDER BY x');
    await warehouse.command('INSERT INTO default.seen SELECT number FROM numbers(7)');
    expect(await warehouse.query('SELECT count() AS n FROM default.seen', {}, z.object({ n: z.coerce.number() }))).toEqual([{ n: 7 }]);
  });
});
