/**
 * The workspace's packages by job (issue 16), checked from their manifests and import lines: each library
 * has a real public API (`src/index.ts`, no `./*` export), every workspace package a file imports is one
 * its package.json declares, and the dependencies between packages point one way (no cycle, not even
 * through a devDependency). `pnpm lint` separately refuses deep imports and another package's source by path.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

interface Manifest {
  name: string;
  dir: string;
  exports?: string | Record<string, unknown>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

/** The workspace packages, from pnpm-workspace.yaml (a trailing `/*` means every folder in it). */
function workspacePackages(): Manifest[] {
  const { packages } = parse(readFileSync(join(ROOT, 'pnpm-workspace.yaml'), 'utf8')) as { packages: string[] };
  const dirs = packages.flatMap((entry) =>
    entry.endsWith('/*') ? readdirSync(join(ROOT, entry.slice(0, -2)), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `${entry.slice(0, -2)}/${d.name}`) : [entry],
  );
  return dirs
    .filter((dir) => existsSync(join(ROOT, dir, 'package.json')))
    .map((dir) => {
      const json = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as Partial<Manifest>;
      return { name: json.name!, dir, exports: json.exports, dependencies: json.dependencies ?? {}, devDependencies: json.devDependencies ?? {} };
    });
}

const PACKAGES = workspacePackages();
const NAMES = new Set(PACKAGES.map((p) => p.name));
/** Not libraries: the Next.js app, the benchmarks, and the plain CommonJS hand-over module (see its index.js). */
const NOT_LIBRARIES = new Set(['@paved/dashboard', '@paved/bench', '@paved/services']);

/** Source files of a package, leaving out nested packages (transform/warehouse inside transform) and builds. */
function sourceFiles(pkg: Manifest): { file: string; test: boolean }[] {
  const nested = PACKAGES.filter((p) => p !== pkg && p.dir.startsWith(`${pkg.dir}/`)).map((p) => p.dir);
  const out: { file: string; test: boolean }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name === 'node_modules' || entry.name.startsWith('.next') || entry.name.startsWith('dist') || entry.name === 'fixtures' || nested.includes(path)) continue;
        walk(path);
      } else if (/\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        out.push({ file: path, test: /(^|\/)test\//.test(relative(pkg.dir, path)) });
      }
    }
  };
  walk(pkg.dir);
  return out;
}

/** Workspace packages named by import/export/import() lines of a file. */
function importedPackages(file: string): Set<string> {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const found = new Set<string>();
  for (const match of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)'((?:@paved\/[a-z-]+)|paved)(?:\/[^']*)?'/gm)) {
    if (NAMES.has(match[1]!)) found.add(match[1]!);
  }
  return found;
}

describe('packages by job', () => {
  it('finds the workspace, the new packages included', () => {
    for (const name of ['@paved/schemas', '@paved/ingest', '@paved/warehouse', '@paved/pipeline', '@paved/transform', '@paved/mail', '@paved/surveys', '@paved/insights', '@paved/runtime', 'paved']) {
      expect(NAMES, name).toContain(name);
    }
  });

  it('every library has a real src/index.ts as its public API and no `./*` export', () => {
    const problems: string[] = [];
    for (const pkg of PACKAGES) {
      const exports = typeof pkg.exports === 'string' ? { '.': pkg.exports } : pkg.exports ?? {};
      for (const key of Object.keys(exports)) if (key.includes('*')) problems.push(`${pkg.name} exports ${key}`);
      if (NOT_LIBRARIES.has(pkg.name)) continue;
      if (exports['.'] !== './src/index.ts') problems.push(`${pkg.name}: exports["."] is ${JSON.stringify(exports['.'])}, not ./src/index.ts`);
      const index = join(ROOT, pkg.dir, 'src', 'index.ts');
      if (!existsSync(index)) problems.push(`${pkg.name}: no src/index.ts`);
      else if (!/^export /m.test(readFileSync(index, 'utf8'))) problems.push(`${pkg.name}: src/index.ts exports nothing`);
    }
    expect(problems).toEqual([]);
  });

  it('every workspace package a file imports is declared in its package.json (sources: dependencies)', () => {
    const problems: string[] = [];
    for (const pkg of PACKAGES) {
      for (const { file, test } of sourceFiles(pkg)) {
        for (const name of importedPackages(file)) {
          if (name === pkg.name) continue;
          const declared = name in pkg.dependencies || (test && name in pkg.devDependencies);
          if (!declared) problems.push(`${file} imports ${name}, which ${pkg.dir}/package.json does not declare${test ? '' : ' in dependencies'}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('every package with tests is in a folder vitest.config.ts collects tests from (PACKAGES)', () => {
    const config = readFileSync(join(ROOT, 'vitest.config.ts'), 'utf8');
    const roots = JSON.parse((/const PACKAGES = (\[[^\]]*\]);/.exec(config)?.[1] ?? '[]').replaceAll("'", '"')) as string[];
    expect(roots.length).toBeGreaterThan(0);
    const missed = PACKAGES.filter((p) => existsSync(join(ROOT, p.dir, 'test')) && !roots.some((root) => p.dir === root || p.dir.startsWith(`${root}/`)));
    expect(missed.map((p) => p.dir)).toEqual([]);
  });

  it('dependencies between packages point one way: no cycle, devDependencies included', () => {
    const edges = new Map(PACKAGES.map((p) => [p.name, Object.keys({ ...p.dependencies, ...p.devDependencies }).filter((d) => NAMES.has(d))]));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (name: string) => {
      state.set(name, 'open');
      path.push(name);
      for (const next of edges.get(name) ?? []) {
        if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next].join(' → '));
        else if (!state.has(next)) visit(next);
      }
      path.pop();
      state.set(name, 'done');
    };
    for (const name of edges.keys()) if (!state.has(name)) visit(name);
    expect(cycles).toEqual([]);
    // The order docs/architecture.md states, as far as these packages go.
    const below = (a: string, b: string) => !(edges.get(a) ?? []).includes(b);
    expect(below('@paved/warehouse', '@paved/pipeline')).toBe(true);
    expect(below('@paved/pipeline', '@paved/transform')).toBe(true);
    expect(below('@paved/transform', '@paved/surveys')).toBe(true);
    expect(below('@paved/surveys', '@paved/insights')).toBe(true);
    expect(edges.get('@paved/insights')).toEqual(expect.arrayContaining(['@paved/surveys', '@paved/transform']));
  });
});
