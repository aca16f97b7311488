import { totalmem } from 'node:os';
import { resolve } from 'node:path';
import { acquireWarehouseLock, releaseWarehouseLock } from './lock.js';

/** What the engine returns for one statement: the output bytes in the requested format, and what it read. */
export interface EngineResult {
  bytes: Uint8Array;
  rowsRead: number;
  bytesRead: number;
  elapsedSeconds: number;
}

type ChdbConnection = ReturnType<(typeof import('chdb/connection'))['createChdbConnection']>;

/**
 * The engine's memory ceiling when PAVED_EMBEDDED_MEMORY_MB is not set: a quarter of the machine's
 * memory, at least 1 GiB and at most 8 GiB. A fixed 1 GiB made the full rebuild of a large history
 * fail with MEMORY_LIMIT_EXCEEDED; the ceiling is room for large statements, while the caches (what
 * the process holds between statements) stay sized as for 1 GiB whatever the ceiling.
 */
export function defaultEmbeddedMemoryMb(machineBytes = totalmem()): number {
  return Math.min(8192, Math.max(1024, Math.floor(machineBytes / 4 / 1024 / 1024)));
}
export const DEFAULT_EMBEDDED_MEMORY_MB = defaultEmbeddedMemoryMb();
/** The ceiling the caches are sized from (an eighth of it for marks, and less for the rest). */
const CACHE_BASE_MB = 1024;

/**
 * Server settings that bound the embedded engine's memory, given when it starts (they are not
 * query settings, so no SET could change them later). ClickHouse's defaults are sized for a
 * server that owns its machine: up to 90 % of RAM for queries and caches, a 5 GiB mark cache, 5 GiB
 * for skip-index marks. In `paved start` the engine shares its process with Node.js and the
 * dashboard, so they are bounded to `memoryMb` (queries and caches together; a query that would
 * pass it fails with MEMORY_LIMIT_EXCEEDED instead of growing the process) and small caches.
 * docs/operations.md ("Memory") lists them.
 */
export function embeddedEngineArgs(memoryMb: number = DEFAULT_EMBEDDED_MEMORY_MB): string[] {
  const mb = (n: number) => String(Math.round(n) * 1024 * 1024);
  const cacheBase = Math.min(memoryMb, CACHE_BASE_MB);
  return [
    `--max_server_memory_usage=${mb(memoryMb)}`,
    // Marks of the columns read (the largest cache at scale): an eighth of the ceiling (up to 1 GiB of it), so 128 MiB at most.
    `--mark_cache_size=${mb(Math.min(256, cacheBase / 8))}`,
    `--index_mark_cache_size=${mb(Math.min(64, cacheBase / 16))}`,
    `--primary_index_cache_size=${mb(Math.min(64, cacheBase / 16))}`,
    '--uncompressed_cache_size=0',
    '--index_uncompressed_cache_size=0',
    `--query_condition_cache_size=${mb(Math.min(32, cacheBase / 32))}`,
    `--compiled_expression_cache_size=${mb(Math.min(32, cacheBase / 32))}`,
  ];
}

/**
 * How Paved reads and writes values, on every connection: 64-bit integers as JSON numbers, DateTime
 * text in any ISO form, DateTime out as ISO. A server gets them with each request (client.ts); an
 * embedded session once, in embeddedSessionSettings.
 */
export const FORMAT_SETTINGS = {
  output_format_json_quote_64bit_integers: 0,
  date_time_input_format: 'best_effort',
  date_time_output_format: 'iso',
} as const;

/**
 * Query settings for each embedded session (applied once with SET when the session opens): one
 * query may use most of the ceiling, and GROUP BY and ORDER BY spill to disk (under the data
 * directory's tmp/) at half of it instead of failing; and FORMAT_SETTINGS, which the client would
 * otherwise prefix to every statement as three SETs (about 0.5 ms each time in chdb).
 *
 * The writer (the sink's inserts and the transform's statements) also joins with grace hash where
 * the join allows it (INNER/LEFT/RIGHT/FULL, ALL/ANY): a join whose right side passes an eighth of
 * the ceiling is split into buckets on disk instead of growing in memory (an eighth: the t_changes
 * statement holds several joins at once; with a quarter it still failed). The full rebuild of the
 * large proxy (9.4 M entity rows) then completes with a 2 GiB ceiling, where that statement failed
 * with MEMORY_LIMIT_EXCEEDED, and writes the same rows. Other joins (the failure links' ASOF) stay
 * hash joins, bounded by the same eighth (their right side, the production deployments, is about
 * 80 MB at that scale).
 * Readers keep ClickHouse's defaults: their joins are small, and parallel hash is faster there.
 */
export function embeddedSessionSettings(memoryMb: number = DEFAULT_EMBEDDED_MEMORY_MB, role: 'writer' | 'reader' = 'reader'): string {
  const bytes = Math.round(memoryMb * 0.8) * 1024 * 1024;
  const formats = Object.entries(FORMAT_SETTINGS).map(([name, value]) => `${name} = ${typeof value === 'number' ? value : `'${value}'`}`);
  const joins = role === 'writer' ? [`join_algorithm = 'grace_hash,parallel_hash,hash'`, `max_bytes_in_join = ${Math.round(memoryMb / 8) * 1024 * 1024}`] : [];
  return `SET ${[`max_memory_usage = ${bytes}`, 'max_bytes_ratio_before_external_group_by = 0.5', 'max_bytes_ratio_before_external_sort = 0.5', ...formats, ...joins].join(', ')}`;
}

type ChdbSession = InstanceType<(typeof import('chdb'))['Session']>;

/**
 * Starts the embedded engine on `path` with the memory bounds above and returns the session that
 * holds it: connections opened on the same path afterwards (createChdbConnection) share this
 * engine and its settings. Close it after them.
 */
export async function startEmbeddedEngine(path: string, memoryMb: number): Promise<ChdbSession> {
  const { Session } = await import('chdb');
  return new Session(path, { connectionArgs: embeddedEngineArgs(memoryMb) });
}

/**
 * The embedded ClickHouse engine without a client on top, for a process that serves it to
 * others (the ClickHouse stand-in in tools/cli/test/support). It holds the data directory's lock like `Warehouse.open`
 * does, so no other Paved command opens the same directory while it runs.
 */
export class EmbeddedEngine {
  private closed = false;

  private constructor(private readonly connection: ChdbConnection, private readonly engine: ChdbSession, readonly dataDir: string, readonly version: string) {}

  static async open(options: { dataDir: string; command: string; memoryMb?: number }): Promise<EmbeddedEngine> {
    const dataDir = resolve(options.dataDir);
    acquireWarehouseLock(dataDir, options.command);
    try {
      const { createChdbConnection } = await import('chdb/connection');
      // Same directory layout as Warehouse.open, so `paved start` and the test stand-in share data.
      const path = resolve(dataDir, 'clickhouse');
      const engine = await startEmbeddedEngine(path, options.memoryMb ?? DEFAULT_EMBEDDED_MEMORY_MB);
      const connection = createChdbConnection({ path });
      await connection.chdb.queryAsync(embeddedSessionSettings(options.memoryMb), { format: 'TabSeparated' });
      const version = (await connection.chdb.queryAsync('SELECT version()', { format: 'TabSeparated' })).text().trim();
      return new EmbeddedEngine(connection, engine, dataDir, version);
    } catch (error) {
      releaseWarehouseLock(dataDir);
      throw error;
    }
  }

  /** Runs SQL text (statements separated by `;`); `format` applies where the last statement names none. */
  async run(sql: string, format: string): Promise<EngineResult> {
    if (this.closed) throw new Error('the embedded engine is closed');
    const result = await this.connection.chdb.queryAsync(sql, { format });
    return { bytes: result.bytes(), rowsRead: result.rowsRead, bytesRead: result.bytesRead, elapsedSeconds: result.elapsed };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.close();
    this.engine.close();
    releaseWarehouseLock(this.dataDir);
  }
}
