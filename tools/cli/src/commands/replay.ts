import type { EventSource } from '@paved/schemas';
import { loadConfig } from '@paved/runtime';
import { migrate } from '@paved/warehouse';
import { replayRawDeliveries, Sink } from '@paved/pipeline';
import { progress } from '../progress.js';
import { createBus, normaliseContextOf, openWarehouse } from '../setup.js';
import { afterIngest } from './backfill.js';

/**
 * `paved replay`: the raw archive through the current normalisers and mapping, then the transform.
 * Like backfill it writes to the warehouse itself, so it stops with the WarehouseLockedError
 * message (exit 3) while `paved start` holds the embedded warehouse.
 */
export async function replayCommand(options: { from?: string; source?: EventSource }): Promise<void> {
  const { config, env } = loadConfig();
  const warehouse = await openWarehouse(env, config, 'paved replay');
  const bus = await createBus(env, config);
  const sink = bus.kind === 'in-process' ? new Sink(warehouse, bus, { log: () => {} }) : null;
  try {
    await migrate(warehouse);
    await sink?.start();
    const bar = progress(`replay${options.source ? ` ${options.source}` : ''}${options.from ? ` from ${options.from}` : ''}`, 1);
    const report = await replayRawDeliveries(warehouse, bus, normaliseContextOf(config), { from: options.from ?? null, source: options.source ?? null }, (done, total) => {
      bar.setTotal(Math.max(1, total));
      bar.update(done, 'deliveries');
    });
    bar.stop(
      `replayed ${report.deliveries} deliveries in ${Math.round(report.ms / 1000)} s → ${report.events} events `
      + `(${report.ok} ok, ${report.ignored} ignored, ${report.deadLettered} dead-lettered; ${report.changedOutcome} changed outcome since they arrived)`,
    );
    await afterIngest(warehouse, bus, config);
  } finally {
    await sink?.stop();
    await bus.close();
    await warehouse.close();
  }
}
