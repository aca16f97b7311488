import { InProcessBus, loadDemo } from '@paved/ingest';
import { loadConfig } from '@paved/runtime';
import { metricSettingsOf, runTransform } from '@paved/transform';
import { migrate } from '@paved/warehouse';
import { Sink } from '@paved/pipeline';
import { progress } from '../progress.js';
import { normaliseContextOf, openWarehouse, withDemoDefaults } from '../setup.js';

/** `paved demo`: the demo organisation through the ingestion path into the warehouse, then the transform. */
export async function demo(options: { scale: 'small' | 'medium' | 'large'; seed: number }): Promise<void> {
  const { config, env } = loadConfig();
  const warehouse = await openWarehouse(env, config, 'paved demo');
  const bus = new InProcessBus();
  const sink = new Sink(warehouse, bus, { log: () => {} });
  try {
    await migrate(warehouse);
    await sink.start();
    const bar = progress(`demo (${options.scale}, seed ${options.seed})`, 1);
    const report = await loadDemo(bus, options, normaliseContextOf(config), (done, total) => {
      bar.setTotal(total);
      bar.update(done, 'deliveries');
    });
    await bus.drained(3_600_000);
    bar.stop(`loaded ${report.deliveries} deliveries and ${report.directEvents} catalog/adoption/survey events in ${Math.round(report.ms / 1000)} s (${report.deadLettered} dead-lettered)`);
    const transformBar = progress('transform', 0);
    const transform = await runTransform(warehouse, metricSettingsOf(withDemoDefaults(config)), (label, index, total) => {
      transformBar.setTotal(total);
      transformBar.update(index, label);
    });
    transformBar.stop(`transform finished in ${transform.totalMs} ms`);
  } finally {
    await sink.stop();
    await bus.close();
    await warehouse.close();
  }
}
