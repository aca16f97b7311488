import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // chdb allows one data directory per process: every test file gets its own process.
    pool: 'forks',
    include: ['{schemas,ingest,transform,surveys,dashboard,tools}/**/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/.next/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
