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
 * The embedded ClickHouse engine without a client on top, for a process that serves it to
 * others (the ClickHouse stand-in in tools/cli/test/support). It holds the data directory's lock like `Warehouse.open`
 * does, so no other Paved command opens the same directory while it runs.
 */
export class EmbeddedEngine {
  private closed = false;

  private constructor(private readonly connection: ChdbConnection, readonly dataDir: string, readonly version: string) {}

  static async open(options: { dataDir: string; command: string }): Promise<EmbeddedEngine> {
    const dataDir = resolve(options.dataDir);
    acquireWarehouseLock(dataDir, options.command);
    try {
      const { createChdbConnection } = await import('chdb/connection');
      // Same directory layout as Warehouse.open, so `paved start` and the test stand-in share data.
      const connection = createChdbConnection({ path: resolve(dataDir, 'clickhouse') });
      const version = (await connection.chdb.queryAsync('SELECT version()', { format: 'TabSeparated' })).text().trim();
      return new EmbeddedEngine(connection, dataDir, version);
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
    releaseWarehouseLock(this.dataDir);
  }
}
