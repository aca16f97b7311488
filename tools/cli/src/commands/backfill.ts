import { type BackfillCollect, type BackfillCommand, type Bus, createLogger, type CursorStore, emptyCursor, type InProcessBus, type Logger } from '@paved/ingest';
import type { PavedConfig, PavedEnv } from '@paved/schemas';
import { loadConfig } from '@paved/runtime';
import { metricSettingsOf, runTransform } from '@paved/transform';
import { migrate, type Warehouse } from '@paved/warehouse';
import { Sink, WarehouseCursorStore } from '@paved/pipeline';
import { progress } from '../progress.js';
import { createBus, normaliseContextOf, openWarehouse } from '../setup.js';

/** What every `paved backfill <source>` hands its collect step: where deliveries go and where cursors live. */
export interface BackfillRun {
  warehouse: Warehouse;
  bus: Bus;
  cursors: CursorStore;
  /** Aborted on Ctrl-C: the collect step stops between requests and the run can be resumed. */
  signal: AbortSignal;
  log: Logger;
}

/**
 * The wiring every `paved backfill <source>` shares: it writes to the warehouse itself (so while
 * `paved start` holds the embedded warehouse it stops with the WarehouseLockedError message, exit 3),
 * keeps its cursors there, stops cleanly on Ctrl-C (exit 130, resumable) and recomputes the metrics
 * when done. `collect` returns the number of requests made when it was stopped, or null when it finished.
 */
export async function runBackfill(source: string, config: PavedConfig, env: PavedEnv, full: boolean, collect: (run: BackfillRun) => Promise<{ stoppedAfter: number } | null>): Promise<void> {
  const warehouse = await openWarehouse(env, config, `paved backfill ${source}`);
  const bus = await createBus(env, config);
  const sink = bus.kind === 'in-process' ? new Sink(warehouse, bus, { log: () => {} }) : null;
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  const log = createLogger('backfill', { write: (line) => process.stderr.write(`${line}\n`) });
  try {
    await migrate(warehouse);
    await sink?.start();
    const stopped = await collect({ warehouse, bus, cursors: cursorStore(warehouse, bus, full), signal: controller.signal, log });
    if (stopped) {
      process.stderr.write(`stopped after ${stopped.stoppedAfter} requests; run the same command again to go on where it stopped\n`);
      await drain(bus);
      process.exitCode = 130;
      return;
    }
    await afterIngest(warehouse, bus, config);
  } finally {
    process.off('SIGINT', stop);
    await sink?.stop();
    await bus.close();
    await warehouse.close();
  }
}

/**
 * `paved backfill <source>`, for every source plugin that declares a backfill command (main.ts
 * builds the subcommands from the registrations): the plugin checks its options and settings,
 * then its collect step runs with what runBackfill opens.
 */
export async function backfillCommand(source: string, command: BackfillCommand, options: Record<string, unknown>): Promise<void> {
  const { config, env } = loadConfig();
  const collect: BackfillCollect = command.prepare(options, { config, env });
  const context = normaliseContextOf(config);
  await runBackfill(source, config, env, options.full === true, (run) => collect({
    ...run, context, progress: (label, total) => progress(label, total),
    stdout: (text) => { if (text) process.stdout.write(text); },
    stderr: (text) => { if (text) process.stderr.write(text); },
  }));
}

/**
 * Cursors live in the warehouse. With the in-process bus, events wait in memory until the sink
 * inserted them: a cursor moves only after the bus drained, so a crash never skips what was fetched.
 */
export function cursorStore(warehouse: Warehouse, bus: Bus, full: boolean): CursorStore {
  const store = new WarehouseCursorStore(warehouse, () => drain(bus));
  if (!full) return store;
  return { load: async () => emptyCursor(), save: (key, cursor) => store.save(key, cursor) };
}

export async function drain(bus: Bus): Promise<void> {
  if (bus.kind === 'in-process') await (bus as InProcessBus).drained(3_600_000);
}

/** In-process: wait for the sink, then recompute the metrics. Kafka: `paved sink` inserts and the schedule recomputes. */
export async function afterIngest(warehouse: Warehouse, bus: Bus, config: PavedConfig): Promise<void> {
  if (bus.kind !== 'in-process') {
    process.stderr.write('published to Kafka: `paved sink` inserts the events and the scheduled transform picks them up\n');
    return;
  }
  await drain(bus);
  const bar = progress('transform', 0);
  const report = await runTransform(warehouse, metricSettingsOf(config), (label, index, total) => {
    bar.setTotal(total);
    bar.update(index, label);
  });
  bar.stop(`transform finished in ${report.totalMs} ms`);
}
