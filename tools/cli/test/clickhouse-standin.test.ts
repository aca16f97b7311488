// The ClickHouse stand-in (test support): the embedded engine behind the ClickHouse HTTP interface, checked with
// the real @clickhouse/client through Warehouse (url mode), as the sink and dashboard use it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ClickHouseError, describeWarehouseError, EmbeddedEngine, isTransientWarehouseError, migrate, Warehouse } from '@paved/warehouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { freePort } from '../../../scripts/loopback.js';
import { shapeOf, startWarehouseServer } from './support/clickhouse-standin.js';

const STANDIN = join(import.meta.dirname, 'support', 'clickhouse-standin-main.ts');
const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

async function until<T>(what: string, probe: () => Promise<T | null>, timeoutMs: number, output = () => '', child?: ChildProcess): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`the process exited (${child.exitCode}) while waiting for ${what}\n${output().slice(-3000)}`);
    const value = await probe().catch(() => null);
    if (value !== null) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}\n${output().slice(-3000)}`);
}

/** This process's environment without the settings that would point the child at another ClickHouse. */
function withoutClickHouseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['CLICKHOUSE_URL', 'CLICKHOUSE_USER', 'CLICKHOUSE_PASSWORD', 'CLICKHOUSE_DATABASE']) delete env[name];
  return env;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('shapeOf', () => {
  it('finds the statement kind, its FORMAT and where inline INSERT data starts, ignoring literals and comments', () => {
    expect(shapeOf("SELECT 'FORMAT CSV; x' -- FORMAT TSV\nFROM t FORMAT JSONEachRow")).toMatchObject({ kind: 'SELECT', format: 'JSONEachRow', multiStatement: false });
    const insert = 'INSERT INTO db.t (a, format) FORMAT JSONEachRow\n{"a":"x; SELECT 1"}';
    expect(shapeOf(insert)).toMatchObject({ kind: 'INSERT', format: 'JSONEachRow', multiStatement: false });
    expect(insert.slice(shapeOf(insert).dataStart)).toBe('\n{"a":"x; SELECT 1"}');
    expect(shapeOf('SELECT 1; ').multiStatement).toBe(false);
    expect(shapeOf('SELECT 1; DROP TABLE t').multiStatement).toBe(true);
  });
});

describe('the HTTP interface (in process)', () => {
  let engine: EmbeddedEngine;
  let server: Awaited<ReturnType<typeof startWarehouseServer>>;
  const sql = async (query: string, init: { search?: Record<string, string>; method?: string; headers?: Record<string, string>; body?: string } = {}) => {
    const url = new URL(server.url);
    for (const [name, value] of Object.entries({ ...(init.method === 'GET' ? { query } : {}), ...init.search })) url.searchParams.set(name, value);
    const response = await fetch(url, { method: init.method ?? 'POST', headers: { authorization: `Basic ${Buffer.from('paved:s3cret').toString('base64')}`, ...init.headers }, body: init.method === 'GET' ? undefined : init.body ?? query });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };

  beforeAll(async () => {
    engine = await EmbeddedEngine.open({ dataDir: tempDir('paved-shim-'), command: 'vitest' });
    server = await startWarehouseServer(engine, { host: '127.0.0.1', port: 0, credentials: { user: 'paved', password: 's3cret' } });
  });
  afterAll(async () => server?.close());

  it('answers /ping without credentials and refuses a query with the wrong password (516, 403)', async () => {
    expect(await (await fetch(`${server.url}/ping`)).text()).toBe('Ok.\n');
    const refused = await sql('SELECT 1', { headers: { authorization: `Basic ${Buffer.from('paved:wrong').toString('base64')}` } });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('x-clickhouse-exception-code')).toBe('516');
    expect(refused.text).toMatch(/^Code: 516\. DB::Exception: paved: Authentication failed/);
  });

  it('quotes 64-bit integers by default, as a server does, and honours the setting on the URL', async () => {
    expect((await sql('SELECT toUInt64(7) AS n FORMAT JSONEachRow')).text).toBe('{"n":"7"}\n');
    expect((await sql('SELECT toUInt64(7) AS n FORMAT JSONEachRow', { search: { output_format_json_quote_64bit_integers: '0' } })).text).toBe('{"n":7}\n');
  });

  it('applies URL settings to their own request only', async () => {
    const iso = await sql("SELECT toDateTime64('2026-01-02 03:04:05', 3, 'UTC') AS t FORMAT JSONEachRow", { search: { date_time_output_format: 'iso' } });
    expect(iso.text).toBe('{"t":"2026-01-02T03:04:05.000Z"}\n');
    const plain = await sql("SELECT toDateTime64('2026-01-02 03:04:05', 3, 'UTC') AS t FORMAT JSONEachRow");
    expect(plain.text).toBe('{"t":"2026-01-02 03:04:05.000"}\n');
  });

  it('uses default_format, sets the X-ClickHouse headers and gzips when asked', async () => {
    const response = await sql('SELECT 1 AS one', { search: { default_format: 'JSONEachRow', query_id: 'q-1', enable_http_compression: '1' }, headers: { 'accept-encoding': 'gzip' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-clickhouse-query-id')).toBe('q-1');
    expect(response.headers.get('x-clickhouse-format')).toBe('JSONEachRow');
    expect(JSON.parse(response.headers.get('x-clickhouse-summary') ?? '{}')).toMatchObject({ read_rows: '1', result_rows: '1' });
    expect(response.text).toBe('{"one":1}\n');
  });

  it('gzips the response when enable_http_compression=1 and the client accepts gzip', async () => {
    const url = `${server.url}/?enable_http_compression=1&query=${encodeURIComponent('SELECT 2 AS two FORMAT JSONEachRow')}`;
    const raw = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      get(url, { headers: { authorization: `Basic ${Buffer.from('paved:s3cret').toString('base64')}`, 'accept-encoding': 'gzip' } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ encoding: response.headers['content-encoding'], body: Buffer.concat(chunks) }));
      }).on('error', reject);
    });
    expect(raw.encoding).toBe('gzip');
    expect(gunzipSync(raw.body).toString()).toBe('{"two":2}\n');
  });

  it('treats GET as readonly and refuses multi-statements', async () => {
    const get = await sql('CREATE TABLE t (a UInt8) ENGINE = Memory', { method: 'GET' });
    expect(get.headers.get('x-clickhouse-exception-code')).toBe('164');
    const multi = await sql('SELECT 1; SELECT 2');
    expect(multi.status).toBe(400);
    expect(multi.text).toMatch(/^Code: 62\. DB::Exception: Multi-statements are not allowed\. \(SYNTAX_ERROR\)/);
  });

  it('concatenates the query parameter, a newline and the body, as a server does for inserts', async () => {
    await sql('CREATE TABLE default.lines (id UInt32, s String) ENGINE = MergeTree ORDER BY id');
    const insert = await sql('', { search: { query: 'INSERT INTO default.lines FORMAT JSONEachRow' }, body: '{"id":1,"s":"a; b"}\n{"id":2,"s":"c"}\n' });
    expect(insert.status).toBe(200);
    expect(JSON.parse(insert.headers.get('x-clickhouse-summary') ?? '{}')).toMatchObject({ written_rows: '2' });
    expect((await sql('SELECT count() AS n FROM lines FORMAT JSONEachRow', { search: { database: 'default' } })).text).toBe('{"n":"2"}\n');
  });
});

describe('the ClickHouse stand-in (a process, through Warehouse in url mode)', () => {
  let child: ChildProcess;
  let output = '';
  let url: string;
  let warehouse: Warehouse;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['--import', 'tsx', STANDIN, '--port', String(port)], {
      env: { ...withoutClickHouseEnv(), PAVED_DATA_DIR: tempDir('paved-serve-'), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    await until('the warehouse server to answer /ping', async () => ((await fetch(`${url}/ping`)).ok ? true : null), 60_000, () => output, child);
    warehouse = await Warehouse.open({ url, database: 'paved_shim' });
  });
  afterAll(async () => {
    await warehouse?.close();
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('runs the migrations, idempotently', async () => {
    const first = await migrate(warehouse);
    expect(first.applied.length).toBeGreaterThan(0);
    const second = await migrate(warehouse);
    expect(second.applied).toEqual([]);
  });

  it('inserts rows and answers a query with typed parameters, 64-bit counts as numbers', async () => {
    const commit = (sha: string, message: string) => ({
      repo: 'acme/shim', sha, author_login: 'a', author_name: null, author_email: null, author_bot: false, authored_at: '2026-01-01T00:00:00.000Z',
      committed_at: '2026-01-01T00:00:00.000Z', message, parents: [], reverts_sha: null, event_id: `e-${sha}`,
    });
    await warehouse.insert('commits', [commit('aaaaaaa1', "it's \\ a\ttab"), commit('aaaaaaa2', 'two'), commit('aaaaaaa3', 'three')]);
    const rows = await warehouse.query(
      'SELECT sha, message, count() OVER () AS total FROM {{db}}.commits FINAL WHERE repo = {repo:String} AND sha IN {shas:Array(String)} ORDER BY sha',
      { repo: 'acme/shim', shas: ['aaaaaaa1', 'aaaaaaa3'] },
      z.object({ sha: z.string(), message: z.string(), total: z.number() }),
    );
    expect(rows).toEqual([{ sha: 'aaaaaaa1', message: "it's \\ a\ttab", total: 2 }, { sha: 'aaaaaaa3', message: 'three', total: 2 }]);
  });

  it('a bad query raises ClickHouseError with the server code and type', async () => {
    const error = await warehouse.query('SELECT * FROM {{db}}.no_such_table', {}, z.unknown()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClickHouseError);
    expect(error).toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' });
    expect(describeWarehouseError(error)).toMatch(/^ClickHouse error 60 \(UNKNOWN_TABLE\)/);
    expect(isTransientWarehouseError(error)).toBe(false);
    const syntax = await warehouse.command('SELEC 1').catch((e: unknown) => e);
    expect(syntax).toMatchObject({ code: '62', type: 'SYNTAX_ERROR' });
  });

  it('a client that sends no settings sees 64-bit integers quoted, as from a real server', async () => {
    const response = await fetch(`${url}/?default_format=JSONEachRow`, { method: 'POST', body: 'SELECT toUInt64(42) AS n' });
    expect(await response.text()).toBe('{"n":"42"}\n');
  });

  it('stops on SIGTERM, after which ping fails clearly and an insert fails as transient', async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const ping = await warehouse.ping();
    expect(ping.ok).toBe(false);
    expect(ping.detail).toBe('ClickHouse refused the connection: is the server running at CLICKHOUSE_URL?');
    const insert = await warehouse.insert('commits', [{ repo: 'x', sha: 'bbbbbbb1' }]).catch((e: unknown) => e);
    expect(isTransientWarehouseError(insert)).toBe(true);
  });
});
