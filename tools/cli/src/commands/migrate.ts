import { loadConfig } from '@paved/runtime';
import { migrate } from '@paved/warehouse';
import { openWarehouse } from '../setup.js';

export async function migrateCommand(): Promise<void> {
  const { config, env } = loadConfig();
  const warehouse = await openWarehouse(env, config, 'paved migrate');
  try {
    const report = await migrate(warehouse);
    if (report.applied.length === 0) process.stdout.write(`warehouse is up to date (${report.alreadyApplied} migrations applied earlier)\n`);
    for (const migration of report.applied) process.stdout.write(`applied ${migration.name} (${migration.statements.length} statements)\n`);
  } finally {
    await warehouse.close();
  }
}
