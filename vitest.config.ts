import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

const shared = {
  // chdb allows one data directory per process: every test file gets its own process.
  pool: 'forks' as const,
  exclude: ['**/node_modules/**', '**/.next*/**'],
  testTimeout: 30_000,
  hookTimeout: 120_000,
};

const PACKAGES = ['schemas', 'ingest', 'transform', 'mail', 'surveys', 'insights', 'dashboard', 'tools'];
const KAFKA = /\.kafka\.test\.ts$|kafka\.bus\.test\.ts$/;
/**
 * What makes a test file an integration test: it names a warehouse, a server or stand-in, a browser, a
 * broker or a child process. Everything else is a unit test and runs under scripts/vitest-unit-guard.ts,
 * which fails it if it does any of those after all (so this list cannot silently let one through).
 */
const NEEDS_THE_WORLD = /openTestWarehouse|openWarehouse|EmbeddedEngine|Warehouse\b|chdb|harness|standin|stand-in|Standin|startDemo|loadDemo|spawn|exec(File)?(Sync)?\(|fork\(|chromium|playwright|KafkaBus|listen\(|createServer|serve\(|smtp-server|fetch\(|tmpdir|mkdtemp/;

function testFiles(): string[] {
  const files: string[] = [];
  for (const root of PACKAGES) {
    for (const entry of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
      if (entry.includes('node_modules') || entry.includes('.next')) continue;
      if (/(^|\/)test\/.*\.test\.ts$/.test(entry)) files.push(join(root, entry));
    }
  }
  return files.sort();
}

const all = testFiles().filter((file) => !KAFKA.test(file));
const unit = all.filter((file) => !NEEDS_THE_WORLD.test(readFileSync(file, 'utf8')));
const integration = all.filter((file) => !unit.includes(file));

export default defineConfig({
  test: {
    projects: [
      // `pnpm test:unit`: in memory only (see scripts/vitest-unit-guard.ts).
      { test: { ...shared, name: 'unit', include: unit, setupFiles: ['scripts/vitest-unit-guard.ts'] } },
      // Embedded ClickHouse, loopback servers and stand-ins, child processes, Chromium.
      { test: { ...shared, name: 'integration', include: integration } },
      {
        test: {
          ...shared,
          name: 'kafka',
          include: ['{ingest,transform,tools}/**/test/**/*.kafka.test.ts', 'ingest/test/kafka.bus.test.ts'],
          // A real Kafka broker (scripts/kafka.sh): started if not running, stopped afterwards if this run started it
          // (PAVED_KAFKA_KEEP=1 keeps it; KAFKA_BROKERS=host:port uses another cluster).
          globalSetup: ['scripts/vitest-kafka-setup.ts'],
        },
      },
    ],
  },
});
