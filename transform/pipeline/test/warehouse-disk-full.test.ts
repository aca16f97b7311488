import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRaw, InProcessBus } from '@paved/ingest';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Sink } from '../src/sink.js';
import { migrate, Warehouse } from '@paved/warehouse';

/*
 * The embedded warehouse on a disk that fills up (a tmpfs; root only): ClickHouse answers
 * NOT_ENOUGH_SPACE (243), which the sink must treat as "wait and retry", not as a poison row to
 * dead-letter (dead letters cannot be inserted either, and would be lost). Once space returns,
 * everything acknowledged is inserted, once.
 */
function mountTmpfs(size: string): string | null {
  if (process.getuid?.() !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), 'paved-warehouse-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
}

const dir = mountTmpfs('48m');
if (!dir) console.warn('warehouse-disk-full: SKIPPED — mounting a tmpfs needs root');
afterAll(() => {
  if (!dir) return;
  execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!dir)('the sink while the warehouse disk is full (tmpfs, root)', () => {
  it('holds its batch and retries (no dead letters), then inserts everything once space returns', async () => {
    const warehouse = await Warehouse.open({ dataDir: dir!, command: 'vitest' });
    await migrate(warehouse);
    const filler = openSync(join(dir!, 'filler'), 'w');
    for (const size of [1024 * 1024, 4096]) {
      try {
        for (;;) writeSync(filler, Buffer.alloc(size, 1));
      } catch {
        // full
      }
    }
    closeSync(filler);
    const bus = new InProcessBus();
    const logged: Record<string, unknown>[] = [];
    const sink = new Sink(warehouse, bus, { maxBatchWaitMs: 0, log: (entry) => logged.push(entry) });
    await sink.start();
    await bus.publish(Array.from({ length: 5 }, (_, i) => encodeRaw({
      source: 'github', delivery_id: `full-${i}`, event: 'ping', received_at: '2026-03-02T10:00:00.000Z', payload: 'p'.repeat(50_000), outcome: 'ignored', reason: '',
    })));
    await expect.poll(() => sink.stats.warehouseDown, { timeout: 10_000 }).toBe(true);
    expect(sink.stats.lastError).toMatch(/ClickHouse error 243 \(NOT_ENOUGH_SPACE\)/);
    expect(sink.stats.deadLettered).toBe(0);

    execFileSync('mount', ['-o', 'remount,size=256m', dir!]);
    await bus.drained(30_000);
    const rows = await warehouse.query("SELECT delivery_id FROM {{db}}.raw_deliveries FINAL WHERE delivery_id LIKE 'full-%' ORDER BY delivery_id", {}, z.object({ delivery_id: z.string() }));
    expect(rows.map((r) => r.delivery_id)).toEqual(['full-0', 'full-1', 'full-2', 'full-3', 'full-4']);
    const [letters] = await warehouse.query('SELECT count() AS n FROM {{db}}.dead_letters', {}, z.object({ n: z.coerce.number() }));
    expect(letters!.n).toBe(0);
    expect(logged.some((entry) => entry.msg === 'warehouse is back; sink resumes')).toBe(true);
    await sink.stop();
    await bus.close();
    await warehouse.close();
  }, 60_000);
});
