import { defineConfig } from 'vitest/config';

const shared = {
  // chdb allows one data directory per process: every test file gets its own process.
  pool: 'forks' as const,
  exclude: ['**/node_modules/**', '**/.next/**'],
  testTimeout: 30_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'main',
          include: ['{schemas,ingest,transform,surveys,dashboard,tools}/**/test/**/*.test.ts'],
          exclude: [...shared.exclude, '**/*.kafka.test.ts', '**/kafka.bus.test.ts'],
        },
      },
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
