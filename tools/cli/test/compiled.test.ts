import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The production image runs the compiled program (tools/cli/build.mjs → dist/paved.mjs) with plain node:
// no tsx, no TypeScript. This builds it into a directory of its own and drives it like production does.
const CLI_DIR = join(import.meta.dirname, '..');
const OUT = join(CLI_DIR, 'dist', `test-${process.pid}`);
const DATA = mkdtempSync(join(tmpdir(), 'paved-compiled-'));
const manifest = JSON.parse(readFileSync(join(CLI_DIR, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };

function paved(args: string[]) {
  // NODE_OPTIONS cleared so no loader (tsx, vitest's) can help the compiled file along.
  return spawnSync(process.execPath, [join(OUT, 'paved.mjs'), ...args], {
    encoding: 'utf8',
    cwd: DATA,
    timeout: 120_000,
    env: { ...process.env, NODE_OPTIONS: '', PAVED_DATA_DIR: join(DATA, 'data'), CLICKHOUSE_URL: '', PAVED_LOG_LEVEL: 'warn' },
  });
}

describe('the compiled paved program (dist/paved.mjs)', () => {
  beforeAll(() => {
    const built = spawnSync(process.execPath, [join(CLI_DIR, 'build.mjs'), '--outdir', OUT], { encoding: 'utf8' });
    expect(built.stderr).toBe('');
    expect(built.status).toBe(0);
  });
  afterAll(() => {
    rmSync(OUT, { recursive: true, force: true });
    rmSync(DATA, { recursive: true, force: true });
  });

  it('is plain JavaScript: no TypeScript source and no tsx loader is imported', () => {
    const bundle = readFileSync(join(OUT, 'paved.mjs'), 'utf8');
    expect(bundle).not.toMatch(/from\s+["'][^"']+\.tsx?["']/);
    expect(bundle).not.toMatch(/["']tsx(\/[^"']*)?["']/);
    // Whatever it still imports from node_modules is a declared dependency of this package.
    const bare = [...bundle.matchAll(/^import\s+(?:[^'"]+\s+from\s+)?["']([^"'.][^"']*)["']/gm)].map((m) => m[1]!);
    const packages = new Set(bare.filter((name) => !name.startsWith('node:') && !builtinModules.includes(name.split('/')[0]!)).map((name) => (name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0]!)));
    for (const name of packages) expect(Object.keys(manifest.dependencies), `${name} is imported by the bundle`).toContain(name);
  });

  it('prints its version and help', () => {
    const version = paved(['--version']);
    expect(version.stdout.trim()).toBe(manifest.version);
    expect(paved(['--help']).stdout).toContain('paved [options] [command]');
  });

  it('finds its migrations, loads the small demo into the embedded warehouse and answers a metric query', () => {
    const migrate = paved(['migrate']);
    expect(migrate.status, migrate.stderr).toBe(0);
    expect(migrate.stdout).toMatch(/applied 0001_/);

    const demo = paved(['demo', '--scale', 'small']);
    expect(demo.status, demo.stderr).toBe(0);
    expect(demo.stdout + demo.stderr).toMatch(/\(0 dead-lettered\)/);

    const dora = paved(['metrics', 'dora', '--json']);
    expect(dora.status, dora.stderr).toBe(0);
    const result = JSON.parse(dora.stdout) as { deploymentFrequency: { deployments: number } };
    expect(result.deploymentFrequency.deployments).toBeGreaterThan(100);
  });
});
