import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BusMessage, encodeEvent } from '@paved/ingest';
import { CanonicalEvent } from '@paved/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { acquireWarehouseLock, readWarehouseLock, WarehouseLockedError } from '../src/lock.js';
import { loadMigrations, migrate, renderStatements } from '../src/migrate.js';
import { event, openTestWarehouse } from '../../test/harness.js';

let env: Awaited<ReturnType<typeof openTestWarehouse>>;
beforeAll(async () => { env = await openTestWarehouse(); });
afterAll(async () => env?.close());

const Count = z.object({ n: z.coerce.number() });
const count = async (sql: string, params = {}) => (await env.warehouse.query(sql, params, Count))[0]!.n;

describe('migrations', () => {
  it('running migrate twice in a row changes nothing', async () => {
    const tablesBefore = await count(`SELECT count() AS n FROM system.tables WHERE database = {db:String}`, { db: env.warehouse.database });
    const second = await migrate(env.warehouse);
    const third = await migrate(env.warehouse);
    expect(second.applied).toEqual([]);
    expect(third.applied).toEqual([]);
    expect(second.alreadyApplied).toBe(loadMigrations().length);
    expect(await count(`SELECT count() AS n FROM system.tables WHERE database = {db:String}`, { db: env.warehouse.database })).toBe(tablesBefore);
    expect(await count('SELECT count() AS n FROM {{db}}._migrations FINAL')).toBe(loadMigrations().length);
  });

  it('cluster mode renders local Replicated tables and Distributed fronts from the same SQL', () => {
    const statement = 'CREATE TABLE IF NOT EXISTS {{db}}.x {{on_cluster}} (id String, v DateTime) ENGINE = ReplacingMergeTree(v) ORDER BY (id, v)';
    expect(renderStatements(statement, undefined)).toEqual(['CREATE TABLE IF NOT EXISTS {{db}}.x  (id String, v DateTime) ENGINE = ReplacingMergeTree(v) ORDER BY (id, v)']);
    const [local, distributed] = renderStatements(statement, 'main');
    expect(local).toBe("CREATE TABLE IF NOT EXISTS {{db}}.x_local ON CLUSTER main (id String, v DateTime) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', v) ORDER BY (id, v)");
    expect(distributed).toBe('CREATE TABLE IF NOT EXISTS {{db}}.x ON CLUSTER main AS {{db}}.x_local ENGINE = Distributed(main, {{db}}, x_local, cityHash64(id, v))');
  });

  it('cluster mode applies an ALTER TABLE to the local tables and to the Distributed front', () => {
    const statement = "ALTER TABLE {{db}}.x {{on_cluster}} ADD COLUMN IF NOT EXISTS a String DEFAULT ''";
    expect(renderStatements(statement, undefined)).toEqual(["ALTER TABLE {{db}}.x  ADD COLUMN IF NOT EXISTS a String DEFAULT ''"]);
    expect(renderStatements(statement, 'main')).toEqual([
      "ALTER TABLE {{db}}.x_local ON CLUSTER main ADD COLUMN IF NOT EXISTS a String DEFAULT ''",
      "ALTER TABLE {{db}}.x ON CLUSTER main ADD COLUMN IF NOT EXISTS a String DEFAULT ''",
    ]);
  });

  it('every cluster-mode DDL statement is valid ClickHouse SQL (parsed by the embedded engine)', async () => {
    const rendered = loadMigrations().flatMap((m) => m.statements.flatMap((s) => renderStatements(s, 'paved_cluster'))).map((s) => env.warehouse.sql(s));
    expect(rendered.filter((s) => s.includes('ENGINE = Distributed(')).length).toBeGreaterThan(15);
    for (const statement of rendered) {
      const [row] = await env.warehouse.query('SELECT formatQuery({q:String}) AS f', { q: statement }, z.object({ f: z.string() }));
      expect(row!.f).toMatch(/^(CREATE TABLE|ALTER TABLE|DROP TABLE|EXCHANGE TABLES|INSERT INTO)/);
      if (statement.startsWith('CREATE') && statement.includes('_local ON CLUSTER')) expect(row!.f).toMatch(/ENGINE = Replicated\w*MergeTree\('\/clickhouse\/tables\/\{shard\}/);
    }
  });
});

describe('64-bit integers', () => {
  it('come back as numbers in embedded mode', async () => {
    const [row] = await env.warehouse.query('SELECT toUInt64(9007199254740991) AS big, toInt64(-5) AS small', {}, z.object({ big: z.unknown(), small: z.unknown() }));
    expect(typeof row!.big).toBe('number');
    expect(row!.small).toBe(-5);
  });
});

describe('insertColumns', () => {
  it('writes rows by column list, null included, and refuses a name that is not an identifier', async () => {
    await env.warehouse.insertColumns('t_change_set_commits', ['deployment_id', 'service', 'repo', 'sha', 'via', 'stands_in_for'], [
      { deployment_id: 'ic-d1', service: 'ic', repo: 'acme/ic', sha: 'c1', via: 'squash_pr', stands_in_for: 'm1' },
      { deployment_id: 'ic-d1', service: 'ic', repo: 'acme/ic', sha: 'c2', via: 'push_chain', stands_in_for: null },
    ]);
    const rows = await env.warehouse.query(`SELECT sha, via, stands_in_for FROM {{db}}.t_change_set_commits WHERE deployment_id = 'ic-d1' ORDER BY sha`, {}, z.object({ sha: z.string(), via: z.string(), stands_in_for: z.string().nullable() }));
    expect(rows).toEqual([{ sha: 'c1', via: 'squash_pr', stands_in_for: 'm1' }, { sha: 'c2', via: 'push_chain', stands_in_for: null }]);
    await expect(env.warehouse.insertColumns('t_change_set_commits', ['sha; DROP TABLE x' as 'sha'], [{ sha: 'x' }])).rejects.toThrow(/not a column name/);
  });
});

describe('sink', () => {
  const commit = (sha: string) => event('commit', { sha, repo: 'acme/sink', author: { login: 'a', name: null, email: null, bot: false }, authored_at: '2026-01-01T00:00:00.000Z', committed_at: '2026-01-01T00:00:00.000Z', message: 'm', parents: [], reverts_sha: null });

  it('a malformed message in the middle of a batch is dead-lettered and the rest lands', async () => {
    const good = [commit('aaaaaaa1'), commit('aaaaaaa2')].map((e) => encodeEvent(CanonicalEvent.parse(e)));
    const message = (value: string, offset: number): BusMessage => ({ topic: 'events', partition: 0, offset: String(offset), key: 'k', value, headers: {} });
    await env.sink.handleBatch([message(good[0]!.value, 0), message('{"type":"commit","not":"valid"}', 1), message(good[1]!.value, 2)], async () => {});
    await env.bus.drained();
    expect(await count(`SELECT count() AS n FROM {{db}}.commits FINAL WHERE repo = 'acme/sink'`)).toBe(2);
    const letters = await env.warehouse.query(`SELECT step, reason, value, source_offset FROM {{db}}.dead_letters FINAL WHERE source_offset = '1'`, {}, z.object({ step: z.string(), reason: z.string(), value: z.string(), source_offset: z.string() }));
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ step: 'validate', value: '{"type":"commit","not":"valid"}' });
    expect(letters[0]!.reason).toMatch(/does not match the events contract/);
  });

  it('the same event delivered twice is one row', async () => {
    await env.ingest([commit('bbbbbbb1'), commit('bbbbbbb1')]);
    expect(await count(`SELECT count() AS n FROM {{db}}.commits FINAL WHERE sha = 'bbbbbbb1'`)).toBe(1);
  });
});

describe('embedded data directory lock', () => {
  it('a second process gets a message naming the holder, never the engine\'s lock exception', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paved-lock-'));
    acquireWarehouseLock(dir, 'paved start (test)', 'http://127.0.0.1:3999');
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', `
      import('${join(import.meta.dirname, '..', 'src', 'client.ts')}').then(async ({ Warehouse }) => {
        try { await Warehouse.open({ dataDir: '${dir}' }); console.log('opened'); } catch (e) { console.log(e.name + ': ' + e.message); }
      });`], { encoding: 'utf8' });
    expect(child.stdout).toContain('WarehouseLockedError');
    expect(child.stdout).toContain(`pid ${process.pid}`);
    expect(child.stdout).toContain('paved start (test)');
    expect(readWarehouseLock(dir)).toBeNull(); // our own pid does not lock ourselves
    expect(WarehouseLockedError).toBeDefined();
  });
});

describe('data directory permissions', () => {
  it('the data directory and everything the engine writes in it are owner-only, even from a permissive umask', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'paved-perm-')), 'data');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', `
      process.umask(0o000);
      import('${join(import.meta.dirname, '..', 'src', 'client.ts')}').then(async ({ Warehouse }) => {
        const w = await Warehouse.open({ dataDir: '${dir}' });
        await w.command('CREATE DATABASE IF NOT EXISTS {{db}}');
        await w.command('CREATE TABLE IF NOT EXISTS {{db}}.perm_probe (x UInt8) ENGINE = MergeTree ORDER BY x');
        await w.command('INSERT INTO {{db}}.perm_probe VALUES (1)');
        await w.close();
        console.log('done');
      });`], { encoding: 'utf8' });
    expect(child.stdout, child.stderr).toContain('done');
    const loose: string[] = [];
    const walk = (path: string) => {
      const mode = statSync(path).mode & 0o777;
      if (mode & 0o077) loose.push(`${path} ${mode.toString(8)}`);
      if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
    };
    walk(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    // Only the top directory matters for access; everything created inside is owner-only too.
    expect(loose).toEqual([]);
    expect(readdirSync(dir).length).toBeGreaterThan(0);
  });
});
