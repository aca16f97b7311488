// Plain JavaScript so the production image loads it without TypeScript (the image has no dev dependencies).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** @type {import('next').NextConfig} */
const config = {
  // chdb is a native addon; the ClickHouse client and kafkajs stay plain Node modules. @paved/services must
  // not be compiled in: it is the one module the dashboard shares with the paved process serving it.
  serverExternalPackages: ['chdb', '@clickhouse/client', '@clickhouse/client-common', 'kafkajs', '@paved/services'],
  transpilePackages: ['@paved/schemas', '@paved/ingest', '@paved/warehouse', '@paved/pipeline', '@paved/transform', '@paved/mail', '@paved/surveys', '@paved/insights', '@paved/runtime'],
  outputFileTracingRoot: root,
  // A separate build directory (PAVED_DASHBOARD_DIST=.next-x) lets one build run while another is served.
  distDir: process.env.PAVED_DASHBOARD_DIST || '.next',
  // Workspace packages are TypeScript ESM importing `./x.js` for `./x.ts`: webpack maps the extension.
  /** @param {{ resolve: { extensionAlias?: Record<string, string[]> }, externals?: unknown }} webpackConfig @param {{ isServer: boolean }} context */
  webpack: (webpackConfig, { isServer }) => {
    webpackConfig.resolve.extensionAlias = { '.js': ['.ts', '.tsx', '.js'], '.mjs': ['.mts', '.mjs'] };
    // A workspace package resolves outside node_modules, where serverExternalPackages does not reach:
    // @paved/services is required at run time, so the dashboard shares the paved process's copy.
    if (isServer) {
      const current = webpackConfig.externals;
      webpackConfig.externals = [...(Array.isArray(current) ? current : current ? [current] : []), { '@paved/services': 'commonjs @paved/services' }];
    }
    return webpackConfig;
  },
  typedRoutes: false,
  poweredByHeader: false,
  devIndicators: false,
};

export default config;
