#!/usr/bin/env node
// Compiles the paved command to one JavaScript file (dist/paved.mjs) so production runs without tsx.
//
// - Workspace packages (@paved/*) and pure-JavaScript libraries are bundled in.
// - This package's own npm dependencies stay external and are loaded from node_modules at run time:
//   chdb (a native engine), next (the dashboard server), pino (worker-thread transports) and
//   @clickhouse/client (shared with chdb's connection), @platformatic/kafka (reads its wasm file beside itself)
//   and @paved/services (shared with the dashboard). Anything else a source imports is bundled, so a
//   production install needs only this package's dependencies.
// - Source files that locate their assets with `import.meta.url` (migrations, survey templates, the
//   dashboard folder, package.json) get that URL rewritten relative to the bundle, so the repository's
//   layout keeps working from dist/.
//
// Usage: node tools/cli/build.mjs [--outdir DIR]   (default tools/cli/dist)
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const outdirFlag = process.argv.indexOf('--outdir');
const outdir = resolve(outdirFlag > 0 ? process.argv[outdirFlag + 1] : join(here, 'dist'));
const manifest = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
// @paved/services stays external too: the dashboard (compiled by Next.js) must load the very same file.
const external = Object.keys(manifest.dependencies).filter((name) => (!name.startsWith('@paved/') || name === '@paved/services') && name !== 'tsx');

/** Rewrites `import.meta.url` in workspace sources to the source file's URL relative to the bundle. */
const sourceLocation = {
  name: 'source-location',
  setup(builder) {
    builder.onLoad({ filter: /\.tsx?$/ }, async (args) => {
      if (args.path.includes(`${join('node_modules', '')}`)) return undefined;
      const contents = await readFile(args.path, 'utf8');
      if (!contents.includes('import.meta.url')) return { contents, loader: 'ts' };
      const fromBundle = relative(outdir, args.path).split('\\').join('/');
      const rewritten = contents.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`);
      return { contents: rewritten, loader: 'ts' };
    });
  },
};

const started = Date.now();
const result = await build({
  entryPoints: { paved: join(here, 'src', 'entry.ts') },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
  external: [...external, ...external.map((name) => `${name}/*`), ...builtinModules, ...builtinModules.map((name) => `node:${name}`)],
  // CommonJS libraries bundled into an ES module still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __pavedCreateRequire } from 'node:module';\nconst require = __pavedCreateRequire(import.meta.url);" },
  plugins: [sourceLocation],
});

const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
const url = pathToFileURL(join(outdir, 'paved.mjs')).href;
process.stdout.write(`paved: compiled to ${relative(process.cwd(), fileURLToPath(url)) || url} (${(bytes / 1e6).toFixed(1)} MB incl. source map) in ${Date.now() - started} ms\n`);
