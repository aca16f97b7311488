import { loadConfig } from '@paved/runtime';
import { metricSettingsOf, runTransform } from '@paved/transform';
import { migrate } from '@paved/warehouse';
import { progress } from '../progress.js';
import { callServer } from '../remote.js';
import { openWarehouse, runningServer } from '../setup.js';

export async function transformRun(): Promise<void> {
  const { config, env } = loadConfig();
  const server = runningServer(env);
  if (server) {
    process.stderr.write(`paved start (pid ${server.pid}) holds the warehouse: running the transform through it\n`);
    const report = await callServer(server, 'POST', '/api/admin/transform');
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const warehouse = await openWarehouse(env, config, 'paved transform run');
  try {
    await migrate(warehouse);
    const bar = progress('transform', 0);
    const report = await runTransform(warehouse, metricSettingsOf(config), (label, index, total) => {
      bar.setTotal(total);
      bar.update(index, label);
    });
    bar.stop(`transform finished in ${report.totalMs} ms: ${report.steps.map((s) => `${s.label} ${s.ms} ms`).join(', ')}`);
  } finally {
    await warehouse.close();
  }
}
