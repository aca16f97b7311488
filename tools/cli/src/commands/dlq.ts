import { InProcessBus } from '@paved/ingest';
import { loadConfig } from '@paved/runtime';
import { migrate } from '@paved/warehouse';
import { replayDeadLetters, Sink } from '@paved/pipeline';
import { progress } from '../progress.js';
import { createBus, normaliseContextOf, openWarehouse, runningServer } from '../setup.js';

/**
 * `paved dlq replay`: re-drives dead letters onto the bus. With Kafka the running sinks pick them
 * up; without it this command runs a sink itself until the re-driven messages are in the warehouse.
 */
export async function dlqReplay(options: { limit: number }): Promise<void> {
  const { config, env } = loadConfig();
  const server = runningServer(env);
  if (server && !env.KAFKA_BROKERS) {
    throw new Error(`a running \`paved start\` (pid ${server.pid}) holds the warehouse and its in-process bus: stop it to replay dead letters, or run Paved with Kafka (KAFKA_BROKERS)`);
  }
  const warehouse = await openWarehouse(env, config, 'paved dlq replay');
  const bus = await createBus(env, config);
  const sink = bus instanceof InProcessBus ? new Sink(warehouse, bus, { maxBatchWaitMs: 0, log: () => {} }) : null;
  try {
    if (sink) {
      await migrate(warehouse);
      await sink.start();
    }
    const bar = progress('replaying dead letters', 0);
    const report = await replayDeadLetters(warehouse, bus, { limit: options.limit, context: normaliseContextOf(config) }, (p) => {
      bar.setTotal(p.total);
      bar.update(p.done, `${p.replayed} replayed, ${p.skipped} skipped, ${p.stillFailing} still failing`);
    });
    if (bus instanceof InProcessBus) await bus.drained();
    bar.stop(`replayed ${report.replayed} of ${report.total} dead letter(s) (${report.published} message(s) published); ${report.skipped} skipped, ${report.stillFailing} still failing`);
    for (const problem of report.problems) process.stderr.write(`  ${problem.id} [${problem.step}]: ${problem.reason}\n`);
  } finally {
    await sink?.stop();
    await bus.close();
    await warehouse.close();
  }
}
