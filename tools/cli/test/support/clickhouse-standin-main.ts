/**
 * Runs the ClickHouse stand-in as its own process, so tests can kill it for a real outage:
 * `node --import tsx clickhouse-standin-main.ts --port N [--host H]` (data in PAVED_DATA_DIR).
 */
import { warehouseServe } from './clickhouse-standin.js';

const option = (name: string) => {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
};
const port = Number(option('--port') ?? 8123);
if (!Number.isInteger(port)) throw new Error('--port must be a whole number');
await warehouseServe({ port, host: option('--host') ?? '127.0.0.1' });
