import { createClient, ClickHouseError, ClickHouseLogLevel, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { DEFAULT_EMBEDDED_MEMORY_MB, embeddedSessionSettings, FORMAT_SETTINGS, startEmbeddedEngine } from './embedded.js';
import { acquireWarehouseLock, releaseWarehouseLock } from './lock.js';
import { ReadCache, tablesOf, type ReadCacheOptions } from './read-cache.js';

/** Re-exported so callers outside this package can classify errors by `code` without their own client dependency. */
export { ClickHouseError };

export interface WarehouseOptions {
  /** ClickHouse server URL; unset = embedded chdb in `dataDir`. */
  url?: string;
  user?: string;
  password?: string;
  /** Database holding Paved's tables (default `paved`). */
  database?: string;
  /** Embedded mode: the directory holding `clickhouse/` and the lock file. */
  dataDir?: string;
  /** Recorded in the lock file so another command can say who holds the directory. */
  command?: string;
  /** Cluster name: migrations run ON CLUSTER with replicated engines. */
  cluster?: string;
  /** Embedded mode: the engine's memory ceiling in MiB, queries and caches together (PAVED_EMBEDDED_MEMORY_MB; default 1024). */
  memoryMb?: number;
}

/** Embedded mode: connections that answer reads, besides the one that writes. */
const EMBEDDED_READERS = 2;

export type QueryParams = Record<string, unknown>;

// Both modes answer with numbers for 64-bit integers (a server quotes them by default):
// callers never see the difference. Row schemas still coerce, for values past 2^53.
/** Sent with every request to a server; an embedded session has them set once (embeddedSessionSettings). */
const SETTINGS: ClickHouseSettings = { ...FORMAT_SETTINGS };

type ClientConnection = NonNullable<Parameters<typeof createClient>[0]>['connection'];

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The one owner of ClickHouse access. Values reach SQL only as typed `{name:Type}` parameters;
 * the database name is validated as an identifier and substituted for `{{db}}`.
 */
export class Warehouse {
  private closed = false;
  private cache: ReadCache | null = null;
  /** Statements running on each reader. */
  private readonly busy: number[];

  private constructor(
    readonly client: ClickHouseClient,
    readonly database: string,
    readonly mode: 'embedded' | 'server',
    readonly cluster: string | undefined,
    private readonly dataDir: string | null,
    /**
     * Embedded mode: further connections to the same engine for SELECTs. The engine runs one
     * statement at a time per connection, so with one connection every page read waited behind the
     * sink's inserts and each transform statement (a page took 89 s during the demo load); readers
     * run beside them. (Statements with parameters still take turns across connections: chdb
     * serialises parameter binding process-wide.)
     */
    private readonly readers: ClickHouseClient[] = [],
    private readonly engine: { close(): void } | null = null,
  ) {
    this.busy = readers.map(() => 0);
  }

  static async open(options: WarehouseOptions = {}): Promise<Warehouse> {
    const database = options.database ?? 'paved';
    if (!IDENTIFIER.test(database)) throw new Error(`CLICKHOUSE_DATABASE "${database}" is not a valid identifier: use letters, digits and _`);
    if (options.url) {
      const client = createClient({
        url: options.url,
        username: options.user ?? 'default',
        password: options.password ?? '',
        // On a cluster the derived tables are Distributed: a JOIN or IN naming two of them is refused by
        // ClickHouse's default distributed_product_mode ('deny') once there is more than one shard.
        // 'global' sends the right-hand side to every shard, which is what a whole-table join means.
        clickhouse_settings: options.cluster ? { ...SETTINGS, distributed_product_mode: 'global' } : SETTINGS,
        request_timeout: 60_000,
        // Below the server's keep_alive_timeout (3 s by default), so a reused socket is never one the server closed.
        keep_alive: { enabled: true, idle_socket_ttl: 2_500 },
        max_open_connections: 10,
        // Failures surface as errors Paved describes and logs as JSON; the client's own text log would duplicate them.
        log: { level: ClickHouseLogLevel.OFF },
      });
      return new Warehouse(client, database, 'server', options.cluster, null);
    }
    const dataDir = resolve(options.dataDir ?? '.paved');
    acquireWarehouseLock(dataDir, options.command ?? process.argv.slice(1).join(' '));
    let engine: { close(): void } | null = null;
    try {
      const { createChdbConnection } = await import('chdb/connection');
      const path = resolve(dataDir, 'clickhouse');
      const memoryMb = options.memoryMb ?? DEFAULT_EMBEDDED_MEMORY_MB;
      // The engine starts with its memory bounded (embedded.ts); the connections below share it.
      engine = await startEmbeddedEngine(path, memoryMb);
      const connect = async (role: 'writer' | 'reader') => {
        // chdb/connection is typed against its own copy of client-common's Connection type.
        const connection = createChdbConnection({ path });
        await connection.chdb.queryAsync(embeddedSessionSettings(memoryMb, role), { format: 'TabSeparated' });
        return createClient({ connection: connection as unknown as ClientConnection });
      };
      const client = await connect('writer');
      const readers: ClickHouseClient[] = [];
      for (let i = 0; i < EMBEDDED_READERS; i += 1) readers.push(await connect('reader'));
      return new Warehouse(client, database, 'embedded', options.cluster, dataDir, readers, engine);
    } catch (error) {
      engine?.close();
      releaseWarehouseLock(dataDir);
      throw error;
    }
  }

  /**
   * Serves repeated reads from memory until the next write through this Warehouse (see
   * read-cache.ts). Used by the processes that answer pages and API calls.
   */
  enableReadCache(options: ReadCacheOptions): ReadCache {
    this.cache = new ReadCache(options);
    return this.cache;
  }

  /**
   * The same connections addressing another database of the same ClickHouse (for benchmarks that
   * copy Paved's tables at several sizes side by side). It has no result cache of its own until
   * one is enabled, and closing it closes nothing: the warehouse it came from owns the connections.
   */
  withDatabase(database: string): Warehouse {
    if (!IDENTIFIER.test(database)) throw new Error(`"${database}" is not a valid database name: use letters, digits and _`);
    const view = new Warehouse(this.client, database, this.mode, this.cluster, null, this.readers);
    view.closed = true;
    return view;
  }

  get readCache(): ReadCache | null {
    return this.cache;
  }

  /**
   * A value computed from reads of `tables` (`key` names the computation and its inputs), kept by
   * the result cache like their rows until one of them is written (ReadCache.derived): what is done
   * with rows happens once per data version. Without a result cache it is computed every time.
   * Every caller may get the same value: treat it as read-only.
   */
  derived<T>(key: string, tables: readonly string[], bytes: (value: T) => number, compute: () => Promise<T>): Promise<T> {
    return this.cache ? this.cache.derived(`${this.database}\u0000${key}`, tables, bytes, compute) : compute();
  }

  /** Runs a write to `tables`; cached reads of them are dropped whether it succeeded or not. */
  private async write<T>(tables: readonly string[], run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } finally {
      this.cache?.written(tables);
    }
  }

  /** Replaces `{{db}}` with the database identifier (never a value: values are parameters). */
  sql(text: string): string {
    return text.replaceAll('{{db}}', this.database);
  }

  // No per-call settings: the embedded engine applies them with SET on its one shared session, where
  // they would leak into every later query. Put query settings in the statement's SETTINGS clause.
  async command(query: string, params: QueryParams = {}): Promise<void> {
    await this.write(tablesOf(query), () => this.client.command({ query: this.sql(query), query_params: params }));
  }

  /** The connection for a read: the least busy reader (embedded), or the one client. */
  private async reading<T>(run: (client: ClickHouseClient) => Promise<T>): Promise<T> {
    if (this.readers.length === 0) return run(this.client);
    let index = 0;
    for (let i = 1; i < this.readers.length; i += 1) if (this.busy[i]! < this.busy[index]!) index = i;
    this.busy[index]! += 1;
    try {
      return await run(this.readers[index]!);
    } finally {
      this.busy[index]! -= 1;
    }
  }

  /** Runs a SELECT and validates every row with `row` (the read schema of that result). */
  async query<S extends z.ZodType>(query: string, params: QueryParams, row: S): Promise<z.infer<S>[]> {
    const load = () => this.reading(async (client) => (await client.query({ query: this.sql(query), query_params: params, format: 'JSONEachRow' })).json<unknown>());
    const rows = this.cache ? await this.cache.read(query, params, load) : await load();
    return rows.map((value, index) => {
      const parsed = row.safeParse(value);
      if (!parsed.success) throw new Error(`Row ${index} of a warehouse query did not match its schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return parsed.data;
    });
  }

  async insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    if (!IDENTIFIER.test(table)) throw new Error(`not a table name: ${table}`);
    if (rows.length === 0) return;
    await this.write(tablesOf(`{{db}}.${table}`), () => this.client.insert({ table: `${this.database}.${table}`, values: rows as Record<string, unknown>[], format: 'JSONEachRow' }));
  }

  /**
   * Inserts rows of one shape by column list (JSONCompactEachRow): about half the cost of
   * `insert` per row, for the millions of rows the transform writes from TypeScript.
   */
  async insertColumns<T extends object>(table: string, columns: readonly (keyof T & string)[], rows: readonly T[]): Promise<void> {
    if (!IDENTIFIER.test(table)) throw new Error(`not a table name: ${table}`);
    for (const column of columns) if (!IDENTIFIER.test(column)) throw new Error(`not a column name: ${column}`);
    if (rows.length === 0) return;
    await this.write(tablesOf(`{{db}}.${table}`), () => this.client.insert({ table: `${this.database}.${table}`, values: rows.map((row) => columns.map((column) => row[column])), format: 'JSONCompactEachRow', columns: [...columns] as unknown as [string, ...string[]] }));
  }

  async ping(): Promise<{ ok: boolean; detail: string }> {
    try {
      // A reader: the health check answers while the writer runs a long statement.
      const result = await this.reading((client) => client.ping());
      if (result.success) return { ok: true, detail: `${this.mode} ClickHouse answers` };
      return { ok: false, detail: describeWarehouseError(result.error) };
    } catch (error) {
      return { ok: false, detail: describeWarehouseError(error) };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const reader of this.readers) await reader.close();
    await this.client.close();
    this.engine?.close();
    if (this.dataDir) releaseWarehouseLock(this.dataDir);
  }
}

/**
 * A ClickHouse server error, also when it comes from chdb: the embedded client is built on its own
 * copy of @clickhouse/client-common, whose ClickHouseError is another class with the same shape.
 */
function clickHouseErrorOf(error: unknown): ClickHouseError | null {
  if (error instanceof ClickHouseError) return error;
  if (error instanceof Error && error.constructor.name === 'ClickHouseError' && typeof (error as { code?: unknown }).code === 'string') return error as ClickHouseError;
  return null;
}

/** One line saying what failed, classified by ClickHouse error code or network errno, never the raw stack. */
export function describeWarehouseError(error: unknown): string {
  const server = clickHouseErrorOf(error);
  if (server) return `ClickHouse error ${server.code} (${server.type ?? 'unknown'}): ${server.message.split('\n')[0]}`;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNREFUSED') return 'ClickHouse refused the connection: is the server running at CLICKHOUSE_URL?';
  if (code === 'ENOTFOUND') return 'ClickHouse host not found: check CLICKHOUSE_URL';
  if (code === 'ETIMEDOUT' || code === 'ECONNRESET') return `ClickHouse connection failed (${code})`;
  return error instanceof Error ? error.message.split('\n')[0] ?? 'unknown error' : String(error);
}

/** True for errors worth retrying (server down, timeouts, a full disk), false for a bad query or bad data. */
export function isTransientWarehouseError(error: unknown): boolean {
  const server = clickHouseErrorOf(error);
  if (server) {
    // TIMEOUT_EXCEEDED, TOO_MANY_SIMULTANEOUS_QUERIES, MEMORY_LIMIT_EXCEEDED, NETWORK_ERROR, SOCKET_TIMEOUT, TABLE_IS_READ_ONLY, KEEPER_EXCEPTION,
    // NOT_ENOUGH_SPACE (a full disk: the sink holds its batch until space returns instead of dead-lettering it)
    return [159, 202, 241, 210, 209, 242, 999, 425, 243].includes(Number(server.code));
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET'].includes(code ?? '') || (error instanceof Error && /timeout|socket hang up/i.test(error.message));
}
